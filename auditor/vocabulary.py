"""The report contract's closed vocabularies, spelled once. Every module compares against these, never literals."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PASS = "pass"
    PARTIAL = "partial"
    FAIL = "fail"
    UNKNOWN = "unknown"


class Classification(StrEnum):
    OPEN_SOURCE = "open-source"
    OPEN_WEIGHTS = "open-weights"
    RESTRICTED = "restricted"
    CLOSED = "closed"
    UNKNOWN = "unknown"


# Most open first: the order readers rank models by (site tables, matrix rows, census charts).
OPENNESS_ORDER: tuple[Classification, ...] = (
    Classification.OPEN_SOURCE, Classification.OPEN_WEIGHTS, Classification.RESTRICTED,
    Classification.CLOSED, Classification.UNKNOWN,
)


class Source(StrEnum):
    HUB = "hub"
    SNAPSHOT = "snapshot"


class LicenseSource(StrEnum):
    CARD = "card"
    LICENSE_FILE = "license-file"
    GATE_TEXT = "gate-text"
    INHERITED = "inherited"
    NONE = "none"


class EvidenceKind(StrEnum):
    LICENSE_CLAUSE = "license-clause"
    CARD_FIELD = "card-field"
    FILE = "file"
    HUB_FIELD = "hub-field"
    LINEAGE = "lineage"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Relation(StrEnum):
    FINETUNE = "finetune"
    ADAPTER = "adapter"
    QUANTIZED = "quantized"
    MERGE = "merge"
    UNKNOWN = "unknown"


# The relations the Hub itself names, in its `base_model:<relation>:<id>` tags and `base_model_relation`.
HUB_RELATIONS: tuple[str, ...] = (Relation.ADAPTER, Relation.MERGE, Relation.QUANTIZED, Relation.FINETUNE)


# Hub license ids that state nothing: the terms must come from elsewhere (license files, gate text, ancestors).
NON_COMMITTAL_LICENSE_IDS: frozenset[str] = frozenset({"other", "unknown", "none", "n/a", ""})
