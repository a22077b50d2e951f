"""From observations to the normalised evidence of each concept, country and reference year.

Time is explicit: for a reference year an indicator counts only with a value in the window before
it (config/readiness.yaml `window_years`); an older value is missing and the components say which
year it was. A concept takes the first of its series with a value (preferred, then fallbacks), so
one thing measured counts once. Every kept value carries its source, release, file and row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from digigov.transforms.readiness import normalise
from digigov.transforms.readiness.method import Method

VALUE_COLUMNS = ["iso3", "indicator_id", "year", "value", "source_id", "release", "file", "row"]


def in_window(values: pd.DataFrame, method: Method) -> pd.DataFrame:
    """The latest value of each country and series in each reference year's window, with ref_year."""
    frames = []
    for ref in method.reference_years:
        first, last = method.window(ref)
        w = values[(values["year"] >= first) & (values["year"] <= last)]
        w = w.sort_values("year").drop_duplicates(["iso3", "indicator_id"], keep="last")
        frames.append(w.assign(ref_year=ref))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=VALUE_COLUMNS + ["ref_year"])


def latest_before(values: pd.DataFrame, method: Method) -> pd.DataFrame:
    """(ref_year, iso3, concept, latest_year): the latest year up to each reference year in which
    any series of the concept has a value for the country (for the notes on missing values)."""
    series = pd.DataFrame([(s, c.key) for c in method.concepts for s in c.series], columns=["indicator_id", "concept"])
    v = values[["iso3", "indicator_id", "year"]].merge(series, on="indicator_id")
    frames = [v[v["year"] <= ref].groupby(["iso3", "concept"], as_index=False)["year"].max().assign(ref_year=ref)
              for ref in method.reference_years]
    return pd.concat(frames, ignore_index=True).rename(columns={"year": "latest_year"})


def resolve_goalposts(values: pd.DataFrame, method: Method, un_members: set[str]) -> pd.DataFrame:
    """Each mapped series' goalposts, with the reference population's shape measured every run:
    a `high_rule` percentile is taken over UN member states' values in every reference-year
    window (one number for all years); skewness and excess kurtosis are reported with COIN's rule
    of thumb for a transformation (|skewness| > 2 and kurtosis > 3.5)."""
    win = in_window(values, method)
    ref = win[win["iso3"].isin(un_members)]
    rows = []
    for ind, g in method.goalposts.items():
        x = ref.loc[ref["indicator_id"] == ind, "value"].to_numpy(dtype=float)
        high = g.high
        if high is None:
            high = float(np.percentile(x, g.percentile)) if x.size else np.nan
        skew = kurt = np.nan
        if x.size >= 3 and x.std() > 0:
            d = x - x.mean()
            m2 = (d ** 2).mean()
            skew, kurt = (d ** 3).mean() / m2 ** 1.5, (d ** 4).mean() / m2 ** 2 - 3
        rows.append({"indicator_id": ind, "goalpost_low": g.low, "goalpost_high": high,
                     "rule": f"percentile {g.percentile:g} of UN member states" if g.high is None else "fixed",
                     "transform": g.transform, "basis": g.basis, "n_reference": int(x.size),
                     "skewness": skew, "kurtosis": kurt,
                     "skewed": bool(abs(skew) > 2 and kurt > 3.5) if x.size >= 3 else None})
    return pd.DataFrame(rows)


def concept_values(values: pd.DataFrame, method: Method, goalposts: pd.DataFrame) -> pd.DataFrame:
    """One row per reference year, country and concept that has a value in the window: the series
    used, its value and year, provenance and the goalpost-normalised value (`normalised`)."""
    win = in_window(values, method)
    gp = goalposts.set_index("indicator_id")
    frames = []
    for c in method.concepts:
        parts = []
        for rank, series in enumerate(c.series):
            s = win[win["indicator_id"] == series].assign(series_rank=rank)
            parts.append(s)
        found = pd.concat(parts, ignore_index=True).sort_values("series_rank")
        found = found.drop_duplicates(["ref_year", "iso3"], keep="first")
        if found.empty:
            continue
        lo = found["indicator_id"].map(gp["goalpost_low"]).to_numpy(dtype=float)
        hi = found["indicator_id"].map(gp["goalpost_high"]).to_numpy(dtype=float)
        norm = np.empty(len(found))
        for ind in found["indicator_id"].unique():
            at = (found["indicator_id"] == ind).to_numpy()
            norm[at] = normalise.goalposts(found["value"].to_numpy(dtype=float)[at], lo[at][0], hi[at][0],
                                           method.direction.get(ind, True), method.goalposts[ind].transform)
        frames.append(found.assign(dimension_id=c.dimension_id, concept=c.key, goalpost_low=lo,
                                   goalpost_high=hi, normalised=norm))
    cols = ["ref_year", "iso3", "dimension_id", "concept", "indicator_id", "series_rank", "value", "year",
            "source_id", "release", "file", "row", "goalpost_low", "goalpost_high", "normalised"]
    found = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
    return found.rename(columns={"year": "value_year"})


def alternatives(concepts: pd.DataFrame, un_members: set[str]) -> pd.DataFrame:
    """The z-score and rank normalisations of each concept value against the UN member states with
    a value for the concept in the same reference year (the uncertainty analysis's alternatives)."""
    out = concepts.copy()
    out["zscore"] = np.nan
    out["rank"] = np.nan
    for _, idx in out.groupby(["ref_year", "concept"]).groups.items():
        g = out.loc[idx]
        ref = g.loc[g["iso3"].isin(un_members), "normalised"].to_numpy(dtype=float)
        out.loc[idx, "zscore"] = normalise.zscore(g["normalised"].to_numpy(dtype=float), ref)
        out.loc[idx, "rank"] = normalise.rank(g["normalised"].to_numpy(dtype=float), ref)
    return out
