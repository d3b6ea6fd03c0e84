"""Progress of long commands: the sinks (Rich bar on a terminal, JSON lines, nothing) and `audit batch` using them."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest

from auditor.progress import JsonLinesProgress, NullProgress, RichProgress, choose_progress

SNAPSHOT_IDS = ["meta-llama/Llama-2-7b-hf", "tiiuae/falcon-7b"]
MISSING = "acme/not-in-the-snapshot"


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("mode", "quiet", "terminal", "sink"), [
    ("auto", False, True, RichProgress),
    ("auto", False, False, NullProgress),  # CI logs: nothing unless asked
    ("bar", False, False, RichProgress),
    ("json", False, False, JsonLinesProgress),
    ("json", True, True, NullProgress),  # --quiet wins
    ("none", False, True, NullProgress),
])
def test_choose_progress(mode: str, quiet: bool, terminal: bool, sink: type) -> None:
    stream = FakeTerminal() if terminal else io.StringIO()
    assert type(choose_progress(mode, stream, quiet=quiet)) is sink


def test_json_lines_one_object_per_item_with_running_counts() -> None:
    stream = io.StringIO()
    sink = JsonLinesProgress(stream)
    sink.start(3, "Auditing")
    sink.event("request", count=4)
    sink.advance("a/one")
    sink.event("rate-limit-pause", seconds=2.0)
    sink.event("request")
    sink.advance("a/two", ok=False, detail="The Hub said 404.")
    sink.advance("a/three")
    sink.finish()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["item"] for line in lines] == ["a/one", "a/two", "a/three"]
    assert lines[1] == {"progress": "Auditing", "item": "a/two", "ok": False, "detail": "The Hub said 404.",
                        "done": 2, "failed": 1, "total": 3, "requests": 5, "rate_limit_pauses": 1}
    assert lines[-1]["done"] == 3


def test_json_lines_from_many_threads_are_whole_lines() -> None:
    stream = io.StringIO()
    sink = JsonLinesProgress(stream)
    sink.start(400, "Auditing")
    workers = [threading.Thread(target=lambda n=n: [sink.advance(f"t{n}/m{i}") for i in range(100)]) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 400 and sorted(line["done"] for line in lines) == list(range(1, 401))


def test_rich_bar_counts_failures_requests_and_pauses() -> None:
    from rich.console import Console

    stream = FakeTerminal()
    sink = RichProgress(Console(file=stream, width=160, force_terminal=True))
    sink.start(2, "Auditing")
    sink.event("request", count=7)
    sink.event("rate-limit-pause", seconds=1)
    sink.advance("a/one", ok=False)
    sink.advance("a/two")
    sink.finish()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue())
    assert "2/2" in text and "1 failed · 7 requests · 1 rate-limit pauses" in text


def batch_args(tmp_path: Path) -> list[str]:
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join([*SNAPSHOT_IDS, MISSING]) + "\n", encoding="utf-8")
    return ["batch", str(ids), "--out", str(tmp_path / "out"), "--offline"]


def command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from auditor.cli import main; main()", *args]


def test_batch_progress_json_emits_one_object_per_model(tmp_path: Path) -> None:
    result = subprocess.run(command(*batch_args(tmp_path), "--progress", "json"), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1, result.stderr  # one model could not be audited
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert sorted(line["item"] for line in lines) == sorted([*SNAPSHOT_IDS, MISSING])
    assert {line["item"]: line["ok"] for line in lines}[MISSING] is False
    assert lines[-1]["done"] == 3 and lines[-1]["failed"] == 1 and lines[-1]["total"] == 3
    assert all(line.startswith("{") for line in result.stderr.splitlines())  # machine-readable: nothing else


def test_batch_quiet_prints_nothing(tmp_path: Path) -> None:
    result = subprocess.run(command(*batch_args(tmp_path), "--quiet"), capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr == "" and result.stdout == ""


def run_on_a_terminal(args: list[str]) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal (160 columns); returns the exit code and what the terminal showed."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160"}
    env.pop("CI", None)
    process = subprocess.Popen(command(*args), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    code = process.wait(timeout=120)
    return code, re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8", "replace"))


def test_batch_on_a_terminal_shows_a_progress_bar(tmp_path: Path) -> None:
    code, shown = run_on_a_terminal(batch_args(tmp_path))
    assert code == 1, shown
    assert "Auditing" in shown and "3/3" in shown
    assert "1 failed · 0 requests · 0 rate-limit pauses" in shown  # offline: no request at all
    assert "ETA" in shown
    assert "Audited 2, kept 0 finished earlier, 1 could not be audited." in shown


def test_site_build_progress_json_emits_one_object_per_model_page(tmp_path: Path, capsys) -> None:
    from auditor.cli import main
    from auditor.paths import data_dir

    with pytest.raises(SystemExit) as exit_info:
        main(["site", "build", str(data_dir("reports")), "--out", str(tmp_path / "site"), "--progress", "json"])
    assert exit_info.value.code == 0
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    built = {path.relative_to(tmp_path / "site" / "models").with_suffix("").as_posix()
             for path in (tmp_path / "site" / "models").rglob("*.html")}
    assert {line["item"] for line in lines} <= built and len(lines) == lines[-1]["total"] == lines[-1]["done"]
    assert {line["progress"] for line in lines} == {"Model pages"}


def test_rescore_progress_json_emits_one_object_per_report(tmp_path: Path, capsys) -> None:
    import shutil

    from auditor.cli import main
    from auditor.paths import data_dir

    bundled = data_dir("reports")
    for model_id in ("tiiuae/falcon-7b", "EleutherAI/gpt-j-6b"):
        for sub in ("", "evidence/"):
            target = tmp_path / f"{sub}{model_id}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(bundled / f"{sub}{model_id}.json", target)
    with pytest.raises(SystemExit) as exit_info:
        main(["rescore", str(tmp_path), "--check", "--progress", "json"])
    captured = capsys.readouterr()
    assert exit_info.value.code in (0, 1), captured.err  # 1: --check found a report that would change
    lines = [json.loads(line) for line in captured.err.splitlines()]
    assert sorted(line["item"] for line in lines) == ["EleutherAI/gpt-j-6b", "tiiuae/falcon-7b"]
    assert lines[-1]["done"] == lines[-1]["total"] == 2 and {line["progress"] for line in lines} == {"Rescoring"}
    assert "Rescored 2 report(s)" in captured.out
