"""The only code that talks to the Hub: one interface (`Hub`), live and snapshot implementations, and the one
fallback rule every read command uses (`open_hub`)."""

from auditor.hub.base import ChildModel, Hub
from auditor.hub.budget import DEFAULT_AUDIT_BUDGET, audit_budget
from auditor.hub.fallback import FallbackHub, open_hub
from auditor.hub.snapshot import SnapshotEntry, SnapshotHub, snapshot_ids

__all__ = ["DEFAULT_AUDIT_BUDGET", "ChildModel", "FallbackHub", "Hub", "SnapshotEntry", "SnapshotHub", "audit_budget",
           "open_hub", "snapshot_ids"]
