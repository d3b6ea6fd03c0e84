"""The real-card regression corpus: every model audited through the fake Hub, agreement with the public judgments.

The agreement threshold is the value measured when the corpus last changed: it may only go up. When verdicts
change, regenerate docs/agreement.md with `PYTHONPATH=. python -m tests.realcards_agreement --write`."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.hubdata_realcards import CORPUS_DIR, load_corpus
from tests.realcards_agreement import DOC_PATH, MAPPINGS, Row, agreement, allowed, audit_corpus, load_causes, render

# Share of the recorded judgments our classification agrees with (raise it as verdicts improve; never lower it).
AGREEMENT_THRESHOLD = 0.93
MIN_CORPUS_SIZE = 70
URL = re.compile(r"^https://\S+$")


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return audit_corpus()


def test_every_entry_records_where_its_card_came_from_and_cites_every_judgment():
    entries = load_corpus()
    assert len(entries) >= MIN_CORPUS_SIZE
    for entry in entries:
        assert URL.match(entry.sources["card"]), entry.repo_id
        for judgment in entry.judgments:
            assert judgment["judge"] in MAPPINGS, (entry.repo_id, judgment)
            assert URL.match(judgment["url"]), (entry.repo_id, judgment)
            assert judgment.get("subject"), (entry.repo_id, judgment)


def test_cards_carry_no_pasted_license_text():
    """License texts are served from ScanCode's data at build time; a card's front matter keeps gate titles only."""
    for entry in load_corpus():
        if entry.card is None:
            continue
        assert len(entry.card) < 12_000, f"{entry.repo_id}: the card is too long to be a reconstruction"
        assert "THE SOFTWARE IS PROVIDED" not in entry.card.upper() or len(entry.card) < 3000, entry.repo_id


@pytest.mark.parametrize("judgment,ours,agrees", [
    ({"judge": "osi", "verdict": "passed"}, "open-source", True),
    ({"judge": "osi", "verdict": "passed"}, "open-weights", False),
    ({"judge": "osi", "verdict": "not-passed"}, "restricted", True),
    ({"judge": "osi", "verdict": "not-passed"}, "unknown", False),
    ({"judge": "mof", "class": "I", "weights_license": "Apache-2.0"}, "open-source", True),
    ({"judge": "mof", "weights_license": "Apache-2.0"}, "open-weights", True),
    ({"judge": "mof", "weights_license": "Llama 2 Community License"}, "restricted", True),
    ({"judge": "mof", "weights_license": "Llama 2 Community License"}, "open-weights", False),
    ({"judge": "osai", "licenses": "open", "weights": "open", "data": "open", "code": "open"}, "open-source", True),
    ({"judge": "osai", "licenses": "closed", "weights": "open", "data": "closed", "code": "closed"}, "restricted", True),
    ({"judge": "osai", "licenses": "open", "weights": "open", "data": "closed", "code": "closed"}, "open-source", False),
])
def test_judgment_mapping(judgment, ours, agrees):
    assert (ours in allowed(judgment)) is agrees


def test_unlicensed_mot_records_say_nothing_on_our_scale():
    assert allowed({"judge": "mof", "weights_license": "unlicensed"}) is None


def test_agreement_is_at_least_the_recorded_threshold(rows):
    agree, total = agreement(rows)
    assert total > 0
    assert agree / total >= AGREEMENT_THRESHOLD, f"agreement fell to {agree}/{total}"


def test_agreement_document_is_current(rows):
    expected = render(rows, load_causes())
    assert DOC_PATH.read_text(encoding="utf-8") == expected, (
        "docs/agreement.md is stale: run `PYTHONPATH=. python -m tests.realcards_agreement --write`")


def test_every_recorded_cause_names_a_model_of_the_corpus():
    ids = {e.repo_id for e in load_corpus()}
    for key in (load_causes().get("disagreements") or {}):
        repo_id, _, judge = key.partition("|")
        assert repo_id in ids and judge in MAPPINGS, key


def test_corpus_folders_hold_only_cards_and_entries():
    for path in CORPUS_DIR.rglob("*"):
        if path.is_file():
            assert path.name in {"card.md", "entry.yaml", "causes.yaml", "README.md"}, path
            if path.name == "entry.yaml":
                yaml.safe_load(path.read_text(encoding="utf-8"))
