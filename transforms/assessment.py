"""The needs-assessment framework as tables: the nine dimensions and their indicators, the survey
instrument and the organisations expected to answer it, Annex 1 institutions and the study's
findings, all from config/."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from digigov.errors import ConfigError
from digigov.settings import CONFIG_DIR, load_config


def dimension_keys() -> dict[str, int]:
    """{dimension key: dimension id} for resolving config references."""
    return {spec["key"]: int(did) for did, spec in load_config("dimensions")["dimensions"].items()}


def dimensions_table() -> pd.DataFrame:
    dims = load_config("dimensions")["dimensions"]
    return pd.DataFrame([{"dimension_id": int(did), "key": spec["key"], "name": spec["name"],
                          "description": spec["description"]} for did, spec in dims.items()])


def dimension_indicators_table(known: set[str]) -> pd.DataFrame:
    """(dimension_id, indicator_id, concept, preference, reason, is_primary): every series of every
    readiness concept, the preferred one first. A series belongs to one concept only (checked with
    the config), so is_primary is true for each; an id not in the catalogue is a config error."""
    rows = []
    for did, spec in sorted(load_config("dimensions")["dimensions"].items(), key=lambda kv: int(kv[0])):
        for concept, c in (spec.get("concepts") or {}).items():
            for rank, ind in enumerate(c["series"], start=1):
                if ind not in known:
                    raise ValueError(f"config/dimensions.yaml: dimension {did}, concept {concept} "
                                     f"lists unknown indicator {ind!r}")
                rows.append({"dimension_id": int(did), "indicator_id": ind, "concept": concept,
                             "preference": rank, "reason": c["reason"], "is_primary": True})
    return pd.DataFrame(rows, columns=["dimension_id", "indicator_id", "concept", "preference", "reason",
                                       "is_primary"])


def institutions_table() -> pd.DataFrame:
    cfg = load_config("institutions")
    rows = [{"iso3": iso3, "body": i["body"], "role": i["role"], "parent_body": i.get("parent_body"),
             "note": i.get("note"), "source_id": cfg["source_id"]}
            for iso3, bodies in cfg["institutions"].items() for i in bodies]
    return pd.DataFrame(rows)


def study_findings_table() -> pd.DataFrame:
    """The study's region-level findings (iso3 null = region-wide), with their checks."""
    cfg = load_config("findings")
    keys = dimension_keys()
    rows = []
    for f in cfg["findings"]:
        if f.get("dimension") and f["dimension"] not in keys:
            raise ValueError(f"config/findings.yaml: finding {f['id']} names unknown dimension {f['dimension']!r}")
        rows.append({"finding_id": f["id"], "iso3": f.get("iso3"), "dimension_id": keys.get(f.get("dimension")),
                     "topic": f.get("topic"), "statement": f["statement"], "evidence": f.get("evidence"),
                     "count_countries": f.get("count"), "source_id": cfg["source_id"], "is_sample": False,
                     "check_sql": f.get("check"), "vintages_of": f.get("vintages_of")})
    return pd.DataFrame(rows)


def study_source_record() -> dict:
    """The study as a row of `sources`: its findings and institutions come from config files."""
    cfg = load_config("findings")
    data = b"".join((CONFIG_DIR / n).read_bytes() for n in ("findings.yaml", "institutions.yaml"))
    return {"source_id": cfg["source_id"], "file": "config/findings.yaml + config/institutions.yaml",
            "publisher": cfg["source"]["publisher"], "title": cfg["source"]["title"],
            "release": cfg["source"]["release"], "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data), "snapshot_origin": "config", "recorded": True,
            "rows_loaded": len(cfg["findings"]), "rows_rejected": 0, "is_sample": False}


def survey_questions_table() -> pd.DataFrame:
    """The instrument's questions with their number and wording in English and Russian."""
    from digigov.sources.survey import instrument

    langs = instrument()["languages"]
    return pd.DataFrame([{"question_id": q["id"], "number": q["number"], "dimension_id": q["dimension_id"],
                          "topic": q["topic"], "answer_type": q["type"],
                          "text": q["text"]["en" if "en" in langs else langs[0]], "text_ru": q["text"].get("ru")}
                         for q in instrument()["questions"].values()])


ROSTER_COLUMNS = ["iso3", "organisation", "organisation_type", "organisation_level", "keys"]


def survey_roster_table(config_dir: Path | None = None) -> pd.DataFrame:
    """Organisations expected to answer the survey (config/survey_roster.yaml; none when the file
    is absent), each with the keys a workbook's organisation is matched on: its name and aliases
    with case, spacing and quotation marks ignored. A type or level the instrument does not know,
    or a name given twice in a country, is a config error."""
    from digigov.sources.survey import organisation_key

    folder = config_dir or CONFIG_DIR
    if not (folder / "survey_roster.yaml").exists():
        return pd.DataFrame(columns=ROSTER_COLUMNS)
    cfg = load_config("survey_roster", config_dir)
    survey = load_config("survey", config_dir)
    problems, rows = [], []
    for iso3, entries in (cfg.get("countries") or {}).items():
        seen: dict[str, str] = {}
        for i, e in enumerate(entries):
            where = f"countries.{iso3}[{i}]"
            if e["type"] not in survey["organisation_types"]:
                problems.append(f"{where}.type: {e['type']!r} is not one of {', '.join(survey['organisation_types'])}")
            if e["level"] not in survey["organisation_levels"]:
                problems.append(f"{where}.level: {e['level']!r} is not one of {', '.join(survey['organisation_levels'])}")
            keys = list(dict.fromkeys(organisation_key(n) for n in [e["organisation"], *(e.get("aliases") or [])]))
            for k in keys:
                if k in seen:
                    problems.append(f"{where}: {k!r} also names {seen[k]!r}")
                seen.setdefault(k, e["organisation"])
            rows.append({"iso3": iso3, "organisation": e["organisation"], "organisation_type": e["type"],
                         "organisation_level": e["level"], "keys": keys})
    if problems:
        raise ConfigError("config/survey_roster.yaml", problems)
    return pd.DataFrame(rows, columns=ROSTER_COLUMNS)
