"""History rows, the timeline sentences and the Atom feed of recent changes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from auditor.history import (
    ATOM_NS,
    append_history,
    atom_feed,
    change_id,
    compact,
    events,
    evidence_commit_date,
    history_path,
    load_all_histories,
    load_history,
    read_history,
    recent_changes,
    render_events,
    rfc3339,
    timeline,
)

CRITERIA = ("free-redistribution", "persons-groups", "fields-of-endeavor", "data-transparency")


def make_report(model: str = "tiiuae/falcon-40b", *, declared: object = "other", key: str | None = "tii-falcon-llm",
                classification: str = "restricted", statuses: dict[str, str] | None = None,
                revision: str = "a" * 40, audited_at: str = "2026-11-23T12:00:00Z",
                snapshot_date: str | None = "2023-05-25", effective: str | None = "LicenseRef-tii-falcon-llm",
                identified: str | None = "LicenseRef-tii-falcon-llm") -> dict:
    """The fields of the report contract that history reads (a real report has more; history ignores them)."""
    statuses = statuses or dict.fromkeys(CRITERIA, "fail")
    report = {
        "schema": "auditor.report/1", "audited_at": audited_at, "criteria_version": "1.0.0",
        "source": "snapshot" if snapshot_date else "hub",
        "model": {"id": model, "revision": revision, "gated": False, "url": f"https://huggingface.co/{model}"},
        "license": {"declared": declared, "identified": identified, "name": None, "osi_approved": None,
                    "source": "card", "key": key},
        "criteria": [{"id": c, "status": s, "summary": "", "evidence": []} for c, s in statuses.items()],
        "classification": classification,
        "lineage": {"ancestors": [], "effective_license": effective, "findings": []},
    }
    if snapshot_date:
        report["snapshot_date"] = snapshot_date
    return report


FALCON_2023 = make_report()
FALCON_APACHE = make_report(declared="apache-2.0", key="apache-2.0", identified="Apache-2.0", effective="Apache-2.0",
                            classification="open-weights", snapshot_date="2023-06-01", revision="b" * 40,
                            statuses={**dict.fromkeys(CRITERIA, "pass"), "data-transparency": "partial"})


def test_compact_row_keeps_what_the_timeline_needs() -> None:
    row = compact(FALCON_2023)
    assert row["model"] == "tiiuae/falcon-40b"
    assert row["date"] == "2023-05-25"  # a snapshot is dated by its snapshot, not by when it was re-scored
    assert row["declared"] == "other" and row["license_key"] == "tii-falcon-llm"
    assert row["criteria"] == dict.fromkeys(CRITERIA, "fail")
    live = compact(make_report(snapshot_date=None))
    assert live["date"] == "2026-11-23T12:00:00Z" and live["source"] == "hub"


def test_append_only_when_the_outcome_changed(tmp_path: Path) -> None:
    assert append_history(tmp_path, FALCON_2023) is True
    # The same outcome audited again a week later adds nothing.
    assert append_history(tmp_path, make_report(audited_at="2026-11-30T12:00:00Z")) is False
    assert append_history(tmp_path, FALCON_APACHE) is True
    path = history_path(tmp_path, "tiiuae/falcon-40b")
    assert path == tmp_path / "history" / "tiiuae" / "falcon-40b.jsonl"
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(line)["model"] == "tiiuae/falcon-40b" for line in lines)
    assert [r["classification"] for r in load_history(tmp_path, "tiiuae/falcon-40b")] == ["restricted",
                                                                                         "open-weights"]


def test_backfilled_history_is_compared_by_date(tmp_path: Path) -> None:
    """Today's audit first, then an older snapshot recorded after it: both are kept and the timeline is in order."""
    assert append_history(tmp_path, FALCON_APACHE) is True
    assert append_history(tmp_path, FALCON_2023) is True
    assert append_history(tmp_path, FALCON_2023) is False  # the same backfill again
    sentences = [c.sentence for c in timeline(load_history(tmp_path, "tiiuae/falcon-40b"))]
    assert sentences[0].startswith("first audited: classified restricted")
    assert "classification changed from restricted to open-weights" in sentences


def test_legacy_ids_and_torn_lines(tmp_path: Path) -> None:
    append_history(tmp_path, make_report("gpt2", declared="mit", key="mit", classification="open-weights"))
    path = history_path(tmp_path, "gpt2")
    assert path == tmp_path / "history" / "gpt2.jsonl"
    with path.open("a") as handle:
        handle.write('{"model": "gpt2", "date": "2026-')  # a crash mid-write
    assert len(load_history(tmp_path, "gpt2")) == 1
    # The next append starts on a fresh line, so the torn one stays isolated.
    append_history(tmp_path, make_report("gpt2", declared="apache-2.0", key="apache-2.0",
                                         classification="open-weights", snapshot_date="2024-01-01"))
    assert [r["declared"] for r in load_history(tmp_path, "gpt2")] == ["mit", "apache-2.0"]
    assert load_all_histories(tmp_path).keys() == {"gpt2"}


