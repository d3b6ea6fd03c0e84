"""Compile hand-collected model facts into stored evidence (the bundled snapshot the offline audit reads).

    python -m auditor.snapshot_compile snapshot/ reports/evidence/ [--history-out reports/evidence-history] [--prune]

Input: SNAPSHOT/facts/<namespace>/<name>.yaml, one file per model, each fact with the public page (url, date) it
was read from. Output: OUT/<namespace>/<name>.json = `RepoEvidence.to_dict()`, with source "snapshot", the facts'
date as `snapshot_date` and the provenance list. Historical states live in SNAPSHOT/facts-history/<date>/... and
compile into HISTORY_OUT/<date>/... the same way.

The README.md stored in the evidence is *not* the published card: it is a short fact sheet in our own words
(front matter with the metadata facts, a few sentences naming the training data, code and paper) whose
`TextFile.detail` says so. License texts are never stored: LICENSE files are listed as files only, so the license
comes from the card's id. Output is deterministic: the same facts always give byte-identical files."""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from auditor.errors import AuditError, UsageError
from auditor.evidence import READ_OK, RepoEvidence, RepoFile, SafetensorsSummary, TextFile
from auditor.repoid import validate_repo_id

FACTS_DIR = "facts"
HISTORY_DIR = "facts-history"
MAX_FACT_SHEET_BYTES = 3000
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
_SHORT_SHA = re.compile(r"^[0-9a-f]{7,12}$")
_KNOWN_KEYS = {
    "id", "compiled", "revision", "revision_short", "gated", "library_name", "pipeline_tag", "tags", "card",
    "files", "approximate_file_names", "config", "adapter_config", "parameters", "facts", "provenance", "author",
    "notes",
}
_PROSE_KEYS = {"training_data", "data_processing", "datasheet", "paper", "training_code", "license_named_in_prose",
               "base_named_in_prose"}
DATE_BASES = {"page", "commit", "consulted"}


class SnapshotFactsError(UsageError):
    """A facts file is malformed: the snapshot cannot be compiled from it."""


@dataclass(frozen=True)
class Compiled:
    repo_id: str
    path: Path  # where the JSON was written
    evidence: RepoEvidence


def _fail(source: Path, message: str) -> SnapshotFactsError:
    return SnapshotFactsError(f"{source}: {message}")


