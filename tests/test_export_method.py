"""The extract's Method sheet (issue 16, item 2): the readiness method in words, written by the build
from the same `Method` object the scores are computed with, so the sheet cannot drift from them.

- the method's rows say what config/readiness.yaml and config/dimensions.yaml say (read here with
  plain YAML, not through the code under test);
- the warehouse records the method its scores were computed with, and a build with a changed config
  records the changed method (and computes with it);
- the sheet shows every row of those tables, and reads as the guidance asks.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest
import yaml

from digigov import settings
from digigov.errors import DigigovError
from digigov.settings import CONFIG_DIR, load_config
from digigov.transforms.readiness import load_method
from digigov.transforms.readiness.describe import method_concepts, method_parameters
from digigov.warehouse.build import load_readiness
from digigov.warehouse.export.method_sheet import method_sheet
from tests.conftest import query
from tests.test_config import edit
from tests.test_readiness import READINESS_TABLES

PARAMETERS = "SELECT position, part, key, section, parameter, value, meaning FROM core.readiness_method ORDER BY position"
CONCEPTS = "SELECT position, dimension_id, concept, series, reason, weight FROM core.readiness_concept ORDER BY position"


def raw(name: str, folder=CONFIG_DIR) -> dict:
    return yaml.safe_load((folder / f"{name}.yaml").read_text(encoding="utf-8"))


def concepts_in(dimensions: dict) -> list[tuple]:
    """(dimension_id, concept, "a; b", reason, weight) in the order config/dimensions.yaml lists them."""
    return [(int(did), key, "; ".join(c["series"]), c["reason"], float(c.get("weight", 1)))
            for did, spec in sorted(dimensions["dimensions"].items(), key=lambda kv: int(kv[0]))
            for key, c in (spec.get("concepts") or {}).items()]


def values_by_key(frame) -> dict[str, str]:
    assert frame["key"].is_unique
    return dict(zip(frame["key"], frame["value"]))


def assert_rows_state(values: dict[str, str], cfg: dict) -> None:
    """Every parameter of a config/readiness.yaml, as the method's rows must state it."""
    u = cfg["uncertainty"]
    assert values["reference_years"] == ", ".join(str(y) for y in cfg["reference_years"])
    last = cfg["reference_years"][-1]
    assert values["window_years"] == f"{cfg['window_years']} years ({last - cfg['window_years'] + 1}-{last} for {last})"
    assert float(values["weights.evidence"]) == cfg["weights"]["evidence"]
    assert float(values["weights.survey"]) == cfg["weights"]["survey"]
    assert values["coverage.min_share"] == f"{cfg['coverage']['min_share']:.0%} of a dimension's concepts"
    assert float(values["levels.medium_from"]) == cfg["levels"]["medium_from"]
    assert float(values["levels.high_from"]) == cfg["levels"]["high_from"]
    assert values["priority_gaps"] == f"{cfg['priority_gaps']} per country and reference year"
    assert values["uncertainty.draws"] == f"{u['draws']:,} per reference year and dimension"
    assert values["uncertainty.seed"] == str(u["seed"])
    assert values["uncertainty.weight_noise"].endswith(f"from {1 - u['weight_noise']:g} to {1 + u['weight_noise']:g}")
    shown = {"goalposts": "goalposts", "zscore": "z-score", "rank": "rank",
             "arithmetic": "arithmetic mean", "geometric": "geometric mean"}
    assert values["uncertainty.normalisations"] == ", ".join(shown[n] for n in u["normalisations"])
    assert values["uncertainty.aggregations"] == ", ".join(shown[a] for a in u["aggregations"])
    assert float(values["uncertainty.geometric_floor"]) == u["geometric_floor"]
    assert values["uncertainty.leave_one_out"].startswith("yes" if u["leave_one_out"] else "no")
    computed = {i: g["high_rule"]["percentile"] for i, g in cfg["goalposts"].items() if g.get("high") is None}
    assert values["goalposts"].startswith(f"{len(cfg['goalposts']) - len(computed)} indicators fixed, {len(computed)} computed")
    for ind, percentile in computed.items():
        assert f"{ind}: percentile {percentile:g} of UN member states" in values["goalposts"]
    transformed = [i for i, g in cfg["goalposts"].items() if g.get("transform")]
    assert all(i in values["goalposts.transform"] for i in transformed) and (transformed or values["goalposts.transform"] == "none")


