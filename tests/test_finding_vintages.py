"""Findings checked per vintage (`finding_checks`) and every finding with a status, on the session
warehouse built from the embedded snapshots. Expected verdicts are derived here from the raw files."""

import csv
import io

import pytest

from digigov.settings import EMBEDDED_SNAPSHOTS, load_config
from tests.conftest import query

FOCUS = ["ARM", "AZE", "GEO", "KAZ", "KGZ", "TJK", "UZB"]
WDI = EMBEDDED_SNAPSHOTS / "wdi_bulk"
USER_2022 = WDI / "API_IT.NET.USER.ZS_DS2_en_csv_v2_4150946.csv"
USER_2025 = WDI / "uso_individuos_internet__IT.NET.USER.ZS_headerless.csv"
CEL_2020 = WDI / "API_IT.CEL.SETS.P2_DS2_en_csv_v2_887311.csv"
CEL_2023 = WDI / "API_IT.CEL.SETS.P2_DS2_en_csv_v2_4903391.csv"


def raw_2020(path) -> dict[str, float | None]:
    """The focus countries' 2020 cells of a WDI bulk CSV, read with the csv module alone
    (BOM, CRLF or LF, with or without the preamble); None where the cell is blank or absent."""
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "Country Name")
    header = rows[head]
    by_code = {r[1]: dict(zip(header, r)) for r in rows[head + 1:] if len(r) > 1}
    return {iso3: float(by_code[iso3]["2020"]) if by_code[iso3].get("2020") else None for iso3 in FOCUS}


def internet_verdict(values) -> str:
    """F10: five of the seven between 52 and 80 per cent; undecided when a country has no value."""
    if any(v is None for v in values.values()):
        return "not checkable"
    return "holds" if sum(52 <= v <= 80 for v in values.values()) == 5 else "contradicted"


def mobile_verdict(values) -> str:
    """F11: above 100 per 100 in every country; undecided when a country has no value."""
    if any(v is None for v in values.values()):
        return "not checkable"
    return "holds" if all(v > 100 for v in values.values()) else "contradicted"


def shown(values, fmt) -> str:
    return ", ".join(f"{iso3} {fmt(v)}" if v is not None else f"{iso3} no 2020 value" for iso3, v in values.items())


def checks(wh, finding_id):
    return {vintage: (latest, status, evidence) for vintage, latest, status, evidence in query(
        wh, "SELECT vintage, is_latest, status, evidence FROM finding_checks WHERE finding_id = ?", [finding_id])}


def test_every_finding_has_a_status_and_no_check_means_not_checkable(warehouse):
    rows = query(warehouse, "SELECT finding_id, check_status, check_detail FROM findings")
    assert rows and all(status in ("holds", "contradicted", "not checkable") for _, status, _ in rows)
    unchecked = {f["id"] for f in load_config("findings")["findings"] if not f.get("check")}
    assert unchecked  # F01 ... : the study's qualitative findings
    got = {f: (s, d) for f, s, d in rows}
    for finding_id in unchecked:
        assert got[finding_id][0] == "not checkable" and got[finding_id][1].startswith("no check"), finding_id
    # survey findings (sample workbooks) carry no check either
    assert {s for f, (s, _) in got.items() if f.startswith("S-")} == {"not checkable"}


def test_the_latest_verdict_of_every_finding_equals_its_check_status(warehouse):
    latest = query(warehouse, "SELECT finding_id, status, evidence FROM finding_checks WHERE is_latest ORDER BY 1")
    assert latest == query(warehouse, "SELECT finding_id, check_status, check_detail FROM findings ORDER BY 1")
    keys = query(warehouse, "SELECT count(*), count(DISTINCT (finding_id, vintage)) FROM finding_checks")[0]
    assert keys[0] == keys[1]
    # the vintage views used while checking are gone from the published warehouse
    assert query(warehouse, "SELECT count(*) FROM information_schema.schemata "
                            "WHERE schema_name = 'check_vintage'")[0][0] == 0


