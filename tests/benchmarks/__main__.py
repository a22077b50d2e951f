"""On-demand benchmarks, printed as markdown:

    python -m tests.benchmarks [--sizes 1,5,15,26] [--shapes ...] [--repeat 3] [--exact]
                                                         the whole WDI bulk file (millions of year-cells)
    python -m tests.benchmarks run [--repeat N]          a default run on the embedded snapshots
    python -m tests.benchmarks readiness [--repeat N]    the readiness step with 0 to 4,000 draws
"""

import sys

from tests.benchmarks import bench_readiness, bench_run, bench_wdi_full

if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["run"]:
        sys.exit(bench_run.main(args[1:]))
    if args[:1] == ["readiness"]:
        sys.exit(bench_readiness.main(args[1:]))
    sys.exit(bench_wdi_full.main(args))
