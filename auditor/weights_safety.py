"""Weight-file safety: pickle imports found without unpickling, the Hub's own scan, and safetensors header checks.

A pickle names every callable it will call by an import. `auditor.pickle_scan` finds those imports with a symbolic
stack machine that resolves import operands exactly as the real unpickler would (through the memo, whatever else is
stored there), in plain pickles, legacy PyTorch files (several pickles in a row) and every member of zip archives,
under one byte and opcode budget per file; an operand it cannot resolve is *unresolvable*, which is never clean.
`picklescan` (the scanner the Hub also uses) is a second opinion only, run when our scan finished within bounds,
because it unpacks members and holds every opcode in memory, and it misreads memo copies.

Files too large to fetch fall back to the Hub's scan (`securityRepoStatus` from `model_info`)."""

from __future__ import annotations

import io
import logging
from typing import Any

from auditor.evidence import RepoEvidence, WeightCheck
from auditor.pickle_scan import UNRESOLVED, scan_imports

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
MAX_SCAN_BYTES = 10 * 1024 * 1024  # files up to this size are fetched and scanned by the auditor
MAX_LISTED = 12  # imports named per file

# Statuses of a "pickle-scan" WeightCheck.
CLEAN, DANGEROUS, UNSCANNABLE, TOO_LARGE, UNREAD = "clean", "dangerous", "unscannable", "too-large", "unread"
UNRESOLVABLE = "unresolvable"  # imports whose names are computed while loading: never clean, never silent
CORRUPT = "corrupt"  # "safetensors-header" WeightCheck

# Whole modules whose every callable can run commands, load code, touch files or the network.
DANGEROUS_MODULES = (
    "os", "posix", "nt", "subprocess", "_posixsubprocess", "runpy", "webbrowser", "socket", "shutil", "sys", "pty",
    "importlib", "ctypes", "marshal", "pickle", "_pickle", "code", "codeop", "commands", "multiprocessing",
    "asyncio", "pdb", "bdb", "timeit", "cProfile", "profile", "pydoc", "ssl", "urllib", "http", "ftplib",
    "telnetlib", "smtplib", "requests", "httpx", "aiohttp", "pip", "venv", "ensurepip", "pkgutil",
)
# Single callables that turn data into code or reach arbitrary attributes.
DANGEROUS_CALLABLES = {
    "builtins": {"eval", "exec", "compile", "__import__", "getattr", "setattr", "delattr", "open", "breakpoint",
                 "globals", "locals", "vars", "input", "apply", "execfile", "memoryview"},
    "__builtin__": {"eval", "exec", "compile", "__import__", "getattr", "setattr", "delattr", "open", "breakpoint",
                    "globals", "locals", "vars", "input", "apply", "execfile", "file", "reload"},
    "operator": {"attrgetter", "methodcaller", "itemgetter"},
    "_operator": {"attrgetter", "methodcaller", "itemgetter"},
    "types": {"CodeType", "FunctionType"},
    "functools": {"partial"},
    "io": {"FileIO", "open"},
    "_io": {"FileIO", "open"},
}

# picklescan logs every finding at WARNING; with no handler configured Python prints those on stderr, which
# would put picklescan's lines into the CLI's output. Its results reach the user through the report instead.
logging.getLogger("picklescan").addHandler(logging.NullHandler())
logging.getLogger("picklescan").propagate = False


def is_pickle_file(path: str) -> bool:
    return path.lower().endswith(PICKLE_SUFFIXES)


def is_unresolved_import(module: str, name: str) -> bool:
    return UNRESOLVED in (module, name)


def is_dangerous_import(module: str, name: str) -> bool:
    if any(module == m or module.startswith(m + ".") for m in DANGEROUS_MODULES):
        return True
    return name in DANGEROUS_CALLABLES.get(module, ())


