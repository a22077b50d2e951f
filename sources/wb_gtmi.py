"""World Bank GovTech Maturity Index, 2020 and 2022 waves: `Clean_GovTech.xlsx`, sheet `Sheet 1`.

A user-cleaned extract of the World Bank GovTech dataset (GTMI, group A-D, items I-1 ... I-48).
The contract every source meets is sources/base.py; this one is a TableSource. Every quirk
handled below is listed in snapshots/wb_gtmi/PROVENANCE.md.

The workbook is read with python-calamine: openpyxl's default mode fails on the file's dangling
drawing relationship, and its read-only mode trusts the sheet's `<dimension ref="A1"/>` (one cell)
unless told to recompute it. Calamine reads the cells as stored, and is the faster reader.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Mapping

import pandas as pd
import pandera.pandas as pa
import python_calamine

from digigov.errors import SourceFileError
from digigov.sources.base import VALUE_COLUMN, Mapped, SourceContext, TableSource, melt_wide
from digigov.sources.xlsx import fetch_xlsx

SOURCE_ID = "wb_gtmi"
FILE_GLOB = "*.xlsx"
ZIP_SIGNATURE = b"PK\x03\x04"


def value_columns(indicators: Mapping[str, Mapping]) -> dict[str, str]:
    """{sheet column: indicator id} for every indicator this source declares (GTMI and I-1 ... I-48).

    `indicators` is the source's own (`ctx.indicators`); given a whole catalogue, only this
    source's indicators are taken."""
    return {spec["column"]: ind for ind, spec in indicators.items()
            if spec.get("source_id") == SOURCE_ID and spec.get("column")}


def expected_columns(ctx: SourceContext) -> list[str]:
    """The identity columns of the layout, then one column per indicator."""
    return list(ctx.config["columns"].values()) + list(value_columns(ctx.indicators))


def release_of(path: Path, ctx: SourceContext) -> str:
    """One file holds both waves of one dataset release (the Oct 2022 GovTech dataset)."""
    return str(ctx.config["release"])


# ---- fetch ----------------------------------------------------------------------------------

def fetch(ctx: SourceContext, base_url: str, session=None) -> dict[str, bytes]:
    """Download the configured workbook(s); refuse a body that is not an xlsx with the data sheet."""
    return fetch_xlsx(ctx.config, base_url, session)


# ---- read -----------------------------------------------------------------------------------

