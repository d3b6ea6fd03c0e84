"""Weight-file safety: pickle imports found without unpickling, the Hub's own scan, and safetensors header checks.

A pickle names every callable it will call by an import (GLOBAL, STACK_GLOBAL, INST opcodes). We list those
imports by walking the opcodes (`pickletools.genops`, which never executes anything), in plain pickles, legacy
PyTorch files (several pickles in a row) and zip-wrapped PyTorch checkpoints (`archive/data.pkl`). Two opinions
are combined: our own streaming walk, bounded in opcodes and bytes so a hostile file cannot exhaust memory or
time, and `picklescan` (the maintained scanner the Hub also uses), run only on files our walk found to be within
bounds, because picklescan holds every opcode of a file in memory.

Files too large to fetch fall back to the Hub's scan (`securityRepoStatus` from `model_info`)."""

from __future__ import annotations

import io
import logging
import pickletools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from auditor.evidence import RepoEvidence, WeightCheck

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
MAX_SCAN_BYTES = 10 * 1024 * 1024  # files up to this size are fetched and scanned by the auditor
MAX_OPCODES = 500_000  # a real 10 MB checkpoint has tens of thousands; far more is a denial-of-service attempt
MAX_ZIP_MEMBERS = 20_000
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024  # declared size of the zip members we read (zip bombs)
MAX_LISTED = 12  # imports named per file

# Statuses of a "pickle-scan" WeightCheck.
CLEAN, DANGEROUS, UNSCANNABLE, TOO_LARGE, UNREAD = "clean", "dangerous", "unscannable", "too-large", "unread"
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
UNRESOLVED = "?"  # an import whose name is computed at load time: it cannot be read, so it is treated as dangerous

_STRING_OPS = {"SHORT_BINUNICODE", "UNICODE", "BINUNICODE", "BINUNICODE8", "STRING", "BINSTRING",
               "SHORT_BINSTRING"}
_MEMO_PUT_OPS = {"PUT", "BINPUT", "LONG_BINPUT"}
_MEMO_GET_OPS = {"GET", "BINGET", "LONG_BINGET"}
_PICKLE_MAGIC = tuple(b"\x80" + bytes([v]) for v in range(2, 6))

# picklescan logs every finding at WARNING; with no handler configured Python prints those on stderr, which
# would put picklescan's lines into the CLI's output. Its results reach the user through the report instead.
logging.getLogger("picklescan").addHandler(logging.NullHandler())
logging.getLogger("picklescan").propagate = False


def is_pickle_file(path: str) -> bool:
    return path.lower().endswith(PICKLE_SUFFIXES)


def is_dangerous_import(module: str, name: str) -> bool:
    if UNRESOLVED in (module, name):
        return True
    if any(module == m or module.startswith(m + ".") for m in DANGEROUS_MODULES):
        return True
    return name in DANGEROUS_CALLABLES.get(module, ())


# -- our own bounded opcode walk ------------------------------------------------------------------------------------
class _OpcodeBudgetExceeded(Exception):
    pass


@dataclass
class _Walk:
    ops_left: int = MAX_OPCODES
    imports: set[tuple[str, str]] = field(default_factory=set)
    parse_errors: list[str] = field(default_factory=list)
    streams: int = 0


