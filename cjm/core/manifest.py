"""What Make compares before it runs anything: files rewritten only when their content changes.

``python -m cjm.core.manifest ENGAGEMENT`` (run by the Makefile each time it starts) writes:

- ``data/<e>/.raw.sha256``: the content hash of every raw export (``sha256  path``
  lines; beside the exports, never shared: a file's name can be personal). A file
  restored with an older time (unzip, ``cp -p``) or touched without a change leaves it as
  it was; a changed byte rewrites it, and 01 reruns. Hashes are kept in
  ``data/<e>/.raw-hashes.json`` by size and modification time, so an unchanged export is
  not read again.
- ``outputs/<e>/.params/<section>.yaml``: each notebook section's view of the params
  (:func:`cjm.core.params.split_sections`), so a change to one step's params reruns that
  step and those after it.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from cjm.core.files import write_if_changed
from cjm.core.paths import EngagementPaths

#: The manifest of the raw exports, under ``data/<e>/``.
RAW_MANIFEST = ".raw.sha256"
_CHUNK = 1 << 20


def file_hash(path: Path) -> str:
    """The SHA-256 of a file's content, read a block at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        while block := data.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def raw_files(paths: EngagementPaths) -> list[Path]:
    """The raw exports under ``data/<e>/raw/`` (hidden files such as the demo's stamp aside)."""
    if not paths.raw.is_dir():
        return []
    return sorted(p for p in paths.raw.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(paths.raw).parts))


def update_raw_manifest(paths: EngagementPaths) -> bool:
    """Rewrite ``data/<e>/.raw.sha256`` if a raw export's content, name or number
    changed; True if it did."""
    cache_path = paths.data / ".raw-hashes.json"
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    lines, seen = [], {}
    for path in raw_files(paths):
        name = path.relative_to(paths.raw).as_posix()
        stat = path.stat()
        known = cache.get(name)
        digest = known[2] if known and known[:2] == [stat.st_size, stat.st_mtime_ns] else file_hash(path)
        seen[name] = [stat.st_size, stat.st_mtime_ns, digest]
        lines.append(f"{digest}  {name}\n")
    write_if_changed(cache_path, json.dumps(seen, sort_keys=True))
    return write_if_changed(paths.data / RAW_MANIFEST, "".join(lines))


def main(argv: list[str] | None = None) -> int:
    from cjm.core.errors import CjmError
    from cjm.core.params import split_sections

    (engagement,) = argv if argv is not None else sys.argv[1:]
    update_raw_manifest(EngagementPaths(engagement))
    try:
        split_sections(engagement)
    except CjmError as err:  # the preflight lists every problem of the params
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
