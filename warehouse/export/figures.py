"""Sheet Chart data (the tables every chart draws from) and sheet Charts (the group's charts).

Chart data leave a missing value blank, not `[x]`: Excel draws a text cell as zero, and a blank is
what `dispBlanksAs="gap"` turns into a gap. The sheet's text says so. Which charts cannot be drawn
(no value up to the extract's year) is decided here and in profiles.py, before any cell is
written, so the cover and the command line can say it.
"""

from __future__ import annotations

import pandas as pd

from digigov.warehouse.export.context import Extract
from digigov.warehouse.export.model import Block, ChartSpec, Col, Sheet

CHART_DATA = "Chart data"
INDICES = {"un.egdi": "EGDI", "un.osi": "OSI", "un.hci": "HCI", "un.tii": "TII"}
INDEX_NAMES = {"un.egdi": "E-Government Development Index", "un.osi": "Online Service Index",
               "un.hci": "Human Capital Index", "un.tii": "Telecommunication Infrastructure Index"}


def index_block(ex: Extract, series: pd.DataFrame, indicator_id: str) -> Block:
    """One UN index by survey year: a column per exported country and the world average."""
    df = series[series["indicator_id"] == indicator_id] if len(series) else series
    columns = [Col("year", "Survey year", "0", width=9, missing="")]
    columns += [Col(c, ex.label(c), "0.000", width=11, missing="") for c in ex.shown]
    columns.append(Col("world_value", "World average", "0.000", width=11, missing=""))
    return Block(f"{INDEX_NAMES[indicator_id]} ({INDICES[indicator_id]}) by survey year (index 0-1)", columns,
                 df.reset_index(drop=True), key=INDICES[indicator_id].lower(),
                 empty=f"No {INDICES[indicator_id]} value up to this year.")


def readiness_block(ex: Extract, cells: pd.DataFrame, iso3: str) -> Block:
    df = cells[cells["iso3"] == iso3].reset_index(drop=True)
    columns = [Col("label", "Dimension (level)", width=40, missing=""),
               Col("score", "Score (0-1)", "0.00", width=9, missing=""),
               Col("below", "Score minus 5th percentile", "0.00", width=11, missing=""),
               Col("above", "95th percentile minus score", "0.00", width=11, missing="")]
    return Block(f"Readiness of {ex.label(iso3)}, {ex.ref_text}", columns, df, key=f"readiness_{iso3}",
                 empty="No readiness scores for this reference year.")


def latest_egdi_block(ex: Extract, series: pd.DataFrame) -> tuple[Block, list[str]]:
    """EGDI in each exported country's latest survey up to the year, then the world average of the
    latest survey; `roles` sets the world and the comparators apart in the bar chart."""
    egdi = series[series["indicator_id"] == "un.egdi"] if len(series) else series
    rows, roles = [], []
    for iso3 in ex.shown:
        have = egdi[[iso3, "year"]].dropna() if len(egdi) else egdi
        if len(have):
            last = have.iloc[-1]
            rows.append({"country": ex.label(iso3), "year": int(last["year"]), "value": float(last[iso3])})
            roles.append("comparator" if iso3 in ex.comparators_all else "focus")
    world = egdi[["world_value", "year"]].dropna() if len(egdi) else egdi
    if len(world):
        last = world.iloc[-1]
        rows.append({"country": "World average", "year": int(last["year"]), "value": float(last["world_value"])})
        roles.append("world")
    columns = [Col("country", "Country", width=22, missing=""), Col("year", "Survey year", "0", missing=""),
               Col("value", "EGDI (index 0-1)", "0.000", missing="")]
    return Block("EGDI in each country's latest survey", columns, pd.DataFrame(rows, columns=["country", "year", "value"]),
                 key="egdi_latest", empty="No EGDI value up to this year."), roles


def years_of(block: Block) -> tuple[int, int] | None:
    years = [int(y) for y in block.frame["year"] if y is not None and y == y] if len(block.frame) else []
    return (min(years), max(years)) if years else None


