"""The staged-rows cache serves only rows staged by the code running now (transforms/fingerprint.py).

Nothing here edits the checkout: a test that changes code works on a copy of the fingerprinted
files and points the fingerprint at that copy.
"""

from __future__ import annotations

import ast
import importlib.metadata
import shutil
from pathlib import Path

import pytest

from digigov.transforms import fingerprint as fp
from digigov.transforms.stage import code_fingerprint, stage_source

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fresh_fingerprint():
    """The fingerprint is computed once per process: each test computes it afresh, before and after."""
    code_fingerprint.cache_clear()
    yield
    code_fingerprint.cache_clear()


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("DIGIGOV_CACHE", str(cache))
    return cache


@pytest.fixture
def code_copy(tmp_path, monkeypatch) -> Path:
    """A copy of every fingerprinted file, laid out by package, which the fingerprint then reads."""
    root = tmp_path / "code"
    for label, path in fp.code_files(fp.package_roots()):
        (root / label).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, root / label)
    monkeypatch.setattr(fp, "package_roots", lambda: {name: root / name for name in fp.STAGING_PACKAGES})
    return root


def stage(tmp_path, cache) -> dict:
    return stage_source("un_egov", None, tmp_path / "work", cache_dir=cache / "staged")


def test_a_changed_helper_that_a_source_imports_stages_the_source_again(tmp_path, own_cache, code_copy):
    imported = {n.module for n in ast.walk(ast.parse((ROOT / "sources" / "un_egov.py").read_text(encoding="utf-8")))
                if isinstance(n, ast.ImportFrom)}
    assert "digigov.sources.text" in imported  # the premise: un_egov reads its CSV through sources/text.py
    first, again = stage(tmp_path, own_cache), stage(tmp_path, own_cache)
    assert not first["reused"] and again["reused"] and again["dir"] == first["dir"]

    helper = code_copy / "digigov.sources" / "text.py"
    helper.write_text(helper.read_text(encoding="utf-8") + "\n# a changed helper\n", encoding="utf-8")
    code_fingerprint.cache_clear()
    changed = stage(tmp_path, own_cache)
    assert not changed["reused"] and changed["dir"] != first["dir"]


@pytest.mark.parametrize("label", [
    "digigov/settings.py", "digigov/config_models.py", "digigov.config/__init__.py",
    "digigov.config/countries.yaml", "digigov.config/sources/un_egov.yaml", "digigov.snapshots/__init__.py",
    "digigov.sources/snapshots.py", "digigov.sources/text.py", "digigov.sources/survey/reader.py",
    "digigov.transforms/countries.py", "digigov.transforms/validate.py",
])
def test_every_file_staging_runs_or_reads_as_code_changes_the_fingerprint(code_copy, label):
    before = code_fingerprint()
    target = code_copy / label
    target.write_bytes(target.read_bytes() + b"\n# changed\n")
    code_fingerprint.cache_clear()
    assert code_fingerprint() != before


def test_the_fingerprinted_code_imports_no_digigov_module_outside_it():
    """What staging can execute is closed: every digigov module a fingerprinted file imports (lazy
    imports inside functions too) is itself fingerprinted. warehouse/ and flows/ are not."""
    files = fp.code_files(fp.package_roots())
    labels = {label for label, _ in files}
    modules = set()
    for label, path in files:
        if path.suffix == ".py":
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("digigov"):
                    modules.add(node.module)
                elif isinstance(node, ast.Import):
                    modules.update(a.name for a in node.names if a.name.startswith("digigov"))
    assert "digigov.sources.text" in modules and "digigov.settings" in modules  # the walk sees imports

    def fingerprinted(module: str) -> bool:
        package = max((p for p in fp.STAGING_PACKAGES if module == p or module.startswith(p + ".")), key=len,
                      default=None)
        if package is None:
            return False
        rest = module[len(package) + 1:].replace(".", "/")
        return module == package or f"{package}/{rest}.py" in labels or f"{package}/{rest}/__init__.py" in labels

    assert [m for m in sorted(modules) if not fingerprinted(m)] == []
    assert not any(label.startswith(("digigov.flows", "digigov.warehouse")) for label in labels)


def test_a_wheel_and_an_editable_install_fingerprint_the_same_files(tmp_path):
    """A wheel puts the sub-packages inside digigov/; an editable install leaves them side by side.
    Either way the same files, under the same labels; the wheel's digigov/flows is not among them."""
    editable = fp.code_files(fp.package_roots())
    wheel = tmp_path / "site-packages" / "digigov"
    for label, path in editable:
        package, _, rest = label.partition("/")
        target = wheel / package.removeprefix("digigov").lstrip(".").replace(".", "/") / rest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    (wheel / "flows").mkdir()
    (wheel / "flows" / "cli.py").write_text("# not run by staging\n", encoding="utf-8")
    roots = {name: wheel / name.removeprefix("digigov").lstrip(".").replace(".", "/") for name in fp.STAGING_PACKAGES}
    from_wheel = fp.code_files(roots)
    assert [label for label, _ in from_wheel] == [label for label, _ in editable]
    assert fp.fingerprint(from_wheel, {}) == fp.fingerprint(editable, {})


@pytest.mark.parametrize("library", ["pandas", "pandera", "duckdb", "openpyxl", "python-calamine",
                                     "hdx-python-country", "pydantic", "pyyaml", "numpy", "pyarrow"])
def test_another_version_of_a_library_that_reads_or_validates_changes_the_fingerprint(monkeypatch, library):
    before = code_fingerprint()
    real = importlib.metadata.version

    def version(name):
        return "0.0.test" if name == library else real(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    code_fingerprint.cache_clear()
    assert code_fingerprint() != before


def test_a_library_update_stages_the_source_again(tmp_path, own_cache, monkeypatch):
    first = stage(tmp_path, own_cache)
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "99.0" if name == "pandera" else real(name))
    code_fingerprint.cache_clear()
    after_update = stage(tmp_path, own_cache)
    assert not first["reused"] and not after_update["reused"] and after_update["dir"] != first["dir"]


def test_the_country_facts_cache_is_keyed_by_the_code_fingerprint_too(own_cache, code_copy):
    """transforms/countries.py keeps each country's facts between runs: another version of the
    module that computes them must not be served the old facts."""
    from digigov.transforms.countries import country_infos

    country_infos(["KAZ"])
    module = code_copy / "digigov.transforms" / "countries.py"
    module.write_bytes(module.read_bytes() + b"\n# changed\n")
    code_fingerprint.cache_clear()
    country_infos(["KAZ"])
    assert len(list((own_cache / "countries").glob("*.json"))) == 2
