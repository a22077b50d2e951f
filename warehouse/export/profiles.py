"""One profile sheet per focus country, and one for the comparators: everything a report needs
about a country on one printable sheet, drawn from the same queries as the data sheets.

A profile holds the headline indices (latest value, the previous one, the change, the world
average and the comparators), the GTMI group in each wave, the readiness row with its intervals,
the top priority gaps, the findings about the country and its institutions, and three charts:
EGDI over time against the comparators and the world, the EGDI's components against the world,
and readiness by dimension with its intervals.
"""

from __future__ import annotations

import re

from digigov.warehouse.export.context import Extract, frame
from digigov.warehouse.export.figures import CHART_DATA, year_axis, years_of
from digigov.warehouse.export.model import NOT_APPLICABLE, Block, ChartSpec, Col, Sheet
from digigov.warehouse.export.tables import by_unit

COMPONENTS = [("osi", "OSI"), ("hci", "HCI"), ("tii", "TII")]


def sheet_name(label: str) -> str:
    """An Excel sheet name for a country: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "", label)[:31]


class Shared:
    """The queries every profile uses, run once for all the countries of the extract."""

    def __init__(self, ex: Extract):
        con = ex.con
        self.headline = frame(con, "headline", headline=ex.cfg["headline"], year=ex.year)
        self.groups = frame(con, "gtmi_groups", year=ex.year)
        self.cells = frame(con, "readiness_cells", ref_year=ex.ref["ref_year"])
        self.gaps = frame(con, "priority_gaps", ref_year=ex.ref["ref_year"])
        self.findings = frame(con, "findings")
        self.institutions = frame(con, "institutions")


# Every block of a profile shares one column skeleton, since a sheet's columns have one width:
# column A holds the row's label (indicator, dimension, statement, body), B a short text (unit,
# level), C-J numbers, K a longer text (source, what is missing).
LABEL, SHORT, NUMBER, WIDE_NUMBER, TEXT = 46, 20, 10, 11, 40


def _headline_block(ex: Extract, sh: Shared, iso3: str) -> Block:
    df = sh.headline[sh.headline["iso3"] == iso3].copy()
    if len(df):
        # A value with no earlier one: the change cannot exist ([z]); no value at all: [x].
        first = df["year"].notna() & df["previous_year"].isna()
        for name in ("change", "previous_year", "previous_value"):
            df[name] = df[name].astype(object)
            df.loc[first, name] = NOT_APPLICABLE
    columns = [Col("indicator", "Indicator", width=LABEL, wrap=True), Col("unit", "Unit", width=SHORT, wrap=True),
               Col("year", "Year", "0", width=NUMBER), Col("value", "Value [unit]", by_unit, width=NUMBER),
               Col("previous_year", "Previous year", "0", width=NUMBER),
               Col("previous_value", "Previous value [unit]", by_unit, width=NUMBER),
               Col("change", f"Change [unit] {ex.note('egdi_rank')}", by_unit, width=NUMBER),
               Col("world_value", f"World average [unit] {ex.note('world_average')}", by_unit, width=WIDE_NUMBER)]
    columns += [Col(c, f"{ex.label(c)} [unit]", by_unit, width=WIDE_NUMBER) for c in ex.comparators_all if c != iso3]
    columns.append(Col("source_id", "Source", width=TEXT, missing=NOT_APPLICABLE))
    return Block(f"Headline indices of {ex.label(iso3)}, {ex.as_of} {ex.note('latest_value')}", columns,
                 df.reset_index(drop=True), key=f"headline_{iso3}")


def _groups_block(ex: Extract, sh: Shared, iso3: str) -> Block:
    df = sh.groups[sh.groups["iso3"] == iso3].copy()
    df["wave"] = [f"GTMI {y}" for y in df["year"]]
    columns = [Col("wave", "Wave", width=LABEL), Col("gtmi_group", f"GTMI group {ex.note('gtmi_group')}", width=SHORT),
               Col("gtmi", "GTMI (index 0-1)", "0.000", width=NUMBER)]
    return Block(f"GovTech Maturity Index and group of {ex.label(iso3)} in each wave", columns,
                 df.reset_index(drop=True), key=f"gtmi_{iso3}", empty="No GTMI wave up to this year.")


def _readiness_block(ex: Extract, sh: Shared, iso3: str) -> Block:
    df = sh.cells[sh.cells["iso3"] == iso3]
    columns = [Col("dimension", "Dimension", width=LABEL, wrap=True), Col("level", "Level", width=SHORT),
               Col("score", "Score (0-1)", "0.00", width=NUMBER), Col("score_p05", "5th percentile", "0.00", width=NUMBER),
               Col("score_p95", "95th percentile", "0.00", width=NUMBER),
               Col("level_probability", "Chance of this level", "0%", width=NUMBER),
               Col("rank_interval", "Rank among those ranked: 5-95 %", width=NUMBER),
               Col("evidence_score", "Evidence part (0-1)", "0.00", width=WIDE_NUMBER),
               Col("survey_score", "Survey part (0-1)", "0.00", width=WIDE_NUMBER),
               Col("organisations", "Organisations answering", "0", width=WIDE_NUMBER),
               Col("missing", "What is missing", width=TEXT, wrap=True, missing="none")]
    return Block(f"Readiness of {ex.label(iso3)} by dimension, {ex.ref_text} {ex.note('readiness_score')} "
                 f"{ex.note('readiness_interval')}", columns, df.reset_index(drop=True), key=f"readiness_{iso3}",
                 scores=["score"], levels=["level"], empty="No readiness scores for this reference year.")


def _gaps_block(ex: Extract, sh: Shared, iso3: str) -> Block:
    df = sh.gaps[sh.gaps["iso3"] == iso3].copy()
    df["dimension"] = ["D" + str(d) + " " + n for d, n in zip(df["dimension_id"], df["dimension"])]
    columns = [Col("dimension", "Dimension", width=LABEL, wrap=True), Col("level", "Level", width=SHORT),
               Col("score", "Score (0-1)", "0.00", width=NUMBER), Col("score_p05", "5th percentile", "0.00", width=NUMBER),
               Col("score_p95", "95th percentile", "0.00", width=NUMBER),
               Col("priority", "Priority (1 = weakest)", "0", width=NUMBER),
               Col("gap_to_comparators", "Gap to the comparators", "0.00", width=NUMBER),
               Col("gap_to_world", "Gap to the world", "0.00", width=WIDE_NUMBER)]
    return Block(f"Priority gaps of {ex.label(iso3)}: the weakest scored dimensions, {ex.ref_text}", columns,
                 df.reset_index(drop=True), key=f"gaps_{iso3}", empty="No scored dimension in this reference year.")


def _findings_block(ex: Extract, sh: Shared, iso3: str) -> Block:
    df = sh.findings[sh.findings["iso3"] == iso3].copy()
    df["sample"] = ["SAMPLE" if s else "real" for s in df["is_sample"]]
    columns = [Col("statement", "Statement", width=LABEL, wrap=True), Col("finding_id", "Finding", width=SHORT, wrap=True),
               Col("check_status", f"Check against the data {ex.note('findings_check')}", width=NUMBER, wrap=True),
               Col("sample", f"Real or SAMPLE {ex.note('sample_data')}", width=NUMBER)]
    return Block(f"Findings that name {ex.label(iso3)} (not dated; the group's findings are on sheet Findings)", columns,
                 df.reset_index(drop=True), key=f"findings_{iso3}", empty="No finding names this country.")


def _institutions_block(ex: Extract, sh: Shared, iso3: str) -> Block:
    df = sh.institutions[sh.institutions["iso3"] == iso3].copy()
    df["body"] = [b if p is None or p != p else f"{b} (under {p})" for b, p in zip(df["body"], df["parent_body"])]
    columns = [Col("body", "Body", width=LABEL, wrap=True), Col("role", "Role", width=SHORT, wrap=True)]
    return Block(f"Institutions responsible for digital government in {ex.label(iso3)}", columns,
                 df.reset_index(drop=True), key=f"institutions_{iso3}",
                 empty="No institution is listed for this country.")


def _charts(ex: Extract, codes: list[str], index_blocks: dict[str, Block], focus_index: int | None) -> list[ChartSpec]:
    """EGDI against the comparators and the world; the components against the world; readiness."""
    who = ", ".join(ex.label(c) for c in codes)
    many = len(codes) > 1
    charts = []
    egdi = index_blocks["egdi"]
    have = [c for c in codes if len(egdi.frame) and egdi.frame[c].notna().any()]
    span = years_of(egdi)
    if have and span:
        series = [{"col": c, "name": ex.label(c), "role": "focus", "index": (focus_index or 0) + k}
                  for k, c in enumerate(have)]
        others = [c for c in ex.comparators_all if c not in codes]
        series += [{"col": c, "name": ex.label(c), "role": "comparator", "index": k} for k, c in enumerate(others)]
        series.append({"col": "world_value", "name": "World average", "role": "world"})
        against = " and ".join(ex.label(c) for c in others)
        charts.append(ChartSpec(
            "years", f"EGDI of {who}, {span[0]}–{span[1]}",
            f"Line chart of the E-Government Development Index (0 to 1) of {who} in every UN survey from {span[0]} to "
            f"{span[1]}{', against ' + against + ' (grey dotted lines)' if against else ''} and the world average "
            "(black dashed line). Years without a value are gaps. The values are on sheet Chart data.",
            {"block": (CHART_DATA, "egdi"), "x": "year", "series": series, "y_title": "EGDI (index 0-1)",
             "y_min": 0, "y_max": 1, **year_axis(span)}, width=640, height=270,
            after="" if many else f"institutions_{codes[0]}"))
    else:
        ex.skipped_charts.append(f"EGDI over time of {who}: no EGDI value {ex.up_to}")
    if len(codes) == 1 and span:
        c = codes[0]
        series = []
        for k, (key, short) in enumerate(COMPONENTS):
            if len(index_blocks[key].frame) and index_blocks[key].frame[c].notna().any():
                series.append({"block": key, "col": c, "name": f"{short}, {ex.label(c)}", "role": "focus", "index": k})
                series.append({"block": key, "col": "world_value", "name": f"{short}, world average",
                               "role": "reference", "index": k})
        if series:
            charts.append(ChartSpec(
                "years", f"EGDI components of {who}: OSI, HCI and TII against the world average",
                f"Line chart of the three components of the EGDI for {who}: the Online Service Index, the Human Capital "
                "Index and the Telecommunication Infrastructure Index (0 to 1) in every UN survey, each as a solid "
                "line with markers, and the world average of each as a dashed line of the same colour. The values are "
                "on sheet Chart data.",
                {"blocks": {k: (CHART_DATA, k) for k, _ in COMPONENTS}, "x": "year", "series": series,
                 "y_title": "Index (0-1)", "y_min": 0, "y_max": 1, **year_axis(span)}, width=640, height=270,
                after=f"institutions_{c}"))
    if len(codes) == 1:
        if ex.ref["ref_year"] is not None:
            c = codes[0]
            charts.append(ChartSpec(
                "bars", f"Readiness of {who} by dimension, {ex.ref['ref_year']}, with 5-95 % intervals",
                f"Column chart of {who}'s readiness score (0 to 1) in each of the nine dimensions, {ex.ref_text}: "
                "each column labelled with its score, the dimension's name and level below it, and a line from the "
                "5th to the 95th percentile of the uncertainty analysis. A dimension without a score has no column. "
                "The values are on sheet Chart data.",
                {"block": (CHART_DATA, f"readiness_{c}"), "categories": "label", "value": "score", "name": "Score",
                 "minus": "below", "plus": "above", "y_title": "Score (0-1)", "y_min": 0, "y_max": 1,
                 "y_format": "0.00"}, width=1296, height=300, after=f"gaps_{c}"))
        else:
            ex.skipped_charts.append(f"Readiness of {who}: the warehouse holds no readiness scores")
    return charts


def profile(ex: Extract, sh: Shared, codes: list[str], index_blocks: dict[str, Block], *,
            name: str, focus_index: int | None) -> Sheet:
    """A country's profile; with several codes (the comparators), their headline indices, GTMI and
    readiness one country after the other."""
    many = len(codes) > 1
    who = ", ".join(ex.label(c) for c in codes)
    title = f"{who}: digital-government profile, {ex.as_of}; readiness {ex.ref_text}"
    blocks = []
    for c in codes:
        blocks += [_headline_block(ex, sh, c), _groups_block(ex, sh, c), _readiness_block(ex, sh, c)]
        if not many:
            blocks += [_gaps_block(ex, sh, c), _institutions_block(ex, sh, c), _findings_block(ex, sh, c)]
    lines = [f"Where {who} stand{'s' if not many else ''} on the headline indices and the nine dimensions of readiness, "
             "against the comparators and the world. [x]: no value; [z]: not applicable (no earlier value). "
             "Notes: sheet Notes."]
    # Printed: the indices; readiness, gaps and their chart; institutions and the EGDI charts, then
    # the findings (on a page of their own when there are many); for the comparators a page per
    # country and the chart at the end.
    breaks = [f"headline_{c}" for c in codes[1:]] + ([f"readiness_{c}" for c in codes] if many else [])
    if not many:
        breaks.append(f"readiness_{codes[0]}")
        breaks.append(f"institutions_{codes[0]}")
        if len(blocks[-1].frame) > 4:   # many findings: a page of their own, after the charts
            breaks.append(f"findings_{codes[0]}")
    return Sheet(sheet_name(name), title, lines=lines, blocks=blocks, page_breaks=tuple(breaks),
                 charts=_charts(ex, codes, index_blocks, focus_index), landscape=True,
                 contents=f"Profile of {who}: headline indices, GTMI group, readiness, "
                          f"{'priority gaps, findings, institutions ' if not many else ''}and charts",
                 freeze_header=False, repeat_header=False)


def profiles(ex: Extract, index_blocks: dict[str, Block]) -> list[Sheet]:
    sh = Shared(ex)
    sheets = [profile(ex, sh, [c], index_blocks, name=ex.label(c), focus_index=k) for k, c in enumerate(ex.selected)]
    if ex.comparators:
        sheets.append(profile(ex, sh, ex.comparators, index_blocks, name="Comparators", focus_index=None))
    return sheets
