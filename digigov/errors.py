"""Exceptions whose message is meant for the user: they name the file, row or column at fault."""


class DigigovError(Exception):
    """Base for errors the CLI reports as a one-line message instead of a traceback."""


class SnapshotError(DigigovError):
    """A snapshot is missing, or its bytes no longer match its manifest."""


class SourceFileError(DigigovError):
    """A source file cannot be read as published (encoding, header, truncation): fails that source."""

    def __init__(self, path, problem: str, hint: str = ""):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" + (f" — {hint}" if hint else ""))


class FetchError(DigigovError):
    """A download failed after its retries, or returned something that is not the data."""


class WarehouseError(DigigovError):
    """The warehouse is missing, locked by another writer, or refused a statement."""


class ConfigError(DigigovError):
    """A config file cannot be used as written: the message names the file and each key at fault."""

    def __init__(self, path, problems: list[str]):
        self.path = str(path)
        self.problems = list(problems)
        super().__init__(f"{self.path}: " + "; ".join(self.problems))


class UsageError(DigigovError):
    """A command line the command cannot run (an unknown code, a bad expression): exit code 2,
    nothing done. Raised where the argument is checked, so the message names it."""
