"""Exports: the report in formats other tools read (CycloneDX ML-BOM, SPDX 3 AI, MOF YAML, SVG badge).

Like the renderers, exports read the report (the contract dict) and nothing else; a report is checked against the
contract (auditor.reportschema) before any format reads it. Everything derived here is deterministic for a given
report, so an export can be diffed and pinned by golden files. Shared helpers live in auditor.export.common."""

from __future__ import annotations

from collections.abc import Callable

from auditor import callable_module
from auditor.errors import UsageError
from auditor.export.common import (
    card,
    concluded_license,
    criterion,
    dataset_license_id,
    declared_licenses,
    document_uuid,
    expression_symbols,
    file_url,
    is_license_expression,
    is_spdx_id,
    limitations,
    purl,
    split_id,
    tree_url,
)
from auditor.reportschema import check_report

FORMATS = ("cyclonedx", "spdx", "mof", "badge")
# File name endings when exports are written next to each other (`audit batch --export`).
SUFFIXES = {"cyclonedx": ".cdx.json", "spdx": ".spdx.json", "mof": ".mof.yml", "badge": ".svg"}

__all__ = ["FORMATS", "SUFFIXES", "card", "check_report", "concluded_license", "criterion", "dataset_license_id",
           "declared_licenses", "document_uuid", "export", "expression_symbols", "file_url", "is_license_expression",
           "is_spdx_id", "limitations", "purl", "split_id", "tree_url"]


def _renderer(fmt: str) -> Callable[[dict], str]:
    if fmt == "cyclonedx":
        from auditor.export.cyclonedx import render as cyclonedx

        return cyclonedx
    if fmt == "spdx":
        from auditor.export.spdx import render as spdx

        return spdx
    if fmt == "mof":
        from auditor.export.mof import render as mof

        return mof
    if fmt == "badge":
        from auditor.render.badge import classification_badge

        return lambda r: classification_badge(r) + "\n"
    raise UsageError(f"Unknown export format '{fmt}'; choose one of {', '.join(FORMATS)}.")


def export(report: dict, fmt: str) -> str:
    """The report rendered as `fmt` (one of FORMATS), as text ready to write to a file. Anything that is not a
    valid report is refused in one sentence (the formats index into it freely)."""
    render = _renderer(fmt)
    check_report(report)
    return render(report)


callable_module(__name__, export)  # `auditor.export(...)` calls export(): the public API, see auditor/__init__.py
