"""What each YAML file in config/ must hold, as pydantic models checked when the file is loaded.

Without them a quoted number or a misspelt key surfaces deep inside a run, or never (a key
nobody reads is silently ignored). The models are strict ("1" is not an integer) because the
loaders return the YAML as read, not the model: the code receives exactly what was checked,
and a model's defaults can never change a value.

Most blocks forbid keys they do not know, so a typo fails loudly. The `source:` block of a
source file is the exception: its common keys are typed here, and each source module may add
its own (`file_pattern`, `per_page` …).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, ConfigDict, Field, StringConstraints, ValidationError, ValidationInfo,
                      field_validator, model_validator)

from digigov.errors import ConfigError

# ISO 3166-1 alpha-3, or a World Bank code of the same shape (XKX, CHI, WLD …).
Code3 = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
# Indicator ids are prefixed by their source: un.egdi, wb.gtmi.i1, wdi.IT.NET.USER.ZS.
IndicatorId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)+$")]
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]*$")]
Fraction = Annotated[float, Field(ge=0, le=1)]


class _Closed(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class _Open(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


# --- config/sources/<source_id>.yaml -----------------------------------------------------------------

class SourceBlock(_Open):
    """The `source:` block: provenance and download settings every source has, plus its own keys."""

    module: str
    title: str
    publisher: str
    url: str | None = None          # required of publisher sources (see below)
    licence: str | None = None
    base_url: str | None = None
    embedded_folder: str | None = None   # an inbox source's embedded examples (snapshots/<folder>)
    base_url_env: EnvName | None = None
    enabled: bool = True
    precedence: int = 0
    release: str | None = None
    snapshot_dir: str | None = None
    name_overrides: dict[str, Code3] | None = None
    files: list[str] | None = None
    sheet: str | None = None
    years: list[int] | None = None
    missing_markers: list[str] | None = None
    id_columns: list[str] | None = None
    preamble_keys: list[str] | None = None
    expected_rows: Annotated[int, Field(ge=0)] | None = None
    min_rows: Annotated[int, Field(ge=0)] | None = None
    header_row: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _publisher_provenance(self):
        """A publisher's source must say where it comes from and under what licence; an inbox
        source (files people send in, `embedded_folder`) has no download address."""
        if self.embedded_folder is None:
            missing = [k for k in ("url", "licence", "base_url") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"a publisher source needs {', '.join(missing)} (an inbox source "
                                 "names its embedded_folder instead)")
        return self


class Indicator(_Closed):
    """One entry of the indicator catalogue. A new key must be declared here: the catalogue's
    columns are fixed, and a misspelt `aggregate` would otherwise be ignored without a word."""

    name: str
    unit: str
    definition: str
    higher_is_better: bool
    scale_min: float | None = None
    scale_max: float | None = None
    aggregate: bool = True
    # Where the source finds the indicator in its files (one of them, depending on the source).
    column: str | None = None
    code: str | None = None
    series_code: str | None = None
    series_units: str | None = None

    @model_validator(mode="after")
    def _scale_in_order(self):
        if self.scale_min is not None and self.scale_max is not None and self.scale_min >= self.scale_max:
            raise ValueError(f"scale_min ({self.scale_min:g}) must be below scale_max ({self.scale_max:g})")
        return self


class SourceFile(_Closed):
    source: SourceBlock
    indicators: dict[IndicatorId, Indicator] | None = None


# --- config/countries.yaml ------------------------------------------------------------------------

class CountryGroup(_Closed):
    label: str
    members: list[Code3]
    aggregate: bool = True


class CountriesConfig(_Closed):
    groups: dict[str, CountryGroup]
    un_members: list[Code3]
    name_overrides: dict[str, dict[str, Code3] | None] | None = None
    legacy_codes: dict[Code3, Code3] | None = None
    extra_economies: dict[Code3, str] | None = None
    wb_aggregates: list[Code3] | None = None


# --- config/readiness.yaml ------------------------------------------------------------------------

Text = Annotated[str, StringConstraints(min_length=1)]  # a sentence that must not be left empty


def _no_repeats(values: list, what: str) -> list:
    twice = [v for i, v in enumerate(values) if v in values[:i]]
    if twice:
        raise ValueError(f"{what} listed more than once: {', '.join(map(str, dict.fromkeys(twice)))}")
    return values


class ReadinessWeights(_Closed):
    evidence: Annotated[float, Field(ge=0)]
    survey: Annotated[float, Field(ge=0)]

    @model_validator(mode="after")
    def _some_weight(self):
        if self.evidence + self.survey <= 0:
            raise ValueError("at least one weight must be above 0")
        return self


class ReadinessCoverage(_Closed):
    min_share: Fraction


class ReadinessLevels(_Closed):
    medium_from: Fraction
    high_from: Fraction

    @model_validator(mode="after")
    def _in_order(self):
        if self.medium_from > self.high_from:
            raise ValueError(f"medium_from ({self.medium_from:g}) must not be above high_from ({self.high_from:g})")
        return self


class HighRule(_Closed):
    """`high` computed from the reference population: this percentile of its values."""

    percentile: Annotated[float, Field(gt=50, le=100)]


class Goalpost(_Closed):
    """One indicator's yardstick: (value - low) / (high - low), clipped to 0-1."""

    low: float
    high: float | None = None
    high_rule: HighRule | None = None
    transform: Literal["log"] | None = None
    basis: Text  # why these bounds

    @model_validator(mode="after")
    def _bounds(self):
        if self.high is not None and self.high_rule is not None:
            raise ValueError("give either high or high_rule, not both")
        if self.high is None and self.high_rule is None:
            raise ValueError("give high or high_rule")
        if self.high is not None and self.low >= self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        if self.transform == "log" and self.low < 0:
            raise ValueError(f"with transform log, low ({self.low:g}) must not be below 0")
        return self


