"""The README's showcase: a gated Llama 2 repo audited without a token."""

from __future__ import annotations

from auditor.audit import audit
from auditor.hub.live import LiveHub


def test_gated_llama_2_without_token_is_judged_from_the_identified_license():
    report = audit("meta-llama/Llama-2-13b-hf", hub=LiveHub(token=None))
    by_id = {c["id"]: c for c in report["criteria"]}
    unknown = [c for c in report["criteria"] if c["status"] == "unknown"]
    assert report["classification"] == "restricted"
    assert len(unknown) <= 2, [(c["id"], c["summary"]) for c in unknown]
    assert all(c["summary"] for c in unknown)
    # The unread copies are said to be unread, and where the terms came from instead.
    for criterion in ("free-redistribution", "integrity", "persons-groups"):
        summary = by_id[criterion]["summary"]
        assert "not readable without access" in summary and "Llama 2 Community License" in summary, summary
    assert by_id["persons-groups"]["status"] == "fail"
    assert "700 million" in by_id["persons-groups"]["summary"]


def test_an_unread_file_that_is_not_a_known_copy_still_blocks_a_pass():
    from auditor.evidence import RepoEvidence, TextFile
    from auditor.licenses.identify import resolve_license

    ev = RepoEvidence("acme/gated", "0" * 40, "hub", "2026-01-01T00:00:00Z", gated="manual",
                      card_data={"license": "llama2"},
                      texts=(TextFile("LICENSE.txt", "gated"), TextFile("EXTRA_TERMS.md", "gated")))
    resolution = resolve_license(ev)
    assert list(resolution.unread_copies()) == ["LICENSE.txt"]
    assert resolution.blocking_unreadable == ("EXTRA_TERMS.md",)
