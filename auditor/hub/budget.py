"""The per-audit wall-clock budget (`audit --timeout`): a deadline every Hub request made inside the block honours.

Kept apart from the HTTP client so that setting a budget imports nothing heavy (offline runs never load it)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

DEFAULT_AUDIT_BUDGET = 120.0  # seconds one audit may spend on the Hub
_AUDIT_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("auditor_audit_deadline", default=None)


@contextmanager
def audit_budget(seconds: float | None) -> Iterator[None]:
    """Every Hub request made inside the block (in this thread) ends within `seconds` of entering it. After that,
    requests fail at once, which the live Hub records as an unread file or a failed lookup, so the audit reports
    what it has, with unknowns saying why. None: no budget."""
    token = _AUDIT_DEADLINE.set(None if seconds is None else (time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _AUDIT_DEADLINE.reset(token)


def audit_deadline() -> tuple[float, float] | None:
    """(monotonic deadline, budget in seconds) of the audit running in this thread, or None."""
    return _AUDIT_DEADLINE.get()