def _str_list(value: Any, source: Path, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(source, f"'{key}' must be a list of strings.")
    return list(value)


def _check_commit_ids(raw: dict[str, Any], path: Path) -> None:
    """Only ids a page showed: a full 40-hex sha, or the short id when that is all a page gave."""
    revision = raw.get("revision")
    if revision is not None and not (isinstance(revision, str) and _SHA.match(revision)):
        raise _fail(path, "'revision' must be a 40-hex commit sha shown on a page (omit it when unknown).")
    short = raw.get("revision_short")
    if short is not None and not (isinstance(short, str) and _SHORT_SHA.match(short)):
        raise _fail(path, "'revision_short' must be the 7 to 12 hex digits a page showed.")


def _check_provenance(provenance: Any, path: Path) -> None:
    if not isinstance(provenance, list) or not provenance:
        raise _fail(path, "needs a non-empty 'provenance' list.")
    for entry in provenance:
        if not (isinstance(entry, dict) and isinstance(entry.get("fact"), str) and isinstance(entry.get("url"), str)
                and _DATE.match(str(entry.get("date") or "")) and entry.get("date_basis") in DATE_BASES):
            raise _fail(path, "every provenance entry needs fact, url, date (YYYY-MM-DD) and date_basis "
                              f"({', '.join(sorted(DATE_BASES))}).")


def load_facts(path: Path) -> dict[str, Any]:
    """Read and check one facts file; every problem is one sentence naming the file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(path, f"could not be read as YAML ({str(exc).splitlines()[0][:120]}).") from None
    if not isinstance(raw, dict):
        raise _fail(path, "is not a mapping of facts.")
    unknown = sorted(set(raw) - _KNOWN_KEYS)
    if unknown:
        raise _fail(path, f"has unknown keys: {', '.join(unknown)}.")
    repo_id = raw.get("id")
    if not isinstance(repo_id, str):
        raise _fail(path, "has no 'id'.")
    try:
        validate_repo_id(repo_id)
    except AuditError as exc:
        raise _fail(path, exc.message) from None
    compiled = str(raw.get("compiled") or "")
    if not _DATE.match(compiled):
        raise _fail(path, "needs 'compiled' as a YYYY-MM-DD date.")
    _check_commit_ids(raw, path)
    facts = raw.get("facts") or {}
    if not isinstance(facts, dict) or set(facts) - _PROSE_KEYS:
        raise _fail(path, f"'facts' may only hold {', '.join(sorted(_PROSE_KEYS))}.")
    _check_provenance(raw.get("provenance"), path)
    for item in raw.get("files") or []:
        if not (isinstance(item, dict) and isinstance(item.get("path"), str)):
            raise _fail(path, "every entry of 'files' needs a 'path'.")
    _str_list(raw.get("tags"), path, "tags")
    card = raw.get("card") or {}
    if not isinstance(card, dict):
        raise _fail(path, "'card' must be a mapping of card metadata.")
    return raw


def fact_sheet(raw: dict[str, Any], card: dict[str, Any]) -> str:
    """The short README stored in place of the card: metadata front matter plus our own sentences."""
    facts = raw.get("facts") or {}
    # A card published without metadata gets no front matter here either (not an empty "{}" block).
    front = yaml.safe_dump(card, sort_keys=True, allow_unicode=True, default_flow_style=False).strip()
    lines = (["---", front, "---", ""] if card else []) + [f"# {raw['id']} (compiled fact sheet)", "",
             f"Not the published model card: a fact sheet compiled on {raw['compiled']} from public pages "
             "(sources in the evidence provenance).", ""]
    if facts.get("training_data"):
        lines += ["## Training data", "", f"Trained on {facts['training_data']}."]
        if facts.get("data_processing"):
            lines += [f"Data processing (per the card): {facts['data_processing']}."]
        lines.append("")
    if facts.get("datasheet"):
        lines += [f"Datasheet: {facts['datasheet']}", ""]
    if facts.get("paper"):
        lines += [f"Paper: {facts['paper']}", ""]
    if facts.get("training_code"):
        lines += [f"Training code: {facts['training_code']}", ""]
    if facts.get("base_named_in_prose"):
        lines += [f"The card text names its base model: {facts['base_named_in_prose']}.", ""]
    if facts.get("license_named_in_prose"):
        lines += [f"The card text names the {facts['license_named_in_prose']} as the model's terms.", ""]
    return "\n".join(lines).rstrip() + "\n"


def _unknown_revision_note(short: str | None, date: str) -> dict[str, str]:
    """Invent nothing: without a full sha shown on a page the revision stays unknown (null in the report)."""
    shown = f"; pages show the short id {short}" if short else ""
    return {"fact": "revision", "url": "", "date": date, "date_basis": "consulted",
            "note": f"unknown: no page showed the full commit sha{shown}"}


def _provenance(raw: dict[str, Any], date: str) -> tuple[dict[str, str], ...]:
    provenance = [dict(sorted((str(k), str(v)) for k, v in entry.items())) for entry in raw["provenance"]]
    if raw.get("revision") is None:
        provenance.append(_unknown_revision_note(raw.get("revision_short"), date))
    if raw.get("approximate_file_names"):
        provenance.append({"fact": "files", "url": "", "date": date, "date_basis": "consulted",
                           "note": "approximate file names: the pages showed the weight formats, not every name"})
    return tuple(provenance)


def _texts(raw: dict[str, Any], card: dict[str, Any], source: Path, date: str) -> tuple[TextFile, ...]:
    """The fact sheet standing in for README.md, and the config fields a page showed."""
    urls = list(dict.fromkeys(e["url"] for e in raw["provenance"] if e["url"]))
    sheet = fact_sheet(raw, card)
    if len(sheet.encode("utf-8")) > MAX_FACT_SHEET_BYTES:
        raise _fail(source, f"the compiled fact sheet is longer than {MAX_FACT_SHEET_BYTES} bytes; shorten the facts.")
    others = f" and {len(urls) - 1} other page(s)" if len(urls) > 1 else ""
    texts = [TextFile(path="README.md", status=READ_OK, content=sheet,
                      detail=f"compiled fact sheet (not the published card) from {urls[0]}{others} on {date}")]
    for key, path in (("config", "config.json"), ("adapter_config", "adapter_config.json")):
        if isinstance(raw.get(key), dict):
            texts.append(TextFile(path=path, status=READ_OK, content=json.dumps(raw[key], sort_keys=True),
                                  detail=f"the fields a public page showed, compiled on {date}"))
    return tuple(texts)


def _safetensors(raw: dict[str, Any]) -> SafetensorsSummary | None:
    params = raw.get("parameters")
    if not (isinstance(params, dict) and isinstance(params.get("total"), int)):
        return None
    dtype = str(params.get("dtype") or "unknown")
    return SafetensorsSummary(parameters={dtype: params["total"]}, total=params["total"], source="snapshot-facts")


def build_evidence(raw: dict[str, Any], source: Path) -> RepoEvidence:
    repo_id: str = raw["id"]
    date: str = raw["compiled"]
    card: dict[str, Any] = dict(raw.get("card") or {})
    revision, short = raw.get("revision"), raw.get("revision_short")
    files = tuple(sorted((RepoFile(path=str(f["path"]), size=f.get("size")) for f in raw.get("files") or []),
                         key=lambda f: f.path))
    gated = raw.get("gated", False)
    return RepoEvidence(
        repo_id=repo_id, revision=revision, revision_short=short if revision is None else None, source="snapshot",
        fetched_at=f"{date}T00:00:00Z",
        gated=gated if gated in ("auto", "manual") else bool(gated), author=raw.get("author") or repo_id.split("/")[0],
        library_name=raw.get("library_name"), pipeline_tag=raw.get("pipeline_tag"),
        tags=tuple(raw.get("tags") or ()), card_data=card, files=files, safetensors=_safetensors(raw),
        texts=_texts(raw, card, source, date), snapshot_date=date, provenance=_provenance(raw, date),
    )


def dump(evidence: RepoEvidence) -> str:
    return json.dumps(evidence.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def compile_tree(facts_root: Path, out_root: Path, prune: bool = False) -> list[Compiled]:
    """Compile every facts file under `facts_root` into `out_root`; returns what was written, sorted by id."""
    if not facts_root.is_dir():
        raise UsageError(f"{facts_root} is not a directory of facts files.")
    done: list[Compiled] = []
    seen: set[str] = set()
    for path in sorted(facts_root.rglob("*.yaml")):
        raw = load_facts(path)
        expected = path.relative_to(facts_root).with_suffix("").as_posix()
        if raw["id"] != expected:
            raise _fail(path, f"holds '{raw['id']}' but its path says '{expected}'.")
        evidence = build_evidence(raw, path)
        target = out_root / f"{raw['id']}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        text = dump(evidence)
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        seen.add(raw["id"])
        done.append(Compiled(raw["id"], target, evidence))
    if prune and out_root.is_dir():
        for stale in sorted(out_root.rglob("*.json")):
            if stale.relative_to(out_root).with_suffix("").as_posix() not in seen:
                stale.unlink()
    return done


def compile_snapshot(snapshot_dir: Path, out_dir: Path, history_out: Path | None = None,
                     prune: bool = False) -> list[Compiled]:
    done = compile_tree(snapshot_dir / FACTS_DIR, out_dir, prune)
    history_root = snapshot_dir / HISTORY_DIR
    if history_out is not None and history_root.is_dir():
        for dated in sorted(p for p in history_root.iterdir() if p.is_dir()):
            if not _DATE.match(dated.name):
                raise UsageError(f"{dated} is not named as a YYYY-MM-DD date.")
            done += compile_tree(dated, history_out / dated.name, prune)
    return done


def audit_history(history_dir: Path, reports_dir: Path) -> list[Path]:
    """Audit every dated historical state (HISTORY/<date>/<id>.json) into REPORTS/<date>/<id>.json."""
    from auditor.audit import audit
    from auditor.hub.snapshot import SnapshotHub

    written = []
    for dated in sorted(p for p in history_dir.iterdir() if p.is_dir() and _DATE.match(p.name)):
        for path in sorted(dated.rglob("*.json")):
            repo_id = path.relative_to(dated).with_suffix("").as_posix()
            target = reports_dir / dated.name / f"{repo_id}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            report = audit(repo_id, hub=SnapshotHub(root=dated))
            target.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m auditor.snapshot_compile", description=__doc__.splitlines()[0])
    parser.add_argument("snapshot_dir", type=Path, help="directory holding facts/ (and facts-history/); with "
                        "--history-reports, the dated evidence directory (reports/evidence-history/)")
    parser.add_argument("out_dir", type=Path, help="where the evidence JSON goes (reports/evidence/); with "
                        "--history-reports, where the dated reports go (reports/snapshots/)")
    parser.add_argument("--history-out", type=Path, default=None,
                        help="where dated historical evidence goes (reports/evidence-history/)")
    parser.add_argument("--prune", action="store_true", help="delete evidence files that no facts file produces")
    parser.add_argument("--history-reports", action="store_true",
                        help="audit the compiled dated states into reports instead of compiling facts")
    args = parser.parse_args(argv)
    try:
        if args.history_reports:
            print(f"wrote {len(audit_history(args.snapshot_dir, args.out_dir))} dated report(s)")
            return 0
        done = compile_snapshot(args.snapshot_dir, args.out_dir, args.history_out, args.prune)
    except AuditError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    print(f"compiled {len(done)} evidence file(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
