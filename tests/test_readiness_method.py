"""The readiness engine's normalisation and aggregation, proved on published composites and on
cases worked by hand. The UN's EGDI (2020 onwards) is the arithmetic mean of the OSI, HCI and TII,
each already on 0-1; the World Bank's DAI is the mean of its business, people and government
sub-indices. Recomputed from the published components through the very functions that score
readiness (goalposts 0-1, equal weights, arithmetic mean), they must match the published index."""

from __future__ import annotations

import numpy as np
import pytest

from digigov.transforms.readiness import aggregate, normalise
from tests.conftest import query

COMPOSITES = {
    "un.egdi": ["un.osi", "un.hci", "un.tii"],
    "wb.dai": ["wb.dai.business", "wb.dai.people", "wb.dai.government"],
}


def recomputed(warehouse, index: str, year: int) -> tuple[np.ndarray, np.ndarray]:
    parts = COMPOSITES[index]
    rows = query(warehouse, f"""
        PIVOT (SELECT iso3, indicator_id, value FROM observations
               WHERE year = {year} AND indicator_id IN ('{index}', '{"', '".join(parts)}'))
        ON indicator_id IN ('{index}', '{"', '".join(parts)}') USING first(value)""")
    table = np.array([[np.nan if v is None else v for v in r[1:]] for r in rows], dtype=float)
    published, components = table[:, 0], table[:, 1:]
    complete = ~np.isnan(published) & ~np.isnan(components).any(axis=1)
    normalised = np.stack([normalise.goalposts(components[complete, k], 0.0, 1.0) for k in range(len(parts))], axis=1)
    return published[complete], aggregate.arithmetic(normalised, np.ones(len(parts)))


@pytest.mark.parametrize("index, year", [("un.egdi", 2020), ("un.egdi", 2022), ("un.egdi", 2024),
                                         ("wb.dai", 2014), ("wb.dai", 2016)])
def test_the_engine_reproduces_a_published_composite(warehouse, index, year):
    published, ours = recomputed(warehouse, index, year)
    assert len(published) >= 150  # (almost) every country of that edition
    close = np.abs(ours - published) <= 0.0005
    assert close.mean() >= 0.99, f"{index} {year}: {np.count_nonzero(~close)} of {len(close)} differ"


def test_a_wrong_formula_would_fail_the_proof(warehouse):
    """The proof can fail: the geometric mean of the same components misses the EGDI widely."""
    published, _ = recomputed(warehouse, "un.egdi", 2022)
    rows = query(warehouse, """PIVOT (SELECT iso3, indicator_id, value FROM observations WHERE year = 2022
               AND indicator_id IN ('un.egdi', 'un.osi', 'un.hci', 'un.tii'))
               ON indicator_id IN ('un.egdi', 'un.osi', 'un.hci', 'un.tii') USING first(value)""")
    t = np.array([[np.nan if v is None else v for v in r[1:]] for r in rows], dtype=float)
    t = t[~np.isnan(t).any(axis=1)]
    geo = aggregate.geometric(t[:, 1:], np.ones(3))
    assert (np.abs(geo - t[:, 0]) <= 0.0005).mean() < 0.5


def test_goalposts_clip_reverse_and_transform():
    x = np.array([-10.0, 0.0, 60.0, 120.0, 400.0, np.nan])
    assert np.allclose(normalise.goalposts(x, 0, 120)[:5], [0, 0, 0.5, 1, 1])
    assert np.isnan(normalise.goalposts(x, 0, 120)[5])
    assert np.allclose(normalise.goalposts(x, 0, 120, higher_is_better=False)[:5], [1, 1, 0.5, 0, 0])
    logged = normalise.goalposts(np.array([np.e - 1]), 0, np.e ** 2 - 1, transform="log")
    assert logged[0] == pytest.approx(0.5)


def test_zscore_and_rank_against_a_reference_population():
    ref = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert normalise.zscore(np.array([3.0]), ref)[0] == pytest.approx(0.5)
    assert normalise.zscore(np.array([5.0]), ref)[0] > normalise.zscore(np.array([4.0]), ref)[0] > 0.5
    assert list(normalise.rank(np.array([0.0, 3.0, 9.0]), ref)) == [0.0, 0.5, 1.0]
    assert np.isnan(normalise.zscore(np.array([3.0]), np.array([2.0, 2.0]))[0])


def test_aggregation_leaves_missing_values_out_and_rescales_weights():
    x = np.array([[0.2, np.nan, 0.8], [np.nan, np.nan, np.nan]])
    w = np.array([1.0, 5.0, 3.0])
    assert aggregate.arithmetic(x, w)[0] == pytest.approx((0.2 * 1 + 0.8 * 3) / 4)
    assert np.isnan(aggregate.arithmetic(x, w)[1])
    assert aggregate.geometric(x, w)[0] == pytest.approx(np.exp((np.log(0.2) + 3 * np.log(0.8)) / 4))
    # a zero is raised to the floor, so one missing law does not wipe out the others
    assert aggregate.geometric(np.array([0.0, 1.0]), np.ones(2), floor=0.01) == pytest.approx(0.1)


def test_the_draws_score_exactly_as_the_aggregation_functions():
    """scoring.scores writes the weighted means as matrix products for speed; on a random panel
    with missing values, every draw equals aggregate.arithmetic / aggregate.geometric."""
    from digigov.transforms.readiness import load_method
    from digigov.transforms.readiness.panel import Panel
    from digigov.transforms.readiness.scoring import FACTORS, draw, scores

    method = load_method()
    rng = np.random.default_rng(7)
    c, k = 40, 4
    values = rng.uniform(0, 1, (3, c, k))
    values[:, rng.uniform(size=(c, k)) < 0.2] = np.nan
    concepts = [c_ for c_ in method.concepts if c_.dimension_id == 5][:k]
    panel = Panel(2024, 5, np.array([f"C{i:02d}" for i in range(c)]), concepts, values, np.ones(k),
                  np.full(c, np.nan), np.zeros(c, int), np.zeros(c, bool))
    d = draw(panel, method, rng, 300, FACTORS)
    evidence, _ = scores(panel, method, d)
    covered = panel.covered(method.min_share)
    for i in range(300):
        x = values[d.normalisation[i]]
        expected = (aggregate.geometric(x, d.weights[i], method.uncertainty.geometric_floor) if d.geometric[i]
                    else aggregate.arithmetic(x, d.weights[i]))
        expected = np.where(covered, expected, np.nan)
        assert np.allclose(evidence[i], expected, equal_nan=True, rtol=1e-12, atol=1e-12)
    assert d.geometric.any() and (d.normalisation > 0).any() and (d.weights == 0).any()
