"""Property-based fuzzing of the parsers that read what anyone can write: model cards, license texts, safetensors
headers, pickles and the Hub's scan results. Each raises nothing but its documented error."""

from __future__ import annotations

import json
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.card import CardText, card_findings, parse_card
from auditor.evidence import READ_OK, RepoEvidence, RepoFile, TextFile
from auditor.licenses.heuristics import RedFlag, red_flags
from auditor.safetensors_header import DTYPE_BYTES, SafetensorsHeader, SafetensorsHeaderError, parse_header
from auditor.weights_safety import CLEAN, DANGEROUS, UNRESOLVABLE, UNSCANNABLE, safety_findings, scan_pickle

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
yaml_fragments = st.lists(st.sampled_from([
    "license: mit", "license:", "- a", "  - b", "&a x", "*a", "[", "]", "{", "}", ": :", "? key", "!!python/object:os.system",
    "'quote", '"dq', "\t", "key: [1, 2", "base_model: 3", "datasets: {a: b}", "|", ">", "---", "...", "#", "%YAML 1.1",
    "\x00", "\ufeff", "a: &x [*x]", "<<: *a",
]) | st.text(max_size=20), max_size=30).map("\n".join)


# -- model cards ----------------------------------------------------------------------------------------------------
@FUZZ
@given(st.text(max_size=3000))
def test_parse_card_never_raises_on_any_text(text: str) -> None:
    card = parse_card(text)
    assert isinstance(card, CardText) and isinstance(card.metadata, dict)
    assert card.body_offset >= 1


@FUZZ
@given(yaml_fragments, st.text(max_size=200))
def test_parse_card_never_raises_on_yaml_like_front_matter(front: str, body: str) -> None:
    card = parse_card(f"---\n{front}\n---\n{body}")
    assert isinstance(card.metadata, dict)
    assert all(isinstance(p, str) and "\n" not in p for p in card.problems)


@FUZZ
@given(st.dictionaries(st.sampled_from(["license", "datasets", "base_model", "language", "tags", "pipeline_tag",
                                        "library_name", "license_name", "license_link", "base_model_relation", "x"]),
                       json_values, max_size=6),
       st.sampled_from(["ok", "binary", "too-large", "error"]), st.text(max_size=500))
def test_card_findings_never_raise_on_any_card_data(card_data: dict, status: str, readme: str) -> None:
    evidence = RepoEvidence(repo_id="acme/x", revision="0" * 40, source="hub", fetched_at="2026-01-01T00:00:00Z",
                            card_data=card_data, files=(RepoFile("README.md", len(readme)),),
                            texts=(TextFile("README.md", status, readme if status in (READ_OK, "too-large") else None),))
    for finding in card_findings(evidence):
        assert set(finding) == {"kind", "severity", "detail", "location"}
        assert finding["severity"] in ("info", "warning", "critical")


# -- license text heuristics ----------------------------------------------------------------------------------------
license_words = st.lists(st.sampled_from([
    "non-commercial", "research purposes only", "monthly active users", "700", "million", "annual revenue",
    "acceptable use policy", "outputs", "train", "other", "models", "may not be used in the", "European Union",
    "no derivatives", ".", "\n\n", ";", "!", "the", "you", "shall", "\n", " ", "1,000,000",
]) | st.text(max_size=15), max_size=80).map(" ".join)


@FUZZ
@given(st.text(max_size=5000) | license_words)
def test_red_flags_never_raise(text: str) -> None:
    lines = text.count("\n") + 1
    for flag in red_flags(text):
        assert isinstance(flag, RedFlag)
        assert 1 <= flag.line_start <= flag.line_end <= lines
        assert len(flag.sentence) <= 200


# -- safetensors headers --------------------------------------------------------------------------------------------
@FUZZ
@given(st.binary(max_size=600), st.none() | st.integers(min_value=-10, max_value=10**12))
def test_parse_header_raises_only_its_error_on_any_bytes(raw: bytes, size: int | None) -> None:
    try:
        header = parse_header(raw, size)
    except SafetensorsHeaderError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert isinstance(header, SafetensorsHeader)


