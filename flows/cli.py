"""The `digigov` command line. Exit codes: 0 success, 1 the command failed, 2 usage error."""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import sys
import time

from digigov import __version__
from digigov.errors import DigigovError, UsageError


RUNNER_HELP = ("where the per-source tasks run: sequential (default), threads[:N], dask (a local Dask "
               "cluster) or dask:ADDRESS (needs digigov[dask]); default $DIGIGOV_TASK_RUNNER")
WAREHOUSE_HELP = "the published warehouse file (default $DIGIGOV_WAREHOUSE, else $DIGIGOV_HOME/digigov.duckdb)"

# What `--help` ends with: two or three command lines to copy (tests/test_cli_edges.py checks each
# command has them).
EXAMPLES = {
    None: ["digigov run --local", "digigov status", 'digigov sql "SELECT * FROM readiness LIMIT 5"'],
    "run": ["digigov run --local", "digigov run --online --only un_egov,wb_api",
            "digigov run --strict --task-runner threads:4"],
    "survey-template": ["digigov survey-template --out survey.xlsx",
                        "digigov survey-template --out survey_KAZ.xlsx --country KAZ --force"],
    "export": ['digigov export --out report.xlsx --contact "Data team, data@example.org"', "digigov export --out kaz_uzb.xlsx --countries KAZ,UZB",
               "digigov export --out report_2022.xlsx --year 2022 --force"],
    "serve": ["digigov serve", 'digigov serve --cron "0 3 * * *" --offline',
              "digigov serve --name nightly --strict --task-runner threads:4"],
    "status": ["digigov status", "digigov status --warehouse /srv/digigov/digigov.duckdb"],
    "describe": ["digigov describe", "digigov describe readiness"],
    "sql": ['digigov sql "SELECT * FROM sources"',
            "digigov sql \"SELECT iso3, value FROM observations WHERE indicator_id = 'un.egdi' "
            "AND year = 2024\" --format csv"],
}


def _examples(command: str | None) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in EXAMPLES[command])


def _year(text: str) -> int:
    """--year: four digits; anything else is refused by argparse (exit 2) with this message."""
    if not re.fullmatch(r"\d{4}", text.strip()):
        raise argparse.ArgumentTypeError(f'"{text}" is not a year (four digits, e.g. 2022)')
    return int(text)


