"""Reading a workbook as it prints: LibreOffice renders it to PDF, poppler's pdftotext reads the
words back with their boxes. Shared by the survey template's and the extract's print tests."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

CAN_RENDER = bool(shutil.which("soffice") and shutil.which("pdftotext"))

# Fonts of the same widths as the ones a workbook names. Widths decide where LibreOffice wraps text
# and how far it lets a cell's text run on: the extract is laid out for Calibri, Excel's default.
# Drawn instead with DejaVu Sans (all fontconfig offers where neither Carlito nor Liberation is
# installed), text runs over its neighbours where Excel's would not, and a print test would fail on
# the machine rather than on the workbook.
SAME_WIDTHS = {"Calibri": {"Calibri", "Carlito"}}


def drawn_with(family: str) -> str:
    """The font fontconfig, and so LibreOffice, draws `family` with ("" without fontconfig)."""
    if not shutil.which("fc-match"):
        return ""
    found = subprocess.run(["fc-match", "-f", "%{family}", family], capture_output=True, text=True, check=False)
    return found.stdout.split(",")[0].strip()


def can_render_in(family: str) -> bool:
    """LibreOffice and poppler are installed, and `family` is drawn with a font of its widths."""
    return CAN_RENDER and drawn_with(family) in SAME_WIDTHS[family]


def render(books: list[Path], folder: Path) -> dict[str, Path]:
    """PDFs of the workbooks, by stem; LibreOffice runs with a profile of its own, so it does not
    clash with one already running."""
    profile = folder / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), *map(str, books)], check=True, capture_output=True, timeout=600)
    return {b.stem: folder / f"{b.stem}.pdf" for b in books}


WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def pages(pdf) -> list[list[tuple]]:
    """Per page, (xMin, yMin, xMax, yMax, word) of every word."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [[(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in WORD.findall(p)]
            for p in html.split("<page ")[1:]]


def overlapping(words: list[tuple]) -> list[tuple[str, str]]:
    """Pairs of words drawn over each other (more than half a line high, side by side)."""
    words = sorted(words, key=lambda w: w[1])
    hits = []
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            if b[1] >= a[3]:
                break
            dx = min(a[2], b[2]) - max(a[0], b[0])
            dy = min(a[3], b[3]) - max(a[1], b[1])
            if dx > 0.5 and dy > 0.5 * min(a[3] - a[1], b[3] - b[1]):
                hits.append((a[4], b[4]))
    return hits


def flat_text(pdf) -> str:
    raw = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(raw.split())


