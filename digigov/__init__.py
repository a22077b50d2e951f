"""digigov: digital-government evidence pipeline (UN E-Government Survey, World Bank, surveys)."""

__version__ = "0.3.0"
