"""The context each source's steps receive (sources/base.py): built here, where the catalogue and
the country tables live, so sources never import the transforms package."""

from __future__ import annotations

from dataclasses import dataclass

from digigov.sources import source_config
from digigov.sources.base import SourceContext, staged_bulk_ddl
from digigov.transforms.catalogue import catalogue
from digigov.transforms.countries import known_codes, resolve_code, resolve_name


@dataclass(frozen=True)
class ConfiguredCountries:
    """Country look-ups with one source's name overrides (config/countries.yaml and its own config)."""

    source_id: str

    def name_to_iso3(self, name: str) -> str | None:
        return resolve_name(name, self.source_id)

    def code_to_iso3(self, code: str) -> tuple[str | None, str | None]:
        return resolve_code(code)

    def known_codes(self) -> dict[str, tuple[str | None, str | None]]:
        return known_codes()


def context_for(source_id: str, **config_overrides) -> SourceContext:
    """The context of one source; `config_overrides` replace keys of its config (tests, --snapshots)."""
    cfg = {**source_config(source_id), **config_overrides}
    return SourceContext(source_id=source_id, config=cfg, catalogue=catalogue(),
                         countries=ConfiguredCountries(source_id), staged_bulk_ddl=staged_bulk_ddl())
