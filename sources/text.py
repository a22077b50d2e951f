"""Text files as published: the checks every CSV source makes before parsing a byte."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from digigov.errors import SourceFileError


def decode_text(path: Path, data: bytes, *, encoding_hint: str, require_final_newline: bool = True) -> str:
    """The file's text (a UTF-8 BOM dropped), or SourceFileError for an empty file, bytes that are
    not UTF-8 (with offset and line), or, when the publisher always ends the file with a newline,
    a last line cut off by an interrupted download."""
    if not data.strip():
        raise SourceFileError(path, "file is empty", "re-download it or remove it from the snapshot")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SourceFileError(path, f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} (line {line})",
                              encoding_hint) from None
    if require_final_newline and not text.endswith(("\n", "\r")):
        raise SourceFileError(path, "last line is not terminated: the file looks truncated", "re-download it")
    return text


def csv_records(path: Path, *, encoding_hint: str) -> list[list[str]]:
    """Every record of a CSV file as published (after decode_text's checks); a file the csv
    module cannot parse is a SourceFileError naming it."""
    text = decode_text(path, Path(path).read_bytes(), encoding_hint=encoding_hint)
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise SourceFileError(path, f"not a readable CSV ({exc})") from None


def records_frame(records: list[list[str]], header: list[str], path: Path):
    """The data records after the header as a frame of strings, the way the row rules need it:
    blanks as missing, a short or long line padded or cut to the header's width (and flagged by
    `_fields`, so the row is quarantined rather than lost), with _file and _row (the line number)."""
    import pandas as pd

    width = len(header)
    rows = []
    for lineno, rec in enumerate(records[1:], start=2):
        if not rec:
            continue
        fields = [f.strip() or None for f in rec]
        fields = (fields + [None] * width)[:width]
        rows.append(fields + [str(path), lineno, len(rec)])
    df = pd.DataFrame(rows, columns=header + ["_file", "_row", "_fields"])
    return df.astype({c: "object" for c in header})
