"""The static comparison site: `audit site build REPORTS_DIR --out OUT` (see auditor.site.build)."""
