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
from tests.hubdata_site import HOSTILE, LLAMA_BASE, LLAMA_RELABELLED, OPEN_BASE, SCRIPT
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
    page.locator("#models").get_by_role("link", name=LLAMA_BASE).click()
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
    assert svg.get_attribute("role") == "group" and svg.locator("rect").count() == 2
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


# -- the overview, the why, mobile widths, accessibility, the feed ---------------------------------------------------
BUNDLED = Path(__file__).resolve().parent.parent / "reports"  # the snapshot reports shipped with the tool
LLAMA_2 = "meta-llama/Llama-2-7b-hf"
FALCON = "tiiuae/falcon-40b"


@pytest.fixture(scope="module")
def bundled_url(tmp_path_factory) -> Iterator[str]:
    """The site built from the bundled reports (real models, their history with the Falcon-40B relicensing)."""
    out = tmp_path_factory.mktemp("bundled") / "site"
    build_site(BUNDLED, out)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_overview_counts_charts_and_matrix_match_the_index(watched: Watched, base_url: str, site: Path):
    open_index(watched, base_url)
    page = watched.page
    rows = index_data(site)
    expected = {c: sum(1 for r in rows if r["classification"] == c)
                for c in ("open-source", "open-weights", "restricted", "closed", "unknown")}
    expected["unknown"] += sum(1 for r in rows if r["classification"] not in expected)  # a made-up class
    counts = page.eval_on_selector_all("#class-counts li", "lis => lis.map(li => [li.dataset.class, +li.dataset.count])")
    assert dict(counts) == expected
    chart = page.locator("svg#chart-classes")
    assert chart.get_attribute("role") == "img" and chart.locator("title").first.text_content() == \
        "Models by classification"
    bars = page.eval_on_selector_all("svg#chart-classes rect.seg", "rs => rs.map(r => [r.dataset.class, +r.dataset.count])")
    assert dict(bars) == {c: n for c, n in expected.items() if n}
    table = page.eval_on_selector_all("#table-classes tbody tr", "trs => trs.map(tr => +tr.querySelector('td').textContent)")
    assert table == list(expected.values())

    families: dict[str, dict[str, int]] = {}
    for r in rows:
        family = r["license_family"] or "not identified"
        cls = r["classification"] if r["classification"] in expected else "unknown"
        families.setdefault(family, {}).setdefault(cls, 0)
        families[family][cls] += 1
    drawn = page.eval_on_selector_all("svg#chart-families g.bar", """gs => gs.map(g => [g.dataset.label,
        Object.fromEntries(Array.from(g.querySelectorAll('rect.seg')).map(r => [r.dataset.class, +r.dataset.count]))])""")
    assert dict(drawn) == families
    assert page.locator("svg#chart-families title").first.text_content() == "License families by classification"

    matrix = page.eval_on_selector_all("#openness-matrix tbody tr", """trs => trs.map(tr => ({id: tr.dataset.model,
        cls: tr.dataset.classification, cells: Array.from(tr.querySelectorAll('td.cell a')).map(a =>
            [a.dataset.status, a.textContent.trim(), a.getAttribute('href')])}))""")
    assert {m["id"] for m in matrix} == {r["id"] for r in rows}
    order = ["open-source", "open-weights", "restricted", "closed", "unknown"]
    ranks = [order.index(m["cls"]) for m in matrix]
    assert ranks == sorted(ranks)  # most open first
    columns = page.eval_on_selector_all("#openness-matrix thead th[data-criterion]", "ths => ths.map(th => th.dataset.criterion)")
    assert columns[:11] == json.loads((site / "api" / "index.json").read_text())["criteria"]
    assert columns[11:] == ["osaid-data-information", "osaid-code", "osaid-parameters", "mof-class"]
    by_id = {r["id"]: r for r in rows}
    for m in matrix:
        for cid, (status, word, href) in zip(columns, m["cells"], strict=True):
            if cid in by_id[m["id"]]["criteria"]:
                assert status == (by_id[m["id"]]["criteria"][cid] if by_id[m["id"]]["criteria"][cid] in
                                  ("pass", "partial", "fail", "unknown") else "unknown")
            assert word.split()[0] in "✓◐✗?" and href.endswith(("#v-" + cid, "#mof"))  # icon + word + link
    page.locator("#openness-matrix a[href$='#v-persons-groups']").first.click()
    assert page.url.endswith("#v-persons-groups") and page.locator("#v-persons-groups").is_visible()


def test_the_llama_2_page_says_why_above_the_fold(watched: Watched, bundled_url: str, tmp_path: Path):
    page = watched.page
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(bundled_url + f"models/{LLAMA_2}.html")
    why = page.locator("#why")
    sentence = " ".join(why.text_content().split())
    assert sentence.startswith("Restricted because:")
    assert "700M-user cap (§2)" in sentence and "acceptable-use policy (§1.b.iv)" in sentence
    assert "no improving other LLMs (§1.b.v)" in sentence and "click-through acceptance" in sentence
    assert why.get_by_role("link", name="700M-user cap").get_attribute("href").endswith("licenses/llama-2.html")
    assert why.bounding_box()["y"] + why.bounding_box()["height"] < 900  # above the fold
    strip = page.locator("#criteria-strip a")
    assert strip.count() == 11 and "Persons & groups" in page.locator("#criteria-strip").text_content()
    head = page.locator(".model-head").text_content()
    assert "Llama 2 Community License Agreement" in head and "LicenseRef-scancode-llama-2-license-2023" in head
    assert "approves each access request" in head  # gated, in words
    assert "derivatives audited here" in page.locator("#derivation").text_content()
    page.screenshot(path=str(tmp_path / "llama2-1400.png"))

    page.goto(bundled_url + "models/arpankumar/Llama-2-7b-chat-doc-finetune.html")  # a relabelled derivative
    assert "fine-tune of meta-llama/Llama-2-7b-hf" in page.locator("#derivation").text_content()
    assert page.locator("#lineage line.edge-conflict").count() == 1
    assert "700M-user cap" in page.locator("#why").text_content()  # the inherited clause decides it


