"""Build a warehouse into a new DuckDB file from the staged sources.

The file is built beside the published warehouse and published by an atomic rename
(warehouse/publishing.py), so the build may take its time: nobody reads it until it is complete.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from digigov.errors import WarehouseError
from digigov.sources.base import STAGED_BULK, staged_bulk_ddl
from digigov.warehouse.dictionary import write_comments
from digigov.warehouse import readiness_reuse
from digigov.warehouse.guard import hold_back_drops, with_guard
from digigov.warehouse.sqlfiles import SQL_DIR, columns as _columns, run_script, sql, transaction
from digigov.transforms.assessment import (dimension_indicators_table, dimensions_table, institutions_table,
                                           study_findings_table, study_source_record, survey_questions_table,
                                           survey_roster_table)
from digigov.transforms.catalogue import indicators_table
from digigov.transforms.readiness import compute as compute_readiness, load_method
from digigov.transforms.readiness.describe import method_concepts, method_parameters
from digigov.transforms.countries import countries_table, group_members_table

RUN_COLUMNS = ["run_id", "started_at", "finished_at", "status", "digigov_version", "seconds",
               "warehouse", "sources", "message"]


def build(target: Path, staged: list[dict], run: dict, history: list[dict],
          failed: dict[str, str] | None = None, previous: Path | None = None,
          kept: list[str] | None = None, accept_drops: list[str] | None = None) -> dict:
    """Create the warehouse file `target` from staged sources; return counts for the summary.

    `failed` maps the sources that could not be staged to their error: their rows are carried
    over from the `previous` warehouse and marked stale, so one broken source never empties or
    half-updates the others; so are the rows of a staged source's files that failed alone.
    `kept` are the sources a run left out (--only): carried over as they were. An indicator a
    staged source would drop too far keeps its published rows (warehouse/guard.py) unless its
    source is in `accept_drops`. `carried` and `guard` in the counts say what was kept, and why."""
    target.unlink(missing_ok=True)
    staged = sorted(staged, key=lambda s: (not _is_bulk(s), -s["rows_loaded"]))  # the largest bulk source first
    seeded = bool(staged) and _is_bulk(staged[0])
    if seeded:
        shutil.copyfile(Path(staged[0]["dir"]) / STAGED_BULK, target)
    con = _connect(target)
    try:
        create_schema(con)
        for i, s in enumerate(staged):
            load_staged(con, s, run["run_id"], seeded=seeded and i == 0)
        carried = [carry_over_file(con, s["source_id"], f["file"], f["error"], previous)
                   for s in staged for f in s["files"] if f.get("failed")]
        carried += carry_over(con, list((failed or {}).items()), previous)
        carry_over(con, [(source_id, None) for source_id in kept or []], previous)
        guard = hold_back_drops(con, previous, [s["source_id"] for s in staged if s.get("kind") != "inbox"],
                                accept_drops or [])
        list_contested(con)
        observed = [r[0] for r in con.execute("SELECT iso3 FROM core.observation_row UNION "
                                              "SELECT iso3 FROM core.observation_line").fetchall()]
        _insert(con, "core.country", countries_table(observed))
        _insert(con, "core.country_group", group_members_table())
        _insert(con, "core.indicator", indicators_table())
        register_extra_indicators(con, staged, [*(failed or {}), *(kept or [])], previous)
        aggregated = [r[0] for r in con.execute("SELECT indicator_id FROM core.indicator WHERE aggregate").fetchall()]
        con.execute(sql("aggregates.sql"), {"aggregated": aggregated})
        # Readiness is computed in a thread (pandas and numpy) while DuckDB does the checks, the
        # changes, the views and the dictionary, none of which reads it; the findings come after.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(int)  # start its thread now, not when the readiness needs it
            with transaction(con):  # many small statements: one commit (warehouse/sqlfiles.py)
                load_assessment(con)
                finish_readiness = start_readiness(con, pool)
                problems = run_checks(con)
            changes = record_changes(con, previous)
            runs = pd.DataFrame([{**r, "sources": json.dumps(r.get("sources"), default=str)}
                                 for r in [*history, _finished(with_guard(run, guard))]]).reindex(columns=RUN_COLUMNS)
            runs = runs.drop_duplicates("run_id", keep="last")
            _insert(con, "core.run", runs)
            with transaction(con):
                con.execute(sql("views.sql"))
            write_comments(con)  # the data dictionary, in the catalogue (warehouse/sql/dictionary.yaml)
            with transaction(con):
                finish_readiness()
        contradictions = evaluate_findings(con)
        counts = dict(con.execute(sql("assemble/counts.sql")).fetchall())
        counts["check_problems"] = problems
        counts["changes"] = changes
        counts["contradictions"] = contradictions
        counts["carried"] = carried
        counts["guard"] = guard
        con.execute("CHECKPOINT")
    finally:
        con.close()
        shutil.rmtree(_spill_dir(target), ignore_errors=True)
    return counts


MEMORY_LIMIT = "1GB"  # beyond this DuckDB spills to a temp folder next to the build


def _spill_dir(target: Path) -> Path:
    return target.with_name(target.name + ".tmp")


def _connect(target: Path):
    """The build connection. A memory limit with a spill folder keeps a 12M-row wdi_full build
    well under the RSS budget, and insertion order is not kept (every reader sorts or groups),
    which lets loads and CREATE ... AS run in parallel without buffering."""
    con = duckdb.connect(str(target))
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    spill = str(_spill_dir(target)).replace("'", "''")
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def register_extra_indicators(con, staged: list[dict], carried: list[str], previous: Path | None) -> None:
    """Indicators a large source names from its own file (sources/wdi_full.py writes
    indicators.parquet), and those of carried-over sources, so the views show their rows."""
    for s in staged:
        extra = Path(s["dir"]) / "indicators.parquet"
        if extra.exists():
            con.execute("INSERT INTO core.indicator BY NAME SELECT * FROM read_parquet(?) "
                        "WHERE indicator_id NOT IN (SELECT indicator_id FROM core.indicator)", [str(extra)])
    if carried and previous and previous.exists():
        con.execute("ATTACH ? AS prev_i (READ_ONLY)", [str(previous)])
        try:
            cols = ", ".join(sorted(_columns(con, "core.indicator") & _columns(con, "core.indicator", "prev_i")))
            con.execute(f"INSERT INTO core.indicator ({cols}) SELECT {cols} FROM prev_i.core.indicator "
                        "WHERE source_id IN (SELECT unnest(?::VARCHAR[])) "
                        "AND indicator_id NOT IN (SELECT indicator_id FROM core.indicator)", [carried])
        finally:
            con.execute("DETACH prev_i")


def _finished(run: dict) -> dict:
    """The current run as the warehouse records it: finished when its warehouse is built."""
    now = dt.datetime.now(dt.timezone.utc)
    if not run.get("started_at"):
        return {**run, "finished_at": now.isoformat()}
    started = dt.datetime.fromisoformat(run["started_at"])
    return {**run, "finished_at": now.isoformat(), "seconds": round((now - started).total_seconds(), 3)}


def create_schema(con) -> None:
    """The core tables and views (the bulk table may be there already: a seeded build)."""
    with transaction(con):
        con.execute(staged_bulk_ddl())
        con.execute(sql("schema.sql"))


def list_contested(con) -> None:
    """Record the indicators more than one (source, release) carries and, for each of their cells,
    the (source, release) whose value is in force, if any (core.in_force, read by
    core.current_observation). Call once every observation and file record is loaded."""
    con.execute(sql("assemble/contested.sql"))
    contested = [r[0] for r in con.execute("SELECT indicator_id FROM core.contested_indicator").fetchall()]
    if contested:
        con.execute(sql("assemble/in_force.sql"), {"contested": contested})


def _is_bulk(s: dict) -> bool:
    """Whether a staged source holds its observations in a DuckDB file (else Parquet)."""
    return (Path(s["dir"]) / STAGED_BULK).exists()


def _next_part(con) -> int:
    return con.execute("SELECT coalesce(max(part_id) + 1, 0) FROM core.observation_part").fetchone()[0]


def load_staged(con, s: dict, run_id: str, seeded: bool = False) -> None:
    """Load one staged source's files and its file records.

    A large source staged its observations into a DuckDB file (STAGED_BULK), one part per file.
    The build file started as a copy of the largest such file (`seeded`): its rows are already in
    place, with part ids 0..n-1; any other is copied in with its part ids shifted."""
    d = Path(s["dir"])
    bulk = _is_bulk(s)
    if bulk:
        offset = _next_part(con)
        if seeded and offset != 0:
            raise WarehouseError("the seed of a build must be its first bulk source")
        if not seeded:
            con.execute("ATTACH ? AS staged_bulk (READ_ONLY)", [str(d / STAGED_BULK)])
            try:
                run_script(con, "assemble/copy_bulk.sql", {"offset": offset})
            finally:
                con.execute("DETACH staged_bulk")
    with transaction(con):  # a source's few loads: one commit
        if bulk:
            con.executemany("INSERT INTO core.observation_part VALUES (?, ?, ?, false, ?)",
                            [(offset + i, s["source_id"], f["release"], f["file"]) for i, f in enumerate(s["files"])])
        for name, table in STAGED_TABLES.items():
            if (d / name).exists():
                run_column = "? AS run_id, " if table == "core.reject" else ""
                con.execute(f"INSERT INTO {table} BY NAME SELECT {run_column}* FROM read_parquet(?)",
                            [run_id, str(d / name)] if run_column else [str(d / name)])
        if s["files"]:
            _insert_files(con, pd.DataFrame(s["files"]).assign(snapshot_origin=s["origin"]))


# What a staged folder may hold (transforms/stage.py), and the table each file loads into. An inbox
# source names its files after the tables (survey_response, finding, reject).
STAGED_TABLES = {"observations.parquet": "core.observation_row", "classifications.parquet": "core.classification",
                 "rejects.parquet": "core.reject", "reject.parquet": "core.reject",
                 "survey_response.parquet": "core.survey_response", "finding.parquet": "core.finding"}


def _insert_files(con, files: pd.DataFrame) -> None:
    known = _columns(con, "core.source_file")  # once: each look-up is a catalogue query
    cols = [c for c in files.columns if c in known]
    con.register("files", files)
    con.execute(f"INSERT INTO core.source_file BY NAME SELECT {', '.join(cols)} FROM files")
    con.unregister("files")


def load_assessment(con) -> None:
    """The needs-assessment layer: framework and reference data from config (readiness scores
    follow from it and the data: start_readiness)."""
    _insert(con, "core.dimension", dimensions_table())
    known = {r[0] for r in con.execute("SELECT indicator_id FROM core.indicator").fetchall()}
    _insert(con, "core.dimension_indicator", dimension_indicators_table(known))
    con.execute("UPDATE core.indicator i SET dimension_id = d.dimension_id FROM core.dimension_indicator d "
                "WHERE d.indicator_id = i.indicator_id AND d.is_primary")
    _insert(con, "core.survey_question", survey_questions_table())
    roster = survey_roster_table()
    if len(roster):
        _insert(con, "core.survey_roster", roster)
    con.execute(sql("assemble/replaced_survey_findings.sql"))
    _insert(con, "core.institution", institutions_table())
    _insert(con, "core.finding", study_findings_table())
    _insert_files(con, pd.DataFrame([study_source_record()]))


def load_readiness(con) -> None:
    """Readiness per country, dimension and reference year, computed and written now."""
    start_readiness(con)()


def readiness_inputs(con, last_year: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The values in force of the mapped series up to `last_year`, the countries and the real survey
    answers (warehouse/sql/readiness/)."""
    mapped = [r[0] for r in con.execute("SELECT DISTINCT indicator_id FROM core.dimension_indicator").fetchall()]
    return (con.execute(sql("readiness/values.sql"), {"last_year": last_year, "mapped": mapped}).df(),
            con.execute(sql("readiness/countries.sql")).df(), con.execute(sql("readiness/survey.sql")).df())