def test_timeline_says_what_changed_in_plain_words() -> None:
    rows = [compact(FALCON_APACHE), compact(FALCON_2023)]  # out of order on purpose: sorted by date
    changes = timeline(rows)
    sentences = [c.sentence for c in changes]
    assert sentences[0] == "first audited: classified restricted, license other (tii-falcon-llm)"
    assert "license changed from other (tii-falcon-llm) to apache-2.0" in sentences
    assert "classification changed from restricted to open-weights" in sentences
    assert "persons-groups changed from fail to pass" in sentences
    assert "data-transparency changed from fail to partial" in sentences
    assert f"new revision {'b' * 12} (was {'a' * 12})" in sentences
    assert {c.date for c in changes[1:]} == {"2023-06-01"}
    assert changes[0].kind == "first-audit" and {c.kind for c in changes[1:]} >= {"license", "classification",
                                                                                   "criterion", "revision"}


def test_a_revision_no_page_showed_reads_not_known_never_none() -> None:
    before, after = compact(FALCON_2023), compact(FALCON_APACHE)
    after["revision"] = None  # a snapshot state without a full commit id
    sentences = [c.sentence for c in timeline([before, after])]
    assert f"new revision not known (was {'a' * 12})" in sentences
    assert not any("none" in s for s in sentences if s.startswith("new revision"))


def test_timeline_of_a_declared_license_change() -> None:
    before = compact(make_report(declared="tii-falcon-llm", key=None))
    after = compact(make_report(declared="apache-2.0", key="apache-2.0", snapshot_date="2023-06-01"))
    (change,) = [c for c in timeline([before, after]) if c.kind == "license"]
    assert change.sentence == "license changed from tii-falcon-llm to apache-2.0"
    assert (change.before, change.after) == ("tii-falcon-llm", "apache-2.0")


def test_timeline_of_nothing_and_of_list_licenses() -> None:
    assert timeline([]) == []
    (first,) = timeline([compact(make_report(declared=["mit", "apache-2.0"], key="mit"))])
    assert first.sentence.endswith("license mit, apache-2.0")


def test_recent_changes_newest_first_across_models(tmp_path: Path) -> None:
    append_history(tmp_path, FALCON_2023)
    append_history(tmp_path, FALCON_APACHE)
    append_history(tmp_path, make_report("acme/new", declared="mit", key="mit", classification="open-weights",
                                         snapshot_date="2024-02-02"))
    changes = recent_changes(tmp_path)
    assert changes[0].model == "acme/new" and changes[0].kind == "first-audit"
    assert [c.date for c in changes] == sorted((c.date for c in changes), reverse=True)
    only_changes = recent_changes(tmp_path, include_first_audits=False)
    assert only_changes and all(c.kind != "first-audit" for c in only_changes)
    assert len(recent_changes(tmp_path, limit=2)) == 2


def test_atom_feed_is_valid_atom_with_escaped_text() -> None:
    hostile = make_report("evil/model", declared="<script>alert(1)</script> & \x07bell", key=None,
                          snapshot_date="2024-04-04")
    changes = timeline([compact(FALCON_2023), compact(FALCON_APACHE)]) + timeline([compact(hostile)])
    feed_text = atom_feed(changes, "https://audit.example.org/site/")
    assert "<script>" not in feed_text and "\x07" not in feed_text
    root = ElementTree.fromstring(feed_text.encode("utf-8"))
    a = f"{{{ATOM_NS}}}"
    assert root.tag == f"{a}feed"
    # RFC 4287 §4.1.1: a feed has exactly one id, title and updated, an author, and a self link.
    for tag in ("id", "title", "updated"):
        assert len(root.findall(f"{a}{tag}")) == 1, tag
    assert root.find(f"{a}author/{a}name").text
    self_link = [link for link in root.findall(f"{a}link") if link.get("rel") == "self"]
    assert self_link[0].get("href") == "https://audit.example.org/site/changes.xml"
    entries = root.findall(f"{a}entry")
    assert len(entries) == len(changes)
    stamp = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
    ids = [e.find(f"{a}id").text for e in entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("urn:uuid:") for i in ids)
    for entry in entries:
        assert stamp.match(entry.find(f"{a}updated").text)
        assert entry.find(f"{a}title").text and entry.find(f"{a}link").get("href").startswith("https://")
    titles = [e.find(f"{a}title").text for e in entries]
    assert "tiiuae/falcon-40b: license changed from other (tii-falcon-llm) to apache-2.0" in titles
    assert any("<script>alert(1)</script> & bell" in t for t in titles)  # the text survives, as text
    assert root.find(f"{a}updated").text == "2024-04-04T00:00:00Z"  # the newest change


