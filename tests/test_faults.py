"""Faults between the auditor and the Hub: retries, backoff, Retry-After, budgets, timeouts, dead Hubs, secrets.

Faults come from the fake Hub (503 bursts, 429 with Retry-After, a hanging endpoint, a connection dropped
mid-body, truncated JSON). Waits are observed through a fake clock patched into auditor.hub.live, so no test
sleeps for real except where Retry-After must be honoured end to end (one second)."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from email.utils import formatdate
from pathlib import Path
from time import sleep
from time import time as wall_clock

import httpx2
import pytest

import auditor.hub.live as live
from auditor.audit import audit
from auditor.errors import HubUnreachable
from auditor.evidence import READ_ERROR, READ_OK
from auditor.hub.live import LiveHub, RetryPolicy
from tests.fakehub import FakeHub

AUDIT = str(Path(sys.executable).parent / "audit")
FAST = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, budget=30.0)


class FakeClock:
    """Stands in for the `time` module inside auditor.hub.live: sleeping advances the clock and is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(live, "time", fake)
    return fake


def statuses(log: list[dict], prefix: str) -> list[object]:
    return [r["status"] for r in log if r["path"].startswith(prefix)]


# -- retries and backoff --------------------------------------------------------------------------------------------
def test_503_burst_is_retried_until_it_passes(hub_log: list[dict], fake_hub: FakeHub, clock: FakeClock) -> None:
    fake_hub.inject_failure("/api/models/acme/tiny-apache", 503, count=3)
    hub = LiveHub(token=False, retry=RetryPolicy(attempts=4, base_delay=1.0, max_delay=8.0))
    evidence = hub.repo("acme/tiny-apache")
    assert evidence.problems == ()
    assert statuses(hub_log, "/api/models/acme/tiny-apache") == [503, 503, 503, 200]
    assert len(clock.sleeps) == 3


def test_backoff_grows_with_jitter_and_a_cap(hub_log: list[dict], fake_hub: FakeHub, clock: FakeClock) -> None:
    runs = []
    for _ in range(2):
        clock.sleeps.clear()
        fake_hub.inject_failure("/api/models/gpt2", 503, count=3)
        LiveHub(token=False, retry=RetryPolicy(attempts=4, base_delay=1.0, max_delay=3.0, budget=100)).repo("gpt2")
        runs.append(list(clock.sleeps))
    for sleeps in runs:
        first, second, third = sleeps
        assert 0.5 <= first <= 1.5 and 1.0 <= second <= 3.0  # base * 2^k, times a jitter in [0.5, 1.5)
        assert 1.5 <= third <= 4.5  # capped at max_delay (3) before the jitter
    assert runs[0] != runs[1]  # jitter: two audits do not retry in lockstep


def test_429_retry_after_seconds_is_honoured(hub_log: list[dict], fake_hub: FakeHub, clock: FakeClock) -> None:
    fake_hub.inject_fault("/api/models/gpt2", "status", status=429, headers={"Retry-After": "7"})
    LiveHub(token=False, retry=FAST).repo("gpt2")
    assert clock.sleeps == [7.0]
    assert statuses(hub_log, "/api/models/gpt2") == [429, 200]


def test_429_retry_after_http_date_is_honoured(hub_log: list[dict], fake_hub: FakeHub, clock: FakeClock) -> None:
    fake_hub.inject_fault("/api/models/gpt2", "status", status=429,
                          headers={"Retry-After": formatdate(wall_clock() + 20, usegmt=True)})
    LiveHub(token=False, retry=FAST).repo("gpt2")
    assert len(clock.sleeps) == 1 and 17 <= clock.sleeps[0] <= 21


