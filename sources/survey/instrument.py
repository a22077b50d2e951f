"""The survey instrument from config/survey.yaml and its words from config/survey/<language>.yaml:
questions, answer types, what an answer is stored as (`canonical`) and what it scores (`score`),
the countries one may answer for, and how an organisation is recognised when it answers again.

Kept apart from the workbook code because the template, the reader and the validation all ask
the same questions of it ("is this answer allowed?"); one definition keeps their answers equal.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re

from digigov.settings import load_config
from digigov.sources.survey import language

SOURCE_ID = "survey"  # source_id of everything loaded from survey workbooks
MAX_CELL_TEXT = 32_767  # Excel's limit on the characters of one cell: longer text is cut by Excel


@functools.cache
def instrument() -> dict:
    """Questions joined to their dimension (in questionnaire order, numbered "dimension.n"), their
    wording per language, answer types, organisation types and levels, and the version; config
    errors (a missing translation included) raise."""
    cfg = load_config("survey")
    language.check_complete()
    dims = {spec["key"]: (int(did), spec["name"]) for did, spec in load_config("dimensions")["dimensions"].items()}
    types = cfg["answer_types"]
    questions = {}
    for q in cfg["questions"]:
        if q["dimension"] not in dims:
            raise ValueError(f"config/survey.yaml: question {q['id']} names unknown dimension {q['dimension']!r}")
        did, name = dims[q["dimension"]]
        questions[q["id"]] = {"id": q["id"], "dimension_key": q["dimension"], "dimension_id": did,
                              "dimension_name": name, "type": q["type"], "topic": q.get("topic"),
                              "text": {lang: language.texts(lang)["questions"][q["id"]] for lang in cfg["languages"]}}
    ordered = sorted(questions.values(), key=lambda q: q["dimension_id"])  # stable: config order within
    seen: dict[int, int] = {}
    for q in ordered:
        seen[q["dimension_id"]] = seen.get(q["dimension_id"], 0) + 1
        q["number"] = f"{q['dimension_id']}.{seen[q['dimension_id']]}"
    return {"version": str(cfg["version"]), "types": types, "questions": {q["id"]: q for q in ordered},
            "languages": list(cfg["languages"]), "organisation_types": list(cfg["organisation_types"]),
            "organisation_levels": list(cfg["organisation_levels"])}


def known_countries() -> list[str]:
    """ISO3 codes a respondent may answer for: the configured groups and the UN members."""
    cfg = load_config("countries")
    codes = set(cfg.get("un_members") or [])
    for group in (cfg.get("groups") or {}).values():
        codes.update(group.get("members") or [])
    return sorted(codes)


def organisation_key(name) -> str | None:
    """How an organisation is recognised when it answers again: its name with case, spacing,
    quotation marks and 'ё' ignored (“Ministry of Justice” = ministry  of JUSTICE)."""
    if name is None or not str(name).strip():
        return None
    text = re.sub(r"[\"'«»“”„‘’`]", "", str(name))
    return language.fold(text)


def allowed(qtype: str, spec: dict) -> str:
    """What a user may enter for an answer type, in words (for fault messages): the labels of the
    first language, and those of the others."""
    if "choices" in spec:
        per_lang = []
        for lang in language.languages():
            labels = [language.choice_label(qtype, str(c), (lang,)) for c in spec["choices"]]
            if labels not in per_lang:
                per_lang.append(labels)
        first = "one of " + ", ".join(per_lang[0])
        return first + "".join(f" — or {', '.join(labels)}" for labels in per_lang[1:])
    if qtype == "number":
        return f"a whole number, {_number_text(spec.get('min', 0))} or more"
    if "min" in spec or "max" in spec:
        return f"a number from {_number_text(spec.get('min'))} to {_number_text(spec.get('max'))}"
    return "free text"


def is_blank(value) -> bool:
    """Whether a cell counts as not answered (None, NaN or only whitespace)."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def shown(value, limit: int = 60) -> str:
    """A cell's value as a person typed it, for a message: text in quotes (shortened), numbers as
    numbers, dates as dates — never a Python repr."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return _number_text(value)
    text = " ".join(str(value).split())
    return "'" + (text if len(text) <= limit else text[:limit - 1] + "…") + "'"


def _number_text(v) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else f"{v:g}"


def _as_number(value) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{shown(value)} is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip().rstrip("%").strip()
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{shown(value)} is not a number") from None
    raise ValueError(f"{shown(value)} is not a number")


def canonical(value, qtype: str) -> str | None:
    """The answer as stored (None when blank): a coded answer as its code, whatever language it
    was given in; ValueError when it is not allowed for the type."""
    if is_blank(value):
        return None
    spec = instrument()["types"][qtype]
    if "choices" in spec:
        if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime)):
            raise ValueError(f"{shown(value)} is not {allowed(qtype, spec)}")
        text = _number_text(value) if isinstance(value, (int, float)) else str(value)
        code = language.spellings(qtype).get(language.fold(text))
        if code is None:
            raise ValueError(f"{shown(value)} is not {allowed(qtype, spec)}")
        return code
    if "min" in spec or "max" in spec:
        v = _as_number(value)
        bad = (math.isnan(v) or ("min" in spec and v < spec["min"]) or ("max" in spec and v > spec["max"])
               or (qtype == "number" and not v.is_integer()))
        if bad:
            raise ValueError(f"{shown(value)} is not {allowed(qtype, spec)}")
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
