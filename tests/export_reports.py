"""Reports of the fake-Hub fixtures for the export tests (audited once per session), and golden-file helpers."""

from __future__ import annotations

import copy
import difflib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from tests.hubdata_exports import FINETUNE_ID

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
LLAMA = "meta-llama/Llama-2-13b-hf"
TINY = "acme/tiny-apache"
FINETUNE = FINETUNE_ID
FIXTURES = (MINILM, LLAMA, TINY, FINETUNE)
GOLDEN_DIR = Path(__file__).parent / "golden" / "exports"
GOLDEN_REVISION = "0123456789abcdef0123456789abcdef01234567"


@cache
def _audited(repo_id: str) -> dict:
    from auditor.audit import audit
    from auditor.hub.live import LiveHub

    return audit(repo_id, hub=LiveHub())


def report_for(repo_id: str) -> dict:
    """A fresh copy of the fixture's report (tests may modify it)."""
    return copy.deepcopy(_audited(repo_id))


def normalised_report(repo_id: str) -> dict:
    """The report with its volatile fields fixed: time, tool and criteria versions, and the fixture's commit
    (content-derived, so it moves whenever a fixture file changes)."""
    report = report_for(repo_id)
    report["audited_at"] = "2026-01-01T00:00:00Z"
    report["tool"]["version"] = "0.0.0"
    report["criteria_version"] = "0.0.0+golden"
    report["model"]["revision"] = GOLDEN_REVISION
    return json.loads(json.dumps(report).replace(_audited(repo_id)["model"]["revision"], GOLDEN_REVISION))


def slug(repo_id: str) -> str:
    return repo_id.replace("/", "__")


def skeleton(value: Any) -> Any:
    """The shape of an export: keys, list lengths, identifiers, enums, URLs and numbers are kept; prose (any string
    with whitespace) becomes <text>, so rewording a summary does not break a golden file but a changed status,
    license id or structure does."""
    if isinstance(value, dict):
        return {k: skeleton(v) for k, v in value.items()}
    if isinstance(value, list):
        return [skeleton(v) for v in value]
    if isinstance(value, str) and any(ch.isspace() for ch in value):
        return "<text>"
    return value


def check_golden(name: str, text: str, parse, exact: bool = False) -> None:
    """Compare `text` with tests/golden/exports/`name` by skeleton (or byte for byte when `exact`, for outputs
    without prose such as badges); UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN_DIR / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"missing golden file {path}; run the tests with UPDATE_GOLDEN=1 to create it"
    if exact:
        assert path.read_text(encoding="utf-8") == text, f"{name} changed (UPDATE_GOLDEN=1 to accept)"
        return
    expected = json.dumps(skeleton(parse(path.read_text(encoding="utf-8"))), indent=1, sort_keys=True)
    actual = json.dumps(skeleton(parse(text)), indent=1, sort_keys=True)
    if expected != actual:
        diff = "\n".join(difflib.unified_diff(expected.splitlines(), actual.splitlines(), "golden", "now",
                                              lineterm="", n=2))
        raise AssertionError(f"{name} changed shape (UPDATE_GOLDEN=1 to accept):\n{diff[:6000]}")
