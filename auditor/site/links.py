"""Which strings from a report may become links, and to where. Anything not recognised stays text.

Reports carry text written by model authors (card fields, file names, URLs). Only `http(s)` URLs are linked
as they are; evidence locations are turned into links we build ourselves (the Hub's file view at the audited
commit, the site's own license and criterion pages)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from auditor.errors import AuditError
from auditor.repoid import validate_repo_id

HUB = "https://huggingface.co"
MAX_URL = 2048
_REVISION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,99}$")
# A repo file path with an optional line anchor: "LICENSE.txt#L40-L45", "docs/USE_POLICY.md".
_FILE = re.compile(r"^(?P<path>[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,250})(?:#(?P<anchor>L\d{1,7}(?:-L\d{1,7})?))?$")
_LICENSE_NAMES = re.compile(r"^(licen[cs]e|copying|notice|readme)(\.\w+)?$", re.I)
_KB_LICENSE = re.compile(r"^criteria/licenses/(?P<key>[a-z0-9][a-z0-9.\-_+]*)\.yaml$")
_KB_CRITERION = re.compile(r"^criteria/(?P<id>[a-z0-9][a-z0-9\-]*)\.yaml$")
FILE_KINDS = frozenset({"file", "license-clause"})


def safe_http_url(value: object) -> str | None:
    """`value` when it is an absolute http(s) URL with a host and no whitespace or control characters."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL:
        return None
    if not value.isprintable() or " " in value:  # tabs, newlines and other spaces are not printable
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value


def valid_repo_id(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return validate_repo_id(value)
    except AuditError:
        return None


def safe_revision(value: object) -> str | None:
    if isinstance(value, str) and _REVISION.match(value) and ".." not in value:
        return value
    return None


def hub_model_url(repo_id: str) -> str:
    return f"{HUB}/{repo_id}"


def hub_file_url(repo_id: str, revision: str | None, path: str, anchor: str | None = None) -> str:
    ref = quote(revision or "main", safe="")
    return f"{HUB}/{repo_id}/blob/{ref}/{quote(path)}" + (f"#{anchor}" if anchor else "")


@dataclass(frozen=True)
class LinkContext:
    """What a page needs to resolve links: the model, the commit audited, and the site's own pages."""

    root: str  # relative path from the page to the site root, e.g. "../../"
    model_id: str | None = None
    revision: str | None = None
    models: frozenset[str] = frozenset()  # models with a page on this site
    licenses: frozenset[str] = frozenset()  # knowledge-base keys with a page
    criteria: frozenset[str] = frozenset()  # criterion ids with a page

    def model_page(self, repo_id: str) -> str:
        return f"{self.root}models/{quote(repo_id)}.html"

    def model_href(self, repo_id: object) -> str | None:
        """The site's page for a model when it has one, else its Hub page; None for an invalid id."""
        valid = valid_repo_id(repo_id)
        if valid is None:
            return None
        return self.model_page(valid) if valid in self.models else hub_model_url(valid)

    def license_page(self, key: object) -> str | None:
        return f"{self.root}licenses/{quote(key)}.html" if isinstance(key, str) and key in self.licenses else None

    def criterion_page(self, criterion_id: object) -> str | None:
        if isinstance(criterion_id, str) and criterion_id in self.criteria:
            return f"{self.root}criteria/{quote(criterion_id)}.html"
        return None

    def location_href(self, location: object, kind: object = None) -> str | None:
        """A link for an evidence location, or None when it must stay text."""
        if not isinstance(location, str) or not location:
            return None
        url = safe_http_url(location)
        if url:
            return url
        if match := _KB_LICENSE.match(location):
            return self.license_page(match["key"])
        if match := _KB_CRITERION.match(location):
            return self.criterion_page(match["id"])
        if location.startswith("lineage:"):
            return self.model_href(location.removeprefix("lineage:"))
        if self.model_id is None:
            return None
        if location.startswith("cardData.") or location == "cardData":
            return hub_file_url(self.model_id, self.revision, "README.md")  # the card's YAML front matter
        match = _FILE.match(location)
        if not match:
            return None
        path = match["path"]
        if ".." in path.split("/") or path.endswith("/"):
            return None
        last = path.rsplit("/", 1)[-1]
        looks_like_file = "." in last.strip(".") or bool(_LICENSE_NAMES.match(last))
        if kind in FILE_KINDS or looks_like_file:
            return hub_file_url(self.model_id, self.revision, path, match["anchor"])
        return None  # a Hub field name such as `siblings` or `library_name`
