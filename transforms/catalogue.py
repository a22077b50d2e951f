"""The indicator catalogue (config/indicators.yaml) as a table and as lookups."""

from __future__ import annotations

import pandas as pd

from digigov.settings import load_config

COLUMNS = ["indicator_id", "name", "unit", "source_id", "dimension_id", "higher_is_better",
           "scale_min", "scale_max", "aggregate", "definition"]


def catalogue() -> dict[str, dict]:
    return load_config("indicators")


def indicators_table() -> pd.DataFrame:
    rows = [{"indicator_id": ind, "dimension_id": None, "aggregate": True, **spec}
            for ind, spec in catalogue().items()]
    return pd.DataFrame(rows).reindex(columns=COLUMNS)
