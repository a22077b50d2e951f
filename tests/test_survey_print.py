"""The questionnaire as it prints: rendered to PDF by LibreOffice (as a focal point would print it
or save it as PDF) and read back with poppler's pdftotext. No text overlaps other text (a row too
low for its wrapped text makes LibreOffice draw the next row over it, and pdftotext then finds two
words in one place), every question and instruction is there in full, the header row and the page
numbers are on every page, and no internal code is printed.

Skipped where LibreOffice or poppler is not installed. The README's two page images come from the
same rendering (`soffice --headless --convert-to pdf`, then `pdftoppm -png -r 60`)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from digigov.settings import EMBEDDED_SNAPSHOTS, load_config
from digigov.sources.survey import write_template
from tests.rendering import flat_text, overlapping, pages

pytestmark = pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                                reason="LibreOffice (soffice) and poppler (pdftotext) are needed to render the template")

@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    """PDFs of the template in English, Russian and both, and of a SAMPLE workbook in both."""
    folder = tmp_path_factory.mktemp("print")
    books = [write_template(folder / f"template_{lang.replace('+', '_')}.xlsx", language_spec=lang)
             for lang in ("en", "ru", "en+ru")]
    sample = folder / "sample.xlsx"
    shutil.copy(EMBEDDED_SNAPSHOTS / "survey_samples" / "KAZ_committee_sample.xlsx", sample)
    books.append(sample)
    profile = folder / "lo-profile"   # a profile of its own: no clash with a LibreOffice already running
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), *map(str, books)], check=True, capture_output=True, timeout=600)
    return {b.stem: folder / f"{b.stem}.pdf" for b in books}


@pytest.mark.parametrize("name", ["template_en", "template_ru", "template_en_ru", "sample"])
def test_no_text_is_drawn_over_other_text(pdfs, name):
    got = pages(pdfs[name])
    assert len(got) >= 4
    assert {i + 1: overlapping(p)[:3] for i, p in enumerate(got) if overlapping(p)} == {}


def test_the_check_finds_text_drawn_over_text(pdfs, tmp_path):
    """The same workbook with rows too low for their questions: the check must see it."""
    import openpyxl

    wb = openpyxl.load_workbook(pdfs["template_en"].with_suffix(".xlsx"))
    ws = wb["Answers"]
    for r in range(2, ws.max_row + 1):
        ws.row_dimensions[r].height = 12
    wb.save(tmp_path / "low.xlsx")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(tmp_path / "low.xlsx")], check=True, capture_output=True, timeout=300)
    assert any(overlapping(p) for p in pages(tmp_path / "low.pdf"))


@pytest.mark.parametrize("name, langs", [("template_en", ["en"]), ("template_ru", ["ru"]),
                                         ("template_en_ru", ["en", "ru"])])
def test_every_text_prints_in_full_and_no_code_is_printed(pdfs, name, langs):
    text = flat_text(pdfs[name])
    for lang in langs:
        doc = load_config(f"survey/{lang}")
        for qid, question in doc["questions"].items():
            assert " ".join(question.split()) in text, (lang, qid)
        for key, dim in doc["dimensions"].items():
            assert " ".join(dim["description"].split()) in text, (lang, key)
        assert doc["answer_kinds"]["yes_partial_no"]["enter"] in text
    for code in ("yes_partial_no", "scale_1_5", "question_id", "state_company", "national_priorities", "_meta"):
        assert code not in text


@pytest.mark.parametrize("name, header, footer", [
    ("template_en", "No. Question", "Page {n} of {total}"),
    ("template_ru", "№ Вопрос", "Страница {n} из {total}"),
])
def test_every_page_is_numbered_and_every_answers_page_has_the_header_row(pdfs, name, header, footer):
    raw = subprocess.run(["pdftotext", "-layout", str(pdfs[name]), "-"], capture_output=True, text=True).stdout
    texts = [" ".join(p.split()) for p in raw.split("\f") if p.strip()]
    total = len(texts)
    for n, page in enumerate(texts, start=1):
        assert footer.format(n=n, total=total) in page
    answer_pages = [p for p in texts if re.search(r"(^| )[1-9]\.[1-9] ", p)]   # question numbers 1.1 … 9.3
    assert len(answer_pages) >= 2 and all(header in p for p in answer_pages)
    assert " 9.3 " in answer_pages[-1] and " 1.1 " in answer_pages[0]


def test_a_sample_workbook_prints_sample_on_every_page(pdfs):
    raw = subprocess.run(["pdftotext", "-layout", str(pdfs["sample"]), "-"], capture_output=True, text=True).stdout
    texts = [p for p in raw.split("\f") if p.strip()]
    assert texts and all("SAMPLE: invented demonstration data" in p and "ОБРАЗЕЦ" in p for p in texts)
