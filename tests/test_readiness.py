"""The readiness matrix a statistician can sign (issue 13): evidence and survey apart, no SAMPLE
data in any score, one yardstick per indicator, explicit reference years, a coverage rule,
uncertainty and sensitivity, every score traceable to publisher cells. On the session warehouse
built from the embedded snapshots; a test that changes data works on its own copy."""

from __future__ import annotations

import dataclasses

import duckdb
import numpy as np
import pytest

from digigov.transforms.readiness import compute, load_method
from digigov.warehouse.build import load_readiness, readiness_inputs
from tests.conftest import query

FOCUS = ("ARM", "AZE", "GEO", "KAZ", "KGZ", "TJK", "UZB")
READINESS_COLUMNS = ["iso3", "dimension_id", "ref_year", "score", "score_p05", "score_p95", "level",
                     "level_probability", "evidence_score", "survey_score", "coverage", "n_indicators", "missing",
                     "uses_sample"]
COMPONENT_COLUMNS = ["iso3", "dimension_id", "ref_year", "indicator_id", "value", "value_year", "goalpost_low",
                     "goalpost_high", "normalised", "weight"]
READINESS_TABLES = ["core.readiness", "core.readiness_component", "core.readiness_goalpost",
                    "core.readiness_sensitivity", "core.readiness_param", "core.readiness_method",
                    "core.readiness_concept"]


def columns(warehouse, view):
    return [r[0] for r in query(warehouse, f"SELECT column_name FROM (DESCRIBE {view})")]


def test_views_carry_the_columns_reports_rely_on(warehouse):
    assert columns(warehouse, "readiness")[:1] == ["iso3"]
    assert set(READINESS_COLUMNS) <= set(columns(warehouse, "readiness"))
    assert set(COMPONENT_COLUMNS) <= set(columns(warehouse, "readiness_components"))
    assert {"factor", "influence", "mean_abs_shift"} <= set(columns(warehouse, "readiness_sensitivity"))
    assert {"ref_year", "priority", "score"} <= set(columns(warehouse, "priority_gaps"))
    years = [r[0] for r in query(warehouse, "SELECT DISTINCT ref_year FROM readiness ORDER BY 1")]
    assert years == list(load_method().reference_years)


def test_every_cell_of_the_focus_countries_and_comparators_is_there_and_says_what_it_lacks(warehouse):
    rows = query(warehouse, """SELECT iso3, ref_year, count(*), count(score), bool_and(score IS NOT NULL OR missing IS NOT NULL)
                               FROM readiness WHERE iso3 IN ('ARM','AZE','GEO','KAZ','KGZ','TJK','UZB','EST','KOR')
                               GROUP BY ALL""")
    assert len(rows) == 9 * 3 and all(r[2] == 9 and r[4] for r in rows)
    # specialised personnel: no international data measures it, and no real survey answers exist
    d3 = query(warehouse, "SELECT DISTINCT score IS NULL, missing LIKE '%survey needed%' FROM readiness WHERE dimension_id = 3")
    assert d3 == [(True, True)]


def test_sample_answers_are_loaded_but_enter_no_published_number(warehouse):
    assert query(warehouse, "SELECT count(DISTINCT iso3), bool_and(is_sample) FROM survey_responses") == [(7, True)]
    assert query(warehouse, "SELECT count(*) FILTER (WHERE uses_sample), count(survey_score) FROM readiness") == [(0, 0)]
    shown = query(warehouse, "SELECT DISTINCT is_sample, note FROM survey_scores")
    assert shown == [(True, "SAMPLE data: never in a readiness score")]


def _readiness(con):
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in READINESS_TABLES}


def _recompute(con):
    for t in READINESS_TABLES:
        con.execute(f"DELETE FROM {t}")
    load_readiness(con)
    return _readiness(con)


