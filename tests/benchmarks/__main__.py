"""`python -m tests.benchmarks [--exact] [sizes...]` or `--sizes 1,5` (millions of cells): run the on-demand
benchmarks and print markdown."""

import sys

from tests.benchmarks import bench_wdi_full

if __name__ == "__main__":
    sys.exit(bench_wdi_full.main(sys.argv[1:]))