def test_429_ratelimit_header_is_honoured(hub_log: list[dict], fake_hub: FakeHub, clock: FakeClock) -> None:
    fake_hub.inject_fault("/api/models/gpt2", "status", status=429,
                          headers={"RateLimit": '"api";r=0;t=12', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'})
    LiveHub(token=False, retry=FAST).repo("gpt2")
    assert clock.sleeps == [12.0]


@pytest.mark.parametrize("value", ["-5", "nan", "soon", ""])
def test_malformed_retry_after_never_breaks_the_retry(value: str, hub_log: list[dict], fake_hub: FakeHub,
                                                      clock: FakeClock) -> None:
    fake_hub.inject_fault("/api/models/gpt2", "status", status=429, headers={"Retry-After": value})
    evidence = LiveHub(token=False, retry=FAST).repo("gpt2")
    assert evidence.repo_id == "gpt2"
    assert len(clock.sleeps) == 1 and clock.sleeps[0] >= 0


def test_retry_after_beyond_the_budget_fails_at_once(hub_log: list[dict], fake_hub: FakeHub,
                                                     clock: FakeClock) -> None:
    fake_hub.inject_fault("/acme/tiny-apache/resolve/", "status", count=100, status=429,
                          headers={"Retry-After": "3600"})
    evidence = LiveHub(token=False, retry=RetryPolicy(attempts=4, budget=60)).repo("acme/tiny-apache")
    assert clock.sleeps == []  # an hour is more than the budget: no waiting, the file is unknown
    readme = evidence.text("README.md")
    assert readme is not None and readme.status == READ_ERROR
    assert "README.md" in {p.what for p in evidence.problems}


def test_total_budget_bounds_the_waiting(hub_log: list[dict], fake_hub: FakeHub, clock: FakeClock) -> None:
    fake_hub.inject_fault("/api/models/gpt2", "status", count=100, status=503, headers={"Retry-After": "2"})
    with pytest.raises(HubUnreachable):
        LiveHub(token=False, retry=RetryPolicy(attempts=10, budget=5.0)).repo("gpt2")
    assert clock.sleeps == [2.0, 2.0]  # a third wait would end past the 5-second budget
    assert len(statuses(hub_log, "/api/models/gpt2")) == 3


def test_retry_after_is_honoured_for_real(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_fault("/api/models/gpt2", "status", status=429, headers={"Retry-After": "1"})
    started = wall_clock()
    LiveHub(token=False, retry=FAST).repo("gpt2")
    waited = wall_clock() - started
    assert waited >= 0.9  # a lower bound only: the wait happened, however slow the machine is


# -- broken transports ----------------------------------------------------------------------------------------------
@pytest.mark.timeout(30)
def test_hanging_endpoint_times_out_and_the_file_is_unknown(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_fault("/acme/tiny-apache/resolve/", "hang", count=100, delay_s=20)
    evidence = LiveHub(token=False, timeout=0.3, retry=FAST).repo("acme/tiny-apache")
    readme = evidence.text("README.md")
    assert readme is not None and readme.status == READ_ERROR
    assert {p.what for p in evidence.problems} >= {"README.md", "LICENSE"}
    assert statuses(hub_log, "/acme/tiny-apache/resolve/").count("hang") == 2 * FAST.attempts


@pytest.mark.timeout(30)
def test_hanging_model_info_is_unreachable(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_fault("/api/models/gpt2", "hang", count=100, delay_s=20)
    with pytest.raises(HubUnreachable, match="could not be reached"):
        LiveHub(token=False, timeout=0.3, retry=FAST).repo("gpt2")


def test_connection_dropped_mid_body_is_retried(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_fault("/acme/tiny-apache/resolve/", "drop-mid-body", count=1)
    evidence = LiveHub(token=False, retry=FAST).repo("acme/tiny-apache")
    readme = evidence.text("README.md")
    assert readme is not None and readme.status == READ_OK and "Training data" in (readme.content or "")
    assert statuses(hub_log, "/acme/tiny-apache/resolve/")[:2] == ["dropped", 200]
    assert evidence.problems == ()


def test_connection_dropped_every_time_makes_the_file_unknown(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_fault("/acme/pickle-only/resolve/", "drop-mid-body", count=100)
    report = audit("acme/pickle-only", hub=LiveHub(token=False, retry=FAST))
    assert {p["what"] for p in report["problems"]} == {"README.md", "pytorch_model.bin"}
    scan = report["weights"]["scans"][0]  # the auditor could not scan it; the Hub's finished scan stands in
    assert (scan["path"], scan["source"], scan["status"]) == ("pytorch_model.bin", "hub", "safe")


def test_truncated_json_once_is_retried(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_fault("/api/models/gpt2", "truncated-json", count=1)
    evidence = LiveHub(token=False, retry=FAST).repo("gpt2")
    assert evidence.repo_id == "gpt2" and evidence.revision
    assert len(statuses(hub_log, "/api/models/gpt2")) == 2


def test_truncated_json_every_time_is_one_clear_error(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_fault("/api/models/gpt2", "truncated-json", count=100)
    with pytest.raises(HubUnreachable) as raised:
        LiveHub(token=False, retry=FAST).repo("gpt2")
    assert "not valid JSON" in raised.value.message and "\n" not in raised.value.message


def test_every_request_carries_an_explicit_timeout(hub_log: list[dict], monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    real = live.get_session()

    class Recording:
        def stream(self, method: str, url: str, **kwargs: object):  # noqa: ANN202 - httpx's own return type
            seen.append(kwargs.get("timeout"))
            return real.stream(method, url, **kwargs)

    monkeypatch.setattr(live, "get_session", lambda: Recording())
    hub = LiveHub(token=False, timeout=4.5, retry=FAST)
    for repo_id in ("acme/tiny-apache", "acme/pickle-only", "hostile/safetensors-overlap"):
        audit(repo_id, hub=hub)  # model_info, README, LICENSE, dataset, pickle fetch, safetensors range read
    assert len(hub.children("hostile/popular-base")) == 1000  # the model listing
    assert len(hub.current_shas(["hostile/cycle-a", "hostile/cycle-b", "hostile/self-loop"])) == 3
    assert len(seen) == hub.requests >= 11
    assert {(t.connect, t.read, t.write) for t in seen} == {(4.5, 4.5, 4.5)}  # connect: at most CONNECT_TIMEOUT


@pytest.mark.timeout(30)
def test_hanging_model_listing_is_unreachable(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_fault("/api/models", "hang", count=100, delay_s=20)
    with pytest.raises(HubUnreachable, match="could not list the derivatives"):
        LiveHub(token=False, timeout=0.3, retry=FAST).children("hostile/popular-base")


def test_a_failing_listing_page_is_retried_alone(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.page_size = 400
    try:
        fake_hub.inject_fault("/api/models", "status", count=1, status=503)  # the first page, once
        children = LiveHub(token=False, retry=FAST).children("hostile/popular-base")
    finally:
        fake_hub.page_size = 1000
    assert len(children) == 1000 and len({c.id for c in children}) == 1000
    assert statuses(hub_log, "/api/models") == [503, 200, 200, 200]  # 400 + 400 + 200, by Link headers


# -- failed requests are unknown, never pass or fail ----------------------------------------------------------------
def test_unreadable_card_makes_its_criteria_unknown(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_failure("/gpt2/resolve/", 503, count=100)
    report = audit("gpt2", hub=LiveHub(token=False, retry=FAST))
    assert [p["what"] for p in report["problems"]] == ["README.md"]
    status = {c["id"]: c["status"] for c in report["criteria"]}
    assert status["data-transparency"] == "unknown"
    assert "fail" not in status.values()


def test_failed_reads_never_pass(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_failure("/acme/tiny-apache/resolve/", 503, count=100)
    report = audit("acme/tiny-apache", hub=LiveHub(token=False, retry=FAST))
    status = {c["id"]: c["status"] for c in report["criteria"]}
    assert status["source"] == "unknown" and status["data-transparency"] != "pass"
    assert {p["what"] for p in report["problems"]} == {"README.md", "LICENSE"}


def test_failed_dataset_lookup_is_listed(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_failure("/api/datasets/", 503, count=100)
    report = audit("acme/tiny-apache", hub=LiveHub(token=False, retry=FAST))
    assert [p["what"] for p in report["problems"]] == ["dataset:acme/open-corpus"]
    dataset = next(d for d in report["card"]["datasets"] if d["id"] == "acme/open-corpus")
    assert dataset["exists"] is None


def test_failed_safetensors_header_read_leaves_parameters_unknown(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_failure("/hostile/safetensors-overlap/resolve/", 503, count=100, method="GET")
    report = audit("hostile/safetensors-overlap", hub=LiveHub(token=False, retry=FAST))
    assert report["weights"]["parameters"] is None
    assert "model.safetensors" in {p["what"] for p in report["problems"]}
    assert "corrupt-safetensors-header" not in {f["kind"] for f in report["weights"]["findings"]}


# -- a dead Hub -----------------------------------------------------------------------------------------------------
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([AUDIT, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_closed_port_is_unreachable_in_the_library() -> None:
    with pytest.raises(HubUnreachable, match="could not be reached"):
        LiveHub(token=False, endpoint=f"http://127.0.0.1:{closed_port()}", retry=FAST).repo("acme/tiny-apache")


def test_closed_port_exits_4_with_one_sentence() -> None:
    result = run_cli("acme/tiny-apache", "--format", "json", env={"HF_ENDPOINT": f"http://127.0.0.1:{closed_port()}"})
    assert result.returncode == 4, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "could not be reached" in result.stderr


def test_hub_failing_every_request_exits_4(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_failure("/", 503, count=10**6)
    result = run_cli("acme/tiny-apache")
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert len(hub_log) >= 2  # the CLI really asked, and retried


# -- secrets --------------------------------------------------------------------------------------------------------
ODD_TOKEN = "sekrit-Token-without-the-usual-prefix-42"  # not hf_-shaped: masked because LiveHub registers it
HF_SHAPED = "hf_ZZsecretTokenForTheFaultTests0099"


def echo_token_faults(fake_hub: FakeHub, repo_prefix: str) -> None:
    """A server that leaks the caller's token: into a redirect target (so into the error's URL) and a message."""
    fake_hub.inject_fault(f"{repo_prefix}/resolve/", "status", count=100, status=302,
                          headers={"Location": "/leak/{token}/page", "X-Error-Message": "token {token} rejected"})


@pytest.mark.parametrize("token", [ODD_TOKEN, HF_SHAPED])
def test_token_never_reaches_reports_errors_or_logs(token: str, hub_log: list[dict], fake_hub: FakeHub,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("HF_TOKEN", token)
    caplog.set_level(logging.DEBUG)
    echo_token_faults(fake_hub, "/acme/tiny-apache")
    hub = LiveHub(retry=FAST)
    assert hub.token == token  # picked up from the environment
    report = audit("acme/tiny-apache", hub=hub)
    assert any(token in r["path"] for r in hub_log)  # the server did echo it: an unmasked error would show it
    assert report["problems"] and "***" in json.dumps(report["problems"])
    fake_hub.failures.clear()
    fake_hub.inject_fault("/api/models/acme/tiny-apache", "status", count=100, status=302,
                          headers={"Location": "/leak/{token}/info"})
    with pytest.raises(HubUnreachable) as raised:
        audit("acme/tiny-apache", hub=hub)
    assert token not in json.dumps(report)
    assert token not in raised.value.message and token not in str(raised.value)
    # The transport's own DEBUG/INFO lines print the URL this hostile server redirected to; what a user sees by
    # default (warnings and errors) must not carry the token.
    assert all(token not in r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


def test_token_never_in_debug_logs_of_an_honest_exchange(hub_log: list[dict], monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("HF_TOKEN", ODD_TOKEN)
    caplog.set_level(logging.DEBUG)
    audit("acme/tiny-apache", hub=LiveHub(retry=FAST))
    assert any(r["auth"] == ODD_TOKEN for r in hub_log)  # it was sent, in the Authorization header only
    assert caplog.records and ODD_TOKEN not in caplog.text


def test_http_layer_messages_do_contain_the_token_before_redaction(fake_hub: FakeHub, hub_log: list[dict]) -> None:
    """Guards the test above: the leak it masks is real at the HTTP layer."""
    echo_token_faults(fake_hub, "/acme/tiny-apache")
    response = httpx2.get(f"{fake_hub.url}/acme/tiny-apache/resolve/main/README.md",
                          headers={"Authorization": f"Bearer {ODD_TOKEN}"}, follow_redirects=True)
    assert ODD_TOKEN in str(response.url)


def test_token_never_reaches_cli_output(hub_log: list[dict], fake_hub: FakeHub) -> None:
    echo_token_faults(fake_hub, "/acme/tiny-apache")
    result = run_cli("acme/tiny-apache", "--format", "json", env={"HF_TOKEN": ODD_TOKEN})
    assert result.returncode == 0, result.stderr
    assert any(ODD_TOKEN in r["path"] for r in hub_log)
    assert ODD_TOKEN not in result.stdout and ODD_TOKEN not in result.stderr
    assert json.loads(result.stdout)["problems"]
    fake_hub.failures.clear()
    fake_hub.inject_fault("/api/models/acme/tiny-apache", "status", count=100, status=302,
                          headers={"Location": "/leak/{token}/info"})
    result = run_cli("acme/tiny-apache", env={"HF_TOKEN": ODD_TOKEN})
    assert result.returncode == 4
    assert ODD_TOKEN not in result.stdout + result.stderr and "Traceback" not in result.stderr


def test_approved_token_for_a_gated_repo_stays_out_of_the_report(hub_log: list[dict]) -> None:
    report = audit("meta-llama/Llama-2-13b-hf", hub=LiveHub(token="hf_approvedtoken123", retry=FAST))
    assert any(r["auth"] == "hf_approvedtoken123" for r in hub_log)
    assert "hf_approvedtoken123" not in json.dumps(report)


# -- a batch killed half-way ----------------------------------------------------------------------------------------
def _reports(out: Path) -> dict[Path, bytes]:
    """Report files of a batch directory (not its index, errors or evidence), with their bytes."""
    return {p: p.read_bytes() for p in out.glob("*/*.json") if p.parent.name != "evidence"}


@pytest.mark.timeout(120)
def test_killed_batch_resumes_without_redoing_or_losing_reports(tmp_path: Path, fake_hub: FakeHub,
                                                                hub_log: list[dict]) -> None:
    from auditor.store import ReportStore, is_complete_report
    from tests.hubdata_hostile import KIDS_NS

    ids = [f"{KIDS_NS}/child-{n:04d}" for n in range(24)]
    (tmp_path / "models.txt").write_text("\n".join(ids) + "\n")
    out = tmp_path / "out"
    command = [AUDIT, "batch", str(tmp_path / "models.txt"), "--out", str(out), "--concurrency", "2"]
    fake_hub.latency_s = 0.05  # slow enough that the kill lands half-way
    try:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = wall_clock() + 60
        while len(_reports(out)) < 4 and proc.poll() is None and wall_clock() < deadline:
            sleep(0.02)
        proc.kill()  # SIGKILL: no handler runs, nothing gets tidied up
        proc.wait(timeout=30)
    finally:
        fake_hub.latency_s = 0.0
    assert proc.returncode == -9, "the batch finished before it could be killed"
    killed = _reports(out)
    assert 4 <= len(killed) < len(ids)
    for path, raw in killed.items():  # atomic writes: every report on disk is whole
        assert is_complete_report(json.loads(raw)), path
    finished = {json.loads(raw)["model"]["id"]: (path, raw) for path, raw in killed.items()
                if ReportStore(out).evidence_path(json.loads(raw)["model"]["id"]).is_file()}
    assert finished
    hub_log.clear()

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert "Traceback" not in rerun.stderr
    final = _reports(out)
    assert {json.loads(raw)["model"]["id"] for raw in final.values()} == set(ids)  # the rest got done
    for repo_id, (path, raw) in finished.items():
        assert final[path] == raw, f"{repo_id}'s earlier report was rewritten"  # intact, not redone
        assert f"/api/models/{repo_id}" not in [r["path"] for r in hub_log]
    index = json.loads((out / "index.json").read_text())
    assert sorted(row["id"] for row in index["models"]) == sorted(ids)


# -- deadlines and fast failure (issues 14 and 16) --------------------------------------------------------------------
# Before: trickled headers hung forever (each one-byte read succeeded, so no read timeout fired); a refused connection
# or an unresolvable host was retried 4 times with backoff (3.5-5 s before the snapshot answered); an audit had no
# overall deadline.
UNRESOLVABLE = "http://hub.invalid"  # .invalid never resolves (RFC 2606)


@pytest.mark.timeout(60)
def test_trickled_headers_end_at_the_request_deadline(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_fault("/api/models/gpt2", "trickle-headers", count=100, delay_s=0.1)
    started = wall_clock()
    with pytest.raises(HubUnreachable, match="could not be reached"):
        LiveHub(token=False, timeout=0.25, retry=FAST).repo("gpt2")  # each attempt: at most 4 x 0.25 s
    assert wall_clock() - started < 20
    assert statuses(hub_log, "/api/models/gpt2") == ["trickle"] * FAST.attempts  # a timeout is still retried


@pytest.mark.timeout(60)
def test_trickled_body_ends_at_the_request_deadline(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_fault("/acme/tiny-apache/resolve/", "trickle-body", count=100, delay_s=0.1)
    started = wall_clock()
    evidence = LiveHub(token=False, timeout=0.25, retry=FAST).repo("acme/tiny-apache")
    assert wall_clock() - started < 30
    readme = evidence.text("README.md")
    assert readme is not None and readme.status == READ_ERROR and "README.md" in {p.what for p in evidence.problems}


@pytest.mark.parametrize("endpoint", ["closed-port", UNRESOLVABLE])
def test_connection_failures_are_unreachable_after_one_attempt(endpoint: str, clock: FakeClock) -> None:
    url = f"http://127.0.0.1:{closed_port()}" if endpoint == "closed-port" else endpoint
    hub = LiveHub(token=False, endpoint=url, retry=RetryPolicy(attempts=4, base_delay=1.0, max_delay=8.0))
    with pytest.raises(HubUnreachable, match="could not be reached"):
        hub.repo("acme/tiny-apache")
    assert hub.requests == 1 and clock.sleeps == []


@pytest.mark.parametrize("endpoint", ["closed-port", UNRESOLVABLE])
def test_snapshot_answers_within_a_second_when_the_hub_is_unreachable(endpoint: str) -> None:
    from auditor.hub import FallbackHub, SnapshotHub

    url = f"http://127.0.0.1:{closed_port()}" if endpoint == "closed-port" else endpoint
    hub = FallbackHub(LiveHub(token=False, endpoint=url, retry=RetryPolicy()), SnapshotHub())  # real backoff and clock
    started = wall_clock()
    evidence = hub.repo("meta-llama/Llama-2-13b-hf")
    assert wall_clock() - started <= 1.0  # loose: benchmarks/offline_fallback.py prints the figures
    assert evidence.source == "snapshot"


@pytest.mark.timeout(60)
def test_audit_budget_reports_what_it_has_with_unknowns(hub_log: list[dict], fake_hub: FakeHub) -> None:
    from auditor.hub import audit_budget

    fake_hub.inject_fault("/acme/tiny-apache/resolve/", "hang", count=100, delay_s=30)
    started = wall_clock()
    with audit_budget(1.5):
        report = audit("acme/tiny-apache", hub=LiveHub(token=False, retry=FAST))  # 15 s per read, 4 attempts
    assert wall_clock() - started < 10
    assert {p["what"] for p in report["problems"]} >= {"README.md", "LICENSE"}
    assert any("time budget of 1.5 s ran out" in p["detail"] for p in report["problems"])
    status = {c["id"]: c["status"] for c in report["criteria"]}
    assert status["source"] == "unknown" and status["data-transparency"] != "pass"  # unread is never a pass


@pytest.mark.timeout(90)
def test_cli_timeout_option_bounds_the_audit(hub_log: list[dict], fake_hub: FakeHub) -> None:
    fake_hub.inject_fault("/acme/tiny-apache/resolve/", "hang", count=100, delay_s=60)
    started = wall_clock()
    result = run_cli("acme/tiny-apache", "--format", "json", "--timeout", "2")
    assert result.returncode == 0, result.stderr
    assert wall_clock() - started < 30
    assert any("time budget" in p["detail"] for p in json.loads(result.stdout)["problems"])


def test_deadlines_also_bound_proxied_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client honours proxies from the environment, as huggingface_hub's does, and their connections too end
    by the deadline."""
    from auditor.hub.transport import _DeadlineBackend, deadline_client

    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    client = deadline_client()
    proxied = [t for t in client._mounts.values() if t is not None]
    assert proxied and all(isinstance(t._pool._network_backend, _DeadlineBackend) for t in proxied)
    assert isinstance(client._transport._pool._network_backend, _DeadlineBackend)


@pytest.mark.timeout(90)
def test_batch_gives_each_model_its_budget(tmp_path: Path, hub_log: list[dict], fake_hub: FakeHub) -> None:
    from auditor.batch import run_batch

    fake_hub.inject_fault("/acme/tiny-apache/resolve/", "hang", count=100, delay_s=60)
    started = wall_clock()
    result = run_batch(["acme/tiny-apache", "gpt2"], tmp_path / "out", hub=LiveHub(token=False, retry=FAST),
                       follow_lineage=False, audit_timeout=1.5)
    assert wall_clock() - started < 30
    assert sorted(result.audited) == ["acme/tiny-apache", "gpt2"]
    report = json.loads(next((tmp_path / "out").glob("acme/tiny-apache.json")).read_text())
    assert any("time budget of 1.5 s ran out" in p["detail"] for p in report["problems"])
