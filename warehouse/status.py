"""What the last runs did and how fresh each source is, read from the published warehouse.

Shared by `digigov status` (text) and the run's Prefect artifact (markdown), so both say the same."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from digigov.warehouse.query import connect_readonly

QUERIES = {
    "runs": """SELECT run_id, started_at, status, round(seconds, 2) AS seconds,
                      (SELECT count(*) FROM json_each(sources) j WHERE j.value->>'reused' = 'true') AS reused
               FROM runs ORDER BY started_at DESC LIMIT 5""",
    "sources": """SELECT source_id, count(*) AS files, max(release) AS latest_release,
                         max(last_updated) AS last_updated, max(retrieved_at) AS retrieved_at,
                         sum(rows_loaded) AS rows_loaded, sum(rows_rejected) AS rows_rejected,
                         bool_or(stale) AS stale, any_value(error) AS error, bool_or(is_sample) AS sample
                  FROM sources GROUP BY source_id ORDER BY source_id""",
    "rejects": """SELECT source_id, left(regexp_extract(reason, '^([^(]*)', 1), 70) AS reason, count(*) AS rows
                  FROM rejects GROUP BY ALL ORDER BY rows DESC LIMIT 15""",
    "checks": "SELECT check_id, problems, iso3, detail FROM checks WHERE problems > 0",
    "contradictions": """SELECT finding_id, statement, check_detail FROM findings
                         WHERE check_status = 'contradicted' ORDER BY finding_id""",
    "changes": "SELECT kind, item, detail FROM changes ORDER BY kind, item",
}
TITLES = {"runs": "Last runs", "sources": "Sources", "rejects": "Rejected rows by reason",
          "checks": "Cross-source checks with problems", "contradictions": "Findings contradicted by the data",
          "changes": "Changes since the previous warehouse"}


def status(warehouse: Path) -> dict[str, pd.DataFrame]:
    with connect_readonly(warehouse) as con:
        return {name: con.execute(q).df() for name, q in QUERIES.items()}


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
