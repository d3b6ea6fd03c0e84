"""The human views: one sanitiser for control characters in every renderer, values in words, never Python."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from auditor.render import clean, gated_word, human, printable
from auditor.render.tree import render_dot, render_json, render_mermaid, render_text

ESCAPES = "\x1b[2J\x1b]0;owned\x07\x9b31m\u202e"


@pytest.mark.parametrize(("raw", "shown"), [
    ("mit\x1b[31m", "mit[31m"),  # ESC removed: the rest is inert text
    ("a\x9b31mb", "a31mb"),  # C1 CSI, which some terminals honour without ESC
    ("left\u202eright", "leftright"),  # a bidi override would reorder what the reader sees
    ("tab\tand\nnewline", "tab\tand\nnewline"),  # layout characters stay
    ("plain", "plain"),
])
def test_clean_removes_control_characters_only(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_printable_cleans_keys_values_and_nested_lists() -> None:
    data = {"k\x1b": ["v\x1b", ("t\x9b",)], "n": 3, "b": None}
    assert printable(data) == {"k": ["v", ["t"]], "n": 3, "b": None}


@pytest.mark.parametrize(("value", "word"), [
    (False, "no"), (None, "no"), ("manual", "manual"), ("auto", "auto"), (True, "yes"), ("False", "no"),
])
def test_gated_in_words(value: object, word: str) -> None:
    assert gated_word(value) == word


@pytest.mark.parametrize(("value", "word"), [
    (False, "no"), (True, "yes"), (None, "none"), ([], "none"), (["a", "b"], "a, b"), ("x\x1b", "x"),
])
def test_human_values(value: object, word: str) -> None:
    assert human(value) == word


def hostile_graph() -> dict:
    node = {"id": "acme/evil", "license": f"mit{ESCAPES}", "classification": "restricted", "gated": f"manual{ESCAPES}",
            "role": "root", "downloads": 3}
    base = {"id": "acme/base", "license": f"apache{ESCAPES}", "classification": "open-weights", "role": "ancestor"}
    return {"directed": True, "multigraph": False,
            "graph": {"root": "acme/evil", "up": True, "down": False, "effective_license": f"mit{ESCAPES}",
                      "findings": [{"severity": "warning", "kind": "conflict", "detail": f"bad{ESCAPES}"}]},
            "nodes": [node, base],
            "links": [{"source": "acme/base", "target": "acme/evil", "relation": f"finetune{ESCAPES}"}]}


def rendered_text(data: dict) -> str:
    buffer = io.StringIO()
    render_text(data, Console(file=buffer, width=200, no_color=True, highlight=False))
    return buffer.getvalue()


@pytest.mark.parametrize("render", [rendered_text, render_json, render_mermaid, render_dot],
                         ids=["text", "json", "mermaid", "dot"])
def test_tree_views_strip_escapes_in_every_format(render) -> None:
    out = render(hostile_graph())
    for ch in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert ch not in out
    assert "acme/evil" in out


def test_tree_json_stays_valid_node_link_data() -> None:
    data = json.loads(render_json(hostile_graph()))
    assert data["nodes"][0]["license"] == "mit[2J]0;owned31m"


def bundled_report(model_id: str) -> dict:
    from auditor.paths import data_dir

    return json.loads((data_dir("reports") / f"{model_id}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("gated", "word"), [(False, "no"), ("manual", "manual"), ("auto", "auto")])
def test_text_and_markdown_views_say_gated_in_words(gated: object, word: str) -> None:
    from auditor.render import markdown, text

    report = bundled_report("meta-llama/Llama-2-13b-hf")
    report["model"]["gated"] = gated
    assert f"- **Gated:** {word}\n" in markdown.render(report)
    buffer = io.StringIO()
    text.render(report, Console(file=buffer, width=200, no_color=True))
    row = next(line for line in buffer.getvalue().splitlines() if "Gated" in line)
    assert row.split("Gated", 1)[1].strip(" │") == word
    assert "False" not in buffer.getvalue() and "None" not in buffer.getvalue()
