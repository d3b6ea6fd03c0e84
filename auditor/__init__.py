"""The model openness auditor: is this AI model actually open, and can I prove it?

The public API, importable from `auditor` directly (`auditor.audit("gpt2")`). Names load on first use, so
`import auditor` stays cheap and the command starts fast; `auditor/__init__.pyi` gives type checkers the same names.
Everything else is internal and may change."""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable
from typing import Any

__version__ = "0.1.0"

# name -> module that defines it. `audit`, `rescore` and `export` are also the names of their modules: those modules
# are callable as their function (see callable_module), so `auditor.audit(...)` works however it was imported.
_PUBLIC = {
    # audit one model, or score stored evidence without the network
    "audit": "auditor.audit",
    "score": "auditor.audit",
    # many models, the site, stored reports
    "run_batch": "auditor.batch",
    "read_ids": "auditor.batch",
    "build_site": "auditor.site.build",
    "rescore": "auditor.rescore",
    "ReportStore": "auditor.store",
    "check_report": "auditor.reportschema",
    "diff_paths": "auditor.diff",
    "load_history": "auditor.history",
    "events": "auditor.history",
    # the derivation graph and the exports
    "build_tree": "auditor.graph",
    "node_link": "auditor.graph",
    "export": "auditor.export",
    "load_criteria": "auditor.criteria",
    # where evidence comes from
    "Hub": "auditor.hub.base",
    "LiveHub": "auditor.hub.live",
    "SnapshotHub": "auditor.hub.snapshot",
    # progress of long runs
    "ProgressSink": "auditor.progress",
    "NullProgress": "auditor.progress",
    "choose_progress": "auditor.progress",
    # errors, each with its exit code
    "AuditError": "auditor.errors",
    "UsageError": "auditor.errors",
    "InvalidRepoId": "auditor.errors",
    "RepoNotFound": "auditor.errors",
    "HubUnreachable": "auditor.errors",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'auditor' has no attribute '{name}'")
    # importlib, not an import statement: the modules import `auditor.__version__`, and a static import here
    # would make every one of them part of an import cycle through this package.
    loaded = importlib.import_module(module)
    value = loaded if module == f"{__name__}.{name}" else getattr(loaded, name)
    globals()[name] = value
    return value


def callable_module(module_name: str, function: Callable[..., Any]) -> None:
    """Make the module `module_name` callable as `function`: `auditor.audit` is both the module (for
    `import auditor.audit as m`, mock.patch) and the public function (`auditor.audit("gpt2")`)."""

    class CallableModule(types.ModuleType):
        __call__ = staticmethod(function)

    sys.modules[module_name].__class__ = CallableModule


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
