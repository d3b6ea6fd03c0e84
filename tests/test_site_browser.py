"""The built site in a real browser: Debian's Chromium driven by Playwright, the site served over http.

Skipped only when /usr/bin/chromium is missing (CI installs it with apt-get; Playwright's own browser download
is not used)."""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.site.build import build_site
from tests.hubdata_site import HOSTILE, LLAMA_BASE, SCRIPT
from tests.site_support import BATCH_IDS, CRAFTED, batch_reports

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")
PAGE_SIZE = 8
TOTAL = len(BATCH_IDS) + 1


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's parameter name
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    reports = batch_reports(tmp_path_factory.mktemp("reports"))
    out = tmp_path_factory.mktemp("built") / "site"
    build_site(reports, out, page_size=PAGE_SIZE)
    return out


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


class Watched:
    """A page plus everything it complained about: console errors, uncaught exceptions, dialogs (alert())."""

    def __init__(self, page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture()
def watched(browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    # No network in tests: Hub links are answered locally so following one shows where it leads.
    context.route("https://huggingface.co/**", lambda route: route.fulfill(status=200, content_type="text/html",
                                                                           body="<title>Hub stand-in</title>"))
    page = context.new_page()
    page.set_default_timeout(15_000)
    w = Watched(page)
    yield w
    context.close()
    assert not w.errors, w.errors
    assert not w.dialogs, w.dialogs


def open_index(w: Watched, base_url: str, query: str = "") -> None:
    w.page.goto(base_url + "index.html" + query)
    w.page.wait_for_selector("table#models[data-enhanced='true']")


def visible_rows(w: Watched) -> list[dict]:
    """The table as the reader sees it: model id, classification word, and each cell's text."""
    return w.page.eval_on_selector_all("#models tbody tr", """rows => rows.map(tr => ({
        id: tr.querySelector('th').textContent.trim(),
        cells: Array.from(tr.querySelectorAll('td')).map(td => td.textContent.replace(/\\s+/g, ' ').trim())}))""")


def index_data(site: Path) -> list[dict]:
    return json.loads((site / "api" / "index.json").read_text())["models"]


def column(w: Watched, label: str) -> int:
    """Index among the row's <td> cells (the model is the row's <th>) of the column with this label."""
    labels = w.page.eval_on_selector_all("#models thead th", "ths => ths.map(th => th.getAttribute('data-label'))")
    return labels.index(label) - 1


# -- the index -----------------------------------------------------------------------------------------------------
def test_index_loads_enhanced_and_clean(watched: Watched, base_url: str, tmp_path: Path):
    open_index(watched, base_url)
    page = watched.page
    assert page.locator("#filters").is_visible()
    assert len(visible_rows(watched)) == PAGE_SIZE
    assert page.locator("#count").text_content().startswith(f"Models 1–{PAGE_SIZE} of {TOTAL}, sorted by Model")
    shot = tmp_path / "index.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    print(f"index screenshot: {shot}")


def test_sorting_by_classification_and_parameters(watched: Watched, base_url: str, site: Path):
    open_index(watched, base_url)
    page = watched.page
    page.get_by_role("button", name="Sort by Classification").click()
    assert page.locator("th[data-key='classification']").get_attribute("aria-sort") == "descending"
    rank = {"open source": 4, "open weights": 3, "restricted": 2, "closed": 1, "unknown": 0}
    words = [re.sub(r"^\W+\s*", "", r["cells"][0]) for r in visible_rows(watched)]
    assert words[0] == "open source"
    assert [rank[w] for w in words] == sorted((rank[w] for w in words), reverse=True)
    page.get_by_role("button", name="Sort by Classification").click()
    assert page.locator("th[data-key='classification']").get_attribute("aria-sort") == "ascending"
    assert re.sub(r"^\W+\s*", "", visible_rows(watched)[0]["cells"][0]) == "unknown"
    assert page.locator("th[data-key='id']").get_attribute("aria-sort") is None

    page.get_by_role("button", name="Sort by Parameters").click()  # largest first, unknown sizes last
    shown = [r["id"] for r in visible_rows(watched)]
    sizes = {r["id"]: r["parameters"] for r in index_data(site)}
    known = [sizes[i] for i in shown if sizes[i] is not None]
    assert known == sorted(known, reverse=True) and sizes[shown[0]] == max(v for v in sizes.values() if v)


def test_sorting_with_the_keyboard(watched: Watched, base_url: str):
    open_index(watched, base_url)
    page = watched.page
    page.get_by_role("button", name="Sort by Model").focus()
    page.keyboard.press("Enter")
    assert page.locator("th[data-key='id']").get_attribute("aria-sort") == "descending"
    ids = [r["id"] for r in visible_rows(watched)]
    assert ids == sorted(ids, key=str.lower, reverse=True)
    page.keyboard.press("Tab")  # on to the next heading's button
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Sort by Classification"
    page.keyboard.press("Space")
    assert page.locator("th[data-key='classification']").get_attribute("aria-sort") == "descending"


def test_filters_narrow_the_table_and_are_kept_in_the_address(watched: Watched, base_url: str, site: Path):
    open_index(watched, base_url)
    page = watched.page
    data = index_data(site)

    page.select_option("#f-class", "restricted")
    expected = {r["id"] for r in data if r["classification"] == "restricted"}
    assert {r["id"] for r in visible_rows(watched)} == expected and len(expected) >= 3
    assert "matching" in page.locator("#count").text_content()
    assert "classification=restricted" in page.url

    page.select_option("#f-class", "")
    page.select_option("#f-criterion", "persons-groups")
    page.select_option("#f-status", "fail")
    expected = {r["id"] for r in data if r["criteria"].get("persons-groups") == "fail"}
    rows = visible_rows(watched)
    assert {r["id"] for r in rows} == expected
    col = column(watched, "Persons & groups")
    assert all(r["cells"][col].endswith("fail") for r in rows)

    page.click("button[type='reset']")
    page.select_option("#f-family", "llama")
    assert {r["id"] for r in visible_rows(watched)} == {r["id"] for r in data if r["license_family"] == "llama"}

    page.click("button[type='reset']")
    page.fill("#f-q", "sitefx relabelled")
    assert [r["id"] for r in visible_rows(watched)] == ["sitefx/llama-relabelled-mit"]
    page.fill("#f-q", "no model is called this")
    assert visible_rows(watched) == [] and page.locator("#count").text_content().startswith("No model matches")

    open_index(watched, base_url, "?classification=restricted&sort=parameters&dir=desc")  # a shared link
    assert page.locator("#f-class").input_value() == "restricted"
    assert page.locator("th[data-key='parameters']").get_attribute("aria-sort") == "descending"
    assert {r["id"] for r in visible_rows(watched)} == {r["id"] for r in data if r["classification"] == "restricted"}


def test_paging_through_every_model(watched: Watched, base_url: str, site: Path):
    open_index(watched, base_url)
    page = watched.page
    seen = [r["id"] for r in visible_rows(watched)]
    while page.get_by_role("button", name="Next →").is_enabled():
        page.get_by_role("button", name="Next →").click()
        seen += [r["id"] for r in visible_rows(watched)]
    assert seen == [r["id"] for r in index_data(site)]
    assert page.locator("#pager").text_content().count(f"of {-(-TOTAL // PAGE_SIZE)}") == 1
    page.get_by_role("button", name="« First").click()
    assert page.locator("#count").text_content().startswith("Models 1–")

    page.goto(base_url + "pages/2.html")  # a later static page: the script starts there, with its own paths
    page.wait_for_selector("table#models[data-enhanced='true']")
    assert page.locator("#count").text_content().startswith(f"Models {PAGE_SIZE + 1}–")
    first = visible_rows(watched)[0]["id"]
    page.get_by_role("link", name=first, exact=True).click()
    page.wait_for_url(f"**/models/{first}.html")
    assert page.locator("h1").text_content() == first


def test_without_javascript_the_pages_still_work(browser, base_url: str):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "index.html")
    assert not page.locator("#filters").is_visible()
    assert page.locator("#models tbody tr").count() == PAGE_SIZE
    page.get_by_role("link", name="Next →").click()
    assert page.url.endswith("/pages/2.html")
    assert page.locator("#models tbody tr").count() == min(PAGE_SIZE, TOTAL - PAGE_SIZE)
    page.locator("#models tbody a").first.click()
    assert page.locator("h1").text_content() in BATCH_IDS + [CRAFTED]
    context.close()


# -- model pages ---------------------------------------------------------------------------------------------------
def test_open_a_model_page_and_follow_its_evidence(watched: Watched, base_url: str, tmp_path: Path, site: Path):
    open_index(watched, base_url)
    page = watched.page
    page.fill("#f-q", LLAMA_BASE)
    page.get_by_role("link", name=LLAMA_BASE).click()
    page.wait_for_url(f"**/models/{LLAMA_BASE}.html")
    assert page.locator("h1").text_content() == LLAMA_BASE
    assert page.locator("#criteria .verdict-item").count() == 11
    persons = page.locator("#v-persons-groups")
    assert "fail" in persons.locator("h3").text_content()

    report = json.loads((site / "api" / "models" / f"{LLAMA_BASE}.json").read_text())
    clause = persons.locator("a.loc[href*='LICENSE.txt#L']").first
    href = clause.get_attribute("href")
    assert href.startswith(f"https://huggingface.co/{LLAMA_BASE}/blob/{report['model']['revision']}/LICENSE.txt#L")
    shot = tmp_path / "model.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    print(f"model screenshot: {shot}")

    raw = page.request.get(base_url + f"api/models/{LLAMA_BASE}.json").json()
    assert raw == report and page.get_by_role("link", name="Download JSON").get_attribute("download")

    with page.expect_navigation():
        clause.click()  # the file and line of the clause, at the commit audited (answered by a local stand-in)
    assert page.url == href and page.title() == "Hub stand-in"
    page.go_back()
    page.locator("#license a[href$='licenses/llama-2.html']").first.click()  # the knowledge-base entry
    assert page.locator("h1").text_content() == "Llama 2 Community License Agreement"
    assert page.get_by_role("link", name=LLAMA_BASE).count() == 1  # and back again: the models under it
    page.get_by_role("link", name=LLAMA_BASE).click()
    page.get_by_role("link", name="No discrimination against persons or groups").first.click()
    assert page.url.endswith("/criteria/persons-groups.html")
    assert page.locator("details", has_text="fail").get_by_role("link", name=LLAMA_BASE).count() == 1


def test_lineage_drawing_links_to_the_base(watched: Watched, base_url: str):
    page = watched.page
    page.goto(base_url + "models/sitefx/open-child.html")
    svg = page.locator("#lineage svg")
    assert svg.get_attribute("role") == "img" and svg.locator("rect").count() == 2
    box = svg.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 80
    svg.locator("a").first.click()
    assert page.url.endswith("/models/sitefx/open-base.html")


@pytest.mark.parametrize("repo_id", [HOSTILE, CRAFTED])
def test_hostile_cards_render_inert(watched: Watched, base_url: str, repo_id: str):
    page = watched.page
    page.goto(base_url + f"models/{repo_id}.html")
    page.wait_for_load_state("load")
    facts = page.evaluate("""() => ({
        scripts: document.scripts.length,
        handlers: Array.from(document.querySelectorAll('*')).flatMap(el =>
            Array.from(el.attributes).filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name)),
        protocols: Array.from(document.querySelectorAll('a[href]')).map(a =>
            new URL(a.getAttribute('href'), location.href).protocol),
        injected: document.querySelectorAll('main img:not([src$=".svg"]), main iframe, main object').length,
        text: document.body.innerText})""")
    assert facts["scripts"] == 0 and facts["handlers"] == [] and facts["injected"] == 0
    assert set(facts["protocols"]) <= {"http:", "https:"}
    assert SCRIPT in facts["text"]  # shown as text for the reader to see
    page.mouse.move(5, 5)
    for link in page.locator("a.loc").all():  # hovering every evidence link triggers nothing
        link.hover()
    assert watched.dialogs == []


def test_hostile_rows_in_the_table_are_inert(watched: Watched, base_url: str):
    open_index(watched, base_url)
    page = watched.page
    page.fill("#f-q", "sitefx/")  # the script renders these rows itself
    ids = [r["id"] for r in visible_rows(watched)]
    assert HOSTILE in ids and CRAFTED in ids
    crafted = next(r for r in visible_rows(watched) if r["id"] == CRAFTED)
    assert crafted["cells"][0].endswith("unknown")  # a made-up classification is shown as unknown
    assert SCRIPT in crafted["cells"][1]
    assert page.evaluate("document.querySelectorAll('#models tbody script, #models tbody img').length") == 0
