"""Building the report: what the report may say about snapshot evidence it did not read verbatim."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.audit import score
from auditor.evidence import RepoEvidence, TextFile
from auditor.hub.snapshot import SnapshotHub
from auditor.lineage import trace_ancestors

COMPILED = "compiled fact sheet (not the published card) from https://example.org/card on 2026-01-01"


def _snapshot_evidence(card: str, detail: str) -> RepoEvidence:
    return RepoEvidence(repo_id="acme/tuned", revision=None, source="snapshot", fetched_at="2026-01-01T00:00:00Z",
                        snapshot_date="2026-01-01", card_data={"license": "apache-2.0"},
                        texts=(TextFile("README.md", "ok", content=card, detail=detail),))


CARD = ("---\nlicense: apache-2.0\n---\n\n# acme/tuned\n\n"
        "This model is a fine-tune of [acme/base](https://huggingface.co/acme/base).\n")


def test_no_line_of_a_compiled_fact_sheet_is_cited_even_inside_a_sentence(tmp_path: Path) -> None:
    evidence = _snapshot_evidence(CARD, COMPILED)
    report = score(evidence, trace_ancestors(SnapshotHub(root=tmp_path), evidence))
    undeclared = [f for f in report["lineage"]["findings"] if f["kind"] == "undeclared-base"]
    assert undeclared and "card's prose (README.md)" in undeclared[0]["detail"]  # the file, not an invented line
    assert "README.md#L" not in json.dumps(report)


def test_a_card_read_verbatim_keeps_its_line_numbers(tmp_path: Path) -> None:
    evidence = _snapshot_evidence(CARD, "")  # not a compiled stand-in: the lines are the card's own
    report = score(evidence, trace_ancestors(SnapshotHub(root=tmp_path), evidence))
    assert "README.md#L" in json.dumps(report)
