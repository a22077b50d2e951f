"""The questionnaire workbook a focal point fills in Excel, written from the instrument in one
language or two.

Everything a user could break is locked (sheets, structure, question cells); only the yellow
answer cells are open, with drop-downs, range checks and a note per answer kind, so most mistakes
are stopped in Excel rather than found later by the reader. Internal keys (question ids, field
keys, answer-type codes, the SAMPLE flag) live in hidden columns and the very hidden `_meta`
sheet; rows are as high as their text needs, and each sheet prints on A4 landscape, fitted to the
page width, with its header row repeated on every page.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break

from digigov.sources.survey import countries, language
from digigov.sources.survey.instrument import instrument
from digigov.sources.survey.layout import (ANSWER_COLUMNS, INSTRUMENT, KEY, LIST_COLUMNS, META, QUESTION_ID,
                                           RESPONDENT_COLUMNS, RESPONDENT_FIELDS)

# Text written into a cell that a spreadsheet would otherwise treat as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@")

FONT = "Arial"  # on every system (LibreOffice maps it to a font of the same widths): rows fit everywhere
SIZE = 10
LINE_HEIGHT = 13.0  # points per wrapped line of Arial 10
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_SECTION_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_TEXT = Font(name=FONT, size=SIZE)
_BOLD = Font(name=FONT, size=SIZE, bold=True)
_HEADER_FONT = Font(name=FONT, size=SIZE, bold=True, color="FFFFFF")
_TITLE = Font(name=FONT, size=14, bold=True, color="1F4E78")
_HEADING = Font(name=FONT, size=12, bold=True, color="1F4E78")
_SAMPLE = Font(name=FONT, size=12, bold=True, color="C00000")
_SECOND = InlineFont(rFont=FONT, sz=SIZE, i=True, color="44546A")  # the second language, set apart
_FIRST = InlineFont(rFont=FONT, sz=SIZE)
_UNLOCKED = Protection(locked=False)
_TOP_WRAP = Alignment(wrap_text=True, vertical="top")
_THIN = Side(style="thin", color="BFBFBF")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _put_text(cell, value) -> None:
    """Write a user-supplied value; text that looks like a formula is forced to stay text."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"
        cell.quotePrefix = True


def _texts(langs, pick) -> list[str]:
    return [pick(language.texts(lang)) for lang in langs]


def _put_langs(cell, parts: list[str], bold: bool = False) -> None:
    """One text per language in one cell: the first as is, the second below it in italics."""
    if len(parts) == 1:
        cell.value = parts[0]
    else:
        first = InlineFont(rFont=FONT, sz=SIZE, b=True) if bold else _FIRST
        cell.value = CellRichText([TextBlock(first, parts[0]), TextBlock(_SECOND, "\n" + "\n".join(parts[1:]))])
    cell.font, cell.alignment = (_BOLD if bold else _TEXT), _TOP_WRAP


def _lines(parts: list[str] | str, width: float, bold: bool = False) -> int:
    parts = [parts] if isinstance(parts, str) else parts
    return sum(language.wrapped_lines(p, width, bold) for p in parts)


def _fit(ws, row: int, lines: int, line_height: float = LINE_HEIGHT) -> None:
    """Give a row the height its wrapped text needs (Excel does not grow rows written by a program)."""
    ws.row_dimensions[row].height = min(409.0, max(1, lines) * line_height + 4)


# The page each sheet prints on: A4 landscape inside the margins of _print_setup, in points.
PAGE_WIDTH, PAGE_HEIGHT = 841.9 - 2 * 36, 595.3 - 2 * 54
PAGE_SLACK = 0.96  # pages are filled to this share: the programs' own scaling and margins differ a little


