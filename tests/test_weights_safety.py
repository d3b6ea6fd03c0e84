"""auditor.weights_safety: pickle imports found without unpickling, the Hub's scan, and the report's findings."""

from __future__ import annotations

import io
import pickle
import zipfile

import pytest

from auditor.evidence import RepoEvidence, RepoFile, WeightCheck
from auditor.pickle_scan import MAX_OPCODES
from auditor.weights_safety import (
    CLEAN,
    DANGEROUS,
    TOO_LARGE,
    UNREAD,
    UNRESOLVABLE,
    UNSCANNABLE,
    hub_scan_level,
    is_dangerous_import,
    is_pickle_file,
    safety_findings,
    scan_pickle,
)
from tests.hubdata_hostile import (
    benign_checkpoint,
    call_pickle,
    computed_import_pickle,
    inst_pickle,
    legacy_checkpoint,
    malicious_checkpoint,
    opcode_flood,
    state_dict_pickle,
    torch_zip,
    zip_bomb,
)


class Exploding:
    """Unpickling this would run the callable: the scanner must never get that far."""

    def __init__(self, func: object, *args: object):
        self.func, self.args = func, args

    def __reduce__(self) -> tuple:
        return self.func, self.args


# -- the acceptance case ------------------------------------------------------------------------------------
def test_zip_wrapped_checkpoint_calling_os_system_is_dangerous() -> None:
    check = scan_pickle("pytorch_model.bin", malicious_checkpoint())
    assert check.status == DANGEROUS
    assert check.dangerous == ("posix.system",)


def test_benign_zip_wrapped_state_dict_is_clean() -> None:
    check = scan_pickle("pytorch_model.bin", benign_checkpoint())
    assert check.status == CLEAN
    assert check.dangerous == ()
    assert check.other_imports == ()  # OrderedDict, _rebuild_tensor_v2, FloatStorage are the known-safe set


# -- opcode forms ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "expected"), [
    (call_pickle("posix", "system", "id"), "posix.system"),  # GLOBAL
    (call_pickle("builtins", "exec", "import os", protocol=4), "builtins.exec"),  # STACK_GLOBAL + MEMOIZE
    (inst_pickle("os", "system", "id"), "os.system"),  # INST, protocol 0
    (pickle.dumps(Exploding(eval, "1+1"), protocol=2), "__builtin__.eval"),  # protocol 2 spells builtins so
    (pickle.dumps(Exploding(getattr, int, "real"), protocol=5), "builtins.getattr"),
    (call_pickle("subprocess", "Popen", "id"), "subprocess.Popen"),
    (call_pickle("runpy", "run_path", "x.py", protocol=4), "runpy.run_path"),
    (call_pickle("webbrowser", "open", "http://x"), "webbrowser.open"),
    (call_pickle("socket", "create_connection", "x"), "socket.create_connection"),
    (call_pickle("importlib", "import_module", "os"), "importlib.import_module"),
    (call_pickle("builtins", "__import__", "os", protocol=4), "builtins.__import__"),
    (call_pickle("nt", "system", "dir"), "nt.system"),
], ids=lambda value: value if isinstance(value, str) else "")
def test_dangerous_imports_are_named(data: bytes, expected: str) -> None:
    check = scan_pickle("model.pkl", data)
    assert check.status == DANGEROUS
    assert expected in check.dangerous


def test_computed_import_is_unresolvable_never_clean() -> None:
    check = scan_pickle("model.pt", computed_import_pickle())
    assert check.status == UNRESOLVABLE
    assert check.dangerous == ("?.?",)


def test_dangerous_call_inside_a_legacy_multi_pickle_file() -> None:
    check = scan_pickle("pytorch_model.bin", legacy_checkpoint(inst_pickle("os", "system", "id")))
    assert check.status == DANGEROUS and check.dangerous == ("os.system",)


def test_benign_legacy_file_is_clean() -> None:
    check = scan_pickle("pytorch_model.bin", legacy_checkpoint(state_dict_pickle({"w": [2, 2]})))
    assert check.status == CLEAN


def test_unknown_but_not_dangerous_imports_are_listed_not_flagged() -> None:
    data = call_pickle("mylib.models", "Net", "cfg")
    check = scan_pickle("model.pkl", data)
    assert check.status == CLEAN
    assert check.other_imports == ("mylib.models.Net",)


