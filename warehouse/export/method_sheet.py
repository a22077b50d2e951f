"""Sheet Method: how the readiness scores are computed, read from the warehouse itself.

The build stores the method in words next to the scores (core.readiness_method and
core.readiness_concept, from the same `Method` object; core.readiness_goalpost with the goalposts
it computed), so this sheet describes the numbers of this warehouse's run and cannot drift from
them, even when config/readiness.yaml has changed since.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from digigov.errors import DigigovError
from digigov.warehouse.export.context import frame
from digigov.warehouse.export.model import NOT_APPLICABLE, Block, Col, Sheet

NAME = "Method"
LINES = [
    "The readiness method follows the OECD/JRC Handbook on Constructing Composite Indicators (2008) and the JRC's COIN guidance.",
    "This sheet was written from the warehouse's own record of its method, so it describes the scores in this workbook.",
    "Parameters: how a score is computed. Dimensions and concepts: what each score rests on, the preferred series first.",
    "Goalposts: the values of each indicator that count as 0 and as 1. Uncertainty: how each score's interval is found.",
    "Scores run from 0 (weakest) to 1 (strongest); sheet Readiness components shows the values behind each score.",
]
CONTENTS = "How the readiness scores are computed: parameters, concepts, goalposts and the uncertainty analysis"
# The four tables share one column skeleton (a sheet's column has one width): A a short label,
# B and C names, D the long explanation, then numbers and short words.
LABEL, NAME_W, EXPLAIN, NUMBER = 22, 30, 60, 12
TEXT_COLUMNS = [Col("section", "Section", width=LABEL, wrap=True),
                Col("parameter", "Parameter", width=NAME_W, wrap=True),
                Col("value", "Value", width=NAME_W, wrap=True),
                Col("meaning", "What it means", width=EXPLAIN, wrap=True)]


def _number(row: dict, name: str) -> str:
    """Whole numbers without decimals, others with as many as they need (up to three)."""
    value = row.get(name)
    return "0" if value is None or float(value).is_integer() else "0.0##"


def _frame(con, name: str, **params) -> pd.DataFrame:
    """context.frame, with a warehouse built before the method was recorded named as such."""
    try:
        return frame(con, name, **params)
    except duckdb.CatalogException:
        raise DigigovError("this warehouse was built before digigov recorded its readiness method "
                           "(core.readiness_method); run `digigov run` to rebuild it, then export again") from None


def _concepts(df: pd.DataFrame) -> pd.DataFrame:
    """Shown: the dimension's number and name in one cell; each series with its indicator's name."""
    df = df.copy()
    df["dimension_label"] = [f"D{d} {n}" for d, n in zip(df["dimension_id"], df["dimension"])]
    df["series_shown"] = ["; ".join(f"{s} ({n})" for s, n in zip(ids.split("; "), names.split("; ")))
                    if isinstance(ids, str) and isinstance(names, str) else ids
                    for ids, names in zip(df["series"], df["indicators"])]
    return df


def _goalposts(df: pd.DataFrame) -> pd.DataFrame:
    """Shown: the unit beside the indicator's name, and a transform (if any) beside the rule."""
    df = df.copy()
    df["indicator_shown"] = [f"{i} [{u}]" for i, u in zip(df["indicator"], df["unit"])]
    df["rule_shown"] = [r if t in (None, "none") else f"{r}; {t}" for r, t in zip(df["rule"], df["transform"])]
    return df


def method_sheet(con) -> Sheet:
    """The Method sheet of the warehouse open on `con`: parameters, concepts, goalposts, uncertainty."""
    parameters = _frame(con, "method_parameters", part="score")
    uncertainty = _frame(con, "method_parameters", part="uncertainty")
    years = parameters.loc[parameters["key"] == "reference_years", "value"]
    period = f", reference years {years.iloc[0]}" if len(years) else ""
    return Sheet(
        name=NAME,
        title=f"How the readiness scores are computed: the method of this warehouse's run{period}",
        lines=LINES,
        blocks=[
            Block("Parameters: how a dimension's readiness score is computed", TEXT_COLUMNS, parameters,
                  key="parameters"),
            Block("Dimensions and the concepts they rest on: the series of each concept in order of preference",
                  [Col("dimension_label", "Dimension", width=LABEL, wrap=True),
                   Col("concept", "Concept", width=NAME_W, wrap=True, missing=NOT_APPLICABLE),
                   Col("series_shown", "Series, in order of preference", width=NAME_W, wrap=True, missing=NOT_APPLICABLE),
                   Col("reason", "Why the concept bears on the dimension", width=EXPLAIN, wrap=True),
                   Col("weight", "Weight in the dimension", fmt=lambda r: _number(r, "weight"), width=NUMBER,
                       missing=NOT_APPLICABLE)],
                  _concepts(_frame(con, "method_concepts")), key="concepts"),
            Block("Goalposts: one yardstick per indicator, the same for every country and reference year",
                  [Col("indicator_id", "Indicator id", width=LABEL, wrap=True),
                   Col("indicator_shown", "Indicator [unit]", width=NAME_W, wrap=True),
                   Col("serves", "Concept it measures", width=NAME_W, wrap=True, missing=NOT_APPLICABLE),
                   Col("basis", "Why these goalposts", width=EXPLAIN, wrap=True),
                   Col("goalpost_low", "Low goalpost, scores 0 [unit]",
                       fmt=lambda r: _number(r, "goalpost_low"), width=NUMBER),
                   Col("goalpost_high", "High goalpost, scores 1 [unit]",
                       fmt=lambda r: _number(r, "goalpost_high"), width=NUMBER),
                   Col("rule_shown", "How the high goalpost is set; transform", width=NUMBER, wrap=True),
                   Col("better", "Better when", width=NUMBER)],
                  _goalposts(_frame(con, "method_goalposts")), key="goalposts"),
            Block("Uncertainty and sensitivity analysis: how far the scores depend on the method's choices",
                  TEXT_COLUMNS, uncertainty, key="uncertainty"),
        ],
        contents=CONTENTS,
        page_breaks=("concepts", "goalposts", "uncertainty"),  # each long table starts a page: no header left alone
        freeze_header=False,   # four tables: freezing the first one's header would hide the others
        repeat_header=False,
    )
