"""World Bank Worldwide Governance Indicators (WGI): the long `wgidataset.xlsx`, 1996-2023 (2024 update).

The contract every source meets is sources/base.py; this one is a TableSource. Every quirk handled
below is listed in snapshots/wb_wgi/PROVENANCE.md. Sheet, columns and the `..` missing marker are
data: config/sources/wb_wgi.yaml. Only the six estimates are loaded (not the standard errors,
source counts or percentile ranks), so only the columns they need are converted.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from digigov.errors import SourceFileError
from digigov.sources.base import VALUE_COLUMN, Mapped, SourceContext, TableSource, observation_frame
from digigov.sources.xlsx import fetch_xlsx, read_sheet, xlsx_modified

SOURCE_ID = "wb_wgi"
FILE_GLOB = "wgidataset*.xlsx"


def _code_to_id(ctx: SourceContext) -> dict[str, str]:
    """Publisher indicator code (`ge`) -> digigov id (`wgi.ge`), from the source's catalogue entries."""
    return {spec["code"]: ind for ind, spec in ctx.indicators.items()}


def fetch(ctx: SourceContext, base_url: str, session=None) -> dict[str, bytes]:
    """Download wgidataset.xlsx; an HTML page or a workbook without the sheet is refused."""
    return fetch_xlsx(ctx.config, base_url, session)


def read(path: Path, ctx: SourceContext) -> pd.DataFrame:
    """The columns digigov uses, as published: strings, `..` as missing, with _file and _row.

    Every column of the 2024 layout must be present (a changed layout fails the file); only
    code, name, year, indicator and estimate are converted, to keep the read fast."""
    cfg = ctx.config
    use = cfg["use"]
    keep = [use[k] for k in ("code", "name", "year", "indicator", "value")]
    return read_sheet(path, cfg["sheet"], cfg["columns"], keep=keep,
                      missing_markers=cfg.get("missing_markers") or ())


def release_of(path: Path, ctx: SourceContext) -> str:
    """The update a file holds: WGI updates are named for the year after their last data year
    (the 2024 update runs to 2023). Read from the data, since the file name carries no year."""
    cfg = ctx.config
    years = pd.to_numeric(read(path, ctx)[cfg["use"]["year"]], errors="coerce").dropna()
    if years.empty:
        raise SourceFileError(path, f"sheet {cfg['sheet']!r}: column {cfg['use']['year']!r} holds no year")
    return str(int(years.max()) + 1)


def last_updated_of(path: Path, ctx: SourceContext | None = None) -> str | None:
    """The workbook's last-saved date (2024-09-27 for the 2024 update), from its document properties."""
    return xlsx_modified(path)


def file_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """File-level rule: all six indicators are present (a partial file would silently lose one)."""
    cfg = ctx.config
    sheet, column = cfg["sheet"], cfg["use"]["indicator"]
    codes = sorted(_code_to_id(ctx))
    return pa.DataFrameSchema(checks=[
        pa.Check(lambda df: set(codes) <= set(df[column].dropna()),
                 error=f"sheet {sheet!r}, column {column!r}: every indicator of {codes} must be present"),
    ])


def row_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """Row-level rules: text in `year`, an unknown indicator, a malformed code or a duplicated
    code x indicator x year quarantines that row; text in `estimate` rejects that cell (the row
    holds one value, so nothing else of it loads); the other rows load. A `..` estimate
    is missing (read() made it so), not an error."""
    cfg = ctx.config
    use = cfg["use"]
    return pa.DataFrameSchema(
        {
            use["code"]: pa.Column(str, nullable=False, checks=pa.Check.str_matches(r"^[A-Z]{3}$")),
            use["name"]: pa.Column(str, nullable=False),
            use["year"]: pa.Column(int, coerce=True, checks=pa.Check.in_range(cfg["first_year"], 2100)),
            use["indicator"]: pa.Column(str, nullable=False, checks=pa.Check.isin(sorted(_code_to_id(ctx)))),
            use["value"]: pa.Column(float, nullable=True, coerce=True, metadata=VALUE_COLUMN),
        },
        unique=[use["code"], use["indicator"], use["year"]],
        report_duplicates="all",
        strict=False,
    )


def to_observations(clean: pd.DataFrame, ctx: SourceContext) -> Mapped:
    """Long observations keyed by the publisher's country code in `iso3`.

    The shared harmonise step maps the legacy World Bank codes (ROM, ZAR, TMP, ADO, KSV, WBG) and
    rejects codes it does not know, naming them. Missing estimates are not emitted."""
    use = ctx.config["use"]
    obs = observation_frame(iso3=clean[use["code"]].astype(str),
                            indicator_id=clean[use["indicator"]].map(_code_to_id(ctx)),
                            year=clean[use["year"]], value=clean[use["value"]],
                            file=clean["_file"], row=clean["_row"])
    return Mapped(obs)


SOURCE = TableSource(source_id=SOURCE_ID, file_glob=FILE_GLOB, fetch=fetch, read=read, file_schema=file_schema,
                     row_schema=row_schema, release_of=release_of, to_observations=to_observations,
                     last_updated_of=last_updated_of)
