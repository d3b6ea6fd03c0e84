"""Errors the CLI maps to exit codes (see the report contract). Each carries one clear sentence."""

from __future__ import annotations

import re

EXIT_OK = 0
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


class GateFailed(AuditError):
    exit_code = EXIT_GATE_FAILED


# Hugging Face user tokens start with hf_; OAuth and org tokens with other prefixes we also mask.
_TOKEN_PATTERN = re.compile(r"\b(hf_|api_org_|hf_oauth_)[A-Za-z0-9]{6,}")
_known_secrets: set[str] = set()


def register_secret(secret: str | None) -> None:
    """Remember a token so that any message containing it is masked, whatever its shape."""
    if secret and len(secret) >= 4:
        _known_secrets.add(secret)


def redact(text: str) -> str:
    for secret in _known_secrets:
        text = text.replace(secret, "***")
    return _TOKEN_PATTERN.sub(lambda m: m.group(1) + "***", text)