class Uncertainty(_Closed):
    draws: Annotated[int, Field(ge=0)]  # 0 turns the analysis off
    seed: int
    weight_noise: Annotated[float, Field(ge=0, lt=1)]
    normalisations: Annotated[list[Literal["goalposts", "zscore", "rank"]], Field(min_length=1)]
    aggregations: Annotated[list[Literal["arithmetic", "geometric"]], Field(min_length=1)]
    leave_one_out: bool
    geometric_floor: Annotated[float, Field(gt=0, lt=1)]

    @field_validator("normalisations", "aggregations")
    @classmethod
    def _nominal_among_them(cls, methods: list[str], info) -> list[str]:
        """Each list is the options the draws pick from; the nominal method must be one of them."""
        kind, nominal = {"normalisations": ("normalisation", "goalposts"),
                         "aggregations": ("aggregation", "arithmetic")}[info.field_name]
        _no_repeats(methods, kind)
        if nominal not in methods:
            raise ValueError(f"{info.field_name} must include {nominal}, the nominal method")
        return methods


class ReadinessConfig(_Closed):
    reference_years: Annotated[list[Annotated[int, Field(ge=1990, le=2100)]], Field(min_length=1)]
    window_years: Annotated[int, Field(ge=1)]
    weights: ReadinessWeights
    coverage: ReadinessCoverage
    levels: ReadinessLevels
    priority_gaps: Annotated[int, Field(ge=0)]
    goalposts: dict[IndicatorId, Goalpost]
    uncertainty: Uncertainty

    @field_validator("reference_years")
    @classmethod
    def _years_increasing(cls, years: list[int]) -> list[int]:
        for before, after in zip(years, years[1:]):
            if after <= before:
                raise ValueError(f"reference years must be strictly increasing ({after} comes after {before})")
        return years


# --- config/dimensions.yaml -----------------------------------------------------------------------

ConceptKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class Concept(_Closed):
    """One thing measured, counted once: the series that measure it, the preferred one first."""

    series: Annotated[list[IndicatorId], Field(min_length=1)]
    reason: Text  # why the concept bears on the dimension
    weight: Annotated[float, Field(gt=0)] = 1

    @field_validator("series")
    @classmethod
    def _series_once(cls, series: list[str]) -> list[str]:
        return _no_repeats(series, "series")


class Dimension(_Closed):
    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    name: str
    description: str
    concepts: dict[ConceptKey, Concept] | None = None


class DimensionsConfig(_Closed):
    dimensions: dict[int, Dimension]
    extra_topics: dict[str, str] | None = None
    topic_indicators: dict[str, list[IndicatorId]] | None = None

    @field_validator("dimensions")
    @classmethod
    def _keys_unique(cls, dims: dict[int, Dimension]) -> dict[int, Dimension]:
        keys = [d.key for d in dims.values()]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise ValueError(f"key used by more than one dimension: {', '.join(twice)}")
        return dims

    @field_validator("dimensions")
    @classmethod
    def _concepts_counted_once(cls, dims: dict[int, Dimension]) -> dict[int, Dimension]:
        """A concept belongs to one dimension, and a series measures one concept: otherwise the
        same evidence would count twice."""
        concept_dims: dict[str, list[str]] = {}
        series_at: dict[str, list[str]] = {}
        for number, dim in dims.items():
            for key, concept in (dim.concepts or {}).items():
                concept_dims.setdefault(key, []).append(f"{number} ({dim.key})")
                for series in concept.series:
                    series_at.setdefault(series, []).append(f"{key} (dimension {number})")
        problems = [f"concept {key} is used by more than one dimension: {', '.join(places)}"
                    for key, places in concept_dims.items() if len(places) > 1]
        problems += [f"series {series} is listed in more than one concept: {', '.join(places)}"
                     for series, places in series_at.items() if len(places) > 1]
        if problems:
            raise ValueError("; ".join(problems))
        return dims


# --- config/survey.yaml, config/survey/<language>.yaml, config/survey_roster.yaml ------------------

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]


class AnswerType(_Closed):
    choices: list[str] | None = None
    scores: dict[str, float] | None = None
    min: float | None = None
    max: float | None = None


class Question(_Closed):
    """A question's place in the instrument; its wording is in each language file."""
    id: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}[0-9]+$")]
    dimension: str
    type: str
    topic: str | None = None


class SurveyConfig(_Closed):
    version: str
    languages: Annotated[list[LanguageCode], Field(min_length=1)]
    answer_types: dict[str, AnswerType]
    organisation_types: Annotated[list[Code], Field(min_length=1)]
    organisation_levels: Annotated[list[Code], Field(min_length=1)]
    questions: list[Question]

    @field_validator("languages", "organisation_types", "organisation_levels")
    @classmethod
    def _listed_once(cls, values: list[str], info: ValidationInfo) -> list[str]:
        return _no_repeats(values, info.field_name.rstrip("s").replace("_", " "))

    @field_validator("questions")
    @classmethod
    def _questions_consistent(cls, questions: list[Question], info: ValidationInfo) -> list[Question]:
        types = info.data.get("answer_types")  # absent when it failed its own check
        seen = set()
        for q in questions:
            if types is not None and q.type not in types:
                raise ValueError(f"question {q.id} has unknown answer type {q.type!r} "
                                 f"(answer_types: {', '.join(types)})")
            if q.id in seen:
                raise ValueError(f"question id {q.id} is used twice")
            seen.add(q.id)
        return questions


# Excel's limits on what a workbook's pop-up notes hold (data validation): a title of at most 32
# characters and a note of at most 255, which two languages share in a two-language workbook.
Label = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Prompt = Annotated[str, StringConstraints(min_length=1, max_length=120)]
# Sheet names: Excel allows 31 characters and none of []:*?/\; two languages share one name.
SheetName = Annotated[str, StringConstraints(pattern=r"^[^\[\]:*?/\\]{1,14}$")]
# A drop-down choice is an item of an Excel list, which a comma or a double quote would break.
ChoiceLabel = Annotated[str, StringConstraints(pattern=r'^[^,"]{1,32}$')]


