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

class ReadinessWeights(_Closed):
    indicators: Annotated[float, Field(ge=0)]
    survey: Annotated[float, Field(ge=0)]

    @model_validator(mode="after")
    def _some_weight(self):
        if self.indicators + self.survey <= 0:
            raise ValueError("at least one weight must be above 0")
        return self


class ReadinessLevels(_Closed):
    medium_from: Fraction
    high_from: Fraction

    @model_validator(mode="after")
    def _in_order(self):
        if self.medium_from > self.high_from:
            raise ValueError(f"medium_from ({self.medium_from:g}) must not be above high_from ({self.high_from:g})")
        return self


class ReadinessConfig(_Closed):
    weights: ReadinessWeights
    levels: ReadinessLevels
    priority_gaps: Annotated[int, Field(ge=0)]


# --- config/dimensions.yaml -----------------------------------------------------------------------

class Dimension(_Closed):
    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    name: str
    description: str
    indicators: dict[IndicatorId, str] | None = None  # indicator id -> why it bears on the dimension


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


# --- config/survey.yaml ---------------------------------------------------------------------------

class AnswerType(_Closed):
    choices: list[str] | None = None
    scores: dict[str, float] | None = None
    min: float | None = None
    max: float | None = None


class Question(_Closed):
    id: str
    dimension: str
    type: str
    text: str
    topic: str | None = None


class SurveyConfig(_Closed):
    version: str
    answer_types: dict[str, AnswerType]
    questions: list[Question]

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


class SampleCountry(_Closed):
    name: str
    answers: dict[str, Any] | None = None  # checked against the instrument when the workbooks are written


class SurveySamplesConfig(_Closed):
    version: str
    date: datetime.date
    role: str
    defaults: dict[str, Any]
    countries: dict[Code3, SampleCountry]


# config/<name>.yaml -> its model (load_config); config/sources/*.yaml all use SourceFile.
CONFIG_MODELS: dict[str, type[BaseModel]] = {
    "countries": CountriesConfig,
    "readiness": ReadinessConfig,
    "dimensions": DimensionsConfig,
    "survey": SurveyConfig,
    "findings": FindingsConfig,
    "institutions": InstitutionsConfig,
    "survey_samples": SurveySamplesConfig,
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
