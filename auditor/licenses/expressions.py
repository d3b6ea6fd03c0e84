"""SPDX license expressions through license-expression, whose index is costly to build: built once per process."""

from __future__ import annotations

from functools import cache

from license_expression import Licensing, get_spdx_licensing


@cache
def spdx_licensing() -> Licensing:
    return get_spdx_licensing()
