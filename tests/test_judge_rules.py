"""Rules of the judge on hand-made evidence: never `pass` on what could not be read or established."""

from __future__ import annotations

from auditor.audit import score
from auditor.evidence import READ_ERROR, READ_OK, DatasetEvidence, RepoEvidence, RepoFile, TextFile
from auditor.hub.live import _gate_kind
from auditor.licenses.identify import BindingTerms
from auditor.licenses.knowledge import load_knowledge
from auditor.report import Lineage

SHA = "a" * 40


def evidence(card: dict, body: str = "# Model\n", texts: tuple[TextFile, ...] = (), **extra) -> RepoEvidence:
    readme = TextFile("README.md", READ_OK, "---\nlicense: x\n---\n" + body)
    return RepoEvidence(repo_id="t/model", revision=SHA, source="hub", fetched_at="2026-01-01T00:00:00Z",
                        card_data=card, files=(RepoFile("README.md"), RepoFile("model.safetensors", 10)),
                        texts=(readme, *texts), **extra)


def status(report: dict, cid: str) -> str:
    return next(c["status"] for c in report["criteria"] if c["id"] == cid)


def test_an_unidentified_own_license_is_not_cleared_by_an_open_base():
    apache = load_knowledge().by_hub_id("apache-2.0")
    lineage = Lineage(inherited=(BindingTerms(apache, "inherited", "lineage:base/open", None, "base/open"),))
    report = score(evidence({"license": "acme-custom-research-license"}), lineage)
    assert status(report, "persons-groups") == "unknown"
    assert report["classification"] == "unknown"


def test_a_license_named_in_prose_does_not_bind_when_the_card_states_one():
    body = "# Model\n\nUnlike models under the Llama 2 Community License Agreement, this one has no use limits.\n"
    report = score(evidence({"license": "apache-2.0"}, body), Lineage())
    assert report["license"]["identified"] == "Apache-2.0"
    assert status(report, "persons-groups") == "pass"
    assert any(f["kind"] == "license-mentioned" for f in report["license"]["findings"])


def test_a_license_named_only_in_prose_binds():
    body = "# Model\n\nThis model is released under the Llama 2 Community License Agreement.\n"
    report = score(evidence({}, body), Lineage())
    assert status(report, "persons-groups") == "fail"


def test_a_license_file_that_failed_to_download_blocks_a_pass_but_not_a_fail():
    failed = TextFile("LICENSE", READ_ERROR, detail="503 after retries")
    report = score(evidence({"license": "apache-2.0"}, texts=(failed,)), Lineage())
    assert status(report, "persons-groups") == "unknown"
    nc = score(evidence({"license": "cc-by-nc-4.0"}, texts=(failed,)), Lineage())
    assert status(nc, "fields-of-endeavor") == "fail"


def test_datasets_that_could_not_be_checked_are_not_counted_as_obtainable():
    body = ("# Model\n\n## Training data\n\nTrained on the acme corpus of documents, deduplicated and filtered.\n")
    checked = DatasetEvidence("acme/corpus", exists=True, license="cc-by-4.0")
    unchecked = DatasetEvidence("acme/corpus", exists=None, detail="timed out")
    card = {"license": "apache-2.0", "datasets": ["acme/corpus"]}
    assert status(score(evidence(card, body, datasets=(checked,)), Lineage()), "data-transparency") == "pass"
    assert status(score(evidence(card, body, datasets=(unchecked,)), Lineage()), "data-transparency") == "partial"


def test_gate_values_follow_the_contract():
    assert [_gate_kind(v) for v in (False, None, True, "auto", "manual")] == [False, False, "auto", "auto", "manual"]
