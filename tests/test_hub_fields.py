"""Hostile model_info replies (issue 14, hub side): each case of tests/hubdata_hubfields.py ends in evidence and a
report whose problems name the field that was dropped, never an exception later (OverflowError, TypeError), and
never a request or a path built from a value the server should not control.

Before the fix, per case: tags-number, siblings-number, lfs-list and total-many raised TypeError/ValueError inside
the live Hub (exit 70 through the CLI); parameters-10e400 and header-2e1088 gave a parameter count that broke
`site build` with OverflowError; other-id reported (and stored) the audit under the other model's id;
base-model-flood asked for all 100 parents; license-newline requested `license.md%0A`; token-echo carried the token
into the evidence and the report."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from auditor.audit import audit
from auditor.errors import InvalidHubAnswer
from auditor.hub.fields import MAX_BASE_MODELS, MAX_DATASETS, MAX_SIBLINGS, read_model_info
from auditor.hub.live import LICENSE_FILE, LiveHub, RetryPolicy
from tests.hubdata_hubfields import ECHOED_TOKEN, MANY_BASES, MANY_DATASETS, NS

FAST = RetryPolicy(attempts=2, base_delay=0.0, max_delay=0.0, budget=30.0)


def run(repo_id: str, token: str | bool = False) -> dict:
    return audit(repo_id, hub=LiveHub(token=token, retry=FAST))


def problem(*fields: str) -> Callable[[dict], None]:
    def check(report: dict) -> None:
        named = {p["what"] for p in report["problems"]}
        for wanted in fields:
            assert wanted in named, f"{wanted} not in {named}"
    return check


def parameters_unknown(*fields: str) -> Callable[[dict], None]:
    def check(report: dict) -> None:
        problem(*fields)(report)
        assert report["weights"]["parameters"] is None
    return check


def _total_from_headers(report: dict) -> None:
    problem("model_info.safetensors.total")(report)
    assert report["weights"]["parameters"] == 16  # the Hub's summary was refused; the header was read instead


def _header_2e1088(report: dict) -> None:
    assert report["weights"]["parameters"] is None
    assert "corrupt-safetensors-header" in {f["kind"] for f in report["weights"]["findings"]}


def _case_id(report: dict) -> None:
    assert report["model"]["id"] == f"{NS}/CASE-ID"  # the Hub's spelling of the id asked for
    assert report["problems"] == []  # files are read under the id asked for


def _base_flood(report: dict) -> None:
    problem("cardData.base_model")(report)
    assert str(MANY_BASES) in next(p["detail"] for p in report["problems"] if p["what"] == "cardData.base_model")


OUTCOMES: dict[str, Callable[[dict], None]] = {
    f"{NS}/tags-number": problem("model_info.tags"),
    f"{NS}/siblings-number": problem("model_info.siblings"),
    f"{NS}/lfs-list": problem("model_info.siblings[].lfs"),
    f"{NS}/total-many": _total_from_headers,
    f"{NS}/parameters-10e400": parameters_unknown("model_info.safetensors.parameters"),
    f"{NS}/header-2e1088": _header_2e1088,
    f"{NS}/counts-wrong": problem("model_info.downloads", "model_info.likes", "model_info.gated",
                                  "model_info.createdAt"),
    f"{NS}/case-id": _case_id,
    f"{NS}/base-model-flood": _base_flood,
    f"{NS}/datasets-flood": problem(),  # unchecked datasets are the data probes' business, not a failed read
    f"{NS}/license-newline": problem(),
}


@pytest.mark.parametrize("repo_id", list(OUTCOMES))
def test_hostile_model_info_gives_a_report_naming_the_bad_field(repo_id: str, hub_log: list[dict]) -> None:
    report = run(repo_id)
    assert report["schema"] == "auditor.report/1"
    json.dumps(report, allow_nan=False)  # every number is a plain JSON number
    OUTCOMES[repo_id](report)


def test_an_answer_about_another_model_is_refused(hub_log: list[dict]) -> None:
    with pytest.raises(InvalidHubAnswer) as raised:
        run(f"{NS}/other-id")
    assert "victim/other-model" in raised.value.message and raised.value.exit_code == 4
    assert [r["path"] for r in hub_log] == [f"/api/models/{NS}/other-id"]  # nothing read on its strength


def test_base_model_flood_follows_at_most_the_cap(hub_log: list[dict]) -> None:
    run(f"{NS}/base-model-flood")
    parents = {r["path"] for r in hub_log if r["path"].startswith(f"/api/models/{NS}/parent-")}
    assert len(parents) == MAX_BASE_MODELS < MANY_BASES


def test_datasets_flood_looks_up_at_most_the_cap(hub_log: list[dict]) -> None:
    run(f"{NS}/datasets-flood")
    lookups = [r for r in hub_log if r["path"].startswith("/api/datasets/")]
    assert len(lookups) == MAX_DATASETS < MANY_DATASETS


def test_sibling_names_with_a_newline_are_not_license_files(hub_log: list[dict]) -> None:
    run(f"{NS}/license-newline")
    requested = [r["path"] for r in hub_log if "/resolve/" in r["path"]]
    assert any(p.endswith("/LICENSE.md") for p in requested)
    assert not [p for p in requested if "%0A" in p or "\n" in p]
    assert LICENSE_FILE.fullmatch("license.md") and not LICENSE_FILE.fullmatch("license.md\n")


def test_a_token_echoed_into_files_is_masked_in_evidence_and_report(hub_log: list[dict]) -> None:
    hub = LiveHub(token=ECHOED_TOKEN, retry=FAST)
    evidence = hub.repo(f"{NS}/token-echo")
    assert any(r["auth"] == ECHOED_TOKEN for r in hub_log)  # it was sent, and the files do contain it
    assert ECHOED_TOKEN not in json.dumps(evidence.to_dict())
    assert "***" in (evidence.text("LICENSE").content or "")
    assert ECHOED_TOKEN not in json.dumps(audit(f"{NS}/token-echo", hub=hub))


def test_unrelated_token_shaped_words_in_files_are_kept() -> None:
    from auditor.errors import redact_secrets, register_secret

    register_secret("hf_SomeRegisteredToken77")
    assert redact_secrets("pip install hf_transfer; hf_SomeRegisteredToken77") == "pip install hf_transfer; ***"


# -- the validation rules themselves (no Hub) ---------------------------------------------------------------------
@pytest.mark.parametrize(("field", "value", "what"), [
    ("tags", 5, "model_info.tags"),
    ("siblings", {"a": 1}, "model_info.siblings"),
    ("downloads", 2**70, "model_info.downloads"),
    ("downloads", True, "model_info.downloads"),
    ("likes", 1.5, "model_info.likes"),
    ("sha", "../../etc", "model_info.sha"),
    ("cardData", [1], "model_info.cardData"),
    ("config", "x", "model_info.config"),
    ("baseModels", [], "model_info.baseModels"),
    ("private", "yes", "model_info.private"),
])
def test_each_wrong_typed_field_is_one_problem(field: str, value: object, what: str) -> None:
    info = read_model_info({"id": "a/b", "sha": "0" * 40, field: value})
    assert [p.what for p in info.problems] == [what]


def test_sibling_listing_is_capped_and_said_so() -> None:
    info = read_model_info({"siblings": [{"rfilename": f"f{n}"} for n in range(MAX_SIBLINGS + 5)]})
    assert len(info.files) == MAX_SIBLINGS
    assert [p.what for p in info.problems] == ["model_info.siblings"]


def test_a_valid_reply_has_no_problem() -> None:
    info = read_model_info({"id": "a/b", "sha": "a" * 40, "gated": "manual", "tags": ["x"], "downloads": 3,
                            "siblings": [{"rfilename": "m.safetensors", "size": 8, "lfs": {"sha256": "c" * 64}}],
                            "safetensors": {"parameters": {"BF16": 7}, "total": 7}, "cardData": {"license": "mit"}})
    assert info.problems == []
    assert (info.gated, info.files[0].lfs_sha256, info.safetensors.total) == ("manual", "c" * 64, 7)
