"""The answers' checks as a pandera schema, with each failure turned into a Fault at its cell.

pandera reports every failing row at once (lazy validation), so one pass lists all the faults of
a workbook and the focal point can fix them in one go instead of one per round trip.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from digigov.sources.survey.faults import Fault
from digigov.sources.survey.instrument import allowed, canonical, instrument, is_blank, shown


def _valid(value, qtype) -> bool:
    try:
        canonical(value, qtype)
        return True
    except ValueError:
        return False


def answer_schema() -> pa.DataFrameSchema:
    """Answer checks: question ids known and unique, each answer allowed for its question's type."""
    inst = instrument()
    qtype_of = {qid: q["type"] for qid, q in inst["questions"].items()}

    def type_check(qtype):
        def check(df: pd.DataFrame) -> pd.Series:
            is_type = df["question_id"].map(qtype_of) == qtype
            return ~is_type | df["answer"].map(lambda v: _valid(v, qtype)).astype(bool)
        return pa.Check(check, name=f"answer:{qtype}")  # no `error=`: failure cases report the name

    return pa.DataFrameSchema(
        {"question_id": pa.Column(None, pa.Check.isin(list(qtype_of)), nullable=False, unique=True,
                                  report_duplicates="all"),
         "answer": pa.Column(None, nullable=True)},
        checks=[type_check(t) for t in inst["types"]],
        strict=False,
    )


def validate_answers(answers: pd.DataFrame, file: str) -> list[Fault]:
    """Every fault of the answers, located by sheet and cell (empty list: all answers valid)."""
    if answers.empty:
        return []
    inst = instrument()
    frame = answers.reset_index(drop=True)
    try:
        answer_schema().validate(frame, lazy=True)
        return []
    except SchemaErrors as exc:
        fc = exc.failure_cases
    faults: dict[tuple, Fault] = {}
    rows_of = frame.groupby("question_id")["row"].apply(list).to_dict()
    for _, case in fc[fc["index"].notna()].iterrows():
        i = int(case["index"])
        rec = frame.loc[i]
        qid, answer = rec["question_id"], rec["answer"]
        record = {"question_id": qid, "answer": None if is_blank(answer) else str(answer), "cell": rec["cell"]}
        check = str(case["check"])
        question = inst["questions"].get(qid)
        named = f"question {question['number']} ({qid})" if question else f"question {qid}"
        if check == "not_nullable":
            key = (rec["id_cell"], "id")
            problem = f"answer {shown(answer)} has no question id"
            cell = rec["id_cell"]
        elif check == "field_uniqueness":
            key = (rec["id_cell"], "dup")
            others = ", ".join(str(r) for r in rows_of.get(qid, []) if r != rec["row"])
            problem = f"{named} appears more than once (also in row(s) {others})"
            cell = rec["id_cell"]
        elif check.startswith("isin"):
            key = (rec["id_cell"], "unknown")
            problem = f"unknown question id {shown(qid)} (not in survey version {inst['version']})"
            cell = rec["id_cell"]
        elif check.startswith("answer:"):
            qtype = check.split(":", 1)[1]
            key = (rec["cell"], "answer")
            problem = f"answer {shown(answer)} to {named} is not allowed: enter {allowed(qtype, inst['types'][qtype])}"
            cell = rec["cell"]
        else:  # pragma: no cover - every check above is named
            key = (rec["cell"], check)
            problem = f"failed {check}"
            cell = rec["cell"]
        sheet, _, ref = cell.partition("!")
        faults.setdefault(key, Fault(file, sheet, ref, problem, record))
    return sorted(faults.values(), key=lambda f: (f.sheet, int("".join(ch for ch in f.cell if ch.isdigit()) or 0),
                                                   f.cell))
