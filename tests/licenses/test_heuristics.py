from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.licenses.fingerprint import identify_text
from auditor.licenses.heuristics import red_flags
from auditor.licenses.knowledge import FACT_KINDS

ACME = """ACME Model License 1.0

1. Grant. ACME grants you a licence to use and copy the Model.
2. Scope. You may use the Model for non-commercial research purposes only.
3. Scale. Companies with more than 10 million monthly active users need our written consent.
4. Outputs. You may not use the outputs of the Model to train or improve any other machine learning models.
"""


def test_custom_non_commercial_license():
    flags = red_flags(ACME)
    by_kind = {f.kind: f for f in flags}
    assert by_kind["non-commercial"].line_start == 4 and by_kind["non-commercial"].line_end == 4
    assert by_kind["research-only"].line_start == 4
    assert by_kind["user-threshold"].line_start == 5
    assert by_kind["output-restriction"].line_start == 6
    assert all(f.heuristic and f.kind in FACT_KINDS and len(f.sentence) <= 200 for f in flags)


def test_other_flags():
    text = (
        "Revenue. Licensees with annual revenue above $1M must pay.\nSee the acceptable use policy.\n"
        "The Model may not be used in the European Union.\nNo derivatives may be shared."
    )
    kinds = {f.kind for f in red_flags(text)}
    assert {"revenue-threshold", "use-restrictions", "territory-exclusion", "no-derivatives"} <= kinds


def test_clean_license_has_no_flags():
    assert red_flags("Permission is granted to use, copy, modify and distribute this software for any purpose.") == []


def test_bounded_on_large_input():
    import time

    text = ("monthly active users 1 " * 50_000) + "x" * 4_000_000
    start = time.perf_counter()
    red_flags(text)
    assert time.perf_counter() - start < 5


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_never_raise(text):
    assert isinstance(red_flags(text), list)
    identify_text(text)
