"""The Census section of the site: built from census directories (several dates), its charts (inline SVG with a
title, a text alternative and stable ids), the comparison with published figures, and in a real browser at 390 px."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.census.engine import Inputs
from auditor.census.fetch import check_dump_columns
from auditor.census.run import compute
from auditor.census.site import CensusSection
from auditor.errors import UsageError
from auditor.site.build import build_site
from tests.census_support import tiny_dump
from tests.site_support import batch_reports, scan
from tests.synthetic_hub import generate
from tests.test_census import TINY

CHROMIUM = Path("/usr/bin/chromium")
CHART_IDS = ["chart-licenses-all", "chart-licenses-popular", "chart-families", "chart-depth", "chart-growth-dates",
             "chart-growth-months"]


@pytest.fixture(scope="module")
def census_site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("census-site")
    censuses = base / "census"
    old = tiny_dump(base / "old.parquet", TINY)
    compute(censuses / "2026-11-01", Inputs((old,), check_dump_columns(old, "old")), "dump", "2026-11-01")
    new = base / "new.parquet"
    generate(3000, new)
    compute(censuses / "2026-12-01", Inputs((new,), check_dump_columns(new, "new")), "dump", "2026-12-01")
    reports = batch_reports(base / "reports")
    out = base / "site"
    build_site(reports, out, sections=(CensusSection(censuses),))
    return out


def test_census_page_has_every_chart_with_a_text_alternative(census_site: Path) -> None:
    html = (census_site / "census" / "index.html").read_text()
    assert "<title>Census · Model openness audit</title>" in html
    for chart_id in CHART_IDS:
        svg = html[html.index(f'<svg id="{chart_id}"'):]
        svg = svg[:svg.index("</svg>")]
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg and 'role="img"' in svg
        assert f'<title id="{chart_id}-title">' in svg and f'<desc id="{chart_id}-desc">' in svg
        assert "viewBox=" in svg and 'width="100%"' in svg
        assert "<rect" in svg
    assert 'id="table-families"' in html and 'id="table-licenses"' in html and 'id="table-dates"' in html
    assert "2026-11-01" in html and "2026-12-01" in html


def test_census_page_compares_with_published_figures(census_site: Path) -> None:
    html = (census_site / "census" / "index.html").read_text()
    table = html[html.index('id="table-compare"'):html.index("</table>", html.index('id="table-compare"'))]
    for cited in ("https://arxiv.org/abs/2509.09873", "https://arxiv.org/abs/2508.06811", "35.5 %", "1.86 M",
                  "≈ 64 %", "≈ 25 %", "≈ 211 k"):
        assert cited in table, cited
    assert table.count("<tr id=\"compare-") == 5


def test_every_page_links_to_the_census_and_nothing_is_broken(census_site: Path) -> None:
    index = (census_site / "index.html").read_text()
    assert 'href="census/index.html"' in index
    page = scan(census_site / "census" / "index.html")
    hrefs = [attrs["href"] for tag, attrs in page.tags if tag == "a" and attrs.get("href")]
    assert len(hrefs) > 10
    for href in hrefs:
        if not href.startswith(("https://", "#")):
            assert (census_site / "census" / href.split("#")[0]).resolve().exists(), href
    summary = (census_site / "census" / "summary.json").read_text()
    assert '"census_date": "2026-12-01"' in summary


def test_census_section_without_a_census_is_one_sentence(tmp_path: Path) -> None:
    reports = batch_reports(tmp_path / "reports")
    with pytest.raises(UsageError, match="holds no census"):
        build_site(reports, tmp_path / "site", sections=(CensusSection(tmp_path / "nothing"),))
    assert not (tmp_path / "site").exists()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's parameter name
        pass


@pytest.fixture(scope="module")
def served(census_site: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(QuietHandler, directory=str(census_site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")
@pytest.mark.parametrize("width", [390, 1280])
def test_census_page_in_a_browser(served: str, width: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": width, "height": 800})
            errors: list[str] = []
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(served + "census/index.html")
            assert page.title() == "Census · Model openness audit"
            for chart_id in CHART_IDS:
                box = page.locator(f"#{chart_id}").bounding_box()
                assert box is not None and box["height"] > 20 and box["x"] + box["width"] <= width + 0.5, chart_id
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0
            assert page.locator("nav a[aria-current='page']").inner_text() == "Census"
            assert errors == []
        finally:
            browser.close()
