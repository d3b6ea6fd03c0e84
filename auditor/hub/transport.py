"""The HTTP client of the live Hub, with deadlines a slow server cannot stretch.

httpx bounds each socket read, not a whole reply: a server trickling its headers (or body) one byte a second never
trips a read timeout. Here every read, write and connect is bounded by the time left before a deadline, so a
request ends by its deadline however the server paces its bytes. Two deadlines apply, the nearer one wins:
one per request (set by the caller around each attempt) and one per audit (`budget.audit_budget`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpcore2
import httpx2

from auditor.hub.budget import audit_deadline

_REQUEST_DEADLINE: ContextVar[float | None] = ContextVar("auditor_request_deadline", default=None)


class BudgetExhausted(httpx2.TimeoutException):
    """The audit's wall-clock budget ran out: the request was not sent, or was cut off."""


def check_audit_budget() -> None:
    """Raise BudgetExhausted when the current audit's budget has run out."""
    budget = audit_deadline()
    if budget is not None and time.monotonic() >= budget[0]:
        raise BudgetExhausted(f"the audit's time budget of {budget[1]:g} s ran out")


@contextmanager
def request_deadline(seconds: float) -> Iterator[None]:
    """Every socket operation of the request made inside the block ends within `seconds` of entering it."""
    token = _REQUEST_DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _REQUEST_DEADLINE.reset(token)


def _time_left(timeout: float | None) -> float | None:
    """`timeout` shortened to the nearer deadline; raises the matching timeout once a deadline has passed."""
    now = time.monotonic()
    budget = audit_deadline()
    if budget is not None and now >= budget[0]:
        raise BudgetExhausted(f"the audit's time budget of {budget[1]:g} s ran out")
    deadlines = [d for d in (_REQUEST_DEADLINE.get(), budget[0] if budget else None) if d is not None]
    if not deadlines:
        return timeout
    left = min(deadlines) - now
    if left <= 0:
        raise httpcore2.ReadTimeout("the reply did not arrive within the request's deadline")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore2.NetworkStream):
    def __init__(self, inner: httpcore2.NetworkStream):
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _time_left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _time_left(timeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore2.NetworkStream:
        return _DeadlineStream(self.inner.start_tls(ssl_context, server_hostname, _time_left(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class _DeadlineBackend(httpcore2.NetworkBackend):
    def __init__(self, inner: httpcore2.NetworkBackend):
        self.inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore2.NetworkStream:
        return _DeadlineStream(self.inner.connect_tcp(host, port, _time_left(timeout), local_address,
                                                      socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore2.NetworkStream:
        return _DeadlineStream(self.inner.connect_unix_socket(path, _time_left(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def _bound(transport: Any) -> None:
    """Make the connections of an httpx transport honour the deadlines above. Its pool takes the network backend as
    a constructor argument the transport does not pass through, so the backend is wrapped on the pool it built."""
    pool = getattr(transport, "_pool", None)
    if pool is not None and not isinstance(pool._network_backend, _DeadlineBackend):
        pool._network_backend = _DeadlineBackend(pool._network_backend)


def deadline_client(event_hooks: dict[str, list[Any]] | None = None) -> httpx2.Client:
    """A client like huggingface_hub's shared one (same request hook, redirects followed) with deadlines, also on
    the transports httpx mounts for proxies named in the environment (HTTPS_PROXY ...)."""
    # Built without a transport argument: httpx uses proxies from the environment only when it makes its own.
    client = httpx2.Client(event_hooks=event_hooks or {}, follow_redirects=True, timeout=None)
    for transport in (client._transport, *client._mounts.values()):
        _bound(transport)
    return client
