"""Country harmonisation: publisher spellings to ISO3, and the `countries` dimension.

hdx-python-country resolves UN and World Bank spellings offline. Only its exact matches are
accepted; anything else must be listed in config/countries.yaml under name_overrides for the
source, so a new or misspelt name is quarantined with a reason, never guessed.
"""

from __future__ import annotations

import functools

import pandas as pd
from hdx.location.country import Country

from digigov.settings import load_config


@functools.cache
def _library_iso3(name: str) -> str | None:
    iso3, exact = Country.get_iso3_country_code_fuzzy(name, use_live=False)
    return iso3 if exact else None


def resolve_name(name: str, source_id: str) -> str | None:
    """ISO3 for a publisher's country name, or None when it cannot be resolved without guessing."""
    overrides = (load_config("countries").get("name_overrides") or {}).get(source_id) or {}
    if name in overrides:
        return overrides[name]
    return _library_iso3(name)


def harmonise(obs: pd.DataFrame, source_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add iso3 from country_name; return (mapped rows, unmapped rows with a reason)."""
    names = obs["country_name"].drop_duplicates()
    mapping = {n: resolve_name(n, source_id) for n in names}
    iso3 = obs["country_name"].map(mapping)
    unmapped = obs[iso3.isna()].copy()
    unmapped["reason"] = unmapped["country_name"].map(
        lambda n: f"unknown country name {n!r}: add it to config/countries.yaml "
                  f"name_overrides.{source_id} with its ISO3 code")
    return obs[iso3.notna()].assign(iso3=iso3[iso3.notna()]), unmapped


def country_info(iso3: str) -> dict:
    info = Country.get_country_info_from_iso3(iso3, use_live=False) or {}
    return {"name": info.get("Preferred Term") or iso3,
            "un_region": info.get("Region Name"),
            "un_subregion": info.get("Sub-region Name"),
            "un_intermediate_region": info.get("Intermediate Region Name")}


def countries_table(iso3_codes) -> pd.DataFrame:
    """The `countries` dimension: every country observed, every UN member, every group member."""
    cfg = load_config("countries")
    members = set(cfg["un_members"])
    codes = sorted(set(iso3_codes) | members | set(group_members_table()["iso3"]))
    return pd.DataFrame([{"iso3": code, **country_info(code), "un_member": code in members}
                         for code in codes])


def group_members_table() -> pd.DataFrame:
    """(group_id, label, aggregate, iso3) for every configured country group."""
    groups = load_config("countries")["groups"]
    return pd.DataFrame([{"group_id": g, "label": spec["label"], "aggregate": spec.get("aggregate", True),
                          "iso3": code}
                         for g, spec in groups.items() for code in spec["members"]])
