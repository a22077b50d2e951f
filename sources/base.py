"""The one contract every source meets: what a source declares, and what it is given.

A source is a module of `sources/` that declares `SOURCE`, one of three typed shapes:

- `TableSource`: a publisher file small enough for pandas. The shared staging step
  (transforms/stage.py) reads it (`read`), fails the file on `file_schema`, quarantines the rows
  that break `row_schema` (only the cell, when a column check of a value column fails: see
  VALUE_COLUMN), maps the rest to long observations (`to_observations`), then harmonises
  countries and validates every observation against the catalogue.
- `BulkSource`: a file too large for pandas (the whole WDI bulk file). It validates and
  harmonises inside DuckDB and writes its observations straight into a staged DuckDB file
  (`stage`), which the warehouse build starts from, so 12M rows are written once.
- `InboxSource`: files people send rather than publishers publish (the survey workbooks). No
  manifest and no download: `stage` reads a folder and returns its tables.

Each step receives a `SourceContext` (the source's config, the indicator catalogue, a country
lookup) instead of reaching for module globals or the transforms package: sources depend on
nothing but `digigov.errors`, `digigov.settings` and each other, so a source can be read, tested
and reused on its own. Optional capabilities (`last_updated_of`, `url_of`) are fields that are
either a function or None, never discovered with getattr.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Union

import pandas as pd

from digigov.sources.snapshots import SnapshotFile

STAGED_BULK = "observations.duckdb"  # a bulk source's staged observations (core.observation_line, _bulk)
STAGED_BULK_DDL_FILE = Path(__file__).with_name("staged_bulk.sql")
EXCLUDED = "excluded:"  # reason prefix of rows left out on purpose (not errors)
MAX_SAMPLES = 5         # rejects quoted in the run log; the `rejects` view holds them all

# The role of a row-schema column, declared as pandera column metadata: `metadata=VALUE_COLUMN`
# marks a *value column*, one whose cells become observations (an index, an estimate, a year
# column of a wide file). A column check failing on a value column concerns that cell only: staging
# sets the cell missing, rejects it with its reason, and loads the row's other cells. Every other
# failure (an identity column such as country or year, a row-wide check, a uniqueness check, a
# wrong number of fields) quarantines the whole row. Unmarked columns are identity columns.
ROLE = "digigov_role"
VALUE_COLUMN: dict[str, str] = {ROLE: "value"}


def is_value_column(metadata: Mapping[str, Any] | None) -> bool:
    """Whether a row-schema column's pandera metadata marks it as a value column (VALUE_COLUMN)."""
    return bool(metadata) and metadata.get(ROLE) == VALUE_COLUMN[ROLE]


class CountryLookup(Protocol):
    """Publisher spellings and codes to ISO3, as the harmonisation step resolves them."""

    def name_to_iso3(self, name: str) -> str | None:
        """ISO3 for a country name as this source spells it; None when it would be a guess."""

    def code_to_iso3(self, code: str) -> tuple[str | None, str | None]:
        """(ISO3, None) for a country code, (None, 'aggregate') for a World Bank group,
        (None, None) for a code nobody knows."""

    def known_codes(self) -> dict[str, tuple[str | None, str | None]]:
        """{code: code_to_iso3(code)} for every upper-case code it knows; any other code is
        unknown. A bulk source that streams a file resolves codes through this table."""


@dataclass(frozen=True)
class LastGood:
    """The snapshot a run falls back to when a download fails (`origin`: fetched, embedded,
    config): what a fetch compares a new download with before it replaces it."""

    origin: str
    files: tuple[SnapshotFile, ...]


@dataclass(frozen=True)
class SourceContext:
    """What a source's steps are given: built once per staging by transforms/context.py."""

    source_id: str
    config: Mapping[str, Any]               # the `source` block of config/sources/<source_id>.yaml
    catalogue: Mapping[str, Mapping]        # every indicator: {indicator_id: spec with source_id}
    countries: CountryLookup
    staged_bulk_ddl: str = ""               # DDL of the staged bulk table (BulkSource only)
    last_good: LastGood | None = None       # given to `fetch` only; None when there is none

    @property
    def indicators(self) -> dict[str, Mapping]:
        """The indicators this source declares: {indicator_id: spec}."""
        return {ind: spec for ind, spec in self.catalogue.items() if spec.get("source_id") == self.source_id}


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass
class Mapped:
    """What to_observations() returns.

    observations: country_name or iso3, indicator_id, year, value, _file, _row
    excluded: raw rows left out on purpose, with a `reason` column (non-members, aggregates …)
    classifications: country_name or iso3, scheme, year, category, _file, _row (e.g. GTMI group)
    """

    observations: pd.DataFrame
    excluded: pd.DataFrame = field(default_factory=_empty)
    classifications: pd.DataFrame = field(default_factory=_empty)


