"""World Bank GovTech Maturity Index panel: GTMI, its four sub-indices and the group, one row per
economy and wave (`groups_data.xlsx`, sheet `Sheet1`, from the World Bank PIDA team's gtmiR package).

A TableSource (contract: sources/base.py). Everything wave-specific is config
(config/sources/wb_gtmi_panel.yaml): the waves (`years`), the identity columns, and the crosswalk
`value_columns` {sheet column: indicator id}. A new wave is a new `years` entry and a new snapshot
file, not new code. Quirks (the summary rows under the 2025 block, Nicaragua absent in 2025, old
World Bank codes in 2020) are listed in snapshots/wb_gtmi_panel/PROVENANCE.md.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import python_calamine

from digigov.errors import SourceFileError
from digigov.sources.base import VALUE_COLUMN, Mapped, SourceContext, TableSource, melt_wide
from digigov.sources.xlsx import fetch_xlsx

SOURCE_ID = "wb_gtmi_panel"
FILE_GLOB = "*.xlsx"


def _text(value) -> str | None:
    """A cell as a string: integral floats without '.0', full repr otherwise, blanks as missing."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    return text or None


def expected_columns(ctx: SourceContext) -> list[str]:
    return list(ctx.config["columns"].values()) + list(ctx.config["value_columns"])


def fetch(ctx: SourceContext, base_url: str, session=None) -> dict[str, bytes]:
    return fetch_xlsx(ctx.config, base_url, session)


def release_of(path: Path, ctx: SourceContext) -> str:
    """One file holds every wave; its release is the configured one (named after the newest wave)."""
    return str(ctx.config["release"])


def read(path: Path, ctx: SourceContext) -> pd.DataFrame:
    """Every row of the sheet as published (strings, blanks missing), plus _file and _row."""
    path, cfg = Path(path), ctx.config
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise SourceFileError(path, f"not a readable xlsx workbook ({type(exc).__name__}: {exc})",
                              "re-download it") from None
    if cfg["sheet"] not in book.sheet_names:
        raise SourceFileError(path, f"sheet {cfg['sheet']!r} not found (the workbook has {book.sheet_names})")
    cells = book.get_sheet_by_name(cfg["sheet"]).to_python(skip_empty_area=False)
    if not cells:
        raise SourceFileError(path, f"sheet {cfg['sheet']!r} is empty", "re-download it")
    header = [_text(h) or "" for h in cells[0]]
    missing = [c for c in expected_columns(ctx) if c not in header]
    if missing:
        raise SourceFileError(path, f"sheet {cfg['sheet']!r}: missing column(s) " + ", ".join(map(repr, missing)),
                              f"expected the header in row 1: {expected_columns(ctx)}")
    rows = [[_text(v) for v in rec] + [str(path), n]
            for n, rec in enumerate(cells[1:], start=2) if any(_text(v) is not None for v in rec)]
    df = pd.DataFrame(rows, columns=header + ["_file", "_row"])
    return df[expected_columns(ctx) + ["_file", "_row"]].astype(object)


def file_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """Every configured wave has rows: a file without a wave is not this release."""
    year = ctx.config["columns"]["year"]

    def has_year(y):
        return pa.Check(lambda df: (df[year] == str(y)).any(), error=f"column {year!r}: no rows for wave {y}")

    return pa.DataFrameSchema(checks=[has_year(y) for y in ctx.config["years"]])


def row_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """Year a configured wave, values numbers. Code and group are not checked here: the summary rows
    under the 2025 block (a number as code, a count as group) are left out on purpose in
    to_observations, and the economies' codes go through the shared country mapping."""
    cols = ctx.config["columns"]
    values = {c: pa.Column(float, nullable=True, coerce=True, metadata=VALUE_COLUMN) for c in ctx.config["value_columns"]}
    return pa.DataFrameSchema(
        {cols["year"]: pa.Column(int, coerce=True, checks=pa.Check.isin(ctx.config["years"])),
         cols["code"]: pa.Column(str), cols["group"]: pa.Column(str, nullable=True), **values},
        unique=[cols["year"], cols["code"]], report_duplicates="all", strict=False)


def to_observations(clean: pd.DataFrame, ctx: SourceContext) -> Mapped:
    """Observations of the configured columns, and the group per economy and wave (`group_scheme`).
    A row whose group is not one of `groups` is a summary row, not an economy: excluded with a reason."""
    cfg = ctx.config
    cols = cfg["columns"]
    is_economy = clean[cols["group"]].isin(cfg["groups"])
    df = clean[is_economy]
    excluded = clean[~is_economy].assign(reason=cfg["excluded_reason"])
    obs = melt_wide(df, country=cols["code"], year=cols["year"], column_to_id=dict(cfg["value_columns"]),
                    key="iso3")
    classes = pd.DataFrame({
        "iso3": df[cols["code"]].astype(str), "scheme": cfg["group_scheme"], "year": df[cols["year"]].astype(int),
        "category": df[cols["group"]].astype(str), "_file": df["_file"], "_row": df["_row"],
    }).reset_index(drop=True)
    return Mapped(obs, excluded=excluded.reset_index(drop=True), classifications=classes)


SOURCE = TableSource(source_id=SOURCE_ID, file_glob=FILE_GLOB, fetch=fetch, read=read, file_schema=file_schema,
                     row_schema=row_schema, release_of=release_of, to_observations=to_observations)