def _paginate(ws, widths: list[float], first: int, sections: set[int]) -> None:
    """Break the pages before a dimension's header row when the header and its first question would
    not both fit on the page (no header left alone at a page's foot). Every break is set here, each
    page filled to PAGE_SLACK of what fits after fitting the width, so the program's own breaks,
    which would fall elsewhere, never come first."""
    width_pt = sum(w * 7 + 5 for w in widths) * 0.75   # a column of width w is w*7+5 pixels (Arial 10)
    scale = min(1.0, PAGE_WIDTH / width_pt)
    header = ws.row_dimensions[1].height or 15
    room = PAGE_HEIGHT / scale * PAGE_SLACK - header
    used = 0.0
    for r in range(first, ws.max_row + 1):
        h = ws.row_dimensions[r].height or 15
        need = h + ((ws.row_dimensions[r + 1].height or 15) if r in sections else 0)
        if used and used + need > room:
            ws.row_breaks.append(Break(id=r - 1))
            used = 0.0
        used += h


def _protect(ws) -> None:
    """Lock the structure but let users resize rows and columns to read long questions."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _print_setup(ws, langs, title_rows: str | None, banner: str | None) -> None:
    """A4 landscape, fitted to the page width, header row on every page, title and page numbers."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    if title_rows:
        ws.print_title_rows = title_rows
    version = instrument()["version"]
    head = banner or " / ".join(language.fill(t, version=version) for t in _texts(langs, lambda d: d["title"]))
    ws.oddHeader.center.text = head.replace("&", "&&")
    ws.oddHeader.center.size = 8
    ws.oddHeader.center.font = f"{FONT},Bold" if banner else FONT
    if banner:
        ws.oddHeader.center.color = "C00000"
    ws.oddFooter.center.text = " · ".join(_texts(langs, lambda d: d["footer"]))
    ws.oddFooter.center.size = 8
    ws.oddFooter.center.font = FONT


def _validation(kind: str | None, langs, title: list[str], prompt: list[str], error: list[str] | None = None,
                error_title: list[str] | None = None, **kw) -> DataValidation:
    """A drop-down or range check with its note in every language (Excel: a title of 32
    characters, a note of 255 at most; a two-language title too long keeps the first language)."""
    dv = DataValidation(type=kind, allow_blank=True, showInputMessage=True, showErrorMessage=kind is not None, **kw)
    dv.promptTitle = _short_title(title)
    dv.prompt = "\n".join(prompt)
    if error:
        dv.errorTitle = _short_title(error_title or title)
        dv.error = "\n".join(error)
    for text in (dv.prompt, dv.error or ""):
        if len(text) > 255:
            raise ValueError(f"an Excel note holds at most 255 characters: {text[:40]!r}… has {len(text)}")
    return dv


def _short_title(parts: list[str]) -> str:
    joined = language.LABEL_JOIN.join(parts)
    return joined if len(joined) <= 32 else parts[0]


