# Type information for the lazily loaded public API in __init__.py (a test keeps both name lists equal).
from auditor.audit import audit as audit
from auditor.audit import score as score
from auditor.batch import read_ids as read_ids
from auditor.batch import run_batch as run_batch
from auditor.criteria import load_criteria as load_criteria
from auditor.diff import diff_paths as diff_paths
from auditor.errors import AuditError as AuditError
from auditor.errors import HubUnreachable as HubUnreachable
from auditor.errors import InvalidRepoId as InvalidRepoId
from auditor.errors import RepoNotFound as RepoNotFound
from auditor.errors import UsageError as UsageError
from auditor.export import export as export
from auditor.graph import build_tree as build_tree
from auditor.graph import node_link as node_link
from auditor.history import events as events
from auditor.history import load_history as load_history
from auditor.hub.base import Hub as Hub
from auditor.hub.live import LiveHub as LiveHub
from auditor.hub.snapshot import SnapshotHub as SnapshotHub
from auditor.progress import NullProgress as NullProgress
from auditor.progress import ProgressSink as ProgressSink
from auditor.progress import choose_progress as choose_progress
from auditor.reportschema import check_report as check_report
from auditor.rescore import rescore as rescore
from auditor.site.build import build_site as build_site
from auditor.store import ReportStore as ReportStore

__version__: str
__all__: list[str]
