"""Generated documentation: docs/criteria.md (from criteria/), docs/cli.md (from every command's --help) and the
example in README.md (from the real command's output). `python -m auditor.docs` rewrites them; tests fail when
one has drifted from the code (like sqlite-utils' cog)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from auditor.render.criteria import criteria_markdown

# -- docs/cli.md: the reference of every command, generated from its --help --------------------------------------
HELP_WIDTH = 100  # a fixed width, so the generated reference does not depend on the terminal


def command_helps() -> list[tuple[str, str]]:
    """(`audit ...` command line, its --help text) for the root and every command, in the order --help lists them."""
    import typer.main
    from typer._click.core import Context
    from typer.core import TyperGroup

    from auditor.cli import app

    out: list[tuple[str, str]] = []

    def walk(command: object, path: list[str], parent: Context | None) -> None:
        ctx = Context(command, info_name=path[-1], parent=parent, terminal_width=HELP_WIDTH,  # type: ignore[arg-type]
                      max_content_width=HELP_WIDTH)
        out.append((" ".join(path), command.get_help(ctx).rstrip()))  # type: ignore[attr-defined]
        if isinstance(command, TyperGroup):
            for name in command.list_commands(ctx):
                walk(command.get_command(ctx, name), [*path, name], ctx)

    walk(typer.main.get_command(app), ["audit"], None)
    return out


def cli_markdown() -> str:
    out = ["# Command-line reference", "",
           "Generated from the `--help` of every command by `python -m auditor.docs cli`; do not edit by hand "
           "(a test fails when it drifts from the code).", "",
           "`audit REPO_ID` is short for `audit model REPO_ID`. Exit codes: 0 a report was produced, 1 a requested "
           "gate failed (or, for batch, some models were not audited), 2 bad usage, 3 no such repository or "
           "revision, 4 the Hub could not be reached and the snapshot does not hold the model, 70 an internal "
           "error.", ""]
    for command, text in command_helps():
        out += [f"## `{command}`", "", "```text", text, "```", ""]
    return "\n".join(out)


# -- README.md: the example output, regenerated from the real command ----------------------------------------------
README_EXAMPLE_ARGS = ("meta-llama/Llama-2-13b-hf", "--offline", "--format", "markdown")
README_EXAMPLE_START = "<!-- example: the output of `audit meta-llama/Llama-2-13b-hf --offline --format markdown`"
README_EXAMPLE_END = "<!-- end of example -->"


def readme_example() -> str:
    """What `audit meta-llama/Llama-2-13b-hf --offline --format markdown` prints (run in this process through the
    real command), minus its volatile last line (tool version and audit time)."""
    import contextlib
    import io

    from auditor.cli import main as audit_main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            audit_main(list(README_EXAMPLE_ARGS))
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise RuntimeError(f"audit {' '.join(README_EXAMPLE_ARGS)} exited {exc.code}") from None
    lines = [line for line in out.getvalue().rstrip("\n").splitlines() if not line.startswith("<sub>")]
    return "\n".join(lines).rstrip() + "\n"


def readme_with_example(readme: str) -> str:
    """README.md with the block between the example markers replaced by the command's current output."""
    start = readme.index(README_EXAMPLE_START)
    body_start = readme.index("\n", start) + 1
    end = readme.index(README_EXAMPLE_END, body_start)
    return readme[:body_start] + "```markdown\n" + readme_example() + "```\n" + readme[end:]


# -- python -m auditor.docs {criteria|cli|readme} [--check] --------------------------------------------------------
def _targets() -> dict[str, tuple[Path, Callable[[str], str]]]:
    root = Path(__file__).resolve().parent.parent
    return {
        "criteria": (root / "docs" / "criteria.md", lambda _old: criteria_markdown()),
        "cli": (root / "docs" / "cli.md", lambda _old: cli_markdown()),
        "readme": (root / "README.md", readme_with_example),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m auditor.docs",
                                     description="Regenerate the generated documentation in this checkout.")
    parser.add_argument("what", nargs="*", help="criteria, cli or readme (default: all)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a document is stale")
    options = parser.parse_args(argv)
    unknown = set(options.what) - set(_targets())
    if unknown:
        parser.error(f"unknown document(s): {', '.join(sorted(unknown))} (choose from criteria, cli, readme)")
    stale = []
    for name, (path, generate) in _targets().items():
        if options.what and name not in options.what:
            continue
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        new = generate(old)
        if new == old:
            continue
        stale.append(str(path))
        if not options.check:
            path.write_text(new, encoding="utf-8")
    verb = "stale" if options.check else "rewritten"
    print(f"{verb}: {', '.join(stale)}" if stale else "up to date")
    return 1 if options.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
