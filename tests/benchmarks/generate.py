"""Synthetic WDICSV.csv files in the real bulk layout, for the wdi_full benchmark.

The real file: every field double-quoted, a trailing comma on every line, 266 economies (about
217 countries and 49 aggregates) x ~1,500 indicators x 65 year columns, about 60 % of cells empty (old
years mostly blank), values with up to 10 significant digits. The generator reproduces that shape
from a fixed seed, streaming line by line so a 15M-observation file needs no memory, and plants a
row fault (unknown country code) every FAULT_EVERY rows so rejects are exercised at scale.
"""

from __future__ import annotations

import random
from pathlib import Path

from digigov.settings import load_config

YEARS = [str(y) for y in range(1960, 2025)]
# Economies WDI lists that are not UN members (territories, Kosovo, West Bank and Gaza).
NON_MEMBERS = "ABW ASM BMU CHI CUW CYM FRO GIB GRL GUM HKG IMN MAC MAF MNP NCL PRI PSE PYF SXM TCA VGB VIR XKX".split()
FAULT_EVERY = 10_000  # every 10,000th row carries an unknown country code: rejects at scale
HEADER = ["Country Name", "Country Code", "Indicator Name", "Indicator Code", *YEARS]


def economies() -> list[tuple[str, str]]:
    """(name, code): the World Bank aggregates of config/countries.yaml and UN members, 266 in all
    like the real file (so ~18 % of rows are aggregates the source must exclude)."""
    cfg = load_config("countries")
    aggs = list(cfg["wb_aggregates"])
    countries = (sorted(cfg["un_members"]) + NON_MEMBERS)[: 266 - len(aggs)]
    return [(f"Aggregate {c}", c) for c in aggs] + [(f"Country {c}", c) for c in countries]


def fill_share(year_index: int) -> float:
    """Share of non-empty cells by year: sparse in the 1960s, dense from the 2000s (as in WDI)."""
    return 0.15 + 0.7 * min(1.0, year_index / 45)


def cells_per_row() -> float:
    return sum(fill_share(i) for i in range(len(YEARS)))


def indicators_for(observations: int) -> int:
    """How many indicators give about `observations` non-empty cells over 266 economies."""
    return max(1, round(observations / (266 * cells_per_row())))


def planted_faults(n_indicators: int) -> int:
    return n_indicators * len(economies()) // FAULT_EVERY


def write(path: Path, n_indicators: int, seed: int = 1) -> int:
    """Write the file; return the number of non-empty cells (all of them, aggregates included)."""
    rng = random.Random(seed)
    econ = economies()
    shares = [fill_share(i) for i in range(len(YEARS))]
    count = 0
    q = lambda s: '"' + s + '"'  # noqa: E731 - every field quoted, like the publisher
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(q(h) for h in HEADER) + ",\n")
        for k in range(n_indicators):
            code = f"SY{k // 1000:02d}.IND.{k % 1000:03d}.ZS"
            iname = f"Synthetic indicator {k} (% of population)"
            scale = 10 ** rng.randint(0, 9)
            for j, (name, cc) in enumerate(econ):
                if (k * len(econ) + j) % FAULT_EVERY == FAULT_EVERY - 1:
                    name, cc = "Atlantis", "QQQ"  # a planted row fault: an unknown country code
                base = rng.random() * scale
                vals = []
                for share in shares:
                    if rng.random() < share:
                        base *= 1 + (rng.random() - 0.45) * 0.1
                        vals.append(q(f"{base:.10g}"))
                        count += 1
                    else:
                        vals.append('""')
                fh.write(f'{q(name)},{q(cc)},{q(iname)},{q(code)},' + ",".join(vals) + ",\n")
    return count
