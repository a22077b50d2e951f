"""Country harmonisation: exact matches or configured overrides, never a guess."""

import pandas as pd
import pytest

from digigov.transforms.countries import countries_table, harmonise, resolve_code, resolve_name


@pytest.mark.parametrize("name,iso3", [("Republic of Korea", "KOR"), ("Kyrgyzstan", "KGZ"),
                                       ("Côte d'Ivoire", "CIV"), ("Türkiye", "TUR"),
                                       ("Democratic People's Republic of Korea", "PRK")])
def test_exact_library_matches(name, iso3):
    assert resolve_name(name, "un_egov") == iso3


def test_overrides_and_no_fuzzy_guess():
    assert resolve_name("Georgia (Country)", "un_egov") == "GEO"          # config override
    assert resolve_name("Georgia (Country)", "some_other_source") is None  # the library's guess is refused
    assert resolve_name("Turkey", "un_egov") == "TUR"                      # older-download spelling


def test_codes_legacy_aggregates_and_unknown():
    assert resolve_code("KSV") == ("XKX", None) and resolve_code("WBG") == ("PSE", None)
    assert resolve_code("WLD") == (None, "aggregate") and resolve_code("ECA") == (None, "aggregate")
    assert resolve_code("QQQ") == (None, None)


def test_harmonise_splits_mapped_excluded_and_unmapped():
    obs = pd.DataFrame({"iso3": ["KAZ", "WLD", "QQQ", "ROM"], "_row": [1, 2, 3, 4]})
    mapped, excluded, unmapped = harmonise(obs, "x")
    assert mapped["iso3"].tolist() == ["KAZ", "ROU"]
    assert excluded["_row"].tolist() == [2] and "aggregate" in excluded["reason"].iloc[0]
    assert unmapped["_row"].tolist() == [3] and "unknown country code 'QQQ'" in unmapped["reason"].iloc[0]
    names = pd.DataFrame({"country_name": ["Kazakhstan", "Atlantis"], "_row": [1, 2]})
    mapped, excluded, unmapped = harmonise(names, "un_egov")
    assert mapped["iso3"].tolist() == ["KAZ"] and excluded.empty
    assert "unknown country name 'Atlantis'" in unmapped["reason"].iloc[0]
    assert "name_overrides.un_egov" in unmapped["reason"].iloc[0]


def test_countries_table_carries_subregion_and_membership():
    t = countries_table(["XKX"]).set_index("iso3")
    assert len(t[t["un_member"]]) == 193
    assert t.loc["KAZ", "un_subregion"] == "Central Asia" and t.loc["GEO", "un_subregion"] == "Western Asia"
    assert t.loc["XKX", "name"] == "Kosovo" and not t.loc["XKX", "un_member"]
