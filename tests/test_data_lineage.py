"""A fine-tune's training data includes its base's: an undisclosed base caps data transparency."""

from __future__ import annotations

from auditor.evidence import DatasetEvidence, RepoEvidence, TextFile
from auditor.judge import AuditInputs, judge
from auditor.licenses.identify import resolve_license

DATASET_CARD = "# Prefs\n\n## Dataset Creation\n\nPairs collected from public chats, filtered for quality and deduplicated.\n"
OWN = ("## Training Data\n\nFine-tuned on [acme/prefs](https://huggingface.co/datasets/acme/prefs), collected from "
       "public chats and filtered for quality.\n")


def _evidence(repo_id: str, body: str, card: dict, datasets=()) -> RepoEvidence:
    front = "".join(f"{k}: {v}\n" for k, v in card.items())
    return RepoEvidence(repo_id, "0" * 40, "hub", "2026-01-01T00:00:00Z", card_data=card,
                        texts=(TextFile("README.md", "ok", f"---\n{front}---\n{body}"),), datasets=datasets)


def _data_verdict(ancestors: tuple[RepoEvidence, ...]):
    ds = DatasetEvidence("acme/prefs", True, "mit", card=DATASET_CARD)
    ev = _evidence("acme/chat", OWN, {"license": "apache-2.0", "datasets": ["acme/prefs"]}, (ds,))
    return judge(AuditInputs.build(ev, resolve_license(ev), (), ancestors))["data-transparency"]


def test_own_data_disclosed_without_bases_passes():
    assert _data_verdict(()).status == "pass"


def test_a_base_that_does_not_disclose_its_data_caps_the_derivative():
    base = _evidence("acme/base-moe", "A mixture-of-experts base model.", {"license": "apache-2.0"})
    verdict = _data_verdict((base,))
    assert verdict.status == "partial"
    assert "acme/base-moe" in verdict.summary and "includes its base's" in verdict.summary


def test_a_base_that_discloses_its_data_does_not_cap():
    ds = DatasetEvidence("acme/prefs", True, "mit", card=DATASET_CARD)
    base = _evidence("acme/base", OWN, {"license": "apache-2.0", "datasets": ["acme/prefs"]}, (ds,))
    assert _data_verdict((base,)).status == "pass"