def _widths(ws, columns) -> dict[str, float]:
    out = {}
    for i, (key, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
        out[key] = width
    return out


def _instructions(ws, inst: dict, langs, names: dict, is_sample: bool) -> None:
    """One block per language, one under the other with a page break between: what the survey is
    for, how to fill it in, the kinds of answer in words and what the nine topics cover."""
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 34, 96
    full = 34 + 96
    used_types = list(dict.fromkeys(q["type"] for q in inst["questions"].values()))
    dims = sorted({q["dimension_id"]: q["dimension_key"] for q in inst["questions"].values()}.items())
    r = 1
    for n, lang in enumerate(langs):
        t = language.texts(lang)
        fills = {"version": inst["version"], "respondent_sheet": names["respondent"],
                 "answers_sheet": names["answers"], "answer_column": t["answer_columns"]["answer"],
                 "comment_column": t["answer_columns"]["comment"]}
        if n:
            ws.row_breaks.append(Break(id=r - 1))

        def line(text, font=_TEXT, height=None, merge=True):
            nonlocal r
            cell = ws.cell(row=r, column=1, value=text)
            cell.font, cell.alignment = font, _TOP_WRAP
            if merge:
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
            size = font.sz or SIZE
            _fit(ws, r, _lines(text, full * SIZE / size, bool(font.b)), LINE_HEIGHT * size / SIZE)
            r += 1

        def table(left, right, header=False):
            nonlocal r
            for c, text in ((1, left), (2, right)):
                cell = ws.cell(row=r, column=c, value=text)
                cell.alignment, cell.border = _TOP_WRAP, _GRID
                cell.font = _HEADER_FONT if header else (_BOLD if c == 1 else _TEXT)
                if header:
                    cell.fill = _HEADER_FILL
            _fit(ws, r, max(_lines(left, 34, bold=True), _lines(right, 96, bold=header)))
            r += 1

        line(language.fill(t["title"], **fills), _TITLE)
        if is_sample:
            line(t["sample_banner"], _SAMPLE)
        ins = t["instructions"]
        r += 1
        line(ins["purpose_heading"], _HEADING)
        line(ins["purpose"])
        r += 1
        line(ins["steps_heading"], _HEADING)
        for i, step in enumerate(ins["steps"], start=1):
            line(f"{i}. " + language.fill(step, **fills))
        r += 1
        line(ins["kinds_heading"], _HEADING)
        table(ins["kind_column"], ins["enter_column"], header=True)
        for qtype in used_types:
            kind = t["answer_kinds"][qtype]
            table(kind["name"], kind["enter"])
        r += 1
        ws.row_breaks.append(Break(id=r - 1))   # the topics on a page of their own: no heading left alone
        line(ins["topics_heading"], _HEADING)
        table(ins["topic_column"], ins["covers_column"], header=True)
        for did, key in dims:
            d = t["dimensions"][key]
            table(f"{did}. {d['name']}", d["description"])
        r += 1
        line(ins["contact"])
        r += 1
    _protect(ws)


def _meta(wb, inst: dict, langs, is_sample: bool) -> dict[str, str]:
    """The hidden sheet: instrument, version, language, SAMPLE flag, and the drop-down lists
    (country names, organisation types and levels in the workbook's languages). Returns the
    defined name of each list."""
    ws = wb.create_sheet(META)
    rows = [("key", "value"), ("instrument", INSTRUMENT), ("version", inst["version"]),
            ("language", language.SEPARATOR.join(langs)), ("sample", "yes" if is_sample else "no"),
            ("written_by", "digigov")]
    for r, (k, v) in enumerate(rows, start=1):
        ws.cell(row=r, column=1, value=k)
        ws.cell(row=r, column=2, value=v)
    lists = {"country_codes": [c for c, _ in countries.choices(langs)],
             "countries": [name for _, name in countries.choices(langs)],
             "organisation_types": [language.label(langs, lambda d, c=c: d["organisation_types"][c])
                                    for c in inst["organisation_types"]],
             "organisation_levels": [language.label(langs, lambda d, c=c: d["organisation_levels"][c])
                                     for c in inst["organisation_levels"]]}
    names = {}
    for key, values in lists.items():
        col = LIST_COLUMNS[key]
        ws.cell(row=1, column=col, value=key)
        for i, v in enumerate(values, start=2):
            ws.cell(row=i, column=col, value=v)
        letter = get_column_letter(col)
        names[key] = f"digigov_{key}"
        wb.defined_names[names[key]] = DefinedName(names[key], attr_text=f"'{META}'!${letter}$2:${letter}${len(values) + 1}")
    wb.defined_names["digigov_survey_version"] = DefinedName("digigov_survey_version", attr_text=f"'{META}'!$B$3")
    ws.sheet_state = "veryHidden"
    _protect(ws)
    return names


def _respondent_value(key: str, value, langs):
    """A pre-filled respondent value as the workbook shows it: a code as its label (a country's
    ISO3 as its name); anything else as given, unchecked (tests build faulty workbooks)."""
    if key == "country" and isinstance(value, str):
        return countries.label(value.strip().upper(), langs) or value
    if key in ("organisation_type", "organisation_level") and isinstance(value, str):
        kind = key + "s"  # organisation_types, organisation_levels
        codes = instrument()[kind]
        if value in codes:
            return language.label(langs, lambda d: d[kind][value])
    return value


def _respondent(wb, title: str, values: dict, langs, lists: dict, is_sample: bool) -> None:
    ws = wb.create_sheet(title)
    widths = _widths(ws, RESPONDENT_COLUMNS)
    ws.column_dimensions["A"].hidden = True
    heads = [[KEY]] + [_texts(langs, lambda d, k=k: d["respondent_columns"][k]) for k, _ in RESPONDENT_COLUMNS[1:]]
    for i, parts in enumerate(heads, start=1):
        c = ws.cell(row=1, column=i, value="\n".join(parts))
        c.font, c.fill, c.alignment = _HEADER_FONT, _HEADER_FILL, Alignment(vertical="center", wrap_text=True)
    _fit(ws, 1, len(langs))
    ws.freeze_panes = "A2"
    lists_dv = {"country": lists["countries"], "organisation_type": lists["organisation_types"],
                "organisation_level": lists["organisation_levels"]}
    date_format = "dd.mm.yyyy" if langs[0] == "ru" else "yyyy-mm-dd"
    for r, key in enumerate(RESPONDENT_FIELDS, start=2):
        field = lambda d, k=key: d["fields"][k]  # noqa: E731
        ws.cell(row=r, column=1, value=key)
        label = ws.cell(row=r, column=2)
        _put_langs(label, [f["label"] for f in _texts(langs, field)], bold=True)
        help_parts = [f["help"] for f in _texts(langs, field)]
        _put_langs(ws.cell(row=r, column=4), help_parts)
        cell = ws.cell(row=r, column=3)
        value = values.get(key)
        if key == "date" and isinstance(value, (dt.date, dt.datetime)):
            cell.value = value
        elif value is not None:
            _put_text(cell, _respondent_value(key, value, langs))
        if key == "date":
            cell.number_format = date_format
        cell.protection, cell.fill, cell.alignment, cell.border = _UNLOCKED, _INPUT_FILL, _TOP_WRAP, _GRID
        cell.font = _TEXT
        titles = [f["label"] for f in _texts(langs, field)]
        prompts = [f["prompt"] for f in _texts(langs, field)]
        if key in lists_dv:
            dv = _validation("list", langs, titles, prompts, formula1=lists_dv[key],
                             error=_texts(langs, lambda d: d["messages"]["pick_from_list"]),
                             error_title=_texts(langs, lambda d: d["messages"]["not_allowed"]))
        else:
            dv = _validation(None, langs, titles, prompts)
        ws.add_data_validation(dv)
        dv.add(cell.coordinate)
        _fit(ws, r, max(_lines(help_parts, widths["help"]), _lines([str(cell.value or "")], widths["value"]),
                        _lines(titles, widths["field"], bold=True)))
    if is_sample:
        r = len(RESPONDENT_FIELDS) + 3
        banner = ws.cell(row=r, column=2, value="\n".join(_texts(langs, lambda d: d["sample_banner"])))
        banner.font, banner.alignment = _SAMPLE, _TOP_WRAP
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=4)
        _fit(ws, r, len(langs), 16)
    _protect(ws)
    _print_setup(ws, langs, "1:1", _banner(langs) if is_sample else None)


