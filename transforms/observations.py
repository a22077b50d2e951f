"""The harmonised observation: one value per country × indicator × year × source release."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

COLUMNS = ["iso3", "indicator_id", "year", "value", "source_id", "release", "is_sample", "file", "row"]


def observation_schema(catalogue: dict) -> pa.DataFrameSchema:
    """Rules every harmonised row must meet, whatever its source."""
    lo = {k: v.get("scale_min") for k, v in catalogue.items()}
    hi = {k: v.get("scale_max") for k, v in catalogue.items()}

    def within_scale(df: pd.DataFrame) -> pd.Series:
        low = df["indicator_id"].map(lo).astype(float)
        high = df["indicator_id"].map(hi).astype(float)
        return (low.isna() | (df["value"] >= low)) & (high.isna() | (df["value"] <= high))

    return pa.DataFrameSchema(
        {
            "iso3": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{3}$")),
            "indicator_id": pa.Column(str, pa.Check.isin(list(catalogue)), coerce=True),
            "year": pa.Column(int, pa.Check.in_range(1950, 2100), coerce=True),
            "value": pa.Column(float, nullable=False, coerce=True),
            "source_id": pa.Column(str),
            "release": pa.Column(str, coerce=True),
            "is_sample": pa.Column(bool),
        },
        checks=[pa.Check(within_scale, error="value outside the indicator's scale (config/sources/<source>.yaml)")],
        unique=["iso3", "indicator_id", "year", "source_id", "release"],
        report_duplicates="all",
    )
