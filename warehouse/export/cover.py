"""The front of the extract: Cover (statistical title, period, about, source, contact, what rests
on SAMPLE data, who answered the survey, which charts could not be drawn), Contents (a link to
every sheet) and Notes (the notes the tables mark, and the shorthand for missing values)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from digigov import __version__
from digigov.warehouse.export.context import Extract, frame, records
from digigov.warehouse.export.model import Block, Col, Sheet

COVER_WIDTH = 110   # characters: the cover's one column of text


def join_names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def statistical_title(ex: Extract) -> str:
    return ex.cfg["title"].format(countries=join_names([ex.label(c) for c in ex.selected]), period=ex.period)


def _sample_lines(ex: Extract) -> list[str]:
    (s,) = records(frame(ex.con, "sample_data"))
    files, answers, findings, values = s["sample_files"], s["sample_answers"], s["sample_findings"], s["sample_values"]
    if not (files or answers or findings or values):
        return ["None: no part of this workbook rests on SAMPLE data."]
    lines = []
    if files:
        lines.append(f"The warehouse holds {len(files)} SAMPLE workbook(s) of invented answers, shipped so that the "
                     "survey's sheets can be tried; they are not survey results.")
    if answers:
        lines.append(f"{answers:,} survey answers of the countries shown are SAMPLE data. They appear only on sheets "
                     "Survey summary, Survey comments and Survey answers, labelled SAMPLE, and never enter a "
                     "readiness score.")
    if findings:
        lines.append(f"{findings} findings rest on SAMPLE data: sheet Findings, column SAMPLE data.")
    lines.append(f"{values:,} indicator values are SAMPLE data (sheet Indicators, column SAMPLE data)." if values
                 else "No indicator value rests on SAMPLE data.")
    return lines


def _survey_lines(ex: Extract) -> list[str]:
    lines = []
    for t in records(frame(ex.con, "survey_tracking")):
        parts = []
        if t["expected"]:
            parts.append(f"{t['answered']} of {t['expected']} expected organisations sent real answers "
                         f"({t['response_rate']:.0%})")
            if t["not_answered"]:
                parts.append("not yet: " + "; ".join(t["not_answered"]))
        else:
            parts.append(f"{t['organisations']} organisation(s) sent real answers (no roster of expected organisations)")
        if t["sample_organisations"]:
            parts.append(f"{t['sample_organisations']} SAMPLE workbook(s), never counted as answers")
        lines.append(f"{t['country']} ({t['iso3']}): " + "; ".join(parts) + ".")
    return lines or ["No survey workbooks and no roster of expected organisations for the countries shown."]


def cover_sheet(ex: Extract, *, now: dt.datetime, contact: str | None) -> Sheet:
    runs = records(frame(ex.con, "last_run"))
    run = runs[0] if runs else None
    if run and run["finished_at"] is not None:
        run_text = f"run {run['run_id']} ({run['status']}, finished {run['finished_at']:%Y-%m-%d %H:%M} UTC)"
    else:
        run_text = f"run {run['run_id']} ({run['status']})" if run else "no succeeded run recorded"
    comparators = join_names([ex.label(c) for c in ex.comparators_all]) or "no comparators"
    publishers = frame(ex.con, "publishers")
    contact = (contact if contact is not None else ex.cfg.get("contact") or "").strip()
    charts = ([f"Not drawn: {c}." for c in ex.skipped_charts] if ex.skipped_charts
              else ["Every chart of this workbook could be drawn."])
    shorthand = "; ".join(f"{k} {v}" for k, v in ex.cfg["shorthand"].items())
    lines: list = [
        ("h", "About this workbook"), ex.cfg["about"].format(comparators=comparators),
        ("h", "Period covered"),
        f"Indicator values {ex.period}: {ex.as_of} for each country and indicator. Readiness: {ex.ref_text}. "
        "Findings, institutions and survey answers are not dated: all those in the warehouse are shown.",
        ("h", "Countries"), join_names([f"{ex.label(c)} ({c})" for c in ex.selected]) + ".",
        ("h", "Comparators"),
        (join_names([f"{ex.label(c)} ({c})" for c in ex.comparators_all]) or "None") +
        f"; and the world average {ex.note('world_average')}.",
        ("h", "Source"),
        "; ".join(publishers["publisher"]) + ". Every file, its release and its checksum are on sheet Sources."
        if len(publishers) else "The warehouse records no source files.",
        ("h", "Produced"),
        f"{now:%Y-%m-%d %H:%M} UTC by digigov {__version__}, from the warehouse's {run_text}.",
        ("h", "Contact"),
        contact or 'None given for this extract (digigov export --contact "Name, e-mail" names one).',
        ("h", "SAMPLE data"), *_sample_lines(ex),
        ("h", "Survey responses"), *_survey_lines(ex),
        ("h", "Charts"), *charts,
        ("h", "How to read this workbook"),
        "Each sheet has its title in cell A1 and says what its tables hold above them; every table has a title "
        "row and one header row, with units in the headers. Notes are marked [note 1], [note 2] … and listed on "
        "sheet Notes.",
        f"Shorthand for cells without a value: {shorthand}.",
        "Levels (low, medium, high) are always written out; colours only repeat them.",
    ]
    return Sheet("Cover", statistical_title(ex), lines=lines, contents="Title, period, about, source, contact, "
                 "what rests on SAMPLE data, survey responses, charts", landscape=False,
                 freeze_header=False, repeat_header=False)


def contents_sheet(first: Sheet, rest: list[Sheet]) -> Sheet:
    """Contents, listing itself after the cover."""
    rows = [{"sheet": first.name, "holds": first.contents}, {"sheet": "Contents", "holds": "This list, with a link "
                                                                                           "to each sheet"}]
    df = pd.DataFrame(rows + [{"sheet": s.name, "holds": s.contents} for s in rest])
    columns = [Col("sheet", "Sheet", width=22, link=True), Col("holds", "What it holds", width=100, wrap=True)]
    return Sheet("Contents", "Contents: every sheet of this workbook", lines=["Select a sheet's name to go to it."],
                 blocks=[Block("Sheets", columns, df)], contents=rows[1]["holds"],
                 landscape=False)


def notes_sheet(ex: Extract) -> Sheet:
    notes = pd.DataFrame([{"note": f"[note {k}]", "text": text} for k, text in enumerate(ex.cfg["notes"].values(), 1)])
    shorthand = pd.DataFrame([{"symbol": k, "meaning": v} for k, v in ex.cfg["shorthand"].items()])
    return Sheet("Notes", "Notes and shorthand used in the tables of this workbook",
                 lines=["A table's title or header carries the marker of the note that applies to it."],
                 blocks=[Block("Notes", [Col("note", "Note number", width=12), Col("text", "Note text", width=100, wrap=True)],
                               notes, key="notes"),
                         Block("Shorthand for cells without a value",
                               [Col("symbol", "Symbol", width=12), Col("meaning", "Meaning", width=100, wrap=True)],
                               shorthand, key="shorthand")],
                 contents="What each note marker means, and the shorthand for missing values",
                 landscape=False, freeze_header=False, repeat_header=False)