# -- picklescan -----------------------------------------------------------------------------------------------------
def _picklescan(path: str, data: bytes) -> tuple[set[str], set[str], str]:
    """(dangerous, other, error) from picklescan; error is "" when it ran."""
    try:
        from picklescan.scanner import SafetyLevel, scan_bytes

        suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else None
        result = scan_bytes(io.BytesIO(data), path, suffix)
    except Exception as exc:  # its failures must not end the audit: our own walk still stands
        return set(), set(), f"{type(exc).__name__}"

    def named(module: str, name: str) -> str:  # picklescan spells an unreadable operand "unknown"
        return f"{UNRESOLVED if module == 'unknown' else module}.{UNRESOLVED if name == 'unknown' else name}"

    dangerous = {named(g.module, g.name) for g in result.globals if g.safety == SafetyLevel.Dangerous}
    other = {named(g.module, g.name) for g in result.globals if g.safety == SafetyLevel.Suspicious}
    return dangerous, other, ""


# The imports of an ordinary PyTorch / NumPy state dict (picklescan's allow-list, plus parameters).
KNOWN_SAFE = {"collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
              "numpy.dtype", "numpy.ndarray", "numpy.core.multiarray._reconstruct",
              "numpy._core.multiarray._reconstruct"}


def _known_safe(name: str) -> bool:
    return name in KNOWN_SAFE or (name.startswith("torch.") and name.endswith("Storage") and name.count(".") == 1)


def _listed(names: set[str]) -> tuple[str, ...]:
    return tuple(sorted(names)[:MAX_LISTED])


def scan_pickle(path: str, data: bytes) -> WeightCheck:
    """Scan a whole pickle-based file held in memory. Never unpickles; never raises."""
    own = scan_imports(data)
    ours = {f"{m}.{n}" for m, n in own.imports if is_dangerous_import(m, n)}
    if own.unscannable:
        if ours:
            return WeightCheck(path, "pickle-scan", DANGEROUS, _listed(ours),
                               detail=f"dangerous imports found before the scan stopped: {own.unscannable}")
        return WeightCheck(path, "pickle-scan", UNSCANNABLE, detail=f"not scanned: {own.unscannable}")
    # A second opinion, only within our bounds (picklescan unpacks members and keeps every opcode in memory).
    theirs, _suspicious, error = _picklescan(path, data)
    unresolved = {f"{m}.{n}" for m, n in own.imports if is_unresolved_import(m, n)}
    unresolved |= {name for name in theirs if UNRESOLVED in name.split(".")}
    dangerous = ours | (theirs - unresolved)
    # picklescan's own "suspicious" names are kept only when our exact walk saw them too: it misreads memo copies
    # (a re-stored slot becomes its index, "1.3"), and a made-up import name would only mislead the reader.
    known = {f"{m}.{n}" for m, n in own.imports}
    other = {name for name in known - dangerous - unresolved if not _known_safe(name)}
    notes = []
    if own.not_pickle:
        notes.append(f"not a valid pickle stream ({own.not_pickle}), so no import can run from it")
    if error:
        notes.append(f"picklescan could not read it ({error}); the auditor's own opcode scan was used")
    status = DANGEROUS if dangerous else UNRESOLVABLE if unresolved else CLEAN
    return WeightCheck(path, "pickle-scan", status, _listed(dangerous or unresolved), _listed(other), "; ".join(notes))


# -- the Hub's scan -------------------------------------------------------------------------------------------------
HUB_UNSAFE = {"unsafe"}
HUB_SUSPICIOUS = {"suspicious", "caution"}
HUB_NOT_SCANNED = {"unscanned", "queued", "error"}


def hub_scan_level(security: dict[str, Any] | None, path: str) -> str | None:
    """The Hub's verdict on one file: its `level` when listed with issues, "safe" when the Hub finished scanning
    and did not list it, None when the Hub gave no usable scan."""
    if not isinstance(security, dict):
        return None
    issues = security.get("filesWithIssues")
    if isinstance(issues, list):
        for issue in issues:
            if isinstance(issue, dict) and issue.get("path") == path:
                level = issue.get("level")
                return str(level) if isinstance(level, str) and level else "unscanned"
    if security.get("scansDone") is True and isinstance(issues, list):
        return "safe"
    return None


