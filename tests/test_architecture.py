"""The arrows the design allows, checked on the code itself (imports read with ast, not grep):

- sources/ depends on nothing of digigov but errors, settings and other sources;
- digigov/ (settings, errors) depends on no layer;
- Prefect is imported in flows/ only;
- every configured source declares one of the typed shapes of sources/base.py;
- every table source marks the columns its observations come from (VALUE_COLUMN).
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


TABLE_SOURCES = [s for s in source_ids(include_disabled=True) if isinstance(source_for(s), TableSource)]


@pytest.mark.parametrize("source_id", TABLE_SOURCES)
def test_a_table_source_marks_exactly_the_columns_its_observations_come_from(source_id):
    """The row schema's VALUE_COLUMN metadata (sources/base.py) decides whether a bad cell costs
    the cell or the row. On a real snapshot file: with every marked column blanked, no observation
    is left (no value comes from an unmarked column); as published, observations come out."""
    from digigov.settings import EMBEDDED_SNAPSHOTS
    from digigov.transforms.context import context_for
    from digigov.transforms.validate import value_columns_of, split_valid

    source, ctx = source_for(source_id), context_for(source_id)
    folder = EMBEDDED_SNAPSHOTS / (ctx.config.get("snapshot_dir") or source_id)
    path = sorted(folder.glob(source.file_glob), key=lambda p: p.stat().st_size)[0]
    raw = source.read(path, ctx)
    schema = source.row_schema(path, ctx)
    marked = sorted({c for cols in value_columns_of(schema, raw).values() for c in cols})
    assert marked, f"{source_id}: no column of {path.name} is marked VALUE_COLUMN"
    clean, _ = split_valid(raw, schema, path)
    assert not source.to_observations(clean, ctx).observations.empty
    blanked, _ = split_valid(raw.assign(**{c: None for c in marked}).astype({c: object for c in marked}),
                             schema, path)
    assert source.to_observations(blanked, ctx).observations.empty
