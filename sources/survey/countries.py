"""Country names in each language of the survey, for the workbook's country list and for reading
a chosen country back.

Names come from hdx-python-country's country table (the UN terminology database: the names UN
documents use, in English and in Russian), the column each language file names (`country_names`).
A respondent picks a name; the reader turns any language's name, or an ISO3 code, back into ISO3.
"""

from __future__ import annotations

import functools
import itertools

from digigov.sources.countrydata import country_info
from digigov.sources.survey import language
from digigov.sources.survey.instrument import known_countries


@functools.cache
def names(lang: str) -> dict[str, str]:
    """{ISO3: name in `lang`} for every country a respondent may answer for; a country the table
    has no name for in that language keeps its English name (then its code)."""
    column = language.texts(lang)["country_names"]
    out = {}
    for iso3 in known_countries():
        info = country_info(iso3)
        out[iso3] = info.get(column) or info.get("Preferred Term") or iso3
    return out


def choices(langs: tuple[str, ...]) -> list[tuple[str, str]]:
    """(ISO3, name as the list shows it) in the alphabetical order of the first language."""
    rows = [(iso3, language.LABEL_JOIN.join(names(lang)[iso3] for lang in langs)) for iso3 in known_countries()]
    return sorted(rows, key=lambda r: language.fold(r[1]))


def label(iso3: str, langs: tuple[str, ...]) -> str | None:
    """The name a workbook of `langs` shows for the country (None for an unknown code)."""
    if iso3 not in names(langs[0]):
        return None
    return language.LABEL_JOIN.join(names(lang)[iso3] for lang in langs)


@functools.cache
def _lookup() -> dict[str, str]:
    langs = language.languages()
    out: dict[str, str] = {}
    for iso3 in known_countries():
        forms = [iso3] + [names(lang)[iso3] for lang in langs]
        forms += [language.LABEL_JOIN.join(names(lang)[iso3] for lang in pair) for pair in itertools.permutations(langs, 2)]
        for form in forms:
            out.setdefault(language.fold(form), iso3)
    return out


def resolve(value) -> str | None:
    """ISO3 of a country given as its name in any survey language (or both) or its ISO3 code."""
    if value is None:
        return None
    return _lookup().get(language.fold(value))
