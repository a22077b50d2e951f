"""Config validation (digigov/config_models.py) through the loaders in digigov/settings.py: every
shipped file passes, the loaders still return the YAML as read, and a broken file is refused with
a message naming the file and the key."""

import shutil

import pytest
import yaml

from digigov import settings
from digigov.config_models import CONFIG_MODELS
from digigov.errors import ConfigError, DigigovError
from digigov.flows.cli import main
from digigov.settings import CONFIG_DIR, load_config, load_source_configs


@pytest.fixture
def config_copy(tmp_path, monkeypatch):
    """A writable copy of config/ at <tmp>/config, the working directory at <tmp> (so messages
    show config/…), and empty loader caches before and after."""
    shutil.copytree(CONFIG_DIR, tmp_path / "config", ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    monkeypatch.chdir(tmp_path)
    load_config.cache_clear()
    load_source_configs.cache_clear()
    yield tmp_path / "config"
    load_config.cache_clear()
    load_source_configs.cache_clear()


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def source_error(config_dir) -> str:
    with pytest.raises(ConfigError) as err:
        load_source_configs(config_dir)
    return str(err.value)


def config_error(name: str, config_dir) -> str:
    with pytest.raises(ConfigError) as err:
        load_config(name, config_dir)
    return str(err.value)


# ---- the shipped config --------------------------------------------------------------------------

# Every config file load_config reads: config/<name>.yaml, and config/<folder>/<name>.yaml of a
# folder whose files share a model ("folder/*", e.g. the survey's languages). config/sources/ and
# config/indicators/ have loaders of their own.
FOLDER_MODELS = {k.split("/")[0] for k in CONFIG_MODELS if k.endswith("/*")}
SHIPPED = sorted([p.stem for p in CONFIG_DIR.glob("*.yaml")]
                 + [f"{p.parent.name}/{p.stem}" for p in CONFIG_DIR.glob("*/*.yaml") if p.parent.name in FOLDER_MODELS])


def test_every_config_file_has_a_model():
    assert {p.stem for p in CONFIG_DIR.glob("*.yaml")} == {k for k in CONFIG_MODELS if "/" not in k}
    assert FOLDER_MODELS == {"survey"} and all((CONFIG_DIR / f).is_dir() for f in FOLDER_MODELS)
    assert {"survey/en", "survey/ru"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_config_validates_and_is_returned_as_read(name):
    raw = yaml.safe_load((CONFIG_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    assert load_config(name) == raw  # no model default added, no value coerced


def test_shipped_source_configs_validate_and_are_returned_as_read():
    configs = load_source_configs()
    assert len(configs) == len(list((CONFIG_DIR / "sources").glob("*.yaml")))
    for source_id, cfg in configs.items():
        raw = yaml.safe_load((CONFIG_DIR / "sources" / f"{source_id}.yaml").read_text(encoding="utf-8"))
        assert cfg == {"source": raw["source"], "indicators": raw["indicators"] or {}}


# ---- a broken source file ------------------------------------------------------------------------

def test_a_bad_type_names_the_file_and_the_key(config_copy):
    edit(config_copy / "sources" / "un_egov.yaml", "  expected_rows_per_year: 193\n",
         "  expected_rows_per_year: 193\n  precedence: high\n")
    assert source_error(config_copy) == ("config/sources/un_egov.yaml: source.precedence: "
                                         "Input should be a valid integer (got 'high')")


def test_a_missing_required_key_names_the_file_and_the_key(config_copy):
    edit(config_copy / "sources" / "itu.yaml", "  module: itu\n", "")
    assert source_error(config_copy) == "config/sources/itu.yaml: source.module: required key is missing"


def test_an_unknown_top_level_key_is_refused(config_copy):
    path = config_copy / "sources" / "wb_wgi.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "notes: checked in 2026\n", encoding="utf-8")
    assert source_error(config_copy) == ("config/sources/wb_wgi.yaml: notes: unknown key "
                                         "(expected source, indicators)")


def test_a_publisher_source_must_name_its_licence_an_inbox_source_need_not(config_copy):
    survey = load_source_configs()["survey"]["source"]  # the shipped one: no address, no licence
    assert survey["embedded_folder"] and "licence" not in survey and "base_url" not in survey
    path = config_copy / "sources" / "itu.yaml"
    edit(path, path.read_text(encoding="utf-8").split("  licence: ")[1].split("\n")[0], "")
    edit(path, "  licence: \n", "")
    assert source_error(config_copy) == ("config/sources/itu.yaml: source: a publisher source needs licence "
                                         "(an inbox source names its embedded_folder instead)")


def test_a_source_block_may_carry_keys_of_its_own(config_copy):
    edit(config_copy / "sources" / "un_egov.yaml", "  expected_rows_per_year: 193\n",
         "  expected_rows_per_year: 193\n  page_size: 50\n")
    assert load_source_configs(config_copy)["un_egov"]["source"]["page_size"] == 50


def test_indicator_entries_are_checked_by_id(config_copy):
    path = config_copy / "sources" / "un_egov.yaml"
    edit(path, "    column: \"E-Government Index\"\n    unit: \"index (0-1)\"\n    scale_min: 0\n",
         "    column: \"E-Government Index\"\n    unit: \"index (0-1)\"\n    scale_min: \"0\"\n")
    edit(path, "    higher_is_better: false\n    aggregate: false\n",
         "    higher_is_better: false\n    agregate: false\n")
    assert source_error(config_copy) == (
        "config/sources/un_egov.yaml: indicators['un.egdi'].scale_min: Input should be a valid number (got '0'); "
        "indicators['un.egdi_rank'].agregate: unknown key")


def test_a_scale_upside_down_is_refused(config_copy):
    edit(config_copy / "sources" / "wb_wgi.yaml", "    scale_min: -3.5\n    scale_max: 3.5\n",
         "    scale_min: 3.5\n    scale_max: -3.5\n")
    assert source_error(config_copy) == ("config/sources/wb_wgi.yaml: indicators['wgi.va']: "
                                         "scale_min (3.5) must be below scale_max (-3.5)")


def test_invalid_yaml_names_the_line(config_copy):
    edit(config_copy / "sources" / "wb_dai.yaml", "  sheet: Sheet1\n", "  sheet: [Sheet1\n")
    message = source_error(config_copy)
    assert message.startswith("config/sources/wb_dai.yaml: line ") and "not valid YAML" in message


# ---- the other files -----------------------------------------------------------------------------

def test_readiness_weights_must_be_numbers(config_copy):
    edit(config_copy / "readiness.yaml", "  survey: 0.5\n", "  survey: half\n")
    assert config_error("readiness", config_copy) == ("config/readiness.yaml: weights.survey: "
                                                      "Input should be a valid number (got 'half')")


def test_readiness_levels_in_order(config_copy):
    edit(config_copy / "readiness.yaml", "  high_from: 0.7\n", "  high_from: 0.3\n")
    assert config_error("readiness", config_copy) == (
        "config/readiness.yaml: levels: medium_from (0.4) must not be above high_from (0.3)")


def test_readiness_weights_are_evidence_and_survey(config_copy):
    edit(config_copy / "readiness.yaml", "  evidence: 0.5\n", "  indicators: 0.5\n")
    assert config_error("readiness", config_copy) == (
        "config/readiness.yaml: weights.evidence: required key is missing; weights.indicators: unknown key")


def test_reference_years_must_increase(config_copy):
    edit(config_copy / "readiness.yaml", "reference_years: [2020, 2022, 2024]\n",
         "reference_years: [2020, 2024, 2022]\n")
    assert config_error("readiness", config_copy) == (
        "config/readiness.yaml: reference_years: reference years must be strictly increasing "
        "(2022 comes after 2024)")


def test_a_goalpost_gives_high_or_high_rule_not_both(config_copy):
    edit(config_copy / "readiness.yaml", "    high_rule: {percentile: 95}\n",
         "    high: 40\n    high_rule: {percentile: 95}\n")
    assert config_error("readiness", config_copy) == (
        "config/readiness.yaml: goalposts['wdi.IT.NET.BBND.P2']: give either high or high_rule, not both")


def test_a_goalpost_without_high_or_high_rule(config_copy):
    edit(config_copy / "readiness.yaml", "    high_rule: {percentile: 95}\n", "")
    assert config_error("readiness", config_copy) == (
        "config/readiness.yaml: goalposts['wdi.IT.NET.BBND.P2']: give high or high_rule")


def test_a_goalpost_must_say_why(config_copy):
    edit(config_copy / "readiness.yaml", '  un.hci:      {low: 0, high: 1, basis: "the index\'s scale, 0-1"}\n',
         "  un.hci:      {low: 0, high: 1}\n")
    assert config_error("readiness", config_copy) == (
        "config/readiness.yaml: goalposts['un.hci'].basis: required key is missing")


def test_a_goalpost_upside_down_or_logged_below_zero(config_copy):
    edit(config_copy / "readiness.yaml", '  itu.gci:     {low: 0, high: 100,', '  itu.gci:     {low: 100, high: 0,')
    edit(config_copy / "readiness.yaml", '  un.hci:      {low: 0, high: 1,',
         '  un.hci:      {low: -1, high: 1, transform: log,')
    assert config_error("readiness", config_copy) == (
        "config/readiness.yaml: goalposts['itu.gci']: low (100) must be below high (0); "
        "goalposts['un.hci']: with transform log, low (-1) must not be below 0")


def test_the_nominal_normalisation_must_be_among_the_draws(config_copy):
    edit(config_copy / "readiness.yaml", "  normalisations: [goalposts, zscore, rank]\n",
         "  normalisations: [zscore, rank]\n")
    assert config_error("readiness", config_copy) == (
        "config/readiness.yaml: uncertainty.normalisations: normalisations must include goalposts, "
        "the nominal method")


def test_uncertainty_methods_are_known_and_listed_once(config_copy):
    edit(config_copy / "readiness.yaml", "  aggregations: [arithmetic, geometric]\n",
         "  aggregations: [arithmetic, arithmetic]\n")
    edit(config_copy / "readiness.yaml", "  normalisations: [goalposts, zscore, rank]\n",
         "  normalisations: [goalposts, minmax]\n")
    message = config_error("readiness", config_copy)
    assert message.startswith("config/readiness.yaml: uncertainty.normalisations[1]: Input should be ")
    assert message.endswith("; uncertainty.aggregations: aggregation listed more than once: arithmetic")


def test_country_codes_are_checked(config_copy):
    edit(config_copy / "countries.yaml", "members: [KAZ, KGZ, TJK, UZB]", "members: [KAZ, kgz, TJK, UZB]")
    message = config_error("countries", config_copy)
    assert message.startswith("config/countries.yaml: groups.central_asia.members[1]: ")
    assert "(got 'kgz')" in message


def test_a_dimension_without_a_name(config_copy):
    edit(config_copy / "dimensions.yaml", '    name: "ICT governance"\n', "")
    assert config_error("dimensions", config_copy) == (
        "config/dimensions.yaml: dimensions[2].name: required key is missing")


def test_a_series_counts_in_one_concept_only(config_copy):
    edit(config_copy / "dimensions.yaml", "        series: [un.hci]\n", "        series: [un.hci, wgi.ge]\n")
    assert config_error("dimensions", config_copy) == (
        "config/dimensions.yaml: dimensions: series wgi.ge is listed in more than one concept: "
        "government_effectiveness (dimension 2), human_capital (dimension 8)")


def test_a_concept_belongs_to_one_dimension(config_copy):
    edit(config_copy / "dimensions.yaml", "      human_capital:\n", "      government_effectiveness:\n")
    message = config_error("dimensions", config_copy)
    assert message.startswith("config/dimensions.yaml: dimensions: concept government_effectiveness is used "
                              "by more than one dimension: 2 (ict_governance), 8 (digital_divide)")


def test_a_concept_with_an_unknown_key(config_copy):
    edit(config_copy / "dimensions.yaml", "        series: [un.hci]\n", "        series: [un.hci]\n        wieght: 2\n")
    assert config_error("dimensions", config_copy) == (
        "config/dimensions.yaml: dimensions[8].concepts.human_capital.wieght: unknown key")


def test_a_concept_needs_a_series_and_a_reason(config_copy):
    edit(config_copy / "dimensions.yaml", "        series: [un.hci]\n", "        series: []\n        weight: 0\n")
    edit(config_copy / "dimensions.yaml",
         '        reason: "The UN Human Capital Index measures the education that digital skills build on."\n', "")
    message = config_error("dimensions", config_copy)
    assert message.startswith("config/dimensions.yaml: dimensions[8].concepts.human_capital.series: List should have "
                              "at least 1 item")
    assert "; dimensions[8].concepts.human_capital.reason: required key is missing; " in message
    assert message.endswith("dimensions[8].concepts.human_capital.weight: Input should be greater than 0 (got 0)")


def test_a_question_of_an_unknown_answer_type(config_copy):
    edit(config_copy / "survey.yaml", "{id: GV3, dimension: ict_governance, type: scale_1_5}",
         "{id: GV3, dimension: ict_governance, type: scale_1_10}")
    message = config_error("survey", config_copy)
    assert message.startswith("config/survey.yaml: questions: question GV3 has unknown answer type 'scale_1_10'")


def test_many_problems_are_summed_up(config_copy):
    path = config_copy / "readiness.yaml"
    for old, new in [("window_years: 3\n", "window_years: a\n"), ("  evidence: 0.5\n", "  evidence: b\n"),
                     ("  survey: 0.5\n", "  survey: c\n"), ("  min_share: 0.5\n", "  min_share: d\n"),
                     ("  medium_from: 0.4\n", "  medium_from: e\n"), ("priority_gaps: 3\n", "priority_gaps: f\n")]:
        edit(path, old, new)
    path.write_text(path.read_text(encoding="utf-8") + "extra: 1\n", encoding="utf-8")
    message = config_error("readiness", config_copy)
    assert message.endswith("; and 2 more problem(s)")
    assert message.count(": Input should be") == 5


def test_messages_carry_no_pydantic_detail(config_copy):
    edit(config_copy / "sources" / "itu.yaml", "  min_rows: 4000\n", "  min_rows: [4000]\n")
    message = source_error(config_copy)
    assert message == "config/sources/itu.yaml: source.min_rows: Input should be a valid integer"
    assert isinstance(ConfigError("x", []), DigigovError)


def test_digigov_run_stops_on_a_broken_config_with_one_line(config_copy, monkeypatch, capsys):
    edit(config_copy / "sources" / "un_egov.yaml", "  years: [2003,", "  years: [twenty-o-three,")
    monkeypatch.setattr(settings, "CONFIG_DIR", config_copy)
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert err == ("digigov run: error: config/sources/un_egov.yaml: source.years[0]: "
                   "Input should be a valid integer (got 'twenty-o-three')\n")


def test_the_guard_share_is_a_fraction(config_copy):
    edit(config_copy / "guard.yaml", "max_drop_share: 0.2", "max_drop_share: 20")
    assert config_error("guard", config_copy) == (
        "config/guard.yaml: max_drop_share: Input should be less than or equal to 1 (got 20)")
    edit(config_copy / "guard.yaml", "max_drop_share: 20", "max_drop_share: 0.2\nmax_drop: 1")
    assert "max_drop: unknown key" in config_error("guard", config_copy)
