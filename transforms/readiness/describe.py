"""The readiness method in words, from the `Method` object the scores are computed with.

warehouse/build.py stores these frames next to the scores (core.readiness_method and
core.readiness_concept), so the extract's Method sheet describes the method of that very run, even
if config/readiness.yaml or config/dimensions.yaml has changed since. Each parameter is a row a
reader understands: its value as text and one sentence on what it does.
"""

from __future__ import annotations

import pandas as pd

from digigov.transforms.readiness.method import Method

SCORE, UNCERTAINTY = "score", "uncertainty"  # the two parts: the published score, and how sure it is
PARAMETER_COLUMNS = ["position", "part", "key", "section", "parameter", "value", "meaning"]
CONCEPT_COLUMNS = ["position", "dimension_id", "concept", "series", "reason", "weight"]
SERIES_SEPARATOR = "; "
NORMALISATION_NAMES = {"goalposts": "goalposts", "zscore": "z-score", "rank": "rank"}
AGGREGATION_NAMES = {"arithmetic": "arithmetic mean", "geometric": "geometric mean"}


def _num(x: float) -> str:
    """A number as a reader writes it: 0.5, 3, 1,000 (never 0.5000001 or 1e3)."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.6g}"


def _listed(items) -> str:
    """"a", "a and b", "a, b and c"."""
    items = [str(i) for i in items]
    return " and ".join(items) if len(items) < 3 else ", ".join(items[:-1]) + " and " + items[-1]


def method_parameters(method: Method) -> pd.DataFrame:
    """One row per parameter of the method, in reading order: position, part (`score` or
    `uncertainty`), key (the config name, for code and tests), section, parameter, value, meaning."""
    m, u = method, method.uncertainty
    last = max(m.reference_years)
    first_of_window, _ = m.window(last)
    n_concepts = len(m.concepts)
    scored = sorted({c.dimension_id for c in m.concepts})
    unscored = [d for d in m.dimensions if d not in scored]
    weights = sorted({c.weight for c in m.concepts})
    computed = {i: g for i, g in m.goalposts.items() if g.high is None}
    transformed = sorted(i for i, g in m.goalposts.items() if g.transform)
    score = [
        ("reference_years", "Reference years", "Reference years", ", ".join(str(y) for y in m.reference_years),
         "Every score is computed for each of these years, from the values in that year's window."),
        ("window_years", "Reference years", "Window", f"{m.window_years} years ({first_of_window}-{last} for {last})",
         "An indicator counts with its latest value in the window up to the reference year; an older value "
         "counts as missing, and sheet Readiness components says which year it was."),
        ("weights.evidence", "Evidence and survey", "Weight of the evidence score", _num(m.w_evidence),
         "The evidence score comes from international indicators only; this is its weight in the score."),
        ("weights.survey", "Evidence and survey", "Weight of the survey score", _num(m.w_survey),
         "The survey score comes from real answers dated in the window; with none, the score is the "
         "evidence score alone. SAMPLE answers never count."),
        ("concepts", "Concepts", "Concepts",
         f"{n_concepts} in {len(scored)} of {len(m.dimensions)} dimensions"
         + (f" (none in dimension {_listed(unscored)})" if unscored else ""),
         "A concept is one thing measured, counted once in its dimension: the first of its series with a "
         "value in the window is used. A dimension without concepts needs the survey."),
        ("concepts.weight", "Concepts", "Concept weights",
         f"equal ({_num(weights[0])} each)" if len(weights) == 1 else "as listed per concept",
         "The weight of a concept in its dimension's evidence score; the table of concepts below gives each one."),
        ("goalposts", "Normalisation", "Goalposts",
         f"{len(m.goalposts) - len(computed)} indicators fixed, {len(computed)} computed"
         + (f" ({_listed(f'{i}: percentile {_num(g.percentile)} of UN member states' for i, g in sorted(computed.items()))})"
            if computed else ""),
         "A value is normalised as (value - low) / (high - low), clipped to 0-1 and reversed where lower is "
         "better, on one yardstick per indicator for every country and year (last table)."),
        ("goalposts.transform", "Normalisation", "Log transform", _listed(transformed) if transformed else "none",
         "The indicators normalised as log(1 + value) instead of their value, as a strongly skewed series may be."),
        ("coverage.min_share", "Coverage", "Minimum coverage",
         f"{m.min_share:.0%} of a dimension's concepts",
         "A dimension's evidence score is computed only when at least this share of its concepts has a value; "
         "the weights of the others are shared out among those present."),
        ("aggregation", "Aggregation", "Aggregation", "weighted arithmetic mean",
         "A dimension's evidence score is the weighted arithmetic mean of its concepts' normalised values."),
        ("levels.medium_from", "Levels", "Medium from", _num(m.medium_from),
         "Scores run from 0 (weakest) to 1 (strongest); a score below this is low."),
        ("levels.high_from", "Levels", "High from", _num(m.high_from),
         "A score from this value up is high; between the two thresholds it is medium."),
        ("priority_gaps", "Priority gaps", "Priority gaps", f"{m.priority_gaps} per country and reference year",
         "A country's priority gaps are its weakest scored dimensions in a reference year, lowest score first."),
    ]
    uncertainty = [
        ("uncertainty.draws", "Monte Carlo", "Draws", f"{_num(u.draws)} per reference year and dimension",
         "Each draw makes the random choices below; a score's interval runs from the 5th to the 95th "
         "percentile of its draws."),
        ("uncertainty.seed", "Monte Carlo", "Random seed", str(u.seed),
         "Fixed, so that every run gives the same intervals."),
        ("uncertainty.weight_noise", "Choices varied", "Weight noise",
         f"each weight times a factor from {_num(1 - u.weight_noise)} to {_num(1 + u.weight_noise)}",
         "Every concept weight, and the weights of evidence and survey, is multiplied by a uniformly drawn factor."),
        ("uncertainty.normalisations", "Choices varied", "Normalisations",
         ", ".join(NORMALISATION_NAMES.get(n, n) for n in u.normalisations),
         "One is picked per draw, each as likely; z-scores and ranks are taken against the UN member states "
         "and mapped to 0-1."),
        ("uncertainty.aggregations", "Choices varied", "Aggregations",
         ", ".join(AGGREGATION_NAMES.get(a, a) for a in u.aggregations),
         "One is picked per draw, each as likely."),
        ("uncertainty.geometric_floor", "Choices varied", "Floor of the geometric mean", _num(u.geometric_floor),
         "A normalised value of 0 counts as this in the geometric mean, which a single 0 would otherwise make 0."),
        ("uncertainty.leave_one_out", "Choices varied", "Leave one concept out",
         "yes: one concept of the dimension, or none" if u.leave_one_out else "no",
         "Shows how far a score rests on any single concept."),
        ("sensitivity", "Sensitivity", "One choice at a time", "each choice above, the others as in the score",
         "Says which choice moves the scores most (the readiness_sensitivity view of the warehouse)."),
    ]
    rows = [(SCORE, *r) for r in score] + [(UNCERTAINTY, *r) for r in uncertainty]
    return pd.DataFrame([(i, *r) for i, r in enumerate(rows, 1)], columns=PARAMETER_COLUMNS)


def method_concepts(method: Method) -> pd.DataFrame:
    """One row per concept, in config order: dimension, concept key, its series in order of
    preference ("a; b": the first with a value in the window is used), reason and weight."""
    return pd.DataFrame([(i, c.dimension_id, c.key, SERIES_SEPARATOR.join(c.series), c.reason, c.weight)
                         for i, c in enumerate(method.concepts, 1)], columns=CONCEPT_COLUMNS)
