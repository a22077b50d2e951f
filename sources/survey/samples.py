"""SAMPLE survey workbooks for the seven focus countries, from config/survey_samples.yaml.

Invented demonstration data (every workbook says `sample = yes` and its organisation contains
"SAMPLE"), so the survey layer and the readiness matrix can be shown before real answers arrive.

    python -m digigov.sources.survey.samples OUTDIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from digigov.settings import load_config
from digigov.sources.survey.instrument import instrument
from digigov.sources.survey.template import write_template

README = """# Survey sample workbooks — INVENTED SAMPLE DATA

These seven workbooks (`<ISO3>_sample.xlsx`, one per focus country: ARM AZE GEO KAZ KGZ TJK UZB)
are **invented sample data, not survey results**. No government organisation filled them in.

They exist so the survey layer (`digigov.sources.survey`), the warehouse and the readiness matrix
can be demonstrated end to end before real needs-assessment workbooks arrive. Every workbook says
`sample = yes` on its Respondent sheet and its organisation name contains "SAMPLE"; everything
loaded from them carries `is_sample = true` and is labelled as sample data downstream.

The answers are written to be consistent with the region-level findings of the needs assessment
(config/findings.yaml) — e.g. only one country with medium-term funding, six of seven with a
dedicated coordinating body, training that is mandatory nowhere — but every country-level answer,
number and text is made up. Which country has medium-term funding (KAZ here) is invented too.

Source of the answers: `config/survey_samples.yaml`. Regenerate with:

    python -m digigov.sources.survey.samples snapshots/survey_samples
"""


def _answers(defaults: dict, overrides: dict) -> dict:
    """{question_id: value or (value, comment)}; YAML booleans would be a quoting slip, so refuse them."""
    out = {}
    for qid, value in {**defaults, **(overrides or {})}.items():
        if isinstance(value, list):
            value = tuple(value)
        for v in (value if isinstance(value, tuple) else (value,)):
            if isinstance(v, bool):
                raise ValueError(f"config/survey_samples.yaml: {qid}: quote yes/no (YAML reads them as booleans)")
        out[qid] = value
    return out


def write_samples(out_dir) -> list[Path]:
    """Write <ISO3>_sample.xlsx for every configured country, plus README.md; returns the workbooks."""
    cfg = load_config("survey_samples")
    if str(cfg["version"]) != instrument()["version"]:
        raise ValueError(f"config/survey_samples.yaml answers survey version {cfg['version']}, "
                         f"the instrument is {instrument()['version']}: update the samples")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for iso3, spec in cfg["countries"].items():
        respondent = {"organisation": f"SAMPLE respondent — {spec['name']}'s digital ministry (invented data)",
                      "role": cfg["role"], "date": cfg["date"], "sample": "yes"}
        written.append(write_template(out_dir / f"{iso3}_sample.xlsx", iso3, respondent=respondent,
                                      answers=_answers(cfg["defaults"], spec.get("answers")), is_sample=True))
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