# -- report findings ------------------------------------------------------------------------------------------------
def describe_import(name: str) -> str:
    if UNRESOLVED in name.split("."):
        return f"{name} (an import whose name is computed while loading, hidden from static reading)"
    return name


def _finding(kind: str, severity: str, file: str, detail: str) -> dict[str, Any]:
    return {"kind": kind, "severity": severity, "file": file, "detail": detail}


def _own_scan_finding(path: str, check: WeightCheck) -> dict[str, Any] | None:
    shown = path[:200]
    names = ", ".join(map(describe_import, check.dangerous))
    extra = f" ({check.detail})" if check.detail else ""
    if check.status == DANGEROUS:
        return _finding("dangerous-pickle-import", "critical", path,
                        f"{shown} imports {names} when unpickled: loading it (torch.load, pickle.load) can run "
                        f"arbitrary code.{extra}")
    if check.status == UNRESOLVABLE:
        return _finding("unresolvable-pickle-import", "warning", path,
                        f"{shown} imports {names} when unpickled: the names are computed while loading, so the "
                        f"auditor cannot tell what would run; it is not known to be safe.{extra}")
    return None


def _hub_scan_finding(path: str, level: str | None, why: str) -> dict[str, Any] | None:
    shown = path[:200]
    if level in HUB_UNSAFE:
        return _finding("dangerous-pickle-import", "critical", path,
                        f"The Hub's pickle scan marks {shown} unsafe: it imports callables that can run "
                        f"code when loaded (the auditor did not scan it itself: {why}).")
    if level in HUB_SUSPICIOUS:
        return _finding("suspicious-pickle-import", "warning", path,
                        f"The Hub's pickle scan marks {shown} {level}: it imports callables that are "
                        f"not known to be safe (the auditor did not scan it itself: {why}).")
    if level is None or level in HUB_NOT_SCANNED:
        hub = "the Hub reports no finished scan" if level is None else f"the Hub's scan status is '{level}'"
        return _finding("unscanned-pickle", "warning", path,
                        f"{shown} was not scanned for dangerous imports ({why}; {hub}); its safety is unknown.")
    return None


def _scan_entry(path: str, source: str, status: str, check: WeightCheck | None = None) -> dict[str, Any]:
    return {"path": path, "source": source, "status": status,
            "dangerous_imports": list(check.dangerous) if check else [],
            "other_imports": list(check.other_imports) if check else []}


def _pickle_file_safety(evidence: RepoEvidence, path: str,
                        check: WeightCheck | None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(scan entry, finding or None) for one pickle-based file: our own scan when we made one, else the Hub's."""
    if check is not None and check.status in (CLEAN, DANGEROUS, UNRESOLVABLE):
        return _scan_entry(path, "auditor", check.status, check), _own_scan_finding(path, check)
    why = check.detail if check is not None else "it was not fetched"
    if check is not None and check.status == TOO_LARGE:
        why = f"it is larger than the {MAX_SCAN_BYTES // (1024 * 1024)} MB the auditor fetches"
    level = hub_scan_level(evidence.security, path)
    return _scan_entry(path, "hub" if level else "none", level or "unscanned"), _hub_scan_finding(path, level, why)


def safety_findings(evidence: RepoEvidence) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(findings, scans) for the report's weights section: one scan entry per pickle-based file."""
    findings: list[dict[str, Any]] = []
    scans: list[dict[str, Any]] = []
    checks = {c.path: c for c in evidence.weight_checks if c.kind == "pickle-scan"}
    for f in evidence.files:
        if is_pickle_file(f.path):
            scan, finding = _pickle_file_safety(evidence, f.path, checks.get(f.path))
            scans.append(scan)
            findings.extend([finding] if finding else [])
    for check in evidence.weight_checks:
        if check.kind == "safetensors-header" and check.status == CORRUPT:
            findings.append(_finding("corrupt-safetensors-header", "warning", check.path,
                                     f"The safetensors header of {check.path[:200]} is invalid: {check.detail}."))
    return findings, scans