class LanguageField(_Closed):
    label: Label
    help: Text
    prompt: Prompt


class LanguageFields(_Closed):
    country: LanguageField
    organisation: LanguageField
    organisation_type: LanguageField
    organisation_level: LanguageField
    role: LanguageField
    date: LanguageField


class LanguageSheets(_Closed):
    instructions: SheetName
    respondent: SheetName
    answers: SheetName


class AnswerColumns(_Closed):
    number: Label
    question: Label
    how_to_answer: Label
    answer: Label
    comment: Label


class RespondentColumns(_Closed):
    field: Label
    value: Label
    help: Label


class AnswerKind(_Closed):
    name: Label
    enter: Prompt
    error: Prompt | None = None


class LanguageDimension(_Closed):
    name: Text
    description: Text


class Instructions(_Closed):
    purpose_heading: Text
    purpose: Text
    steps_heading: Text
    steps: Annotated[list[Text], Field(min_length=1)]
    kinds_heading: Text
    kind_column: Label
    enter_column: Label
    topics_heading: Text
    topic_column: Label
    covers_column: Label
    contact: Text


class LanguageMessages(_Closed):
    not_allowed: Label
    pick_from_list: Prompt
    comment: Prompt


class SurveyLanguage(_Closed):
    """config/survey/<language>.yaml: everything a respondent reads, in one language. Which
    questions, choices and dimensions must be there is checked against config/survey.yaml and
    config/dimensions.yaml when the instrument is read (sources/survey/language.py)."""
    language_name: Text
    country_names: Text
    title: Text
    sample_banner: Text
    footer: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    sheets: LanguageSheets
    answer_columns: AnswerColumns
    respondent_columns: RespondentColumns
    fields: LanguageFields
    organisation_types: dict[Code, Text]
    organisation_levels: dict[Code, Text]
    choices: dict[Code, dict[str, ChoiceLabel]]
    also_accepted: dict[Code, dict[str, list[Text]]] | None = None
    answer_kinds: dict[Code, AnswerKind]
    dimensions: dict[Code, LanguageDimension]
    questions: dict[str, Text]
    instructions: Instructions
    messages: LanguageMessages


class RosterEntry(_Closed):
    organisation: Text
    type: Code    # one of survey.yaml organisation_types (checked when the roster is read)
    level: Code   # one of survey.yaml organisation_levels
    aliases: list[Text] | None = None  # other spellings a workbook may give (another language …)


class SurveyRosterConfig(_Closed):
    countries: dict[Code3, list[RosterEntry]]


# --- config/findings.yaml, config/institutions.yaml, config/survey_samples.yaml ------------------

class StudySource(_Closed):
    publisher: str
    title: str
    release: str


class Finding(_Closed):
    id: str
    statement: str
    topic: str | None = None
    dimension: str | None = None
    iso3: Code3 | None = None
    evidence: str | None = None
    count: Annotated[int, Field(ge=0)] | None = None
    check: str | None = None  # one SELECT returning `holds`, `detail` and optionally `vintage`
    # An indicator id or a classification scheme: the check is run again against each release
    # (vintage) that carries it.
    vintages_of: str | None = None

    @model_validator(mode="after")
    def _vintages_need_a_check(self):
        if self.vintages_of and not self.check:
            raise ValueError(f"finding {self.id}: vintages_of needs a check to run against each vintage")
        return self


class FindingsConfig(_Closed):
    source_id: str
    source: StudySource
    findings: list[Finding]


class Institution(_Closed):
    body: str
    role: Literal["responsible", "agency"]
    parent_body: str | None = None
    note: str | None = None


class InstitutionsConfig(_Closed):
    source_id: str
    institutions: dict[Code3, list[Institution]]


