"""The drop guard: a run never loses what the published warehouse has without a person saying so.

A publisher's answer can be empty or short for reasons that are not news (an API fault, a cut
download, a file renamed upstream), and it looks exactly like a withdrawal. So when a source's
new snapshot would remove an indicator the published warehouse has from that source, or drop
more than the configured share of its values (config/guard.yaml), the build keeps the published
rows of that indicator and records why (core.drop_guard, `sources.guard`); `--accept-drops
SOURCE` lets the new snapshot's rows stand. Per indicator and per source: one indicator held
back does not hold back the rest of its source.
"""

from __future__ import annotations

from pathlib import Path

from digigov.errors import ConfigError
from digigov.settings import load_config, load_source_configs
from digigov.warehouse.sqlfiles import columns, run_script, sql

CONFIG = "config/guard.yaml"
KEPT = "kept the published rows"
ACCEPTED = "dropped (--accept-drops)"


def limits() -> tuple[float, dict[str, float]]:
    """(the default largest share of an indicator's values a run may drop, {source_id: its own})."""
    cfg = load_config("guard")
    own = cfg.get("sources") or {}
    unknown = sorted(set(own) - set(load_source_configs()))
    if unknown:
        raise ConfigError(CONFIG, [f"sources.{sid}: unknown source (config/sources/ has no {sid}.yaml)"
                                   for sid in unknown])
    return float(cfg["max_drop_share"]), {sid: float(share) for sid, share in own.items()}


def hold_back_drops(con, previous: Path | None, sources: list[str], accepted: list[str]) -> list[dict]:
    """Compare the staged `sources` with the `previous` warehouse indicator by indicator; keep the
    published rows of each indicator that drops too far, unless its source is `accepted`. Returns
    one record per drop found (kept or accepted), as core.drop_guard holds them."""
    if not previous or not previous.exists() or not sources:
        return []
    default, own = limits()
    found = []
    con.execute("ATTACH ? AS prev (READ_ONLY)", [str(previous)])
    try:
        counts = con.execute(sql("assemble/guard_counts.sql"), {"sources": sources}).fetchall()
        for source_id, indicator_id, published, staged in counts:
            limit = own.get(source_id, default)
            share = (published - staged) / published
            if staged > 0 and share <= limit:
                continue
            ok = source_id in accepted
            record = {"source_id": source_id, "indicator_id": indicator_id, "published_values": published,
                      "staged_values": staged, "drop_share": round(share, 6), "max_share": limit,
                      "decision": ACCEPTED if ok else KEPT,
                      "detail": describe(source_id, indicator_id, published, staged, share, limit, ok)}
            if not ok:
                keep_published(con, source_id, indicator_id,
                               f"{indicator_id}: kept its {published:,} published values, this snapshot has {staged:,}")
            found.append(record)
        if found:
            con.executemany("INSERT INTO core.drop_guard VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [list(r.values()) for r in found])
    finally:
        con.execute("DETACH prev")
    return found


def with_guard(run: dict, guard: list[dict]) -> dict:
    """The run's record with, per source, the indicators whose drop the guard held back or the
    run accepted (its `sources` in `runs`)."""
    if not guard:
        return run
    sources = {sid: dict(v) for sid, v in (run.get("sources") or {}).items()}
    for g in guard:
        key = "drops_held_back" if g["decision"] == KEPT else "drops_accepted"
        sources.setdefault(g["source_id"], {}).setdefault(key, []).append(g["indicator_id"])
    return {**run, "sources": sources}


def describe(source_id: str, indicator_id: str, published: int, staged: int, share: float, limit: float,
             accepted: bool) -> str:
    """The guard's finding in words, for the run's warnings, `sources.guard` and `digigov status`."""
    what = (f"{indicator_id} of {source_id}: this run's snapshot has "
            + (f"none of its {published:,} published values" if staged == 0 else
               f"{staged:,} of its {published:,} published values (a drop of {share:.0%}, "
               f"more than the {limit:.0%} allowed by {CONFIG})"))
    if accepted:
        return f"{what}; dropped, as --accept-drops {source_id} asked"
    return (f"{what}; kept the published rows. If the publisher really withdrew them, run again "
            f"with --accept-drops {source_id}")


def keep_published(con, source_id: str, indicator_id: str, note: str) -> None:
    """Set aside what was staged of the indicator, copy the published rows in, bring along the
    records of the files they come from (marked stale when this snapshot no longer has the file),
    and note the guard's finding on every file involved."""
    run_script(con, "assemble/guard_keep.sql", {"source": source_id, "indicator": indicator_id})
    shared = sorted((columns(con, "core.source_file") & columns(con, "core.source_file", "prev"))
                    - {"stale", "error", "guard"})
    cols = ", ".join(shared)
    con.execute(f"INSERT INTO core.source_file ({cols}, stale) SELECT {cols}, true FROM prev.core.source_file p "
                "WHERE p.source_id = ? AND p.file IN (SELECT file FROM guard_files) "
                "AND NOT EXISTS (SELECT 1 FROM core.source_file f WHERE f.source_id = p.source_id AND f.file = p.file)",
                [source_id])
    con.execute("UPDATE core.source_file SET guard = concat_ws('; ', guard, ?) "
                "WHERE source_id = ? AND file IN (SELECT file FROM guard_files)", [note, source_id])
