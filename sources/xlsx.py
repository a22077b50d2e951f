"""Excel helpers shared by the World Bank workbook sources (python-calamine, no openpyxl).

Reading every cell once with calamine keeps the Excel row numbers (for rejects) and is several
times faster than openpyxl on the 3 MB WGI workbook.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import python_calamine

from digigov.errors import FetchError, SourceFileError

XLSX_MAGIC = b"PK\x03\x04"  # an xlsx workbook is a zip archive


def fetch_xlsx(cfg: dict, base_url: str, session=None) -> dict[str, bytes]:
    """Download every configured file; refuse a body that is not a workbook holding the sheet.

    World Bank download links answer with an HTML page (200) when a file moves, so the zip
    signature and the configured sheet are checked before anything is stored."""
    from digigov.sources.http import get_bytes  # requests: imported to fetch, not to stage

    payloads = {}
    for name in cfg["files"]:
        data = get_bytes(f"{base_url.rstrip('/')}/{name}", session=session)
        if not data.startswith(XLSX_MAGIC):
            raise FetchError(f"{name}: the server answered, but not with an xlsx workbook "
                             f"(body starts {data[:60]!r}); not stored")
        try:
            sheets = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names
        except Exception as exc:  # calamine raises several error types for broken archives
            raise FetchError(f"{name}: not a readable xlsx workbook ({type(exc).__name__}: {exc}); not stored") from None
        if cfg["sheet"] not in sheets:
            raise FetchError(f"{name}: workbook has no sheet {cfg['sheet']!r} (sheets: {sheets}); not stored")
        payloads[name] = data
    return payloads


def _text(value) -> str | None:
    """A cell as the string a user sees: whole numbers without '.0', floats at full precision."""
    if isinstance(value, str):
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _blank(row: list) -> bool:
    """An empty row (calamine gives '' for an empty cell); list.count keeps this fast."""
    return row.count("") + row.count(None) == len(row)


@functools.lru_cache(maxsize=4)
def _cells(path: str, size: int, mtime_ns: int, sheet: str) -> list[list]:
    """Every cell of one sheet from A1 (so list index + 1 is the Excel row number).

    Cached on size and mtime: release_of() and read() both need the sheet, and the WGI
    workbook takes about half a second to parse."""
    try:
        book = python_calamine.CalamineWorkbook.from_path(path)
    except python_calamine.CalamineError as exc:
        raise SourceFileError(path, f"not a readable xlsx workbook ({type(exc).__name__}: {exc})",
                              "the file looks truncated or is not an Excel file; re-download it") from None
    try:
        return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except python_calamine.WorksheetNotFound:
        raise SourceFileError(path, f"no sheet {sheet!r} (sheets in the file: {book.sheet_names})",
                              f"the publisher's layout has its data in sheet {sheet!r}") from None
    except python_calamine.CalamineError as exc:
        raise SourceFileError(path, f"sheet {sheet!r} cannot be read ({exc})") from None


def read_sheet(path: Path, sheet: str, columns: list[str], keep: list[str] | None = None,
               missing_markers=()) -> pd.DataFrame:
    """One sheet as published: strings (blanks and `missing_markers` as missing), _file, _row.

    The header is the first non-empty row and must hold every name in `columns` (any order,
    extra columns allowed); only `keep` (default: `columns`) are converted, which keeps the
    32,100-row WGI sheet fast. Fully empty rows are skipped. Raises SourceFileError naming the
    file, the sheet and the missing column."""
    path = Path(path)
    stat = path.stat()
    rows = _cells(str(path), stat.st_size, stat.st_mtime_ns, sheet)
    start = next((i for i, r in enumerate(rows) if not _blank(r)), None)
    if start is None:
        raise SourceFileError(path, f"sheet {sheet!r} is empty", "re-download the file")
    header = [_text(v) or "" for v in rows[start]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise SourceFileError(path, f"sheet {sheet!r}: missing column " + ", ".join(repr(c) for c in missing),
                              f"row {start + 1} should be the header {columns!r}; found {header!r}")
    keep = list(keep or columns)
    where = [header.index(c) for c in keep]
    markers = set(missing_markers)
    body = [(i + 1, r) for i, r in enumerate(rows[start + 1:], start=start + 1) if not _blank(r)]
    data = {}
    for name, j in zip(keep, where):
        cells = [r[j] if j < len(r) else None for _, r in body]
        # Columns repeat a few values (codes, years): convert each distinct cell once.
        as_text = {v: _text(v) for v in set(cells)}
        as_text.update({v: None for v, t in as_text.items() if t in markers})
        data[name] = [as_text[v] for v in cells]
    df = pd.DataFrame(data, columns=keep, dtype=object)
    df["_file"] = str(path)
    df["_row"] = [n for n, _ in body]
    return df


def xlsx_modified(path: Path) -> str | None:
    """The workbook's own last-saved date (docProps/core.xml dcterms:modified), if it has one."""
    try:
        with zipfile.ZipFile(path) as zf:
            core = zf.read("docProps/core.xml").decode("utf-8", errors="replace")
    except (KeyError, zipfile.BadZipFile, OSError):
        return None
    match = re.search(r"<dcterms:modified[^>]*>(\d{4}-\d{2}-\d{2})", core)
    return match.group(1) if match else None
