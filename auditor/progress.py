"""Progress reporting for long commands (batch, census, site build, rescore): one interface, several sinks.

Long-running code reports what happens through a `ProgressSink`; the CLI picks the sink (a Rich bar on a terminal,
JSON lines with `--progress json`, nothing with `--quiet` or in CI). Library callers get `NullProgress`."""

from __future__ import annotations

from typing import Any, Protocol


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