def _parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter  # keeps the examples one per line
    p = argparse.ArgumentParser(prog="digigov", description=__doc__, epilog=_examples(None), formatter_class=raw)
    p.add_argument("--version", action="version", version=f"digigov {__version__}",
                   help="print the version of digigov and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".",
                              epilog=_examples(name), formatter_class=raw)

    run = command("run", "refresh the warehouse from the snapshots (and, --online, the publishers)")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--offline", dest="online", action="store_false", default=False,
                      help="use the stored snapshots only (default)")
    mode.add_argument("--online", dest="online", action="store_true",
                      help="fetch new snapshots first; a failed fetch falls back to the last good one")
    run.add_argument("--only", metavar="SRC,...", help="comma-separated source ids (default: every enabled source "
                                                       "in config/sources/; the others keep their rows)")
    run.add_argument("--snapshots", metavar="DIR", help="folder holding <source_id>/ snapshot folders")
    run.add_argument("--warehouse", metavar="PATH", help=WAREHOUSE_HELP)
    run.add_argument("--inbox", metavar="DIR", help="folder of filled survey workbooks (default $DIGIGOV_HOME/inbox "
                                                    "if it exists, else the embedded SAMPLE workbooks)")
    run.add_argument("--strict", action="store_true",
                     help="a failed fetch or a failed source fails the run (nothing published) instead of a warning")
    run.add_argument("--accept-drops", metavar="SRC,...", action="append", default=[],
                     help="accept that these sources' new snapshots remove indicators or drop more values than "
                          "config/guard.yaml allows (a real withdrawal); repeatable. Without it the published rows stay")
    run.add_argument("--task-runner", metavar="SPEC", help=RUNNER_HELP)
    run.add_argument("--local", action="store_true",
                     help="run the pipeline in this process without Prefect (no server to start; no task runner, "
                          "no artifacts); default $DIGIGOV_ENGINE (local or prefect, default prefect)")

    t = command("survey-template", "write the needs-assessment survey workbook for a focal point to fill in")
    t.add_argument("--out", required=True, metavar="FILE.xlsx", help="the workbook to write")
    t.add_argument("--country", metavar="ISO3", help="pre-fill the respondent country")
    t.add_argument("--language", default="en+ru", metavar="LANG",
                   help="en, ru, or both in one workbook: en+ru (default; English first) or ru+en")
    t.add_argument("--force", action="store_true", help="replace an existing file")

    e = command("export", "write an Excel extract of the published warehouse for reports")
    e.add_argument("--out", required=True, metavar="FILE.xlsx", help="the workbook to write")
    e.add_argument("--countries", metavar="ISO3,...", help="the countries to report on, comma-separated "
                                                           "(default: the focus group; comparators always shown)")
    e.add_argument("--year", type=_year, metavar="YYYY",
                   help="the extract as of this year: each value the latest up to it, readiness the latest "
                        "reference year up to it (default: the latest of everything)")
    e.add_argument("--contact", metavar="TEXT", help='who answers questions about the extract, for the cover '
                                                      '(e.g. "Data team, data@example.org"; default: '
                                                      'config/export.yaml)')
    e.add_argument("--warehouse", metavar="PATH", help=WAREHOUSE_HELP)
    e.add_argument("--force", action="store_true", help="replace an existing file")

    sv = command("serve", "serve the refresh flow on a cron schedule (needs a running Prefect server)")
    sv.add_argument("--cron", metavar="EXPR", help='cron schedule in UTC (default "0 6 * * 1": Mondays 06:00)')
    sv.add_argument("--name", default="digigov-weekly", help="deployment name (default digigov-weekly)")
    sv.add_argument("--warehouse", metavar="PATH", help=WAREHOUSE_HELP + ", resolved now for every scheduled run")
    smode = sv.add_mutually_exclusive_group()
    smode.add_argument("--online", dest="online", action="store_true", default=True,
                       help="scheduled runs fetch new snapshots first (default)")
    smode.add_argument("--offline", dest="online", action="store_false",
                       help="scheduled runs use the stored snapshots only")
    sv.add_argument("--strict", action="store_true",
                    help="a failed fetch or a failed source fails a scheduled run instead of a warning")
    sv.add_argument("--task-runner", metavar="SPEC", help=RUNNER_HELP)

    st = command("status", "last runs, each source's release and freshness, rejects, contradictions")
    st.add_argument("--warehouse", metavar="PATH", help=WAREHOUSE_HELP)

    d = command("describe", "what each public view and column of the warehouse means (its data dictionary)")
    d.add_argument("view", nargs="?", help="a view: describe its columns (default: list the views)")
    d.add_argument("--warehouse", metavar="PATH", help=WAREHOUSE_HELP)

    q = command("sql", "run one query on the published warehouse (read-only)")
    q.add_argument("statement", help="one SQL query (SELECT …), in quotes; several statements, writes, COPY, "
                                     "ATTACH, INSTALL/LOAD and SET are refused")
    q.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="table for people (default), csv or json for programs")
    q.add_argument("--warehouse", metavar="PATH", help=WAREHOUSE_HELP)
    return p


def _setup_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("digigov: %(message)s"))
    logger = logging.getLogger("digigov")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


ENGINES = ("local", "prefect")


def engine_of(args) -> str:
    """--local, else DIGIGOV_ENGINE (local | prefect), else prefect. A bad value is refused even
    under --local: a typo in the environment should not go unnoticed until the next run without it."""
    env = os.environ.get("DIGIGOV_ENGINE", "").strip().lower()
    if env and env not in ENGINES:
        raise UsageError(f"DIGIGOV_ENGINE={os.environ['DIGIGOV_ENGINE']!r}: use local (in this process, "
                         "without Prefect) or prefect (the digigov-refresh flow, the default)")
    engine = "local" if args.local else env or "prefect"
    if engine == "local" and args.task_runner:
        raise UsageError("--task-runner chooses where Prefect runs the per-source tasks, and a local run has no "
                         "Prefect: it stages the sources itself (in DIGIGOV_STAGE_WORKERS processes). Drop "
                         "--task-runner, or run without --local (and without DIGIGOV_ENGINE=local)")
    return engine


