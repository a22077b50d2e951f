"""Uncertainty and sensitivity of the readiness scores (OECD/JRC Handbook 2008, section 7; COINr).

Uncertainty: `draws` draws of every choice at once give each cell the median and the 5-95 %
interval of its score, the probability of each level, and for the focus countries and comparators
an interval of their rank in the dimension. Sensitivity: one choice varied at a time, the others at
the nominal method, says which choice moves the results most. A discrete choice (normalisation,
aggregation, the concept left out) is varied by taking each of its options once, an exact average
rather than a sample; the weights, a continuous choice, by `draws` random draws. Draws are seeded
per reference year and dimension, so a run is reproducible and one panel does not depend on another.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from digigov.transforms.readiness.method import Method
from digigov.transforms.readiness.normalise import NORMALISATIONS
from digigov.transforms.readiness.panel import Panel
from digigov.transforms.readiness.scoring import FACTORS, Draws, draw, nominal_draw, scores

LEVELS = ("low", "medium", "high")


def _rng(method: Method, panel: Panel, factor: str) -> np.random.Generator:
    key = ("all",) + FACTORS
    return np.random.default_rng([method.uncertainty.seed, panel.ref_year, panel.dimension_id, key.index(factor)])


def level_index(s: np.ndarray, method: Method) -> np.ndarray:
    """0 low, 1 medium, 2 high; -1 where there is no score."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(s), -1, (s >= method.medium_from).astype(int) + (s >= method.high_from).astype(int))


def ranks(s: np.ndarray, ranked: np.ndarray) -> np.ndarray:
    """Rank (1 = best) of each ranked country in each row of `s` (D, C); NaN elsewhere. A country
    with no score in a draw is ranked last in it."""
    out = np.full(s.shape, np.nan)
    idx = np.flatnonzero(ranked)
    if idx.size:
        sub = np.where(np.isnan(s[:, idx]), -np.inf, s[:, idx])
        order = np.argsort(-sub, axis=1, kind="stable")
        r = np.empty_like(order)
        np.put_along_axis(r, order, np.broadcast_to(np.arange(1, idx.size + 1), order.shape), axis=1)
        out[:, idx] = r
    return out


def percentiles(x: np.ndarray, qs, method: str = "linear") -> np.ndarray:
    """Percentiles over axis 0 ignoring NaN (numpy's definitions: linear, lower, higher), one sort
    for every column at once; NaN for a column with no value. (numpy's nanpercentile loops over
    columns in Python, forty times slower here.)"""
    xs = np.sort(x, axis=0)                      # NaN sorts last
    n = (~np.isnan(x)).sum(axis=0)
    out = []
    for q in np.atleast_1d(qs):
        pos = q / 100.0 * np.maximum(n - 1, 0)
        lo, hi = np.floor(pos).astype(int), np.ceil(pos).astype(int)
        a = np.take_along_axis(xs, lo[None, :], axis=0)[0]
        b = np.take_along_axis(xs, hi[None, :], axis=0)[0]
        v = {"lower": a, "higher": b}.get(method, a + (b - a) * (pos - lo))
        out.append(np.where(n > 0, v, np.nan))
    return np.array(out) if np.ndim(qs) else out[0]


def _options(panel: Panel, method: Method, factor: str) -> Draws:
    """Every option of a discrete choice once, the others at the nominal method."""
    u, k = method.uncertainty, len(panel.concepts)
    if factor == "normalisation":
        norm = np.array([NORMALISATIONS.index(m) for m in u.normalisations])
        geo, out = np.zeros(norm.size, bool), np.full(norm.size, -1)
    elif factor == "aggregation":
        geo = np.array([a == "geometric" for a in u.aggregations])
        norm, out = np.zeros(geo.size, int), np.full(geo.size, -1)
    else:  # leave_one_out
        out = np.arange(-1, k) if (u.leave_one_out and k >= 2) else np.array([-1])
        norm, geo = np.zeros(out.size, int), np.zeros(out.size, bool)
    weights = np.broadcast_to(panel.weights, (out.size, k)).copy()
    hit = out >= 0
    weights[np.flatnonzero(hit), out[hit]] = 0.0
    return Draws(norm, geo, weights, np.full(out.size, method.w_evidence), np.full(out.size, method.w_survey))


