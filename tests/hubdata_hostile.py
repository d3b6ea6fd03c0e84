"""The hostile corpus for the fake Hub: cards, weights and lineages written to break an auditor.

Every repo lives under `hostile/` (plus 1,000 tiny children under `hostile-kids/`). Pickles are assembled
opcode by opcode (torch is not installed, and nothing here is ever unpickled); HOSTILE_CASES lists what each
repo is for, and the tests assert an outcome for every entry."""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import zipfile
from pathlib import Path

from tests.hubdata import card, license_text, write_repo

NS = "hostile"
KIDS_NS = "hostile-kids"
N_CHILDREN = 1000
LARGE_PICKLE_BYTES = 10 * 1024 * 1024 + 4096  # just over the auditor's 10 MB fetch cap
HUGE_CARD_BYTES = 11 * 1024 * 1024
LICENSE_5MB = 5 * 1024 * 1024
TORCH_MAGIC = 0x1950A86A20F9469CFC6C  # the legacy torch.save magic number


# -- pickles, assembled from opcodes --------------------------------------------------------------------------------
def _unicode(text: str) -> bytes:
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw  # BINUNICODE


def _global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"  # GLOBAL


def _int(value: int) -> bytes:
    return b"K" + bytes([value]) if value < 256 else b"J" + struct.pack("<i", value)  # BININT1 / BININT


def _int_tuple(values: list[int]) -> bytes:
    return b"(" + b"".join(_int(v) for v in values) + b"t"  # MARK ... TUPLE


def state_dict_pickle(tensors: dict[str, list[int]]) -> bytes:
    """What torch.save writes for an OrderedDict of float tensors (protocol 2): only the usual safe imports,
    collections.OrderedDict, torch._utils._rebuild_tensor_v2 and torch.FloatStorage, storages as persistent ids."""
    out = b"\x80\x02" + _global("collections", "OrderedDict") + b")R("
    for index, (name, shape) in enumerate(tensors.items()):
        numel = 1
        for dim in shape:
            numel *= dim
        stride = [1] * len(shape)
        for k in range(len(shape) - 2, -1, -1):
            stride[k] = stride[k + 1] * shape[k + 1]
        storage = b"(" + _unicode("storage") + _global("torch", "FloatStorage") + _unicode(str(index)) \
            + _unicode("cpu") + _int(numel) + b"tQ"  # BINPERSID
        out += _unicode(name) + _global("torch._utils", "_rebuild_tensor_v2") + b"(" + storage + _int(0) \
            + _int_tuple(shape) + _int_tuple(stride) + b"\x89" + _global("collections", "OrderedDict") + b")RtR"
    return out + b"u."


def call_pickle(module: str, name: str, argument: str, protocol: int = 2) -> bytes:
    """A pickle that calls module.name(argument) when loaded: GLOBAL (protocol 2) or STACK_GLOBAL (protocol 4)."""
    if protocol >= 4:
        callable_ = (b"\x8c" + bytes([len(module)]) + module.encode() + b"\x94"
                     + b"\x8c" + bytes([len(name)]) + name.encode() + b"\x94\x93")  # SHORT_BINUNICODE, MEMOIZE
        return b"\x80\x04" + callable_ + _unicode(argument) + b"\x85R."
    return b"\x80\x02" + _global(module, name) + _unicode(argument) + b"\x85R."  # TUPLE1, REDUCE


def inst_pickle(module: str, name: str, argument: str) -> bytes:
    """Protocol 0: INST calls module.name(argument) while building an 'instance'."""
    return b"(S'" + argument.encode() + b"'\ni" + module.encode() + b"\n" + name.encode() + b"\n."


def computed_import_pickle() -> bytes:
    """STACK_GLOBAL whose module and name come from memo slots never filled: unreadable without running it."""
    return b"\x80\x04h\x07h\x08\x93)R."


def _short_unicode(text: str) -> bytes:
    return b"\x8c" + bytes([len(text)]) + text.encode() + b"\x94"  # SHORT_BINUNICODE, MEMOIZE


