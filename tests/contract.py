"""The report contract (schema auditor.report/1) as the tests check it: auditor/report.schema.json, through the
same `report_errors` every reader of reports uses, plus the one cross-field rule JSON Schema cannot state."""

from __future__ import annotations

from auditor.reportschema import report_errors


def assert_contract(report: dict) -> None:
    assert report_errors(report) == []
    model = report["model"]
    assert model["url"] == f"https://huggingface.co/{model['id']}"
