"""Where things are in a survey workbook: columns, respondent fields and the hidden `_meta` sheet.

Declared once and used both by the template writer and by the reader, so the workbook a focal
point receives and the one the pipeline reads back cannot drift apart. What the respondent reads
(sheet names, headers, labels) is in the language files; the machine keys below are in hidden
columns and the hidden `_meta` sheet, so no internal code is shown to a respondent.
"""

from __future__ import annotations

META = "_meta"  # very hidden: instrument, version, language, sample flag and the drop-down lists
INSTRUMENT = "digigov needs-assessment survey"  # workbook subject and _meta marker

# Answers sheet: (key, width). The header of a shown column is its label in the workbook's
# language(s) (answer_columns in config/survey/<language>.yaml); question_id is hidden and keeps
# its key as header. Columns are found by header when read.
QUESTION_ID = "question_id"
ANSWER_COLUMNS = [(QUESTION_ID, 9), ("number", 6), ("question", 60), ("how_to_answer", 26),
                  ("answer", 20), ("comment", 44)]
REQUIRED_ANSWER_COLUMNS = (QUESTION_ID, "answer", "comment")

# Respondent sheet: column A (hidden) holds each field's key, B its label, C the value, D help.
KEY = "key"
RESPONDENT_COLUMNS = [(KEY, 9), ("field", 26), ("value", 46), ("help", 64)]
RESPONDENT_FIELDS = ["country", "organisation", "organisation_type", "organisation_level", "role", "date"]
REQUIRED_FIELDS = ("country", "organisation", "organisation_type", "organisation_level", "date")

# _meta: key / value pairs in A:B, the drop-down lists from column D on.
META_KEYS = ("instrument", "version", "language", "sample", "written_by")
LIST_COLUMNS = {"country_codes": 4, "countries": 5, "organisation_types": 6, "organisation_levels": 7}
