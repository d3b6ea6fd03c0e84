"""Build the site from 10,000 synthetic reports and print {reports, seconds, total_bytes, files, ...} as JSON.

    /work/venv/bin/python benchmarks/site_build.py [--reports 10000] [--keep DIR]

The reports come from the real scoring pipeline (`auditor.audit.score`) run once per template — a handful of
licenses, with and without lineage — then copied with new ids, revisions and ancestors, so the site sees the
full variety of verdicts without 10,000 audits. Target: ≤ 30 s on 2 cores."""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.audit import score  # noqa: E402
from auditor.evidence import READ_OK, RepoEvidence, RepoFile, SafetensorsSummary, TextFile  # noqa: E402
from auditor.lineage import Ancestor, Lineage, LineageFinding  # noqa: E402
from auditor.site.build import build_site  # noqa: E402

CARD = "---\nlicense: {license}\nlibrary_name: transformers\n{extra}---\n# {name}\n\n## Training data\n\n{data}\n"
TEMPLATES = [
    ("apache-2.0", "datasets:\n- acme/open-corpus\n", "Trained on acme/open-corpus, deduplicated and filtered."),
    ("mit", "", "No training data is described."),
    ("llama2", "", "Pretrained on publicly available sources."),
    ("cc-by-nc-4.0", "", "Trained on licensed data."),
    ("gemma", "", "Trained on web documents, code and mathematics."),
    ("openrail", "", "See the paper."),
    ("other", "", ""),
]


def template_reports() -> list[dict]:
    out = []
    for n, (lic, extra, data) in enumerate(TEMPLATES):
        readme = CARD.format(license=lic, extra=extra, name=f"Template {n}", data=data)
        evidence = RepoEvidence(
            repo_id=f"template/model-{n}", revision=f"{n:040x}", source="hub", fetched_at="2026-01-01T00:00:00Z",
            library_name="transformers", card_data={"license": lic, "library_name": "transformers"},
            files=(RepoFile("README.md", len(readme)), RepoFile("config.json", 100),
                   RepoFile("model.safetensors", 4_000_000_000)),
            safetensors=SafetensorsSummary({"BF16": 7_241_732_096}, 7_241_732_096, "hub-summary"),
            texts=(TextFile("README.md", READ_OK, readme),
                   TextFile("config.json", READ_OK, '{"architectures": ["LlamaForCausalLM"]}')))
        for with_lineage in (False, True):
            lineage = Lineage()
            if with_lineage:
                lineage = Lineage(ancestors=(Ancestor("base/root", "finetune", 1, "Apache-2.0"),
                                             Ancestor("base/grandroot", "finetune", 2, "Apache-2.0")),
                                  findings=(LineageFinding("license-conflict", "warning", "Synthetic finding."),))
            out.append(score(evidence, lineage, audited_at="2026-01-01T00:00:00Z"))
    return out


def write_reports(root: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    templates = template_reports()
    ids = [f"org-{i % 400}/model-{i:05d}" if i % 50 else f"legacy-model-{i:05d}" for i in range(count)]
    for i, repo_id in enumerate(ids):
        report = copy.deepcopy(templates[i % len(templates)])
        report["model"]["id"] = repo_id
        report["model"]["revision"] = f"{rng.getrandbits(160):040x}"
        report["model"]["url"] = f"https://huggingface.co/{repo_id}"
        report["audited_at"] = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T12:00:00Z"
        report["weights"]["parameters"] = rng.choice([None, 124_000_000, 1_100_000_000, 7_241_732_096, 70 * 10**9])
        if report["lineage"]["ancestors"]:
            parent = ids[rng.randrange(count)]
            report["lineage"]["ancestors"] = [{"id": parent, "relation": "finetune", "depth": 1, "license": "MIT"},
                                              {"id": ids[rng.randrange(count)], "relation": "merge", "depth": 2,
                                               "license": None}]
        path = root / f"{repo_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2))


def _cpu_seconds() -> float:
    """CPU time of this process and its finished workers: steadier than wall time on a shared machine."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="write the reports and the site here and keep them")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="site-bench-"))
    reports_dir, site_dir = work / "reports", work / "site"
    shutil.rmtree(reports_dir, ignore_errors=True)
    started = time.perf_counter()
    write_reports(reports_dir, args.reports)
    generated = time.perf_counter() - started
    try:
        before = _cpu_seconds()
        result = build_site(reports_dir, site_dir)
        cpu = _cpu_seconds() - before
        print(json.dumps({"reports": result.models, "seconds": round(result.seconds, 2),
                          "cpu_seconds": round(cpu, 2),
                          "total_bytes": result.total_bytes, "files": result.files, "pages": result.pages,
                          "seconds_per_1000": round(result.seconds / max(result.models, 1) * 1000, 3),
                          "generate_seconds": round(generated, 2), "cores": os.cpu_count()}))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