def cmd_run(args) -> int:
    from digigov.sources import source_ids

    only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
    known = source_ids(include_disabled=True)
    unknown = sorted(set(only or []) - set(known))
    if unknown:
        return usage_error(f"unknown source {', '.join(map(repr, unknown))}; known sources: {', '.join(known)}")
    accept = [s.strip() for given in args.accept_drops for s in given.split(",") if s.strip()]
    unknown = sorted(set(accept) - set(known))
    if unknown:
        return usage_error(f"--accept-drops: unknown source {', '.join(map(repr, unknown))}; "
                           f"known sources: {', '.join(known)}")
    if args.snapshots and not os.path.isdir(args.snapshots):
        return usage_error(f"--snapshots {args.snapshots}: no such folder")
    if args.inbox and not os.path.isdir(args.inbox):
        return usage_error(f"--inbox {args.inbox}: no such folder")
    local = engine_of(args) == "local"
    refresh = local_refresh() if local else prefect_refresh(args.task_runner)
    t0 = time.perf_counter()
    result = refresh(online=args.online, only=only, snapshots=args.snapshots, warehouse=args.warehouse,
                     strict=args.strict, inbox=args.inbox, accept_drops=accept or None)
    print_summary(result)
    print(f"pipeline {result['seconds']:.2f} s, total{'' if local else ' with Prefect'} "
          f"{time.perf_counter() - t0:.2f} s")
    return 0


def local_refresh():
    from digigov.flows.local import refresh
    from digigov.settings import stage_workers

    stage_workers()  # a bad DIGIGOV_STAGE_WORKERS stops the run before it starts, naming it
    return refresh


def prefect_refresh(runner_spec: str | None):
    """The Prefect flow with the task runner the spec names. Prefect is imported here and only
    here: a local run never pays for it."""
    prefect_environment()
    from digigov.flows.runners import task_runner

    try:
        runner = task_runner(runner_spec)
    except DigigovError as exc:
        raise UsageError(str(exc)) from None
    from digigov.flows.refresh import refresh

    return refresh.with_options(task_runner=runner)


def print_summary(result: dict) -> None:
    """The same table whichever engine ran the pipeline."""
    from digigov.flows.progress import fate
    from digigov.warehouse.guard import KEPT

    print(f"run {result['run_id']} published {result['warehouse']}")
    print(f"{'source':<16} {'files':>5} {'loaded':>8} {'rejected':>8}  snapshot")
    for s in result["sources"]:
        stale = "  STALE: " + result["stale"][s["source_id"]] if s["source_id"] in result["stale"] else ""
        sample = "  SAMPLE DATA, not survey results" if any(f.get("is_sample") for f in s["files"]) else ""
        print(f"{s['source_id']:<16} {len(s['files']):>5} {s['rows_loaded']:>8} {s['rows_rejected']:>8}  "
              f"{s['origin']} ({s['folder']}){stale}{sample}")
    c = result["counts"]
    carried = {(k["source_id"], k["file"]): k for k in c.get("carried", [])}
    for s in result["sources"]:
        for f in s["files"]:
            if f.get("failed"):
                print(f"{s['source_id']:<16} {f['file']} FAILED: {f['error']}\n{'':<16} "
                      + fate(carried.get((s["source_id"], f["file"]))))
    for sid, error in result["failed"].items():
        print(f"{sid:<16} FAILED: {error}\n{'':<16} " + fate(carried.get((sid, None))))
    print(f"warehouse: {c['observations']} observations, {c['aggregates']} aggregates, "
          f"{c['countries']} countries, {c['survey_responses']} survey answers, {c['readiness']} readiness cells, "
          f"{c['findings']} findings, {c['rejects']} rejects (see the `rejects` view)")
    for g in c.get("guard", []):
        print(f"{'DROP HELD BACK' if g['decision'] == KEPT else 'DROP ACCEPTED'}: {g['detail']}")
    for line in c.get("contradictions", []):
        print(f"CONTRADICTION: {line}")


