"""Normalisation of indicator values to 0-1, the three ways the readiness method knows.

The nominal method is goalpost min-max (OECD/JRC Handbook 2008, section 5: "distance to a reference"
with fixed bounds): one yardstick per indicator, the same for every country and year, so a score
moves only when the country moves. z-score and rank are the alternatives the uncertainty analysis
draws from (Handbook, section 5; COINr `Normalise`): both are relative to a reference population,
here the UN member states, and are mapped to 0-1 (normal CDF; mid-rank empirical CDF) so the level
thresholds keep their meaning.
"""

from __future__ import annotations

from math import erf, sqrt

import numpy as np

NORMALISATIONS = ("goalposts", "zscore", "rank")


def transformed(values, transform: str | None):
    """The value scale goalposts apply to: `log` is log(1 + value), for strongly skewed series."""
    values = np.asarray(values, dtype=float)
    return np.log1p(values) if transform == "log" else values


def goalposts(values, low: float, high: float, higher_is_better: bool = True,
              transform: str | None = None) -> np.ndarray:
    """(value - low) / (high - low) on the transformed scale, clipped to [0, 1] (values beyond a
    goalpost are winsorised to it), reversed when lower is better. NaN stays NaN."""
    lo, hi = transformed(low, transform), transformed(high, transform)
    x = np.clip((transformed(values, transform) - lo) / (hi - lo), 0.0, 1.0)
    return x if higher_is_better else 1.0 - x


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.vectorize(erf, otypes=[float])(z / sqrt(2.0)))


def zscore(values, reference) -> np.ndarray:
    """Standardised against the reference population's mean and standard deviation, mapped to
    0-1 by the standard normal CDF. With fewer than two distinct reference values: NaN."""
    values = np.asarray(values, dtype=float)
    ref = np.asarray(reference, dtype=float)
    ref = ref[~np.isnan(ref)]
    if ref.size < 2 or np.std(ref) == 0:
        return np.full(values.shape, np.nan)
    out = _normal_cdf(np.nan_to_num((values - ref.mean()) / ref.std(ddof=1)))
    return np.where(np.isnan(values), np.nan, out)


def rank(values, reference) -> np.ndarray:
    """The share of the reference population below the value, ties counting half (the mid-rank
    empirical CDF): 0.5 is the median country. Empty reference: NaN."""
    values = np.asarray(values, dtype=float)
    ref = np.sort(np.asarray(reference, dtype=float)[~np.isnan(np.asarray(reference, dtype=float))])
    if ref.size == 0:
        return np.full(values.shape, np.nan)
    below = np.searchsorted(ref, values, side="left")
    upto = np.searchsorted(ref, values, side="right")
    out = (below + upto) / (2.0 * ref.size)
    return np.where(np.isnan(values), np.nan, out)