def _banner(langs) -> str:
    return " / ".join(_texts(langs, lambda d: d["sample_banner"]))


def _answers(wb, title: str, inst: dict, langs, answers: dict, is_sample: bool) -> None:
    """Section rows per dimension, then one row per question: number, question, how to answer (in
    words), the yellow answer and comment cells. The question id is in hidden column A."""
    ws = wb.create_sheet(title)
    widths = _widths(ws, ANSWER_COLUMNS)
    col = {key: i for i, (key, _) in enumerate(ANSWER_COLUMNS, start=1)}
    ws.column_dimensions["A"].hidden = True
    for key, i in col.items():
        text = QUESTION_ID if key == QUESTION_ID else "\n".join(_texts(langs, lambda d, k=key: d["answer_columns"][k]))
        c = ws.cell(row=1, column=i, value=text)
        c.font, c.fill, c.alignment = _HEADER_FONT, _HEADER_FILL, Alignment(vertical="center", wrap_text=True)
    _fit(ws, 1, len(langs))
    ws.freeze_panes = "C2"
    types = inst["types"]
    not_allowed = _texts(langs, lambda d: d["messages"]["not_allowed"])
    answer_title = _texts(langs, lambda d: d["answer_columns"]["answer"])
    dvs = {}
    for qtype, spec in types.items():
        kind = lambda d, t=qtype: d["answer_kinds"][t]  # noqa: E731
        enter = [k["enter"] for k in _texts(langs, kind)]
        error = [k.get("error") or k["enter"] for k in _texts(langs, kind)]
        common = dict(title=answer_title, prompt=enter, error=error, error_title=not_allowed)
        if "choices" in spec:
            items = [language.choice_label(qtype, str(c), langs) for c in spec["choices"]]
            dvs[qtype] = _validation("list", langs, formula1='"' + ",".join(items) + '"', **common)
        elif qtype == "number":
            dvs[qtype] = _validation("whole", langs, operator="greaterThanOrEqual",
                                     formula1=str(spec.get("min", 0)), **common)
        elif "min" in spec and "max" in spec:
            dvs[qtype] = _validation("decimal", langs, operator="between", formula1=str(spec["min"]),
                                     formula2=str(spec["max"]), **common)
        else:
            dvs[qtype] = _validation(None, langs, answer_title, enter)
    comment_dv = _validation(None, langs, _texts(langs, lambda d: d["answer_columns"]["comment"]),
                             _texts(langs, lambda d: d["messages"]["comment"]))
    for dv in [*dvs.values(), comment_dv]:
        ws.add_data_validation(dv)
    r = 2
    section = None
    sections = set()
    last = get_column_letter(len(ANSWER_COLUMNS))
    for q in inst["questions"].values():
        if q["dimension_id"] != section:
            section = q["dimension_id"]
            heading = [d["dimensions"][q["dimension_key"]]["name"] for d in map(language.texts, langs)]
            cell = ws.cell(row=r, column=col["number"], value=f"{section}. " + language.LABEL_JOIN.join(heading))
            cell.font, cell.alignment = _BOLD, Alignment(vertical="center")
            for c in range(1, len(ANSWER_COLUMNS) + 1):
                ws.cell(row=r, column=c).fill = _SECTION_FILL
            ws.merge_cells(f"{get_column_letter(col['number'])}{r}:{last}{r}")
            _fit(ws, r, 1, LINE_HEIGHT + 4)
            sections.add(r)
            r += 1
        ws.cell(row=r, column=col[QUESTION_ID], value=q["id"])
        number = ws.cell(row=r, column=col["number"], value=q["number"])
        number.font, number.alignment = _BOLD, Alignment(vertical="top")
        question = [q["text"][lang] for lang in langs]
        _put_langs(ws.cell(row=r, column=col["question"]), question)
        how = [language.texts(lang)["answer_kinds"][q["type"]]["enter"] for lang in langs]
        _put_langs(ws.cell(row=r, column=col["how_to_answer"]), how)
        value = answers.get(q["id"])
        a = ws.cell(row=r, column=col["answer"])
        c = ws.cell(row=r, column=col["comment"])
        comment = None
        if isinstance(value, tuple):  # (answer, comment)
            value, comment = value
            if comment is not None:
                _put_text(c, comment)
        if value is not None:
            if "choices" in types[q["type"]] and str(value) in map(str, types[q["type"]]["choices"]):
                value = language.choice_label(q["type"], str(value), langs)
            _put_text(a, value)
        for cell in (a, c):
            cell.protection, cell.fill, cell.alignment, cell.border = _UNLOCKED, _INPUT_FILL, _TOP_WRAP, _GRID
            cell.font = _TEXT
        for cell in ws[r][1:4]:
            cell.border = _GRID
        dvs[q["type"]].add(a.coordinate)
        comment_dv.add(c.coordinate)
        _fit(ws, r, max(_lines(question, widths["question"]), _lines(how, widths["how_to_answer"]),
                        _lines(str(comment or ""), widths["comment"]), _lines(str(value or ""), widths["answer"])))
        r += 1
    if is_sample:
        banner = ws.cell(row=r + 1, column=col["number"], value=_banner(langs))
        banner.font = _SAMPLE
        ws.merge_cells(f"{get_column_letter(col['number'])}{r + 1}:{last}{r + 1}")
    _paginate(ws, [w for k, w in ANSWER_COLUMNS if k != QUESTION_ID], 2, sections)
    _protect(ws)
    _print_setup(ws, langs, "1:1", _banner(langs) if is_sample else None)


