"""Our World in Data's grapher download of mobile cellular subscriptions per 100 people (WDI
IT.CEL.SETS.P2 republished), kept for its vintage: the 2023-04 download carries the WDI generation
of 2022, so a claim a 2022 study made about 2020 can be judged on what the data said then.

The layout is OWID's grapher CSV, read exactly as the broadband download is
(sources/owid_broadband.py); only the file name and the value column differ, and those are config
(config/sources/owid_mobile.yaml). Quirks: snapshots/owid_mobile/PROVENANCE.md.
"""

from __future__ import annotations

from dataclasses import replace

from digigov.sources.owid_broadband import SOURCE as GRAPHER_CSV

SOURCE = replace(GRAPHER_CSV, source_id="owid_mobile", file_glob="mobile-cellular-subscriptions-per-100-people__*.csv")
