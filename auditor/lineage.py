"""Lineage: walk `base_model` up to the roots; the terms of every ancestor bind its derivatives."""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.card import as_str_list, card_value
from auditor.errors import AuditError, HubUnreachable
from auditor.evidence import RepoEvidence
from auditor.hub.base import Hub
from auditor.licenses.identify import BindingTerms, resolve_license
from auditor.report import Ancestor, Lineage, LineageFinding

DEFAULT_MAX_DEPTH = 32
RELATIONS = ("adapter", "merge", "quantized", "finetune")


@dataclass
class AncestorCache:
    """Evidence of ancestors shared across audits in one run: a batch of fine-tunes reads the base once."""

    evidence: dict[str, RepoEvidence | AuditError] = field(default_factory=dict)

    def get(self, hub: Hub, repo_id: str) -> RepoEvidence | AuditError:
        if repo_id not in self.evidence:
            try:
                self.evidence[repo_id] = hub.repo(repo_id)
            except HubUnreachable:
                raise
            except AuditError as exc:
                self.evidence[repo_id] = exc
        return self.evidence[repo_id]


def declared_bases(evidence: RepoEvidence) -> list[str]:
    bases, _ = as_str_list(card_value(evidence, "base_model"))
    return list(dict.fromkeys(b.strip() for b in bases))


def relation_of(evidence: RepoEvidence, n_bases: int) -> str:
    declared = card_value(evidence, "base_model_relation")
    if isinstance(declared, str) and declared in RELATIONS:
        return declared
    if n_bases > 1:
        return "merge"
    paths = evidence.file_paths()
    if any(p.endswith("adapter_config.json") for p in paths):
        return "adapter"
    if any(p.endswith(".gguf") for p in paths):
        return "quantized"
    return "finetune"


def trace_ancestors(hub: Hub, evidence: RepoEvidence, max_depth: int = DEFAULT_MAX_DEPTH,
                    cache: AncestorCache | None = None) -> Lineage:
    cache = cache or AncestorCache()
    ancestors: list[Ancestor] = []
    inherited: list[BindingTerms] = []
    findings: list[LineageFinding] = []
    seen_evidence: list[RepoEvidence] = []
    visited = {evidence.repo_id}
    frontier = [(evidence, 0)]
    while frontier:
        child, depth = frontier.pop(0)
        bases = declared_bases(child)
        relation = relation_of(child, len(bases))
        for base_id in bases:
            if base_id in visited:
                if base_id == evidence.repo_id or any(a.id == base_id for a in ancestors):
                    findings.append(LineageFinding("cycle", "warning",
                                                   f"{child.repo_id} names {base_id} as its base, which closes a cycle; "
                                                   "the walk stops there.", ancestor=base_id))
                continue
            visited.add(base_id)
            if depth + 1 > max_depth:
                findings.append(LineageFinding("depth-limit", "warning",
                                               f"The walk stopped at depth {max_depth}; older ancestors were not read.",
                                               ancestor=base_id))
                continue
            got = cache.get(hub, base_id)
            if isinstance(got, AuditError):
                ancestors.append(Ancestor(base_id, relation, depth + 1, None))
                findings.append(LineageFinding("missing-base", "warning",
                                               f"Base model {base_id} could not be read: {got.message}",
                                               ancestor=base_id))
                continue
            seen_evidence.append(got)
            res = resolve_license(got)
            primary = res.primary
            declared, _ = as_str_list(card_value(got, "license"))
            ancestors.append(Ancestor(base_id, relation, depth + 1,
                                      primary.license.spdx if primary else (declared[0] if declared else None),
                                      declared[0] if declared else None))
            for term in res.terms:
                if term.source == "inherited":
                    continue
                inherited.append(BindingTerms(term.license, "inherited", f"lineage:{base_id}", None, base_id))
            frontier.append((got, depth + 1))
    return Lineage(tuple(ancestors), tuple(inherited), tuple(findings), tuple(seen_evidence))