class SampleOrganisation(_Closed):
    """One invented workbook: an organisation's answers (the country's answers overridden)."""
    file: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]+$")]  # <file>_sample.xlsx
    organisation: Text
    type: Code
    level: Code
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(\+[a-z]{2})?$")]
    date: datetime.date
    role: str | None = None
    answers: dict[str, Any] | None = None  # checked against the instrument when the workbooks are written

    @field_validator("organisation")
    @classmethod
    def _says_sample(cls, name: str) -> str:
        if "SAMPLE" not in name:
            raise ValueError("a sample organisation's name must contain SAMPLE, so no reader takes it for a real one")
        return name


class SampleCountry(_Closed):
    name: str
    answers: dict[str, Any] | None = None
    organisations: Annotated[list[SampleOrganisation], Field(min_length=1)]


class SurveySamplesConfig(_Closed):
    version: str
    role: str
    defaults: dict[str, Any]
    text_defaults: dict[str, dict[str, str]] | None = None  # by the workbook's first language
    countries: dict[Code3, SampleCountry]


class GuardConfig(_Closed):
    """config/guard.yaml: how much of an indicator's published values a run may drop unasked."""

    max_drop_share: Fraction
    sources: dict[str, Fraction] | None = None   # per source id; checked against the sources when read


HexColour = Annotated[str, StringConstraints(pattern=r"^[0-9A-Fa-f]{6}$")]


class ExportConfig(_Closed):
    """config/export.yaml: the extract's cover texts, notes, shorthand, headline order and colours."""

    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
    title: str
    about: str
    contact: str = ""
    headline: list[str]
    notes: dict[str, str]
    shorthand: dict[str, str]
    palette: list[HexColour]
    world_colour: HexColour
    comparator_colour: HexColour


# config/<name>.yaml -> its model (load_config); "folder/*": every file of config/folder/;
# config/sources/*.yaml all use SourceFile.
CONFIG_MODELS: dict[str, type[BaseModel]] = {
    "countries": CountriesConfig,
    "readiness": ReadinessConfig,
    "dimensions": DimensionsConfig,
    "survey": SurveyConfig,
    "survey/*": SurveyLanguage,
    "survey_roster": SurveyRosterConfig,
    "findings": FindingsConfig,
    "institutions": InstitutionsConfig,
    "survey_samples": SurveySamplesConfig,
    "guard": GuardConfig,
    "export": ExportConfig,
}

MAX_PROBLEMS = 5  # a wholly wrong file would otherwise give a screenful


def validate(model: type[BaseModel], data: Any, path: str | Path) -> None:
    """Check `data` read from `path` against `model`; raise ConfigError naming the file and the
    key path of each problem, in words (pydantic's own message carries a URL and a traceback's
    worth of detail that a person editing YAML does not need)."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = [_problem(e, model) for e in errors[:MAX_PROBLEMS]]
        if len(errors) > MAX_PROBLEMS:
            problems.append(f"and {len(errors) - MAX_PROBLEMS} more problem(s)")
        raise ConfigError(path, problems) from None


def _problem(error: dict, model: type[BaseModel]) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "missing":
        text = "required key is missing"
    elif kind == "extra_forbidden":
        text = "unknown key"
        if len(loc) == 1:  # at the top of a file the valid keys are few: name them
            text += f" (expected {', '.join(model.model_fields)})"
    else:
        text = ("Input should be a mapping of keys to values" if kind == "model_type"  # not the class name
                else error["msg"].removeprefix("Value error, "))
        got = error.get("input")
        if got is None:
            text += " (got an empty value)"
        elif isinstance(got, (str, int, float, bool, datetime.date)):  # not a whole mapping or list
            text += f" (got {_short(got)})"
    return f"{_key_path(loc)}: {text}"


def _key_path(loc: tuple) -> str:
    """source.precedence, indicators["un.egdi"].scale_min, questions[3].type: the YAML keys to
    follow to the fault (a dotted key is bracketed so it reads as one key)."""
    if not loc:
        return "(the whole file)"
    out = ""
    for part in loc:
        if part == "[key]":
            out += " (the key itself)"
        elif isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]" if out else repr(part)
    return out


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"
