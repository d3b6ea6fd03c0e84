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


SNAPSHOT_CARD_NOTE = "the bundled snapshot holds only facts compiled from public pages, not the whole card"


def compiled_from_pages(evidence: RepoEvidence) -> bool:
    """Evidence compiled by hand from public pages (the bundled snapshot's facts, each with its provenance), as
    opposed to files read from the repository: what it states was seen on a page, what it omits was not checked."""
    return bool(evidence.provenance)


def card_read_in_full(evidence: RepoEvidence) -> bool:
    """Whether the README read is the published card, so that something it does not say is absent (a compiled
    fact sheet stands in for the card in the bundled snapshot)."""
    return not compiled_from_pages(evidence)


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


# -- the card body as a Markdown document -------------------------------------------------------------------------------
# Cards are read with a real Markdown parser (markdown-it, CommonMark plus tables): link texts and targets,
# reference-style links, tables and the heading each block sits under, so no rule depends on sentence boundaries
# (a dot inside a URL) or on how a publisher spelled a link.
MAX_BODY = 500_000
_BARE_URL = re.compile(r"https?://[^\s<>\"'`|\]\[()]+", re.I)
_HTML_HREF = re.compile(r"""\bhref\s*=\s*["']([^"']+)["']""", re.I)
_TRAILING = ".,;:!?*_"


@dataclass(frozen=True)
class Link:
    url: str
    text: str  # the link text ("" for a bare URL)
    line: int  # 1-based line in README.md


@dataclass(frozen=True)
class Block:
    """One paragraph, list item, heading, table or HTML block, as plain text with its links."""

    kind: str  # paragraph | heading | table | html | code
    text: str  # inline text, link texts kept and link targets dropped; a table is its cells, " | "-joined rows
    line: int  # 1-based line in README.md
    section: tuple[str, ...]  # the headings it sits under, outermost first (for a heading: its parents)
    links: tuple[Link, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()  # table rows, header first

    @property
    def heading(self) -> str:
        """The nearest heading above the block ("" before the first)."""
        return self.section[-1] if self.section else ""

    def under(self, pattern: re.Pattern[str]) -> bool:
        """Whether any heading above the block matches `pattern`."""
        return any(pattern.search(h) for h in self.section)


@dataclass(frozen=True)
class CardDocument:
    blocks: tuple[Block, ...]

    @property
    def links(self) -> tuple[Link, ...]:
        return tuple(link for b in self.blocks for link in b.links)

    def headings(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.kind == "heading")

    def section_text(self, heading: Block) -> list[Block]:
        """The blocks under `heading` (up to the next heading of the same or a higher level)."""
        path = (*heading.section, heading.text)
        return [b for b in self.blocks if b.line > heading.line and b.section[: len(path)] == path]


def _clean_url(url: str) -> str:
    return url.strip().strip("<>").rstrip(_TRAILING)


def _inline(token: Any, offset: int) -> tuple[str, list[Link]]:
    """Plain text and links of an inline token; bare URLs in text and hrefs in inline HTML count as links."""
    line = offset + (token.map[0] if token.map else 0)
    parts: list[str] = []
    links: list[Link] = []
    href: str | None = None
    label: list[str] = []
    for child in token.children or ():
        if child.type == "link_open":
            href, label = str(child.attrs.get("href") or ""), []
        elif child.type == "link_close" and href is not None:
            links.append(Link(_clean_url(href), "".join(label).strip(), line))
            href = None
        elif child.type in ("text", "code_inline"):
            (label if href is not None else parts).append(child.content)
            if href is not None:
                parts.append(child.content)
            else:
                links.extend(Link(_clean_url(u), "", line) for u in _BARE_URL.findall(child.content))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "html_inline":
            links.extend(Link(_clean_url(u), "", line) for u in _HTML_HREF.findall(child.content))
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts), links


def _heading_level(tag: str) -> int:
    return int(tag[1]) if len(tag) == 2 and tag[1].isdigit() else 6


@lru_cache(maxsize=64)
def parse_markdown(body: str, offset: int = 1) -> CardDocument:
    """The blocks of a card body (`offset`: README line of the body's first line). Never raises."""
    from markdown_it import MarkdownIt

    try:
        tokens = MarkdownIt("commonmark").enable("table").parse(body[:MAX_BODY])
    except Exception:  # a parser bug must not sink the audit: the card is then read as one block of text
        return CardDocument((Block("paragraph", body[:MAX_BODY], offset, ()),))
    blocks: list[Block] = []
    stack: list[tuple[int, str]] = []  # (level, heading text)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        line = offset + (token.map[0] if token.map else 0)
        section = tuple(text for _, text in stack)
        if token.type == "heading_open":
            text, links = _inline(tokens[i + 1], offset)
            level = _heading_level(token.tag)
            while stack and stack[-1][0] >= level:
                stack.pop()
            blocks.append(Block("heading", text.strip(), line, tuple(t for _, t in stack), tuple(links)))
            stack.append((level, text.strip()))
            i += 3
            continue
        if token.type == "paragraph_open":
            text, links = _inline(tokens[i + 1], offset)
            blocks.append(Block("paragraph", text.strip(), line, section, tuple(links)))
            i += 3
            continue
        if token.type == "table_open":
            i, block = _table(tokens, i, line, section, offset)
            blocks.append(block)
            continue
        if token.type == "html_block":
            links = tuple(Link(_clean_url(u), "", line) for u in _HTML_HREF.findall(token.content))
            text = re.sub(r"<[^>]+>", " ", token.content)
            links += tuple(Link(_clean_url(u), "", line) for u in _BARE_URL.findall(text))
            blocks.append(Block("html", " ".join(text.split()), line, section, links))
        elif token.type in ("fence", "code_block"):
            links = tuple(Link(_clean_url(u), "", line) for u in _BARE_URL.findall(token.content))
            blocks.append(Block("code", token.content, line, section, links))
        i += 1
    return CardDocument(tuple(blocks))


def _table(tokens: list[Any], i: int, line: int, section: tuple[str, ...], offset: int) -> tuple[int, Block]:
    rows: list[tuple[str, ...]] = []
    links: list[Link] = []
    row: list[str] = []
    while i < len(tokens) and tokens[i].type != "table_close":
        token = tokens[i]
        if token.type == "tr_open":
            row = []
        elif token.type == "inline":
            text, found = _inline(token, offset)
            row.append(text.strip())
            links.extend(found)
        elif token.type == "tr_close":
            rows.append(tuple(row))
        i += 1
    text = "\n".join(" | ".join(r) for r in rows)
    return i + 1, Block("table", text, line, section, tuple(links), tuple(rows))


def card_document(evidence: RepoEvidence) -> CardDocument | None:
    """The card body parsed as Markdown, or None when README.md could not be read."""
    card = readme(evidence)
    return parse_markdown(card.body, card.body_offset) if card is not None else None
