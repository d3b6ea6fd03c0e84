"""Build criteria/licenses/fingerprints.json from the reference texts in the installed ScanCode data.

Run `python -m auditor.licenses.build_fingerprints` after adding or changing a knowledge YAML with scancode_keys.
Only hashed shingles (numbers) are written: no license text ever lands in the repository."""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
from pathlib import Path

from auditor.licenses.fingerprint import PARAMETERS, shingle_hashes
from auditor.licenses.knowledge import load_knowledge
from auditor.paths import data_dir

FINGERPRINTS_PATH = data_dir("criteria") / "licenses" / "fingerprints.json"


def scancode_licenses_dir() -> Path | None:
    """ScanCode's license data directory, found without importing licensedcode (importing it is slow)."""
    spec = importlib.util.find_spec("licensedcode")
    if spec is None or not spec.submodule_search_locations:
        return None
    directory = Path(next(iter(spec.submodule_search_locations))) / "data" / "licenses"
    return directory if directory.is_dir() else None


def scancode_license_text(key: str) -> str | None:
    """Text of a ScanCode license (the part after its YAML front matter), or None if unknown/not installed."""
    directory = scancode_licenses_dir()
    if directory is None:
        return None
    path = directory / f"{key}.LICENSE"
    if not path.is_file():
        return None
    raw = path.read_text(encoding="utf-8")
    if raw.startswith("---"):
        # front matter is delimited by the first two '---' lines
        parts = raw.split("\n---\n", 1)
        raw = parts[1] if len(parts) == 2 else raw
    return raw


def scancode_version() -> str:
    for dist in ("scancode-toolkit-mini", "scancode-toolkit"):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "unknown"


def build() -> dict:
    if scancode_licenses_dir() is None:
        raise SystemExit("ScanCode is not installed: pip install 'model-openness-auditor[scancode]'")
    refs: dict[str, dict] = {}
    for lic in load_knowledge().licenses:
        if not lic.scancode_keys:
            continue
        text = scancode_license_text(lic.scancode_keys[0])
        if text is None:
            raise SystemExit(f"{lic.key}: ScanCode has no license {lic.scancode_keys[0]!r}")
        hashes = shingle_hashes(text)
        refs[lic.key] = {"scancode_key": lic.scancode_keys[0], "hashes": sorted(hashes)}
    return {"parameters": dict(PARAMETERS), "scancode_version": scancode_version(), "licenses": refs}


def render(data: dict) -> str:
    # one license per line keeps diffs reviewable and the output byte-for-byte deterministic
    lines = ["{", f'  "parameters": {json.dumps(data["parameters"], sort_keys=True)},',
             f'  "scancode_version": {json.dumps(data["scancode_version"])},', '  "licenses": {']
    items = sorted(data["licenses"].items())
    for i, (key, ref) in enumerate(items):
        sep = "," if i < len(items) - 1 else ""
        lines.append(f"    {json.dumps(key)}: {json.dumps(ref, sort_keys=True)}{sep}")
    lines += ["  }", "}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=FINGERPRINTS_PATH)
    args = parser.parse_args(argv)
    args.output.write_text(render(build()), encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
