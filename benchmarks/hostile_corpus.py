"""Peak memory and wall time of every audit in the hostile corpus (tests/hubdata_hostile.py), each in its own process.

    python benchmarks/hostile_corpus.py

Each case is audited by the real CLI (`audit ID --format json`) against the fake Hub, one process per case, so the
peak resident memory printed is that audit's alone (os.wait4). Targets (issue 14): every audit ≤ 512 MB peak and
within the per-audit wall-clock budget. Prints one JSON object: per case {seconds, peak_mb, exit}, and the maxima."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_HOME = tempfile.mkdtemp(prefix="bench-hfhome-")
os.environ.update({"HF_HOME": _HOME, "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
                   "HF_HUB_DISABLE_XET": "1", "AUDITOR_RETRY_BASE_DELAY": "0"})
for _var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"):
    os.environ.pop(_var, None)

from tests.fakehub import FakeHub  # noqa: E402
from tests.hubdata_hostile import HOSTILE_CASES, build_hostile  # noqa: E402

MEMORY_TARGET_MB = 512


def audit_one(repo_id: str, env: dict[str, str]) -> dict[str, float | int]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "from auditor.cli import main; main()", repo_id, "--format", "json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    _pid, status, usage = os.wait4(proc.pid, 0)
    return {"seconds": round(time.perf_counter() - start, 2), "peak_mb": round(usage.ru_maxrss / 1024, 1),
            "exit": os.waitstatus_to_exitcode(status)}


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    build_hostile(root)
    hub = FakeHub(root).start()
    env = {**os.environ, "HF_ENDPOINT": hub.url, "PYTHONPATH": str(ROOT)}
    try:
        cases = {repo_id: audit_one(repo_id, env) for repo_id in sorted(HOSTILE_CASES)}
    finally:
        hub.stop()
    worst_memory = max(cases.items(), key=lambda item: item[1]["peak_mb"])
    slowest = max(cases.items(), key=lambda item: item[1]["seconds"])
    print(json.dumps({
        "cases": cases,
        "max_peak_mb": {"case": worst_memory[0], **worst_memory[1]},
        "max_seconds": {"case": slowest[0], **slowest[1]},
        "memory_target_mb": MEMORY_TARGET_MB,
        "within_memory_target": worst_memory[1]["peak_mb"] <= MEMORY_TARGET_MB,
    }, indent=1))


if __name__ == "__main__":
    main()