def _walk_pickle(stream: BinaryIO, walk: _Walk) -> None:
    """Record the imports of one pickle (up to its STOP). Raises ValueError-like errors on a malformed stream."""
    memo: dict[Any, str] = {}  # only string values matter: they are the operands of STACK_GLOBAL
    recent: list[str | None] = []  # the last two operands pushed, None when not a readable string
    last_value: str | None = None
    for opcode, arg, _pos in pickletools.genops(stream):
        walk.ops_left -= 1
        if walk.ops_left < 0:
            raise _OpcodeBudgetExceeded
        name = opcode.name
        if name in ("GLOBAL", "INST"):
            module, _, attr = str(arg).partition(" ")
            walk.imports.add((module, attr))
            value: str | None = None
        elif name == "STACK_GLOBAL":
            module = recent[-2] if len(recent) >= 2 and recent[-2] is not None else UNRESOLVED
            attr = recent[-1] if recent and recent[-1] is not None else UNRESOLVED
            walk.imports.add((module, attr))
            value = None
        elif name == "MEMOIZE":
            if last_value is not None:
                memo[len(memo)] = last_value
            continue
        elif name in _MEMO_PUT_OPS:
            if last_value is not None:
                memo[arg] = last_value
            continue
        elif name in _MEMO_GET_OPS:
            value = memo.get(arg)
        elif name in _STRING_OPS:
            value = arg if isinstance(arg, str) else None
        else:
            value = None
        last_value = value
        recent = [*recent[-1:], value]


def _walk_stream(stream: BinaryIO, size: int, walk: _Walk) -> None:
    """Walk consecutive pickles (legacy PyTorch files hold several, then raw tensor bytes) until the data ends."""
    walk.streams += 1
    first = True
    while stream.tell() < size:
        start = stream.tell()
        try:
            _walk_pickle(stream, walk)
        except _OpcodeBudgetExceeded:
            raise
        except Exception as exc:  # hostile bytes: any parse failure ends the walk of this stream
            if first:
                walk.parse_errors.append(f"{type(exc).__name__}: {str(exc)[:80]}")
            return
        first = False
        if stream.tell() <= start:
            return


def _zip_pickles(archive: zipfile.ZipFile) -> Iterator[tuple[str, zipfile.ZipInfo]]:
    """Members of a zip that hold a pickle: by extension, or by the pickle protocol marker (PyTorch's data.pkl)."""
    for info in archive.infolist():
        if info.is_dir():
            continue
        if info.filename.lower().endswith((".pkl", ".pickle")):
            yield info.filename, info
            continue
        with archive.open(info) as member:
            if member.read(2) in _PICKLE_MAGIC:
                yield info.filename, info


@dataclass(frozen=True)
class _OwnScan:
    imports: frozenset[tuple[str, str]]
    unscannable: str  # why the walk could not finish ("" when it did)
    not_pickle: str  # parse error of a file that is no pickle at all ("" otherwise)


def _own_scan(data: bytes) -> _OwnScan:
    walk = _Walk()
    try:
        if data[:4] == b"PK\x03\x04" or (data[:2] not in _PICKLE_MAGIC and zipfile.is_zipfile(io.BytesIO(data))):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if len(archive.infolist()) > MAX_ZIP_MEMBERS:
                    return _OwnScan(frozenset(), f"the archive has more than {MAX_ZIP_MEMBERS} members", "")
                members = list(_zip_pickles(archive))
                declared = sum(info.file_size for _, info in members)
                if declared > MAX_UNZIPPED_BYTES:
                    return _OwnScan(frozenset(), f"its pickles declare {declared} bytes uncompressed, more than the "
                                                 f"{MAX_UNZIPPED_BYTES} read", "")
                if not members:
                    return _OwnScan(frozenset(), "", "a zip archive without a pickle inside")
                for _, info in members:
                    with archive.open(info) as member:
                        _walk_stream(io.BytesIO(member.read(info.file_size)), info.file_size, walk)
        else:
            _walk_stream(io.BytesIO(data), len(data), walk)
    except _OpcodeBudgetExceeded:
        return _OwnScan(frozenset(walk.imports), f"it holds more than {MAX_OPCODES} pickle opcodes", "")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
            ValueError) as exc:
        # RuntimeError: encrypted member; NotImplementedError: unknown compression. PyTorch's own reader is more
        # lenient than zipfile, so an archive we cannot open is not known to be harmless.
        return _OwnScan(frozenset(walk.imports), f"the archive could not be read ({type(exc).__name__})", "")
    not_pickle = walk.parse_errors[0] if walk.parse_errors and walk.streams == len(walk.parse_errors) \
        and not walk.imports else ""
    return _OwnScan(frozenset(walk.imports), "", not_pickle)


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
    own = _own_scan(data)
    ours = {f"{m}.{n}" for m, n in own.imports if is_dangerous_import(m, n)}
    if own.unscannable:
        if ours:
            return WeightCheck(path, "pickle-scan", DANGEROUS, _listed(ours),
                               detail=f"dangerous imports found before the scan stopped: {own.unscannable}")
        return WeightCheck(path, "pickle-scan", UNSCANNABLE, detail=f"not scanned: {own.unscannable}")
    theirs, other, error = _picklescan(path, data)
    dangerous = ours | theirs
    known = {f"{m}.{n}" for m, n in own.imports}
    other = {name for name in (other | known) - dangerous if not _known_safe(name)}
    notes = []
    if own.not_pickle:
        notes.append(f"not a valid pickle stream ({own.not_pickle}), so no import can run from it")
    if error:
        notes.append(f"picklescan could not read it ({error}); the auditor's own opcode scan was used")
    status = DANGEROUS if dangerous else CLEAN
    return WeightCheck(path, "pickle-scan", status, _listed(dangerous), _listed(other), "; ".join(notes))


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


