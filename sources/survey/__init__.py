"""The needs-assessment survey: Excel workbooks focal points fill in, staged as an inbox source.

One workbook per responding organisation (several may answer for a country), in English, Russian
or both; the questions, answer types and scoring rules come from config/survey.yaml. The package is split by what each part is for:

- `instrument`: the instrument from config, what an answer is stored as and what it scores;
- `language`: its words in each language (config/survey/<language>.yaml), checked complete;
- `countries`: country names in each language, for the country list and reading it back;
- `layout`: columns, respondent fields and the hidden sheet, shared by the writer and the reader;
- `template`: the workbook a focal point fills in (`write_template`);
- `reader`: a filled workbook read back (`read_workbook`, `to_responses`), faults by cell;
- `faults`, `validation`: what can be wrong, and the pandera checks of the answers;
- `ingest`: the inbox folder staged as tables (the `stage` of SOURCE);
- `samples`: the invented SAMPLE workbooks shipped in snapshots/survey_samples.
"""

from __future__ import annotations

import importlib

from digigov.sources.base import InboxSource
from digigov.sources.survey.faults import Fault, SurveyFileError
from digigov.sources.survey.ingest import REJECT_COLUMNS, stage
from digigov.sources.survey.instrument import (MAX_CELL_TEXT, SOURCE_ID, canonical, instrument, known_countries,
                                               organisation_key, score)

# Imported on first use (PEP 562): the reader, the template writer and the answer checks bring
# openpyxl and pandera, which the warehouse build, importing this package for the instrument, and a
# run with an empty inbox never need.
_LAZY = {"FINDING_COLUMNS": "reader", "RESPONSE_COLUMNS": "reader", "read_workbook": "reader",
         "to_responses": "reader", "write_template": "template", "answer_schema": "validation",
         "validate_answers": "validation"}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


__all__ = ["FINDING_COLUMNS", "MAX_CELL_TEXT", "REJECT_COLUMNS", "RESPONSE_COLUMNS", "SOURCE", "SOURCE_ID", "Fault",
           "SurveyFileError", "answer_schema", "canonical", "instrument", "known_countries", "organisation_key",
           "read_workbook", "score", "stage", "to_responses", "validate_answers", "write_template"]

SOURCE = InboxSource(source_id=SOURCE_ID, file_glob="*.xlsx", stage=stage)
