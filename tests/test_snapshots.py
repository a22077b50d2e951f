import json

import pytest

from digigov.errors import SnapshotError
from digigov.settings import EMBEDDED_SNAPSHOTS
from digigov.sources.snapshots import MANIFEST, locate, sha256_of, store, verify

PATTERN = "EGOV_DATA_*.csv"


def test_embedded_snapshot_matches_its_manifest():
    files, warnings = verify(EMBEDDED_SNAPSHOTS / "un_egov", PATTERN, {})
    assert [f.name for f in files] == [f"EGOV_DATA_{y}.csv" for y in
                                       (2003, 2004, 2005, 2008, 2010, 2012, 2014, 2016, 2018, 2020, 2022, 2024)]
    assert warnings == []
    for f in files:
        assert f.meta["publisher"].startswith("UN DESA")
        for key in ("title", "url", "licence", "retrieved_at", "sha256", "size"):
            assert f.meta[key], key
        assert f.sha256 == sha256_of(f.path.read_bytes())


def test_changed_bytes_are_refused(snapshot_copy):
    target = snapshot_copy / "un_egov" / "EGOV_DATA_2020.csv"
    target.write_bytes(target.read_bytes().replace(b"0.71360", b"0.91360"))
    with pytest.raises(SnapshotError, match=r"EGOV_DATA_2020\.csv: bytes do not match the manifest"):
        verify(snapshot_copy / "un_egov", PATTERN, {})


def test_missing_recorded_file_is_refused(snapshot_copy):
    (snapshot_copy / "un_egov" / "EGOV_DATA_2010.csv").unlink()
    with pytest.raises(SnapshotError, match="EGOV_DATA_2010.csv: listed in .* but missing"):
        verify(snapshot_copy / "un_egov", PATTERN, {})


def test_each_file_returns_a_changed_or_missing_file_with_its_fault(snapshot_copy):
    """For a source that stages file by file: the bad files come back marked, the rest as usual."""
    changed = snapshot_copy / "un_egov" / "EGOV_DATA_2020.csv"
    changed.write_bytes(changed.read_bytes().replace(b"0.71360", b"0.91360"))
    (snapshot_copy / "un_egov" / "EGOV_DATA_2010.csv").unlink()
    files, _ = verify(snapshot_copy / "un_egov", PATTERN, {}, each_file=True)
    faults = {f.name: f.fault for f in files if f.fault}
    assert faults.keys() == {"EGOV_DATA_2020.csv", "EGOV_DATA_2010.csv"} and len(files) == 12
    assert faults["EGOV_DATA_2020.csv"].startswith("bytes do not match the manifest")
    assert faults["EGOV_DATA_2010.csv"].startswith("listed in ") and faults["EGOV_DATA_2010.csv"].endswith("but missing")


def test_unrecorded_file_is_picked_up_with_a_warning(snapshot_copy):
    new = snapshot_copy / "un_egov" / "EGOV_DATA_2026.csv"
    new.write_text("x\n")
    files, warnings = verify(snapshot_copy / "un_egov", PATTERN, {"publisher": "P"})
    picked = [f for f in files if f.name == "EGOV_DATA_2026.csv"]
    assert len(picked) == 1 and not picked[0].recorded and picked[0].meta["publisher"] == "P"
    assert len(warnings) == 1 and "EGOV_DATA_2026.csv" in warnings[0]


def test_locate_prefers_snapshots_dir_then_fetched_then_embedded(snapshot_copy, isolated_home):
    assert locate("un_egov") == ("embedded", EMBEDDED_SNAPSHOTS / "un_egov")
    store("un_egov", {"EGOV_DATA_2020.csv": b"a"}, {"EGOV_DATA_2020.csv": {}})
    assert locate("un_egov")[0] == "fetched"
    assert locate("un_egov", snapshot_copy) == ("--snapshots", snapshot_copy / "un_egov")
    # a folder holding the files themselves works for a one-source run
    assert locate("un_egov", snapshot_copy / "un_egov", PATTERN) == ("--snapshots", snapshot_copy / "un_egov")
    with pytest.raises(SnapshotError, match="no such folder"):
        locate("un_egov", snapshot_copy / "nope")


def test_store_replaces_the_snapshot_whole(isolated_home):
    first = store("un_egov", {"A.csv": b"1", "B.csv": b"2"}, {"A.csv": {}, "B.csv": {}})
    store("un_egov", {"A.csv": b"3"}, {"A.csv": {"url": "u"}})
    assert sorted(p.name for p in first.iterdir()) == ["A.csv", MANIFEST]
    manifest = json.loads((first / MANIFEST).read_text())
    assert manifest["files"][0]["sha256"] == sha256_of(b"3") and manifest["files"][0]["url"] == "u"
    assert not list(first.parent.glob(".*"))  # no partial or old folders left behind


def test_checksums_are_kept_only_inside_keep_checksums(tmp_path):
    """A file rewritten with the same size and time (as within one tick of the clock) is read
    again outside the block that keeps checksums, so a run never trusts an older run's reading."""
    import hashlib
    import os

    from digigov.sources.snapshots import keep_checksums, sha256_file

    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\n1,2\n")
    stat = path.stat()
    with keep_checksums():
        first = sha256_file(path)
        path.write_bytes(b"a,b\n1,3\n")
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert sha256_file(path) == first  # kept for the block: read once
    assert sha256_file(path) == hashlib.sha256(b"a,b\n1,3\n").hexdigest() != first
