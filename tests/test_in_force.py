"""Which value is in force (core.current_observation) on the default warehouse built from the embedded
files: a release replaces the series it covers, so a value a newer release no longer carries is
withdrawn; yearly waves replace nothing; precedence between sources still decides where both carry a
value. The expected sets are derived here, in pandas, from every loaded value (observations_all)
and the file records, not from the warehouse's own rule."""

import pandas as pd
import pytest

from tests.conftest import query

FOCUS = ["ARM", "AZE", "GEO", "KAZ", "KGZ", "TJK", "UZB"]
KEY = ["iso3", "indicator_id", "year"]


def frame(wh, sql):
    import duckdb

    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(sql).df()


@pytest.fixture(scope="module")
def loaded(built_warehouse):
    """Every value of an indicator that more than one (source, release) carries, with its file's
    precedence and date (last_updated, else retrieved_at), and whether the warehouse has it in force."""
    obs = frame(built_warehouse,
                "SELECT o.iso3, o.indicator_id, o.year, o.value, o.source_id, o.release, o.is_current, "
                "       f.precedence, coalesce(f.last_updated, f.retrieved_at) AS updated "
                "FROM observations_all o JOIN core.source_file f USING (source_id, file)")
    releases = obs.groupby("indicator_id")[["source_id", "release"]].apply(lambda d: len(d.drop_duplicates()))
    return obs[obs["indicator_id"].isin(releases[releases > 1].index)].reset_index(drop=True)


def expected_in_force(obs: pd.DataFrame) -> set:
    """The rule written out cell by cell: within one precedence, the newest release carrying the
    country and covering the year (its first to last year of the indicator) decides the year, and
    holds the value in force or none; across precedences the higher one with a value wins."""
    span = {k: (lo, hi) for k, lo, hi in obs.groupby(["source_id", "release", "indicator_id"])["year"]
            .agg(["min", "max"]).itertuples(name=None)}
    updated = obs.groupby(["source_id", "release", "indicator_id"])["updated"].max().to_dict()
    values = {tuple(k) for k in obs[[*KEY, "source_id", "release"]].itertuples(index=False)}
    chosen = set()
    for (iso3, ind), d in obs.groupby(["iso3", "indicator_id"]):
        by_prec: dict[int, list] = {}
        for s, r, p in d[["source_id", "release", "precedence"]].drop_duplicates().itertuples(index=False):
            by_prec.setdefault(p, []).append((s, r))
        for rels in by_prec.values():
            # newest first: date descending (undated last), then source id, then release descending
            rels.sort(key=lambda sr: sr[1], reverse=True)
            rels.sort(key=lambda sr: sr[0])
            rels.sort(key=lambda sr: pd.isna(updated[(*sr, ind)]))
            dated = [sr for sr in rels if pd.notna(updated[(*sr, ind)])]
            dated.sort(key=lambda sr: updated[(*sr, ind)], reverse=True)  # stable: ties keep that order
            rels[:len(dated)] = dated
        for year in sorted(d["year"].unique()):
            for p in sorted(by_prec, reverse=True):
                covering = [sr for sr in by_prec[p] if span[(*sr, ind)][0] <= year <= span[(*sr, ind)][1]]
                if not covering:  # no release of this precedence spans the year
                    continue
                newest = covering[0]
                if (iso3, ind, year, *newest) in values:
                    chosen.add((iso3, ind, year, *newest))
                    break
    return chosen


def per_cell_winners(obs: pd.DataFrame) -> pd.DataFrame:
    """The value the former rule put in force: per cell, precedence, then the newest file."""
    o = obs.assign(undated=obs["updated"].isna())
    o = o.sort_values(["release"], ascending=False, kind="stable")
    o = o.sort_values(["precedence", "undated", "updated", "source_id"],
                      ascending=[False, True, False, True], kind="stable")
    return o.drop_duplicates(KEY)


def test_the_values_in_force_are_exactly_those_of_the_newest_release_covering_each_year(loaded):
    got = {tuple(k) for k in loaded.loc[loaded["is_current"], [*KEY, "source_id", "release"]].itertuples(index=False)}
    assert got == expected_in_force(loaded)
    # one value per cell, never two
    assert not loaded[loaded["is_current"]].duplicated(KEY).any()


def test_no_value_in_force_comes_from_a_release_a_newer_one_replaced(loaded):
    span = loaded.groupby(["source_id", "release", "indicator_id"])["year"].agg(["min", "max"]).reset_index()
    carries = loaded[["iso3", "indicator_id", "source_id", "release", "precedence", "updated"]].drop_duplicates()
    cur = loaded[loaded["is_current"]]
    pairs = cur.merge(carries, on=["iso3", "indicator_id", "precedence"], suffixes=("", "_n"))
    pairs = pairs.merge(span, left_on=["source_id_n", "release_n", "indicator_id"],
                        right_on=["source_id", "release", "indicator_id"], suffixes=("", "_s"))
    newer = pairs[(pairs["updated_n"] > pairs["updated"]) & pairs["year"].between(pairs["min"], pairs["max"])]
    assert newer.empty, newer.head()


