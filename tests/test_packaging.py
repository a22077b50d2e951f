"""pyproject.toml declares every folder it installs, so `pip install` (and `make run` on a fresh clone)
prints no setuptools warning, and ships every data file the package reads.

setuptools warns once per importable folder it installs without it being listed in `packages`
("Package 'digigov.snapshots.itu' is absent from the `packages` configuration"). Building a wheel
here would need the network for setuptools>=77, so the test reads the same configuration instead.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def installed_folders() -> dict[str, Path]:
    """Every folder under a mapped package that Python could import, by its dotted name."""
    found = {}
    for package, folder in SETUPTOOLS["package-dir"].items():
        found[package] = ROOT / folder
        for path in sorted((ROOT / folder).rglob("*")):
            parts = path.relative_to(ROOT / folder).parts
            if path.is_dir() and all(p.isidentifier() for p in parts) and "__pycache__" not in parts:
                found[".".join((package, *parts))] = path
    return found


def test_every_installed_folder_is_a_declared_package():
    missing = sorted(set(installed_folders()) - set(SETUPTOOLS["packages"]))
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_every_data_file_is_declared_package_data():
    """A file that is not Python is installed only if a package-data pattern of its own folder matches it."""
    patterns = SETUPTOOLS["package-data"]
    left_out = [str(path.relative_to(ROOT))
                for package, folder in installed_folders().items()
                for path in sorted(folder.iterdir())
                if path.is_file() and not path.name.startswith(".") and path.suffix not in (".py", ".pyc")
                and not any(fnmatch.fnmatch(path.name, p) for p in patterns.get(package, []))]
    assert not left_out, f"add to [tool.setuptools.package-data] in pyproject.toml: {left_out}"
