"""The report contract `auditor.report/1`, defined once: auditor/report.schema.json (JSON Schema 2020-12).

Every reader that takes a report from disk or from a user (batch, rescore, diff, export, site, the tests) checks it
here, so a report is either valid everywhere or refused everywhere, with the same sentence."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from auditor.errors import UsageError

SCHEMA = "auditor.report/1"
SCHEMA_FILE = Path(__file__).with_name("report.schema.json")
_MAX_SHOWN = 160


class InvalidReport(UsageError):
    """A JSON document that is not a valid `auditor.report/1` report (bad input: exit 2, one sentence)."""


@cache
def report_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _inline_refs(node: Any, defs: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """The schema with every local `#/$defs/...` reference replaced by its definition: the same constraints, but
    the validator no longer resolves a reference for each of the thousands of values in a report (the site
    validates ten thousand reports per build). A reference inside its own definition is left as it is."""
    if isinstance(node, list):
        return [_inline_refs(item, defs, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    name = ref.removeprefix("#/$defs/") if isinstance(ref, str) and ref.startswith("#/$defs/") else None
    if name in defs and name not in seen:
        target = _inline_refs(defs[name], defs, (*seen, name))
        rest = {k: _inline_refs(v, defs, seen) for k, v in node.items() if k != "$ref"}
        return {"allOf": [target, rest]} if rest else target
    return {k: v if k == "$defs" else _inline_refs(v, defs, seen) for k, v in node.items()}


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = report_schema()
    return Draft202012Validator(_inline_refs(schema, schema.get("$defs", {})))


def _visible(text: str) -> str:
    """A value quoted in a message: control characters made visible, length bounded."""
    shown = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
    return shown if len(shown) <= _MAX_SHOWN else shown[:_MAX_SHOWN - 3] + "..."


def _where(path: Any) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "".join(parts).lstrip(".") or "the report"


def report_errors(obj: Any) -> list[str]:
    """Every way `obj` breaks the contract, one short phrase each (empty: it is a valid report)."""
    if not isinstance(obj, dict):
        return [f"it is a JSON {type(obj).__name__}, not an object"]
    if obj.get("schema") != SCHEMA:
        return [f'it does not declare "schema": "{SCHEMA}"']
    from jsonschema.exceptions import relevance

    errors = sorted(_validator().iter_errors(obj), key=relevance)
    found = [_visible(f"{_where(e.absolute_path)}: {_message(e)}") for e in errors]
    return found + [f"{_where(path)}: {value} is not a JSON number" for path, value in _non_finite(obj, ())]


def _non_finite(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], float]]:
    """NaN and Infinity anywhere (json.dumps would write them, and no JSON reader accepts them)."""
    if isinstance(value, float) and not math.isfinite(value):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _non_finite(item, (*path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _non_finite(item, (*path, n))


def _message(error: Any) -> str:
    """jsonschema's message, except that a value failing a format (a regex) is told what the format is."""
    described = error.schema.get("description") if isinstance(error.schema, dict) else None
    if error.validator in ("pattern", "not", "maxLength") and described:
        return f"{error.instance!r} is not {described}"
    return error.message


def is_valid_report(obj: Any) -> bool:
    return not report_errors(obj)


def check_report(obj: Any, what: str = "This") -> dict[str, Any]:
    """`obj` when it is a valid report; else InvalidReport with one sentence naming the first problem."""
    errors = report_errors(obj)
    if errors:
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise InvalidReport(f"{what} is not a valid audit report ({SCHEMA}): {errors[0]}{more}.")
    return obj


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads_strict(raw: bytes | str) -> Any:
    """JSON as the standard defines it: NaN and Infinity (which Python's json accepts) are refused."""
    return json.loads(raw, parse_constant=_refuse_constant)
