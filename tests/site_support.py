"""Shared by the site tests: reports from a real batch over the fake Hub, plus one crafted hostile report."""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from pathlib import Path

from auditor.batch import run_batch
from auditor.hub.live import LiveHub
from auditor.store import ReportStore
from tests.hubdata_site import ALL as SITE_FIXTURES
from tests.hubdata_site import HOSTILE, JS_LINK, ONERROR, SCRIPT

BATCH_IDS = [
    "meta-llama/Llama-2-13b-hf", "acme/tiny-apache", "gpt2", "acme/pickle-only", "acme/no-weights",
    "lineage/llama2-apache-merge", "lineage/mit-llama2-finetune-gguf", "lineage/chain-05", *SITE_FIXTURES,
]
CRAFTED = "sitefx/crafted-report"


def batch_reports(out: Path) -> Path:
    result = run_batch(BATCH_IDS, out, hub=LiveHub(), concurrency=4)
    assert result.exit_code == 0, result.errors
    add_crafted_report(out)
    return out


def add_crafted_report(reports: Path) -> dict:
    """A report whose every free-text field carries markup, event handlers or script URLs. It follows the report
    contract (fields with a closed vocabulary or a format cannot carry them: such a report is refused, see
    test_loading_skips_what_is_not_a_usable_report)."""
    report = copy.deepcopy(json.loads(ReportStore(reports).report_path(HOSTILE).read_text()))
    report["model"].update(id=CRAFTED, url=f"https://huggingface.co/{CRAFTED}", revision=None)
    report["license"].update(name=SCRIPT, declared=[SCRIPT, ONERROR], identified=ONERROR)
    report["license"]["sources"] = [{"license": ONERROR, "name": SCRIPT, "source": "card", "location": JS_LINK}]
    report["classification"] = "unknown"
    criteria = report["criteria"]
    criteria[0].update(status="unknown", summary=SCRIPT)
    criteria[0]["evidence"] = [
        {"kind": "file", "detail": ONERROR, "location": JS_LINK},
        {"kind": "file", "detail": "case-mixed scheme", "location": "JaVaScRiPt:alert(2)"},
        {"kind": "file", "detail": "data URL", "location": "data:text/html,<script>alert(3)</script>"},
        {"kind": "file", "detail": "quote breakout", "location": 'https://evil.example/x"onmouseover="alert(4)'},
        {"kind": "file", "detail": "path traversal", "location": "../../etc/passwd#L1"},
        {"kind": "license-clause", "detail": "a real clause", "location": "LICENSE.txt#L40-L45"},
    ]
    criteria[1]["notes"] = [{"kind": "card-field", "detail": f"{SCRIPT} {ONERROR}", "location": "//evil.example/x"}]
    report["lineage"]["ancestors"] = [
        {"id": "acme/tiny-apache", "relation": "finetune", "depth": 1, "license": "<svg onload=alert(5)>",
         "declared": ONERROR},
    ]
    report["lineage"]["findings"] = [{"kind": "license-conflict", "severity": "critical", "detail": SCRIPT,
                                      "clause": ONERROR, "location": JS_LINK}]
    report["weights"]["files"] = [{"path": f"{SCRIPT}.bin", "format": ONERROR, "size": 1}]
    report["problems"] = [{"what": SCRIPT, "detail": ONERROR}]
    report["mof"]["summary"] = SCRIPT
    path = ReportStore(reports).report_path(CRAFTED)
    path.write_text(json.dumps(report, indent=2))
    return report


class PageScan(HTMLParser):
    """Every tag and attribute of a page, for checks that do not depend on how the markup is laid out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def scan(path: Path) -> PageScan:
    return scan_html(path.read_text(encoding="utf-8"))


def scan_html(html: str) -> PageScan:
    parser = PageScan()
    parser.feed(html)
    return parser
