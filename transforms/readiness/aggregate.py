"""Aggregation of normalised values into a score: weighted means over the values present.

Missing values are left out and the remaining weights rescaled to sum to one (available-case
aggregation, OECD/JRC Handbook 2008, section 4); the coverage rule (config/readiness.yaml) decides
beforehand whether enough is present to score at all. The arithmetic mean is the nominal method and
the one the UN uses for the EGDI; the geometric mean, which lets a strength compensate a weakness
less, is the alternative the uncertainty analysis draws (Handbook, section 6; COINr `Aggregate`).
The functions work on the last axis, so one call scores many countries and many draws at once.
"""

from __future__ import annotations

import numpy as np

def _weights(x: np.ndarray, w) -> np.ndarray:
    return np.where(np.isnan(x), 0.0, np.asarray(w, dtype=float))


def arithmetic(x, w) -> np.ndarray:
    """Σ wᵢxᵢ / Σ wᵢ over the values present; NaN where none is (or every weight is zero)."""
    x = np.asarray(x, dtype=float)
    w = _weights(x, w)
    total = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, np.einsum("...k,...k->...", w, np.where(w > 0, x, 0.0)) / total, np.nan)


def geometric(x, w, floor: float = 0.01) -> np.ndarray:
    """exp(Σ wᵢ log xᵢ / Σ wᵢ) over the values present, each value first raised to `floor`
    (a zero would make the whole score zero whatever the other values are)."""
    x = np.asarray(x, dtype=float)
    w = _weights(x, w)
    total = w.sum(axis=-1)
    logs = np.log(np.maximum(np.where(w > 0, x, 1.0), floor))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, np.exp((w * logs).sum(axis=-1) / total), np.nan)

