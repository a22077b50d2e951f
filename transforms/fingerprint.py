"""The code fingerprint: part of the key of every cache that keeps what staging produced.

A cached entry may only be reused by the code that wrote it. Staging runs digigov's own modules in
digigov/, sources/ and transforms/, reads the YAML in config/, and leans on the libraries that read,
validate and harmonise (pandas, pandera, DuckDB, openpyxl, python-calamine, hdx-python-country …).
sources/ and transforms/ may not import warehouse/ or flows/ (tests/test_architecture.py), so
hashing these packages whole covers everything staging can execute: listing "the files a source
uses" by hand missed some, and hashing them all costs a few milliseconds.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
import re
import sys
from pathlib import Path

STAGING_PACKAGES = ("digigov", "digigov.config", "digigov.snapshots", "digigov.sources", "digigov.transforms")
CODE_SUFFIXES = {".py", ".sql", ".yaml"}
# Not declared by digigov, yet they shape what staging reads: pandas computes with numpy, DuckDB and
# pandas may hand data over through pyarrow, hdx-python-country's tables come with its utilities.
INDIRECT_LIBRARIES = ("numpy", "pyarrow", "hdx-python-utilities")


def package_roots() -> dict[str, Path]:
    """Folder of each package staging runs, wherever and however digigov is installed."""
    return {name: Path(importlib.import_module(name).__file__).resolve().parent for name in STAGING_PACKAGES}


def code_files(roots: dict[str, Path]) -> list[tuple[str, Path]]:
    """(label, path) of every .py, .sql and .yaml file of the packages, sorted by label.

    Labels name the package, so the list is the same for a wheel (sub-packages inside digigov/)
    and an editable install (side by side): `digigov` contributes its own modules only."""
    files = []
    for package, root in roots.items():
        found = root.glob("*") if package == "digigov" else root.rglob("*")
        files += [(f"{package}/{path.relative_to(root).as_posix()}", path)
                  for path in found if path.suffix in CODE_SUFFIXES and path.is_file()]
    return sorted(files)


def library_versions() -> dict[str, str]:
    """Installed version of every library digigov requires (extras aside) and of INDIRECT_LIBRARIES."""
    declared = [re.match(r"[A-Za-z0-9._-]+", req).group(0)
                for req in importlib.metadata.requires("digigov") or [] if "extra ==" not in req]
    versions = {}
    for name in sorted(set(declared) | set(INDIRECT_LIBRARIES)):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def fingerprint(files: list[tuple[str, Path]], versions: dict[str, str]) -> str:
    """Hash of the files' labels and bytes, the library versions and the Python version."""
    h = hashlib.sha256(f"python {sys.version}\0".encode())
    for name, version in sorted(versions.items()):
        h.update(f"{name} {version}\0".encode())
    for label, path in files:
        h.update(label.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """The fingerprint of the code installed now: computed once per process."""
    return fingerprint(code_files(package_roots()), library_versions())
