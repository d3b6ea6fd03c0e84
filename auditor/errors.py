"""Errors the CLI maps to exit codes (see the report contract). Each carries one clear sentence."""

from __future__ import annotations

import re

EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_UNREACHABLE = 4
EXIT_INTERNAL = 70  # a bug of ours (EX_SOFTWARE): kept apart from 1, which means a gate failed


class AuditError(Exception):
    exit_code = EXIT_USAGE

    def __init__(self, message: str):
        super().__init__(redact(message))
        self.message = redact(message)


class InvalidRepoId(AuditError):
    exit_code = EXIT_USAGE


class UsageError(AuditError):
    exit_code = EXIT_USAGE


class RepoNotFound(AuditError):
    exit_code = EXIT_NOT_FOUND


class HubUnreachable(AuditError):
    exit_code = EXIT_UNREACHABLE


class InvalidHubAnswer(AuditError):
    """The Hub answered about another model than the one asked for (its `id` differs beyond case): the answer is
    not used, for paths or for identity. Exit 4, like any answer the Hub could not give."""

    exit_code = EXIT_UNREACHABLE


class NotInSnapshot(HubUnreachable):
    """Answering from a snapshot (offline, or the Hub could not be reached) that does not hold the model.

    A HubUnreachable, so it exits 4 like one; its own type so that callers can tell "the snapshot lacks this model"
    (an ancestor missing from the snapshot is a gap in the lineage) from "the Hub did not answer"."""


# Hugging Face user tokens start with hf_; OAuth and org tokens with other prefixes we also mask.
_TOKEN_PATTERN = re.compile(r"\b(hf_|api_org_|hf_oauth_)[A-Za-z0-9]{6,}")
_known_secrets: set[str] = set()


def register_secret(secret: str | None) -> None:
    """Remember a token so that any message containing it is masked, whatever its shape."""
    if secret and len(secret) >= 4:
        _known_secrets.add(secret)


def redact_secrets(text: str) -> str:
    """`text` with every registered token masked. For fetched content (a card, a license, a JSON reply), where
    token-shaped words that are not our token (`hf_transfer`...) must stay as written."""
    for secret in _known_secrets:
        text = text.replace(secret, "***")
    return text


def redact(text: str) -> str:
    """A message with registered tokens and anything shaped like a Hub token masked."""
    return _TOKEN_PATTERN.sub(lambda m: m.group(1) + "***", redact_secrets(text))
