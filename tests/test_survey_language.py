"""The survey's words in English and Russian (config/survey/<language>.yaml): every question,
answer choice, instruction and message translated, the Russian really Russian, Excel's limits on
its notes kept, and a gap or a clash refused with a message naming the file and the key."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from digigov.errors import ConfigError
from digigov.settings import CONFIG_DIR, load_config
from digigov.sources.survey import language
from tests.test_config import edit

LANGS = load_config("survey")["languages"]
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


@pytest.fixture
def config_copy(tmp_path, monkeypatch):
    shutil.copytree(CONFIG_DIR, tmp_path / "config", ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    monkeypatch.chdir(tmp_path)
    load_config.cache_clear()
    language.check_complete.cache_clear()
    yield tmp_path / "config"
    load_config.cache_clear()
    language.check_complete.cache_clear()


def incomplete(config_dir) -> str:
    with pytest.raises(ConfigError) as err:
        language.check_complete(config_dir)
    return str(err.value)


def leaves(node, path=""):
    """(key path, text) of every text of a language file."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from leaves(v, f"{path}[{i}]")
    else:
        yield path, node


def shape(node):
    """The keys of a language file, and the length of its lists, without the texts."""
    if isinstance(node, dict):
        return {k: shape(v) for k, v in node.items()}
    if isinstance(node, list):
        return [shape(v) for v in node] if all(isinstance(v, (dict, list)) for v in node) else len(node)
    return None


def raw(lang):
    return yaml.safe_load((CONFIG_DIR / "survey" / f"{lang}.yaml").read_text(encoding="utf-8"))


def test_the_instrument_has_english_and_russian():
    assert LANGS == ["en", "ru"] and language.default_spec() == "en+ru"
    assert language.specs() == ["en", "ru", "en+ru", "ru+en"]


def test_every_language_holds_every_text_of_the_instrument():
    """No question, choice, instruction or message lacks a translation: the language files have the
    same keys (and as many steps), and cover every question, dimension and choice of the instrument."""
    language.check_complete()
    en = raw("en")
    also = {"also_accepted"}  # other spellings: each language has its own, not translations of each other
    for lang in LANGS[1:]:
        other = raw(lang)
        assert {k: shape(v) for k, v in other.items() if k not in also} == {k: shape(v) for k, v in en.items()
                                                                            if k not in also}
    survey = load_config("survey")
    for lang in LANGS:
        doc = raw(lang)
        assert set(doc["questions"]) == {q["id"] for q in survey["questions"]}
        assert set(doc["dimensions"]) == {d["key"] for d in load_config("dimensions")["dimensions"].values()}
        assert set(doc["answer_kinds"]) == set(survey["answer_types"])
        assert set(doc["choices"]["yes_partial_no"]) == set(survey["answer_types"]["yes_partial_no"]["choices"])
        assert all(isinstance(text, str) and text.strip() for _, text in leaves(doc))


def test_the_russian_texts_are_russian():
    ru = raw("ru")
    # every text with letters has Russian ones (a sign such as "№" has none; country_names names a
    # column of the country table)
    not_russian = [(path, text) for path, text in leaves(ru)
                   if path != "country_names" and re.search(r"[A-Za-z]", text) and not CYRILLIC.search(text)]
    assert not_russian == []
    assert ru["choices"]["yes_partial_no"] == {"yes": "да", "partial": "частично", "no": "нет", "unknown": "не знаю"}
    assert ru["questions"]["NP1"] == "Утверждена ли в стране национальная стратегия цифровой трансформации?"
    # and no English text was left in place of a translation
    en = dict(leaves(raw("en")))
    assert [p for p, t in leaves(ru) if en.get(p) == t and p != "country_names" and CYRILLIC.search(t) is None] == []


@pytest.mark.parametrize("lang, old, new, problem", [
    ("ru", '  ED5: "Оплачивает ли', '  XX5: "Оплачивает ли',
     "config/survey/ru.yaml: questions: no text for question ED5; questions: XX5 is not a question of the instrument"),
    ("ru", '    unknown: "не знаю"\n', "",
     "config/survey/ru.yaml: choices.yes_partial_no: no text for choice unknown"),
    ("en", "  ict_education:\n    name: \"ICT education and training\"", "  ict_educashun:\n    name: \"ICT education and training\"",
     "config/survey/en.yaml: dimensions: no text for dimension ict_education; dimensions: ict_educashun is not a "
     "dimension of the instrument"),
    ("ru", "  local_government: \"Местный орган власти\"\n", "",
     "config/survey/ru.yaml: organisation_types: no text for organisation type local_government"),
    ("ru", '    - "Ответы обрабатываются автоматически.', '    - "{answers_shet}: ответы обрабатываются автоматически.',
     "config/survey/ru.yaml: instructions.steps[4]: unknown placeholder {answers_shet}"),
])
def test_a_missing_translation_is_refused_naming_the_file_and_key(config_copy, lang, old, new, problem):
    edit(config_copy / "survey" / f"{lang}.yaml", old, new)
    assert incomplete(config_copy).startswith(problem)


def test_a_step_missing_in_one_language_is_refused(config_copy):
    edit(config_copy / "survey" / "ru.yaml", '    - "Ответы обрабатываются автоматически. Просим не переименовывать, не добавлять и не '
                                            'удалять листы, строки и столбцы, а также не вводить формулы."\n', "")
    assert "instructions.steps: 5 steps, another language has 6" in incomplete(config_copy)


def test_a_spelling_that_would_mean_two_answers_is_refused(config_copy):
    edit(config_copy / "survey" / "ru.yaml", 'unknown: [неизвестно,', 'unknown: [нет, неизвестно,')
    assert "yes_partial_no: 'нет' (ru) would mean both no and unknown" in incomplete(config_copy)


@pytest.mark.parametrize("old, new, problem", [
    ('    prompt: "Наименование вашей должности."', '    prompt: "' + "очень длинная подсказка " * 6 + '"',
     "fields.role.prompt: String should have at most 120 characters"),
    ('    partial: "частично"', '    partial: "частично, отчасти"', "choices.yes_partial_no.partial: String should match"),
    ('  answers: Ответы', '  answers: "Ответы/Answers"', "sheets.answers: String should match"),
    ('  not_allowed: "Недопустимое значение"', '  not_allowed: "Недопустимое значение: выберите из списка"',
     "messages.not_allowed: String should have at most 32 characters"),
])
def test_excel_limits_are_checked_when_the_file_is_read(config_copy, old, new, problem):
    """What Excel cannot show (a note over 255 characters shared by two languages, a comma inside
    a drop-down item, a '/' in a sheet name, a title over 32) is refused before a workbook is written."""
    edit(config_copy / "survey" / "ru.yaml", old, new)
    with pytest.raises(ConfigError) as err:
        load_config("survey/ru", config_copy)
    assert str(err.value).startswith("config/survey/ru.yaml: ") and problem in str(err.value)


def test_an_unknown_key_in_a_language_file_is_refused(config_copy):
    edit(config_copy / "survey" / "en.yaml", "sample_banner:", "sample_baner:")
    with pytest.raises(ConfigError, match="config/survey/en.yaml: .*sample_banner: required key is missing"):
        load_config("survey/en", config_copy)