def test_withdrawn_cells_are_not_in_force_but_stay_as_vintages(warehouse, loaded):
    old = per_cell_winners(loaded)
    withdrawn = old[~old["is_current"]]
    # each is a cell the newest covering release does not carry: nothing of that cell is in force
    in_force_keys = set(map(tuple, loaded.loc[loaded["is_current"], KEY].itertuples(index=False)))
    assert not any(tuple(k) in in_force_keys for k in withdrawn[KEY].itertuples(index=False))
    expected = {tuple(k) for k in loaded[KEY].itertuples(index=False)} - in_force_keys
    assert set(map(tuple, withdrawn[KEY].itertuples(index=False))) == expected
    # the real files withdraw values of series with several releases: internet use (the WDI
    # vintages, e.g. Sri Lanka 2008-2013) and fixed broadband (OWID's two downloads)
    assert "wdi.IT.NET.USER.ZS" in set(withdrawn["indicator_id"])
    assert set(withdrawn["indicator_id"]) <= {"wdi.IT.NET.USER.ZS", "wdi.IT.NET.BBND.P2"}
    lka = withdrawn[withdrawn["iso3"] == "LKA"].set_index("year")
    assert set(range(2008, 2014)) <= set(lka.index)
    assert lka.loc[2013, "value"] == 21.9 and lka.loc[2013, "release"] == "IT.NET.USER.ZS 2020-03-18"
    assert {2010, 2014} <= set(withdrawn.loc[withdrawn["iso3"] == "SDN", "year"])
    assert len(withdrawn) == len(expected) > 50
    # none in the published view; all in observations_all, not current
    assert query(warehouse, "SELECT count(*) FROM observations WHERE iso3 = 'LKA' "
                            "AND indicator_id = 'wdi.IT.NET.USER.ZS' AND year BETWEEN 2008 AND 2013")[0][0] == 0
    assert query(warehouse, "SELECT value, is_current FROM observations_all WHERE iso3 = 'LKA' AND year = 2013 "
                            "AND indicator_id = 'wdi.IT.NET.USER.ZS'") == [(21.9, False)]
    assert query(warehouse, "SELECT value, release FROM observations WHERE iso3 = 'LKA' AND year = 2014 "
                            "AND indicator_id = 'wdi.IT.NET.USER.ZS'")[0][1] != "IT.NET.USER.ZS 2020-03-18"


def test_yearly_waves_replace_nothing_and_precedence_still_decides(loaded):
    un = loaded[loaded["source_id"] == "un_egov"]
    assert len(un) > 10_000 and un["is_current"].all()  # each survey edition covers its own year only
    gtmi = loaded[loaded["indicator_id"] == "wb.gtmi"]
    several = gtmi.groupby(KEY)["source_id"].transform("nunique") > 1
    assert several.sum() > 0
    # precedence 1 (the GovTech workbook, the panel) over 0 (Data360); within 1 the newer file, the panel
    assert set(gtmi.loc[several & gtmi["is_current"], "source_id"]) == {"wb_gtmi_panel"}
    assert gtmi.loc[~several, "is_current"].all()


def test_rows_superseded_counts_the_rows_of_each_file_not_in_force(warehouse):
    got = query(warehouse, "SELECT s.source_id, s.file, s.rows_superseded, "
                           "       (SELECT count(*) FROM observations_all o WHERE o.source_id = s.source_id "
                           "        AND o.file = s.file AND NOT o.is_current) "
                           "FROM sources s WHERE s.rows_loaded > 0")
    assert all(r[2] == r[3] for r in got), [r for r in got if r[2] != r[3]]
    superseded = {r[1]: r[2] for r in got}
    # the 2020 internet-use file: every row a newer vintage revised or withdrew
    assert superseded["API_IT.NET.USER.ZS_DS2_en_csv_v2_889089.csv"] > 5_000
    assert superseded["EGOV_DATA_2024.csv"] == 0


def test_the_seven_countries_lose_only_what_a_newer_release_dropped(loaded):
    """For the seven, the rule withdraws only the early-1990s zeros of internet use that the 2022
    file carried and the 2025 file, which spans those years, no longer does."""
    focus = loaded[loaded["iso3"].isin(FOCUS)]
    old = per_cell_winners(focus)
    withdrawn = old[~old["is_current"]]
    assert set(withdrawn["indicator_id"]) <= {"wdi.IT.NET.USER.ZS"}
    assert (withdrawn["value"] == 0).all() and withdrawn["year"].max() < 1996
    assert set(withdrawn["release"]) <= {"IT.NET.USER.ZS 2022-05-25"}
