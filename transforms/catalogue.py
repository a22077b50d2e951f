"""The indicator catalogue: the `indicators` parts of config/sources/*.yaml, as a table and a lookup."""

from __future__ import annotations

import functools

import pandas as pd


from digigov.settings import CONFIG_DIR, load_source_configs, safe_load

COLUMNS = ["indicator_id", "name", "unit", "source_id", "dimension_id", "higher_is_better",
           "scale_min", "scale_max", "aggregate", "definition"]


@functools.cache
def catalogue() -> dict[str, dict]:
    """{indicator_id: spec}, each spec carrying the source_id of the file it is declared in."""
    out = {}
    for source_id, cfg in load_source_configs().items():
        for ind, spec in cfg["indicators"].items():
            out[ind] = {**spec, "source_id": source_id}
    # Indicators fed by several sources are declared once in config/indicators/*.yaml.
    for path in sorted((CONFIG_DIR / "indicators").glob("*.yaml")):
        with open(path, encoding="utf-8") as fh:
            for ind, spec in (safe_load(fh) or {}).items():
                if ind in out:
                    raise ValueError(f"{path}: indicator {ind} is also declared in config/sources/")
                out[ind] = spec
    return out


def indicators_table() -> pd.DataFrame:
    rows = [{"indicator_id": ind, "dimension_id": None, "aggregate": True, **spec}
            for ind, spec in catalogue().items()]
    return pd.DataFrame(rows).reindex(columns=COLUMNS)