def memo_shift_pickle() -> bytes:
    """Calls posix.system("id") through STACK_GLOBAL, its operands fetched from memo slots that a memoized dict
    pushed one index further than a strings-only memo model counts (such a model reads "system.x": harmless)."""
    stored = b"}\x94" + b"".join(_short_unicode(t) for t in ("collections", "OrderedDict", "posix", "system", "x"))
    return b"\x80\x04" + stored + b"0" * 6 + b"h\x03h\x04\x93" + _short_unicode("id") + b"\x85R."


def memo_refetch_pickle() -> bytes:
    """Fetch-then-store after a memoized dict: the operands are copied into fresh slots (BINGET, BINPUT, POP) before
    STACK_GLOBAL. A strings-only memo model (shifted by the dict) reads collections.OrderedDict, and a scanner that
    stores the fetched *index* instead of its value reads "1.3"; the real unpickler calls posix.system("id")."""
    stored = b"}\x94" + b"".join(_short_unicode(t) for t in ("posix", "collections", "system", "OrderedDict"))
    copied = b"00000" + b"h\x01q\x100h\x03q\x110"  # pop all; slot 1 -> slot 16, slot 3 -> slot 17
    return b"\x80\x04" + stored + copied + b"h\x10h\x11\x93" + _short_unicode("id") + b"\x85R."


