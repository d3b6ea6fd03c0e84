"""Progress reporting for long commands (batch, census, site build, rescore): one interface, several sinks.

Long-running code reports what happens through a `ProgressSink`; the CLI picks the sink (a Rich bar on a terminal,
JSON lines with `--progress json`, nothing with `--quiet` or in CI). Library callers get `NullProgress`."""

from __future__ import annotations

import json
import sys
import threading
from typing import Any, Protocol, TextIO


class ProgressSink(Protocol):
    def start(self, total: int | None, label: str) -> None:
        """A run of `total` items (None: not known in advance) begins."""
        ...

    def advance(self, item: str, *, ok: bool = True, detail: str | None = None) -> None:
        """One item finished (ok=False: it failed; `detail` says why in one sentence)."""
        ...

    def event(self, kind: str, **fields: Any) -> None:
        """Something worth counting happened: "request", "rate-limit-pause" (seconds=...), "page" (...)."""
        ...

    def finish(self) -> None:
        """The run ended (normally or not)."""
        ...


class NullProgress:
    """Reports nothing: the default for library calls and tests."""

    def start(self, total: int | None, label: str) -> None:
        pass

    def advance(self, item: str, *, ok: bool = True, detail: str | None = None) -> None:
        pass

    def event(self, kind: str, **fields: Any) -> None:
        pass

    def finish(self) -> None:
        pass


EVENT_REQUEST = "request"  # one request to the Hub (count=N for several)
EVENT_RATE_LIMIT_PAUSE = "rate-limit-pause"  # the Hub answered 429 and every request waits (seconds=...)


class _Counts:
    """What every sink counts; thread-safe, since a batch reports from worker threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.total: int | None = None
        self.label = ""
        self.done = 0
        self.failed = 0
        self.requests = 0
        self.pauses = 0

    def start(self, total: int | None, label: str) -> None:
        with self.lock:
            self.total, self.label = total, label
            self.done = self.failed = self.requests = self.pauses = 0

    def advance(self, ok: bool) -> None:
        with self.lock:
            self.done += 1
            self.failed += 0 if ok else 1

    def event(self, kind: str, fields: dict[str, Any]) -> None:
        count = fields.get("count", 1)
        count = count if isinstance(count, int) and count >= 0 else 1
        with self.lock:
            if kind == EVENT_REQUEST:
                self.requests += count
            elif kind == EVENT_RATE_LIMIT_PAUSE:
                self.pauses += count


class JsonLinesProgress:
    """`--progress json`: one JSON object per finished item on `stream` (stderr), for CI logs and scripts.

    {"progress": "Auditing", "item": "org/name", "ok": true, "detail": null, "done": 3, "failed": 0,
     "total": 53, "requests": 12, "rate_limit_pauses": 0}"""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.counts = _Counts()

    def start(self, total: int | None, label: str) -> None:
        self.counts.start(total, label)

    def advance(self, item: str, *, ok: bool = True, detail: str | None = None) -> None:
        self.counts.advance(ok)
        c = self.counts
        line = json.dumps({"progress": c.label, "item": item, "ok": ok, "detail": detail, "done": c.done,
                           "failed": c.failed, "total": c.total, "requests": c.requests,
                           "rate_limit_pauses": c.pauses}, ensure_ascii=False)
        with c.lock:
            self.stream.write(line + "\n")
            self.stream.flush()

    def event(self, kind: str, **fields: Any) -> None:
        self.counts.event(kind, fields)

    def finish(self) -> None:
        self.stream.flush()


class RichProgress:
    """A Rich progress bar (items done / failed, requests, rate-limit pauses, ETA) on a terminal."""

    def __init__(self, console: Any) -> None:  # a rich.console.Console, usually on stderr
        self.console = console
        self.counts = _Counts()
        self._bar: Any = None
        self._task: Any = None

    def start(self, total: int | None, label: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.finish()
        self.counts.start(total, label)
        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), TextColumn("ETA"),
                             TimeRemainingColumn(), console=self.console, transient=False)
        self._task = self._bar.add_task(label, total=total, counts=self._counts_text())
        self._bar.start()

    def _counts_text(self) -> str:
        c = self.counts
        return f"{c.failed} failed · {c.requests} requests · {c.pauses} rate-limit pauses"

    def advance(self, item: str, *, ok: bool = True, detail: str | None = None) -> None:
        self.counts.advance(ok)
        if self._bar is not None:
            self._bar.update(self._task, advance=1, counts=self._counts_text())

    def event(self, kind: str, **fields: Any) -> None:
        self.counts.event(kind, fields)
        if self._bar is not None:
            self._bar.update(self._task, counts=self._counts_text())

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


PROGRESS_MODES = ("auto", "bar", "json", "none")


def choose_progress(mode: str = "auto", stream: TextIO | None = None, *, quiet: bool = False) -> ProgressSink:
    """The sink for a command: nothing with --quiet or `none`; JSON lines with `json`; a Rich bar with `bar`, or
    with `auto` when `stream` (default: stderr) is a terminal; otherwise nothing (CI logs stay clean)."""
    stream = stream if stream is not None else sys.stderr
    if quiet or mode == "none":
        return NullProgress()
    if mode == "json":
        return JsonLinesProgress(stream)
    if mode == "bar" or (mode == "auto" and stream.isatty()):
        from rich.console import Console

        return RichProgress(Console(file=stream, highlight=False))
    return NullProgress()
