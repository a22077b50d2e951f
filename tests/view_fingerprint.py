"""Content fingerprints of a warehouse's public views, to prove a refactor changed no data.

Every public view is read in full, sorted, and hashed row by row; columns that differ between
any two runs by design (run ids, the `runs` and `changes` views, absolute paths) are left out.
Doubles are rounded to 12 significant digits so a change of summation order is not a difference.

    python -m tests.view_fingerprint WAREHOUSE > tests/fixtures/baseline/views.json
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import duckdb

SKIP_VIEWS = {"runs", "changes"}     # history of runs: differs between any two runs by design
SKIP_COLUMNS = {"run_id"}


def _cell(value) -> str:
    if isinstance(value, float):
        return format(value, ".12g")
    return repr(value)


def fingerprints(warehouse: Path) -> dict[str, dict]:
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        views = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'VIEW' ORDER BY 1").fetchall()]
        for view in views:
            if view in SKIP_VIEWS:
                continue
            cols = [r[0] for r in con.execute(f'DESCRIBE "{view}"').fetchall() if r[0] not in SKIP_COLUMNS]
            rows = con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{view}"').fetchall()
            lines = sorted("\x1f".join(_cell(v) for v in row) for row in rows)
            h = hashlib.sha256("\x1e".join(cols).encode())
            for line in lines:
                h.update(line.encode() + b"\n")
            out[view] = {"rows": len(rows), "columns": cols, "sha256": h.hexdigest()}
    return out


if __name__ == "__main__":
    print(json.dumps(fingerprints(Path(sys.argv[1])), indent=1))
