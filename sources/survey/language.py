"""The survey's words in each language (config/survey/<language>.yaml), checked complete against
the instrument, and shown in a workbook of one or two languages.

A workbook is written in one language ("ru") or two ("en+ru": each text in both, the first
language first). Whatever language it was written in, an answer may be given in any language:
the reader folds every spelling of every language to the stored code.
"""

from __future__ import annotations

import functools
import itertools
import re
import string
from pathlib import Path

from digigov.errors import ConfigError
from digigov.settings import load_config

SEPARATOR = "+"          # "en+ru": two languages in one workbook
LABEL_JOIN = " / "       # a one-line label in two languages: "yes / да"
SHEET_JOIN = " · "       # a sheet name in two languages: "Answers · Ответы"
# Placeholders a text may hold, filled in when the workbook is written.
PLACEHOLDERS = {"version", "respondent_sheet", "answers_sheet", "answer_column", "comment_column"}


def languages() -> list[str]:
    """The languages of the instrument (config/survey.yaml `languages`), the first the default."""
    return list(load_config("survey")["languages"])


def parse(spec: str) -> tuple[str, ...]:
    """'en' → ('en',), 'en+ru' → ('en', 'ru'); ValueError naming the known languages."""
    known = languages()
    parts = tuple(p.strip().lower() for p in str(spec).split(SEPARATOR))
    if not 1 <= len(parts) <= 2 or len(set(parts)) != len(parts) or not set(parts) <= set(known):
        raise ValueError(f"language {spec!r} is not one of {', '.join(specs())}")
    return parts


def specs() -> list[str]:
    """Every language setting a workbook may have: each language alone, and each ordered pair."""
    known = languages()
    return known + [SEPARATOR.join(p) for p in itertools.permutations(known, 2)]


def default_spec() -> str:
    """Two languages when the instrument has them (the first two, in config order), else one."""
    return SEPARATOR.join(languages()[:2])


def texts(lang: str) -> dict:
    """config/survey/<lang>.yaml as read, once the set of every language is known complete."""
    check_complete()
    return load_config(f"survey/{lang}")


def label(langs: tuple[str, ...], pick) -> str:
    """A one-line text in each language: 'Answer / Ответ'."""
    return LABEL_JOIN.join(pick(texts(lang)) for lang in langs)


def sheet(langs: tuple[str, ...], key: str) -> str:
    return SHEET_JOIN.join(texts(lang)["sheets"][key] for lang in langs)


def fold(text) -> str:
    """A spelling compared the way people mean it: case, spacing, 'ё' and curly quotes ignored."""
    text = str(text).replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return " ".join(text.casefold().replace("ё", "е").split())


def fill(text: str, **values) -> str:
    """A text with its {placeholders} filled in."""
    return text.format_map(values)


@functools.cache
def check_complete(config_dir: Path | None = None) -> None:
    """Every language file holds every question, choice, answer kind, dimension, organisation type
    and level, and the same number of steps; placeholders are known; no spelling of a choice means
    two answers. Raises ConfigError naming the file and each gap. `config_dir` replaces config/
    (tests)."""
    survey = load_config("survey", config_dir)
    dims = [spec["key"] for spec in load_config("dimensions", config_dir)["dimensions"].values()]
    qids = [q["id"] for q in survey["questions"]]
    types = survey["answer_types"]
    worded = {t: [c for c in spec["choices"] if not str(c).isdigit()]
              for t, spec in types.items() if spec.get("choices")}
    docs = {lang: load_config(f"survey/{lang}", config_dir) for lang in survey["languages"]}
    steps = {lang: len(doc["instructions"]["steps"]) for lang, doc in docs.items()}
    for lang, doc in docs.items():
        problems = []
        problems += _same_keys("questions", doc["questions"], qids, "question")
        problems += _same_keys("dimensions", doc["dimensions"], dims, "dimension")
        problems += _same_keys("answer_kinds", doc["answer_kinds"], list(types), "answer type")
        problems += _same_keys("organisation_types", doc["organisation_types"], survey["organisation_types"],
                               "organisation type")
        problems += _same_keys("organisation_levels", doc["organisation_levels"], survey["organisation_levels"],
                               "organisation level")
        problems += _same_keys("choices", doc["choices"], [t for t, codes in worded.items() if codes],
                               "answer type with worded choices")
        for qtype, codes in worded.items():
            if codes and qtype in doc["choices"]:
                problems += _same_keys(f"choices.{qtype}", doc["choices"][qtype], codes, "choice")
            if "error" not in doc["answer_kinds"].get(qtype, {"error": 1}):
                problems.append(f"answer_kinds.{qtype}.error: missing (Excel says it when an entry is refused)")
        for qtype, extra in (doc.get("also_accepted") or {}).items():
            if qtype not in worded:
                problems.append(f"also_accepted.{qtype}: not an answer type with worded choices")
            else:
                problems += [f"also_accepted.{qtype}.{c}: not a choice of {qtype}" for c in extra if c not in worded[qtype]]
        if steps[lang] != max(steps.values()):
            problems.append(f"instructions.steps: {steps[lang]} steps, another language has {max(steps.values())}")
        problems += [f"{where}: unknown placeholder {{{name}}} (known: {', '.join(sorted(PLACEHOLDERS))})"
                     for where, name in _placeholders(doc) if name not in PLACEHOLDERS]
        if problems:
            raise ConfigError(f"config/survey/{lang}.yaml", problems)
    clashes = _clashes(docs, worded)
    if clashes:
        raise ConfigError("config/survey/", clashes)