def cmd_survey_template(args) -> int:
    from pathlib import Path

    from digigov.sources.survey import write_template
    from digigov.sources.survey.language import parse, specs
    from digigov.transforms.countries import countries_table

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        return usage_error(f"--out {args.out}: the template is an Excel workbook; give a .xlsx file name")
    if args.country and args.country.upper() not in set(countries_table([])["iso3"]):
        return usage_error(f"--country {args.country}: not a known ISO3 code")
    try:
        parse(args.language)
    except ValueError:
        return usage_error(f"--language {args.language}: give one of {', '.join(specs())}")
    if not out.parent.is_dir():
        raise DigigovError(f"{out.parent}: no such folder")
    if out.exists() and not args.force:
        raise DigigovError(f"{out} exists; use --force to replace it")
    written = write_template(out, country=args.country.upper() if args.country else None,
                             language_spec=args.language)
    print(f"wrote {written}")
    return 0


def cmd_export(args) -> int:
    from pathlib import Path

    from digigov.settings import warehouse_path
    from digigov.warehouse.export import export_workbook
    from digigov.warehouse.export_request import check_request, country_codes

    if Path(args.out).suffix.lower() != ".xlsx":
        return usage_error(f"--out {args.out}: the export is an Excel workbook; give a .xlsx file name")
    warehouse = warehouse_path(args.warehouse)
    countries = country_codes(args.countries) if args.countries is not None else None
    check_request(warehouse, countries, args.year)  # a code or year the warehouse lacks: exit 2
    result = export_workbook(warehouse, Path(args.out), countries=countries, year=args.year, force=args.force,
                             contact=args.contact)
    print(f"wrote {result['path']}: {len(result['sheets'])} sheets ({', '.join(result['sheets'])}), "
          f"{result['charts']} charts, {result['bytes']:,} bytes in {result['seconds']:.2f} s")
    for chart in result["skipped_charts"]:
        print(f"chart not drawn: {chart} (the cover says so too)")
    return 0


def prefect_environment() -> None:
    """Prefect settings digigov needs, unless the user set them: set before Prefect is imported."""
    # A temporary Prefect server starts when no PREFECT_API_URL is set; its first start on a new
    # PREFECT_HOME migrates a database and can exceed Prefect's default wait. No telemetry: offline.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The run's own lines reach the flow run's logs through the flow itself (flows/refresh.py
    # lines_in_run_logs), however Prefect was imported: no logging setting needed here.


def cmd_serve(args) -> int:
    prefect_environment()
    from digigov.flows.serve import DEFAULT_CRON, serve

    serve(args.cron or DEFAULT_CRON, name=args.name, warehouse=args.warehouse,
          online=args.online, strict=args.strict, task_runner=args.task_runner)
    return 0


def cmd_status(args) -> int:
    from digigov.settings import warehouse_path
    from digigov.warehouse.status import as_text, status

    wh = warehouse_path(args.warehouse)
    print(f"warehouse {wh}\n")
    print(as_text(status(wh)))
    return 0


def cmd_describe(args) -> int:
    from digigov.settings import warehouse_path
    from digigov.warehouse.describe import UnknownView, describe

    try:
        text = describe(warehouse_path(args.warehouse), args.view, width=shutil.get_terminal_size().columns)
    except UnknownView as exc:
        raise UsageError(str(exc)) from None
    sys.stdout.write(text)
    return 0


def cmd_sql(args) -> int:
    from digigov.settings import warehouse_path
    from digigov.warehouse.query import query, render

    sys.stdout.write(render(query(warehouse_path(args.warehouse), args.statement), args.format))
    return 0


def usage_error(message: str) -> int:
    print(f"digigov: usage error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _setup_logging()
    try:
        commands = {"run": cmd_run, "sql": cmd_sql, "describe": cmd_describe, "export": cmd_export,
                    "status": cmd_status, "serve": cmd_serve,
                    "survey-template": cmd_survey_template}
        return commands[args.command](args)
    except UsageError as exc:
        return usage_error(str(exc))
    except DigigovError as exc:
        print(f"digigov {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"digigov {args.command}: interrupted; the published warehouse is unchanged", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
