"""Census at Hub scale, offline: prints the figures of issue 17's "Done when" as JSON.

    /work/venv/bin/python benchmarks/census.py [--models 2000000] [--api-pages 120] [--latency 0.05] [--keep DIR]

1. A synthetic Hub of --models models (tests/synthetic_hub.py, exact ground truth) is written as a dump parquet
   (cached in --keep between runs) and served by the fake Hub as a dataset repository.
2. `census --from dump` runs in a child process: download through huggingface_hub (HF_ENDPOINT), column check,
   DuckDB engine, contract files. Wall time and the child's peak RSS. Targets: <= 60 s, <= 2 GB on 2 cores.
   The laundering counts are compared with the ground truth.
3. API pages: the fake Hub answers GET /api/models with 1,000 models per page after --latency seconds; a child
   process pages through --api-pages pages (Link cursor, our client) and writes them. Throughput is compared with
   the page-latency limit (1 / latency pages per second); target >= 80 %. The same run at a quarter of the pages
   gives the peak RSS for comparison: memory is flat in the number of pages when both are about equal."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PEAK = """
def peak_mb():
    # VmHWM: this process's own high-water mark since exec (ru_maxrss would include the parent's size at fork).
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

CHILD_DUMP = PEAK + """
import json, sys, time
from pathlib import Path
from auditor.census.run import census_from_dump
started = time.perf_counter()
timings = {}
summary = census_from_dump(Path(sys.argv[1]), "synthetic/hub-dump", "models.parquet", timings=timings)
import resource
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - started, "timings": timings, "models": summary["models"],
                  "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_mb": peak_mb(),
                  "no_license": summary["no_license"], "relabelled": summary["relabelled"],
                  "families": {k: {x: v[x] for x in ("descendants", "relabelled", "no_license")}
                               for k, v in summary["families"].items()}}))
"""

CHILD_API = PEAK + """
import json, sys, time
from pathlib import Path
from auditor.census.fetch import fetch_api
from auditor.hub.live import LiveHub
import resource
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
hub = LiveHub(token=False, endpoint=sys.argv[2])
started, cpu_started = time.perf_counter(), cpu()
fetched = fetch_api(Path(sys.argv[1]), hub)
print(json.dumps({"seconds": time.perf_counter() - started, "pages": fetched.pages,
                  "cpu_seconds": cpu() - cpu_started, "peak_mb": peak_mb()}))
"""


def run_child(code: str, args: list[str], env: dict[str, str]) -> tuple[dict, float]:
    """Run `code` in a fresh interpreter; returns (its JSON line, its own peak RSS in MB)."""
    proc = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                          timeout=1800)
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result, result["peak_mb"]


class PreEncoded:
    """The first `pages` pages of the synthetic listing, encoded before timing starts (the server's own cost is
    not what is measured; the client's is)."""

    def __init__(self, source, pages: int):
        self.bodies = []
        cursor = None
        for _ in range(pages):
            body, cursor = source(cursor, 1000)
            self.bodies.append(body)
            if cursor is None:
                break

    def __call__(self, cursor: str | None, limit: int) -> tuple[bytes, str | None]:
        index = int(cursor) if cursor else 0
        return self.bodies[index], (str(index + 1) if index + 1 < len(self.bodies) else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=2_000_000)
    parser.add_argument("--api-pages", type=int, default=120)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "census-benchmark")
    args = parser.parse_args()

    from tests.fakehub import FakeHub
    from tests.synthetic_hub import DumpPages, generate, write_dump_repo

    work = args.keep
    work.mkdir(parents=True, exist_ok=True)
    dump = work / f"synthetic-{args.models}.parquet"
    truth_file = work / f"synthetic-{args.models}.truth.json"
    figures: dict = {"models": args.models}
    if not dump.is_file() or not truth_file.is_file():
        started = time.perf_counter()
        truth = generate(args.models, dump, keep_ids=False)
        truth_file.write_text(json.dumps({"models": truth.models, "no_license": truth.no_license,
                                          "relabelled": truth.relabelled, "families": truth.family_dict(),
                                          "cycle_members": truth.cycle_members, "without_root": truth.without_root,
                                          "dangling_edges": truth.dangling_edges}))
        figures["generate_seconds"] = round(time.perf_counter() - started, 1)
    truth = json.loads(truth_file.read_text())
    figures["dump_bytes"] = dump.stat().st_size

    hub_root = work / "hub"
    write_dump_repo(hub_root, "synthetic/hub-dump", dump)
    with FakeHub(hub_root) as hub:
        env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_HOME": str(work / "hf-home"), "HF_HUB_DISABLE_TELEMETRY": "1",
               "HF_HUB_DISABLE_PROGRESS_BARS": "1", "PYTHONPATH": str(ROOT)}
        for variable in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"):
            env.pop(variable, None)

        hub.model_listing = PreEncoded(DumpPages(dump), args.api_pages)
        hub.latency_s = args.latency
        small = max(2, args.api_pages // 4)
        results = []
        for pages in (small, args.api_pages):
            hub.model_listing.bodies = hub.model_listing.bodies[:pages] if pages == small else hub.model_listing.bodies
            out = work / f"api-{pages}"
            result, rss = run_child(CHILD_API, [str(out), hub.url], env)
            results.append((pages, result, rss))
            if pages == small:
                hub.model_listing = PreEncoded(DumpPages(dump), args.api_pages)
        limit = 1 / args.latency
        (small_pages, small_result, small_rss), (big_pages, big_result, big_rss) = results
        throughput = big_result["pages"] / big_result["seconds"]
        figures["api"] = {
            "latency_s": args.latency, "pages": big_result["pages"], "models": big_result["pages"] * 1000,
            "seconds": round(big_result["seconds"], 2), "pages_per_s": round(throughput, 2),
            "page_latency_limit_pages_per_s": round(limit, 2), "share_of_limit": round(throughput / limit, 3),
            "target_share": 0.8,
            # CPU the client spends per page (imports excluded): on an idle core a page costs at most
            # latency + this, so latency / (latency + cpu) bounds the share from below without other load.
            "client_cpu_ms_per_page": round(1000 * big_result["cpu_seconds"] / big_result["pages"], 1),
            "share_of_limit_idle_bound": round(args.latency / (args.latency + big_result["cpu_seconds"]
                                                               / big_result["pages"]), 3),
            "peak_rss_mb": {f"{small_pages}_pages": round(small_rss), f"{big_pages}_pages": round(big_rss)},
        }

        hub.latency_s = 0.0
        result, rss = run_child(CHILD_DUMP, [str(work / "census-dump")], env)
        figures["dump"] = {"seconds": round(result["seconds"], 1), "peak_rss_mb": round(rss),
                           "cpu_seconds": round(result["cpu_seconds"], 1),
                           "target_seconds": 60, "target_rss_mb": 2048, "steps_s": result["timings"],
                           "cpu_count": os.cpu_count(), "load_average": [round(x, 1) for x in os.getloadavg()]}
        figures["ground_truth_equal"] = (result["families"] == truth["families"]
                                         and result["relabelled"] == truth["relabelled"]
                                         and result["no_license"] == truth["no_license"]
                                         and result["models"] == truth["models"])
        figures["summary"] = {k: result[k] for k in ("models", "no_license", "relabelled")}
        figures["summary"]["families"] = result["families"]
        figures["truth"] = {k: truth[k] for k in ("cycle_members", "without_root", "dangling_edges")}
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
