"""auditor.pickle_scan against the real unpickler: what our symbolic stack machine says a pickle imports must be
what `pickle.Unpickler.find_class` is asked for. The real unpickler runs in an isolated subprocess whose
find_class records every request and returns only harmless standard-library types (a stub for anything else), so
nothing a hostile pickle names is ever called."""

from __future__ import annotations

import base64
import collections
import datetime
import decimal
import fractions
import json
import pickle
import subprocess
import sys
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.pickle_scan import MAX_OPCODES, MAX_UNZIPPED_BYTES, UNRESOLVED, scan_imports
from tests.hubdata_hostile import (
    call_pickle,
    computed_import_pickle,
    inst_pickle,
    memo_refetch_pickle,
    memo_shift_pickle,
    state_dict_pickle,
    torch_zip,
    unnamed_member_flood,
)

RECORDER = r"""
import base64, io, json, pickle, sys
SAFE = {("collections", "OrderedDict"), ("collections", "Counter"), ("collections", "deque"),
        ("datetime", "date"), ("datetime", "timedelta"), ("decimal", "Decimal"), ("fractions", "Fraction"),
        ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "complex"), ("builtins", "bytearray"),
        ("builtins", "range"), ("builtins", "slice"), ("builtins", "object"), ("builtins", "bytes"),
        ("copyreg", "_reconstructor"), ("_codecs", "encode"), ("__builtin__", "set"), ("__builtin__", "frozenset"),
        ("__builtin__", "complex"), ("__builtin__", "bytearray"), ("__builtin__", "object")}
class Recorder(pickle.Unpickler):
    def find_class(self, module, name):
        self.found.append([module, name])
        if (module, name) in SAFE:
            return super().find_class(module, name)
        return lambda *args, **kwargs: None  # never the real callable
    def persistent_load(self, pid):
        return None
out = []
for blob in json.load(sys.stdin):
    stream = io.BytesIO(base64.b64decode(blob))
    recorder = Recorder(stream)
    recorder.found = []
    try:
        while stream.tell() < len(stream.getbuffer()):
            recorder.load()
    except Exception:
        pass
    out.append(recorder.found)
json.dump(out, sys.stdout)
"""


def real_imports(*pickles: bytes) -> list[set[tuple[str, str]]]:
    """What the real unpickler resolves for each pickle, in an isolated interpreter (-I: no site, no env)."""
    payload = json.dumps([base64.b64encode(p).decode() for p in pickles])
    done = subprocess.run([sys.executable, "-I", "-c", RECORDER], input=payload, capture_output=True, text=True,
                          timeout=60, check=True)
    return [{(m, n) for m, n in found} for found in json.loads(done.stdout)]


def data_pkl(archive: bytes) -> bytes:
    import io

    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        return z.read("archive/data.pkl")


HOSTILE = {
    "posix.system via GLOBAL": call_pickle("posix", "system", "id"),
    "builtins.exec via STACK_GLOBAL": call_pickle("builtins", "exec", "import os", protocol=4),
    "os.system via INST": inst_pickle("os", "system", "id"),
    "memo slots shifted by a memoized dict": memo_shift_pickle(),
    "operands fetched and re-stored": memo_refetch_pickle(),
    "state dict": state_dict_pickle({"w": [2, 2], "b": [2]}),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_import_the_real_unpickler_resolves_is_found(name: str) -> None:
    data = HOSTILE[name]
    (real,) = real_imports(data)
    assert real, "the case must make the real unpickler resolve something"
    ours = scan_imports(data)
    assert ours.unscannable == ""
    assert real <= ours.imports, f"missed {real - ours.imports}"


def test_the_same_inside_a_zip_wrapped_checkpoint() -> None:
    archive = torch_zip(memo_refetch_pickle())
    (real,) = real_imports(data_pkl(archive))
    assert real == {("posix", "system")}
    assert real <= scan_imports(archive).imports


def test_an_operand_the_machine_cannot_read_is_reported_unresolved_never_dropped() -> None:
    ours = scan_imports(computed_import_pickle())
    assert (UNRESOLVED, UNRESOLVED) in ours.imports


def test_a_string_built_by_a_call_is_unresolved() -> None:
    # module name = str("posix"): the result of a call while loading, so not a literal string.
    computed = b"\x80\x04\x8c\x08builtins\x8c\x03str\x93\x8c\x05posix\x85R\x8c\x06system\x93."
    (real,) = real_imports(computed)
    assert ("builtins", "str") in real  # the recorder stubs str, so the real load stops before resolving more
    ours = scan_imports(computed)
    assert (UNRESOLVED, "system") in ours.imports


def test_a_header_less_member_of_any_name_is_scanned_within_the_budget() -> None:
    ours = scan_imports(unnamed_member_flood())
    assert ours.unscannable == f"it holds more than {MAX_OPCODES} pickle opcodes"


def test_one_byte_budget_for_the_whole_archive() -> None:
    import io

    buffer = io.BytesIO()
    half = MAX_UNZIPPED_BYTES // 2 + 1
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.dat", b"N" * half)  # each member alone is within the budget, together they are not
        archive.writestr("b.npy", b"N" * half)
    assert "more than" in scan_imports(buffer.getvalue()).unscannable


def test_a_huge_length_prefix_is_refused_before_reading() -> None:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.joblib", b"\x80\x04\x8e" + (2**40).to_bytes(8, "little") + b"\0" * 100)  # BINBYTES8
    assert "more than" in scan_imports(buffer.getvalue()).unscannable


# -- property: on ordinary object graphs, ours equals the real unpickler exactly -----------------------------------
atoms = st.one_of(
    st.integers(-2**70, 2**70), st.text(max_size=6), st.binary(max_size=6), st.none(), st.booleans(),
    st.floats(allow_nan=False), st.complex_numbers(allow_nan=False, allow_infinity=False, max_magnitude=1e6),
    st.dates().map(lambda d: datetime.date(d.year, d.month, d.day)),
    st.integers(0, 10**6).map(lambda s: datetime.timedelta(seconds=s)),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.fractions(max_denominator=100).map(fractions.Fraction),
)


def _containers(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.lists(children, max_size=4), st.tuples(children, children),
        st.dictionaries(st.text(max_size=4), children, max_size=3),
        st.dictionaries(st.text(max_size=4), children, max_size=3).map(collections.OrderedDict),
        st.lists(st.text(max_size=3), max_size=4).map(collections.Counter),
        st.lists(children, max_size=3).map(collections.deque),
        st.frozensets(st.integers(0, 9), max_size=3), st.sets(st.text(max_size=3), max_size=3),
        st.binary(max_size=4).map(bytearray),
    )


graphs = st.recursive(atoms, _containers, max_leaves=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(graphs, min_size=1, max_size=3), st.integers(0, pickle.HIGHEST_PROTOCOL))
def test_imports_equal_the_real_unpicklers_on_object_graphs(values: list, protocol: int) -> None:
    shared = values + values  # the same objects again: memo GETs for every repeated object and string
    data = pickle.dumps(shared, protocol=protocol)
    (real,) = real_imports(data)
    ours = scan_imports(data)
    assert ours.unscannable == "" and ours.imports == real


def test_decimal_is_a_real_import() -> None:
    # A guard on the property above: it must exercise GLOBAL/STACK_GLOBAL, not only builtin containers.
    data = pickle.dumps([decimal.Decimal("1.5"), decimal.Decimal("2")], protocol=4)
    assert real_imports(data) == [{("decimal", "Decimal")}] and scan_imports(data).imports == {("decimal", "Decimal")}
