"""World Bank Digital Adoption Index (DAI): the publisher's `DAIforweb.xlsx`, 2014 and 2016.

The contract every source meets is sources/base.py; this one is a TableSource. Every quirk handled
below is listed in snapshots/wb_dai/PROVENANCE.md. Sheet name, columns, years and the World Bank
country spellings that need an ISO3 override are data: config/sources/wb_dai.yaml.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from digigov.errors import SourceFileError
from digigov.sources.base import VALUE_COLUMN, Mapped, SourceContext, TableSource, melt_wide
from digigov.sources.xlsx import fetch_xlsx, read_sheet, xlsx_modified

SOURCE_ID = "wb_dai"
FILE_GLOB = "DAIforweb*.xlsx"

# ---- this source ----------------------------------------------------------------------------

def fetch(ctx: SourceContext, base_url: str, session=None) -> dict[str, bytes]:
    """Download DAIforweb.xlsx; an HTML page or a workbook without the sheet is refused."""
    return fetch_xlsx(ctx.config, base_url, session)


def read(path: Path, ctx: SourceContext) -> pd.DataFrame:
    """The sheet as published (strings; the documented blank DAI/Government cells as missing)."""
    cfg = ctx.config
    return read_sheet(path, cfg["sheet"], cfg["columns"], missing_markers=cfg.get("missing_markers") or ())


def release_of(path: Path, ctx: SourceContext) -> str:
    """The edition a file holds: its latest year (the file is the 2016 edition, with 2014 too).

    Read from the data, not the file name, because the file name carries no year."""
    cfg = ctx.config
    years = pd.to_numeric(read(path, ctx)[cfg["year_column"]], errors="coerce").dropna()
    if years.empty:
        raise SourceFileError(path, f"sheet {cfg['sheet']!r}: column {cfg['year_column']!r} holds no year")
    return str(int(years.max()))


def last_updated_of(path: Path, ctx: SourceContext | None = None) -> str | None:
    """DAIforweb.xlsx carries no document properties, so this is None and the manifest's date is used."""
    return xlsx_modified(path)


def file_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """File-level rules: the full panel (every economy in every configured year) is there."""
    cfg = ctx.config
    sheet, year_col, expected = cfg["sheet"], cfg["year_column"], cfg["expected_rows"]
    years = [str(y) for y in cfg["years"]]
    return pa.DataFrameSchema(checks=[
        pa.Check(lambda df: len(df) == expected,
                 error=f"sheet {sheet!r}: expected {expected} data rows "
                       f"({expected // len(years)} economies x {len(years)} years)"),
        pa.Check(lambda df: set(years) <= set(df[year_col].dropna()),
                 error=f"sheet {sheet!r}, column {year_col!r}: every year of {years} must be present"),
    ])


def row_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """Row-level rules: a bad index cell (text in a number column, a value outside 0-1) is
    rejected and set missing, the row's other values load; a year not configured or a duplicated
    country-year quarantines the row; the other rows load."""
    cfg = ctx.config
    index = pa.Column(float, nullable=True, coerce=True, checks=pa.Check.in_range(0, 1),
                      metadata=VALUE_COLUMN)
    country, year = cfg["country_column"], cfg["year_column"]
    return pa.DataFrameSchema(
        {
            country: pa.Column(str, nullable=False, checks=pa.Check.str_length(min_value=2)),
            year: pa.Column(int, coerce=True, checks=pa.Check.isin(list(cfg["years"]))),
            **{c: index for c in cfg["columns"] if c not in (country, year)},
        },
        unique=[country, year],
        report_duplicates="all",
        strict=False,
    )


def to_observations(clean: pd.DataFrame, ctx: SourceContext) -> Mapped:
    """Long observations by World Bank country name (harmonise maps names to ISO3).

    Blank cells (overall DAI and Government for Hong Kong SAR, Macao SAR and West Bank and
    Gaza, both years) are simply not emitted: the overall index is the mean of the three
    sub-indices and cannot be computed without Government. Their Business and People values load."""
    column_to_id = {spec["column"]: ind for ind, spec in ctx.indicators.items()}
    country, year = ctx.config["country_column"], ctx.config["year_column"]
    return Mapped(melt_wide(clean, country=country, year=year, column_to_id=column_to_id))


SOURCE = TableSource(source_id=SOURCE_ID, file_glob=FILE_GLOB, fetch=fetch, read=read, file_schema=file_schema,
                     row_schema=row_schema, release_of=release_of, to_observations=to_observations,
                     last_updated_of=last_updated_of)
