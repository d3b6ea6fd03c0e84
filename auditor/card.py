"""Model card access: the Hub's parsed metadata plus our own bounded, safe parse of README.md.

Cards are written by anyone. The YAML loader refuses aliases (billion-laughs), bounds size and depth, and
every failure becomes a finding rather than an exception."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from auditor.evidence import READ_OK, READ_TOO_LARGE, RepoEvidence

MAX_FRONT_MATTER = 256_000
MAX_DEPTH = 20
_FRONT = re.compile(r"\A\ufeff?\s*---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that rejects anchors/aliases: a card has no need for them and they enable billion-laughs."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("YAML aliases are not allowed in model cards")
        return super().compose_node(parent, index)


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


def parse_card(text: str) -> CardText:
    """Split README text into front matter and prose. Never raises."""
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


def readme(evidence: RepoEvidence) -> CardText | None:
    """The parsed README, or None when it could not be read."""
    text = evidence.text("README.md")
    if text is None or text.status not in (READ_OK, READ_TOO_LARGE) or text.content is None:
        return None
    return parse_card(text.content)


def card_value(evidence: RepoEvidence, key: str) -> Any:
    """A card field: the Hub's cardData first (public even when gated), else our README parse."""
    if key in evidence.card_data:
        return evidence.card_data[key]
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
