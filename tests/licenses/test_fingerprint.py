import json
import textwrap
import time

import pytest

from auditor.licenses import build_fingerprints
from auditor.licenses.fingerprint import candidates, identify_text
from auditor.licenses.knowledge import load_knowledge
from auditor.licenses.matching import identify_license_text

REFS = [lic for lic in load_knowledge().licenses if lic.scancode_keys]
README = (
    "# Fancy model\n\nA model fine-tuned for chat. See the paper for details.\n\n"
    "## License\n\n{}\n\n## Citation\n\nPlease cite us.\n"
)
# Truncated to 40%, these are prefixes of a sibling as well; "unknown" is the honest answer, a wrong key is not.
TRUNCATION_AMBIGUOUS = {"bsd-2-clause", "cc-by-2.0", "cc-by-2.5", "cc-by-3.0"}
REQUIRED = {
    "apache-2.0",
    "mit",
    "bsd-2-clause",
    "bsd-3-clause",
    "gpl-2.0",
    "gpl-3.0",
    "lgpl-2.1",
    "lgpl-3.0",
    "agpl-3.0",
    "mpl-2.0",
    "cc-by-4.0",
    "cc-by-sa-4.0",
    "cc-by-nc-4.0",
    "cc-by-nc-sa-4.0",
    "cc-by-nd-4.0",
    "cc0-1.0",
    "llama-1",
    "llama-2",
    "llama-3.1",
    "llama-3.2",
    "llama-3.3",
    "llama-4",
    "gemma-tou-2024-04-01",
    "gemma-tou-2025-03-24",
    "gemma-pup-2024-02-21",
    "qwen",
    "tongyi-qianwen",
    "deepseek-1.0",
    "falcon-2-11b-1.0",
    "bigscience-openrail-m",
    "bigscience-bloom-rail-1.0",
    "bigcode-openrail-m",
    "creativeml-openrail-m",
    "openmdw-1.0",
    "nvidia-open-model",
    "unlicense",
    "bsl-1.0",
}


def test_required_references_fingerprinted():
    data = json.loads(build_fingerprints.FINGERPRINTS_PATH.read_text())
    assert REQUIRED <= set(data["licenses"])


@pytest.mark.parametrize("lic", REFS, ids=lambda lic: lic.key)
def test_reference_identifies_itself(lic, scancode_text):
    text = scancode_text(lic.scancode_keys[0])
    assert identify_text(text).key == lic.key
    assert identify_text(textwrap.fill(" ".join(text.split()), 57)).key == lic.key  # re-wrapped
    assert identify_text(README.format(text)).key == lic.key  # embedded in prose
    truncated = identify_text(text[: int(len(text) * 0.4)])
    if lic.key in TRUNCATION_AMBIGUOUS:
        assert truncated is None or truncated.key == lic.key
    else:
        assert truncated is not None and truncated.key == lic.key


def test_close_llama_versions(scancode_text):
    for key, sc in [
        ("llama-3.1", "llama-3.1-license-2024"),
        ("llama-3.2", "llama-3.2-license-2024"),
        ("llama-3.3", "llama-3.3-license-2024"),
    ]:
        assert identify_text(scancode_text(sc)).key == key


def test_llama_3_is_not_taken_for_3_1(scancode_text):
    text = scancode_text("llama-3.1-license-2024").replace("3.1", "3").replace("July 23, 2024", "April 18, 2024")
    match = identify_text(text)
    assert match is None or match.key == "llama-3"
    assert identify_license_text(text) is None or identify_license_text(text).key == "llama-3"


def test_bsd_variants(scancode_text):
    assert identify_text(scancode_text("bsd-new")).key == "bsd-3-clause"
    assert identify_text(scancode_text("bsd-simplified")).key == "bsd-2-clause"


def test_unknown_texts():
    prose = (
        "The quick brown fox jumps over the lazy dog while the committee discussed the annual budget at length. "
        "Afterwards everybody went home and cooked dinner, read a book, and slept soundly until the morning. "
    ) * 20
    assert identify_text(prose) is None
    assert identify_text("") is None
    assert candidates("") == []


def test_speed(scancode_text):
    text = scancode_text("apache-2.0")
    identify_text(text)
    start = time.perf_counter()
    for _ in range(20):
        identify_text(text)
    # A loose bound (about 10 ms alone; the shared test machine runs many suites at once): benchmarks/ has figures.
    assert (time.perf_counter() - start) / 20 < 0.1


def test_fingerprints_fresh():
    if build_fingerprints.scancode_licenses_dir() is None:
        pytest.skip("ScanCode not installed")
    committed = build_fingerprints.FINGERPRINTS_PATH.read_text(encoding="utf-8")
    assert build_fingerprints.render(build_fingerprints.build()) == committed, (
        "run python -m auditor.licenses.build_fingerprints"
    )


@pytest.mark.slow
def test_scancode_fallback_apache(scancode_text):
    pytest.importorskip("licensedcode")
    from auditor.licenses.scancode_detect import scancode_identify

    match = scancode_identify(scancode_text("apache-2.0"))
    assert match is not None and match.key == "apache-2.0" and match.method == "scancode"
