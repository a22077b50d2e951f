"""Where things are in a survey workbook: sheet names, columns and respondent fields.

Declared once and used both by the template writer and by the reader, so the workbook a focal
point receives and the one the pipeline reads back cannot drift apart.
"""

from __future__ import annotations

INSTRUCTIONS, RESPONDENT, ANSWERS, META = "Instructions", "Respondent", "Answers", "_meta"
INSTRUMENT = "digigov needs-assessment survey"  # workbook subject and _meta marker

# Answers sheet: (key, header shown, column width). Columns are found by header when read.
ANSWER_COLUMNS = [
    ("question_id", "Question ID", 12),
    ("dimension", "Dimension", 11),
    ("dimension_name", "Dimension name", 30),
    ("question", "Question", 70),
    ("answer_type", "Answer type", 16),
    ("answer", "Answer", 18),
    ("comment", "Comment", 50),
]
REQUIRED_ANSWER_COLUMNS = ("question_id", "answer", "comment")

# Respondent sheet: (field key, help). Column A holds the key, B the value, C the help.
RESPONDENT_FIELDS = [
    ("country", "ISO3 code of the country you answer for (pick from the list, e.g. KAZ)."),
    ("organisation", "Full name of your organisation."),
    ("role", "Your position or role in the organisation."),
    ("date", "Date you completed the questionnaire (YYYY-MM-DD)."),
    ("sample", "'no' for a real response. 'yes' only for invented demonstration data."),
]
RESPONDENT_HEADERS = ("Field", "Value", "Help")
