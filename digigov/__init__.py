"""digigov: digital-government evidence pipeline (UN E-Government Survey, World Bank, surveys)."""

__version__ = "0.2.0"
