"""On-demand benchmarks (`python -m tests.benchmarks`); not collected by `make test`."""
