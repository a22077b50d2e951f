"""The readiness method as one typed object, read from config/readiness.yaml and the concepts of
config/dimensions.yaml, so the computation, the method sheet and the README describe one thing."""

from __future__ import annotations

from dataclasses import dataclass, field

from digigov.errors import ConfigError
from digigov.settings import CONFIG_DIR, load_config


@dataclass(frozen=True)
class Goalpost:
    indicator_id: str
    low: float
    high: float | None          # None: computed by `high_rule` from the reference population
    percentile: float | None    # the high_rule's percentile
    transform: str | None
    basis: str


@dataclass(frozen=True)
class Concept:
    """One thing measured, counted once in its dimension: the first of `series` with a value wins."""
    dimension_id: int
    key: str
    series: tuple[str, ...]
    reason: str
    weight: float = 1.0


@dataclass(frozen=True)
class Uncertainty:
    draws: int
    seed: int
    weight_noise: float
    normalisations: tuple[str, ...]
    aggregations: tuple[str, ...]
    leave_one_out: bool
    geometric_floor: float


@dataclass(frozen=True)
class Method:
    reference_years: tuple[int, ...]
    window_years: int
    w_evidence: float
    w_survey: float
    min_share: float
    medium_from: float
    high_from: float
    priority_gaps: int
    goalposts: dict[str, Goalpost]
    concepts: tuple[Concept, ...]
    dimensions: tuple[int, ...]
    uncertainty: Uncertainty
    direction: dict[str, bool] = field(default_factory=dict)  # indicator id -> higher is better

    def window(self, ref_year: int) -> tuple[int, int]:
        """The first and last year whose values count for a reference year."""
        return ref_year - self.window_years + 1, ref_year

    def concepts_of(self, dimension_id: int) -> list[Concept]:
        return [c for c in self.concepts if c.dimension_id == dimension_id]

    def level(self, score: float | None) -> str | None:
        if score is None or score != score:
            return None
        return "high" if score >= self.high_from else "medium" if score >= self.medium_from else "low"


def load_method(direction: dict[str, bool] | None = None) -> Method:
    """Read the method from config. Every series a concept names needs goalposts: a series without
    them is a config error naming it (caught before any number is computed)."""
    cfg, dims = load_config("readiness"), load_config("dimensions")["dimensions"]
    concepts = tuple(Concept(int(did), key, tuple(c["series"]), c["reason"], float(c.get("weight", 1.0)))
                     for did, spec in sorted(dims.items(), key=lambda kv: int(kv[0]))
                     for key, c in (spec.get("concepts") or {}).items())
    goalposts = {ind: Goalpost(ind, float(g["low"]), None if g.get("high") is None else float(g["high"]),
                               (g.get("high_rule") or {}).get("percentile"), g.get("transform"), g["basis"])
                 for ind, g in (cfg.get("goalposts") or {}).items()}
    lacking = sorted({s for c in concepts for s in c.series} - set(goalposts))
    if lacking:
        raise ConfigError(CONFIG_DIR / "readiness.yaml",
                          [f"goalposts: no goalposts for {s}, which config/dimensions.yaml maps" for s in lacking])
    u = cfg["uncertainty"]
    return Method(
        reference_years=tuple(int(y) for y in cfg["reference_years"]), window_years=int(cfg["window_years"]),
        w_evidence=float(cfg["weights"]["evidence"]), w_survey=float(cfg["weights"]["survey"]),
        min_share=float(cfg["coverage"]["min_share"]), medium_from=float(cfg["levels"]["medium_from"]),
        high_from=float(cfg["levels"]["high_from"]), priority_gaps=int(cfg["priority_gaps"]),
        goalposts=goalposts, concepts=concepts, dimensions=tuple(sorted(int(d) for d in dims)),
        uncertainty=Uncertainty(int(u["draws"]), int(u["seed"]), float(u["weight_noise"]),
                                tuple(u["normalisations"]), tuple(u["aggregations"]), bool(u["leave_one_out"]),
                                float(u["geometric_floor"])),
        direction=dict(direction or {}))
