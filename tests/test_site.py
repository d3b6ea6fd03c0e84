"""The static site, built from a real batch over the fake Hub (no browser here: see test_site_browser.py)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.criteria import load_criteria
from auditor.errors import UsageError
from auditor.licenses.knowledge import load_knowledge
from auditor.report import index_row
from auditor.reportschema import report_errors
from auditor.site.build import PAGE_SIZE, SITE_MARKER, build_site, load_reports
from auditor.site.lineage_svg import LABEL_CHARS, layout, wrap
from auditor.site.links import LinkContext, safe_http_url
from auditor.store import ReportStore
from tests.hubdata_site import HOSTILE, LLAMA_BASE, LLAMA_RELABELLED, OPEN_BASE, OPEN_CHILD
from tests.site_support import BATCH_IDS, CRAFTED, batch_reports, scan, scan_html

REV = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    return batch_reports(tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="module")
def site(reports: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built") / "site"
    result = build_site(reports, out)
    assert result.models == len(BATCH_IDS) + 1 and not result.skipped
    assert result.files == len(list(p for p in out.rglob("*") if p.is_file()))
    return out


def model_page(site: Path, repo_id: str) -> Path:
    return site / "models" / f"{repo_id}.html"


# -- what is built -------------------------------------------------------------------------------------------------
def test_every_page_api_file_and_badge_is_built(site: Path, reports: Path):
    for name in ("index.html", "about.html", "criteria/index.html", "licenses/index.html", "api/index.json",
                 "assets/style.css", "assets/site.js", SITE_MARKER):
        assert (site / name).is_file(), name
    assert {p.stem for p in (site / "criteria").glob("*.html")} == {c.id for c in load_criteria()} | {"index"}
    assert {p.stem for p in (site / "licenses").glob("*.html")} == {lic.key for lic in load_knowledge().licenses} \
        | {"index"}
    for repo_id in [*BATCH_IDS, CRAFTED]:
        assert model_page(site, repo_id).is_file()
        stored = ReportStore(reports).report_path(repo_id)
        assert (site / "api" / "models" / f"{repo_id}.json").read_bytes() == stored.read_bytes()
        badge = (site / "badges" / f"{repo_id}.svg").read_text()
        cls = json.loads(ReportStore(reports).report_path(repo_id).read_text())["classification"]
        expected = {"open-source": "open source", "open-weights": "open weights"}.get(cls, cls)
        if cls not in ("open-source", "open-weights", "restricted", "closed"):
            expected = "unknown"
        assert badge.startswith("<svg") and f"openness: {expected}" in badge


def test_the_api_index_has_one_row_per_report(site: Path, reports: Path):
    index = json.loads((site / "api" / "index.json").read_text())
    rows = {row["id"]: row for row in index["models"]}
    assert set(rows) == {*BATCH_IDS, CRAFTED} and index["count"] == len(rows)
    for repo_id in BATCH_IDS:
        assert rows[repo_id] == index_row(json.loads(ReportStore(reports).report_path(repo_id).read_text()))
    assert [row["id"] for row in index["models"]] == sorted(rows, key=lambda i: (i.lower(), i))


def test_the_index_table_works_without_javascript(site: Path):
    html = (site / "index.html").read_text()
    page = scan_html(html[html.index('<form id="filters"'):])
    rows = [a for tag, a in page.tags if tag == "a" and (a.get("href") or "").startswith("models/")]
    assert {a["href"] for a in rows} == {f"models/{i}.html" for i in [*BATCH_IDS, CRAFTED]}
    form = next(a for tag, a in page.tags if tag == "form")
    assert "hidden" in form  # the filters need the script; without it they stay out of the way
    headers = [a.get("data-key") for tag, a in page.tags if tag == "th" and a.get("scope") == "col"]
    assert headers[:3] == ["id", "classification", "license"] and "data" in headers and "date" in headers
    assert len([h for h in headers if h and h.startswith("c:")]) == 10
    text = " ".join(page.text)
    for word in ("pass", "fail", "unknown"):  # an icon and a word in every status cell, never colour alone
        assert re.search(rf"[✓✗◐?]\s*{word}", text)
    assert "Llama 2 Community License Agreement" in text  # licenses by name, the id as secondary text


def test_pages_are_self_contained_and_links_are_http_or_relative(site: Path):
    for path in site.rglob("*.html"):
        page = scan(path)
        metas = [a for tag, a in page.tags if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
        assert metas and "script-src 'self'" in metas[0]["content"] and "default-src 'none'" in metas[0]["content"]
        for tag, attrs in page.tags:
            assert tag not in ("iframe", "object", "embed", "base", "frame")
            assert tag != "form" or "site-config" in path.read_text()  # the filter form is on table pages only
            assert not [name for name in attrs if name.startswith("on")], (path, tag, attrs)
            assert "style" not in attrs, (path, tag)  # the CSP allows no inline style
            if tag == "script":
                assert attrs.get("type") == "application/json" or re.fullmatch(r"(\.\./)*assets/site\.js",
                                                                               attrs.get("src") or ""), attrs
            for name in ("href", "src"):
                value = attrs.get(name)
                if value is None:
                    continue
                if tag in ("link", "img", "script"):
                    assert not re.match(r"^[a-z]+:|^//", value, re.I), (path, tag, value)  # nothing from elsewhere
                else:
                    assert re.match(r"^(https?://|#|[A-Za-z0-9_.%/-])", value) and not value.startswith("//"), \
                        (path, value)
                    assert not re.match(r"^\s*(javascript|data|vbscript):", value, re.I)


def test_hostile_reports_render_as_text(site: Path):
    for repo_id in (HOSTILE, CRAFTED):
        html = model_page(site, repo_id).read_text()
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html
        assert "&lt;script&gt;alert(" in html  # shown, as text
        page = scan(model_page(site, repo_id))
        hrefs = [a.get("href") or "" for tag, a in page.tags if tag == "a"]
        assert not [h for h in hrefs if "javascript" in h.lower() or h.startswith(("data:", "//"))]
        assert [tag for tag, _ in page.tags if tag == "script"] == []  # no script at all on a model page
    crafted = scan(model_page(site, CRAFTED))
    links = [a for tag, a in crafted.tags if tag == "a"]
    evil = [a for a in links if (a.get("href") or "").startswith("https://evil.example/")]
    assert len(evil) == 1 and set(evil[0]) == {"class", "href", "rel"}  # the quote did not break out
    assert "JaVaScRiPt:alert(2)" in crafted.text and "../../etc/passwd#L1" in crafted.text
    assert any((a.get("href") or "") == f"https://huggingface.co/{CRAFTED}/blob/main/LICENSE.txt#L40-L45"
               for a in links)  # an unusable revision falls back to the branch, never into the URL
    assert any(a.get("href") == "../../models/acme/tiny-apache.html" for a in links)  # a valid ancestor is linked
    index_html = (site / "index.html").read_text()
    assert "<b>open</b>" not in index_html


def test_model_page_links_verdicts_to_files_lines_and_knowledge(site: Path, reports: Path):
    report = json.loads(ReportStore(reports).report_path(LLAMA_BASE).read_text())
    page = scan(model_page(site, LLAMA_BASE))
    hrefs = {a.get("href") for tag, a in page.tags if tag == "a"}
    line_links = [h for h in hrefs if h and re.fullmatch(
        rf"https://huggingface\.co/{LLAMA_BASE}/blob/{report['model']['revision']}/LICENSE\.txt#L\d+(-L\d+)?", h)]
    assert line_links  # the clause's file and lines, at the commit audited
    assert f"https://huggingface.co/{LLAMA_BASE}" in hrefs
    assert "../../licenses/llama-2.html" in hrefs and "../../criteria/persons-groups.html" in hrefs
    assert f"../../api/models/{LLAMA_BASE}.json" in hrefs
    text = " ".join(page.text)
    for verdict in report["criteria"]:
        assert verdict["summary"] in text
    assert f"[![openness: restricted](badges/{LLAMA_BASE}.svg)](models/{LLAMA_BASE}.html)" in text

    relabelled = scan(model_page(site, LLAMA_RELABELLED))
    assert any(a.get("href") == f"../../models/{LLAMA_BASE}.html" for tag, a in relabelled.tags if tag == "a")


def test_lineage_is_an_inline_svg(site: Path):
    html = model_page(site, "lineage/llama2-apache-merge").read_text()
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert svg.count("<rect") == 3 and svg.count("<line") == 2 and "stroke-dasharray" not in svg
    assert 'href="../../models/lineage/Llama-2-7b-reupload.html"' not in svg  # not audited here: its Hub page
    assert 'href="https://huggingface.co/lineage/Llama-2-7b-reupload"' in svg
    chain = model_page(site, "lineage/chain-05").read_text()
    assert chain[chain.index("<svg"):chain.index("</svg>")].count("<line") == 5
    child = model_page(site, OPEN_CHILD).read_text()
    assert f'href="../../models/{OPEN_BASE}.html"' in child[child.index("<svg"):]
    assert "No base model declared" in model_page(site, "gpt2").read_text()


def test_lineage_layout_uses_the_named_child_and_marks_guesses():
    ctx = LinkContext(root="../", model_id="m/x", models=frozenset({"a/base"}))
    ancestors = [{"id": "a/one", "depth": 1, "relation": "merge", "named_by": "m/x"},
                 {"id": "a/two", "depth": 1, "relation": "merge", "named_by": "m/x"},
                 {"id": "a/base", "depth": 2, "relation": "finetune", "named_by": "a/two"},
                 {"id": "a/unknown-parent", "depth": 2, "relation": "finetune"},
                 {"id": "javascript:alert(1)", "depth": 3}, {"id": "bad", "depth": "deep"}, "junk"]
    drawing = layout("m/x", "MIT", ancestors, ctx)
    assert drawing is not None and len(drawing.nodes) == 6
    by_label = {n.id: n for n in drawing.nodes}
    assert by_label["a/base"].href == "../models/a/base.html" and by_label["a/one"].href == "https://huggingface.co/a/one"
    assert by_label["javascript:alert(1)"].href is None and by_label["m/x"].current
    certain = [e for e in drawing.edges if e.certain]
    guessed = [e for e in drawing.edges if not e.certain]
    assert len(certain) == 3  # the two merge bases → the model, a/base → a/two (its named child)
    assert len(guessed) == 4  # a/unknown-parent and the depth-3 node could each sit on either node below
    base = by_label["a/base"]
    two = by_label["a/two"]
    assert any(e.x1 == base.x + drawing.node_w // 2 and e.x2 == two.x + drawing.node_w // 2 for e in certain)
    assert layout("m/x", None, [], ctx) is None


def test_lineage_labels_wrap_in_full_and_rows_never_overlap():
    long_id = "CCDS-Scaling/llama2-7b-ifeval-less-p0.10-lora-seed2-linear-1epoch"
    ctx = LinkContext(root="../")
    drawing = layout(long_id, "LicenseRef-scancode-llama-2-license-2023 AND Apache-2.0",
                     [{"id": "meta-llama/Llama-2-7b-hf", "depth": 1, "relation": "adapter", "named_by": long_id}],
                     ctx, "restricted", conflicts=frozenset({"meta-llama/Llama-2-7b-hf"}))
    node = next(n for n in drawing.nodes if n.current)
    assert "".join(node.label) == long_id.replace(" ", "") and len(node.label) > 1  # wrapped, nothing dropped
    assert all(len(line) <= LABEL_CHARS for line in node.label)
    assert node.status == "▲ restricted" and node.classification == "restricted"
    base = next(n for n in drawing.nodes if not n.current)
    assert base.y + base.h < node.y  # the base's row ends above the model's
    (edge,) = drawing.edges
    assert edge.conflict and edge.relation == "adapter" and drawing.has_conflicts


@pytest.mark.parametrize("text, width, lines", [
    ("a/b", 10, ("a/b",)),
    ("meta-llama/Llama-2-7b-hf", 12, ("meta-llama/", "Llama-2-7b-", "hf")),
    ("x" * 25, 10, ("x" * 10, "x" * 10, "x" * 5)),
    ("", 10, ("",)),
])
def test_wrap_keeps_every_character(text, width, lines):
    assert wrap(text, width) == lines


@pytest.mark.parametrize("location, kind, expected", [
    ("LICENSE.txt#L40-L45", "license-clause", f"https://huggingface.co/o/m/blob/{REV}/LICENSE.txt#L40-L45"),
    ("README.md#L12", "card-field", f"https://huggingface.co/o/m/blob/{REV}/README.md#L12"),
    ("config.json", "file", f"https://huggingface.co/o/m/blob/{REV}/config.json"),
    ("LICENSE", "hub-field", f"https://huggingface.co/o/m/blob/{REV}/LICENSE"),
    ("docs/USE POLICY.md", "file", None),
    ("cardData.license", "card-field", f"https://huggingface.co/o/m/blob/{REV}/README.md"),
    ("criteria/licenses/llama-2.yaml", "license-clause", "../../licenses/llama-2.html"),
    ("criteria/licenses/not-a-license.yaml", "license-clause", None),
    ("criteria/persons-groups.yaml", "hub-field", "../../criteria/persons-groups.html"),
    ("lineage:o/base", "lineage", "../../models/o/base.html"),
    ("lineage:other/base", "lineage", "https://huggingface.co/other/base"),
    ("lineage:javascript:alert(1)", "lineage", None),
    ("siblings", "hub-field", None),
    ("library_name", "hub-field", None),
    ("https://github.com/o/train", "card-field", "https://github.com/o/train"),
    ("http://example.com/a?b=c#d", "card-field", "http://example.com/a?b=c#d"),
    ("javascript:alert(1)", "file", None),
    ("JAVASCRIPT:alert(1)", "file", None),
    ("data:text/html,x", "file", None),
    ("//evil.example/x", "file", None),
    ("../secret.txt", "file", None),
    ("a/../../b.txt", "file", None),
    ("https://exa mple.com", "card-field", None),
    ("https://example.com/\nx", "card-field", None),
    ("", "file", None),
])
def test_evidence_locations_become_links_only_when_safe(location, kind, expected):
    ctx = LinkContext(root="../../", model_id="o/m", revision=REV, models=frozenset({"o/base"}),
                      licenses=frozenset({"llama-2"}), criteria=frozenset({"persons-groups"}))
    assert ctx.location_href(location, kind) == expected


@pytest.mark.parametrize("url, ok", [("https://a.b/c", True), ("http://a.b", True), ("ftp://a.b", False),
                                     ("https://", False), ("mailto:x@y", False), (None, False), (42, False),
                                     ("https://a.b/\u2028", False)])
def test_safe_http_url(url, ok):
    assert (safe_http_url(url) is not None) is ok


def test_criterion_and_license_pages_list_their_models(site: Path):
    persons = (site / "criteria" / "persons-groups.html").read_text()
    fail_block = persons[persons.index("st-fail"):persons.index("st-partial", persons.index("st-fail"))]
    assert 'href="../models/meta-llama/Llama-2-13b-hf.html"' in fail_block
    criterion = next(c for c in load_criteria() if c.id == "persons-groups")
    for words in (criterion.question, criterion.remediation, criterion.implements, *criterion.decision.values()):
        assert words.replace("'", "&#39;").replace('"', "&#34;") in persons
    llama = (site / "licenses" / "llama-2.html").read_text()
    own, inherited = llama.split("Models that inherit it")
    assert "meta-llama/Llama-2-13b-hf" in own and LLAMA_BASE in own
    assert LLAMA_RELABELLED in inherited and LLAMA_RELABELLED not in own
    info = load_knowledge().by_key("llama-2")
    assert all(fact.summary.replace("'", "&#39;") in llama for fact in info.facts)


def test_pagination_splits_the_table(reports: Path, tmp_path: Path):
    result = build_site(reports, tmp_path / "site", page_size=4)
    total = result.models
    pages = -(-total // 4)
    assert sorted(p.name for p in (tmp_path / "site" / "pages").glob("*.html")) == sorted(
        f"{n}.html" for n in range(2, pages + 1))
    last = scan(tmp_path / "site" / "pages" / f"{pages}.html")
    rows = [a for tag, a in last.tags if tag == "a" and (a.get("href") or "").startswith("../models/")]
    assert len(rows) == total - 4 * (pages - 1)
    first = (tmp_path / "site" / "index.html").read_text()
    assert 'href="pages/2.html" rel="next"' in first and f"of {total}" in first
    config = json.loads(re.search(r'id="site-config">(.*?)</script>', first).group(1))
    assert config["pageSize"] == 4 and config["page"] == 1 and config["index"] == "api/index.json"
    assert PAGE_SIZE == 100


def test_parallel_build_gives_the_same_site(reports: Path, tmp_path: Path):
    one = build_site(reports, tmp_path / "one", workers=1)
    two = build_site(reports, tmp_path / "two", workers=2)
    files_one = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*") if p.is_file())
    files_two = sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two").rglob("*") if p.is_file())
    assert files_one == files_two and one.total_bytes == two.total_bytes

    def body(path: Path) -> str:  # the footer carries the build time
        return re.sub(r"Built \d{4}-\d\d-\d\d \d\d:\d\d UTC", "", path.read_text(errors="replace"))

    for rel in files_one:
        if rel.suffix in (".html", ".svg"):
            assert body(tmp_path / "one" / rel) == body(tmp_path / "two" / rel), rel


def test_rebuild_replaces_the_site_and_never_a_foreign_directory(reports: Path, tmp_path: Path):
    out = tmp_path / "site"
    build_site(reports, out)
    (out / "models" / "stale.html").write_text("old")
    build_site(reports, out)
    assert not (out / "models" / "stale.html").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging or retired copies left

    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("precious")
    with pytest.raises(UsageError, match="not empty"):
        build_site(reports, foreign)
    assert (foreign / "thesis.txt").read_text() == "precious" and len(list(foreign.iterdir())) == 1
    with pytest.raises(UsageError, match="does not exist"):
        build_site(tmp_path / "nope", tmp_path / "x")


def test_loading_skips_what_is_not_a_usable_report(reports: Path, tmp_path: Path):
    shutil.copytree(reports, tmp_path / "r")
    root = tmp_path / "r"
    (root / "broken.json").write_text("{not json")
    (root / "acme" / "partial.json").write_text(json.dumps({"schema": "auditor.report/1", "model": {"id": "a/b"}}))
    bad_id = json.loads(ReportStore(root).report_path("gpt2").read_text())
    bad_id["model"]["id"] = "../../etc/passwd"
    (root / "acme" / "traversal.json").write_text(json.dumps(bad_id))
    not_a_number = json.loads(ReportStore(root).report_path("gpt2").read_text())
    not_a_number["model"]["id"] = "acme/not-a-number"
    not_a_number["mof"]["score"] = float("nan")  # NaN is not JSON: it must never reach api/index.json
    (root / "acme" / "not-a-number.json").write_text(json.dumps(not_a_number))
    older = json.loads(ReportStore(root).report_path("gpt2").read_text())
    older["audited_at"] = "2000-01-01T00:00:00Z"
    (root / "old-copy.json").write_text(json.dumps(older))
    (root / "exports").mkdir()
    (root / "exports" / "gpt2.json").write_text(json.dumps({"bomFormat": "CycloneDX"}))  # other JSON: not a report
    build_site(reports, root / "site-inside")  # a site built inside the reports folder is not read back

    summaries, skipped = load_reports(root)
    assert {s.id for s in summaries} == {*BATCH_IDS, CRAFTED}
    assert next(s for s in summaries if s.id == "gpt2").audited_at != "2000-01-01T00:00:00Z"
    assert sorted(skipped) == sorted([
        "broken.json: not readable JSON (JSONDecodeError)",
        "acme/partial.json: not a valid report (model: 'revision' is a required property)",
        "acme/traversal.json: not a valid report (model.id: '../../etc/passwd' is not a Hub repository id ('name' or "
        "'namespace/name'; ASCII letters, digits, '-', '_', '.'))",
        "acme/not-a-number.json: not readable JSON (ValueError)"])
    with pytest.raises(UsageError, match="No reports"):
        build_site(root / "evidence", tmp_path / "empty-site")


# -- the command ---------------------------------------------------------------------------------------------------
def cli(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return exit_info.value.code, capsys.readouterr().err


def test_cli_site_build(reports: Path, tmp_path: Path, capsys):
    code, err = cli(["site", "build", str(reports), "--out", str(tmp_path / "s"), "--base-url",
                     "https://example.org/audit/"], capsys)
    assert code == 0 and f"for {len(BATCH_IDS) + 1} models" in err
    html = model_page(tmp_path / "s", "gpt2").read_text()
    assert "[![openness: open weights](https://example.org/audit/badges/gpt2.svg)]" \
           "(https://example.org/audit/models/gpt2.html)" in html
    code, err = cli(["site", "build", str(tmp_path / "missing"), "--out", str(tmp_path / "t")], capsys)
    assert code == 2 and "does not exist" in err
    code, err = cli(["site", "build", str(reports), "--out", str(tmp_path / "t"), "--base-url", "javascript:x"],
                    capsys)
    assert code == 2 and "http(s)" in err and "Traceback" not in err


def _luminance(hex_color: str) -> float:
    channels = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_colours_meet_wcag_aa_contrast(site: Path):
    css = (site / "assets" / "style.css").read_text()
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", css))
    pairs = [("text", "bg"), ("muted", "bg"), ("muted", "panel"), ("link", "bg"), ("link-visited", "bg")]
    pairs += [(f"{p}-fg", f"{p}-bg") for p in ("pass", "partial", "fail", "unknown", "os", "ow", "re", "cl")]
    for fg, bg in pairs:
        assert contrast(colours[fg], colours[bg]) >= 4.5, (fg, bg)
    assert contrast("#ffffff", colours["head"]) >= 4.5  # the header's white text
    assert contrast("#9cc3ff", colours["head"]) >= 3  # its accent mark and underline (non-text)


# -- hostile numbers and signals (issue 14, items 8 and 10) --------------------------------------------------------
@pytest.mark.parametrize("count, shown", [(2**1088, "about 10^327"), (10**400, "about 10^400"),
                                          (10**18, "about 10^18"), (10**18 - 1, "1000000 T"),
                                          (13_015_864_320, "13.0 B"), (999_950, "1000 K"), (12_345, "12.3 K"), (7, "7")])
def test_huge_parameter_counts_are_formatted_not_fatal(count, shown):
    from auditor.site.views import exact_count, human_bytes, human_count

    assert human_count(count) == shown
    assert exact_count(count).startswith("about 10^") == (count >= 10**18)
    assert human_bytes(count)  # no OverflowError either


def test_a_report_with_an_absurd_parameter_count_still_builds(reports: Path, tmp_path: Path):
    shutil.copytree(reports, tmp_path / "r")
    for repo_id, count in (("gpt2", 2**1088), ("acme/tiny-apache", 10**400)):
        path = ReportStore(tmp_path / "r").report_path(repo_id)
        report = json.loads(path.read_text())
        report["weights"]["parameters"] = count
        report["weights"]["parameters_by_dtype"] = {"F32": count}
        report["weights"]["files"] = [{"path": "model.safetensors", "format": "safetensors", "size": count}]
        path.write_text(json.dumps(report))
    build_site(tmp_path / "r", tmp_path / "site")
    assert "about 10^327" in model_page(tmp_path / "site", "gpt2").read_text()
    assert "about 10^400" in model_page(tmp_path / "site", "acme/tiny-apache").read_text()


def test_stale_staging_copies_of_killed_builds_are_swept(reports: Path, tmp_path: Path):
    import os
    import time

    out = tmp_path / "site"
    dead = tmp_path / ".site.building-999999999-x1"  # a pid that cannot be running
    legacy = tmp_path / ".site.building-abc123"  # from a build before copies named their pid
    alive = tmp_path / f".site.building-{os.getpid()}-x2"  # a concurrent build: left alone
    other = tmp_path / ".other.building-999999999-x3"  # another site's: not ours to touch
    for folder in (dead, legacy, alive, other):
        folder.mkdir()
        (folder / "index.html").write_text("half-built")
    old = time.time() - 7200
    os.utime(legacy, (old, old))
    build_site(reports, out)
    assert not dead.exists() and not legacy.exists()
    assert alive.exists() and other.exists()


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads worker pids from /proc (Linux)")
def test_sigterm_stops_the_workers_and_removes_the_staging_copy(reports: Path, tmp_path: Path):
    import signal
    import subprocess
    import sys
    import time

    from auditor.site.build import PARALLEL_FROM

    many = tmp_path / "many"
    template = json.loads(ReportStore(reports).report_path("gpt2").read_text())
    for n in range(PARALLEL_FROM + 200):  # enough models for the build to start worker processes
        template["model"]["id"] = f"bulk/model-{n:04d}"
        path = ReportStore(many).report_path(f"bulk/model-{n:04d}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(template))
    out = tmp_path / "site"
    proc = subprocess.Popen([sys.executable, "-c", "from auditor.cli import main; main()", "site", "build",
                             str(many), "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        workers = {pid for pid in _children(proc.pid) if "spawn" in Path(f"/proc/{pid}/cmdline").read_bytes()
                   .decode(errors="replace")} if _alive(proc.pid) else set()
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None and workers, "the build finished before it could be interrupted"
    proc.send_signal(signal.SIGTERM)
    try:
        proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("site build did not stop within 20 s of SIGTERM")
    assert proc.returncode == 128 + signal.SIGTERM
    time.sleep(0.5)
    assert not [pid for pid in workers if _alive(pid)]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.")]  # no staging copy left
    assert not out.exists()


def test_extra_sections_add_pages_and_a_navigation_entry(reports: Path, tmp_path: Path):
    """The hook the census uses: a section writes its pages in the site's layout and gets a menu entry."""
    from markupsafe import Markup, escape

    from auditor.site.build import SitePages

    class Census:
        label = "Census"
        href = "census/index.html"

        def render(self, pages: SitePages) -> int:
            pages.page("census/index.html", "Census", Markup("<h1>Census</h1><p>") + escape("<b>2M</b> models")
                       + Markup("</p>"), section="Census")
            pages.write("census/summary.json", '{"models": 2}')
            return 1

    result = build_site(reports, tmp_path / "site", sections=[Census()])
    html = (tmp_path / "site" / "census" / "index.html").read_text()
    assert "<h1>Census</h1>" in html and "&lt;b&gt;2M&lt;/b&gt;" in html and 'href="../assets/style.css"' in html
    assert 'href="../census/index.html" aria-current="page">Census</a>' in html
    assert 'href="census/index.html">Census</a>' in (tmp_path / "site" / "index.html").read_text()
    assert (tmp_path / "site" / "census" / "summary.json").read_text() == '{"models": 2}'
    plain = build_site(reports, tmp_path / "plain")
    assert result.pages == plain.pages + 1 and "Census" not in (tmp_path / "plain" / "index.html").read_text()


