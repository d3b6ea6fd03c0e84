"""Criteria are data: the YAML files, the evaluators in code and the generated docs must agree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.criteria import CONTRACT_IDS, CriteriaError, load_criteria
from auditor.docs import criteria_markdown
from auditor.judge import EVALUATORS
from auditor.licenses.knowledge import FACT_KINDS, load_knowledge
from auditor.probes.registry import PROBE_IDS, PROBES
from auditor.vocabulary import Status

ROOT = Path(__file__).resolve().parent.parent


def test_every_contract_id_has_a_yaml_in_contract_order():
    ids = [c.id for c in load_criteria() if c.id in CONTRACT_IDS]
    assert ids == list(CONTRACT_IDS)


def test_every_criterion_names_an_existing_evaluator_and_every_evaluator_is_used():
    used = {c.evaluator for c in load_criteria()}
    known = set(EVALUATORS)
    assert used <= known, f"criteria name evaluators the code lacks: {used - known}"
    assert known <= used, f"evaluators no criterion uses: {known - used}"


def test_every_criterion_reads_exactly_the_probes_its_evaluator_declares():
    # Scorecard's expectedProbes check: the YAML is the documentation, the evaluator's declaration the code; the
    # judge refuses an evaluator a probe it did not declare (tests/test_judge.py), so the three cannot drift apart.
    for c in load_criteria():
        declared = EVALUATORS[c.evaluator]
        assert c.reads == declared.reads, f"{c.id}: YAML reads {c.reads}, evaluator {c.evaluator} reads {declared.reads}"
        assert c.builds_on == declared.builds_on, f"{c.id}: YAML builds_on {c.builds_on} != {declared.builds_on}"


def test_read_probes_exist_and_every_probe_is_read():
    ids = [p.id for p in PROBES]
    assert len(ids) == len(set(ids)), "probe ids are unique"
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", i) for i in ids), "probe ids are kebab-case"
    read = {r for c in load_criteria() for r in c.reads}
    assert read <= PROBE_IDS, f"criteria read probes that do not exist: {read - PROBE_IDS}"
    assert PROBE_IDS <= read, f"probes no criterion reads: {PROBE_IDS - read}"


def test_criteria_build_only_on_criteria_that_exist():
    ids = {c.id for c in load_criteria()}
    for c in load_criteria():
        assert set(c.builds_on) <= ids - {c.id}, c.id


def test_a_criteria_file_with_an_unknown_key_is_refused(tmp_path):
    source = (ROOT / "criteria" / "source.yaml").read_text(encoding="utf-8")
    (tmp_path / "source.yaml").write_text(source + "partial_on: []\n", encoding="utf-8")
    with pytest.raises(CriteriaError, match="unknown keys partial_on"):
        load_criteria(tmp_path)


def test_license_facts_named_by_criteria_exist_and_every_restrictive_fact_is_judged():
    named = {k for c in load_criteria() for k in (*c.fails_on, *c.notes_on)}
    assert named <= FACT_KINDS, named - FACT_KINDS
    # Every fact kind the knowledge base actually uses is read by some criterion, or is informative by design.
    informative = {"attribution-notice", "copyleft", "patent-grant", "pass-through-restrictions"}
    used = {f.kind for lic in load_knowledge().licenses for f in lic.facts}
    assert used - informative <= named, f"facts no criterion reads: {used - informative - named}"


def test_every_criterion_has_rationale_remediation_and_decision_rules():
    for c in load_criteria():
        assert c.rationale and c.remediation and c.implements and c.question, c.id
        assert {"pass", "fail", "unknown"} <= set(c.decision), c.id
        assert set(c.decision) <= set(Status), f"{c.id}: decision keys must be statuses: {set(c.decision)}"


def test_generated_docs_are_current():
    committed = (ROOT / "docs" / "criteria.md").read_text(encoding="utf-8")
    assert committed == criteria_markdown(), "run: python -m auditor.docs criteria"


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "auditor", "tests", "benchmarks"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