def start_readiness(con, pool: ThreadPoolExecutor | None = None) -> Callable[[], None]:
    """Readiness per country, dimension and reference year (digigov.transforms.readiness), from the
    values in force, the countries and the real survey answers (warehouse/sql/readiness/); and the
    method itself, in words, from the same `Method` object, so the extract describes this run.
    A result computed from the very same inputs by an earlier build is reused
    (warehouse/readiness_reuse.py). The inputs are read and the method written now; the result is
    computed in `pool` when one is given (it reads no table), and written by the step returned,
    which the caller runs when it needs the result (and which raises what the computation
    raised)."""
    direction = dict(con.execute("SELECT indicator_id, coalesce(higher_is_better, true) FROM core.indicator").fetchall())
    method = load_method(direction)
    values, countries, survey = readiness_inputs(con, max(method.reference_years))
    con.execute("INSERT INTO core.readiness_param VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [method.w_evidence, method.w_survey, method.medium_from, method.high_from, method.priority_gaps,
                 method.window_years, method.min_share, method.uncertainty.draws, method.uncertainty.seed])
    _insert(con, "core.readiness_method", method_parameters(method))
    _insert(con, "core.readiness_concept", method_concepts(method))
    key = readiness_reuse.result_key(method, values, countries, survey)
    if readiness_reuse.reuse(con, key):  # the same inputs as an earlier build: the same result
        return lambda: None
    if pool is None:
        computed = compute_readiness(values, countries, survey, method)
        result = lambda: computed  # noqa: E731
    else:
        result = pool.submit(compute_readiness, values, countries, survey, method).result

    def finish() -> None:
        done = result()
        _insert(con, "core.readiness", done.cells)
        _insert(con, "core.readiness_component", done.components)
        _insert(con, "core.readiness_goalpost", done.goalposts)
        _insert(con, "core.readiness_sensitivity", done.sensitivity)
        readiness_reuse.keep(con, key)

    return finish


