"""A build reuses the readiness result of an earlier build with the very same inputs, and computes
it again the moment any input differs (warehouse/readiness_reuse.py). On a private copy of the
session warehouse, with a cache folder of the test's own."""

from __future__ import annotations

import duckdb
import pytest

from digigov.warehouse import build as build_module
from digigov.warehouse.readiness_reuse import RESULT_TABLES
from tests.test_readiness import READINESS_TABLES


@pytest.fixture
def computed(monkeypatch, tmp_path) -> list[int]:
    """Counts the readiness computations (the real one still runs); an empty cache folder."""
    monkeypatch.setenv("DIGIGOV_CACHE", str(tmp_path / "cache"))
    calls: list[int] = []
    real = build_module.compute_readiness

    def counted(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(build_module, "compute_readiness", counted)
    return calls


def _again(con) -> dict:
    for table in READINESS_TABLES:
        con.execute(f"DELETE FROM {table}")
    build_module.load_readiness(con)
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in READINESS_TABLES}


def test_the_same_inputs_reuse_the_result_row_for_row_and_a_changed_input_does_not(warehouse_copy, computed, tmp_path):
    with duckdb.connect(str(warehouse_copy)) as con:
        published = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in READINESS_TABLES}
        assert _again(con) == published and len(computed) == 1          # computed, and kept
        kept = list((tmp_path / "cache" / "readiness").iterdir())
        assert len(kept) == 1 and sorted(p.name for p in kept[0].iterdir()) == sorted(
            f"{t.split('.')[-1]}.parquet" for t in RESULT_TABLES)
        assert _again(con) == published and len(computed) == 1          # reused: not computed again
        # one value a score of Armenia rests on moves: computed again, and the numbers move with it
        used = con.execute("""
            SELECT indicator_id, value_year, source_id, release FROM core.readiness_component
            WHERE iso3 = 'ARM' AND value IS NOT NULL AND normalised > 0 AND source_id IN
                  (SELECT DISTINCT source_id FROM core.observation_row)
            ORDER BY ref_year DESC, indicator_id LIMIT 1""").fetchone()
        where = "iso3 = 'ARM' AND indicator_id = ? AND year = ? AND source_id = ? AND release = ?"
        assert con.execute(f"UPDATE core.observation_row SET value = value * 0.5 WHERE {where}", used).fetchone()[0] == 1
        changed = _again(con)
        assert len(computed) == 2 and changed["core.readiness"] != published["core.readiness"]
        # and the first inputs, restored, find their result again
        con.execute(f"UPDATE core.observation_row SET value = value * 2 WHERE {where}", used)
        assert _again(con) == published and len(computed) == 2


def test_a_changed_method_computes_again(warehouse_copy, computed, monkeypatch):
    with duckdb.connect(str(warehouse_copy)) as con:
        published = _again(con)
        real = build_module.load_method

        def fewer_draws(direction):
            method = real(direction)
            return type(method)(**{**method.__dict__, "uncertainty": type(method.uncertainty)(
                **{**method.uncertainty.__dict__, "draws": 50})})

        monkeypatch.setattr(build_module, "load_method", fewer_draws)
        redrawn = _again(con)
    assert len(computed) == 2
    assert redrawn["core.readiness_param"] != published["core.readiness_param"]
