"""Build a warehouse into a new DuckDB file, then publish it with an atomic rename.

Readers never see a half-built warehouse and are never locked out: they keep reading the old
file (even one they opened before the rename) until they reconnect. A failed or killed build
leaves only a stray `.building` file, which the next run removes.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from digigov.errors import WarehouseError
from digigov.settings import SQL_DIR
from digigov.transforms.catalogue import indicators_table
from digigov.transforms.countries import countries_table, group_members_table
from digigov.warehouse import runlog

RUN_COLUMNS = ["run_id", "started_at", "finished_at", "status", "digigov_version", "seconds",
               "warehouse", "sources", "message"]


def sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def building_path(warehouse: Path, run_id: str) -> Path:
    return warehouse.with_name(f".{warehouse.name}.{run_id}.building")


def remove_stray_builds(warehouse: Path) -> list[Path]:
    """Delete files left by killed runs. Only call with the writer lock held."""
    stray = list(warehouse.parent.glob(f".{warehouse.name}.*.building"))
    for path in stray:
        path.unlink(missing_ok=True)
    return stray


@contextmanager
def writer_lock(warehouse: Path, run_id: str, wait_seconds: float = 0.0):
    """Hold the single-writer lock of `warehouse`, or fail naming the run that holds it."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    path = warehouse.with_name(warehouse.name + ".lock")
    fh = open(path, "a+", encoding="utf-8")
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                fh.close()
                raise WarehouseError(f"{warehouse} is being built by {holder}; wait for it to finish "
                                     "(readers can keep querying the published warehouse)") from None
            time.sleep(0.2)
    fh.seek(0)
    fh.truncate()
    fh.write(f"digigov run {run_id} (pid {os.getpid()})")
    fh.flush()
    try:
        yield
    finally:
        fh.seek(0)
        fh.truncate()
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def build(target: Path, staged: list[dict], run: dict, history: list[dict],
          failed: dict[str, str] | None = None, previous: Path | None = None) -> dict:
    """Create the warehouse file `target` from staged sources; return counts for the summary.

    `failed` maps the sources that could not be staged to their error: their rows are carried
    over from the `previous` warehouse and marked stale, so one broken source never empties or
    half-updates the others."""
    target.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    try:
        con.execute(sql("schema.sql"))
        for s in staged:
            d = Path(s["dir"])
            con.execute("INSERT INTO core.observation BY NAME SELECT * FROM read_parquet(?)",
                        [str(d / "observations.parquet")])
            con.execute("INSERT INTO core.reject BY NAME SELECT ? AS run_id, * FROM read_parquet(?)",
                        [run["run_id"], str(d / "rejects.parquet")])
            con.execute("INSERT INTO core.classification BY NAME SELECT * FROM read_parquet(?)",
                        [str(d / "classifications.parquet")])
            files = pd.DataFrame(s["files"]).assign(snapshot_origin=s["origin"])
            con.register("files", files)
            cols = [c for c in files.columns if c in _columns(con, "core.source_file")]
            con.execute(f"INSERT INTO core.source_file BY NAME SELECT {', '.join(cols)} FROM files")
            con.unregister("files")
        for source_id, error in (failed or {}).items():
            carry_over(con, source_id, error, previous)
        observed = [r[0] for r in con.execute("SELECT DISTINCT iso3 FROM core.observation").fetchall()]
        _insert(con, "core.country", countries_table(observed))
        _insert(con, "core.country_group", group_members_table())
        _insert(con, "core.indicator", indicators_table())
        con.execute(sql("aggregates.sql"))
        problems = run_checks(con)
        runs = pd.DataFrame([{**r, "sources": json.dumps(r.get("sources"), default=str)}
                             for r in [*history, run]]).reindex(columns=RUN_COLUMNS)
        runs = runs.drop_duplicates("run_id", keep="last")
        _insert(con, "core.run", runs)
        con.execute(sql("views.sql"))
        counts = dict(con.execute(
            "SELECT 'observations', count(*) FROM core.observation UNION ALL "
            "SELECT 'aggregates', count(*) FROM core.aggregate UNION ALL "
            "SELECT 'rejects', count(*) FROM core.reject UNION ALL "
            "SELECT 'countries', count(*) FROM core.country").fetchall())
        counts["check_problems"] = problems
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts


def run_checks(con) -> list[str]:
    """Run every warehouse/sql/checks/*.sql. Each is a SELECT of (check_id, iso3, detail), one row
    per problem found: zero rows means the check passed. Problems are recorded, not fatal."""
    messages = []
    for path in sorted((SQL_DIR / "checks").glob("*.sql")):
        rows = con.execute(path.read_text(encoding="utf-8")).fetchall()
        con.execute("INSERT INTO core.check_run VALUES (?, ?)", [path.stem, len(rows)])
        for check_id, iso3, detail in rows:
            con.execute("INSERT INTO core.check_problem VALUES (?, ?, ?)", [check_id, iso3, detail])
            messages.append(f"check {check_id}: {iso3 or ''} {detail}".strip())
    return messages


CARRIED_TABLES = ["observation", "classification"]


def carry_over(con, source_id: str, error: str, previous: Path | None) -> None:
    """Copy a failed source's rows from the previous warehouse, marked stale with the error."""
    carried = False
    if previous and previous.exists():
        con.execute("ATTACH ? AS prev (READ_ONLY)", [str(previous)])
        try:
            for table in CARRIED_TABLES:
                cols = ", ".join(sorted(_columns(con, f"core.{table}") & _columns(con, f"core.{table}", "prev")))
                con.execute(f"INSERT INTO core.{table} ({cols}) SELECT {cols} FROM prev.core.{table} "
                            "WHERE source_id = ?", [source_id])
            cols = sorted((_columns(con, "core.source_file") & _columns(con, "core.source_file", "prev"))
                          - {"stale", "error"})
            con.execute(f"INSERT INTO core.source_file ({', '.join(cols)}, stale, error) "
                        f"SELECT {', '.join(cols)}, true, ? FROM prev.core.source_file WHERE source_id = ?",
                        [error, source_id])
            carried = con.execute("SELECT count(*) FROM core.source_file WHERE source_id = ?",
                                  [source_id]).fetchone()[0] > 0
        finally:
            con.execute("DETACH prev")
    if not carried:
        con.execute("INSERT INTO core.source_file (source_id, file, sha256, rows_loaded, rows_rejected, stale, error) "
                    "VALUES (?, '', '', 0, 0, true, ?)", [source_id, error])


def _columns(con, table: str, catalog: str | None = None) -> set[str]:
    schema, name = table.split(".")
    catalog = catalog or con.execute("SELECT current_database()").fetchone()[0]
    return {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_catalog=? AND table_schema=? AND table_name=?", [catalog, schema, name]).fetchall()}


def _insert(con, table: str, df: pd.DataFrame) -> None:
    con.register("frame", df)
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
    con.unregister("frame")


def publish(built: Path, warehouse: Path) -> None:
    """Atomically replace the published warehouse with the freshly built file."""
    with duckdb.connect(str(built), read_only=True) as con:  # refuse to publish an unreadable file
        con.execute("SELECT count(*) FROM observations").fetchone()
    os.replace(built, warehouse)
