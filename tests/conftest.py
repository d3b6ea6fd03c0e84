"""One fake Hub for the session. huggingface_hub reads HF_ENDPOINT once, at import, so its address is fixed here,
before anything imports it: a socket is bound now (cheap), the server answers on it from the session's start, and
the fixture repos are written only when the first request arrives (a run that never asks the Hub never builds them)."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_ROOT = Path(tempfile.mkdtemp(prefix="fakehub-"))
_HOME = Path(tempfile.mkdtemp(prefix="hfhome-"))
for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.pop(var, None)
os.environ.update({"HF_HOME": str(_HOME), "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
                   "HF_HUB_DISABLE_XET": "1", "AUDITOR_RETRY_BASE_DELAY": "0", "NO_COLOR": "1"})
_LISTENER = socket.create_server(("127.0.0.1", 0))  # requests queue here until the server thread starts
os.environ["HF_ENDPOINT"] = f"http://127.0.0.1:{_LISTENER.getsockname()[1]}"


def build_fixture_repos(root: Path = _ROOT) -> None:
    """Every repo the tests audit, written into `root` (called once, on the fake Hub's first request)."""
    from tests.hubdata import build_core
    from tests.hubdata_exports import build_exports
    from tests.hubdata_families import build_families
    from tests.hubdata_hostile import build_hostile
    from tests.hubdata_hubfields import build_hubfields
    from tests.hubdata_lineage import build_lineage
    from tests.hubdata_publishing import build_publishing
    from tests.hubdata_site import build_site_fixtures

    for build in (build_core, build_hostile, build_lineage, build_families, build_exports, build_publishing,
                  build_site_fixtures, build_hubfields):
        build(root)


@pytest.fixture(scope="session", autouse=True)
def fake_hub() -> Iterator:
    """The session's fake Hub, serving from the first test on (tests and CLI subprocesses reach it via
    HF_ENDPOINT); its repos are built on first use."""
    from tests.fakehub import FakeHub

    hub = FakeHub(_ROOT, prepare=build_fixture_repos, listener=_LISTENER).start()
    yield hub
    hub.stop()


@pytest.fixture()
def hub_log(fake_hub):
    """The fake Hub's request log, emptied before the test."""
    fake_hub.ensure_ready()
    fake_hub.requests.clear()
    yield fake_hub.requests
    fake_hub.failures.clear()


@pytest.fixture(scope="session")
def hub_root(fake_hub) -> Path:
    fake_hub.ensure_ready()
    return _ROOT