@pytest.mark.parametrize("kind, summary, value, words", [
    ("user-threshold", "more than 700 million monthly active users", 700_000_000, "700M-user cap"),
    ("user-threshold", "more than 100 million monthly active users", 100_000_000, "100M-user cap"),
    ("user-threshold", "a threshold", None, "user cap"),
    ("use-restrictions", "Use must follow the Llama 2 Acceptable Use Policy", None, "acceptable-use policy"),
    ("use-restrictions", "Use is bound by the Gemma Prohibited Use Policy", None, "acceptable-use policy"),
    ("use-restrictions", "may not be used for the purposes listed in Attachment A", None, "use restrictions"),
    ("output-restriction", "may not be used to improve any other large language model", None,
     "no improving other LLMs"),
    ("separate-agreement", "Acceptance is by clicking a button", None, "click-through acceptance"),
    ("separate-agreement", "Using counts as accepting the terms", None, "acceptance by use"),
    ("non-commercial", "only for purposes not primarily aimed at commercial advantage", None,
     "non-commercial use only"),
    ("made-up-kind", "anything", None, "made up kind"),
])
def test_clauses_are_named_in_a_readers_words(kind, summary, value, words):
    from auditor.site.why import clause_words

    assert clause_words(kind, summary, value) == words


def test_the_why_sentence_is_built_from_the_failing_clauses(site: Path):
    page = scan(model_page(site, LLAMA_BASE))
    html = model_page(site, LLAMA_BASE).read_text()
    why = html[html.index('id="why"'):html.index("</p>", html.index('id="why"'))]
    text = re.sub(r"<[^>]+>|\s+", " ", why)
    assert "Restricted because:" in text
    for words in ("700M-user cap ( §2)", "acceptable-use policy ( §1.b.iv)", "no improving other LLMs ( §1.b.v)",
                  "click-through acceptance ( preamble)"):
        assert re.sub(r"\s+", " ", words) in re.sub(r"\s+", " ", text.replace("(", "( ")), (words, text)
    assert re.search(rf'href="https://huggingface\.co/{LLAMA_BASE}/blob/[0-9a-f]{{40}}/LICENSE\.txt#L\d+', why)
    assert page.text  # parsed
    relabelled = model_page(site, LLAMA_RELABELLED).read_text()
    assert "700M-user cap" in relabelled[relabelled.index('id="why"'):]  # inherited clauses decide it too
    gpt2 = model_page(site, "gpt2").read_text()
    assert "Open weights, not open source, because" in gpt2


