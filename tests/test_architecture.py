"""The architecture holds: layers point one way (import-linter), no import cycles, no over-complex functions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parent.parent
MAX_COMPLEXITY = 20


def test_layers_point_one_way():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_no_import_cycles():
    graph = grimp.build_graph("auditor", cache_dir=None)
    imports = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            imports.add_edge(module, imported)
    cycles = sorted(sorted(c) for c in nx.simple_cycles(imports))
    assert not cycles, f"import cycles: {cycles}"


def _complex_blocks() -> dict[str, int]:
    found: dict[str, int] = {}
    for path in sorted((ROOT / "auditor").rglob("*.py")):
        for block in cc_visit(path.read_text()):
            name = f"{block.classname}.{block.name}" if getattr(block, "classname", None) else block.name
            if block.complexity > MAX_COMPLEXITY:
                found[f"{path.relative_to(ROOT).as_posix()}:{name}"] = block.complexity
    return found


def test_no_function_above_complexity_limit():
    found = _complex_blocks()
    assert not found, f"blocks above cyclomatic complexity {MAX_COMPLEXITY} (split them into named steps): {found}"
