"""Load the criteria (criteria/*.yaml): ids, titles, clauses, decision rules, rationale and remediation."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from auditor.paths import data_dir

# libyaml's safe loader when installed (8x faster, same results), else the pure-Python one: every audit loads the
# knowledge base and the criteria, so this is most of an offline answer's time.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The 11 criterion ids of the report contract; other criteria (OSAID components, MOF) are reported apart.
CONTRACT_IDS = (
    "source", "free-redistribution", "derived-works", "integrity", "persons-groups", "fields-of-endeavor",
    "license-distribution", "not-product-specific", "no-restriction-other-software", "technology-neutral",
    "data-transparency",
)
# The contract criteria judged on the license terms alone (the OSD clauses other than `source`).
OSD_LICENSE_IDS = tuple(i for i in CONTRACT_IDS if i not in ("source", "data-transparency"))


@dataclass(frozen=True)
class Criterion:
    id: str
    order: int
    section: str  # osd | osai | osaid | mof
    title: str
    implements: str
    question: str
    version: int
    evaluator: str
    reads: tuple[str, ...]  # probe ids (auditor/probes/registry.py): the verdict depends on these outcomes
    decision: dict[str, str]  # status -> the rule, in words (docs); the evaluator implements it
    rationale: str
    remediation: str
    fails_on: tuple[str, ...] = ()  # license fact kinds that fail it (license-clause criteria)
    notes_on: tuple[str, ...] = ()  # license fact kinds reported as notes
    builds_on: tuple[str, ...] = ()  # criteria ids whose verdicts it reads (judged first)

    @property
    def in_contract(self) -> bool:
        return self.id in CONTRACT_IDS


class CriteriaError(ValueError):
    pass


_KEYS = {"id", "order", "section", "title", "implements", "question", "version", "evaluator", "reads", "decision",
         "rationale", "remediation", "fails_on", "notes_on", "builds_on"}


def criteria_dir() -> Path:
    return data_dir("criteria")


@cache
def load_criteria(directory: Path | None = None) -> tuple[Criterion, ...]:
    directory = directory or criteria_dir()
    out = []
    for path in sorted(directory.glob("*.yaml")):
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        if not isinstance(raw, dict) or raw.get("id") != path.stem:
            raise CriteriaError(f"{path.name}: 'id' must equal the file name")
        unknown = sorted(set(raw) - _KEYS)
        if unknown:  # a key nothing reads would look like a rule while deciding nothing
            raise CriteriaError(f"{path.name}: unknown keys {', '.join(unknown)}")
        try:
            out.append(Criterion(
                id=raw["id"], order=int(raw["order"]), section=str(raw["section"]), title=str(raw["title"]),
                implements=str(raw["implements"]), question=str(raw["question"]), version=int(raw["version"]),
                evaluator=str(raw["evaluator"]), reads=tuple(str(r) for r in raw.get("reads") or ()),
                decision={str(k): str(v) for k, v in (raw.get("decision") or {}).items()},
                rationale=str(raw["rationale"]).strip(), remediation=str(raw["remediation"]).strip(),
                fails_on=tuple(raw.get("fails_on") or ()), notes_on=tuple(raw.get("notes_on") or ()),
                builds_on=tuple(str(b) for b in raw.get("builds_on") or ()),
            ))
        except KeyError as exc:
            raise CriteriaError(f"{path.name}: missing {exc.args[0]!r}") from None
    out.sort(key=lambda c: c.order)
    return tuple(out)


def criterion(criterion_id: str) -> Criterion:
    for c in load_criteria():
        if c.id == criterion_id:
            return c
    raise KeyError(criterion_id)


@cache
def criteria_version() -> str:
    """Declared version plus a digest of every criteria and license file, so any change re-scores."""
    root = criteria_dir()
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.yaml")) + sorted(root.rglob("*.json")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    declared = (root / "VERSION").read_text().strip() if (root / "VERSION").exists() else "0"
    return f"{declared}+{digest.hexdigest()[:10]}"
