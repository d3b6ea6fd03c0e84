from __future__ import annotations

import pytest
from huggingface_hub.utils import HFValidationError
from huggingface_hub.utils import validate_repo_id as hf_validate
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.errors import InvalidRepoId
from auditor.repoid import validate_repo_id


@pytest.mark.parametrize("good", ["gpt2", "meta-llama/Llama-2-13b-hf", "a/b", "_x/y_", "Org.Name/model.v1", "x" * 96])
def test_valid_ids(good):
    assert validate_repo_id(good) == good


@pytest.mark.parametrize("bad", ["", "a/b/c", "/b", "a/", "a--b", "a..b", "-a", "a-", ".a", "a.", "x" * 97,
                                 "a b", "ünï/code", "аcme/model", "a/b\n", "../../etc/passwd"])
def test_invalid_ids(bad):
    with pytest.raises(InvalidRepoId) as info:
        validate_repo_id(bad)
    assert "\n" not in info.value.message


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("ab_-./Zé9 "), max_size=12))
def test_accepted_ids_are_accepted_by_huggingface_hub_too(candidate):
    try:
        validate_repo_id(candidate)
    except InvalidRepoId:
        return
    try:
        hf_validate(candidate)
    except HFValidationError as exc:  # pragma: no cover - would be a bug in our rules
        pytest.fail(f"we accept {candidate!r} but huggingface_hub does not: {exc}")
