"""The countries and the year `digigov export` is asked for, checked against the published warehouse
before any sheet is built.

A code the warehouse does not know, or a year up to which the chosen countries hold no value, is a fault
of the command line, not of the export: a usage error (exit code 2) that names what to type instead.
The export repeats its own checks for callers that skip these (warehouse/export/).
"""

from __future__ import annotations

import re
from pathlib import Path

from digigov.errors import UsageError
from digigov.warehouse.query import connect_readonly

SQL_DIR = Path(__file__).parent / "sql" / "export_request"
ISO3 = re.compile(r"[A-Z]{3}")
HOW = "give ISO3 codes separated by commas, e.g. KAZ,UZB"


def _sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def country_codes(text: str) -> list[str]:
    """`--countries` as a list of codes, each once, in the order given: three letters upper-cased
    (`kaz` is KAZ), anything else as typed, for the message that refuses it."""
    codes = []
    for part in text.split(","):
        code = part.strip().upper() if ISO3.fullmatch(part.strip().upper()) else part.strip()
        if code and code not in codes:
            codes.append(code)
    if not codes:
        raise UsageError(f'--countries "{text}" names no country: {HOW}')
    return codes


def _problem(code: str, names: dict[str, str]) -> str:
    """Why a code is refused, with the ISO3 code meant when hdx-python-country is sure of it."""
    from digigov.transforms.countries import iso3_meant

    meant = iso3_meant(code)
    shape = "is not a country code the warehouse knows" if ISO3.fullmatch(code) else "is not an ISO3 code"
    if meant in names and meant != code:
        return f"{code} {shape} (for {names[meant]} write {meant})"
    return f"{code} {shape}"


def check_request(warehouse: Path, countries: list[str] | None, year: int | None) -> None:
    """Raise UsageError naming every unknown code, or a year up to which the countries exported
    hold no value (those named, else the focus group) and the years they do cover."""
    with connect_readonly(warehouse) as con:
        known = con.execute(_sql("countries")).fetchall()
        names = {iso3: name for iso3, name, _ in known}
        if countries is not None:
            unknown = [code for code in countries if code not in names]
            if unknown:
                raise UsageError(f"--countries: {'; '.join(_problem(c, names) for c in unknown)}; {HOW}")
        chosen = countries if countries is not None else [iso3 for iso3, _, focus in known if focus]
        if year is None or not chosen:
            return  # no focus group: the export says so itself
        n_values, first, last = con.execute(_sql("year_span"), {"countries": chosen, "year": year}).fetchone()
    if not n_values:
        covered = f"its values for them span {first}–{last}" if first is not None else "it holds none for them"
        raise UsageError(f"--year {year}: the warehouse holds no values for {', '.join(chosen)} in {year} or "
                         "earlier (an extract shows the latest values up to --year); "
                         f"{covered}")
