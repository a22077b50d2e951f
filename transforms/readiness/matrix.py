"""The readiness matrix: country × dimension × reference year, with its components and notes.

The evidence score is the weighted arithmetic mean of the goalpost-normalised concepts that have a
value in the window, scored only when the coverage rule is met; the survey score is the mean over
organisations of each one's mean score, from real (never SAMPLE) answers of current workbooks dated
in the window; the score combines the parts that exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from digigov.transforms.readiness import evidence, uncertainty
from digigov.transforms.readiness.method import Method
from digigov.transforms.readiness.panel import Panel, panels
from digigov.transforms.readiness.scoring import nominal_draw, scores


@dataclass
class Readiness:
    cells: pd.DataFrame
    components: pd.DataFrame
    goalposts: pd.DataFrame
    sensitivity: pd.DataFrame


def survey_parts(survey: pd.DataFrame, method: Method) -> pd.DataFrame:
    """Per reference year, country and dimension: the survey score of the real answers dated in the
    window, each organisation counting once — the mean over organisations of each organisation's
    mean score in the dimension, so an organisation that answers more questions weighs no more —
    and the number of organisations it rests on. SAMPLE answers are refused here too, whatever the
    caller passes; the caller passes current answers only (a replaced workbook never counts)."""
    cols = ["ref_year", "iso3", "dimension_id", "survey_score", "organisations", "answers"]
    if survey is None or survey.empty:
        return pd.DataFrame(columns=cols)
    real = survey[~survey["is_sample"].astype(bool) & survey["score"].notna()]
    frames = []
    for ref in method.reference_years:
        first, last = method.window(ref)
        w = real[(real["year"] >= first) & (real["year"] <= last)]
        if w.empty:
            continue
        org = w.groupby(["iso3", "dimension_id", "organisation_key"]).agg(org_score=("score", "mean"),
                                                                           answers=("score", "size"))
        g = org.groupby(["iso3", "dimension_id"]).agg(survey_score=("org_score", "mean"),
                                                      organisations=("org_score", "size"),
                                                      answers=("answers", "sum")).reset_index()
        frames.append(g.assign(ref_year=ref))
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def matrix_members(concepts: pd.DataFrame, survey: pd.DataFrame, countries: pd.DataFrame,
                   method: Method) -> pd.DataFrame:
    """(ref_year, iso3): every country with any evidence or real survey answer in the year, and
    every focus country and comparator always (their empty cells then say what is missing)."""
    known = set(countries["iso3"])
    always = set(countries.loc[countries["focus"] | countries["comparator"], "iso3"])
    rows = set()
    for ref in method.reference_years:
        have = set(concepts.loc[concepts["ref_year"] == ref, "iso3"]) | set(survey.loc[survey["ref_year"] == ref, "iso3"])
        rows |= {(ref, c) for c in (have | always) & known}
    return pd.DataFrame(sorted(rows), columns=["ref_year", "iso3"])


def _nominal(panel: Panel, method: Method) -> pd.DataFrame:
    e, s = scores(panel, method, nominal_draw(panel, method))
    k = len(panel.concepts)
    return pd.DataFrame({
        "iso3": panel.iso3, "ref_year": panel.ref_year, "dimension_id": panel.dimension_id,
        "evidence_score": e[0], "survey_score": panel.survey, "score": s[0],
        "coverage": panel.present / k if k else np.nan, "n_indicators": panel.present, "n_concepts": k,
        "organisations": panel.organisations, "covered": panel.covered(method.min_share)})


def _notes(cells: pd.DataFrame, components: pd.DataFrame, method: Method, focus: set[str]) -> pd.Series:
    """Why a cell lacks something, in words: concepts without a value in the window (with the year
    of the latest older one), a coverage rule not met, no international data, no real survey."""
    keys = ["ref_year", "iso3", "dimension_id"]
    gaps = components[components["value"].isna()]
    listed = (gaps["concept"].str.replace("_", " ") + ": " + gaps["note"]).groupby(
        [gaps[k] for k in keys]).agg("; ".join).rename("listed").reset_index()
    c = cells[keys + ["n_concepts", "n_indicators", "covered", "survey_score"]].merge(listed, how="left", on=keys)
    parts = pd.DataFrame(index=c.index)
    parts["none"] = np.where(c["n_concepts"] == 0, "no international data measures this dimension: survey needed", None)
    parts["listed"] = np.where(c["n_concepts"] > 0, c["listed"], None)
    parts["coverage"] = np.where((c["n_concepts"] > 0) & ~c["covered"].astype(bool),
                                 "evidence not scored: " + c["n_indicators"].astype(str) + " of "
                                 + c["n_concepts"].astype(str) + " concepts have a value, the coverage rule needs "
                                 + f"{method.min_share:.0%}", None)
    parts["survey"] = np.where(c["survey_score"].isna() & c["iso3"].isin(focus),
                               "survey: no real answers dated in the window", None)
    text = ["; ".join(x for x in row if isinstance(x, str) and x) or None
            for row in zip(*(parts[k].tolist() for k in parts.columns), strict=True)]
    return pd.Series(text, index=cells.index, dtype=object)


def components_of(grid: pd.DataFrame, concepts: pd.DataFrame, values: pd.DataFrame, nominal: pd.DataFrame,
                  method: Method) -> pd.DataFrame:
    """One row per cell and concept: the series used (the preferred one when none has a value),
    value and year, goalposts, normalised value and its weight in the evidence score, provenance,
    and a note when the value is missing."""
    rows = [{"ref_year": ref, "iso3": iso3, "dimension_id": c.dimension_id, "concept": c.key,
             "preferred": c.series[0], "nominal_weight": c.weight}
            for ref, iso3 in grid.itertuples(index=False) for c in method.concepts]
    base = pd.DataFrame(rows)
    if base.empty:
        return base
    comp = base.merge(concepts.drop(columns=["dimension_id"]), how="left", on=["ref_year", "iso3", "concept"])
    comp["indicator_id"] = comp["indicator_id"].fillna(comp["preferred"])
    present = comp["value"].notna()
    covered = comp.merge(nominal[["ref_year", "iso3", "dimension_id", "covered"]], how="left",
                         on=["ref_year", "iso3", "dimension_id"])["covered"].fillna(False).to_numpy(bool)
    share = comp["nominal_weight"].where(present, 0.0)
    total = share.groupby([comp["ref_year"], comp["iso3"], comp["dimension_id"]]).transform("sum")
    comp["weight"] = np.where(present & covered & (total > 0), share / total.where(total > 0, 1), np.nan)
    # notes for the concepts without a value: the latest older year of any of its series
    comp = comp.merge(evidence.latest_before(values, method), how="left", on=["ref_year", "iso3", "concept"])
    first = (comp["ref_year"] - method.window_years + 1).astype(str)
    window = first + "-" + comp["ref_year"].astype(str) + " window"
    older = "latest value " + comp["latest_year"].astype("Int64").astype(str) + ", before the " + window
    comp["note"] = np.where(comp["value"].notna(),
                            np.where(comp["series_rank"].fillna(0) > 0,
                                     "fallback series: the preferred one has no value in the window", None),
                            np.where(comp["latest_year"].notna(), older, "no value up to " + comp["ref_year"].astype(str)))
    comp["note"] = comp["note"].where(comp["note"].notna(), None)
    cols = ["iso3", "dimension_id", "ref_year", "concept", "indicator_id", "value", "value_year",
            "goalpost_low", "goalpost_high", "normalised", "weight", "source_id", "release", "file", "row", "note"]
    return comp[cols]


def compute(values: pd.DataFrame, countries: pd.DataFrame, survey: pd.DataFrame, method: Method) -> Readiness:
    """The whole readiness layer from its inputs: in-force observations of the mapped series
    (evidence.VALUE_COLUMNS), countries (iso3, un_member, focus, comparator) and scored survey
    answers (iso3, dimension_id, score, year, organisation_key, is_sample)."""
    un = set(countries.loc[countries["un_member"], "iso3"])
    focus = set(countries.loc[countries["focus"], "iso3"])
    ranked = focus | set(countries.loc[countries["comparator"], "iso3"])
    gp = evidence.resolve_goalposts(values, method, un)
    concepts = evidence.alternatives(evidence.concept_values(values, method, gp), un)
    survey_part = survey_parts(survey, method)
    grid = matrix_members(concepts, survey_part, countries, method)
    ps = panels(concepts, survey_part, grid, method, ranked)
    nominal = pd.concat([_nominal(p, method) for p in ps], ignore_index=True)
    analysed = [uncertainty.analyse(p, method) for p in ps]
    intervals = pd.concat([a[0] for a in analysed], ignore_index=True)
    sens = uncertainty.pool([row for a in analysed for row in a[1]])
    components = components_of(grid, concepts, values, nominal, method)
    cells = nominal.merge(intervals, how="left", on=["iso3", "ref_year", "dimension_id"])
    cells["level"] = [method.level(s) for s in cells["score"]]
    cells["missing"] = _notes(cells, components, method, focus)
    cells["uses_sample"] = False
    return Readiness(cells.drop(columns=["covered"]), components, gp, sens)