def test_dangerous_pickle_in_a_zip_under_another_name() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("weights/extra.bin", call_pickle("os", "system", "id"))  # found by its protocol marker
        archive.writestr("notes.txt", "hello")
    check = scan_pickle("model.ckpt", buffer.getvalue())
    assert check.status == DANGEROUS and "os.system" in check.dangerous


# -- hostile bytes: bounded, never raising --------------------------------------------------------------------------
def test_opcode_flood_stops_at_the_budget() -> None:
    check = scan_pickle("model.pkl", opcode_flood(MAX_OPCODES + 10_000))
    assert check.status == UNSCANNABLE
    assert "opcodes" in check.detail


def test_dangerous_import_before_the_budget_still_counts() -> None:
    data = call_pickle("os", "system", "id")[:-1] + b"0" + b"N0" * MAX_OPCODES + b"N."
    check = scan_pickle("model.pkl", data)
    assert check.status == DANGEROUS and check.dangerous == ("os.system",)


def test_zip_bomb_is_not_unpacked() -> None:
    check = scan_pickle("pytorch_model.bin", zip_bomb())
    assert check.status == UNSCANNABLE
    assert "uncompressed" in check.detail


def test_truncated_zip_is_unscannable_not_clean() -> None:
    check = scan_pickle("model.pt", malicious_checkpoint()[:60])
    assert check.status == UNSCANNABLE


def test_zip_without_pickle_is_clean() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", b"x")
    check = scan_pickle("model.pt", buffer.getvalue())
    assert check.status == CLEAN and "not a valid pickle" in check.detail


def test_torch_zip_with_corrupt_data_pkl_is_not_a_pickle() -> None:
    check = scan_pickle("model.pt", torch_zip(b"\x80\x02garbage"))
    assert check.status == CLEAN and "not a valid pickle" in check.detail


@pytest.mark.parametrize("data", [b"", b"\x80", b"GGUF\x03\x00\x00\x00", b"\x00" * 100, b"(((((((", b"\x80\x05\x95",
                                  b"PK\x03\x04garbage", b"\x80\x04\x93."])
def test_garbage_never_raises(data: bytes) -> None:
    check = scan_pickle("x.bin", data)
    assert check.status in (CLEAN, DANGEROUS, UNRESOLVABLE, UNSCANNABLE)


def test_scanning_never_unpickles(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the scanner unpickled its input")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    assert scan_pickle("pytorch_model.bin", malicious_checkpoint()).status == DANGEROUS


def test_picklescan_logs_stay_off_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    scan_pickle("model.pt", malicious_checkpoint())
    assert capsys.readouterr().err == ""


# -- classification helpers -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("module", "name", "dangerous"), [
    ("os", "system", True), ("os.path", "join", True), ("posix", "system", True), ("sys", "modules", True),
    ("shutil", "rmtree", True), ("pty", "spawn", True), ("importlib.util", "find_spec", True),
    ("builtins", "compile", True), ("builtins", "open", True), ("builtins", "dict", False),
    ("collections", "OrderedDict", False), ("torch._utils", "_rebuild_tensor_v2", False),
    ("ossify", "x", False), ("?", "system", False), ("os", "?", True),
])
def test_is_dangerous_import(module: str, name: str, dangerous: bool) -> None:
    assert is_dangerous_import(module, name) is dangerous


@pytest.mark.parametrize(("path", "expected"), [("pytorch_model.bin", True), ("a/b/model.PT", True),
                                                ("x.pth", True), ("x.ckpt", True), ("x.pkl", True),
                                                ("model.safetensors", False), ("x.gguf", False)])
def test_is_pickle_file(path: str, expected: bool) -> None:
    assert is_pickle_file(path) is expected


@pytest.mark.parametrize(("security", "level"), [
    (None, None),
    ({}, None),
    ({"scansDone": False, "filesWithIssues": []}, None),
    ({"scansDone": True, "filesWithIssues": []}, "safe"),
    ({"scansDone": True, "filesWithIssues": [{"path": "m.bin", "level": "unsafe"}]}, "unsafe"),
    ({"scansDone": True, "filesWithIssues": [{"path": "other.bin", "level": "unsafe"}]}, "safe"),
    ({"scansDone": True, "filesWithIssues": [{"path": "m.bin"}]}, "unscanned"),
    ({"scansDone": True, "filesWithIssues": "garbage"}, None),
    ("not a dict", None),
])
def test_hub_scan_level(security: object, level: str | None) -> None:
    assert hub_scan_level(security, "m.bin") == level  # type: ignore[arg-type]


