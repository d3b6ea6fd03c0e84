"""Start one fake Hub for the session and point huggingface_hub at it before anything imports it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Must happen before `huggingface_hub` is imported anywhere: it reads these once, at import.
_ROOT = Path(tempfile.mkdtemp(prefix="fakehub-"))
_HOME = Path(tempfile.mkdtemp(prefix="hfhome-"))
for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.pop(var, None)
os.environ.update({"HF_HOME": str(_HOME), "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
                   "HF_HUB_DISABLE_XET": "1", "AUDITOR_RETRY_BASE_DELAY": "0", "NO_COLOR": "1"})

from tests.fakehub import FakeHub  # noqa: E402
from tests.hubdata import build_core  # noqa: E402
from tests.hubdata_exports import build_exports  # noqa: E402
from tests.hubdata_families import build_families  # noqa: E402
from tests.hubdata_hostile import build_hostile  # noqa: E402
from tests.hubdata_lineage import build_lineage  # noqa: E402
from tests.hubdata_publishing import build_publishing  # noqa: E402
from tests.hubdata_site import build_site_fixtures  # noqa: E402

build_core(_ROOT)
build_hostile(_ROOT)
build_lineage(_ROOT)
build_families(_ROOT)
build_exports(_ROOT)
build_publishing(_ROOT)
build_site_fixtures(_ROOT)
HUB = FakeHub(_ROOT).start()
os.environ["HF_ENDPOINT"] = HUB.url

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def fake_hub() -> FakeHub:
    return HUB


@pytest.fixture()
def hub_log(fake_hub: FakeHub):
    """The fake Hub's request log, emptied before the test."""
    fake_hub.requests.clear()
    yield fake_hub.requests
    fake_hub.failures.clear()


@pytest.fixture(scope="session")
def hub_root() -> Path:
    return _ROOT


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001
    HUB.stop()
