"""Every performance figure in one run, printed as one JSON object.

    python benchmarks/run.py [--models 1000] [--site-reports 10000] [--latency-ms 50]

- gated_sharded_audit: one audit of a gated 3-shard model (approved token): requests, bytes transferred, bytes of
  weight files downloaded (target 0; header range reads are counted apart);
- batch: 1,000 models forming a derivation tree, against the fake Hub with 50 ms added to every request:
  models per second (target ≥ 20), requests, and the requests of a second, unchanged run (target ≤ 5 % of the
  first), plus the batch process's peak memory;
- scoring: reports per second scored from stored evidence (target ≥ 2,000);
- site: build time and size for 10,000 reports (target ≤ 30 s).

The machines are shared and noisy: compare figures as ratios within one run, not with fixed times."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_HOME = tempfile.mkdtemp(prefix="bench-hfhome-")
os.environ.update({"HF_HOME": _HOME, "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
                   "HF_HUB_DISABLE_XET": "1"})
for _var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"):
    os.environ.pop(_var, None)

from tests.fakehub import FakeHub, write_safetensors  # noqa: E402
from tests.hubdata import card, license_text, write_repo  # noqa: E402

TOKEN = "hf_benchmarkapprovedtoken"
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth")
LICENSES = ["apache-2.0", "mit", "llama2", "cc-by-nc-4.0", "gemma", "openrail"]


def build_gated_sharded(root: Path) -> str:
    repo_id = "bench/gated-3-shards"
    files = write_repo(root, repo_id, {
        "README.md": card({"license": "llama2", "library_name": "transformers"}, "# Gated, 3 shards\n"),
        "LICENSE.txt": license_text("llama-2-license-2023"),
        "config.json": json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"}),
    }, {"gated": "manual", "approved_tokens": [TOKEN]})
    for i in (1, 2, 3):
        write_safetensors(files / f"model-0000{i}-of-00003.safetensors", {f"layer{i}.w": ("F16", [256, 256])})
    return repo_id


def build_tree(root: Path, count: int) -> list[str]:
    """`count` models: 10 roots, each with a tree of fine-tunes, adapters and quantisations (branching 4)."""
    ids: list[str] = []
    parents: list[str] = []
    for n in range(count):
        namespace = f"org{n % 20}"
        repo_id = f"{namespace}/model-{n:04d}"
        front: dict = {"license": LICENSES[n % len(LICENSES)], "library_name": "transformers"}
        if n >= 10:
            front["base_model"] = parents[(n - 10) // 4]
        extra = {"LICENSE": license_text("apache-2.0")} if n % 10 == 0 else {}
        files = write_repo(root, repo_id, {"README.md": card(front, f"# Model {n}\n\nTrained on public web text.\n"),
                                           "config.json": '{"model_type": "llama"}', **extra})
        write_safetensors(files / "model.safetensors", {"w": ("F32", [4, 4])})
        ids.append(repo_id)
        parents.append(repo_id)
    return ids


def gated_sharded_audit(root: Path, repo_id: str) -> dict:
    from auditor.audit import audit
    from auditor.hub.live import LiveHub

    with FakeHub(root) as hub:
        report = audit(repo_id, hub=LiveHub(token=TOKEN, endpoint=hub.url))
        log = list(hub.requests)
    weight_bodies = [r for r in log if r["path"].endswith(WEIGHT_SUFFIXES) and not r["range"]]
    header_reads = [r for r in log if r["path"].endswith(WEIGHT_SUFFIXES) and r["range"]]
    return {"requests": len(log), "bytes_transferred": sum(r.get("bytes") or 0 for r in log),
            "weight_file_bytes": sum(r.get("bytes") or 0 for r in weight_bodies),
            "header_range_reads": len(header_reads), "parameters": report["weights"]["parameters"],
            "classification": report["classification"]}


BATCH_CHILD = """
import json, sys, time
from pathlib import Path
from auditor.batch import run_batch
from auditor.hub.live import LiveHub
ids = Path(sys.argv[1]).read_text().split()
hub = LiveHub(token=False)
started = time.perf_counter()
result = run_batch(ids, Path(sys.argv[2]), hub=hub, concurrency=int(sys.argv[3]))
print(json.dumps({"seconds": time.perf_counter() - started, "requests": hub.requests,
                  "audited": len(result.audited), "skipped": len(result.skipped), "errors": len(result.errors)}))
"""


def run_batch_child(endpoint: str, ids_file: Path, out: Path, concurrency: int) -> tuple[dict, int]:
    """One batch in a child process (so its peak memory can be read), against the fake Hub at `endpoint`."""
    env = {**os.environ, "HF_ENDPOINT": endpoint, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run([sys.executable, "-c", BATCH_CHILD, str(ids_file), str(out), str(concurrency)],
                          capture_output=True, text=True, env=env, check=True)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return json.loads(done.stdout.strip().splitlines()[-1]), max(peak_kb, before)


def batch(root: Path, ids: list[str], latency_ms: float, concurrency: int, work: Path) -> dict:
    ids_file = work / "models.txt"
    ids_file.write_text("\n".join(ids) + "\n")
    with FakeHub(root) as hub:
        hub.latency_s = latency_ms / 1000
        first, peak_kb = run_batch_child(hub.url, ids_file, work / "reports", concurrency)
        first_log = len(hub.requests)
        hub.requests.clear()
        second, _ = run_batch_child(hub.url, ids_file, work / "reports", concurrency)
        second_log = len(hub.requests)
    return {"models": len(ids), "latency_ms": latency_ms, "concurrency": concurrency,
            "seconds": round(first["seconds"], 2), "models_per_second": round(first["audited"] / first["seconds"], 1),
            "errors": first["errors"], "requests_first_run": first_log, "requests_second_run": second_log,
            "second_run_ratio": round(second_log / max(first_log, 1), 4),
            "second_run_seconds": round(second["seconds"], 2), "second_run_skipped": second["skipped"],
            "peak_memory_mb": round(peak_kb / 1024, 1)}


def scoring(reports_dir: Path) -> dict:
    from auditor.audit import score
    from auditor.evidence import RepoEvidence
    from auditor.lineage import Lineage

    evidences = [RepoEvidence.from_dict(json.loads(p.read_text())) for p in sorted((reports_dir / "evidence").rglob("*.json"))]
    score(evidences[0], Lineage())  # warm caches (knowledge base, fingerprints) outside the measurement
    started = time.perf_counter()
    for evidence in evidences:
        score(evidence, Lineage())
    seconds = time.perf_counter() - started
    return {"reports": len(evidences), "seconds": round(seconds, 3), "reports_per_second": round(len(evidences) / seconds)}


def site(reports: int) -> dict:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "site_build.py"), "--reports", str(reports)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--site-reports", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        root = work / "hub"
        gated = build_gated_sharded(root)
        ids = build_tree(root, args.models)
        figures = {"cores": os.cpu_count(), "gated_sharded_audit": gated_sharded_audit(root, gated)}
        figures["batch"] = batch(root, ids, args.latency_ms, args.concurrency, work)
        figures["scoring"] = scoring(work / "reports")
        if args.site_reports:
            figures["site"] = site(args.site_reports)
        print(json.dumps(figures, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(_HOME, ignore_errors=True)


if __name__ == "__main__":
    main()
