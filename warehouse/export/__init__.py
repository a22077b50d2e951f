"""Excel extract of the published warehouse for reports (`digigov export`): see workbook.py."""

from digigov.warehouse.export.workbook import export_workbook

__all__ = ["export_workbook"]