def evaluate_findings(con) -> list[str]:
    """Run each finding's check against the public views; record holds / contradicted /
    not checkable (also for a finding with no check), and return the contradictions for the run
    summary. A finding naming `vintages_of` is checked again against every release of that
    indicator (warehouse/sql/findings/); every verdict, with the vintage it rests on, goes to
    core.finding_check (the `finding_checks` view)."""
    checks = con.execute("SELECT finding_id, statement, check_sql FROM core.finding "
                         "WHERE check_sql IS NOT NULL").fetchall()
    # A check costs DuckDB's planning more than its reading, on one core: the checks on the latest
    # data run on a cursor of their own in a thread while this connection checks the vintages.
    # Neither runs in a transaction (a failing check would abort it); the verdicts are written
    # together afterwards, in one, as every statement outside one is a commit of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        latest = pool.submit(_latest_verdicts, con, [check for _, _, check in checks])
        vintaged = _vintage_verdicts(con)
        latest = latest.result()
    contradictions = []
    verdicts = []
    for (finding_id, statement, _), (status, detail, used) in zip(checks, latest):
        verdicts.append((finding_id, f"latest ({used})" if used else "latest", True, status, detail))
        if status == "contradicted":
            contradictions.append(f"finding {finding_id} contradicted by the data: {statement} — data: {detail}")
    with transaction(con):
        if verdicts:
            con.executemany("UPDATE core.finding SET check_status = ?, check_detail = ? WHERE finding_id = ?",
                            [[status, detail, finding_id] for finding_id, _, _, status, detail in verdicts])
        con.execute(sql("findings/no_check.sql"))
        verdicts += [(f, "latest", True, status, detail) for f, status, detail in con.execute(
            "SELECT finding_id, check_status, check_detail FROM core.finding WHERE check_sql IS NULL").fetchall()]
        con.executemany("INSERT INTO core.finding_check VALUES (?, ?, ?, ?, ?)", verdicts + vintaged)
    return contradictions