def test_the_family_page_lists_descendants_and_relabels(watched: Watched, base_url: str):
    page = watched.page
    page.goto(base_url + f"models/{LLAMA_BASE}.html")
    page.locator("#derivation").get_by_role("link", name="the family").click()
    assert page.url.endswith(f"/families/{LLAMA_BASE}.html")
    members = page.eval_on_selector_all("#family-members tbody tr",
                                        "trs => trs.map(tr => [tr.dataset.model, tr.classList.contains('relabels')])")
    assert dict(members) == {LLAMA_RELABELLED: True}
    assert page.locator("#lineage svg, .lineage svg").locator("line.edge-conflict").count() == 1
    page.goto(base_url + "families/index.html")
    assert page.get_by_role("link", name=OPEN_BASE).count() == 1


PAGE_TYPES = ["index.html", "pages/2.html", "matrix/index.html", f"models/{LLAMA_BASE}.html",
              f"models/{LLAMA_RELABELLED}.html", f"models/{HOSTILE}.html", f"models/{CRAFTED}.html",
              "models/lineage/chain-05.html", f"families/{LLAMA_BASE}.html", "families/index.html",
              "criteria/index.html", "criteria/persons-groups.html", "licenses/index.html", "licenses/llama-2.html",
              "about.html", "changes.html"]


@pytest.mark.parametrize("width", [360, 390])
def test_no_page_pans_sideways_on_a_phone(browser, base_url: str, bundled_url: str, width: int):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    wide = {}
    for url in [base_url + rel for rel in PAGE_TYPES] + [bundled_url + f"models/{LLAMA_2}.html",
                                                        bundled_url + f"families/{LLAMA_2}.html",
                                                        bundled_url + "changes.html", bundled_url + "index.html"]:
        page.goto(url)
        page.wait_for_load_state("load")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            wide[url] = scroll
    context.close()
    assert not wide, wide


BROKEN_WORDS = """() => Array.from(document.querySelectorAll('thead th')).filter(th => {
    const range = document.createRange();
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        for (const m of n.textContent.matchAll(/\\S+/g)) {
            range.setStart(n, m.index); range.setEnd(n, m.index + m[0].length);
            if (range.getClientRects().length > 1) return true;
        }
    }
    return false;
}).map(th => th.textContent.trim())"""


@pytest.mark.parametrize("width", [390, 1400])
def test_table_headers_never_break_inside_a_word(browser, base_url: str, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    broken = {}
    for rel in ["index.html", "matrix/index.html", f"models/{LLAMA_RELABELLED}.html", f"models/{LLAMA_BASE}.html",
                f"families/{LLAMA_BASE}.html", "families/index.html", "criteria/index.html", "licenses/index.html"]:
        page.goto(base_url + rel)
        if rel == "index.html":
            page.wait_for_selector("table#models[data-enhanced='true']")
        if found := page.evaluate(BROKEN_WORDS):
            broken[rel] = found
    context.close()
    assert not broken


@pytest.mark.parametrize("rel", ["index.html", f"models/{LLAMA_BASE}.html", f"families/{LLAMA_BASE}.html",
                                 "criteria/persons-groups.html", "changes.html", "matrix/index.html"])
def test_axe_finds_no_serious_or_critical_violations(browser, base_url: str, rel: str):
    from axe_playwright_python.sync_playwright import Axe

    for width in (1400, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(base_url + rel)
        page.wait_for_load_state("load")
        if rel == "index.html":
            page.wait_for_selector("table#models[data-enhanced='true']")
        violations = Axe().run(page).response["violations"]
        context.close()
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]) for v in violations
               if v["impact"] in ("serious", "critical")]
        assert not bad, (width, bad)


def test_the_atom_feed_parses_and_lists_the_falcon_relicensing(watched: Watched, bundled_url: str):
    import feedparser

    page = watched.page
    body = page.request.get(bundled_url + "changes.xml").body()
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and feed.entries
    falcon = [e for e in feed.entries if e.title.startswith(f"{FALCON}:")]
    assert len(falcon) == 1
    assert "license changed from" in falcon[0].title and "apache-2.0" in falcon[0].title
    assert "classification changed from restricted to open-weights" in falcon[0].title
    assert falcon[0].updated.startswith("2023-05-31")  # the relicensing commit's date, not the day it was compiled
    assert falcon[0].link.endswith(f"models/{FALCON}.html") and falcon[0].id.startswith("urn:uuid:")
    page.goto(bundled_url + "changes.html")
    entry = page.locator(f"li.change[data-model='{FALCON}']")
    assert entry.count() == 1 and "apache-2.0" in entry.text_content()
    entry.get_by_role("link", name=FALCON).click()
    assert page.url.endswith(f"/models/{FALCON}.html")