def test_the_method_rows_state_every_parameter_and_concept_of_the_config():
    rows = method_parameters(load_method())
    assert_rows_state(values_by_key(rows), raw("readiness"))
    assert list(rows["position"]) == list(range(1, len(rows) + 1))
    assert set(rows["part"]) == {"score", "uncertainty"}
    assert rows[["section", "parameter", "value", "meaning"]].map(lambda t: bool(t.strip())).all().all()
    assert all(m.endswith(".") and m[0].isupper() for m in rows["meaning"])   # sentences, not fragments
    concepts = method_concepts(load_method())
    assert [tuple(r) for r in concepts.drop(columns="position").itertuples(index=False)] == concepts_in(raw("dimensions"))
    assert len(concepts) >= 20


def test_the_warehouse_records_the_method_its_scores_were_computed_with(warehouse):
    assert query(warehouse, PARAMETERS) == [tuple(r) for r in method_parameters(load_method()).itertuples(index=False)]
    assert query(warehouse, CONCEPTS) == [tuple(r) for r in method_concepts(load_method()).itertuples(index=False)]
    assert [r[0] for r in query(warehouse, "SELECT DISTINCT ref_year FROM core.readiness ORDER BY 1")] == \
        raw("readiness")["reference_years"]
    # the goalposts used: the configured ones, and the computed high of a high_rule
    used = {r[0]: r[1:] for r in query(warehouse, "SELECT indicator_id, goalpost_low, goalpost_high, rule, basis "
                                                  "FROM core.readiness_goalpost")}
    configured = raw("readiness")["goalposts"]
    assert set(used) == set(configured)
    for ind, g in configured.items():
        low, high, rule, basis = used[ind]
        assert (low, basis) == (g["low"], g["basis"]), ind
        if g.get("high") is not None:
            assert (high, rule) == (g["high"], "fixed"), ind
        else:
            assert high > low and rule == f"percentile {g['high_rule']['percentile']:g} of UN member states", ind


@pytest.fixture
def changed_config(tmp_path, monkeypatch):
    """A copy of config/ with a different readiness method, in force for load_config."""
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    readiness, dimensions = folder / "readiness.yaml", folder / "dimensions.yaml"
    edit(readiness, "reference_years: [2020, 2022, 2024]", "reference_years: [2021, 2024]")
    edit(readiness, "window_years: 3", "window_years: 4")
    edit(readiness, "evidence: 0.5\n  survey: 0.5", "evidence: 0.7\n  survey: 0.3")
    edit(readiness, "min_share: 0.5", "min_share: 0.6")
    edit(readiness, "high_rule: {percentile: 95}", "high_rule: {percentile: 90}")
    edit(readiness, "draws: 1000", "draws: 40")
    edit(readiness, "normalisations: [goalposts, zscore, rank]", "normalisations: [goalposts, rank]")
    edit(dimensions, "series: [itu.i99H, wdi.IT.NET.USER.ZS]", "series: [wdi.IT.NET.USER.ZS, itu.i99H]")
    edit(dimensions, "series: [wb.gtmi.i33]\n", "series: [wb.gtmi.i33]\n        weight: 2\n")
    monkeypatch.setattr(settings, "CONFIG_DIR", folder)
    load_config.cache_clear()
    yield folder
    load_config.cache_clear()


def test_a_changed_config_changes_the_method_the_warehouse_records(warehouse, warehouse_copy, changed_config):
    published = query(warehouse, PARAMETERS), query(warehouse, CONCEPTS)
    with duckdb.connect(str(warehouse_copy)) as con:
        for table in READINESS_TABLES:
            con.execute(f"DELETE FROM {table}")
        load_readiness(con)
        parameters, concepts = con.execute(PARAMETERS).fetchall(), con.execute(CONCEPTS).fetchall()
        cfg = raw("readiness", changed_config)
        assert_rows_state({r[2]: r[5] for r in parameters}, cfg)
        assert (parameters, concepts) != published
        assert [c[1:] for c in concepts] == concepts_in(raw("dimensions", changed_config))
        assert {r[2]: r[5] for r in parameters}["concepts.weight"] == "as listed per concept"
        # the scores were computed with that very method
        assert [r[0] for r in con.execute("SELECT DISTINCT ref_year FROM core.readiness ORDER BY 1").fetchall()] == [2021, 2024]
        assert con.execute("SELECT w_evidence, window_years, draws FROM core.readiness_param").fetchall() == [(0.7, 4, 40)]
        used = con.execute("SELECT DISTINCT indicator_id FROM core.readiness_component WHERE concept = 'internet_use' "
                           "AND value IS NOT NULL AND iso3 = 'KAZ'").fetchall()
        assert used == [("wdi.IT.NET.USER.ZS",)]  # the new first choice
        # and the sheet shows it
        sheet = method_sheet(con)
    assert "reference years 2021, 2024" in sheet.title
    goalposts = {b.key: b for b in sheet.blocks}["goalposts"].frame.set_index("indicator_id")
    assert goalposts.loc["wdi.IT.NET.BBND.P2", "rule"] == "percentile 90 of UN member states"
    assert goalposts.loc["itu.i99H", "serves"] == "Digital divide: internet use (fallback)"
    assert goalposts.loc["wdi.IT.NET.USER.ZS", "serves"] == "Digital divide: internet use"


