"""Raw exports tracked by content (cjm.core.manifest): the manifest Make compares changes when
a byte, a name or the number of files changes, never for a file's time alone."""

import os

from cjm.core import manifest
from cjm.core.manifest import RAW_MANIFEST, update_raw_manifest
from cjm.core.paths import EngagementPaths


def test_the_manifest_changes_with_the_content_not_the_time(tmp_path, monkeypatch):
    paths = EngagementPaths("acme", tmp_path)
    paths.raw.mkdir(parents=True)
    (paths.raw / "deals.csv").write_bytes(b"id;amount\n1;10\n")
    (paths.raw / "interviews").mkdir()
    (paths.raw / "interviews" / "01.txt").write_text("hello", encoding="utf-8")
    (paths.raw / ".complete").write_text("")  # a stamp, not an export
    assert update_raw_manifest(paths)
    lines = (paths.data / RAW_MANIFEST).read_text().splitlines()
    assert [line.split("  ")[1] for line in lines] == ["deals.csv", "interviews/01.txt"]
    assert lines[0].split("  ")[0] == "8a94471f7111358b733a1fc61701463dc46caf5efcb07e85be91b5aabe78f260"

    os.utime(paths.raw / "deals.csv", (0, 0))  # restored with an old time: same content
    assert not update_raw_manifest(paths)
    read = []
    monkeypatch.setattr(manifest, "file_hash", lambda path: read.append(path.name) or "x")
    assert not update_raw_manifest(paths) and read == []  # size and time as cached: not read again
    monkeypatch.undo()

    (paths.raw / "deals.csv").write_bytes(b"id;amount\n1;11\n")  # one byte
    assert update_raw_manifest(paths)
    (paths.raw / "interviews" / "01.txt").rename(paths.raw / "interviews" / "02.txt")  # a name
    assert update_raw_manifest(paths)
    (paths.raw / "interviews" / "02.txt").unlink()  # one file fewer
    assert update_raw_manifest(paths)
    assert len((paths.data / RAW_MANIFEST).read_text().splitlines()) == 1
