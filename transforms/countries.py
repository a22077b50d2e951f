"""Country harmonisation: publisher spellings to ISO3, and the `countries` dimension.

hdx-python-country resolves UN and World Bank spellings offline. Only its exact matches are
accepted; anything else must be listed in config/countries.yaml under name_overrides for the
source, so a new or misspelt name is quarantined with a reason, never guessed.
"""

from __future__ import annotations

import functools
import json
import os
import threading

import pandas as pd

from digigov.settings import cache_dir, load_config, load_source_configs
from digigov.sources.countrydata import hdx as _hdx  # the library's tables, filled once under a lock
from digigov.transforms.fingerprint import code_fingerprint


@functools.cache
def _library_iso3(name: str) -> str | None:
    iso3, exact = _hdx().get_iso3_country_code_fuzzy(name, use_live=False)
    return iso3 if exact else None


def iso3_meant(text: str) -> str | None:
    """The ISO3 code an ISO2 code or a country name stands for, when hdx-python-country is sure
    (an exact match): what a person who typed `KZ` or `Kazakhstan` for KAZ is told to write."""
    return _library_iso3(text.strip()) if text.strip() else None


def resolve_name(name: str, source_id: str) -> str | None:
    """ISO3 for a publisher's country name, or None when it cannot be resolved without guessing.

    Overrides come from config/countries.yaml name_overrides.<source_id> and from the
    `name_overrides` of config/sources/<source_id>.yaml."""
    overrides = {**((load_config("countries").get("name_overrides") or {}).get(source_id) or {}),
                 **(load_source_configs().get(source_id, {}).get("source", {}).get("name_overrides") or {})}
    if name in overrides:
        return overrides[name]
    return _library_iso3(name)


def resolve_code(code: str) -> tuple[str | None, str | None]:
    """(ISO3, None) for a country code, (None, 'aggregate') for a World Bank group code,
    (None, None) for a code nobody knows. Legacy World Bank codes map through the crosswalk."""
    cfg = load_config("countries")
    code = (cfg.get("legacy_codes") or {}).get(code, code)
    if code in set(cfg.get("wb_aggregates") or []):
        return None, "aggregate"
    if code in (cfg.get("extra_economies") or {}) or _known_iso3(code):
        return code, None
    return None, None


def known_codes() -> dict[str, tuple[str | None, str | None]]:
    """Every upper-case code resolve_code answers, with its answer: a code absent here is one
    nobody knows. Lets a bulk source resolve country codes while it streams a file rather than
    after reading it (sources/wdi_full.py)."""
    cfg = load_config("countries")
    codes = (set(_library_codes()) | set(cfg.get("extra_economies") or {}) | set(cfg.get("wb_aggregates") or [])
             | set(cfg.get("legacy_codes") or {}))
    answers = {c.upper(): resolve_code(c.upper()) for c in codes}
    return {c: a for c, a in answers.items() if a != (None, None)}


def _known_iso3(code: str) -> bool:
    return code.upper() in _library_codes()


@functools.cache
def _library_codes() -> frozenset[str]:
    """Every ISO3 code hdx-python-country knows, kept in the cache folder between runs like
    country_infos: the library reads its whole table to answer (0.2 s, most of what staging
    `wdi_full` costs beyond reading the file). Keyed by the code fingerprint (which covers the
    library's version)."""
    path = cache_dir() / "countries" / f"{code_fingerprint()[:16]}.codes.json"
    try:
        return frozenset(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        pass
    codes = sorted(_hdx().countriesdata(use_live=False)["countries"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(codes), encoding="utf-8")
    os.replace(tmp, path)
    return frozenset(codes)


def harmonise(obs: pd.DataFrame, source_id: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Give every row an ISO3 code, from `country_name` or from publisher codes in `iso3`.

    Returns (mapped rows, excluded rows, unmapped rows); the last two carry a `reason`.
    Aggregates (World Bank region and income groups) are excluded, not errors; an unknown
    name or code is an error that names it."""
    if obs.empty:
        empty = obs.assign(reason=pd.Series(dtype=str))
        return obs.assign(iso3=pd.Series(dtype=str)), empty, empty
    if "iso3" in obs.columns:
        codes = obs["iso3"].astype(str).str.strip().str.upper()
        resolved = {c: resolve_code(c) for c in codes.drop_duplicates()}
        iso3 = codes.map(lambda c: resolved[c][0])
        aggregate = codes.map(lambda c: resolved[c][1] == "aggregate")
        reason = codes.map(lambda c: f"unknown country code {c!r}: add it to config/countries.yaml "
                                     "(legacy_codes, extra_economies or wb_aggregates)")
    else:
        names = obs["country_name"].drop_duplicates()
        mapping = {n: resolve_name(n, source_id) for n in names}
        iso3 = obs["country_name"].map(mapping)
        aggregate = pd.Series(False, index=obs.index)
        reason = obs["country_name"].map(
            lambda n: f"unknown country name {n!r}: add it to config/countries.yaml "
                      f"name_overrides.{source_id} with its ISO3 code")
    ok = iso3.notna()
    excluded = obs[aggregate].assign(reason="World Bank aggregate (region or income group), not a country")
    unmapped = obs[~ok & ~aggregate].assign(reason=reason[~ok & ~aggregate])
    return obs[ok].assign(iso3=iso3[ok]), excluded, unmapped


def country_info(iso3: str) -> dict:
    info = _hdx().get_country_info_from_iso3(iso3, use_live=False) or {}
    extra = (load_config("countries").get("extra_economies") or {}).get(iso3)
    return {"name": info.get("Preferred Term") or extra or iso3,
            "un_region": info.get("Region Name"),
            "un_subregion": info.get("Sub-region Name"),
            "un_intermediate_region": info.get("Intermediate Region Name")}


def countries_table(iso3_codes) -> pd.DataFrame:
    """The `countries` dimension: every country observed, every UN member, every group member."""
    cfg = load_config("countries")
    members = set(cfg["un_members"])
    codes = sorted(set(iso3_codes) | members | set(group_members_table()["iso3"]))
    infos = country_infos(codes)
    return pd.DataFrame([{"iso3": code, **infos[code], "un_member": code in members} for code in codes])


def country_infos(codes: list[str]) -> dict[str, dict]:
    """country_info of each code, kept in the cache folder between runs: hdx-python-country reads
    its whole table to answer (0.2 s, most of an unchanged run's build). Keyed by the code
    fingerprint (this module, config/countries.yaml, the library's version …), so a change to any
    of them is looked up afresh."""
    key = code_fingerprint()[:16]
    path = cache_dir() / "countries" / f"{key}.json"
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    missing = [c for c in codes if c not in known]
    if missing:
        known.update({c: country_info(c) for c in missing})
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(known, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)  # a reader sees the old table or the new one, never half of one
    return {c: known[c] for c in codes}


def group_members_table() -> pd.DataFrame:
    """(group_id, label, aggregate, iso3) for every configured country group."""
    groups = load_config("countries")["groups"]
    return pd.DataFrame([{"group_id": g, "label": spec["label"], "aggregate": spec.get("aggregate", True),
                          "iso3": code}
                         for g, spec in groups.items() for code in spec["members"]])