def shown(block) -> list[tuple]:
    return [tuple(r) for r in block.frame[[c.name for c in block.columns]].itertuples(index=False)]


def test_the_method_sheet_shows_every_row_of_the_core_tables(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sheet = method_sheet(con)
        dimensions = dict(con.execute("SELECT dimension_id, name FROM core.dimension").fetchall())
        names = dict(con.execute("SELECT indicator_id, name FROM core.indicator").fetchall())
    blocks = {b.key: b for b in sheet.blocks}
    assert list(blocks) == ["parameters", "concepts", "goalposts", "uncertainty"]
    assert [b.title.split(":")[0] for b in sheet.blocks] == [
        "Parameters", "Dimensions and the concepts they rest on", "Goalposts", "Uncertainty and sensitivity analysis"]

    recorded = query(warehouse, PARAMETERS)
    assert shown(blocks["parameters"]) + shown(blocks["uncertainty"]) == [r[3:] for r in recorded]
    assert len(shown(blocks["uncertainty"])) == sum(r[1] == "uncertainty" for r in recorded) > 0

    concepts = blocks["concepts"].frame
    scored = concepts[concepts["series"].notna()]
    assert [(r.dimension_id, r.concept, r.series, r.reason, r.weight) for r in scored.itertuples()] == \
        [(d, c.replace("_", " "), s, why, w) for _, d, c, s, why, w in query(warehouse, CONCEPTS)]
    for r in scored.itertuples():
        assert r.dimension == dimensions[r.dimension_id]
        assert r.indicators.split("; ") == [names[s] for s in r.series.split("; ")]
    # every dimension is there; one without concepts keeps one row that says why
    assert sorted(set(concepts["dimension_id"])) == sorted(dimensions)
    unscored = concepts[concepts["series"].isna()]
    assert set(unscored["dimension_id"]) == set(dimensions) - set(scored["dimension_id"]) and len(unscored) >= 1
    assert unscored["reason"].str.contains("survey").all()

    goalposts = blocks["goalposts"].frame.set_index("indicator_id")
    recorded = query(warehouse, """SELECT g.indicator_id, i.name, i.unit, g.goalpost_low, g.goalpost_high, g.rule,
                                          coalesce(g.transform, 'none'), g.basis
                                   FROM core.readiness_goalpost g JOIN core.indicator i USING (indicator_id)
                                   ORDER BY 1""")
    assert len(recorded) == len(goalposts) >= 20
    assert sorted(goalposts.reset_index()[["indicator_id", "indicator", "unit", "goalpost_low", "goalpost_high", "rule",
                                           "transform", "basis"]].itertuples(index=False, name=None)) == recorded
    for _, _, _, series, _, _ in query(warehouse, CONCEPTS):
        for k, ind in enumerate(series.split("; ")):
            serves = goalposts.loc[ind, "serves"]
            assert serves.endswith(" (fallback)") == (k > 0), ind


def test_the_method_sheet_reads_as_the_guidance_asks(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sheet = method_sheet(con)
    assert sheet.name == "Method" and sheet.contents
    assert 3 <= len(sheet.lines) <= 6 and all(len(line) < 150 for line in sheet.lines)
    text = " ".join(sheet.lines)
    assert "Handbook on Constructing Composite Indicators (2008)" in text and "COIN" in text
    assert ", ".join(map(str, load_method().reference_years)) in sheet.title   # the period
    for block in sheet.blocks:
        assert block.title and not block.frame.empty, block.title
        headers = [c.header for c in block.columns]
        assert len(set(headers)) == len(headers), block.title
        assert {c.name for c in block.columns} <= set(block.frame.columns), block.title
        for col in block.columns:   # long text wraps instead of running across the page
            longest = block.frame[col.name].map(lambda v: len(str(v)) if v is not None else 0).max()
            assert col.wrap or longest <= (col.width or 0), f"{block.title}: {col.name}"


def test_a_warehouse_without_the_method_asks_for_a_rebuild():
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA core")
        with pytest.raises(DigigovError, match=r"run `digigov run` to rebuild it"):
            method_sheet(con)