def safety_findings(evidence: RepoEvidence) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(findings, scans) for the report's weights section: one scan entry per pickle-based file."""
    findings: list[dict[str, Any]] = []
    scans: list[dict[str, Any]] = []
    checks = {c.path: c for c in evidence.weight_checks if c.kind == "pickle-scan"}
    for f in evidence.files:
        if not is_pickle_file(f.path):
            continue
        check = checks.get(f.path)
        shown = f.path[:200]
        if check is not None and check.status in (CLEAN, DANGEROUS):
            scans.append({"path": f.path, "source": "auditor", "status": check.status,
                          "dangerous_imports": list(check.dangerous), "other_imports": list(check.other_imports)})
            if check.status == DANGEROUS:
                findings.append(_finding(
                    "dangerous-pickle-import", "critical", f.path,
                    f"{shown} imports {', '.join(map(describe_import, check.dangerous))} when unpickled: loading it (torch.load, "
                    "pickle.load) can run arbitrary code." + (f" ({check.detail})" if check.detail else "")))
            continue
        why = check.detail if check is not None else "it was not fetched"
        if check is not None and check.status == TOO_LARGE:
            why = f"it is larger than the {MAX_SCAN_BYTES // (1024 * 1024)} MB the auditor fetches"
        level = hub_scan_level(evidence.security, f.path)
        scans.append({"path": f.path, "source": "hub" if level else "none", "status": level or "unscanned",
                      "dangerous_imports": [], "other_imports": []})
        if level in HUB_UNSAFE:
            findings.append(_finding("dangerous-pickle-import", "critical", f.path,
                                     f"The Hub's pickle scan marks {shown} unsafe: it imports callables that can run "
                                     f"code when loaded (the auditor did not scan it itself: {why})."))
        elif level in HUB_SUSPICIOUS:
            findings.append(_finding("suspicious-pickle-import", "warning", f.path,
                                     f"The Hub's pickle scan marks {shown} {level}: it imports callables that are "
                                     f"not known to be safe (the auditor did not scan it itself: {why})."))
        elif level is None or level in HUB_NOT_SCANNED:
            hub = "the Hub reports no finished scan" if level is None else f"the Hub's scan status is '{level}'"
            findings.append(_finding("unscanned-pickle", "warning", f.path,
                                     f"{shown} was not scanned for dangerous imports ({why}; {hub}); "
                                     "its safety is unknown."))
    for check in evidence.weight_checks:
        if check.kind == "safetensors-header" and check.status == CORRUPT:
            findings.append(_finding("corrupt-safetensors-header", "warning", check.path,
                                     f"The safetensors header of {check.path[:200]} is invalid: {check.detail}."))
    return findings, scans