def test_atom_ids_are_stable_and_links_overridable() -> None:
    changes = timeline([compact(FALCON_2023), compact(FALCON_APACHE)])
    assert [change_id(c) for c in changes] == [change_id(c) for c in timeline([compact(FALCON_2023),
                                                                                compact(FALCON_APACHE)])]
    feed = atom_feed(changes, "https://x.test", model_url=lambda base, m: f"{base}/m/{m}/")
    assert 'href="https://x.test/m/tiiuae/falcon-40b/"' in feed
    empty = ElementTree.fromstring(atom_feed([], "https://x.test"))
    assert empty.find(f"{{{ATOM_NS}}}updated").text == "1970-01-01T00:00:00Z"


@pytest.mark.parametrize(("value", "expected"), [
    ("2023-06-01", "2023-06-01T00:00:00Z"),
    ("2026-11-23T12:00:00Z", "2026-11-23T12:00:00Z"),
    ("2026-11-23T14:00:00+02:00", "2026-11-23T12:00:00Z"),
    ("not a date", "1970-01-01T00:00:00Z"),
    (None, "1970-01-01T00:00:00Z"),
])
def test_rfc3339(value: str | None, expected: str) -> None:
    assert rfc3339(value) == expected


def test_batch_records_history(tmp_path: Path, fake_hub) -> None:
    """The batch appends a row per audited model; re-auditing the same outcome adds none."""
    from auditor.batch import run_batch
    from auditor.hub.live import LiveHub
    from tests.hubdata_publishing import MIT_FINETUNE, OPEN_MODEL

    run_batch([OPEN_MODEL, MIT_FINETUNE], tmp_path, hub=LiveHub(token=False, endpoint=fake_hub.url))
    first = load_all_histories(tmp_path)
    assert set(first) == {OPEN_MODEL, MIT_FINETUNE}
    assert first[MIT_FINETUNE][0]["classification"] == "restricted"
    run_batch([OPEN_MODEL, MIT_FINETUNE], tmp_path, hub=LiveHub(token=False, endpoint=fake_hub.url), force=True)
    assert {k: len(v) for k, v in load_all_histories(tmp_path).items()} == {OPEN_MODEL: 1, MIT_FINETUNE: 1}


