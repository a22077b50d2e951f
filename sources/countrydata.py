"""hdx-python-country's country table, loaded once for every caller.

The library fills its tables lazily on first use, and two callers in threads at once (sources
staged with --task-runner threads) broke that fill half-way: every use goes through `hdx()`,
which fills them under one lock. The library is imported on that first use: importing it pulls in
its downloader (requests, frictionless; 0.3 s), which a build whose country tables are cached
(transforms/countries.py) never needs.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hdx.location.country import Country

_LOCK = threading.Lock()


def hdx() -> type[Country]:
    """hdx-python-country's Country, its offline tables loaded."""
    from hdx.location.country import Country

    with _LOCK:
        Country.countriesdata(use_live=False)
    return Country


def country_info(iso3: str) -> dict:
    """The library's row for an ISO3 code ({} when it does not know the code)."""
    return hdx().get_country_info_from_iso3(iso3, use_live=False) or {}
