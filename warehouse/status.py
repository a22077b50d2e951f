"""What the last runs did and how fresh each source is, read from the published warehouse.

Shared by `digigov status` (text) and the run's Prefect artifact (markdown), so both say the same."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from digigov.warehouse.query import connect_readonly

SQL_DIR = Path(__file__).parent / "sql" / "status"
# One query per section, in report order: sql/status/<name>.sql.
TITLES = {"runs": "Last runs", "sources": "Sources", "rejects": "Rejected rows by reason",
          "checks": "Cross-source checks with problems", "contradictions": "Findings contradicted by the data",
          "changes": "Changes since the previous warehouse",
          "survey": "Survey response rates (expected organisations: config/survey_roster.yaml)",
          "survey_missing": "Survey: who has not answered"}


def _sql(name: str) -> str:
    """Text of sql/status/<name>.sql, shipped next to this module as package data."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def status(warehouse: Path) -> dict[str, pd.DataFrame]:
    with connect_readonly(warehouse) as con:
        return {name: con.execute(_sql(name)).df() for name in TITLES}


def as_text(report: dict[str, pd.DataFrame]) -> str:
    parts = []
    for name, df in report.items():
        body = df.to_string(index=False, max_colwidth=70) if not df.empty else "(none)"
        parts.append(f"== {TITLES[name]}\n{body}\n")
    return "\n".join(parts)


def as_markdown(report: dict[str, pd.DataFrame]) -> str:
    parts = ["# digigov data quality\n"]
    for name, df in report.items():
        parts.append(f"## {TITLES[name]}\n")
        if df.empty:
            parts.append("(none)\n")
            continue
        cols = list(df.columns)
        parts.append("| " + " | ".join(cols) + " |\n|" + "---|" * len(cols) + "\n")
        for row in df.astype(object).where(df.notna(), "").itertuples(index=False):
            parts.append("| " + " | ".join(str(v).replace("|", "/").replace("\n", " ") for v in row) + " |\n")
        parts.append("\n")
    return "".join(parts)