def test_internet_use_2020_is_judged_on_the_2022_vintage_and_on_today(warehouse):
    got = checks(warehouse, "F10")
    for path, release in ((USER_2022, "wdi_bulk: IT.NET.USER.ZS 2022-05-25"),
                          (USER_2025, "wdi_bulk: IT.NET.USER.ZS 2025 vintage (Last Updated Date stripped)")):
        values = raw_2020(path)
        assert got[release] == (False, internet_verdict(values), shown(values, lambda v: f"{round(v, 1)}%")), release
    # what the 2022 file said: KGZ and TJK had no 2020 value yet, so five of seven could not be shown
    assert got["wdi_bulk: IT.NET.USER.ZS 2022-05-25"][1] == "not checkable"
    # the latest verdict names the releases of the values in force and equals findings.check_status
    (vintage, (_, status, evidence)), = [(v, c) for v, c in got.items() if c[0]]
    in_force = query(warehouse, "SELECT DISTINCT source_id || ': ' || release, iso3, value FROM observations "
                                "WHERE indicator_id = 'wdi.IT.NET.USER.ZS' AND year = 2020 "
                                "AND iso3 IN (SELECT unnest(?::VARCHAR[]))", [FOCUS])
    assert vintage == f"latest ({'; '.join(sorted({r[0] for r in in_force}))})"
    assert status == internet_verdict({iso3: v for _, iso3, v in in_force}) == "contradicted"
    assert (status, evidence) == tuple(query(warehouse, "SELECT check_status, check_detail FROM findings "
                                                        "WHERE finding_id = 'F10'")[0])
    # every release of the series is a vintage of the finding
    releases = query(warehouse, "SELECT DISTINCT source_id || ': ' || release FROM observations_all "
                                "WHERE indicator_id = 'wdi.IT.NET.USER.ZS'")
    assert {v for v, c in got.items() if not c[0]} == {r[0] for r in releases}


def test_mobile_subscriptions_are_judged_on_every_vintage(warehouse):
    got = checks(warehouse, "F11")
    for path, release in ((CEL_2020, "wdi_bulk: IT.CEL.SETS.P2 2020-03-18"),
                          (CEL_2023, "wdi_bulk: IT.CEL.SETS.P2 2023-03-01")):
        values = raw_2020(path)
        assert got[release] == (False, mobile_verdict(values), shown(values, lambda v: f"{round(v, 1)}")), release
    assert got["wdi_bulk: IT.CEL.SETS.P2 2023-03-01"][1] == "contradicted"  # UZB below 100
    assert got["wdi_bulk: IT.CEL.SETS.P2 2020-03-18"][1] == "not checkable"  # published before 2020 data
    latest = [(v, c) for v, c in got.items() if c[0]]
    assert [v for v, _ in latest] == ["latest (wdi_bulk: IT.CEL.SETS.P2 2023-03-01)"]
    assert latest[0][1][1:] == got["wdi_bulk: IT.CEL.SETS.P2 2023-03-01"][1:]


def owid_2020(path) -> dict[str, float | None]:
    """The focus countries' 2020 values of an OWID grapher CSV (Entity,Code,Year,value), csv module alone."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    column = list(rows[0])[3]
    found = {r["Code"]: float(r[column]) for r in rows if r["Year"] == "2020" and r["Code"] in FOCUS}
    return {iso3: found.get(iso3) for iso3 in FOCUS}


def test_mobile_subscriptions_are_also_judged_on_the_2022_generation_owid_kept(warehouse):
    """OWID's 2023-04 download carries the WDI generation of 2022: F11 gets a verdict on it too."""
    values = owid_2020(EMBEDDED_SNAPSHOTS / "owid_mobile" / "mobile-cellular-subscriptions-per-100-people__dl2023-04.csv")
    got = checks(warehouse, "F11")["owid_mobile: dl2023-04"]
    assert got == (False, mobile_verdict(values), shown(values, lambda v: f"{round(v, 1)}"))
    assert got[1] == "contradicted" and values["UZB"] < 100
    # a vintage only: the World Bank's own values stay the ones in force for the seven
    assert query(warehouse, "SELECT count(*) FROM observations WHERE source_id = 'owid_mobile' AND iso3 IN "
                            "('ARM', 'AZE', 'GEO', 'KAZ', 'KGZ', 'TJK', 'UZB')")[0][0] == 0


@pytest.mark.parametrize("finding_id", ["F15", "F18"])
def test_a_finding_without_vintages_has_its_latest_verdict_only(warehouse, finding_id):
    assert [c[0] for c in checks(warehouse, finding_id).values()] == [True]


def test_the_gtmi_group_claim_is_judged_on_each_release_of_the_groups(warehouse):
    """F17 names a classification scheme: one verdict per release that carries GTMI groups, each
    resting on that release's groups only (the 2022 dataset knows no 2025 wave)."""
    releases = {r for (r,) in query(warehouse, "SELECT DISTINCT source_id || ': ' || release FROM classifications "
                                               "WHERE scheme = 'gtmi_group'")}
    rows = checks(warehouse, "F17")
    assert set(rows) - {"latest"} == releases and len(releases) >= 2
    for vintage in releases:
        _, status, evidence = rows[vintage]
        source_id, release = vintage.split(": ")
        groups = query(warehouse, "SELECT DISTINCT year, iso3, category FROM classifications WHERE scheme = "
                                  "'gtmi_group' AND source_id = ? AND release = ? AND iso3 IN "
                                  "('ARM', 'AZE', 'GEO', 'KAZ', 'KGZ', 'TJK', 'UZB')", [source_id, release])
        assert [int(part.split(":")[0]) for part in evidence.split("; ")] == sorted({y for y, _, _ in groups})
        assert status == ("holds" if all(c == "B" for _, _, c in groups) else "contradicted")