def _same_keys(where: str, got: dict, expected: list[str], what: str) -> list[str]:
    missing = [f"{where}: no text for {what} {k}" for k in expected if k not in got]
    extra = [f"{where}: {k} is not a {what} of the instrument" for k in got if k not in expected]
    return missing + extra


def _placeholders(node, where: str = ""):
    """(key path, placeholder name) of every {name} in the document's texts."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _placeholders(v, f"{where}.{k}" if where else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _placeholders(v, f"{where}[{i}]")
    elif isinstance(node, str):
        for _, name, _, _ in string.Formatter().parse(node):
            if name is not None:
                yield where, name


def _clashes(docs: dict, worded: dict) -> list[str]:
    """Spellings that would mean two different answers (in any language)."""
    out = []
    for qtype, codes in worded.items():
        seen: dict[str, str] = {}
        for lang, doc in docs.items():
            for code in codes:
                spellings = [code, doc["choices"].get(qtype, {}).get(code, code)]
                spellings += ((doc.get("also_accepted") or {}).get(qtype) or {}).get(code) or []
                for s in spellings:
                    other = seen.setdefault(fold(s), code)
                    if other != code:
                        out.append(f"{qtype}: '{s}' ({lang}) would mean both {other} and {code}")
    return out


@functools.cache
def spellings(qtype: str) -> dict[str, str]:
    """{folded spelling: choice code} for a coded answer type: the code itself, its label and the
    other accepted spellings in every language, and every two-language label ('yes / да')."""
    spec = load_config("survey")["answer_types"][qtype]
    codes = [str(c) for c in spec.get("choices") or []]
    out = {fold(c): c for c in codes}
    for code in codes:
        labels = [texts(lang)["choices"].get(qtype, {}).get(code, code) for lang in languages()]
        for lang in languages():
            out.update({fold(s): code for s in ((texts(lang).get("also_accepted") or {}).get(qtype) or {}).get(code) or []})
        for a, b in itertools.permutations(labels, 2):
            out[fold(a + LABEL_JOIN + b)] = code
        out.update({fold(s): code for s in labels})
    return out


def choice_label(qtype: str, code: str, langs: tuple[str, ...]) -> str:
    """How a choice shows in a workbook of `langs` ('да', 'yes / да'); a number as itself."""
    return LABEL_JOIN.join(texts(lang)["choices"].get(qtype, {}).get(code, code) for lang in langs)


def code_for(kind: str, value) -> str | None:
    """The code of an organisation type or level given as its code or its label in any language
    (or a two-language label); None when it is none of them."""
    codes = load_config("survey")[kind]
    folded = fold(value)
    for code in codes:
        labels = [texts(lang)[kind][code] for lang in languages()]
        forms = [code, *labels] + [a + LABEL_JOIN + b for a, b in itertools.permutations(labels, 2)]
        if folded in {fold(f) for f in forms}:
            return code
    return None


_WORD = re.compile(r"\S+")


_CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def wrapped_lines(text: str, width: float, bold: bool = False) -> int:
    """How many lines `text` takes in a wrapped cell `width` characters wide (greedy word wrap,
    like Excel's): what a row's height must hold so that no text is cut. A column `width` holds
    that many digits of the default font (Arial 10); prose is narrower, Cyrillic less so than
    Latin (about 1.27 and 1.08 characters a width unit as LibreOffice renders them: a margin is
    kept below both), bold text wider."""
    per_unit = 1.02 if _CYRILLIC.search(str(text or "")) else 1.2
    capacity = max(4.0, (width - 1) * per_unit * (0.92 if bold else 1.0))
    lines = 0
    for para in str(text or "").split("\n"):
        used, n = 0.0, 1
        for word in _WORD.findall(para):
            need = len(word) + (1 if used else 0)
            if used and used + need > capacity:
                n, used = n + 1 + int(len(word) // capacity), len(word) % capacity
            else:
                used += need
                while used > capacity:
                    n, used = n + 1, used - capacity
        lines += n
    return lines
