"""Generated documentation cannot drift: docs/cli.md (every command's --help), the README example (the real
command's output), docs/criteria.md; and the public API is what `auditor.__all__` and the type stub say."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import auditor
from auditor.docs import cli_markdown, command_helps, readme_example, readme_with_example

ROOT = Path(__file__).resolve().parent.parent
REGENERATE = "regenerate with: python -m auditor.docs"


def test_cli_reference_matches_every_commands_help():
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == cli_markdown(), f"{REGENERATE} cli"


def test_cli_reference_covers_every_command():
    listed = {command for command, _ in command_helps()}
    assert {"audit", "audit model", "audit batch", "audit tree", "audit export", "audit diff", "audit history",
            "audit rescore", "audit criteria", "audit site build"} <= listed
    assert all(text.startswith("Usage: ") for _, text in command_helps())


def test_readme_example_is_the_real_commands_output():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_with_example(readme) == readme, f"{REGENERATE} readme"
    example = readme_example()
    assert "## Openness audit: [meta-llama/Llama-2-13b-hf]" in example
    assert "| Criterion | Status | Why |" in example


def test_docs_check_command_reports_up_to_date():
    result = subprocess.run([sys.executable, "-m", "auditor.docs", "--check"], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "up to date"


def test_docs_check_fails_on_a_stale_document(tmp_path, monkeypatch):
    from auditor import docs

    stale = tmp_path / "cli.md"
    stale.write_text("old\n", encoding="utf-8")
    monkeypatch.setattr(docs, "_targets", lambda: {"cli": (stale, lambda _old: "new\n")})
    assert docs.main(["--check"]) == 1 and stale.read_text(encoding="utf-8") == "old\n"
    assert docs.main([]) == 0 and stale.read_text(encoding="utf-8") == "new\n"


def test_public_api_names_resolve():
    for name in auditor.__all__:
        assert getattr(auditor, name) is not None, name
    report = auditor.audit("meta-llama/Llama-2-13b-hf", hub=auditor.SnapshotHub())
    assert report["classification"] == "restricted"


def test_type_stub_declares_exactly_the_public_api():
    stub = ast.parse((ROOT / "auditor" / "__init__.pyi").read_text(encoding="utf-8"))
    declared = {alias.asname for node in stub.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert declared == set(auditor.__all__) - {"__version__"}
    assert (ROOT / "auditor" / "py.typed").is_file()


def test_import_auditor_stays_light():
    code = "import sys, auditor; print(sorted(m for m in sys.modules if m.startswith('auditor')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT).stdout
    assert out.strip() == "['auditor']"