def analyse(panel: Panel, method: Method) -> tuple[pd.DataFrame, list[dict]]:
    """(per-cell intervals, sensitivity sums) of one panel. Intervals: the nominal score's median
    and 5-95 % interval over all draws, the probability of each level and of the nominal one, the
    rank and its interval. Sensitivity, for each choice alone and all together, over the scored
    cells: the mean absolute shift from the nominal score, the mean interval width, the variance, the share of
    draws in which a cell changes level, and the mean absolute rank shift (sums and counts, so
    panels can be pooled by `pool`)."""
    frame = pd.DataFrame({"iso3": panel.iso3, "ref_year": panel.ref_year, "dimension_id": panel.dimension_id})
    n = method.uncertainty.draws
    nominal = scores(panel, method, nominal_draw(panel, method))[1][0]
    scored = ~np.isnan(nominal)
    if n == 0 or not scored.any():
        return frame, []
    ranked = panel.ranked & scored
    own = level_index(nominal, method)
    r_nom = ranks(nominal[None, :], ranked)[0]

    s = scores(panel, method, draw(panel, method, _rng(method, panel, "all"), n, FACTORS))[1]
    p05, p50, p95 = percentiles(s, [5, 50, 95])
    levels = level_index(s, method)
    valid = np.maximum((levels >= 0).sum(axis=0), 1)
    frame["score_median"] = np.where(scored, p50, np.nan)
    frame["score_p05"] = np.where(scored, p05, np.nan)
    frame["score_p95"] = np.where(scored, p95, np.nan)
    for i, name in enumerate(LEVELS):
        frame[f"p_{name}"] = np.where(scored, (levels == i).sum(axis=0) / valid, np.nan)
    frame["level_probability"] = np.where(scored, (levels == own[None, :]).sum(axis=0) / valid, np.nan)
    r_all = ranks(s, ranked)
    frame["rank"] = r_nom
    frame["rank_p05"] = np.where(ranked, percentiles(r_all, 5, "lower"), np.nan)
    frame["rank_p95"] = np.where(ranked, percentiles(r_all, 95, "higher"), np.nan)
    frame["n_ranked"] = int(ranked.sum())

    rows = []
    for factor in ("all",) + FACTORS:
        if factor == "all":
            sf, rf = s, r_all
        else:
            d = draw(panel, method, _rng(method, panel, factor), n, (factor,)) if factor == "weights" \
                else _options(panel, method, factor)
            sf = scores(panel, method, d)[1]
            rf = ranks(sf, ranked)
        sub = sf[:, scored]
        lo, hi = percentiles(sub, [5, 95])
        rows.append({"ref_year": panel.ref_year, "dimension_id": panel.dimension_id, "factor": factor,
                     "cells": int(scored.sum()),
                     "shift_sum": float(np.nansum(np.nanmean(np.abs(sub - nominal[scored]), axis=0))),
                     "width_sum": float(np.nansum(hi - lo)),
                     "var_sum": float(np.nansum(np.nanvar(sub, axis=0))) if sub.shape[0] > 1 else 0.0,
                     "changed_sum": float((level_index(sub, method) != own[scored]).mean(axis=0).sum()),
                     "ranked": int(ranked.sum()),
                     "rank_shift_sum": float(np.abs(rf[:, ranked] - r_nom[ranked]).mean(axis=0).sum())
                     if ranked.any() else 0.0})
    return frame, rows


def pool(rows: list[dict]) -> pd.DataFrame:
    """Per reference year and dimension, and per reference year over all dimensions (dimension_id
    NULL): means of `analyse`'s sums, and each choice's place by the score shift it causes
    (influence 1 = moves the results most)."""
    cols = ["ref_year", "dimension_id", "factor", "cells", "mean_abs_shift", "mean_interval_width",
            "variance_share", "share_level_changes", "mean_rank_shift", "influence"]
    if not rows:
        return pd.DataFrame(columns=cols)
    raw = pd.DataFrame(rows)
    overall = raw.groupby(["ref_year", "factor"], as_index=False)[
        ["cells", "shift_sum", "width_sum", "var_sum", "changed_sum", "ranked", "rank_shift_sum"]].sum()
    both = pd.concat([raw.astype({"dimension_id": "Int64"}), overall.assign(dimension_id=pd.NA)], ignore_index=True)
    both["mean_abs_shift"] = both["shift_sum"] / both["cells"]
    both["mean_interval_width"] = both["width_sum"] / both["cells"]
    both["share_level_changes"] = both["changed_sum"] / both["cells"]
    # the variance one choice causes alone, as a share of the variance all choices cause together
    # (a first-order share, Handbook §7: near 1 for a choice that explains the spread by itself)
    total = both[both["factor"] == "all"].set_index(["ref_year", both.loc[both["factor"] == "all", "dimension_id"]
                                                     .fillna(0).rename("d")])["var_sum"]
    key = pd.MultiIndex.from_arrays([both["ref_year"], both["dimension_id"].fillna(0).rename("d")])
    denominator = total.reindex(key).to_numpy(dtype=float)
    both["variance_share"] = np.where(denominator > 0, both["var_sum"] / np.where(denominator > 0, denominator, 1), np.nan)
    both["mean_rank_shift"] = np.where(both["ranked"] > 0, both["rank_shift_sum"] / both["ranked"].clip(lower=1), np.nan)
    both["influence"] = pd.NA
    single = both[both["factor"] != "all"]
    place = single.groupby([single["ref_year"], single["dimension_id"].fillna(0)])["mean_abs_shift"] \
        .rank(ascending=False, method="min")
    both.loc[place.index, "influence"] = place.astype("Int64")
    return both[cols]
