"""Hub-wide census: every model's declared license and bases, read in bulk (API pages or a metadata dump), its
root ancestry computed in DuckDB, and how far restrictive terms travel (relabelled descendants). Output contract:
`auditor.census/1` (summary.json, models.parquet, edges.parquet)."""

SCHEMA = "auditor.census/1"