def year_axis(span: tuple[int, int]) -> dict:
    lo, hi = span
    step = 2 if hi - lo <= 12 else 3
    return {"x_min": lo, "x_max": hi + ((hi - lo) % step and step - (hi - lo) % step), "x_step": step,
            "x_title": "Survey year"}


def chart_data_sheet(ex: Extract, blocks: list[Block]) -> Sheet:
    return Sheet(CHART_DATA, "Chart data: the values the charts of this workbook draw",
                 lines=["Blank cells are years without a value, left blank on purpose: a chart draws a blank as a "
                        "gap, but text such as [x] as a zero. The UN's no-online-presence markers are left out "
                        f"the same way {ex.note('no_online_presence')}.",
                        "The same values, with shorthand for missing ones, are on sheets Time series and Readiness."],
                 blocks=blocks, contents="The values every chart draws, one table per chart",
                 freeze_header=False, repeat_header=False, landscape=False)


def group_charts_sheet(ex: Extract, egdi: Block, latest: Block, roles: list[str]) -> Sheet:
    charts = []
    span = years_of(egdi)
    if span:
        series = [{"col": c, "name": ex.label(c), "role": "focus", "index": k} for k, c in enumerate(ex.selected)]
        series += [{"col": c, "name": ex.label(c), "role": "comparator", "index": k}
                   for k, c in enumerate(ex.comparators)]
        series.append({"col": "world_value", "name": "World average", "role": "world"})
        charts.append(ChartSpec(
            "years", f"EGDI, {span[0]}–{span[1]}: each country, the comparators and the world average",
            f"Line chart of the E-Government Development Index (0 to 1) in every UN survey from {span[0]} to "
            f"{span[1]} for {', '.join(ex.label(c) for c in ex.selected)}, with "
            f"{' and '.join(ex.label(c) for c in ex.comparators) or 'no comparators'} as grey dotted lines and the "
            "world average as a black dashed line. Years without a value are gaps. The values are on sheet Chart data.",
            {"block": (CHART_DATA, "egdi"), "x": "year", "series": series, "y_title": "EGDI (index 0-1)",
             "y_min": 0, "y_max": 1, **year_axis(span)}, width=900, height=420))
    else:
        ex.skipped_charts.append(f"EGDI over time (sheet Charts): no EGDI value {ex.up_to}")
    if len(latest.frame):
        years = sorted(set(int(y) for y in latest.frame["year"]))
        when = str(years[0]) if len(years) == 1 else f"the latest survey of each country ({years[0]}–{years[-1]})"
        charts.append(ChartSpec(
            "bars", f"EGDI, {when}: the countries, the comparators and the world average",
            "Column chart of the E-Government Development Index (0 to 1) in the latest survey"
            f"{' up to ' + str(ex.year) if ex.year is not None else ''}: one column per country, the comparators "
            "hatched grey and the world average black, each labelled with its value. The values are on sheet Chart data.",
            {"block": (CHART_DATA, "egdi_latest"), "categories": "country", "value": "value", "name": "EGDI",
             "y_title": "EGDI (index 0-1)", "y_min": 0, "y_max": 1, "y_format": "0.00", "points": roles},
            width=1000, height=340))
    else:
        ex.skipped_charts.append(f"EGDI by country (sheet Charts): no EGDI value {ex.up_to}")
    title = "Charts: the E-Government Development Index of every country against the comparators and the world"
    return Sheet("Charts", title,
                 lines=["Native Excel charts; their values are on sheet Chart data. Each country has its own colour "
                        "and marker, the comparators are grey dotted lines and the world average a black dashed line.",
                        f"World average {ex.note('world_average')}. Gaps are years without a value "
                        f"{ex.note('no_online_presence')}."],
                 charts=charts, contents=title, freeze_header=False, repeat_header=False, landscape=True)