Fetch = Callable[..., dict[str, bytes]]    # (ctx, base_url, session=None) -> {file name: bytes}
PathStep = Callable[[Path, SourceContext], Any]


@dataclass(frozen=True)
class TableSource:
    """A publisher file read into pandas and validated with pandera (most sources)."""

    source_id: str
    file_glob: str                          # the snapshot files it reads, e.g. "EGOV_DATA_*.csv"
    fetch: Fetch                            # download; raise FetchError, never return an error body
    read: Callable[[Path, SourceContext], pd.DataFrame]      # as published: strings, plus _file, _row
    file_schema: PathStep                   # pandera schema; a failure fails the file
    row_schema: PathStep                    # pandera schema; a failure quarantines the row, or only
                                            # the cell when it is a column check of a VALUE_COLUMN
    release_of: Callable[[Path, SourceContext], str]         # survey year, vintage …
    to_observations: Callable[[pd.DataFrame, SourceContext], Mapped]
    last_updated_of: Callable[[Path, SourceContext], str | None] | None = None  # publisher date in the file
    url_of: Callable[[SourceContext, str, str], str] | None = None  # when not <base_url>/<file name>
    kind: str = "table"


@dataclass(frozen=True)
class BulkSource:
    """A file validated and staged inside DuckDB.

    `stage(files, ctx, out_dir)` writes out_dir/STAGED_BULK (tables core.observation_line and
    core.observation_bulk of `ctx.staged_bulk_ddl`, part_id = the file's index, each line id in
    its part's range: part_id * 2^48 + k) and out_dir/{rejects,classifications}.parquet (the
    columns of the shared path), and returns {"files": [one record per file with file, release,
    last_updated, rows_loaded, rows_rejected], "rows_loaded", "rows_rejected", "rows_invalid",
    "reject_samples", "warnings"}."""

    source_id: str
    file_glob: str
    fetch: Fetch
    release_of: Callable[[Path, SourceContext], str]
    stage: Callable[[list, SourceContext, Path], dict]
    last_updated_of: Callable[[Path, SourceContext], str | None] | None = None
    url_of: Callable[[SourceContext, str, str], str] | None = None
    kind: str = "bulk"


@dataclass
class InboxStaged:
    """What an inbox source's `stage` returns: frames named after the warehouse tables they load
    into (`survey_response`, `finding`, `reject` …), one record per file, warnings for the run log."""

    tables: dict[str, pd.DataFrame]
    files: list[dict]
    warnings: list[str]
    rows_loaded: int
    rows_rejected: int


@dataclass(frozen=True)
class InboxSource:
    """Files people send in (survey workbooks): a folder read as it is, without manifest or fetch."""

    source_id: str
    file_glob: str
    stage: Callable[[Path, SourceContext], InboxStaged]
    kind: str = "inbox"


Source = Union[TableSource, BulkSource, InboxSource]


def staged_bulk_ddl() -> str:
    """The shape of a bulk source's staged observations, which the warehouse build starts from."""
    return STAGED_BULK_DDL_FILE.read_text(encoding="utf-8")


def observation_frame(*, indicator_id, year, value, file, row, country_name=None, iso3=None) -> pd.DataFrame:
    """The long observation frame every source's mapping step returns.

    Give either `country_name` (publisher spellings, mapped to ISO3 by harmonisation) or `iso3`
    (publisher codes). Values are floats, years integers; rows without a value are dropped, since
    a blank cell is a missing value, not an observation."""
    if (country_name is None) == (iso3 is None):
        raise ValueError("give exactly one of country_name and iso3")
    key, country = ("country_name", country_name) if iso3 is None else ("iso3", iso3)
    df = pd.DataFrame({key: country, "indicator_id": indicator_id, "year": year, "value": value,
                       "_file": file, "_row": row})
    df = df[df["value"].notna()]
    return df.astype({key: str, "year": int, "value": float}).reset_index(drop=True)


def melt_wide(df: pd.DataFrame, *, country: str, year: str, column_to_id: dict[str, str],
              key: str = "country_name") -> pd.DataFrame:
    """Publisher rows with one column per indicator to observation rows (`key` is `country_name`
    for names, `iso3` for publisher codes). Blank cells are missing values: not emitted."""
    long = df.melt(id_vars=[country, year, "_file", "_row"], value_vars=list(column_to_id),
                   var_name="column", value_name="value")
    long = long[long["value"].notna()]
    return observation_frame(**{key: long[country].astype(str)},
                             indicator_id=long["column"].map(column_to_id), year=long[year],
                             value=long["value"], file=long["_file"], row=long["_row"])
