"""`digigov status` as a person reads it, on the session warehouse: counts whole, gaps blank, times
to the second, finding texts whole (wrapped, never cut), each source's newest release.

The printed tables are read back by their columns (the dashes under the header mark them), so each
cell is compared with what the warehouse holds.
"""

from __future__ import annotations

import re

import pytest

from digigov.flows.cli import main
from digigov.warehouse.status import as_markdown, status
from tests.conftest import query

WIDTH = 100


@pytest.fixture
def printed(warehouse, capsys, monkeypatch) -> str:
    monkeypatch.setenv("COLUMNS", str(WIDTH))  # the width shutil.get_terminal_size reports
    assert main(["status", "--warehouse", str(warehouse)]) == 0
    return capsys.readouterr().out


def section(out: str, title: str) -> list[dict[str, str]]:
    """The records of one section's table: {header: cell text, wrapped lines joined by a space}."""
    body = out.split(f"== {title}\n", 1)[1].split("\n== ", 1)[0].rstrip("\n").splitlines()
    header, dashes, lines = body[0], body[1], body[2:]
    spans = [m.span() for m in re.finditer(r"-+", dashes)]
    names = [header[a:b].strip() for a, b in spans]
    records: list[list[list[str]]] = []
    for line in lines:
        if not line.strip():
            continue
        parts = [line[a:b].strip() for a, b in spans]
        if parts[0]:
            records.append([[p] if p else [] for p in parts])
        else:
            for k, p in enumerate(parts):
                if p:
                    records[-1][k].append(p)
    return [{n: " ".join(r[k]) for k, n in enumerate(names)} for r in records]


def test_counts_are_whole_numbers_and_gaps_are_blank(printed, warehouse):
    rows = {r["source"]: r for r in section(printed, "Sources")}
    held = query(warehouse, "SELECT source_id, count(*), sum(rows_loaded), sum(rows_rejected), "
                            "bool_and(release IS NULL), bool_and(last_updated IS NULL) FROM sources GROUP BY 1")
    assert set(rows) == {h[0] for h in held}
    for source_id, files, loaded, rejected, no_release, no_update in held:
        row = rows[source_id]
        assert (row["files"], row["loaded"], row["rejected"]) == (str(files), str(loaded), str(rejected))
        assert (row["latest release"] == "") == no_release and (row["updated"] == "") == no_update
    assert any(h[4] for h in held) and any(h[5] for h in held)  # there are gaps to show
    assert not re.search(r"\bNaN\b|\bNone\b|\bnan\b", printed)


def test_times_and_dates_print_as_such(printed, warehouse):
    started = [r["started (UTC)"] for r in section(printed, "Last runs")]
    held = query(warehouse, "SELECT strftime(started_at, '%Y-%m-%d %H:%M:%S') FROM runs "
                            "ORDER BY started_at DESC LIMIT 5")
    assert started == [h[0] for h in held]
    retrieved = [r["retrieved"] for r in section(printed, "Sources") if r["retrieved"]]
    assert retrieved and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in retrieved)


def test_contradicted_findings_are_printed_whole(printed, warehouse):
    held = query(warehouse, "SELECT finding_id, statement, check_detail FROM findings "
                            "WHERE check_status = 'contradicted' ORDER BY finding_id")
    rows = section(printed, "Findings contradicted by the data")
    assert held and any(len(h[1]) > WIDTH // 2 for h in held)  # long enough to need wrapping
    assert [(r["finding"], r["statement"], r["what the data say"]) for r in rows] == \
        [(f, " ".join(s.split()), " ".join(d.split())) for f, s, d in held]
    assert all(len(line) <= WIDTH for line in printed.split("== Findings")[1].splitlines())


def test_the_latest_release_is_the_newest_file_s_not_the_last_in_text_order(printed, warehouse):
    """Newest as for the values in force: last_updated, else the retrieval date, then the release."""
    files = query(warehouse, "SELECT source_id, release, coalesce(last_updated, retrieved_at) FROM sources "
                             "WHERE release IS NOT NULL")
    newest, by_text = {}, {}
    for source_id, release, updated in files:
        key = (updated or "", release)
        if source_id not in newest or key > newest[source_id][0]:
            newest[source_id] = (key, release)
        by_text[source_id] = max(by_text.get(source_id, release), release)
    rows = {r["source"]: r["latest release"] for r in section(printed, "Sources")}
    assert {s: rows[s] for s in newest} == {s: release for s, (_, release) in newest.items()}
    assert any(by_text[s] != newest[s][1] for s in newest)  # text order would name another release
    dated = {s for s, _, updated in files if updated}
    assert not [s for s in dated if "vintage unknown" in rows[s]]


def test_the_markdown_artifact_shows_the_same_cells(warehouse):
    markdown = as_markdown(status(warehouse))
    files, loaded = query(warehouse, "SELECT count(*), sum(rows_loaded) FROM sources "
                                     "WHERE source_id = 'un_egov'")[0]
    sources = markdown.split("## Sources\n")[1].split("\n## ")[0]
    (line,) = [line for line in sources.splitlines() if line.startswith("| un_egov |")]
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[1] == str(files) and cells[5] == str(loaded)
    assert not re.search(r"\bNaN\b|\bNone\b|\bnan\b", markdown)