def test_loading_the_samples_changes_no_published_score(warehouse_copy):
    """The same warehouse with and without the SAMPLE workbooks has the same readiness, row for
    row; and the check can fail: the same answers declared real and dated in a window do move it."""
    with duckdb.connect(str(warehouse_copy)) as con:
        published = _readiness(con)
        assert _recompute(con) == published           # recomputing alone changes nothing
        con.execute("CREATE TEMP TABLE kept AS SELECT * FROM core.survey_response")
        con.execute("DELETE FROM core.survey_response")
        assert _recompute(con) == published           # without the samples: the same numbers
        # samples dated inside a reference-year window still stay out: the flag alone keeps them out
        con.execute("INSERT INTO core.survey_response SELECT * REPLACE ('2024-05-01' AS response_date) FROM kept")
        assert _recompute(con) == published
        con.execute("DELETE FROM core.survey_response")
        con.execute("INSERT INTO core.survey_response SELECT * REPLACE (false AS is_sample, '2024-05-01' AS response_date) FROM kept")
        real = _recompute(con)
        assert real["core.readiness"] != published["core.readiness"]
        assert con.execute("SELECT count(survey_score) > 0, bool_or(uses_sample) FROM core.readiness "
                           "WHERE ref_year = 2024").fetchone() == (True, False)
        assert con.execute("SELECT count(survey_score) FROM core.readiness WHERE ref_year < 2024").fetchone() == (0,)


def test_real_answers_combine_with_the_evidence_by_the_configured_weights(warehouse_copy):
    method = load_method()
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("UPDATE core.survey_response SET is_sample = false, response_date = '2022-03-04' WHERE iso3 = 'KGZ'")
        _recompute(con)
        rows = con.execute("""SELECT dimension_id, evidence_score, survey_score, score, organisations FROM core.readiness
                              WHERE iso3 = 'KGZ' AND ref_year = 2022 AND survey_score IS NOT NULL""").fetchall()
    assert rows
    we, ws = method.w_evidence, method.w_survey
    for did, evidence, survey, score, orgs in rows:
        expected = survey if evidence is None else (we * evidence + ws * survey) / (we + ws)
        assert score == pytest.approx(expected) and orgs >= 1
    assert any(r[1] is None and r[3] == r[2] for r in rows)   # D3: the survey alone scores it


def test_one_yardstick_per_indicator_for_every_country_and_year(warehouse):
    spread = query(warehouse, """SELECT indicator_id, count(DISTINCT (goalpost_low, goalpost_high))
                                 FROM readiness_components WHERE value IS NOT NULL GROUP BY 1 HAVING count(DISTINCT (goalpost_low, goalpost_high)) > 1""")
    assert spread == []
    wrong = query(warehouse, """SELECT count(*) FROM readiness_components WHERE value IS NOT NULL AND abs(normalised -
                                  greatest(0, least(1, (value - goalpost_low) / (goalpost_high - goalpost_low)))) > 1e-12""")
    assert wrong == [(0,)]
    # the example: Japan's higher internet use can no longer normalise below Tajikistan's
    use = dict(query(warehouse, """SELECT iso3, normalised FROM readiness_components
                                   WHERE concept = 'internet_use' AND ref_year = 2024 AND iso3 IN ('JPN', 'TJK')"""))
    values = dict(query(warehouse, """SELECT iso3, value FROM readiness_components
                                      WHERE concept = 'internet_use' AND ref_year = 2024 AND iso3 IN ('JPN', 'TJK')"""))
    assert values["JPN"] > values["TJK"] and use["JPN"] > use["TJK"]
    # an unbounded series: the percentile rule over UN members, values above it count as 1
    rule = query(warehouse, "SELECT rule, goalpost_high FROM readiness_goalposts WHERE indicator_id = 'wdi.IT.NET.BBND.P2'")
    assert rule[0][0].startswith("percentile 95") and 20 < rule[0][1] < 60


