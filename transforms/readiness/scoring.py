"""Scores of a panel: the nominal method and any set of draws of the method's choices.

A draw (OECD/JRC Handbook 2008, section 7; COINr `get_sensitivity`) picks a normalisation, an
aggregation, a perturbed weight for every concept (and for the evidence and survey parts), and
optionally leaves one concept out. The nominal method is the draw with goalposts, the arithmetic
mean, the configured weights and nothing left out, so the nominal score is one point of the space
the uncertainty analysis explores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digigov.transforms.readiness.method import Method
from digigov.transforms.readiness.normalise import NORMALISATIONS
from digigov.transforms.readiness.panel import Panel

FACTORS = ("weights", "normalisation", "aggregation", "leave_one_out")


@dataclass
class Draws:
    """The choices of D draws for one panel."""
    normalisation: np.ndarray   # (D,) index into NORMALISATIONS
    geometric: np.ndarray       # (D,) bool
    weights: np.ndarray         # (D, K) concept weights, 0 for a concept left out
    w_evidence: np.ndarray      # (D,)
    w_survey: np.ndarray        # (D,)


def nominal_draw(panel: Panel, method: Method) -> Draws:
    return Draws(np.zeros(1, int), np.zeros(1, bool), panel.weights[None, :].copy(),
                 np.array([method.w_evidence]), np.array([method.w_survey]))


def draw(panel: Panel, method: Method, rng: np.random.Generator, n: int, vary: tuple[str, ...]) -> Draws:
    """`n` draws varying the named factors (FACTORS) and holding the others at the nominal method."""
    u, k = method.uncertainty, len(panel.concepts)
    norm = np.zeros(n, int)
    if "normalisation" in vary:
        allowed = np.array([NORMALISATIONS.index(m) for m in u.normalisations])
        norm = allowed[rng.integers(0, len(allowed), n)]
    geo = np.zeros(n, bool)
    if "aggregation" in vary and "geometric" in u.aggregations:
        geo = rng.integers(0, len(u.aggregations), n) == u.aggregations.index("geometric")
    weights = np.broadcast_to(panel.weights, (n, k)).copy()
    w_e, w_s = np.full(n, method.w_evidence), np.full(n, method.w_survey)
    if "weights" in vary:
        lo, hi = 1 - u.weight_noise, 1 + u.weight_noise
        weights *= rng.uniform(lo, hi, (n, k))
        w_e *= rng.uniform(lo, hi, n)
        w_s *= rng.uniform(lo, hi, n)
    if "leave_one_out" in vary and u.leave_one_out and k >= 2:
        out = rng.integers(-1, k, n)        # -1: nothing left out
        hit = out >= 0
        weights[np.flatnonzero(hit), out[hit]] = 0.0
    return Draws(norm, geo, weights, w_e, w_s)


def scores(panel: Panel, method: Method, d: Draws) -> tuple[np.ndarray, np.ndarray]:
    """(evidence, score), each (D, C). The coverage rule is the nominal one: a cell whose evidence
    the rule does not score has no evidence in any draw.

    The weighted means of aggregate.py written as matrix products, draws grouped by normalisation:
    Σ wᵢxᵢ / Σ wᵢ over the values present is (X·Wᵀ) / (M·Wᵀ), with X the values (0 where missing)
    and M the mask of values present; the geometric mean likewise on log values. The same numbers
    as aggregate.arithmetic / aggregate.geometric (tested), a thousand draws in milliseconds."""
    n, c = len(d.normalisation), len(panel.iso3)
    evidence = np.full((n, c), np.nan)
    if len(panel.concepts):
        floor = method.uncertainty.geometric_floor
        for m in np.unique(d.normalisation):
            rows = np.flatnonzero(d.normalisation == m)
            x = panel.values[m]
            present = ~np.isnan(x)
            w = d.weights[rows].T                                  # (K, n_m)
            total = present.astype(float) @ w                      # (C, n_m)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = (np.where(present, x, 0.0) @ w) / total
                geo = d.geometric[rows]
                if geo.any():
                    logs = np.where(present, np.log(np.maximum(np.where(present, x, 1.0), floor)), 0.0)
                    mean[:, geo] = np.exp((logs @ w[:, geo]) / total[:, geo])
            evidence[rows] = np.where(total > 0, mean, np.nan).T
        evidence = np.where(panel.covered(method.min_share)[None, :], evidence, np.nan)
    return evidence, combine(evidence, panel.survey[None, :], d.w_evidence[:, None], d.w_survey[:, None])


def combine(evidence, survey, w_evidence, w_survey) -> np.ndarray:
    """The weighted mean of the parts that exist: evidence alone when there are no real survey
    answers (as for every comparator), the survey alone where no international data reaches."""
    e, s = ~np.isnan(evidence), ~np.isnan(survey)
    both = (w_evidence * np.nan_to_num(evidence) + w_survey * np.nan_to_num(survey)) / (w_evidence + w_survey)
    return np.where(e & s, both, np.where(e, evidence, np.where(s, survey, np.nan)))
