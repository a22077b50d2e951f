"""The arrows the design allows, checked on the code itself (imports read with ast, not grep):

- sources/ depends on nothing of digigov but errors, settings and other sources;
- digigov/ (settings, errors) depends on no layer;
- Prefect is imported in flows/ only;
- every configured source declares one of the typed shapes of sources/base.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from digigov.sources import source_for, source_ids
from digigov.sources.base import BulkSource, InboxSource, TableSource

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["digigov", "sources", "transforms", "warehouse", "flows"]


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def files_of(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer, forbidden", [
    ("sources", ("digigov.transforms", "digigov.warehouse", "digigov.flows")),
    ("digigov", ("digigov.sources", "digigov.transforms", "digigov.warehouse", "digigov.flows")),
    ("transforms", ("digigov.warehouse", "digigov.flows")),
    ("warehouse", ("digigov.flows",)),
])
def test_layers_import_only_what_they_may(layer, forbidden):
    wrong = [f"{path.relative_to(ROOT)} imports {name}" for path in files_of(layer)
             for name in imports_of(path) if name.startswith(forbidden)]
    assert not wrong


def test_prefect_is_imported_in_flows_only():
    wrong = [f"{path.relative_to(ROOT)} imports {name}"
             for layer in LAYERS if layer != "flows" for path in files_of(layer)
             for name in imports_of(path) if name.split(".")[0] in ("prefect", "prefect_dask")]
    assert not wrong


@pytest.mark.parametrize("source_id", source_ids(include_disabled=True))
def test_every_source_declares_a_typed_shape(source_id):
    declared = source_for(source_id)
    assert isinstance(declared, (TableSource, BulkSource, InboxSource))
    assert declared.source_id == source_id