def torch_zip(data_pkl: bytes, storages: dict[str, bytes] | None = None,
              compression: int = zipfile.ZIP_STORED) -> bytes:
    """A PyTorch >= 1.6 checkpoint: a zip holding archive/data.pkl, the storages and a version record."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression, compresslevel=1 if compression else None) as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        archive.writestr("archive/byteorder", "little")
        for key, raw in (storages or {}).items():
            archive.writestr(f"archive/data/{key}", raw)
        archive.writestr("archive/version", "3\n")
    return buffer.getvalue()


def benign_checkpoint() -> bytes:
    return torch_zip(state_dict_pickle({"dense.weight": [2, 2], "dense.bias": [2]}),
                     {"0": b"\0" * 16, "1": b"\0" * 8})


def malicious_checkpoint() -> bytes:
    return torch_zip(call_pickle("posix", "system", "echo pwned"), {"0": b"\0" * 16})


def legacy_checkpoint(model_pickle: bytes) -> bytes:
    """The pre-1.6 torch.save layout: magic, protocol, sys info, the model pickle, storage keys, raw bytes."""
    parts = [pickle.dumps(TORCH_MAGIC, protocol=2), pickle.dumps(1001, protocol=2),
             pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2), model_pickle,
             pickle.dumps(["0"], protocol=2)]
    return b"".join(parts) + b"\0" * 64


def opcode_flood(ops: int = 550_000) -> bytes:
    return b"\x80\x02" + b"N0" * (ops // 2) + b"N."  # NONE, POP, ...: harmless but too many to scan


def unnamed_member_flood(pairs: int = 1_200_000) -> bytes:
    """A checkpoint with a deflated member named like tensor data (archive/data/0.dat): a protocol-0 pickle with no
    header, megabytes of harmless opcodes that a scanner looking only at *.pkl members never bounds."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("archive/data.pkl", state_dict_pickle({"w": [2]}))
        archive.writestr("archive/data/0.dat", b"N0" * pairs + b"N.")
        archive.writestr("archive/version", "3\n")
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A checkpoint whose deflated data.pkl expands to 70 MB, more than the auditor unpacks."""
    return torch_zip(b"\x80\x02" + b"N0" * 35_000_000 + b"N.", compression=zipfile.ZIP_DEFLATED)


# -- safetensors ----------------------------------------------------------------------------------------------------
def safetensors_bytes(header: dict | bytes, data: bytes = b"", declared_length: int | None = None) -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw) if declared_length is None else declared_length) + raw + data


# -- the corpus -----------------------------------------------------------------------------------------------------
# repo id -> what it is for. Every entry gets an asserted outcome in tests/test_hostile.py.
HOSTILE_CASES: dict[str, str] = {
    f"{NS}/pickle-os-system-zip": "zip-wrapped PyTorch checkpoint whose data.pkl calls posix.system",
    f"{NS}/pickle-benign-zip": "zip-wrapped PyTorch checkpoint of an OrderedDict of tensors",
    f"{NS}/pickle-exec-stack-global": "protocol-4 pickle calling builtins.exec through STACK_GLOBAL",
    f"{NS}/pickle-legacy-inst": "legacy multi-pickle torch file calling os.system through INST",
    f"{NS}/pickle-computed-import": "STACK_GLOBAL whose operands cannot be read statically",
    f"{NS}/pickle-memo-shift": "STACK_GLOBAL operands from memo slots shifted by a memoized dict (posix.system)",
    f"{NS}/pickle-memo-shift-zip": "the memo-shift pickle as data.pkl of a zip-wrapped checkpoint",
    f"{NS}/pickle-memo-refetch": "STACK_GLOBAL operands fetched and re-stored after a memoized dict (posix.system)",
    f"{NS}/pickle-memo-refetch-zip": "the fetch-then-store pickle as data.pkl of a zip-wrapped checkpoint",
    f"{NS}/pickle-unnamed-member-flood": "zip member named .dat holding megabytes of header-less pickle opcodes",
    f"{NS}/pickle-opcode-flood": "550,000 harmless opcodes: too many to scan, and the Hub has not scanned it",
    f"{NS}/pickle-zip-bomb": "checkpoint whose deflated data.pkl expands to 70 MB",
    f"{NS}/large-pickle-hub-unsafe": "pickle over 10 MB that the Hub's scan marks unsafe",
    f"{NS}/large-pickle-unscanned": "pickle over 10 MB that the Hub has not scanned",
    f"{NS}/gated-pickle-hub-unsafe": "gated repo (no token) whose small pickle the Hub marks unsafe",
    f"{NS}/safetensors-50gb-header": "safetensors file whose header length claims 50 GB",
    f"{NS}/safetensors-50gb-tensor": "safetensors header whose tensor claims 50 GB in a 64-byte file",
    f"{NS}/safetensors-overlap": "safetensors header with overlapping tensors",
    f"{NS}/safetensors-bad-json": "safetensors header that is not JSON",
    f"{NS}/billion-laughs": "YAML alias bomb in the front matter (the Hub returned no cardData)",
    f"{NS}/malformed-front-matter": "front matter that is not YAML and never closed",
    f"{NS}/front-matter-not-mapping": "front matter that is a YAML list",
    f"{NS}/deep-front-matter": "front matter nested 5,000 levels deep",
    f"{NS}/binary-readme": "README.md with NUL bytes",
    f"{NS}/latin1-readme": "README.md in Latin-1, not UTF-8",
    f"{NS}/huge-card": "11 MB README.md",
    f"{NS}/license-list": "license as a list holding a mapping and a number",
    f"{NS}/license-number": "license: 42",
    f"{NS}/license-mapping": "license as a mapping",
    f"{NS}/datasets-mapping": "datasets as a mapping",
    f"{NS}/base-model-number": "base_model: 12345",
    f"{NS}/license-5mb": "a 5 MB custom LICENSE file",
    f"{NS}/cycle-a": "lineage cycle a -> b -> a",
    f"{NS}/cycle-b": "lineage cycle b -> a -> b",
    f"{NS}/self-loop": "names itself as its base",
    f"{NS}/missing-parent": "base_model that does not exist",
    f"{NS}/popular-base": "a base with 1,000 children",
    f"{KIDS_NS}/child-0000": "one of the 1,000 children",
    f"{NS}/homoglyph-base": "base_model ids with a Cyrillic letter, a path and a URL",
    f"{NS}/path-traversal": "sibling file names with '..' segments and backslashes",
    f"{NS}/ansi-card": "terminal escape sequences in the card and a file name",
    f"{NS}/html-card": "HTML and script tags in the card",
    f"{NS}/regex-flood": "2 MB of near-matches for the card's prose patterns",
}

# Ids that must be rejected before any request (the characters are escaped so the source stays ASCII).
INVALID_IDS = (
    "hostile/m\u043edel",  # Cyrillic o
    "\uff48ostile/model",  # fullwidth h
    "hostile/model\u200b",  # zero-width space
    "hostile/\u202eledom",  # right-to-left override
    "hostile/../../etc/passwd",
    "hostile/model/extra",
    "-hostile/model",
    "hostile/" + "a" * 200,
)


def _large_pickle(root: Path) -> Path:
    blob = root / "_blobs" / "large.bin"
    if not blob.exists():
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(call_pickle("posix", "system", "echo pwned") + b"\0" * (LARGE_PICKLE_BYTES - 64))
    return blob


def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "---\nlicense: mit\n" + "\n".join(lines) + "\n---\n# Laughs\n"


def _custom_license(size: int) -> str:
    paragraph = (
        "ACME MODEL LICENSE. You may use the Model for non-commercial research purposes only. You may not use "
        "the Model or its outputs to train or improve any other large language model. If your products have more "
        "than 700 million monthly active users you must request a license from Acme. The Model may not be used "
        "in the European Union.\n\n"
    )
    return (paragraph * (size // len(paragraph) + 1))[:size]


def build_hostile(root: Path) -> None:
    ns = NS
    security_unsafe = {"scansDone": True, "filesWithIssues": [{"path": "pytorch_model.bin", "level": "unsafe"}]}
    security_pending = {"scansDone": False, "filesWithIssues": []}
    readme_mit = card({"license": "mit", "library_name": "transformers"}, "# Model\n")

    # -- weights --------------------------------------------------------------------------------------------------
    write_repo(root, f"{ns}/pickle-os-system-zip", {"README.md": readme_mit, "pytorch_model.bin": malicious_checkpoint()})
    write_repo(root, f"{ns}/pickle-benign-zip", {"README.md": readme_mit, "pytorch_model.bin": benign_checkpoint()})
    write_repo(root, f"{ns}/pickle-exec-stack-global", {
        "README.md": readme_mit, "model.pkl": call_pickle("builtins", "exec", "import os", protocol=4)})
    write_repo(root, f"{ns}/pickle-legacy-inst", {
        "README.md": readme_mit, "pytorch_model.bin": legacy_checkpoint(inst_pickle("os", "system", "id"))})
    write_repo(root, f"{ns}/pickle-computed-import", {"README.md": readme_mit, "model.pt": computed_import_pickle()})
    write_repo(root, f"{ns}/pickle-memo-shift", {"README.md": readme_mit, "model.pkl": memo_shift_pickle()})
    write_repo(root, f"{ns}/pickle-memo-shift-zip", {"README.md": readme_mit,
                                                     "pytorch_model.bin": torch_zip(memo_shift_pickle())})
    write_repo(root, f"{ns}/pickle-memo-refetch", {"README.md": readme_mit, "model.pkl": memo_refetch_pickle()})
    write_repo(root, f"{ns}/pickle-memo-refetch-zip", {"README.md": readme_mit,
                                                       "pytorch_model.bin": torch_zip(memo_refetch_pickle())})
    write_repo(root, f"{ns}/pickle-unnamed-member-flood", {"README.md": readme_mit,
                                                           "pytorch_model.bin": unnamed_member_flood()},
               {"securityRepoStatus": security_pending})
    write_repo(root, f"{ns}/pickle-opcode-flood", {"README.md": readme_mit, "model.pkl": opcode_flood()},
               {"securityRepoStatus": security_pending})
    write_repo(root, f"{ns}/pickle-zip-bomb", {"README.md": readme_mit, "pytorch_model.bin": zip_bomb()},
               {"securityRepoStatus": security_pending})
    large = _large_pickle(root)
    write_repo(root, f"{ns}/large-pickle-hub-unsafe", {"README.md": readme_mit, "pytorch_model.bin": large},
               {"securityRepoStatus": security_unsafe})
    write_repo(root, f"{ns}/large-pickle-unscanned", {"README.md": readme_mit, "pytorch_model.bin": large},
               {"securityRepoStatus": security_pending})
    write_repo(root, f"{ns}/gated-pickle-hub-unsafe", {"README.md": readme_mit,
                                                         "pytorch_model.bin": malicious_checkpoint()},
               {"gated": "manual", "approved_tokens": ["hf_hostileapproved1"], "securityRepoStatus": security_unsafe})
    no_summary = {"safetensors": None}  # the Hub shows no parameter count, so the auditor reads the header
    write_repo(root, f"{ns}/safetensors-50gb-header", {
        "README.md": readme_mit, "model.safetensors": safetensors_bytes({}, b"\0" * 64, declared_length=50 * 2**30)},
        no_summary)
    write_repo(root, f"{ns}/safetensors-50gb-tensor", {"README.md": readme_mit, "model.safetensors": safetensors_bytes(
        {"w": {"dtype": "F32", "shape": [13_421_772_800], "data_offsets": [0, 53_687_091_200]}}, b"\0" * 64)},
        no_summary)
    write_repo(root, f"{ns}/safetensors-overlap", {"README.md": readme_mit, "model.safetensors": safetensors_bytes(
        {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
         "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}}, b"\0" * 24)}, no_summary)
    write_repo(root, f"{ns}/safetensors-bad-json", {
        "README.md": readme_mit, "model.safetensors": safetensors_bytes(b'{"w": {"dtype": "F32", ', b"\0" * 16)},
        no_summary)

    # -- cards ----------------------------------------------------------------------------------------------------
    # cardData is what the Hub's own parser returned; {} = it refused the card, so the auditor's parse decides.
    write_repo(root, f"{ns}/billion-laughs", {"README.md": _billion_laughs()}, {"cardData": {}})
    write_repo(root, f"{ns}/malformed-front-matter", {
        "README.md": "---\nlicense: [mit\n  : : : {{{\n\tbad: indentation\n# never closed\n" + "text\n" * 50})
    write_repo(root, f"{ns}/front-matter-not-mapping", {"README.md": "---\n- license\n- mit\n---\n# List\n"})
    write_repo(root, f"{ns}/deep-front-matter", {"README.md": "---\nlicense: " + "[" * 5000 + "]" * 5000 + "\n---\n"},
               {"cardData": {}})
    write_repo(root, f"{ns}/binary-readme", {"README.md": b"---\nlicense: mit\n---\n\x00\x01\x02\xff" * 100},
               {"cardData": {}})
    write_repo(root, f"{ns}/latin1-readme", {
        "README.md": "---\nlicense: apache-2.0\n---\n# Mod\u00e8le fran\u00e7ais\n\nEntra\u00een\u00e9 sur des donn\u00e9es.\n"
        .encode("latin-1")}, {"cardData": {"license": "apache-2.0"}})
    body = "# Huge\n\n" + ("This paragraph pads the model card to more than ten megabytes. " * 40 + "\n\n") \
        * (HUGE_CARD_BYTES // 2600 + 1)
    write_repo(root, f"{ns}/huge-card", {"README.md": card({"license": "apache-2.0"}, body)})
    write_repo(root, f"{ns}/license-list", {"README.md": card({"license": [{"name": "mit"}, 3]}, "# L\n")})
    write_repo(root, f"{ns}/license-number", {"README.md": card({"license": 42}, "# L\n")})
    write_repo(root, f"{ns}/license-mapping", {"README.md": card({"license": {"id": "mit", "url": "x"}}, "# L\n")})
    write_repo(root, f"{ns}/datasets-mapping", {"README.md": card({"license": "mit", "datasets": {"train": "a/b"}},
                                                                  "# D\n")})
    write_repo(root, f"{ns}/base-model-number", {"README.md": card({"license": "mit", "base_model": 12345}, "# B\n")})
    write_repo(root, f"{ns}/license-5mb", {"README.md": card({"license": "other"}, "# Custom\n"),
                                           "LICENSE": _custom_license(LICENSE_5MB)})

    # -- lineage --------------------------------------------------------------------------------------------------
    write_repo(root, f"{ns}/cycle-a", {"README.md": card({"license": "mit", "base_model": f"{ns}/cycle-b"}, "# A\n")})
    write_repo(root, f"{ns}/cycle-b", {"README.md": card({"license": "mit", "base_model": f"{ns}/cycle-a"}, "# B\n")})
    write_repo(root, f"{ns}/self-loop", {"README.md": card({"license": "mit", "base_model": f"{ns}/self-loop"}, "#\n")})
    write_repo(root, f"{ns}/missing-parent", {
        "README.md": card({"license": "mit", "base_model": f"{ns}/does-not-exist"}, "# Orphan\n")})
    write_repo(root, f"{ns}/popular-base", {"README.md": card({"license": "apache-2.0"}, "# Popular\n"),
                                            "LICENSE": license_text("apache-2.0")})
    child_card = card({"license": "apache-2.0", "base_model": f"{ns}/popular-base"}, "# Child\n")
    for index in range(N_CHILDREN):  # README-only: cheap to write and to serve
        folder = root / "models" / KIDS_NS / f"child-{index:04d}"
        (folder / "files").mkdir(parents=True, exist_ok=True)
        (folder / "repo.json").write_text("{}")
        (folder / "files" / "README.md").write_text(child_card)
    write_repo(root, f"{ns}/homoglyph-base", {"README.md": card({
        "license": "mit", "base_model": ["meta-ll\u0430ma/Llama-2-13b-hf", "../../etc/passwd",
                                         "https://huggingface.co/gpt2"]}, "# Homoglyph\n")})

    # -- names and markup -----------------------------------------------------------------------------------------
    write_repo(root, f"{ns}/path-traversal", {"README.md": card({"license": "mit", "license_link": "../../etc/passwd"},
                                                                "# Traversal\n")},
               {"extra_siblings": [{"rfilename": "../../etc/passwd", "size": 10},
                                   {"rfilename": "../../../../tmp/evil.bin", "size": 100},
                                   {"rfilename": "weights/../../model.safetensors", "size": 100},
                                   {"rfilename": "..\\..\\windows\\system.ini", "size": 10},
                                   {"rfilename": "etc/passwd", "size": 10}]})
    write_repo(root, f"{ns}/ansi-card", {"README.md": card(
        {"license": "mit\x1b[31m", "pipeline_tag": "text\x1b]0;owned\x07"},
        "# \x1b[2J\x1b[31mRed alert\x1b[0m\n\nTrained on \x1b[8mhidden\x1b[0m data.\n")},
        {"extra_siblings": [{"rfilename": "\x1b[31mevil\x1b[0m.bin", "size": 10}]})
    write_repo(root, f"{ns}/html-card", {"README.md": card(
        {"license": "<script>alert(1)</script>", "datasets": ["<img src=x onerror=alert(1)>"]},
        "# <script>alert('card')</script>\n\n<iframe src=\"javascript:alert(1)\"></iframe>\n[x](javascript:alert(1))\n")})
    flood = ("trained on the " * 5000 + "github.com/ " * 2000 + "https://huggingface.co/datasets/ " * 2000) * 8
    write_repo(root, f"{ns}/regex-flood", {"README.md": card({"license": "mit"}, flood[: 2 * 1024 * 1024])})


if __name__ == "__main__":  # python -m tests.hubdata_hostile ROOT: write the corpus for a manual fake Hub
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else os.getcwd())
    build_hostile(target)
    print(f"wrote the hostile corpus under {target}")