def test_a_placeholder_revision_is_never_shown_or_linked(reports: Path, tmp_path: Path):
    shutil.copytree(reports, tmp_path / "r")
    path = ReportStore(tmp_path / "r").report_path("gpt2")
    report = json.loads(path.read_text())
    for placeholder in ("main", "0" * 39):  # not a commit sha: the contract refuses such a report, no page shows it
        assert report_errors({**report, "model": {**report["model"], "revision": placeholder}})
    for revision, shown in ((None, False), ("a" * 40, True)):
        report["model"]["revision"] = revision
        path.write_text(json.dumps(report))
        build_site(tmp_path / "r", tmp_path / "s")
        html = model_page(tmp_path / "s", "gpt2").read_text()
        head = html[html.index("Revision audited"):html.index("</div>", html.index("Revision audited"))]
        assert ("/gpt2/tree/" + "a" * 40 in head) is shown
        assert ("not recorded" in head) is (not shown) and ("/gpt2/tree/main" in head) is (not shown)


def test_recent_changes_group_license_and_class_changes_into_one_entry(tmp_path: Path):
    import feedparser

    from auditor.site.changes import feed, recent_entries

    history = tmp_path / "history" / "tiiuae"
    history.mkdir(parents=True)
    base = {"schema": "auditor.history/1", "model": "tiiuae/falcon-40b", "criteria": {}}
    rows = [{**base, "date": "2023-05-26", "declared": None, "license_key": "tii-falcon-llm-1.0",
             "identified": "LicenseRef-tii-falcon-llm-1.0", "classification": "restricted", "revision": "1" * 40},
            {**base, "date": "2023-06-01", "declared": "apache-2.0", "identified": "Apache-2.0",
             "classification": "open-weights", "revision": "2" * 40},
            {**base, "date": "2023-07-01", "declared": "apache-2.0", "identified": "Apache-2.0",
             "classification": "open-weights", "revision": "3" * 40}]  # a new commit only: not listed
    (history / "falcon-40b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    entries = recent_entries(tmp_path)
    assert len(entries) == 1 and entries[0].change.date == "2023-06-01"
    assert entries[0].commit_url == f"https://huggingface.co/tiiuae/falcon-40b/commit/{'2' * 40}"
    assert "license changed from none (tii-falcon-llm-1.0) to apache-2.0" in entries[0].change.sentence
    for base_url, link in ((None, "models/tiiuae/falcon-40b.html"),
                           ("https://example.org/audit/", "https://example.org/audit/models/tiiuae/falcon-40b.html")):
        parsed = feedparser.parse(feed(entries, base_url))
        assert not parsed.bozo and parsed.version == "atom10" and parsed.feed.id.startswith(("urn:", "https://"))
        assert [e.link for e in parsed.entries] == [link]
    assert recent_entries(tmp_path / "nowhere") == []
