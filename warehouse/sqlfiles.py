"""The warehouse's SQL lives in `.sql` files beside this module; this is how code finds them."""

from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"


def sql(name: str) -> str:
    """The text of warehouse/sql/<name> (e.g. "views.sql", "checks/gtmi_agreement.sql")."""
    return (SQL_DIR / name).read_text(encoding="utf-8")
