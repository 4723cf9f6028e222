"""Results kept by the content of what they were computed from, so that a step rerun for one
change does not redo the work that change did not touch (03's k scan when only the chosen
number of segments changed).

An entry is one file in ``data/<e>/cache/`` (:attr:`~cjm.core.paths.EngagementPaths.cache`,
removed by ``make clean``, never shared): ``<kind>.<key>.parquet``, where the key is the
SHA-256 of the inputs, the parameters and the code of the computation. A kind keeps its
latest entry only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cjm.core.files import write_atomic

if TYPE_CHECKING:
    import pandas as pd


def content_key(*parts) -> str:
    """The SHA-256 (hex) of ``parts``, each bytes, a string, a numpy array (its dtype, shape
    and bytes) or a JSON-serializable value (keys sorted).

    >>> content_key("a", 1) == content_key("a", 1) != content_key("a", 2)
    True
    """
    digest = hashlib.sha256()
    np = sys.modules.get("numpy")  # an array's module is imported already: the runner does without
    for part in parts:
        if np is not None and isinstance(part, np.ndarray):
            data = np.ascontiguousarray(part)
            digest.update(f"{data.dtype.str}{data.shape}".encode())
            digest.update(data.tobytes())
        elif isinstance(part, bytes):
            digest.update(part)
        else:
            digest.update(part.encode() if isinstance(part, str) else json.dumps(part, sort_keys=True).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def cached_frame(folder: Path, kind: str, key: str, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The table of ``kind`` computed from inputs whose :func:`content_key` is ``key``: read
    back from ``folder`` if it was computed before (and can be read), else ``compute()``,
    kept in place of the kind's earlier entry and returned. Written at once, not with the
    step's publication: an entry stands for its key whatever becomes of the run."""
    import pandas as pd

    return _cached(folder, kind, key, compute, "parquet", pd.read_parquet,
                   lambda frame, path: write_atomic(frame, path, now=True))


def cached_result(folder: Path, kind: str, key: str, compute: Callable[[], object]) -> object:
    """:func:`cached_frame` for a result that is not one table (a dataclass of tables and
    numbers), pickled: the cache is the engagement's own, written and read by this code only."""
    def write(result, path: Path) -> None:
        write_atomic(pickle.dumps(result, protocol=5), path, now=True)

    return _cached(folder, kind, key, compute, "pickle", lambda path: pickle.loads(path.read_bytes()), write)


def _cached(folder: Path, kind: str, key: str, compute, suffix: str, read, write):
    path = Path(folder) / f"{kind}.{key}.{suffix}"
    if path.exists():
        with contextlib.suppress(OSError, ValueError, pickle.UnpicklingError, EOFError):  # damaged: computed again
            return read(path)
    result = compute()
    for old in Path(folder).glob(f"{kind}.*.{suffix}"):
        old.unlink(missing_ok=True)
    write(result, path)
    return result
