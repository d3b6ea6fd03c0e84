"""Wall time of every read command without the Hub, as a new user on a machine without network sees it.

    python benchmarks/offline_commands.py [--repeat 3] [--json]

Each command runs as `audit ...` (`auditor.cli.main`) in a fresh process (start-up and imports included) in three
situations: with `--offline` (no request at all), with the Hub endpoint on a closed port (connection refused) and
on a host name that cannot be resolved. The table shows the median wall time in seconds and the exit code; "—"
means the command has no `--offline` option. Target (issue #16): a snapshot answer in ≤ 1 s in every situation.

The machines are shared and noisy: compare figures within one run, not with fixed times."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = "meta-llama/Llama-2-13b-hf"
HISTORY_MODEL = "tiiuae/falcon-40b"
SITUATIONS = {
    "--offline": {},
    "closed port": {"HF_ENDPOINT": "http://127.0.0.1:9"},
    "unresolvable host": {"HF_ENDPOINT": "http://hub.invalid"},
}


def catalogue_size() -> int:
    lines = (ROOT / "models.txt").read_text(encoding="utf-8").splitlines()
    return sum(1 for line in lines if line.split("#", 1)[0].strip())


def commands(work: Path) -> dict[str, tuple[list[str], bool]]:
    """Command name -> (arguments, whether it takes --offline)."""
    bundled = ROOT / "reports"
    return {
        "audit": ([MODEL], True),
        "tree": (["tree", MODEL], True),
        f"batch models.txt ({catalogue_size()} models)": (["batch", str(ROOT / "models.txt"), "--out",
                                                           str(work / "batch")], True),
        "export": (["export", MODEL, "--format", "cyclonedx"], True),
        "history": (["history", HISTORY_MODEL], False),
        "diff": (["diff", str(bundled / "meta-llama" / "Llama-2-13b-hf.json"),
                  str(bundled / "meta-llama" / "Llama-2-13b-hf.json")], False),
        "snapshot list": (["snapshot", "list"], False),
    }


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "from auditor.cli import main; main()", *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=600)
    return time.perf_counter() - start, done.returncode


def measure(repeat: int) -> list[dict]:
    rows = []
    base_env = {k: v for k, v in os.environ.items()
                if k not in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "HF_ENDPOINT")}
    base_env.update({"PYTHONPATH": str(ROOT), "HF_HUB_DISABLE_TELEMETRY": "1"})
    with tempfile.TemporaryDirectory(prefix="bench-offline-") as tmp:
        work = Path(tmp)
        base_env["HF_HOME"] = str(work / "hf-home")
        for name, (args, takes_offline) in commands(work).items():
            row: dict = {"command": name}
            for situation, extra in SITUATIONS.items():
                if situation == "--offline" and not takes_offline:
                    row[situation] = None
                    continue
                full = [*args, "--offline"] if situation == "--offline" else args
                times, codes = [], set()
                for _ in range(repeat):
                    shutil.rmtree(work / "batch", ignore_errors=True)  # every batch run starts from nothing
                    seconds, code = run_once(full, {**base_env, **extra})
                    times.append(seconds)
                    codes.add(code)
                row[situation] = {"seconds": round(statistics.median(times), 2), "exit": sorted(codes)}
            rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    head = ["command", *SITUATIONS]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for row in rows:
        cells = [row["command"]]
        for situation in SITUATIONS:
            cell = row[situation]
            cells.append("—" if cell is None else
                         f"{cell['seconds']:.2f} s (exit {','.join(str(c) for c in cell['exit'])})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    global ROOT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per cell; the median is shown")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a Markdown table")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to measure (default: this one)")
    options = parser.parse_args()
    ROOT = options.root.resolve()
    rows = measure(options.repeat)
    print(json.dumps(rows, indent=2) if options.json else table(rows))


if __name__ == "__main__":
    main()
