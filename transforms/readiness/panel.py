"""One reference year × dimension as arrays: the countries of the matrix, the normalised value of
each concept under each normalisation, the concept weights and the survey part. The nominal score
and every Monte Carlo draw are computed from the same arrays by the same code (scoring.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from digigov.transforms.readiness.method import Concept, Method
from digigov.transforms.readiness.normalise import NORMALISATIONS

COLUMN = {"goalposts": "normalised", "zscore": "zscore", "rank": "rank"}  # evidence.alternatives' columns


@dataclass
class Panel:
    ref_year: int
    dimension_id: int
    iso3: np.ndarray            # (C,) countries of the matrix in this reference year
    concepts: list[Concept]     # (K,)
    values: np.ndarray          # (len(NORMALISATIONS), C, K) normalised values, NaN = missing
    weights: np.ndarray         # (K,) nominal concept weights
    survey: np.ndarray          # (C,) survey score from real answers, NaN = none
    organisations: np.ndarray   # (C,) organisations whose answers the survey score rests on
    ranked: np.ndarray          # (C,) bool: ranked among the focus countries and comparators

    @property
    def present(self) -> np.ndarray:
        """(C,) how many concepts have a value."""
        return (~np.isnan(self.values[0])).sum(axis=-1)

    def covered(self, min_share: float) -> np.ndarray:
        """(C,) whether the coverage rule lets the evidence part be scored."""
        k = len(self.concepts)
        return (self.present >= min_share * k) & (self.present > 0) if k else np.zeros(len(self.iso3), bool)


def panels(concepts: pd.DataFrame, survey: pd.DataFrame, matrix: pd.DataFrame, method: Method,
           ranked: set[str]) -> list[Panel]:
    """Arrays for every reference year and dimension. `concepts` comes from
    evidence.alternatives, `survey` holds (ref_year, iso3, dimension_id, survey_score,
    organisations), `matrix` the (ref_year, iso3) pairs the matrix shows."""
    out = []
    by_year = {y: np.array(sorted(g["iso3"])) for y, g in matrix.groupby("ref_year")}
    for ref in method.reference_years:
        iso3 = by_year.get(ref, np.array([], dtype=object))
        pos = {c: i for i, c in enumerate(iso3)}
        cv = concepts[concepts["ref_year"] == ref]
        sv = survey[survey["ref_year"] == ref]
        for did in method.dimensions:
            cs = method.concepts_of(did)
            vals = np.full((len(NORMALISATIONS), len(iso3), len(cs)), np.nan)
            for k, c in enumerate(cs):
                rows = cv[(cv["concept"] == c.key) & cv["iso3"].isin(pos)]
                idx = rows["iso3"].map(pos).to_numpy(dtype=int)
                for m, name in enumerate(NORMALISATIONS):
                    vals[m, idx, k] = rows[COLUMN[name]].to_numpy(dtype=float)
            s = sv[(sv["dimension_id"] == did) & sv["iso3"].isin(pos)]
            survey_score = np.full(len(iso3), np.nan)
            orgs = np.zeros(len(iso3), dtype=int)
            survey_score[s["iso3"].map(pos).to_numpy(dtype=int)] = s["survey_score"].to_numpy(dtype=float)
            orgs[s["iso3"].map(pos).to_numpy(dtype=int)] = s["organisations"].to_numpy(dtype=int)
            out.append(Panel(ref, did, iso3, cs, vals, np.array([c.weight for c in cs], dtype=float),
                             survey_score, orgs, np.isin(iso3, list(ranked))))
    return out