def _text(value) -> str | None:
    """A cell as the string a user sees: numbers without a spurious '.0', blanks as missing.

    Many numbers in this workbook are stored as text (e.g. '0.27700000000000002'); they stay as
    stored. Native floats use Python's shortest round-trip form, so no digit is lost."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return str(value)
    text = str(value).strip()
    return text or None


def read(path: Path, ctx: SourceContext) -> pd.DataFrame:
    """The data rows of the sheet as published: every cell a string, blanks as missing.

    Adds _file and _row (the Excel row number). Drops the footer, i.e. every row with neither a
    Year nor a Code (blank rows, the 0/1/2 count rows, the total 198 and the note on I-26): they
    are not records. Raises SourceFileError naming file, sheet and column for an unreadable
    workbook, a missing sheet, or a missing or duplicated column."""
    path = Path(path)
    cfg = ctx.config
    expected = expected_columns(ctx)
    sheet_name = cfg["sheet"]
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise SourceFileError(path, f"not a readable xlsx workbook ({type(exc).__name__}: {exc})",
                              "re-download it") from None
    if sheet_name not in book.sheet_names:
        raise SourceFileError(path, f"sheet {sheet_name!r} not found (the workbook has {book.sheet_names})",
                              "the GTMI data must be on a sheet of that name (config/sources/wb_gtmi.yaml `sheet`)")
    cells = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)  # index i = Excel row i+1
    header_row = cfg["header_row"]
    if len(cells) < header_row:
        raise SourceFileError(path, f"sheet {sheet_name!r} is empty", "re-download it")
    header = [_text(h) or "" for h in cells[header_row - 1]]
    missing = [c for c in expected if c not in header]
    if missing:
        raise SourceFileError(path, f"sheet {sheet_name!r}: missing column{'s' if len(missing) > 1 else ''} "
                              + ", ".join(repr(c) for c in missing),
                              f"expected the header in row {header_row}: {expected}")
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise SourceFileError(path, f"sheet {sheet_name!r}: column{'s' if len(dupes) > 1 else ''} "
                              + ", ".join(repr(c) for c in dupes) + " appear more than once")
    keep = [i for i, h in enumerate(header) if h]
    names = [header[i] for i in keep]
    year_at, code_at = header.index(cfg["columns"]["year"]), header.index(cfg["columns"]["code"])
    rows = []
    for excel_row, rec in enumerate(cells[header_row:], start=header_row + 1):
        texts = [_text(v) for v in rec]
        if texts[year_at] is None and texts[code_at] is None:
            continue  # footer / blank row (PROVENANCE: footer junk)
        rows.append([texts[i] for i in keep] + [str(path), excel_row])
    df = pd.DataFrame(rows, columns=names + ["_file", "_row"])
    return df.astype({c: "object" for c in names})


# ---- schemas --------------------------------------------------------------------------------

def file_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """File-level rules: every configured survey year has rows (a file without a wave is not this dataset)."""
    cfg = ctx.config
    year_col, sheet = cfg["columns"]["year"], cfg["sheet"]

    def has_year(y):
        return pa.Check(lambda df: (df[year_col] == str(y)).any(),
                        error=f"sheet {sheet!r}, column {year_col!r}: no rows for survey year {y}")

    return pa.DataFrameSchema(checks=[has_year(y) for y in cfg["years"]])


def row_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """Row-level rules: year, code and group well formed; every value cell a number, blank or a
    documented missing marker (`New`, `-`), which the parser turns into missing before coercion.
    A value cell that is none of these is rejected on its own; the row's other values load.

    Scale limits are not checked here but on the harmonised observation (after the I-43 rescale),
    so a value outside its indicator's scale is quarantined with the indicator named."""
    cfg = ctx.config
    cols = cfg["columns"]
    markers = list(cfg["missing_markers"])
    to_missing = pa.Parser(lambda s: s.where(~s.isin(markers)))
    values = {c: pa.Column(float, nullable=True, coerce=True, parsers=to_missing, metadata=VALUE_COLUMN)
              for c in value_columns(ctx.indicators)}
    return pa.DataFrameSchema(
        {
            cols["year"]: pa.Column(int, coerce=True, checks=pa.Check.isin(cfg["years"])),
            cols["code"]: pa.Column(str, checks=pa.Check.str_matches(r"^[A-Z]{3}$")),
            cols["name"]: pa.Column(str, nullable=False),
            cols["group"]: pa.Column(str, nullable=True, checks=pa.Check.isin(cfg["groups"])),
            **values,
        },
        unique=[cols["year"], cols["code"]],
        report_duplicates="all",
        strict=False,
    )


# ---- to observations ------------------------------------------------------------------------

def to_observations(clean: pd.DataFrame, ctx: SourceContext) -> Mapped:
    """Long observations (publisher code in `iso3`, mapped by the shared harmonise step) and the
    GTMI group per economy and year as classification `gtmi_group`.

    Missing values (blank, `New`, `-`) are already missing after the row schema and are not
    emitted. Values published in another unit are rescaled as configured (I-43 in 2020: percent)."""
    cfg = ctx.config
    cols = cfg["columns"]
    year, code = cols["year"], cols["code"]
    df = clean.copy()
    for rule in cfg.get("rescale") or []:
        hit = df[year] == int(rule["year"])
        df.loc[hit, rule["column"]] = df.loc[hit, rule["column"]] * float(rule["factor"])
    column_to_id = value_columns(ctx.indicators)
    obs = melt_wide(df, country=code, year=year, column_to_id=column_to_id, key="iso3")
    grouped = df[df[cols["group"]].notna()]
    classes = pd.DataFrame({
        "iso3": grouped[code].astype(str),
        "scheme": cfg["group_scheme"],
        "year": grouped[year].astype(int),
        "category": grouped[cols["group"]].astype(str),
        "_file": grouped["_file"],
        "_row": grouped["_row"],
    }).reset_index(drop=True)
    return Mapped(obs, classifications=classes)


SOURCE = TableSource(source_id=SOURCE_ID, file_glob=FILE_GLOB, fetch=fetch, read=read, file_schema=file_schema,
                     row_schema=row_schema, release_of=release_of, to_observations=to_observations)
