"""Probes, table-driven: every probe's true, false and not-available cases on hand-made evidence; the registry runs
each probe once per audit."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from auditor.audit import audit
from auditor.evidence import READ_GATED, READ_OK, DatasetEvidence, RepoEvidence, RepoFile, TextFile
from auditor.graph import build_tree
from auditor.hub.live import LiveHub
from auditor.licenses.identify import resolve_license
from auditor.lineage import AncestorCache
from auditor.probes import LINEAGE, Finding, Outcome, registry
from auditor.probes import publication as pub
from auditor.probes.context import ProbeContext
from tests import hubdata_lineage as fx

T, F, NA = Outcome.TRUE, Outcome.FALSE, Outcome.NOT_AVAILABLE
FILES = ("README.md", "model.safetensors")


def ev(card: dict | None = None, body: str | None = "# Model\n", files: tuple[str, ...] = FILES,
       readme_status: str = READ_OK, source: str = "hub", **extra) -> RepoEvidence:
    """Evidence of a repo `t/model`: `body` None means the README could not be read."""
    texts = () if body is None else (TextFile("README.md", readme_status,
                                              "---\nlicense: x\n---\n" + body if readme_status == READ_OK else None),)
    return RepoEvidence(repo_id="t/model", revision="a" * 40, source=source, fetched_at="2026-01-01T00:00:00Z",
                        card_data=card if card is not None else {"license": "apache-2.0"},
                        files=tuple(RepoFile(p, 10) for p in files), texts=texts, **extra)


UNREAD = {"body": None}
GATED_README = {"body": "x", "readme_status": READ_GATED}
DATA_SECTION = "# Model\n\n## Training data\n\nTrained on the acme corpus of documents.\n"
PROCESSED = DATA_SECTION + "\nThe documents were deduplicated and filtered.\n"
CORPUS = {"license": "apache-2.0", "datasets": ["acme/corpus"]}
MISSING_BASE = Finding("missing-base", "t/model names acme/gone as its base, but it cannot be read.",
                       "cardData.base_model", LINEAGE)

# probe id -> [(case, evidence keyword arguments, unresolved ancestors, expected outcome)]
CASES: dict[str, list[tuple[str, dict, tuple[Finding, ...], Outcome]]] = {
    "publishes-weights": [
        ("a safetensors file", {}, (), T),
        ("a file list without weights", {"files": ("README.md", "config.json")}, (), F),
        ("no file list", {"files": ()}, (), NA),
    ],
    "training-code-linked": [
        ("a GitHub link beside 'training'", {"body": "# M\n\nTraining code: https://github.com/acme/train-m\n"}, (), T),
        ("a card field links the repository", {"card": {"license": "mit", "repository": "https://github.com/acme/m"},
                                               **UNREAD}, (), T),
        ("a readable card without code links", {}, (), F),
        ("a library link is not training code", {"body": "# M\n\nTrained with https://github.com/pytorch/pytorch\n"},
         (), F),
        ("an unreadable card", UNREAD, (), NA),
    ],
    "inference-supported": [
        ("a known library", {"library_name": "transformers"}, (), T),
        ("an architecture file in the file list", {"files": (*FILES, "config.json")}, (), T),
        ("no library and no configuration", {}, (), F),
        ("neither library nor file list", {"files": ()}, (), NA),
    ],
    "model-card-published": [
        ("a readable README", {}, (), T),
        ("no README in the file list", {"files": ("model.safetensors",), **UNREAD}, (), F),
        ("a README behind the gate", GATED_README, (), NA),
    ],
    "evaluation-results-reported": [
        ("a model-index", {"card": {"license": "mit", "model-index": [{"name": "m", "results": []}]}}, (), T),
        ("card metadata without model-index", {}, (), F),
        ("no metadata and no card", {"card": {}, **UNREAD}, (), NA),
    ],
    "access-gated": [
        ("a manual gate", {"gated": "manual"}, (), T),
        ("no gate", {}, (), F),
        ("no gate, card unreadable: the Hub states gating in model info", UNREAD, (), F),
    ],
    "training-data-listed": [
        ("a dataset in metadata", {"card": CORPUS, "datasets": (DatasetEvidence("acme/corpus", True),)}, (), T),
        ("a dataset linked from the card", {"body": "# M\n\nData: https://huggingface.co/datasets/acme/web\n"}, (), T),
        ("a readable card naming none", {}, (), F),
        ("an unreadable card and no metadata", UNREAD, (), NA),
    ],
    "training-data-obtainable": [
        ("every dataset resolves", {"card": CORPUS, "datasets": (DatasetEvidence("acme/corpus", True),)}, (), T),
        ("a dataset does not resolve", {"card": CORPUS, "datasets": (DatasetEvidence("acme/corpus", False),)}, (), F),
        ("nothing is listed", {}, (), F),
        ("the lookup failed", {"card": CORPUS, "datasets": (DatasetEvidence("acme/corpus", None, detail="503"),)},
         (), NA),
        ("an unreadable card and no metadata", UNREAD, (), NA),
    ],
    "training-data-described": [
        ("a training-data section", {"body": DATA_SECTION}, (), T),
        ("a card without one", {}, (), F),
        ("an unreadable card", UNREAD, (), NA),
    ],
    "data-processing-described": [
        ("deduplication and filtering described", {"body": PROCESSED}, (), T),
        ("data described, processing not", {"body": DATA_SECTION}, (), F),
        ("an unreadable card", UNREAD, (), NA),
    ],
    "datasheet-linked": [
        ("a datasheet", {"body": "# M\n\nSee the datasheet for the corpus.\n"}, (), T),
        ("none", {}, (), F),
        ("an unreadable card", UNREAD, (), NA),
    ],
    "paper-linked": [
        ("an arXiv link", {"body": "# M\n\nPaper: https://arxiv.org/abs/2401.00001\n"}, (), T),
        ("none", {}, (), F),
        ("an unreadable card", UNREAD, (), NA),
    ],
    "license-clauses": [
        ("a non-commercial license", {"card": {"license": "cc-by-nc-4.0"}}, (), T),
        ("a license with no clause on record", {"card": {"license": "unlicense"}}, (), F),
        ("no license", {"card": {"library_name": "transformers"}}, (), NA),
    ],
    "license-established": [
        ("a reviewed license read in full", {}, (), T),
        ("no license", {"card": {"library_name": "transformers"}}, (), NA),
        ("a license file that failed to download",
         {"texts": None, "extra_texts": (TextFile("LICENSE", "error", detail="503"),)}, (), NA),
    ],
    "license-open": [
        ("an OSI-approved license", {}, (), T),
        ("a non-commercial license", {"card": {"license": "cc-by-nc-4.0"}}, (), F),
        ("no license", {"card": {"library_name": "transformers"}}, (), NA),
    ],
    "ancestors-resolved": [
        ("no ancestor left unread", {}, (), T),
        ("a base that could not be read", {}, (MISSING_BASE,), NA),
    ],
    "ancestors-data-disclosed": [
        ("no ancestor", {}, (), T),
        ("a base whose card says nothing of its data", {"ancestors": (ev(body="# Base\n\nA base model.\n"),)},
         (), F),
        ("a base whose card was not read", {"ancestors": (ev(body=None),)}, (), F),
    ],
}
# Probes that can never answer false, and why (the table above has no false case for them).
NEVER_FALSE = {
    "license-established": "terms are established or cannot be: there is no 'established as absent'",
    "ancestors-resolved": "every ancestor was read, or one was not",
}
NEVER_NOT_AVAILABLE = {"access-gated": "the Hub's model info always states whether downloads are gated",
                       "ancestors-data-disclosed": "an ancestor that cannot be checked caps the derivative: false"}


def _context(kwargs: dict, unresolved: tuple[Finding, ...]) -> ProbeContext:
    kwargs = dict(kwargs)
    extra_texts = kwargs.pop("extra_texts", ())
    ancestors = kwargs.pop("ancestors", ())
    kwargs.pop("texts", None)
    evidence = ev(**kwargs)
    if extra_texts:
        evidence = replace(evidence, texts=(*evidence.texts, *extra_texts),
                           files=(*evidence.files, *(RepoFile(t.path) for t in extra_texts)))
    return ProbeContext(evidence, resolve_license(evidence), unresolved, ancestors)


TABLE = [pytest.param(pid, kwargs, unresolved, expected, id=f"{pid}: {case}")
         for pid, cases in CASES.items() for case, kwargs, unresolved, expected in cases]


@pytest.mark.parametrize("probe_id, kwargs, unresolved, expected", TABLE)
def test_probe_outcome(probe_id, kwargs, unresolved, expected):
    result = registry.probe(probe_id).run(_context(kwargs, unresolved))
    assert result.outcome is expected, result.summary
    assert result.summary, "every outcome says what was found in one sentence"
    if expected is T:
        assert result.findings or probe_id in ("ancestors-resolved", "ancestors-data-disclosed"), \
            "a true outcome shows its evidence"


def test_every_probe_has_a_case_for_every_outcome_it_can_give():
    assert set(CASES) == registry.PROBE_IDS
    for pid, cases in CASES.items():
        outcomes = {expected for _, _, _, expected in cases}
        wanted = {T, F, NA} - ({F} if pid in NEVER_FALSE else set()) - ({NA} if pid in NEVER_NOT_AVAILABLE else set())
        assert outcomes == wanted, f"{pid}: cases cover {outcomes}, expected {wanted}"


def _count_probe_runs(monkeypatch) -> Counter:
    """Wrap every registered probe so each run is counted per (probe id, repo id)."""
    counts: Counter = Counter()

    def counting(p: registry.Probe) -> registry.Probe:
        def run(context: ProbeContext):
            counts[(p.id, context.evidence.repo_id)] += 1
            return p.run(context)

        return registry.Probe(p.id, p.question, run)

    monkeypatch.setattr(registry, "PROBES", tuple(counting(p) for p in registry.PROBES))
    return counts


def test_every_probe_runs_exactly_once_per_audit(monkeypatch):
    counts = _count_probe_runs(monkeypatch)
    weights_scans = Counter()
    original = pub._weight_findings
    monkeypatch.setattr(pub, "_weight_findings", lambda e: weights_scans.update([e.repo_id]) or original(e))
    audit(fx.MIT_FINETUNE, hub=LiveHub())
    assert {pid for pid, _ in counts} == registry.PROBE_IDS
    assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v != 1}
    # The old offender: the weight scan ran four times per audit (three evaluators and the MOF estimate).
    assert weights_scans == Counter({fx.MIT_FINETUNE: 1})


def test_the_tree_runs_each_probe_once_per_model_it_judges(monkeypatch):
    counts = _count_probe_runs(monkeypatch)
    build_tree(LiveHub(), fx.MIT_FINETUNE_GGUF, up=True, down=False, cache=AncestorCache())
    assert {repo for _, repo in counts} == {fx.MIT_FINETUNE_GGUF, fx.MIT_FINETUNE, fx.LLAMA2_BASE}
    assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v != 1}


# -- the bundled snapshot: a compiled fact sheet states what a page showed; what it omits was not checked -----------
SNAPSHOT_SHEET = {"body": "# t/model (compiled fact sheet)\n\n- License: apache-2.0 (card front matter)\n",
                  "source": "snapshot", "provenance": ({"fact": "license", "url": "https://example.org/card"},)}
STORED_CARD = {**SNAPSHOT_SHEET, "provenance": ()}  # a snapshot of evidence read from the repository itself


@pytest.mark.parametrize(("probe_id", "kwargs", "expected"), [
    ("training-data-listed", SNAPSHOT_SHEET, NA),
    ("training-data-described", SNAPSHOT_SHEET, NA),
    ("data-processing-described", SNAPSHOT_SHEET, NA),
    ("training-code-linked", SNAPSHOT_SHEET, NA),
    ("evaluation-results-reported", SNAPSHOT_SHEET, NA),
    ("publishes-weights", {**SNAPSHOT_SHEET, "files": ()}, NA),
    # what the sheet does state still counts
    ("training-data-described", {**SNAPSHOT_SHEET, "body": DATA_SECTION}, T),
    ("training-data-listed", {**SNAPSHOT_SHEET, "card": CORPUS}, T),
    # the same omissions in a published card that was read are real absences, live or stored
    ("training-data-described", {**SNAPSHOT_SHEET, "source": "hub", "provenance": ()}, F),
    ("training-code-linked", STORED_CARD, F),
    ("publishes-weights", {**STORED_CARD, "files": ()}, NA),
])
def test_what_a_snapshot_fact_sheet_omits_is_not_known_to_be_absent(probe_id, kwargs, expected):
    result = registry.probe(probe_id).run(_context(kwargs, ()))
    assert result.outcome is expected, result.summary
    if expected is NA and kwargs.get("provenance"):
        assert "bundled snapshot" in result.summary
