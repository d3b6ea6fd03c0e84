"""Agreement of our classification with the public judgments recorded in the real-card corpus.

    PYTHONPATH=. python -m tests.realcards_agreement [--write]
    PYTHONPATH=OLD_CHECKOUT:. python -m tests.realcards_agreement --classes > before.yaml   # another auditor's verdicts

serves tests/realcards/ through a fake Hub of its own, audits every model with the real huggingface_hub client,
maps every recorded judgment (OSI's OSAID validation, the Model Openness Tool, the European Open Source AI Index)
to the classifications it allows, and prints (or with --write, writes) docs/agreement.md. tests/test_realcards.py
runs the same and fails when the document is stale or agreement fell below its threshold."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from auditor.vocabulary import Classification

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "agreement.md"
CAUSES_PATH = Path(__file__).resolve().parent / "realcards" / "causes.yaml"

OPEN_SOURCE = frozenset({Classification.OPEN_SOURCE.value})
NOT_OPEN_SOURCE = frozenset(c.value for c in Classification) - OPEN_SOURCE - {Classification.UNKNOWN.value}
OPEN_LICENSED = frozenset({Classification.OPEN_SOURCE.value, Classification.OPEN_WEIGHTS.value})
RESTRICTED = frozenset({Classification.RESTRICTED.value})
CLOSED = frozenset({Classification.CLOSED.value})
# What the MOT counts as an open license for the weights (exact SPDX ids; see docs/agreement.md).
MOT_OPEN_IDS = frozenset({"Apache-2.0", "MIT", "BSD-3-Clause", "BSD-2-Clause", "CC0-1.0", "CC-BY-4.0",
                          "CC-BY-SA-4.0", "CDLA-Permissive-2.0", "OpenMDW-1.0", "ODC-By-1.0", "GPL-3.0-only"})
MOT_NO_JUDGMENT = frozenset({"", "none", "unlicensed", "component not include.", "component not included"})


def _osi(judgment: dict[str, Any]) -> frozenset[str] | None:
    verdict = judgment.get("verdict")
    if verdict == "passed":
        return OPEN_SOURCE
    if verdict in ("not-passed", "terms-block"):
        return NOT_OPEN_SOURCE
    return None


def _mof(judgment: dict[str, Any]) -> frozenset[str] | None:
    if str(judgment.get("class")) == "I":
        return OPEN_SOURCE
    weights = str(judgment.get("weights_license") or "").strip()
    if weights.lower() in MOT_NO_JUDGMENT:
        return None
    return OPEN_LICENSED if weights in MOT_OPEN_IDS else RESTRICTED


def _osai(judgment: dict[str, Any]) -> frozenset[str] | None:
    if judgment.get("weights") == "closed":
        return CLOSED
    licenses = judgment.get("licenses")
    if licenses == "closed":
        return RESTRICTED
    if licenses == "open" and judgment.get("data") == "open" and judgment.get("code") == "open":
        return OPEN_SOURCE
    if licenses == "open":
        return frozenset({Classification.OPEN_WEIGHTS.value})
    if licenses == "partial":
        return frozenset({Classification.OPEN_WEIGHTS.value, Classification.RESTRICTED.value})
    return None


MAPPINGS: dict[str, Callable[[dict[str, Any]], frozenset[str] | None]] = {"osi": _osi, "mof": _mof, "osai": _osai}
JUDGE_NAMES = {"osi": "OSI validation", "mof": "MOF (Model Openness Tool)", "osai": "OSAI index"}


def allowed(judgment: dict[str, Any]) -> frozenset[str] | None:
    """The classifications of ours that agree with one judgment (None: the judgment says nothing on our scale)."""
    return MAPPINGS[judgment["judge"]](judgment)


def describe(judgment: dict[str, Any]) -> str:
    judge = judgment["judge"]
    subject = judgment.get("subject", "")
    if judge == "osi":
        text = {"passed": "passed", "not-passed": "did not pass",
                "terms-block": "would pass if its legal terms changed"}.get(judgment.get("verdict"), "?")
    elif judge == "mof":
        text = f"Class {judgment['class']}" if judgment.get("class") else "no class"
        text += f", weights license {judgment.get('weights_license') or 'not recorded'}"
    else:
        text = ", ".join(f"{k} {judgment.get(k)}" for k in ("licenses", "weights", "data", "code") if judgment.get(k))
    scope = judgment.get("scope", "model")
    where = "" if scope == "model" else f" ({'family verdict' if scope == 'family' else 'verdict on its base'})"
    return f"[{JUDGE_NAMES[judge]}]({judgment['url']}): {subject} — {text}{where}"


@dataclass(frozen=True)
class Row:
    repo_id: str
    kind: str
    family: str
    ours: str
    judgments: tuple[tuple[dict[str, Any], frozenset[str] | None], ...]
    checks: tuple[tuple[str, bool], ...]

    @property
    def counted(self) -> list[tuple[dict[str, Any], frozenset[str]]]:
        return [(j, a) for j, a in self.judgments if a is not None]

    def agrees(self, allowed_set: frozenset[str]) -> bool:
        return self.ours in allowed_set


def issue_checks(report: dict[str, Any], expect: dict[str, Any]) -> tuple[tuple[str, bool], ...]:
    """The expectations the issue states for a model (classification, findings, no invented base, license)."""
    checks: list[tuple[str, bool]] = []
    if "classification" in expect:
        checks.append((f"classification {expect['classification']}",
                       report.get("classification") == expect["classification"]))
    if "classification_not" in expect:
        checks.append((f"classification is not {expect['classification_not']}",
                       report.get("classification") != expect["classification_not"]))
    findings = {f.get("id") or f.get("kind") for f in _all_findings(report)}
    for finding in expect.get("findings") or []:
        checks.append((f"finding {finding}", finding in findings))
    if expect.get("no_invented_base"):
        declared = set(expect.get("allowed_bases") or [])
        bases = {a.get("id") for a in (report.get("lineage") or {}).get("ancestors") or []}
        checks.append(("no invented base" + (f" (only {', '.join(sorted(declared))})" if declared else ""),
                       bases <= declared))
    if "license_not" in expect:
        checks.append((f"license is not {expect['license_not']}",
                       (report.get("license") or {}).get("identified") != expect["license_not"]))
    return tuple(checks)


def _all_findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    found = list((report.get("lineage") or {}).get("findings") or [])
    found += list((report.get("license") or {}).get("findings") or [])
    return [f for f in found if isinstance(f, dict)]


def audit_corpus(progress: Callable[[str], None] | None = None) -> list[Row]:
    """Serve the corpus on a fake Hub of its own and audit every model through the real client."""
    from auditor.audit import audit
    from auditor.errors import AuditError
    from auditor.hub.live import LiveHub
    from tests.fakehub import FakeHub
    from tests.hubdata_realcards import build_realcards

    root = Path(tempfile.mkdtemp(prefix="realcards-"))
    entries = build_realcards(root)
    hub = FakeHub(root).start()
    rows = []
    try:
        live = LiveHub(endpoint=hub.url)
        for entry in entries:
            if progress:
                progress(entry.repo_id)
            try:
                report = audit(entry.repo_id, hub=live)
                ours = str(report.get("classification"))
            except AuditError as exc:
                report, ours = {}, f"error ({type(exc).__name__})"
            judged = tuple((j, allowed(j)) for j in entry.judgments)
            rows.append(Row(entry.repo_id, entry.kind, entry.family, ours, judged, issue_checks(report, entry.expect)))
    finally:
        hub.stop()
    return rows


def agreement(rows: list[Row]) -> tuple[int, int]:
    """(agreeing judgments, judgments that say something on our scale)."""
    pairs = [(row, a) for row in rows for _, a in row.counted]
    return sum(row.agrees(a) for row, a in pairs), len(pairs)


def load_causes() -> dict[str, Any]:
    if not CAUSES_PATH.is_file():
        return {}
    return yaml.safe_load(CAUSES_PATH.read_text(encoding="utf-8")) or {}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def before_agreement(rows: list[Row], before: dict[str, str]) -> tuple[int, int]:
    """Agreement of the classifications recorded for an earlier auditor (causes.yaml `before_classes`)."""
    pairs = [(before.get(row.repo_id), a) for row in rows for _, a in row.counted]
    return sum(ours in a for ours, a in pairs if ours), len(pairs)


def render(rows: list[Row], causes: dict[str, Any]) -> str:
    agree, total = agreement(rows)
    before = causes.get("before_classes") or {}
    judged_models = [r for r in rows if r.counted]
    model_agree = sum(all(r.agrees(a) for _, a in r.counted) for r in judged_models)
    checks = [c for r in rows for c in r.checks]
    notes = causes.get("notes") or {}
    lines = [
        "# Agreement with the public judgments (real-card corpus)",
        "",
        "<!-- generated by `PYTHONPATH=. python -m tests.realcards_agreement --write`; tests/test_realcards.py "
        "fails when this file is stale -->",
        "",
        f"The corpus (`tests/realcards/`) holds {len(rows)} real model cards reconstructed from public copies of "
        "their repositories, each served through the fake Hub and audited with the real `huggingface_hub` client. "
        f"{len(judged_models)} of them carry at least one cited public judgment.",
        "",
        f"**Agreement: {agree} of {total} judgments ({_pct(agree, total)})**; "
        f"models agreeing with every judgment on them: {model_agree} of {len(judged_models)}; "
        f"issue expectations met: {sum(ok for _, ok in checks)} of {len(checks)}.",
        "",
    ]
    if before:
        old_agree, old_total = before_agreement(rows, before)
        lines += [f"**Before** ({notes.get('before_commit', 'an earlier main')}, same corpus): {old_agree} of "
                  f"{old_total} judgments ({_pct(old_agree, old_total)}); the `Before` column shows each model's "
                  "classification then.", ""]
    lines += [str(notes.get("before", "")).strip(), ""] if notes.get("before") else []
    lines += ["## How a judgment maps to our classification", "", str(notes.get("mapping", "")).strip(), ""]
    lines += ["## Table", "",
              "| Model | Kind | Public judgments | Before | Ours | Agree? | Cause of a disagreement (who is wrong) |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        lines.append(_table_row(row, causes, before.get(row.repo_id, "—")))
    lines += ["", "## Issue expectations", "", "| Model | Check | Met? |", "| --- | --- | --- |"]
    for row in rows:
        for text, ok in row.checks:
            lines.append(f"| `{row.repo_id}` | {text} | {'yes' if ok else '**no**'} |")
    return "\n".join(lines).rstrip() + "\n"


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f} %" if b else "n/a"


def _table_row(row: Row, causes: dict[str, Any], before: str) -> str:
    judged = "<br>".join(_cell(describe(j)) for j, _ in row.judgments) or "none published"
    if not row.counted:
        verdict = "—"
    else:
        verdict = "<br>".join(("yes" if row.agrees(a) else "**no**") for _, a in row.counted)
    misses = [j for j, a in row.counted if not row.agrees(a)]
    why = []
    for judgment in misses:
        cause = (causes.get("disagreements") or {}).get(f"{row.repo_id}|{judgment['judge']}")
        why.append(_cell(f"{JUDGE_NAMES[judgment['judge']]}: {cause}") if cause else
                   f"{JUDGE_NAMES[judgment['judge']]}: not yet analysed")
    return (f"| `{row.repo_id}` | {row.kind} | {judged} | {before} | {row.ours} | {verdict} | "
            f"{'<br>'.join(why)} |")


def _isolate_environment() -> None:
    """Standalone runs: a private HF cache and no telemetry (conftest.py does the same for the tests)."""
    os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="hfhome-"))
    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        os.environ.pop(var, None)
    os.environ.update({"HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
                       "HF_HUB_DISABLE_XET": "1", "AUDITOR_RETRY_BASE_DELAY": "0"})


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    _isolate_environment()
    rows = audit_corpus()
    text = render(rows, load_causes())
    if "--classes" in args:  # the classification of every model, to record as `before_classes`
        sys.stdout.write(yaml.safe_dump({r.repo_id: r.ours for r in rows}, sort_keys=True))
        return 0
    if "--write" in args:
        DOC_PATH.write_text(text, encoding="utf-8")
        agree, total = agreement(rows)
        print(f"wrote {DOC_PATH}: agreement {agree}/{total} ({_pct(agree, total)})")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
