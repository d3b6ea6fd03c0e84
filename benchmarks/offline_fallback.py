"""Time to a snapshot answer when the Hub cannot be reached, through the real CLI (a fresh process each run).

    python benchmarks/offline_fallback.py [--runs 3] [--model meta-llama/Llama-2-13b-hf]

Scenarios: the endpoint on a closed local port (connection refused), an unresolvable host (name resolution fails),
`--offline`, and HF_HUB_OFFLINE=1. Each prints the median wall time of `audit MODEL --format json` and the exit
code; the target is ≤ 1 s for every scenario (issue 16). A separate figure gives the bare interpreter start-up
plus import time, which every command pays whatever the network does. `in_process` times only the fallback itself:
from asking the live Hub (closed port, unresolvable host) to holding the snapshot's evidence, in one process."""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def timed(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", "from auditor.cli import main; main()", *args],
                            env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    return time.perf_counter() - started, result.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", default="meta-llama/Llama-2-13b-hf")
    options = parser.parse_args()
    home = tempfile.mkdtemp(prefix="bench-offline-hfhome-")
    base = {**os.environ, "HF_HOME": home, "HF_HUB_DISABLE_TELEMETRY": "1", "PYTHONPATH": str(ROOT)}
    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "AUDITOR_SNAPSHOT_DIR"):
        base.pop(var, None)
    scenarios = {
        "closed-port": ([options.model, "--format", "json"], {"HF_ENDPOINT": closed_port_url()}),
        "unresolvable-host": ([options.model, "--format", "json"], {"HF_ENDPOINT": "https://hub.invalid"}),
        "--offline": (["--offline", options.model, "--format", "json"], {}),
        "HF_HUB_OFFLINE=1": ([options.model, "--format", "json"], {"HF_HUB_OFFLINE": "1"}),
        "start-up only (--version)": (["--version"], {}),
    }
    figures = {}
    for name, (args, extra) in scenarios.items():
        runs = [timed(args, {**base, **extra}) for _ in range(options.runs)]
        figures[name] = {"median_s": round(statistics.median(t for t, _ in runs), 3),
                         "exit_codes": sorted({code for _, code in runs})}
    print(json.dumps({"model": options.model, "runs": options.runs, "scenarios": figures,
                      "in_process": in_process(options.model, options.runs)}, indent=2))


def in_process(model: str, runs: int) -> dict[str, float]:
    """Median seconds from FallbackHub.repo() on a dead endpoint to the snapshot's answer."""
    sys.path.insert(0, str(ROOT))
    from auditor.hub import FallbackHub, SnapshotHub
    from auditor.hub.live import LiveHub

    out = {}
    for name, url in (("closed-port", closed_port_url()), ("unresolvable-host", "https://hub.invalid")):
        times = []
        for _ in range(runs):
            hub = FallbackHub(LiveHub(token=False, endpoint=url), SnapshotHub())
            started = time.perf_counter()
            hub.repo(model)
            times.append(time.perf_counter() - started)
        out[name] = round(statistics.median(times), 4)
    return out


if __name__ == "__main__":
    main()
