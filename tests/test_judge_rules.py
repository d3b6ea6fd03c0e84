"""Rules of the judge on hand-made evidence: never `pass` on what could not be read or established."""

from __future__ import annotations

import pytest

from auditor.audit import score
from auditor.evidence import READ_ERROR, READ_OK, DatasetEvidence, RepoEvidence, RepoFile, TextFile
from auditor.hub.fields import read_model_info
from auditor.judge import ProbeReads, UndeclaredProbe, Verdict, settle
from auditor.licenses.identify import BindingTerms
from auditor.licenses.knowledge import load_knowledge
from auditor.lineage import Lineage
from auditor.probes import Outcome, ProbeResult

SHA = "a" * 40


def evidence(card: dict, body: str = "# Model\n", texts: tuple[TextFile, ...] = (), **extra) -> RepoEvidence:
    readme = TextFile("README.md", READ_OK, "---\nlicense: x\n---\n" + body)
    files = extra.pop("files", (RepoFile("README.md"), RepoFile("model.safetensors", 10)))
    return RepoEvidence(repo_id="t/model", revision=SHA, source="hub", fetched_at="2026-01-01T00:00:00Z",
                        card_data=card, files=files, texts=(readme, *texts), **extra)


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
    gates = [read_model_info({"gated": v}).gated for v in (False, None, True, "auto", "manual")]
    assert gates == [False, False, "auto", "auto", "manual"]


# -- the judge's one rule and the evaluators' declared reads ---------------------------------------------------------
def _reads(**outcomes: Outcome) -> ProbeReads:
    results = {pid.replace("_", "-"): ProbeResult(o, (), f"{pid} is {o}.") for pid, o in outcomes.items()}
    return ProbeReads(results, tuple(results))


@pytest.mark.parametrize("status, outcomes, expected", [
    ("pass", {"a": Outcome.TRUE, "b": Outcome.TRUE}, "pass"),
    ("pass", {"a": Outcome.TRUE, "b": Outcome.NOT_AVAILABLE}, "unknown"),
    ("pass", {"a": Outcome.FALSE, "b": Outcome.TRUE}, "pass"),  # a false probe is the evaluator's to weigh
    ("partial", {"a": Outcome.NOT_AVAILABLE}, "partial"),  # a lower bound stays one
    ("fail", {"a": Outcome.NOT_AVAILABLE}, "fail"),
])
def test_not_available_never_passes(status, outcomes, expected):
    settled = settle(Verdict("x", status, "evaluated"), _reads(**outcomes))
    assert settled.status == expected
    if expected != status:
        assert settled.summary == "b is not-available."  # the reason is the first unavailable probe's


def test_the_first_unavailable_probe_in_declared_order_gives_the_reason():
    reads = _reads(a=Outcome.TRUE, b=Outcome.NOT_AVAILABLE, c=Outcome.NOT_AVAILABLE)
    assert settle(Verdict("x", "pass", "ok"), reads).summary == "b is not-available."


def test_an_evaluator_cannot_read_a_probe_it_does_not_declare():
    reads = ProbeReads({"publishes-weights": ProbeResult(Outcome.TRUE)}, ())
    with pytest.raises(UndeclaredProbe):
        reads["publishes-weights"]


@pytest.mark.parametrize("card, body, extra", [
    ({"license": "apache-2.0"}, "# Model\n", {}),
    ({"license": "cc-by-nc-4.0"}, "# Model\n", {"gated": "manual"}),
    ({}, "# Model\n\n## Training data\n\nTrained on documents, deduplicated. https://github.com/a/train\n", {}),
    ({"license": "llama2", "datasets": ["acme/corpus"]}, "# Model\n", {"files": ()}),
])
def test_every_evaluator_reads_only_what_it_declares(card, body, extra):
    # Reading an undeclared probe raises, so judging any evidence proves the declarations cover every read.
    report = score(evidence(card, body, **extra), Lineage())
    assert len(report["criteria"]) == 11


def test_a_gated_license_pass_is_partial_but_an_unestablished_gated_license_stays_unknown():
    gated = score(evidence({"license": "apache-2.0"}, gated="manual"), Lineage())
    assert status(gated, "license-distribution") == "partial"
    failed = TextFile("LICENSE", READ_ERROR, detail="503 after retries")
    unread = score(evidence({"license": "apache-2.0"}, texts=(failed,), gated="manual"), Lineage())
    assert status(unread, "license-distribution") == "unknown"


def test_a_file_list_that_could_not_be_read_never_fails_the_weights():
    report = score(evidence({"license": "apache-2.0"}, files=()), Lineage())
    assert status(report, "source") == "unknown"
    assert report["osaid"]["parameters"]["status"] == "unknown"
    assert report["classification"] == "unknown"