def write_template(out, country: str | None = None, *, language_spec: str | None = None,
                   respondent: dict | None = None, answers: dict | None = None, is_sample: bool = False) -> Path:
    """Write the questionnaire workbook a focal point fills in Excel.

    `language_spec`: 'en', 'ru', 'en+ru' … (default: the first two languages of the instrument).
    `country` pre-fills the respondent's country (ISO3); `respondent` ({country, organisation,
    organisation_type, organisation_level, role, date}: codes or text) and `answers`
    ({question_id: answer} or {question_id: (answer, comment)}; coded answers as codes or text)
    pre-fill values as given — unchecked, so tests can build faulty workbooks. Unknown keys and
    an unknown language are a programming error (ValueError)."""
    inst = instrument()
    langs = language.parse(language_spec or language.default_spec())
    respondent = dict(respondent or {})
    answers = dict(answers or {})
    unknown = sorted(set(respondent) - set(RESPONDENT_FIELDS))
    if unknown:
        raise ValueError(f"unknown respondent field(s): {', '.join(unknown)}")
    unknown = sorted(set(answers) - set(inst["questions"]))
    if unknown:
        raise ValueError(f"unknown question id(s): {', '.join(unknown)}")
    if country is not None:
        respondent["country"] = country

    names = {key: language.sheet(langs, key) for key in ("instructions", "respondent", "answers")}
    wb = openpyxl.Workbook()
    # The workbook's default font is what Excel (and LibreOffice) measure column widths in: Arial
    # 10 everywhere, so widths and row heights mean the same on every system (openpyxl has no
    # public setter for it; its font list starts with the default).
    wb._fonts = type(wb._fonts)([Font(name=FONT, size=SIZE, family=2)])
    wb.active.title = names["instructions"]
    _instructions(wb.active, inst, langs, names, is_sample)
    _print_setup(wb.active, langs, None, _banner(langs) if is_sample else None)
    lists = _meta(wb, inst, langs, is_sample)
    _respondent(wb, names["respondent"], respondent, langs, lists, is_sample)
    _answers(wb, names["answers"], inst, langs, answers, is_sample)
    wb.move_sheet(META, offset=len(wb.sheetnames))  # last, after the sheets people use
    wb.active = 0
    titles = [language.fill(t, version=inst["version"]) for t in _texts(langs, lambda d: d["title"])]
    wb.properties.title = " / ".join(titles) + (" — SAMPLE" if is_sample else "")
    wb.properties.subject = INSTRUMENT
    wb.properties.creator = "digigov"
    wb.properties.language = ", ".join(langs)
    wb.properties.keywords = f"digigov survey {inst['version']}" + (" SAMPLE" if is_sample else "")
    wb.security = WorkbookProtection(lockStructure=True)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out

