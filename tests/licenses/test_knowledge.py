import re
from pathlib import Path

import pytest

from auditor.licenses.knowledge import FACT_KINDS, load_knowledge

HUB_IDS = [
    line.strip() for line in (Path(__file__).parent / "hub_license_ids.txt").read_text().splitlines() if line.strip()
]
KNOWLEDGE = load_knowledge()
CATEGORIES = {"osi-approved", "open-data", "non-commercial", "vendor-community", "responsible-ai", "other"}


def test_all_yaml_load():
    assert len(KNOWLEDGE.licenses) >= 80
    assert len({lic.spdx.lower() for lic in KNOWLEDGE.licenses}) == len(KNOWLEDGE.licenses)


@pytest.mark.parametrize("hub_id", HUB_IDS)
def test_hub_id_maps_to_exactly_one_file(hub_id):
    owners = [lic.key for lic in KNOWLEDGE.licenses if hub_id in lic.hub_ids]
    if hub_id in {"unknown", "other"}:
        assert owners == []  # they mean "not established"
    else:
        assert len(owners) == 1, owners


def test_no_unknown_hub_ids():
    claimed = {h for lic in KNOWLEDGE.licenses for h in lic.hub_ids}
    assert claimed <= set(HUB_IDS)


@pytest.mark.parametrize("lic", KNOWLEDGE.licenses, ids=lambda lic: lic.key)
def test_facts_and_fields_valid(lic):
    assert lic.category in CATEGORIES
    for fact in lic.facts:
        assert fact.kind in FACT_KINDS
        assert fact.summary
        for pattern in fact.patterns:
            re.compile(pattern)
    for policy in lic.policies:
        assert KNOWLEDGE.by_key(policy) is not None
    if lic.osi_approved and lic.reviewed:
        failing = {"non-commercial", "research-only", "use-restrictions", "user-threshold", "no-derivatives"}
        assert not failing & {f.kind for f in lic.facts}


def test_boost_is_not_business_source():
    assert KNOWLEDGE.by_hub_id("bsl-1.0").spdx == "BSL-1.0"
    assert KNOWLEDGE.by_scancode_key("bsl-1.0") is None
    assert KNOWLEDGE.by_scancode_key("boost-1.0").key == "bsl-1.0"


WITH_PATTERNS = [lic for lic in KNOWLEDGE.licenses if lic.scancode_keys and any(f.patterns for f in lic.facts)]


@pytest.mark.parametrize("lic", WITH_PATTERNS, ids=lambda lic: lic.key)
def test_fact_patterns_locate_clause_in_real_text(lic, scancode_text):
    text = scancode_text(lic.scancode_keys[0])
    assert text is not None
    for fact in lic.facts:
        if fact.patterns:
            assert fact.locate(text) is not None, (fact.kind, fact.section)
