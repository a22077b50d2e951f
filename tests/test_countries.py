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


def test_two_threads_filling_the_country_code_cache_at_once_both_succeed(tmp_path, monkeypatch):
    """Sources staged in threads (--task-runner threads) on an empty cache all look the codes up
    at once: each writes the cache file and renames it into place. Both must succeed; with one
    temporary name per process the second rename found its file already moved and the source
    failed. The renames are held until both threads have written, so the race always happens."""
    import os
    import threading

    from digigov.transforms import countries

    monkeypatch.setenv("DIGIGOV_CACHE", str(tmp_path / "cache"))
    both_written = threading.Barrier(2, timeout=30)
    real_replace = os.replace

    def replace_when_both_have_written(src, dst):
        both_written.wait()
        real_replace(src, dst)

    monkeypatch.setattr(countries.os, "replace", replace_when_both_have_written)
    results, errors = [], []

    def look_up():
        try:
            results.append(countries._library_codes.__wrapped__())
        except Exception as exc:  # noqa: BLE001 - the test reports whatever the thread raised
            errors.append(exc)

    threads = [threading.Thread(target=look_up) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 2 and results[0] == results[1] and "ARM" in results[0]
    cached = list((tmp_path / "cache" / "countries").iterdir())
    assert [p.suffix for p in cached] == [".json"]  # one file, no temporary one left behind
