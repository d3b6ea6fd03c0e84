"""The one fallback rule every read command uses: ask the live Hub; once it cannot be reached, answer from the
bundled snapshot for the rest of the run, and say so once.

    hub = open_hub(offline=options.offline, token=options.token, notice=print_to_stderr)

`offline=True`, or HF_HUB_OFFLINE=1 / TRANSFORMERS_OFFLINE=1 in the environment (huggingface_hub's own switches),
answers from the snapshot without a single request."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from auditor.errors import HubUnreachable
from auditor.evidence import DatasetEvidence, RepoEvidence
from auditor.hub.base import ChildModel, Hub
from auditor.hub.snapshot import SnapshotHub

T = TypeVar("T")
Notice = Callable[[str], None]
FALLBACK_NOTICE = "The Hub could not be reached; answering from the bundled snapshot. ({reason})"
OFFLINE_ENV_NOTICE = "{variable} is set; answering from the bundled snapshot."


def offline_variable() -> str | None:
    """The environment variable that puts huggingface_hub offline (HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE), if set."""
    for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(variable, "").strip().upper() in ("1", "ON", "YES", "TRUE"):
            return variable
    return None


def open_hub(*, offline: bool = False, token: str | None = None, notice: Notice | None = None,
             snapshot_root: Path | None = None, request_timeout: float | None = None) -> Hub:
    """The Hub a command reads from.

    offline: the snapshot only, no request (as with HF_HUB_OFFLINE=1, which also says so through `notice`).
    Otherwise a FallbackHub: live first; from the first answer the Hub cannot give (no connection, 5xx after the
    retries), the snapshot. `notice` receives the one sentence saying so (the CLI prints it on stderr).
    `request_timeout`: seconds per read of one request attempt of the live Hub (default: LiveHub's); the whole audit's
    budget is set apart, with `audit_budget`."""
    if offline:
        return SnapshotHub(snapshot_root, why="With --offline no request is made to the Hub")
    variable = offline_variable()
    if variable:
        if notice is not None:
            notice(OFFLINE_ENV_NOTICE.format(variable=variable))
        return SnapshotHub(snapshot_root, why=f"With {variable} set no request is made to the Hub")
    from auditor.hub.live import LiveHub  # imports huggingface_hub: only when the network may be used

    live = LiveHub(token=token) if request_timeout is None else LiveHub(token=token, timeout=request_timeout)
    return FallbackHub(live, SnapshotHub(snapshot_root), notice)


class FallbackHub(Hub):
    """Answers from `live` until it raises HubUnreachable, then from `snapshot` for good (one notice).

    A model the snapshot lacks then raises NotInSnapshot, whose sentence gives both reasons: why the Hub was not
    used, and that the snapshot does not hold the model (with the closest ids it holds)."""

    def __init__(self, live: Hub, snapshot: SnapshotHub, notice: Notice | None = None):
        self.live = live
        self.snapshot = snapshot
        self.notice = notice
        self.reason: str | None = None  # why the live Hub was left, once it was
        self._noticed = False
        self._lock = threading.Lock()

    @property  # type: ignore[override]  # where the answers come from now
    def source(self) -> str:
        return self.snapshot.source if self.reason else self.live.source

    @property
    def fell_back(self) -> bool:
        return self.reason is not None

    def _fall_back(self, exc: HubUnreachable) -> None:
        with self._lock:
            if self.reason is None:
                self.reason = exc.message
                self.snapshot.why = exc.message.rstrip(".")

    def _tell_once(self) -> None:
        """The notice, once, when the snapshot first answers (a model it lacks gets one error sentence instead)."""
        with self._lock:
            if self._noticed or self.reason is None:
                return
            self._noticed = True
        if self.notice is not None:
            self.notice(FALLBACK_NOTICE.format(reason=self.reason))

    def _answer(self, call: Callable[[Hub], T]) -> T:
        if self.reason is None:
            try:
                return call(self.live)
            except HubUnreachable as exc:
                self._fall_back(exc)
        answer = call(self.snapshot)
        self._tell_once()
        return answer

    def repo(self, repo_id: str, revision: str | None = None, *, texts: bool = True) -> RepoEvidence:
        return self._answer(lambda hub: hub.repo(repo_id, revision, texts=texts))

    def dataset(self, dataset_id: str) -> DatasetEvidence:
        return self._answer(lambda hub: hub.dataset(dataset_id))

    def children(self, repo_id: str, relation: str | None = None, limit: int | None = None) -> list[ChildModel]:
        return self._answer(lambda hub: hub.children(repo_id, relation, limit))

    def current_shas(self, repo_ids: list[str]) -> dict[str, str]:
        return self._answer(lambda hub: hub.current_shas(repo_ids))

    def suggestions(self, repo_id: str, limit: int = 3) -> list[str]:
        return self._answer(lambda hub: hub.suggestions(repo_id, limit))
