"""The extract as it prints. Page setup is read back with openpyxl from every sheet; the default
extract is then rendered to PDF by LibreOffice (as an analyst would print it or save it as PDF)
and read back with pdftotext: every page names its sheet and its number, each profile prints on
the pages its layout intends, and no text is drawn over other text (a row too low for its wrapped
text makes LibreOffice draw the next row over it). The rendering part is skipped where LibreOffice
or poppler is not installed, or no font of Calibri's widths (tests/rendering.py); the README states
the page count it gives."""

from __future__ import annotations

import math
import re
import subprocess

import pytest
from openpyxl import load_workbook

from digigov.warehouse.export import export_workbook
from tests.conftest import query
from tests.rendering import can_render_in, overlapping, pages, render
from tests.test_export import tables

needs_render = pytest.mark.skipif(
    not can_render_in("Calibri"),
    reason="LibreOffice (soffice), poppler (pdftotext) and a font of Calibri's widths are needed "
           "(Carlito: apt-get install fonts-crosextra-carlito)")


@pytest.fixture(scope="module")
def extract(built_warehouse, tmp_path_factory):
    folder = tmp_path_factory.mktemp("extract-print")
    out = folder / "extract.xlsx"
    export_workbook(built_warehouse, out)
    return out


@pytest.fixture(scope="module")
def printed(extract):
    pdf = render([extract], extract.parent)[extract.stem]
    raw = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    texts = [p for p in raw.split("\f") if p.strip()]
    return pdf, texts


def test_every_sheet_has_page_setup(extract):
    wb = load_workbook(extract)
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert ps.orientation in ("landscape", "portrait") and str(ps.paperSize) == "9", ws.title
        # fitToWidth="1" is the schema default, which XlsxWriter leaves out
        assert ws.sheet_properties.pageSetUpPr.fitToPage and (ps.fitToWidth or 1) == 1 and ps.fitToHeight == 0, ws.title
        assert "&P" in ws.oddFooter.right.text and "&N" in ws.oddFooter.right.text, ws.title
        assert ws.oddHeader.right.text == ws.title and ws.oddHeader.left.text.startswith("Digital government"), ws.title
        assert ws.print_area, ws.title
        ts = tables(ws)
        if len(ts) == 1 and ws.title not in ("Contents", "Notes", "Chart data"):
            # a long table prints its header row on every page
            assert ws.print_title_rows.replace("$", "") == f"{ts[0]['header_row']}:{ts[0]['header_row']}", ws.title
    # wide tables print landscape, the cover portrait
    assert wb["Cover"].page_setup.orientation == "portrait"
    assert wb["Readiness components"].page_setup.orientation == "landscape"


def column_width(ws, index: int) -> float:
    """The width of column `index`, also where the file gives one width to a range of columns."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= index <= (dim.max or dim.min):
            return dim.width
    raise AssertionError(f"{ws.title}: column {index} has no width set")


def test_rows_are_as_high_as_their_wrapped_text(extract):
    """Every wrapped cell whose text is longer than its column has a row height set for it, at least
    one line for each width of text (a generous bound: Calibri fits more letters than the width)."""
    wb = load_workbook(extract)
    checked = 0
    for ws in wb.worksheets:
        for t in tables(ws):
            for row in t["cells"]:
                for cell in row:
                    if not (isinstance(cell.value, str) and cell.alignment.wrap_text):
                        continue
                    width = column_width(ws, cell.column)
                    lines = math.ceil(len(cell.value) / (width * 1.6))
                    if lines > 1:
                        height = ws.row_dimensions[cell.row].height
                        assert height is not None and height >= 15 * lines, (ws.title, cell.coordinate, cell.value[:40])
                        checked += 1
    assert checked > 50


@needs_render
def test_every_page_names_its_sheet_and_number(printed, extract):
    _, texts = printed
    sheets = load_workbook(extract, read_only=True).sheetnames
    total = len(texts)
    seen = []
    for n, page in enumerate(texts, start=1):
        first = page.strip().splitlines()[0]
        name = next((s for s in sorted(sheets, key=len, reverse=True) if first.rstrip().endswith(s)), None)
        assert name, f"page {n} header: {first!r}"
        assert f"Page {n} of {total}" in " ".join(page.split()), n
        if not seen or seen[-1] != name:
            seen.append(name)
    assert seen == sheets   # every sheet prints, in order, and none is split around another


@needs_render
def test_each_profile_prints_indices_readiness_and_charts_on_its_pages(printed, warehouse):
    _, texts = printed
    names = dict(query(warehouse, "SELECT iso3, name FROM countries"))
    focus = [r[0] for r in query(warehouse, "SELECT iso3 FROM countries WHERE list_contains(groups, 'focus')")]
    for iso3 in focus:
        name = names[iso3]
        own = [" ".join(p.split()) for p in texts if p.strip().splitlines()[0].rstrip().endswith(name)]
        assert 3 <= len(own) <= 4, (name, len(own))
        assert f"Headline indices of {name}" in own[0] and f"Readiness of {name} by dimension" not in own[0]
        assert f"Readiness of {name} by dimension" in own[1] and f"Priority gaps of {name}" in own[1]
        assert f"EGDI of {name}" in own[2] and f"Institutions responsible for digital government in {name}" in own[2]


@needs_render
def test_no_text_is_drawn_over_other_text(printed):
    pdf, _ = printed
    hits = {}
    for n, words in enumerate(pages(pdf), start=1):
        found = overlapping(words)
        if found:
            hits[n] = found[:3]
    assert hits == {}


@needs_render
def test_the_whole_extract_prints_on_a_reasonable_number_of_pages(printed):
    _, texts = printed
    # 27 sheets, 8 of them profiles of 3-4 pages: the README states the count this gives
    assert len(texts) <= 120
    assert all(re.search(r"\w", p) for p in texts)