def test_one_concept_counts_once_with_its_preferred_series_first(warehouse):
    per_cell = query(warehouse, """SELECT max(n) FROM (SELECT count(*) AS n FROM readiness_components
                                   GROUP BY iso3, dimension_id, ref_year, concept)""")
    assert per_cell == [(1,)]
    # WDI's internet use (a copy of ITU's) is used only where ITU has no value in the window
    fallback = query(warehouse, """SELECT c.iso3, c.ref_year FROM readiness_components c
                                   WHERE c.concept = 'internet_use' AND c.indicator_id = 'wdi.IT.NET.USER.ZS' AND c.value IS NOT NULL
                                     AND EXISTS (SELECT 1 FROM observations o WHERE o.iso3 = c.iso3 AND o.indicator_id = 'itu.i99H'
                                                 AND o.year BETWEEN c.ref_year - 2 AND c.ref_year)""")
    assert fallback == []
    assert query(warehouse, "SELECT count(*) FROM readiness_components WHERE concept = 'internet_use' "
                            "AND indicator_id = 'itu.i99H' AND value IS NOT NULL")[0][0] > 500


def test_old_evidence_is_missing_and_said_so(warehouse):
    method = load_method()
    first, last = method.window(2024)
    note = query(warehouse, """SELECT value, note FROM readiness_components
                               WHERE iso3 = 'TJK' AND ref_year = 2024 AND concept = 'government_adoption'""")
    assert note == [(None, f"latest value 2016, before the {first}-{last} window")]
    too_old = query(warehouse, f"SELECT count(*) FROM readiness_components WHERE value_year < ref_year - {method.window_years - 1}")
    assert too_old == [(0,)]
    assert "government adoption: latest value 2016" in query(
        warehouse, "SELECT missing FROM readiness WHERE iso3 = 'TJK' AND ref_year = 2024 AND dimension_id = 9")[0][0]


def test_the_evidence_score_is_the_weighted_mean_of_its_components(warehouse):
    """Traceable: each evidence score is recomputed from readiness_components (value, goalposts,
    weight) and each component names the publisher file and row it was read from."""
    off = query(warehouse, """SELECT count(*) FROM readiness r JOIN (
                                 SELECT iso3, dimension_id, ref_year, sum(weight * normalised) AS e, sum(weight) AS w
                                 FROM readiness_components WHERE weight IS NOT NULL GROUP BY ALL) c
                              USING (iso3, dimension_id, ref_year)
                              WHERE abs(r.evidence_score - c.e) > 1e-9 OR abs(c.w - 1) > 1e-9""")
    assert off == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM readiness WHERE evidence_score IS NOT NULL AND NOT EXISTS ("
                            "SELECT 1 FROM readiness_components c WHERE c.iso3 = readiness.iso3 AND "
                            "c.dimension_id = readiness.dimension_id AND c.ref_year = readiness.ref_year AND c.weight > 0)") == [(0,)]
    unsourced = query(warehouse, "SELECT count(*) FROM readiness_components WHERE value IS NOT NULL AND (file IS NULL OR source_id IS NULL)")
    assert unsourced == [(0,)]


def test_the_coverage_rule_leaves_thin_evidence_unscored(warehouse):
    share = load_method().min_share
    rows = query(warehouse, "SELECT coverage, evidence_score IS NOT NULL, missing FROM readiness WHERE n_concepts > 0")
    assert all((c >= share) == scored for c, scored, _ in rows if c is not None and c > 0)
    thin = [m for c, scored, m in rows if c is not None and 0 < c < share]
    assert thin and all("coverage rule" in m for m in thin)