def test_cli_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.cli import main

    append_history(tmp_path, FALCON_2023)
    append_history(tmp_path, FALCON_APACHE)

    def cli(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        captured = capsys.readouterr()
        return int(exit_info.value.code or 0), captured.out, captured.err

    code, out, _ = cli("history", "tiiuae/falcon-40b", "--reports", str(tmp_path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "History of tiiuae/falcon-40b (dates are those of the commits the evidence shows):"
    # The rows carry no commit date (snapshot reports without one): no date is shown, never the compile date.
    assert lines[1].startswith("  undated     first recorded: classified restricted")
    assert lines[2] == "  undated     license changed from other (tii-falcon-llm) to apache-2.0"
    assert "2023-06-01" not in out and "2023-05-25" not in out
    code, out, _ = cli("history", "tiiuae/falcon-40b", "--reports", str(tmp_path), "--format", "json")
    assert [e["kind"] for e in json.loads(out)] == ["first-audit", "license"]
    code, out, err = cli("history", "acme/never-audited", "--reports", str(tmp_path))
    assert code == 3 and out == "" and len(err.strip().splitlines()) == 1 and "No audit history" in err
    code, _, err = cli("history", "../etc/passwd", "--reports", str(tmp_path))
    assert code == 2 and len(err.strip().splitlines()) == 1


def dated(report: dict, commit_date: str) -> dict:
    return {**report, "card": {"last_modified": f"{commit_date}T10:00:00.000Z"}}


def test_history_rows_carry_the_commit_date_the_evidence_shows() -> None:
    assert compact(FALCON_2023)["commit_date"] is None  # none read: none invented
    assert compact(dated(FALCON_2023, "2023-05-26"))["commit_date"] == "2023-05-26"
    assert compact({**FALCON_2023, "card": {"last_modified": "soon"}})["commit_date"] is None


@pytest.mark.parametrize(("evidence", "expected"), [
    ({"last_modified": "2024-02-01T00:00:00Z", "provenance": []}, "2024-02-01"),
    # snapshot facts: the entry naming the audited commit wins over a later one about what followed
    ({"revision": "6e61c89591cc" + "0" * 28, "provenance": [
        {"url": "https://example.org/commit/6e61c89591cc", "date": "2023-05-26", "date_basis": "commit"},
        {"url": "https://example.org/commit/9c576b6", "date": "2023-05-31", "date_basis": "commit"}]}, "2023-05-26"),
    ({"revision": "f" * 40, "provenance": [
        {"url": "https://example.org/commit/9c576b6", "date": "2023-05-31", "date_basis": "commit"},
        {"url": "https://example.org/tree/main", "date": "2026-11-23", "date_basis": "consulted"}]}, "2023-05-31"),
    # only pages consulted (the compile date): no commit date
    ({"revision": "f" * 40, "provenance": [{"url": "u", "date": "2026-11-23", "date_basis": "consulted"}]}, None),
    ({}, None),
])
def test_evidence_commit_date(evidence: dict, expected: str | None) -> None:
    assert evidence_commit_date(evidence) == expected


def test_a_license_change_is_one_event_with_what_came_with_it() -> None:
    rows = [compact(dated(FALCON_2023, "2023-05-26")), compact(dated(FALCON_APACHE, "2023-05-31"))]
    first, change = events(rows)
    assert (first.date, first.headline.kind) == ("2023-05-26", "first-audit")
    assert (change.date, change.headline.kind) == ("2023-05-31", "license")
    assert {c.kind for c in change.with_it} == {"identified-license", "effective-license", "classification",
                                                "criterion", "revision"}
    text = render_events("tiiuae/falcon-40b", [first, change])
    lines = text.splitlines()
    assert lines[2] == "  2023-05-31  license changed from other (tii-falcon-llm) to apache-2.0"
    # criteria that moved the same way share one line under the headline
    assert "              - free-redistribution, persons-groups, fields-of-endeavor: fail → pass" in lines
    assert "              - data-transparency: fail → partial" in lines
    assert len(lines) == 9


def test_criteria_changes_without_a_headline_are_separate_events() -> None:
    before = compact(FALCON_2023)
    after = {**before, "criteria": {**before["criteria"], "persons-groups": "unknown"}}
    assert [e.headline.field for e in events([before, {**after, "date": "2024-01-01"}])] == ["", "persons-groups"]


def test_history_views_strip_terminal_escapes() -> None:
    hostile = make_report(declared="mit\x1b[2J\x9b31m", key=None)
    text = render_events("acme/x", events([compact(hostile)]))
    assert "\x1b" not in text and "\x9b" not in text and "mit[2J31m" in text


def test_history_ids_are_case_insensitive_and_typos_get_a_suggestion(tmp_path: Path) -> None:
    from auditor.history import find_history

    append_history(tmp_path, FALCON_2023)
    recorded, rows, close = find_history(tmp_path, "TIIUAE/Falcon-40B")
    assert recorded == "tiiuae/falcon-40b" and len(rows) == 1 and close == []
    recorded, rows, close = find_history(tmp_path, "tiiuae/falcon-4b")
    assert rows == [] and close == ["tiiuae/falcon-40b"]


def test_cli_history_of_the_bundled_falcon_relicensing(capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["history", "TIIUAE/falcon-40b"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    lines = out.splitlines()
    assert lines[0].startswith("History of tiiuae/falcon-40b")
    # dated by the commits the evidence cites (2023), never by the snapshot's compile date (2026)
    assert lines[1].startswith("  2023-05-26  first recorded: classified restricted")
    assert lines[2].startswith("  2023-05-31  license changed from none (tii-falcon-llm-1.0) to apache-2.0")
    assert "2026-" not in out
    assert all(line.startswith("              - ") for line in lines[3:])  # the rest came with the change
    with pytest.raises(SystemExit):
        main(["history", "tiiuae/falcon-4b"])
    assert "Did you mean tiiuae/falcon-40b" in capsys.readouterr().err


# (what a damaged history line holds). Before: a row whose `criteria` was a list (or whose fields had other types)
# crashed `audit history` and the site's timeline with exit 70; such a line is now skipped, as a torn line is.
DAMAGED_ROWS = [
    {"criteria": ["source", "pass"]},
    {"criteria": "pass"},
    {"date": 20230601},
    {"classification": ["open-source"]},
    {"model": ["tiiuae/falcon-40b"]},
]


@pytest.mark.parametrize("damage", DAMAGED_ROWS, ids=[json.dumps(d) for d in DAMAGED_ROWS])
def test_a_history_row_of_the_wrong_shape_is_skipped_not_a_crash(tmp_path: Path, damage: dict,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.cli import main

    append_history(tmp_path, FALCON_2023)
    path = history_path(tmp_path, "tiiuae/falcon-40b")
    row = {**compact(FALCON_APACHE), **damage}
    with path.open("a") as handle:
        handle.write(json.dumps(row) + "\n")
    assert len(read_history(path)) == 1
    with pytest.raises(SystemExit) as exit_info:
        main(["history", "tiiuae/falcon-40b", "--reports", str(tmp_path)])
    assert exit_info.value.code in (0, None) and "first recorded" in capsys.readouterr().out
