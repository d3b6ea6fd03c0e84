"""Hostile model_info replies (issue 14, hub side): wrong-typed fields, numbers out of range, another model's id,
floods of base models and datasets, a sibling name ending in a newline, a token echoed into files.

Each repo is a plain fake-Hub repo whose model_info reply is then bent by `info_overrides` (merged last into the
reply), so the values reach the auditor exactly as a hostile or broken server would send them."""

from __future__ import annotations

import struct
from pathlib import Path

from tests.fakehub import write_safetensors
from tests.hubdata import card, write_repo

NS = "hubfields"
ECHOED_TOKEN = "hf_EchoedBackByTheServer0042"  # the token a test sends; the fixture files contain it verbatim
MANY_BASES = 100
MANY_DATASETS = 20
HUGE = 10**400


def _sized_safetensors(folder: Path) -> Path:
    path = folder / "ok.safetensors"
    write_safetensors(path, {"w": ("F32", [4, 4])})
    return path


def _header_of_2_pow_1088() -> bytes:
    """A safetensors header whose one tensor has 2^1088 elements and offsets to match: valid arithmetic, absurd size.
    Without the file size (the listing omits it) nothing else contradicts it."""
    dims = [2**64] * 17
    header = ('{"w": {"dtype": "BOOL", "shape": [' + ", ".join(map(str, dims)) + '], "data_offsets": [0, '
              + str(2**1088) + "]}}").encode()
    return struct.pack("<Q", len(header)) + header + b"\0" * 16


def build_hubfields(root: Path) -> None:
    readme = card({"license": "mit"}, "# Model\n")
    real = _sized_safetensors(root)
    cases: dict[str, tuple[dict[str, object], dict[str, object]]] = {
        # repo -> (files, repo.json)
        "tags-number": ({}, {"info_overrides": {"tags": 5}}),
        "siblings-number": ({}, {"info_overrides": {"siblings": 5}}),
        "lfs-list": ({}, {"info_overrides": {"siblings": [{"rfilename": "README.md", "size": 20, "lfs": [1]}]}}),
        "total-many": ({"model.safetensors": real},
                       {"info_overrides": {"safetensors": {"parameters": {"F32": 16}, "total": "many"}}}),
        "parameters-10e400": ({}, {"info_overrides": {"safetensors": {"parameters": {"F32": HUGE}, "total": HUGE}}}),
        "header-2e1088": ({"model.safetensors": _header_of_2_pow_1088()},
                          {"safetensors": None, "info_overrides": {"siblings": [
                              {"rfilename": "README.md"}, {"rfilename": "model.safetensors"}]}}),
        "counts-wrong": ({}, {"info_overrides": {"downloads": "lots", "likes": -1, "gated": 7,
                                                 "createdAt": ["2024"]}}),
        "other-id": ({}, {"info_overrides": {"id": "victim/other-model"}}),
        "case-id": ({}, {"info_overrides": {"id": f"{NS}/CASE-ID"}}),
        "license-newline": ({"LICENSE.md": "MIT License\n"},
                            {"extra_siblings": [{"rfilename": "license.md\n"}, {"rfilename": "LICENSE\n.md"}]}),
    }
    for name, (files, meta) in cases.items():
        write_repo(root, f"{NS}/{name}", {"README.md": readme, **files}, meta)
    bases = [f"{NS}/parent-{n:03d}" for n in range(MANY_BASES)]
    write_repo(root, f"{NS}/base-model-flood", {"README.md": card({"license": "mit", "base_model": bases}, "# Merge\n")})
    datasets = [f"{NS}/corpus-{n:03d}" for n in range(MANY_DATASETS)]
    write_repo(root, f"{NS}/datasets-flood", {"README.md": card({"license": "mit", "datasets": datasets}, "# M\n")})
    write_repo(root, f"{NS}/token-echo", {
        "README.md": card({"license": "other", "license_name": ECHOED_TOKEN}, f"# Model\nKey: {ECHOED_TOKEN}\n"),
        "LICENSE": f"Licensed to the holder of {ECHOED_TOKEN}.\n"})
