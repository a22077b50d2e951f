"""Synthetic WDICSV.csv files for the wdi_full benchmark, in several shapes.

The real file: 266 economies (about 217 countries and 49 aggregates) x ~1,500 indicators x 65 year
columns (1960-2024), i.e. about 26 million year-cells, about half of them empty (the early decades
mostly blank, some series empty throughout). Sizes here are counted the same way: year-cells, empty
or not (rows x 65).

Shapes (`SHAPES`):
- fill: `dense` (about 8 % of cells empty, evenly) or `sparse` (about 55 % empty: the 1960s mostly
  empty, the 2010s mostly filled, 4 % of indicators and 6 % of rows empty throughout);
- layout: plain (every field double-quoted, a trailing comma on every line, codes like
  SY00.IND.001.ZS, values as `%.10g` of 1 to 1e9) or `-real`, the quirks of the World Bank's own
  WDICSV.csv: no trailing comma, no BOM, quotes only where a name holds a comma ("Korea, Rep."),
  values from 1e-6 to 1e13 written as the publisher does (`1.234e+12`, `5e-05`, 4 to 15 significant
  digits), indicator codes of 3 to 6 dot-separated parts, some lowercase with underscores
  (per_si_allsi.cov_pop_tot) and some with a digit, underscore, digit (SE.AGE.15_24.ZS).

Every file plants a row fault (unknown country code) every FAULT_EVERY rows, so rejects are exercised
at scale. Files are written line by line from a fixed seed, so a 26M-cell file needs no memory.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from digigov.settings import load_config

YEARS = [str(y) for y in range(1960, 2025)]
# Economies WDI lists that are not UN members (territories, Kosovo, West Bank and Gaza).
NON_MEMBERS = "ABW ASM BMU CHI CUW CYM FRO GIB GRL GUM HKG IMN MAC MAF MNP NCL PRI PSE PYF SXM TCA VGB VIR XKX".split()
FAULT_EVERY = 10_000  # every 10,000th row carries an unknown country code: rejects at scale
HEADER = ["Country Name", "Country Code", "Indicator Name", "Indicator Code", *YEARS]
SHAPES = ["dense", "sparse", "dense-real", "sparse-real"]


@dataclass(frozen=True)
class Shape:
    sparse: bool
    real: bool


def shape(name: str) -> Shape:
    if name not in SHAPES:
        raise SystemExit(f"unknown shape {name!r}: choose from {', '.join(SHAPES)}")
    return Shape(sparse=name.startswith("sparse"), real=name.endswith("-real"))


def economies() -> list[tuple[str, str]]:
    """(name, code): the World Bank aggregates of config/countries.yaml and UN members, 266 in all
    like the real file (so ~18 % of rows are aggregates the source must exclude)."""
    cfg = load_config("countries")
    aggs = list(cfg["wb_aggregates"])
    countries = (sorted(cfg["un_members"]) + NON_MEMBERS)[: 266 - len(aggs)]
    return [(f"Aggregate {c}", c) for c in aggs] + [(f"Country {c}", c) for c in countries]


def fill_share(year_index: int, sparse: bool) -> float:
    """Share of non-empty cells by year (in the rows that are not empty throughout)."""
    if not sparse:
        return 0.92
    return 0.04 + 0.9 * min(1.0, year_index / 55) ** 1.6  # 1960s ~5 %, 2010s ~90 %


def indicators_for(year_cells: int) -> int:
    """How many indicators give about `year_cells` year-cells over 266 economies x 65 years."""
    return max(1, round(year_cells / (266 * len(YEARS))))


def planted_faults(n_indicators: int) -> int:
    return n_indicators * len(economies()) // FAULT_EVERY


def code_of(k: int, real: bool) -> str:
    """Indicator code k: unique; in the real layout of 3 to 6 parts, some lowercase_with_underscores,
    some with a digit, underscore, digit (a code is never a number, whatever its characters)."""
    if not real:
        return f"SY{k // 1000:02d}.IND.{k % 1000:03d}.ZS"
    kind = k % 10
    if kind == 0:
        return f"per_si_allsi.cov_pop_t{k}"  # 2 dotted parts of lowercase words with underscores
    if kind == 1:
        return f"SE.AGE.{15 + k % 10}_24.K{k}"  # digit_underscore_digit
    if kind == 2:
        return f"per_lm_alllm.ben_q{k % 5 + 1}_1.tot_{k}"  # lowercase, digit_underscore_digit
    parts = ["SL", "TLF", "CACT", "FE", "NE", "ZS"][: 3 + k % 4]  # 3 to 6 parts
    return ".".join(parts[:-1]) + f".X{k}"


def name_of(k: int, real: bool) -> str:
    if real and k % 3 == 0:
        return f"GDP, PPP (constant 2021 international $), series {k}"  # a comma: quoted
    return f"Synthetic indicator {k} (% of population)"


def _field(s: str, real: bool) -> str:
    if not real:
        return '"' + s + '"'
    return '"' + s.replace('"', '""') + '"' if ("," in s or '"' in s) else s


def write(path: Path, n_indicators: int, shape_name: str = "sparse-real", seed: int = 1) -> dict:
    """Write the file; return its year-cells, its non-empty cells and how many of those wdi_full
    must load (the cells of countries: not of aggregates, not of the planted faulty rows)."""
    sh = shape(shape_name)
    rng = random.Random(seed)
    econ = economies()
    if sh.real:  # a few names hold a comma, as "Korea, Rep." does
        econ = [(f"{n}, Rep." if j % 20 == 7 else n, c) for j, (n, c) in enumerate(econ)]
    shares = [fill_share(i, sh.sparse) for i in range(len(YEARS))]
    end = "\n" if sh.real else ",\n"
    empty = "" if sh.real else '""'
    filled = loaded = 0
    aggregates = set(load_config("countries")["wb_aggregates"])
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(_field(h, sh.real) for h in HEADER) + end)
        for k in range(n_indicators):
            code, iname = _field(code_of(k, sh.real), sh.real), _field(name_of(k, sh.real), sh.real)
            empty_series = sh.sparse and k % 25 == 24  # 4 % of indicators: no value anywhere
            if sh.real:
                scale = 10.0 ** rng.randint(-6, 13)
                digits = rng.choice((4, 10, 15))
            else:
                scale, digits = 10 ** rng.randint(0, 9), 10
            fmt = f"{{:.{digits}g}}"
            for j, (name, cc) in enumerate(econ):
                if (k * len(econ) + j) % FAULT_EVERY == FAULT_EVERY - 1:
                    name, cc = "Atlantis", "QQQ"  # a planted row fault: an unknown country code
                head = f"{_field(name, sh.real)},{_field(cc, sh.real)},{iname},{code},"
                if empty_series or (sh.sparse and rng.random() < 0.06):
                    fh.write(head + ",".join([empty] * len(YEARS)) + end)
                    continue
                base = rng.random() * scale
                vals = []
                before = filled
                for share in shares:
                    if rng.random() < share:
                        base *= 1 + (rng.random() - 0.45) * 0.1
                        v = fmt.format(base)
                        vals.append(v if sh.real else '"' + v + '"')
                        filled += 1
                    else:
                        vals.append(empty)
                fh.write(head + ",".join(vals) + end)
                if cc not in aggregates and cc != "QQQ":
                    loaded += filled - before
    return {"year_cells": n_indicators * len(econ) * len(YEARS), "filled": filled, "loaded": loaded}