def _latest_verdicts(con, checks: list[str]) -> list[tuple[str, str | None, str | None]]:
    """_verdict of each check, on a cursor of `con` (a session of its own: callable in a thread)."""
    cursor = con.cursor()
    try:
        return [_verdict(cursor, check) for check in checks]
    finally:
        cursor.close()


def _verdict(con, check: str) -> tuple[str, str | None, str | None]:
    """(status, detail, the releases the values rest on) of one check. A check returns `holds`
    (NULL: the data needed is missing), `detail` and optionally a third column naming the releases."""
    try:
        row = con.execute(check).fetchone()
    except duckdb.Error as exc:
        return "not checkable", f"check failed: {str(exc).splitlines()[0]}", None
    used = row[2] if row is not None and len(row) > 2 else None
    if row is None or row[0] is None:
        return "not checkable", (row[1] if row else None) or "the data needed is missing", used
    return ("holds" if row[0] else "contradicted"), row[1], used


def _vintage_verdicts(con) -> list[tuple]:
    """Each vintaged finding's check run once per release of its `vintages_of` indicator or
    classification scheme, with the check's `observations` or `classifications` resolving to that
    release (warehouse/sql/findings/vintage_setup.sql)."""
    vintages = con.execute(sql("findings/vintages.sql")).fetchall()
    if not vintages:
        return []
    checks = dict(con.execute("SELECT finding_id, check_sql FROM core.finding WHERE check_sql IS NOT NULL").fetchall())
    out = []
    run_script(con, "findings/vintage_setup.sql")
    try:
        for finding_id, subject, source_id, release in vintages:
            with transaction(con):
                con.execute("DELETE FROM check_vintage.param")
                con.execute("INSERT INTO check_vintage.param VALUES (?, ?, ?)", [subject, source_id, release])
                run_script(con, "findings/vintage_values.sql",
                           {"subject": subject, "source": source_id, "release": release})
            con.execute("SET search_path = 'check_vintage,main'")
            try:
                status, detail, _ = _verdict(con, checks[finding_id])
            finally:
                con.execute("RESET search_path")
            out.append((finding_id, f"{source_id}: {release}", False, status, detail))
    finally:
        con.execute("DROP SCHEMA check_vintage CASCADE")
    return out


