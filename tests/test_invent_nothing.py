"""Invent nothing: every commit id in a bundled report, its evidence or an export of it was shown by a public page.

The bundled snapshot is compiled from facts files whose shas come from the pages cited; a 40-hex string anywhere in
reports/ (or in an export generated from a bundled report) that no facts file holds is an invented value."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from auditor.export import export

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports"
HEX40 = re.compile(r"(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])")


@cache
def shown_shas() -> frozenset[str]:
    """Every full commit id a cited page showed (facts files hold them in `revision` and in provenance URLs)."""
    found: set[str] = set()
    for path in (ROOT / "snapshot").rglob("*.yaml"):
        found.update(HEX40.findall(path.read_text(encoding="utf-8")))
    return frozenset(found)


def bundled_files() -> list[Path]:
    return sorted(p for p in REPORTS.rglob("*") if p.suffix in {".json", ".jsonl"})


def report_files() -> list[Path]:
    skip = {"evidence", "evidence-history", "history"}
    return sorted(p for p in REPORTS.rglob("*.json")
                  if not skip & set(p.relative_to(REPORTS).parts) and p.name not in {"index.json", "errors.json"})


def invented(text: str) -> list[str]:
    return sorted(set(HEX40.findall(text)) - shown_shas())


def test_the_scan_finds_a_stand_in_sha():
    assert invented('{"revision": "' + "ab" * 20 + '"}') == ["ab" * 20]


@pytest.mark.parametrize("path", bundled_files(), ids=lambda p: p.relative_to(REPORTS).as_posix())
def test_bundled_file_holds_no_invented_sha(path: Path):
    text = path.read_text(encoding="utf-8")
    assert not invented(text), f"{path.relative_to(ROOT)} holds commit ids no page showed: {invented(text)}"
    assert "placeholder" not in text.lower(), path


@pytest.mark.parametrize("path", report_files(), ids=lambda p: p.relative_to(REPORTS).as_posix())
def test_exports_of_bundled_reports_hold_no_invented_sha(path: Path):
    report = json.loads(path.read_text(encoding="utf-8"))
    for fmt in ("cyclonedx", "spdx", "mof"):
        text = export(report, fmt)
        assert not invented(text), f"{fmt} export of {path.name}: {invented(text)}"
        if report["model"].get("revision") is None:
            assert f"{report['model']['id']}@" not in text, f"{fmt} export names a version no page showed"


@pytest.mark.parametrize("path", report_files(), ids=lambda p: p.relative_to(REPORTS).as_posix())
def test_snapshot_report_locations_point_into_real_files(path: Path):
    """Line numbers of a compiled fact sheet are not lines of the real card: snapshot reports cite files only."""
    report = json.loads(path.read_text(encoding="utf-8"))
    if report.get("source") != "snapshot":
        return
    sections = [*report["criteria"], *report.get("osaid", {}).values()]
    for item in (e for s in sections for e in s["evidence"]):
        location = item.get("location") or ""
        assert not re.match(r"^(README\.md|config\.json|adapter_config\.json)#", location), (path.name, location)
