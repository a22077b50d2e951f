"""Readiness per country, dimension and reference year: goalposts, coverage, uncertainty.

Pure functions on frames (no warehouse, no Prefect): warehouse/build.py reads the inputs with
warehouse/sql/readiness/inputs.sql, calls `compute` and stores what it returns.
"""

from digigov.transforms.readiness.matrix import Readiness, compute
from digigov.transforms.readiness.method import Method, load_method

__all__ = ["Readiness", "compute", "Method", "load_method"]