CHANGE_TOLERANCE = 1e-9  # relative: a value "changed" when it moved by more than this


def record_changes(con, previous: Path | None) -> list[str]:
    """Compare with the warehouse this build replaces; a first build, or an old file this
    version cannot read, records nothing."""
    if not previous or not previous.exists():
        return []
    con.execute("CREATE TEMP TABLE change_param AS SELECT ?::DOUBLE AS tolerance", [CHANGE_TOLERANCE])
    try:
        con.execute("ATTACH ? AS prev (READ_ONLY)", [str(previous)])
    except duckdb.Error:
        return []
    try:
        run_script(con, "changes_fingerprints.sql")
        differ = [r[0] for r in con.execute("SELECT indicator_id FROM change_differ "
                                            "WHERE new_n IS NOT NULL AND old_n IS NOT NULL").fetchall()]
        con.execute(sql("changes.sql"), {"differ": differ})
    except duckdb.Error as exc:
        con.execute("INSERT INTO core.change VALUES ('not compared', 'previous warehouse', ?)",
                    [str(exc).splitlines()[0]])
    finally:
        for table in ("change_new", "change_old", "change_differ"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute("DETACH prev")
    return [f"{kind}: {item}" + (f" ({detail})" if detail else "")
            for kind, item, detail in con.execute("SELECT * FROM core.change ORDER BY 1, 2").fetchall()]


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


CARRIED_TABLES = ["observation_row", "classification", "survey_response", "finding"]


def carry_over_file(con, source_id: str, file: str, error: str, previous: Path | None) -> dict:
    """Keep the previously published rows of one file that failed while the rest of its source
    loaded; its record (the previous one, else this run's) is marked stale with the error.
    Returns what was kept, for the run's summary: it must never claim rows that were not there."""
    kept = {"source_id": source_id, "file": file, "error": error, "values": 0, "release": None, "published": False}
    if previous and previous.exists():
        con.execute("ATTACH ? AS prev (READ_ONLY)", [str(previous)])
        try:
            found = con.execute("SELECT release FROM prev.core.source_file WHERE source_id = ? AND file = ?",
                                [source_id, file]).fetchone()
            if found:
                run_script(con, "assemble/carry_file.sql", {"source": source_id, "file": file})
                cols = sorted((_columns(con, "core.source_file") & _columns(con, "core.source_file", "prev"))
                              - {"stale", "error"})
                con.execute("DELETE FROM core.source_file WHERE source_id = ? AND file = ?", [source_id, file])
                con.execute(f"INSERT INTO core.source_file ({', '.join(cols)}, stale, error) "
                            f"SELECT {', '.join(cols)}, true, ? FROM prev.core.source_file "
                            "WHERE source_id = ? AND file = ?", [error, source_id, file])
                values = con.execute("SELECT count(*) FROM core.observation WHERE source_id = ? AND file = ?",
                                     [source_id, file]).fetchone()[0]
                kept.update(values=values, release=found[0], published=values > 0)
        finally:
            con.execute("DETACH prev")
    return kept


def carry_over(con, sources: list[tuple[str, str | None]], previous: Path | None) -> list[dict]:
    """Copy the rows of each (source_id, error) in `sources` from the previous warehouse: those of a
    failed source marked stale with its error, those of a source the run left out (--only) as they
    were. Returns what was kept, one dict per source. The previous warehouse is attached once and
    each table's columns are looked up once (an --only run carries a dozen sources: 0.1 s of
    catalogue look-ups saved)."""
    carried = {source_id: False for source_id, _ in sources}
    if sources and previous and previous.exists():
        con.execute("ATTACH ? AS prev (READ_ONLY)", [str(previous)])
        try:
            known = functools.cache(lambda table, catalog=None: frozenset(_columns(con, table, catalog)))
            copies = []
            for table in CARRIED_TABLES:
                # a warehouse of digigov 0.1 kept every observation in the table core.observation
                old = "observation" if table == "observation_row" and not known(f"core.{table}", "prev") else table
                if "source_id" in known(f"core.{old}", "prev"):  # survey answers before 0.3 name no source
                    copies.append((table, old, ", ".join(sorted(known(f"core.{table}") & known(f"core.{old}", "prev")))))
            # a warehouse written before the bulk values were stored narrow (2026-12-01) kept the
            # country and indicator on every bulk value; one before 0.2 had no bulk values
            bulk = (("carry_bulk.sql" if known("core.observation_line", "prev") else "carry_bulk_wide.sql")
                    if known("core.observation_part", "prev") else None)
            files = sorted((known("core.source_file") & known("core.source_file", "prev")) - {"stale", "error"})
            for source_id, error in sources:
                for table, old, cols in copies:
                    con.execute(f"INSERT INTO core.{table} ({cols}) SELECT {cols} FROM prev.core.{old} "
                                "WHERE source_id = ?", [source_id])
                if bulk:
                    run_script(con, f"assemble/{bulk}", {"offset": _next_part(con), "source": source_id})
                stale, err = ("true", "?") if error else ("stale", "error")
                con.execute(f"INSERT INTO core.source_file ({', '.join(files)}, stale, error) "
                            f"SELECT {', '.join(files)}, {stale}, {err} FROM prev.core.source_file WHERE source_id = ?",
                            [error, source_id] if error else [source_id])
                carried[source_id] = con.execute("SELECT count(*) FROM core.source_file WHERE source_id = ?",
                                                 [source_id]).fetchone()[0] > 0
        finally:
            con.execute("DETACH prev")
    out = []
    for source_id, error in sources:
        if not carried[source_id] and error:
            con.execute("INSERT INTO core.source_file (source_id, file, sha256, rows_loaded, rows_rejected, stale, error) "
                        "VALUES (?, '', '', 0, 0, true, ?)", [source_id, error])
        rows = con.execute("SELECT (SELECT count(*) FROM core.observation WHERE source_id = $s) "
                           "+ (SELECT count(*) FROM core.survey_response WHERE source_id = $s)",
                           {"s": source_id}).fetchone()[0]
        out.append({"source_id": source_id, "file": None, "error": error, "values": rows, "release": None,
                    "published": rows > 0})
    return out


def _insert(con, table: str, df: pd.DataFrame) -> None:
    con.register("frame", df)
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
    con.unregister("frame")
