"""What goes wrong in a survey workbook, said so the focal point can find and fix it in Excel."""

from __future__ import annotations

from dataclasses import dataclass, field

from digigov.errors import DigigovError


@dataclass(frozen=True)
class Fault:
    """One problem in a workbook, located the way a user finds it in Excel."""
    file: str
    sheet: str
    cell: str | None
    problem: str
    record: dict | None = field(default=None, compare=False)

    def __str__(self) -> str:
        where = f"sheet '{self.sheet}'" + (f" cell {self.cell}" if self.cell else "")
        return f"{self.file}: {where}: {self.problem}"


class SurveyFileError(DigigovError):
    """A survey workbook that cannot be loaded; `faults` lists every problem found."""

    def __init__(self, path, faults: list[Fault], is_sample: bool = False):
        self.path = str(path)
        self.faults = list(faults)
        self.is_sample = is_sample
        super().__init__("; ".join(str(f) for f in self.faults))

