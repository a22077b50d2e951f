"""The survey instrument from config/survey.yaml: questions, answer types, what an answer is
stored as (`canonical`) and what it scores (`score`), and the countries one may answer for.

Kept apart from the workbook code because the template, the reader and the validation all ask
the same questions of it ("is this answer allowed?"); one definition keeps their answers equal.
"""

from __future__ import annotations

import datetime as dt
import math

from digigov.settings import load_config

SOURCE_ID = "survey"  # source_id of everything loaded from survey workbooks


def instrument() -> dict:
    """Questions joined to their dimension, answer types and version, checked for config errors."""
    cfg = load_config("survey")
    dims = {spec["key"]: (int(did), spec["name"]) for did, spec in load_config("dimensions")["dimensions"].items()}
    types = cfg["answer_types"]
    questions = {}
    for q in cfg["questions"]:
        if q["dimension"] not in dims:
            raise ValueError(f"config/survey.yaml: question {q['id']} names unknown dimension {q['dimension']!r}")
        if q["type"] not in types:
            raise ValueError(f"config/survey.yaml: question {q['id']} has unknown answer type {q['type']!r}")
        if q["id"] in questions:
            raise ValueError(f"config/survey.yaml: question id {q['id']} is used twice")
        did, name = dims[q["dimension"]]
        questions[q["id"]] = {"id": q["id"], "dimension_key": q["dimension"], "dimension_id": did,
                              "dimension_name": name, "type": q["type"], "text": q["text"],
                              "topic": q.get("topic")}
    return {"version": str(cfg["version"]), "types": types, "questions": questions}


def known_countries() -> list[str]:
    """ISO3 codes a respondent may answer for: the configured groups and the UN members."""
    cfg = load_config("countries")
    codes = set(cfg.get("un_members") or [])
    for group in (cfg.get("groups") or {}).values():
        codes.update(group.get("members") or [])
    return sorted(codes)


def allowed(qtype: str, spec: dict) -> str:
    """What a user may enter for an answer type, in words (for prompts and fault messages)."""
    if "choices" in spec:
        return "one of " + ", ".join(spec["choices"])
    if qtype == "number":
        return f"a whole number ≥ {spec.get('min', 0)}"
    if "min" in spec or "max" in spec:
        return f"a number from {spec.get('min')} to {spec.get('max')}"
    return "free text"


def is_blank(value) -> bool:
    """Whether a cell counts as not answered (None, NaN or only whitespace)."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _number_text(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _as_number(value) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip().rstrip("%").strip()
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    raise ValueError(f"{value!r} is not a number")


def canonical(value, qtype: str) -> str | None:
    """The answer as stored (None when blank); ValueError when it is not allowed for the type."""
    if is_blank(value):
        return None
    spec = instrument()["types"][qtype]
    if "choices" in spec:
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not {allowed(qtype, spec)}")
        if isinstance(value, (int, float)):
            text = _number_text(value) if float(value).is_integer() else repr(value)
        else:
            text = str(value).strip().lower()
        if text not in [str(c) for c in spec["choices"]]:
            raise ValueError(f"{value!r} is not {allowed(qtype, spec)}")
        return text
    if "min" in spec or "max" in spec:
        v = _as_number(value)
        bad = (math.isnan(v) or ("min" in spec and v < spec["min"]) or ("max" in spec and v > spec["max"])
               or (qtype == "number" and not v.is_integer()))
        if bad:
            raise ValueError(f"{value!r} is not {allowed(qtype, spec)}")
        return _number_text(v)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_text(value)
    return str(value).strip()


def score(answer, qtype: str) -> float:
    """Score of one answer per config/survey.yaml (0 weakest … 1 strongest); NaN when not scored.

    Blank, `unknown`, `number` and `text` answers are not scored. An answer not allowed for the
    type raises ValueError (validation quarantines such workbooks before scoring)."""
    spec = instrument()["types"][qtype]
    text = canonical(answer, qtype)
    if text is None:
        return math.nan
    if "scores" in spec:
        return float(spec["scores"].get(text, math.nan))
    if qtype == "percent":
        return float(text) / 100.0
    return math.nan
