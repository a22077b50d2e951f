"""What every sheet of one extract shares: the read-only connection, the countries, the year the
extract is as of, the readiness reference year, the texts of config/export.yaml, and the queries
of `sql/export/` (package data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

SQL_DIR = Path(__file__).parent.parent / "sql" / "export"


def sql_text(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run(con, name: str, **params):
    """Execute sql/export/<name>.sql with its $name parameters (a file without any may hold
    several statements, which DuckDB only runs unprepared)."""
    return con.execute(sql_text(name), params) if params else con.execute(sql_text(name))


def frame(con, name: str, **params) -> pd.DataFrame:
    """The rows of sql/export/<name>.sql, each value as DuckDB returns it (dtype=object: an integer
    beside a NULL stays an integer, so every cell holds what the warehouse holds)."""
    cur = run(con, name, **params)
    return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description], dtype=object)


def records(df: pd.DataFrame) -> list[dict]:
    return df.to_dict("records")


def unit_format(unit: str | None) -> str:
    """The number format a statistical office would use for a unit."""
    u = (unit or "").lower()
    if u.startswith("index") or u.startswith("score (0-1") or u.startswith("score 0-1"):
        return "0.000"
    if "%" in u or "per 100" in u or "percent" in u or u.startswith("score (0-100"):
        return "0.0"
    if u.startswith("rank"):
        return "0"
    if u.startswith("estimate"):
        return "0.00"
    return "General"


@dataclass
class Extract:
    """One extract's choices and shared texts."""

    con: object
    cfg: dict                      # config/export.yaml
    names: dict[str, str]          # ISO3 -> name, every country the warehouse knows
    selected: list[str]
    comparators: list[str]         # comparators not selected
    comparators_all: list[str]     # the whole comparator group (columns stay the same whatever the selection)
    year: int | None               # --year: values up to this year; None: the latest
    ref: dict                      # readiness reference year (reference_year.sql) and its text
    period: str = ""               # first–last year of the values shown
    skipped_charts: list[str] = field(default_factory=list)

    @property
    def shown(self) -> list[str]:
        return self.selected + self.comparators

    def label(self, iso3: str) -> str:
        return self.names.get(iso3, iso3)

    def note(self, key: str) -> str:
        """The marker of a note of config/export.yaml, e.g. "[note 2]"; an unknown key is a bug."""
        keys = list(self.cfg["notes"])
        return f"[note {keys.index(key) + 1}]"

    @property
    def as_of(self) -> str:
        """How every dated title says which values it shows."""
        return f"latest values up to {self.year}" if self.year is not None else "latest values"

    @property
    def up_to(self) -> str:
        """How a message says which values were looked at."""
        return f"up to {self.year}" if self.year is not None else "in the warehouse"

    @property
    def ref_text(self) -> str:
        return self.ref["text"]
