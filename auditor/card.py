"""Model card access: the Hub's parsed metadata plus our own bounded, safe parse of README.md.

Cards are written by anyone. The YAML loader refuses aliases (billion-laughs), bounds size and depth, and
every failure becomes a finding rather than an exception."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from auditor.evidence import READ_BINARY, READ_OK, READ_TOO_LARGE, RepoEvidence

MAX_FRONT_MATTER = 256_000
MAX_DEPTH = 20
_FRONT = re.compile(r"\A\ufeff?\s*---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


class _TooDeep(yaml.YAMLError):
    pass


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that rejects anchors/aliases (a card has no need for them and they enable billion-laughs) and
    stops composing past MAX_DEPTH, before deep nesting costs recursion, time and memory."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("YAML aliases are not allowed in model cards")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeep(f"nests deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _depth(value: Any, limit: int = MAX_DEPTH) -> int:
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


@dataclass(frozen=True)
class CardText:
    metadata: dict[str, Any]  # our own parse of the front matter ({} when absent or rejected)
    body: str  # the prose after the front matter
    body_offset: int  # line number (1-based) of the body's first line in README.md
    problems: tuple[str, ...]  # one sentence each


@lru_cache(maxsize=32)  # every probe asks for the card; a hostile one must be parsed once, not once per probe
def parse_card(text: str) -> CardText:
    """Split README text into front matter and prose. Never raises. The result is shared: do not mutate it."""
    problems: list[str] = []
    match = _FRONT.match(text[: MAX_FRONT_MATTER + 1024])
    if not match:
        if text.lstrip("\ufeff").lstrip().startswith("---"):
            problems.append("The card's front matter is not closed by '---' or is too large to read.")
        return CardText({}, text, 1, tuple(problems))
    raw = match.group(1)
    body = text[match.end():]
    offset = text.count("\n", 0, match.end()) + 1
    if len(raw) > MAX_FRONT_MATTER:
        return CardText({}, body, offset, ("The card's front matter is larger than 256 kB and was not parsed.",))
    try:
        data = yaml.load(raw, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except _TooDeep:
        return CardText({}, body, offset, (f"The card's front matter nests deeper than {MAX_DEPTH} levels.",))
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return CardText({}, body, offset, (f"The card's YAML front matter could not be parsed ({first[:120]}).",))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return CardText({}, body, offset, ("The card's front matter is not a mapping.",))
    if _depth(data) > MAX_DEPTH:
        return CardText({}, body, offset, (f"The card's front matter nests deeper than {MAX_DEPTH} levels.",))
    return CardText(data, body, offset, tuple(problems))


@lru_cache(maxsize=32)
def split_card(text: str) -> CardText:
    """Front matter and prose apart, without parsing the YAML: enough when the Hub already parsed it."""
    match = _FRONT.match(text[: MAX_FRONT_MATTER + 1024])
    if not match:
        return CardText({}, text, 1, ())
    return CardText({}, text[match.end():], text.count("\n", 0, match.end()) + 1, ())


_ANCHOR_OR_ALIAS = re.compile(r"[&*][\w-]")


def _front_matter_may_alias(text: str | None) -> bool:
    match = _FRONT.match(text[: MAX_FRONT_MATTER + 1024]) if text else None
    return bool(match and _ANCHOR_OR_ALIAS.search(match.group(1)))


def readme(evidence: RepoEvidence, metadata: bool = False) -> CardText | None:
    """The README split into front matter and prose, or None when it could not be read. Our own YAML parse only
    when asked for, or when the Hub gave no parse of its own (cardData)."""
    text = evidence.text("README.md")
    if text is None or text.status not in (READ_OK, READ_TOO_LARGE) or text.content is None:
        return None
    if evidence.card_data and not metadata:
        return split_card(text.content)
    return parse_card(text.content)


def card_value(evidence: RepoEvidence, key: str) -> Any:
    """A card field: the Hub's cardData (public even when gated); our README parse only when the Hub has none."""
    if key in evidence.card_data:
        return evidence.card_data[key]
    if evidence.card_data:  # the Hub parsed the front matter: a key it lacks is absent
        return None
    card = readme(evidence)
    return card.metadata.get(key) if card else None


def as_str_list(value: Any) -> tuple[list[str], bool]:
    """(strings, well_typed): a card field that should be a string or a list of strings."""
    if value is None:
        return [], True
    if isinstance(value, str):
        return ([value] if value.strip() else []), True
    if isinstance(value, list):
        strings = [v.strip() for v in value if isinstance(v, str) and v.strip()]
        return strings, len(strings) == len(value)
    return [], False


# Card fields and the shape the Hub documents for them: a string, or a list of strings.
_LIST_FIELDS = ("datasets", "base_model", "language", "tags", "metrics")
_STRING_FIELDS = ("pipeline_tag", "library_name", "license_name", "license_link", "base_model_relation")


def card_findings(evidence: RepoEvidence) -> list[dict[str, Any]]:
    """What is wrong with the card itself: unreadable, truncated, front matter rejected, fields of the wrong type.

    Each is a finding {kind, severity, detail, location}; the audit goes on with what could be read. The `license`
    field's type is reported with the license findings (license-field-type), so it is not repeated here."""
    out: list[dict[str, Any]] = []

    def add(kind: str, severity: str, detail: str, location: str = "README.md") -> None:
        out.append({"kind": kind, "severity": severity, "detail": detail, "location": location})

    text = evidence.text("README.md")
    if text is not None and text.status == READ_BINARY:
        add("card-unreadable", "warning", "README.md is binary, not text: the model card could not be read.")
    elif text is not None and text.status == READ_TOO_LARGE:
        add("card-truncated", "warning", f"README.md is too large; {text.detail or 'only a prefix was read'}.")
    if text is not None and text.status in (READ_OK, READ_TOO_LARGE) and "UTF-8" in text.detail:
        add("card-encoding", "info", f"README.md is {text.detail}.")
    # Our own strict parse finds what the Hub tolerated (aliases, deep nesting). When the Hub parsed the card and
    # the front matter has no anchor or alias, that parse is all there is to know: skip the costly second one.
    own_parse = not evidence.card_data or _front_matter_may_alias(text.content if text else None)
    card = readme(evidence, metadata=own_parse)
    for problem in card.problems if card else ():
        rescued = " The Hub's own parse of the card was used." if evidence.card_data else ""
        add("card-front-matter", "warning", problem + rescued)
    for key in _LIST_FIELDS + _STRING_FIELDS:
        value = card_value(evidence, key)
        if value is None:
            continue
        if key in _LIST_FIELDS:
            _, well_typed = as_str_list(value)
        else:
            well_typed = isinstance(value, str)
        if not well_typed:
            shape = "a string or a list of strings" if key in _LIST_FIELDS else "a string"
            add("card-field-type", "warning",
                f"The card's '{key}' field is a {type(value).__name__}, not {shape}; values of the wrong type "
                "were ignored.", f"cardData.{key}")
    return out