def test_intervals_and_level_probabilities_are_consistent(warehouse):
    rows = query(warehouse, """SELECT score_p05, score_median, score_p95, p_low, p_medium, p_high, level, level_probability,
                                      rank, rank_p05, rank_p95, n_ranked FROM readiness WHERE score IS NOT NULL""")
    assert rows
    for p05, p50, p95, lo, mid, hi, level, lp, rank, r05, r95, n in rows:
        assert 0 <= p05 <= p50 <= p95 <= 1
        assert lo + mid + hi == pytest.approx(1)
        assert lp == pytest.approx({"low": lo, "medium": mid, "high": hi}[level])
        if rank is not None:
            assert 1 <= r05 <= r95 <= n <= 9 and 1 <= rank <= n
    ranked = {r[0] for r in query(warehouse, "SELECT DISTINCT iso3 FROM readiness WHERE rank IS NOT NULL")}
    assert ranked == set(FOCUS) | {"EST", "KOR"}
    # the intervals are not empty: the method's choices do move scores
    assert query(warehouse, "SELECT avg(score_p95 - score_p05) FROM readiness WHERE score IS NOT NULL")[0][0] > 0.01


def test_sensitivity_names_the_choice_that_moves_scores_most(warehouse):
    shares = query(warehouse, "SELECT factor, min(variance_share), max(variance_share) FROM readiness_sensitivity GROUP BY 1")
    for factor, lo, hi in shares:
        assert (lo, hi) == (1, 1) if factor == "all" else 0 <= lo <= hi
    rows = query(warehouse, """SELECT ref_year, factor, influence, mean_abs_shift FROM readiness_sensitivity
                               WHERE dimension_id IS NULL ORDER BY 1, 3""")
    by_year = {}
    for year, factor, influence, shift in rows:
        by_year.setdefault(year, {})[factor] = (influence, shift)
    assert sorted(by_year) == list(load_method().reference_years)
    for factors in by_year.values():
        assert set(factors) == {"all", "weights", "normalisation", "aggregation", "leave_one_out"}
        top = [f for f, (i, _) in factors.items() if i == 1]
        assert len(top) == 1
        assert factors[top[0]][1] == max(s for f, (_, s) in factors.items() if f != "all")


def test_priority_gaps_rest_on_scored_evidence(warehouse):
    n = load_method().priority_gaps
    rows = query(warehouse, """SELECT iso3, ref_year, count(*), max(priority), bool_and(score IS NOT NULL), bool_or(uses_sample)
                               FROM priority_gaps WHERE iso3 IN ('ARM','AZE','GEO','KAZ','KGZ','TJK','UZB') GROUP BY ALL""")
    assert len(rows) == 21 and all(r[2:] == (n, n, True, False) for r in rows)
    worst = query(warehouse, """SELECT p.score, (SELECT min(score) FROM readiness r WHERE r.iso3 = p.iso3 AND r.ref_year = p.ref_year)
                                FROM priority_gaps p WHERE priority = 1""")
    assert all(a == b for a, b in worst)


def test_the_studys_conclusion_is_checked_on_every_reference_year(warehouse):
    verdicts = query(warehouse, "SELECT vintage, status FROM finding_checks WHERE finding_id = 'F19' AND NOT is_latest ORDER BY 1")
    assert [v for v, _ in verdicts] == [f"reference year: {y}" for y in load_method().reference_years]
    assert all(s in ("holds", "contradicted") for _, s in verdicts)


def _inputs(warehouse, method):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return readiness_inputs(con, max(method.reference_years))


def test_the_uncertainty_analysis_is_reproducible_and_seeded(warehouse):
    method = load_method()
    small = dataclasses.replace(method, uncertainty=dataclasses.replace(method.uncertainty, draws=200))
    inputs = _inputs(warehouse, method)
    a, b = compute(*inputs, small), compute(*inputs, small)
    assert a.cells.equals(b.cells) and a.sensitivity.equals(b.sensitivity)
    other = dataclasses.replace(small, uncertainty=dataclasses.replace(small.uncertainty, seed=small.uncertainty.seed + 1))
    c = compute(*inputs, other)
    assert np.allclose(a.cells["score"], c.cells["score"], equal_nan=True)        # the nominal score is not drawn
    assert not np.allclose(a.cells["score_p05"], c.cells["score_p05"], equal_nan=True)
