"""SAMPLE survey workbooks for the seven focus countries, from config/survey_samples.yaml.

Invented demonstration data (every workbook's hidden flag says sample, its organisation contains
"SAMPLE" and each sheet is marked as such), so the survey layer and the readiness matrix can be
shown before real answers arrive. One workbook per organisation, as real answers come; some in
Russian or in both languages, and one corrected workbook that replaces an organisation's first.

    python -m digigov.sources.survey.samples OUTDIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from digigov.settings import load_config
from digigov.sources.survey import language
from digigov.sources.survey.instrument import instrument
from digigov.sources.survey.template import write_template

SUFFIX = "_sample.xlsx"

README = """# Survey sample workbooks — INVENTED SAMPLE DATA

These workbooks (`<ISO3>_<organisation>_sample.xlsx`, for the focus countries ARM AZE GEO KAZ KGZ
TJK UZB) are **invented sample data, not survey results**. No government organisation filled them in.

They exist so the survey layer (`digigov.sources.survey`), the warehouse (survey_responses,
survey_summary, survey_scores) and the readiness matrix can be demonstrated end to end before real
needs-assessment workbooks arrive. Every workbook is flagged as a sample in its hidden `_meta`
sheet, says SAMPLE on every sheet, and its organisation name contains "SAMPLE"; everything loaded
from them carries `is_sample = true` and is labelled as sample data downstream.

One workbook is one organisation's answers, as real answers come: several organisations answer
for Armenia, Kazakhstan and Uzbekistan, and some workbooks are in Russian or in both languages.
`UZB_mitc_first_sample.xlsx` is an organisation's first workbook and `UZB_mitc_sample.xlsx` its
corrected one (a later date): the corrected one replaces the first, which stays in the history
(`survey_responses_all`) but is not counted.

The answers are written to be consistent with the region-level findings of the needs assessment
(config/findings.yaml) — e.g. only one country with medium-term funding, six of seven with a
dedicated coordinating body, training that is mandatory nowhere — but every organisation, answer,
number and text is made up. Which country has medium-term funding (KAZ here) is invented too.

Source of the answers: `config/survey_samples.yaml`. Regenerate with:

    python -m digigov.sources.survey.samples snapshots/survey_samples
"""


def _answers(*layers: dict) -> dict:
    """{question_id: value or (value, comment)}, later layers winning; YAML booleans would be a
    quoting slip, so refuse them."""
    out = {}
    for layer in layers:
        for qid, value in (layer or {}).items():
            if isinstance(value, list):
                value = tuple(value)
            for v in (value if isinstance(value, tuple) else (value,)):
                if isinstance(v, bool):
                    raise ValueError(f"config/survey_samples.yaml: {qid}: quote yes/no (YAML reads them as booleans)")
            out[qid] = value
    return out


def write_samples(out_dir) -> list[Path]:
    """Write <file>_sample.xlsx for every configured organisation, plus README.md; returns the workbooks."""
    cfg = load_config("survey_samples")
    inst = instrument()
    if str(cfg["version"]) != inst["version"]:
        raise ValueError(f"config/survey_samples.yaml answers survey version {cfg['version']}, "
                         f"the instrument is {inst['version']}: update the samples")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for iso3, spec in cfg["countries"].items():
        for org in spec["organisations"]:
            first = language.parse(org["language"])[0]
            respondent = {"organisation": org["organisation"], "organisation_type": org["type"],
                          "organisation_level": org["level"], "role": org.get("role") or cfg["role"],
                          "date": org["date"]}
            answers = _answers(cfg["defaults"], (cfg.get("text_defaults") or {}).get(first), spec.get("answers"),
                               org.get("answers"))
            written.append(write_template(out_dir / f"{org['file']}{SUFFIX}", iso3, language_spec=org["language"],
                                          respondent=respondent, answers=answers, is_sample=True))
    (out_dir / "README.md").write_text(README, encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m digigov.sources.survey.samples OUTDIR", file=sys.stderr)
        return 2
    for p in write_samples(argv[0]):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