tensor = st.fixed_dictionaries({
    "dtype": st.sampled_from([*DTYPE_BYTES, "F128", "", "f32"]) | json_values,
    "shape": st.lists(st.integers(min_value=-2, max_value=40), max_size=3) | json_values,
    "data_offsets": st.lists(st.integers(min_value=-5, max_value=5000), min_size=0, max_size=3) | json_values,
})


@FUZZ
@given(st.dictionaries(st.text(max_size=8), tensor | json_values, max_size=5),
       st.none() | st.dictionaries(st.text(max_size=5), json_values, max_size=3) | json_values,
       st.integers(min_value=0, max_value=6000), st.booleans())
def test_parse_header_on_structured_headers(tensors: dict, metadata: object, data_size: int, lie: bool) -> None:
    body = dict(tensors)
    if metadata is not None:
        body["__metadata__"] = metadata
    raw = json.dumps(body).encode()
    declared = len(raw) + (7 if lie else 0)
    blob = struct.pack("<Q", declared) + raw
    try:
        header = parse_header(blob, 8 + len(raw) + data_size)
    except SafetensorsHeaderError:
        return
    # Accepted: every tensor has a known dtype, a sane shape and offsets that fit the data, without overlap.
    spans = sorted((t["data_offsets"][0], t["data_offsets"][1]) for k, t in tensors.items() if k != "__metadata__")
    assert all(end <= data_size for _, end in spans)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:], strict=False))
    assert header.total == sum(header.parameters.values())


# -- pickles and the Hub's scan -------------------------------------------------------------------------------------
pickle_ops = st.lists(st.sampled_from([
    b"\x80\x02", b"\x80\x04", b"cos\nsystem\n", b"cbuiltins\neval\n", b"ccollections\nOrderedDict\n", b"\x93",
    b"\x8c\x02os\x94", b"\x8c\x06system\x94", b"h\x00", b"h\x01", b"q\x00", b"X\x01\x00\x00\x00a", b")", b"R", b"(",
    b"t", b"N", b"0", b".", b"K\x01", b"\x85", b"}", b"u", b"S'x'\n", b"ios\nsystem\n", b"PK\x03\x04",
]) | st.binary(max_size=8), max_size=40).map(b"".join)


@FUZZ
@given(pickle_ops | st.binary(max_size=400))
def test_scan_pickle_never_raises(data: bytes) -> None:
    check = scan_pickle("model.bin", data)
    assert check.status in (CLEAN, DANGEROUS, UNRESOLVABLE, UNSCANNABLE)
    assert (check.status in (DANGEROUS, UNRESOLVABLE)) == bool(check.dangerous)


@FUZZ
@given(pickle_ops)
def test_an_os_system_global_is_always_caught(prefix: bytes) -> None:
    check = scan_pickle("model.pkl", b"\x80\x02cos\nsystem\n" + prefix)
    assert check.status == DANGEROUS and "os.system" in check.dangerous


@FUZZ
@given(json_values, st.lists(st.sampled_from(["a.bin", "b.pt", "c.safetensors", "d/e.pkl"]), max_size=4))
def test_safety_findings_never_raise_on_any_hub_scan(security: object, paths: list[str]) -> None:
    evidence = RepoEvidence(repo_id="acme/x", revision="0" * 40, source="hub", fetched_at="2026-01-01T00:00:00Z",
                            files=tuple(RepoFile(p, 1) for p in paths),
                            security=security if isinstance(security, dict) else None)
    found, scans = safety_findings(evidence)
    assert len(scans) == len([p for p in paths if not p.endswith(".safetensors")])
    assert all(f["severity"] in ("info", "warning", "critical") for f in found)


@FUZZ
@given(st.integers(min_value=1, max_value=200_000), st.sampled_from([b"[", b"{\"a\":"]))
def test_parse_header_survives_deep_nesting(depth: int, opener: bytes) -> None:
    closer = b"]" if opener == b"[" else b"}"
    raw = opener * depth + b"1" * (opener != b"[") + closer * depth
    try:
        parse_header(struct.pack("<Q", len(raw)) + raw)
    except SafetensorsHeaderError:
        pass
