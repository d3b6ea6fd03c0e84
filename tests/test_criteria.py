"""Criteria are data: the YAML files, the evaluators in code and the generated docs must agree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from auditor.criteria import CONTRACT_IDS, load_criteria
from auditor.docs import criteria_markdown
from auditor.judge import DERIVED_EVALUATORS, EVALUATORS
from auditor.licenses.knowledge import FACT_KINDS, load_knowledge

ROOT = Path(__file__).resolve().parent.parent


def test_every_contract_id_has_a_yaml_in_contract_order():
    ids = [c.id for c in load_criteria() if c.id in CONTRACT_IDS]
    assert ids == list(CONTRACT_IDS)


def test_every_criterion_names_an_existing_evaluator_and_every_evaluator_is_used():
    used = {c.evaluator for c in load_criteria()}
    known = set(EVALUATORS) | set(DERIVED_EVALUATORS)
    assert used <= known, f"criteria name evaluators the code lacks: {used - known}"
    assert known <= used, f"evaluators no criterion uses: {known - used}"


def test_license_facts_named_by_criteria_exist_and_every_restrictive_fact_is_judged():
    named = {k for c in load_criteria() for k in (*c.fails_on, *c.partial_on, *c.notes_on)}
    assert named <= FACT_KINDS, named - FACT_KINDS
    # Every fact kind the knowledge base actually uses is read by some criterion, or is informative by design.
    informative = {"attribution-notice", "copyleft", "patent-grant", "pass-through-restrictions"}
    used = {f.kind for lic in load_knowledge().licenses for f in lic.facts}
    assert used - informative <= named, f"facts no criterion reads: {used - informative - named}"


def test_every_criterion_has_rationale_remediation_and_decision_rules():
    for c in load_criteria():
        assert c.rationale and c.remediation and c.implements and c.question, c.id
        assert {"pass", "fail", "unknown"} <= set(c.decision), c.id


def test_generated_docs_are_current():
    committed = (ROOT / "docs" / "criteria.md").read_text(encoding="utf-8")
    assert committed == criteria_markdown(), "run: python -m auditor.docs criteria"


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "auditor", "tests", "benchmarks"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
