"""Batch scheduling cost, printed as one JSON object (issue 14, item 11: target ≤ 10 s of planning for 100,000 ids).

    python benchmarks/batch_planning.py [--ids 100000] [--end-to-end 2000]

- planning: `plan_batch` over N ids that all name missing models, against the fake Hub (an empty one): validating
  every id, building its paths, looking for earlier reports;
- scheduling: `_run_pool` pushing the same N ids through 8 workers with a stand-in audit that waits 0.2 ms, so
  mostly the scheduler's own cost is measured (bounded queue: O(n));
- old_scheduling: the previous scheduler (every id submitted up front, `wait` over all pending futures after each
  completion: O(n²)) on smaller lists, for the before figure;
- end_to_end: a real `run_batch` of a smaller list of missing ids against the fake Hub over HTTP.

The machines are shared and noisy: read the figures as orders of magnitude."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update({"HF_HOME": tempfile.mkdtemp(prefix="bench-hfhome-"), "HF_HUB_DISABLE_TELEMETRY": "1"})
for _var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"):
    os.environ.pop(_var, None)

from auditor.batch import BatchError, _run_pool, plan_batch, run_batch  # noqa: E402
from auditor.hub.cached import CachingHub, EvidenceStore  # noqa: E402
from auditor.hub.live import LiveHub  # noqa: E402
from auditor.progress import NullProgress  # noqa: E402
from auditor.store import ReportStore  # noqa: E402
from tests.fakehub import FakeHub  # noqa: E402

AUDIT_SECONDS = 0.0002  # the stand-in audit's wait


class InstantRun:
    """Stands in for the batch's per-run state: every audit fails after a short wait (as a missing model's one
    request would), so the futures are still pending while the scheduler works."""

    def __init__(self) -> None:
        import threading

        self.stop = threading.Event()

    def audit_one(self, repo_id: str) -> BatchError:
        time.sleep(AUDIT_SECONDS)
        return BatchError(repo_id, 3, "not-found", "missing")


def planning(ids: list[str], hub_url: str, out: Path) -> float:
    store = ReportStore(out)
    caching = CachingHub(LiveHub(endpoint=hub_url), EvidenceStore(store.evidence_dir), write_through=False)
    start = time.perf_counter()
    plan = plan_batch(ids, store, caching)
    elapsed = time.perf_counter() - start
    assert len(plan.todo) == len(ids)
    return elapsed


def scheduling(ids: list[str], concurrency: int = 8) -> float:
    outcomes: dict = {}
    start = time.perf_counter()
    _run_pool(InstantRun(), ids, concurrency, outcomes, NullProgress())  # type: ignore[arg-type]
    assert len(outcomes) == len(ids)
    return time.perf_counter() - start


def old_scheduling(ids: list[str], concurrency: int = 8) -> float:
    """The scheduler before this change, reproduced: all futures up front, `wait` over every pending one."""
    run = InstantRun()
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        pending = {pool.submit(run.audit_one, repo_id): repo_id for repo_id in ids}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                pending.pop(future)
                future.result()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", type=int, default=100_000)
    parser.add_argument("--end-to-end", type=int, default=2_000)
    args = parser.parse_args()
    ids = [f"missing-org-{n % 997}/model-{n:06d}" for n in range(args.ids)]
    figures: dict = {"ids": args.ids}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as work, FakeHub(Path(work) / "hub") as hub:
        figures["planning_seconds"] = round(planning(ids, hub.url, Path(work) / "plan"), 2)
        figures["planning_target_seconds"] = 10
        figures["scheduling_seconds"] = round(scheduling(ids), 2)
        figures["old_scheduling_seconds"] = {n: round(old_scheduling(ids[:n]), 2) for n in (5_000, 10_000, 20_000)}
        e2e = ids[: args.end_to_end]
        start = time.perf_counter()
        result = run_batch(e2e, Path(work) / "e2e", hub=LiveHub(endpoint=hub.url), concurrency=8,
                           unreachable_limit=0)
        figures["end_to_end"] = {"ids": len(e2e), "seconds": round(time.perf_counter() - start, 2),
                                 "not_found": sum(e.reason == "not-found" for e in result.errors)}
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
