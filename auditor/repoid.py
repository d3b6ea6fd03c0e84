"""Hub repository id rules, checked before any request is made."""

from __future__ import annotations

import re

from auditor.errors import InvalidRepoId

MAX_PART = 96
_PART = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_])?")


def validate_repo_id(repo_id: str) -> str:
    """Return `repo_id` unchanged when it follows the Hub's naming rules, else raise InvalidRepoId.

    Rules (those of huggingface_hub, ASCII only so homoglyph ids fail): `name` or `namespace/name`; letters,
    digits, `-`, `_`, `.`; no `--` or `..`; not starting or ending with `-` or `.`; at most 96 characters a part."""
    if not isinstance(repo_id, str) or not repo_id:
        raise InvalidRepoId("The repository id is empty; expected 'name' or 'namespace/name'.")
    parts = repo_id.split("/")
    shown = repo_id if len(repo_id) <= 120 else repo_id[:117] + "..."
    shown = shown.encode("unicode_escape").decode("ascii")  # control and look-alike characters made visible
    if len(parts) > 2:
        raise InvalidRepoId(f"'{shown}' is not a valid repository id: expected 'name' or 'namespace/name'.")
    for part in parts:
        if not part or len(part) > MAX_PART:
            raise InvalidRepoId(f"'{shown}' is not a valid repository id: each part needs 1 to {MAX_PART} characters.")
        if not _PART.fullmatch(part) or "--" in part or ".." in part:
            raise InvalidRepoId(
                f"'{shown}' is not a valid repository id: use letters, digits, '-', '_' and '.', "
                "without '--' or '..' and not starting or ending with '-' or '.'."
            )
    return repo_id
