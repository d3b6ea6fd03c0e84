"""What every export reads from a report: ids, URLs, licenses, limitations. The format modules import this, never
the package, so the package and its formats form no import cycle."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

from auditor.licenses.expressions import spdx_licensing
from auditor.vocabulary import Severity, Status

# Fixed namespace for the document UUIDs: the same model and revision always get the same serial number.
_UUID_NAMESPACE = uuid.UUID("8c3c1bb2-4c8e-5d55-9a47-6f6e6e657373")
_SIMPLE_ID = re.compile(r"^[A-Za-z0-9.+-]+$")


def split_id(repo_id: str) -> tuple[str | None, str]:
    """(namespace, name); legacy ids such as `gpt2` have no namespace."""
    if "/" in repo_id:
        namespace, name = repo_id.split("/", 1)
        return namespace, name
    return None, repo_id


def purl(repo_id: str, revision: str | None = None) -> str:
    """Package URL of a Hub model: pkg:huggingface/<namespace>/<name>@<commit> (purl-spec `huggingface` type,
    version = the lowercase commit hash)."""
    namespace, name = split_id(repo_id)
    path = "/".join(quote(part, safe="") for part in ([namespace] if namespace else []) + [name])
    return f"pkg:huggingface/{path}" + (f"@{revision.lower()}" if revision else "")


def document_uuid(report: dict) -> uuid.UUID:
    """Stable per model and revision, so re-exporting the same audit yields the same document identity."""
    model = report["model"]
    return uuid.uuid5(_UUID_NAMESPACE, f"{model['id']}@{model.get('revision') or ''}")


def tree_url(report: dict) -> str:
    model = report["model"]
    base = model.get("url") or f"https://huggingface.co/{model['id']}"
    return f"{base}/tree/{model['revision']}" if model.get("revision") else base


def file_url(report: dict, location: str) -> str:
    """A Hub URL for a report evidence location such as `README.md#L13` (already-absolute URLs pass through)."""
    if location.startswith(("http://", "https://")):
        return location
    model = report["model"]
    base = model.get("url") or f"https://huggingface.co/{model['id']}"
    return f"{base}/blob/{model.get('revision') or 'main'}/{location}"


def card(report: dict) -> dict:
    """The report's `card` section (older reports lack it: treat every field as unknown)."""
    value = report.get("card")
    return value if isinstance(value, dict) else {}


def is_spdx_id(license_id: str | None) -> bool:
    """An id on the SPDX License List (not a LicenseRef, not an expression)."""
    if not license_id or not _SIMPLE_ID.match(license_id) or license_id.startswith("LicenseRef-"):
        return False
    try:
        info = spdx_licensing().validate(license_id)
    except Exception:
        return False
    return not info.errors and not info.invalid_symbols and info.normalized_expression == license_id


def is_license_expression(expression: str | None) -> bool:
    """Valid SPDX expression syntax whose symbols are SPDX ids or LicenseRef-… references."""
    if not expression:
        return False
    try:
        parsed = spdx_licensing().parse(expression, validate=False, simple=True)
    except Exception:
        return False
    if parsed is None:
        return False
    symbols = [s.key for s in spdx_licensing().license_symbols(parsed)]
    return bool(symbols) and all(is_spdx_id(s) or re.fullmatch(r"LicenseRef-[A-Za-z0-9.-]+", s) for s in symbols)


def declared_licenses(report: dict) -> list[dict]:
    """What the card declares: [{id (SPDX id or LicenseRef, may be None), name, verbatim}] in declaration order."""
    lic = report["license"]
    verbatim = lic.get("declared")
    verbatim_list = verbatim if isinstance(verbatim, list) else ([verbatim] if verbatim else [])
    from_card = [s for s in lic.get("sources") or [] if s.get("source") == "card"]
    out: list[dict] = []
    for source in from_card:
        if all(o["id"] != source.get("license") for o in out):
            out.append({"id": source.get("license"), "name": source.get("name"), "verbatim": None})
    if not out:  # declared but not identified: keep the author's words
        out = [{"id": None, "name": None, "verbatim": str(v)} for v in verbatim_list]
    elif len(verbatim_list) == len(out):
        for item, words in zip(out, verbatim_list, strict=True):
            item["verbatim"] = str(words)
    return out


def concluded_license(report: dict) -> str | None:
    """Our conclusion: the effective license expression (every binding license along the lineage, AND-ed)."""
    expression = report["lineage"].get("effective_license")
    return expression if isinstance(expression, str) and expression.strip() else None


def expression_symbols(expression: str) -> list[str]:
    """The license keys in an expression, in order, without duplicates."""
    try:
        parsed = spdx_licensing().parse(expression, validate=False, simple=True)
        keys = [s.key for s in spdx_licensing().license_symbols(parsed)]
    except Exception:
        keys = [k for k in re.split(r"\s+(?:AND|OR|WITH)\s+|[()]", expression) if k.strip()]
    return list(dict.fromkeys(k.strip() for k in keys))


def limitations(report: dict) -> list[str]:
    """Plain-sentence limits on using the model: failing or unsettled criteria, then findings and problems."""
    out: list[str] = []
    for c in report["criteria"]:
        if c["status"] == Status.FAIL:
            out.append(f"License criterion '{c['id']}' fails: {c['summary']}")
        elif c["status"] == Status.UNKNOWN:
            out.append(f"License criterion '{c['id']}' could not be established: {c['summary']}")
    for section in ("license", "lineage", "weights"):
        for f in (report.get(section) or {}).get("findings") or []:
            if f.get("severity") in (Severity.WARNING, Severity.CRITICAL):
                out.append(f"{f['severity'].capitalize()} ({f['kind']}): {f['detail']}")
    for p in report.get("problems") or []:
        out.append(f"Evidence not read ({p['what']}): {p['detail']}")
    return list(dict.fromkeys(out))


def criterion(report: dict, criterion_id: str) -> dict | None:
    return next((c for c in report["criteria"] if c["id"] == criterion_id), None)


def dataset_license_id(dataset: dict) -> str | None:
    """A dataset's license as an SPDX id when we identified one, else None."""
    spdx = dataset.get("license_spdx")
    return spdx if isinstance(spdx, str) and is_license_expression(spdx) else None