# -- report findings ------------------------------------------------------------------------------------------------
def _evidence(files: list[tuple[str, int]], checks: tuple[WeightCheck, ...] = (),
              security: dict | None = None) -> RepoEvidence:
    return RepoEvidence(repo_id="acme/x", revision="0" * 40, source="hub", fetched_at="2026-01-01T00:00:00Z",
                        files=tuple(RepoFile(p, s) for p, s in files), weight_checks=checks, security=security)


def _kinds(findings: list[dict]) -> list[tuple[str, str]]:
    return [(f["kind"], f["severity"]) for f in findings]


def test_findings_for_an_auditor_scan() -> None:
    checks = (WeightCheck("a.bin", "pickle-scan", DANGEROUS, ("posix.system",)),
              WeightCheck("b.bin", "pickle-scan", CLEAN))
    findings, scans = safety_findings(_evidence([("a.bin", 10), ("b.bin", 10)], checks))
    assert _kinds(findings) == [("dangerous-pickle-import", "critical")]
    assert findings[0]["file"] == "a.bin" and "posix.system" in findings[0]["detail"]
    assert [(s["path"], s["source"], s["status"]) for s in scans] == [("a.bin", "auditor", "dangerous"),
                                                                       ("b.bin", "auditor", "clean")]


@pytest.mark.parametrize(("security", "expected"), [
    ({"scansDone": True, "filesWithIssues": [{"path": "big.bin", "level": "unsafe"}]},
     [("dangerous-pickle-import", "critical")]),
    ({"scansDone": True, "filesWithIssues": [{"path": "big.bin", "level": "suspicious"}]},
     [("suspicious-pickle-import", "warning")]),
    ({"scansDone": True, "filesWithIssues": [{"path": "big.bin", "level": "queued"}]},
     [("unscanned-pickle", "warning")]),
    ({"scansDone": False, "filesWithIssues": []}, [("unscanned-pickle", "warning")]),
    (None, [("unscanned-pickle", "warning")]),
    ({"scansDone": True, "filesWithIssues": []}, []),
])
def test_large_pickles_fall_back_to_the_hub_scan(security: dict | None, expected: list) -> None:
    checks = (WeightCheck("big.bin", "pickle-scan", TOO_LARGE, detail="20000000 bytes"),)
    findings, scans = safety_findings(_evidence([("big.bin", 20_000_000)], checks, security))
    assert _kinds(findings) == expected
    assert scans[0]["source"] == ("hub" if security and security.get("scansDone") else "none")


def test_unread_and_unchecked_pickles_are_unscanned_without_a_hub_scan() -> None:
    checks = (WeightCheck("gated.bin", "pickle-scan", UNREAD, detail="the repository is gated"),)
    findings, _ = safety_findings(_evidence([("gated.bin", 10), ("snapshot.pt", 10)], checks))
    assert _kinds(findings) == [("unscanned-pickle", "warning"), ("unscanned-pickle", "warning")]
    assert "gated" in findings[0]["detail"] and "not fetched" in findings[1]["detail"]


def test_corrupt_safetensors_header_finding() -> None:
    checks = (WeightCheck("model.safetensors", "safetensors-header", "corrupt", detail="the header is not JSON"),)
    findings, scans = safety_findings(_evidence([("model.safetensors", 100)], checks))
    assert _kinds(findings) == [("corrupt-safetensors-header", "warning")]
    assert findings[0]["file"] == "model.safetensors" and "not JSON" in findings[0]["detail"]
    assert scans == []


def test_weight_checks_survive_serialisation() -> None:
    checks = (WeightCheck("a.bin", "pickle-scan", DANGEROUS, ("posix.system",), ("x.Y",), "detail"),)
    evidence = _evidence([("a.bin", 10)], checks)
    again = RepoEvidence.from_dict(evidence.to_dict())
    assert again == evidence
    assert isinstance(again.weight_checks[0].dangerous, tuple)
