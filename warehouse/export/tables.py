"""The extract's data sheets: one table each, its title saying what, for whom and for when.

Rows come from sql/export/ queries; this module names the columns (header with its unit, number
format, width) and writes the titles. Every dated sheet says in its title which values it shows:
the latest up to the extract's year, the readiness reference year, or that it is not dated.
"""

from __future__ import annotations

import pandas as pd

from digigov.warehouse.export.context import Extract, frame, unit_format
from digigov.warehouse.export.model import NOT_APPLICABLE, Block, Col, Sheet

UN_INDICES = ["un.egdi", "un.osi", "un.hci", "un.tii", "un.epi"]


def countries_text(ex: Extract, codes: list[str] | None = None) -> str:
    codes = ex.selected if codes is None else codes
    if len(codes) > 3:
        return f"the {len(codes)} selected countries"
    names = [ex.label(c) for c in codes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def by_unit(row: dict) -> str:
    return unit_format(row["unit"])


def indicators(ex: Extract) -> Sheet:
    """Every indicator but the GTMI items, headline indices first."""
    df = frame(ex.con, "indicators", year=ex.year, headline=ex.cfg["headline"])
    world = ex.note("world_average")
    columns = [Col("indicator_id", "Indicator id", width=22), Col("indicator", "Indicator", width=45, wrap=True),
               Col("unit", "Unit", width=22, wrap=True), Col("iso3", "ISO3"), Col("country", "Country", width=16),
               Col("year", "Year", "0"), Col("value", "Value [unit]", by_unit),
               Col("world_value", f"World average [unit] {world}", by_unit),
               Col("world_countries", "World average: countries averaged", "0")]
    columns += [Col(c, f"{ex.label(c)} [unit]", by_unit) for c in ex.comparators_all]
    columns += [Col("source_id", "Source", width=16), Col("release", "Release", width=16, wrap=True),
                Col("is_sample", "SAMPLE data")]
    title = (f"Indicators for {countries_text(ex)}, {ex.as_of} {ex.note('latest_value')}, with the world average "
             f"and the comparators in the same year")
    return Sheet("Indicators", title,
                 lines=["One row per country and indicator: the headline indices first, then every other indicator "
                        "by source. The GTMI's 48 items are on sheet GTMI items.",
                        "Units are in the column headers; [x] means no value. Notes are on sheet Notes."],
                 blocks=[Block("Indicators", columns, df)], contents=title)


def gtmi_items(ex: Extract) -> Sheet:
    df = frame(ex.con, "gtmi_items", year=ex.year)
    wave = next((w for w in df["wave"] if w is not None), None) if len(df) else None
    columns = [Col("indicator_id", "Indicator id", width=13), Col("item", "GTMI item", width=60, wrap=True),
               Col("unit", "Unit (code range)", width=16, wrap=True)]
    columns += [Col(c, f"{ex.label(c)}", "0.##", width=12) for c in ex.shown]
    columns += [Col("world_value", f"World average {ex.note('world_average')}", "0.00", width=12),
                Col("world_countries", "World average: countries averaged", "0", width=12)]
    when = f"the {wave} wave" if wave is not None else "no wave"
    up_to = f" (the latest up to {ex.year})" if ex.year is not None else " (the latest)"
    title = f"GovTech Maturity Index items I-1 to I-48, {when}{up_to}: each country's code and the world average"
    return Sheet("GTMI items", title,
                 lines=["Each item is coded by the World Bank from 0 (absent) up to 1, 2 or 3 (fully in place); its "
                        "range is in column Unit. Several items feed the readiness scores (sheet Method)."],
                 blocks=[Block("GTMI items", columns, df, empty="The warehouse holds no GTMI items up to this year.")],
                 contents=title)


def time_series(ex: Extract) -> tuple[Sheet, object]:
    df = frame(ex.con, "time_series", indices=UN_INDICES, year=ex.year)
    years = [y for y in df["year"] if y is not None] if len(df) else []
    span = f"{min(years)}–{max(years)}" if years else "no survey year"
    columns = [Col("indicator_id", "Indicator id", width=12), Col("indicator", "Indicator", width=36, wrap=True),
               Col("year", "Survey year", "0", width=9)]
    columns += [Col(c, f"{ex.label(c)} [index 0-1]", "0.000", width=12) for c in ex.shown]
    columns += [Col("world_value", f"World average [index 0-1] {ex.note('world_average')}", "0.000", width=14)]
    up_to = f" (the surveys up to {ex.year})" if ex.year is not None else ""
    title = f"UN E-Government Survey indices, every survey {span}{up_to}: EGDI, OSI, HCI, TII and EPI"
    return Sheet("Time series", title,
                 lines=[f"One row per index and survey year; one column per country and the world average. "
                        f"{ex.note('no_online_presence')} The UN's no-online-presence markers are shown as [x]."],
                 blocks=[Block("UN indices", columns, df)], contents=title), df


def readiness(ex: Extract) -> Sheet:
    """The matrix (country × dimension, scores) for the overview, then one row per cell with its
    interval, level and rank: printable, and every number in a column of its own."""
    dims = frame(ex.con, "dimensions")
    wide = frame(ex.con, "readiness", ref_year=ex.ref["ref_year"])
    matrix = [Col("iso3", "ISO3"), Col("country", "Country", width=14)]
    matrix += [Col(f"{d}_score", f"D{d} {name} (score 0-1)", "0.00", width=11)
               for d, name in zip(dims["dimension_id"], dims["name"])]
    matrix.append(Col("unscored", "Dimensions without a score: why", width=50, wrap=True, missing="none"))
    cells = frame(ex.con, "readiness_cells", ref_year=ex.ref["ref_year"])
    cells["country"] = [ex.label(c) for c in cells["iso3"]]
    detail = [Col("iso3", "ISO3"), Col("dimension", "Dimension", width=34, wrap=True),
              Col("score", "Score (0-1)", "0.00", width=9), Col("score_p05", "5th percentile", "0.00", width=10),
              Col("score_p95", "95th percentile", "0.00", width=10), Col("level", "Level", width=9),
              Col("level_probability", "Chance of this level", "0%", width=10),
              Col("rank", "Rank among the countries ranked", "0", width=10),
              Col("rank_interval", "Rank: 5-95 % interval", width=10), Col("n_ranked", "Countries ranked", "0", width=9),
              Col("evidence_score", "Evidence part (0-1)", "0.00", width=10),
              Col("survey_score", "Survey part (0-1)", "0.00", width=10),
              Col("missing", "What is missing", width=44, wrap=True, missing="none")]
    title = f"Readiness by dimension, {ex.ref_text}: scores, 5-95 % intervals and levels"
    return Sheet("Readiness", title,
                 lines=[f"Scores run from 0 (weakest) to 1 (strongest); levels: low below 0.4, medium from 0.4, high "
                        f"from 0.7 {ex.note('readiness_score')}. The interval is the 5th to 95th percentile of the "
                        f"score under the uncertainty analysis {ex.note('readiness_interval')}.",
                        "[x]: no score (the last column of the first table says why). Colours only repeat the "
                        "numbers and the levels written in the cells."],
                 blocks=[Block(f"Readiness scores, {ex.ref_text}", matrix, wide, key="matrix",
                               scores=[c.name for c in matrix if c.name.endswith("_score")]),
                         Block(f"Each score with its interval, level and rank, {ex.ref_text}", detail, cells,
                               key="cells", scores=["score"], levels=["level"])],
                 contents=title, freeze_header=False, repeat_header=False)


def priority_gaps(ex: Extract) -> Sheet:
    columns = [Col("iso3", "ISO3"), Col("country", "Country", width=14), Col("priority", "Priority (1 = weakest)", "0"),
               Col("dimension_id", "Dimension id", "0"), Col("dimension", "Dimension", width=30, wrap=True),
               Col("score", "Score (0-1)", "0.00"), Col("score_p05", "5th percentile", "0.00"),
               Col("score_p95", "95th percentile", "0.00"), Col("level", "Level"),
               Col("gap_to_comparators", "Gap to the comparators (score points)", "0.00"),
               Col("gap_to_world", "Gap to the world (score points)", "0.00"),
               Col("missing", "Missing evidence", width=45, wrap=True, missing="none")]
    title = f"Priority gaps: each country's weakest scored dimensions, {ex.ref_text}"
    return Sheet("Priority gaps", title,
                 lines=["A gap is the country's score minus the comparators' (or the world's) mean score in the "
                        f"same dimension: negative means behind. Evidence only {ex.note('readiness_score')}."],
                 blocks=[Block("Priority gaps", columns, frame(ex.con, "priority_gaps", ref_year=ex.ref["ref_year"]))],
                 contents=title)


def readiness_components(ex: Extract) -> Sheet:
    columns = [Col("iso3", "ISO3"), Col("dimension_id", "Dimension", "0", width=9),
               Col("concept", "Concept", width=22, wrap=True), Col("indicator_id", "Indicator id", width=18),
               Col("indicator", "Indicator", width=40, wrap=True), Col("unit", "Unit", width=16, wrap=True),
               Col("value", "Value [unit]", by_unit), Col("value_year", "Value year", "0"),
               Col("goalpost_low", "Goalpost low [unit]", by_unit), Col("goalpost_high", "Goalpost high [unit]", by_unit),
               Col("normalised", "Normalised (0-1)", "0.00"), Col("weight", "Weight in the evidence score", "0.00"),
               Col("source_id", "Source", width=14), Col("note", "Note", width=45, wrap=True, missing="none")]
    title = f"What each readiness score rests on, {ex.ref_text}: one row per country, dimension and concept"
    return Sheet("Readiness components", title,
                 lines=["The value used, its year, the goalposts that put it on 0-1, the normalised value and its weight; "
                        "sheet Method explains each step."],
                 blocks=[Block("Readiness components", columns,
                               frame(ex.con, "readiness_components", ref_year=ex.ref["ref_year"]))],
                 contents=title)


def findings(ex: Extract) -> Sheet:
    columns = [Col("finding_id", "Finding id", width=12), Col("iso3", "ISO3 ([z]: the whole group)", missing=NOT_APPLICABLE),
               Col("dimension_id", "Dimension", "0", width=9),
               Col("topic", "Topic", width=20, wrap=True), Col("statement", "Statement", width=60, wrap=True),
               Col("evidence", "Evidence", width=36, wrap=True, missing="none"),
               Col("is_sample", "SAMPLE data"),
               Col("check_status", f"Check against the data {ex.note('findings_check')}", width=14),
               Col("check_detail", "Check detail", width=45, wrap=True, missing="none")]
    title = "Findings of the needs assessment, checked against the warehouse's latest data (findings are not dated)"
    return Sheet("Findings", title, lines=["Findings are written in this project's own words; the study's figures are "
                                          "checked on every run."],
                 blocks=[Block("Findings", columns, frame(ex.con, "findings"))], contents=title)


def institutions(ex: Extract) -> Sheet:
    columns = [Col("iso3", "ISO3"), Col("country", "Country", width=14), Col("body", "Body", width=45, wrap=True),
               Col("role", "Role", width=40, wrap=True), Col("parent_body", "Parent body", width=34, wrap=True, missing="none"),
               Col("note", "Note", width=40, wrap=True, missing="none"), Col("source_id", "Source", width=14)]
    title = f"Institutions responsible for digital government in {countries_text(ex)} (as the needs assessment lists them)"
    return Sheet("Institutions", title, blocks=[Block("Institutions", columns, frame(ex.con, "institutions"))],
                 contents=title)


def survey_summary(ex: Extract) -> Sheet:
    columns = [Col("iso3", "ISO3"), Col("number", "No.", width=6), Col("question", "Question", width=80, wrap=True),
               Col("data", f"Real or SAMPLE {ex.note('sample_data')}", width=12),
               Col("organisations", "Organisations answering", "0"), Col("n_yes", "Yes", "0", width=6),
               Col("n_partial", "Partly", "0", width=7), Col("n_no", "No", "0", width=6),
               Col("n_unknown", "Don't know", "0", width=8), Col("share_yes", "Share yes (%)", "0%"),
               Col("majority", "Most frequent answer", width=12), Col("mean_value", "Mean (numeric answers)", "0.0"),
               Col("mean_score", "Mean score (0-1)", "0.00")]
    df = frame(ex.con, "survey_summary")
    title = "Survey summary: how the organisations of each country answered each question (all workbooks received)"
    n_sample = int((df["data"] == "SAMPLE").sum()) if len(df) else 0
    lines = [f"Answers of each organisation's current workbook {ex.note('survey_answers')}. Real and SAMPLE answers are "
             "summarised in separate rows, never together."]
    if n_sample:
        lines.append(f"{n_sample} of these {len(df)} rows summarise SAMPLE answers: invented, for trying the sheets "
                     f"only {ex.note('sample_data')}.")
    return Sheet("Survey summary", title, lines=lines,
                 blocks=[Block("Survey summary", columns, df, empty="No survey workbooks for the selected countries.")],
                 contents=title)


def survey_comments(ex: Extract) -> Sheet:
    columns = [Col("iso3", "ISO3"), Col("organisation", "Organisation", width=36, wrap=True),
               Col("number", "No.", width=6), Col("question", "Question", width=40, wrap=True),
               Col("answer", "Answer", width=10, missing="none"), Col("comment", "Comment", width=55, wrap=True),
               Col("data", f"Real or SAMPLE {ex.note('sample_data')}", width=12),
               Col("source_file", "Workbook", width=24, wrap=True), Col("cell", "Cell", width=8)]
    df = frame(ex.con, "survey_comments")
    title = "Survey comments: what organisations wrote beside their answers (all workbooks received)"
    lines = ["Comments are shown as written, in the respondent's language."]
    if len(df) and (df["data"] == "SAMPLE").any():
        lines.append("Rows marked SAMPLE come from invented workbooks shipped for trying the sheets "
                     f"{ex.note('sample_data')}.")
    return Sheet("Survey comments", title, lines=lines,
                 blocks=[Block("Survey comments", columns, df, empty="No comments in the survey workbooks received.")],
                 contents=title)


def survey_answers(ex: Extract) -> Sheet:
    """One table per country: a row per question, a column per organisation (its current workbook),
    so a country's answers read across on one page."""
    df = frame(ex.con, "survey_answers")
    blocks = []
    for iso3 in ex.selected:
        part = df[df["iso3"] == iso3]
        if not len(part):
            continue
        orgs = list(dict.fromkeys(part["organisation"]))
        sample = dict(zip(part["organisation"], part["is_sample"]))
        wide = (part.groupby(["number", "question"], sort=False)
                .apply(lambda g: pd.Series({f"o{k}": next((a for o, a in zip(g["organisation"], g["answer"]) if o == org),
                                                          None) for k, org in enumerate(orgs)}), include_groups=False)
                .reset_index())
        columns = [Col("number", "No.", width=6), Col("question", "Question", width=50, wrap=True)]
        for k, org in enumerate(orgs):
            label = org if ("SAMPLE" in org or not sample[org]) else f"{org} (SAMPLE)"
            columns.append(Col(f"o{k}", label, width=18, wrap=True, missing="no answer"))
        blocks.append(Block(f"{ex.label(iso3)}: answers of {len(orgs)} organisation{'s' if len(orgs) > 1 else ''}",
                            columns, wide, key=f"answers_{iso3}"))
    if not blocks:
        blocks = [Block("Survey answers", [Col("number", "No."), Col("question", "Question", width=50)],
                        df.iloc[0:0], empty="No survey answers for the selected countries.")]
    title = "Survey answers: each organisation's answer to each question, by country (all workbooks received)"
    lines = [f"Each organisation's current workbook {ex.note('survey_answers')}; comments are on sheet Survey comments."]
    if len(df) and df["is_sample"].any():
        lines.append(f"Organisations marked SAMPLE are invented workbooks shipped for trying the sheets "
                     f"{ex.note('sample_data')}.")
    return Sheet("Survey answers", title, lines=lines, blocks=blocks, contents=title,
                 freeze_header=False, repeat_header=False)


def sources(ex: Extract) -> Sheet:
    columns = [Col("source_id", "Source id", width=16), Col("file", "File", width=30, wrap=True),
               Col("publisher", "Publisher", width=24, wrap=True), Col("title", "Title", width=36, wrap=True),
               Col("url", "URL", width=36, wrap=True), Col("licence", "Licence", width=20, wrap=True),
               Col("release", "Release", width=12, wrap=True), Col("retrieved_at", "Retrieved", width=16),
               Col("rows_loaded", "Rows loaded", "#,##0"), Col("rows_rejected", "Rows rejected", "#,##0"),
               Col("stale", "Stale"), Col("is_sample", "SAMPLE data"), Col("sha256", "SHA-256", width=14)]
    title = "Sources: every file in the warehouse, with its publisher, release, licence and checksum"
    return Sheet("Sources", title, blocks=[Block("Sources", columns, frame(ex.con, "sources"),
                                                 empty="The warehouse records no source files.")],
                 contents=title)


def definitions(ex: Extract) -> Sheet:
    columns = [Col("indicator_id", "Indicator id", width=20), Col("name", "Name", width=40, wrap=True),
               Col("definition", "Definition", width=70, wrap=True, missing="none"), Col("unit", "Unit", width=18, wrap=True),
               Col("source_id", "Source", width=16), Col("dimension_id", "Dimension", "0", width=9, missing=NOT_APPLICABLE),
               Col("higher_is_better", "Higher is better", width=8)]
    title = "Definitions: what each indicator measures, its unit, source and readiness dimension"
    return Sheet("Definitions", title, lines=["[z] in column Dimension: the indicator feeds no readiness dimension."],
                 blocks=[Block("Definitions", columns, frame(ex.con, "indicator_notes"),
                               empty="The warehouse records no indicators.")], contents=title)
