"""Reading XES event logs (the IEEE process-mining standard) as text, one row per event.

A log is streamed with :func:`lxml.etree.iterparse`, which hands over only the ends of
``<trace>`` and ``<event>`` elements: each event is read and cleared, each trace dropped
from the tree once read, so memory holds one trace and one block of rows besides the
frames returned (lxml took about 30% less time than :mod:`xml.etree.ElementTree`, whose
iterparse passes every element through Python; pm4py.read_xes took three times as long).
Columns are named as pm4py names them (event attributes by key, trace attributes as
``case:<key>``); values stay the text of their ``value`` attribute, for 02_clean to
parse like any other export.
"""

from __future__ import annotations

import gzip
import itertools
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pandas as pd
from lxml import etree

from cjm.core.errors import CjmError

_CASE_ID = "case:concept:name"
_REEXPORT = "export it again from the process-mining tool, or as CSV"
_GZIP_MAGIC = b"\x1f\x8b"
_PART_ROWS = 50_000


def is_xes(path: Path) -> bool:
    """Whether ``path`` is named as an XES log: ``.xes`` or ``.xes.gz``, in any case."""
    return Path(path).name.lower().endswith((".xes", ".xes.gz"))


def read_xes_chunks(path: Path, rows: int | None = None,
                    columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """Events of an XES log (.xes or .xes.gz), one row per event, at most ``rows`` rows a
    block (one block when None).

    Parameters
    ----------
    path : Path
        The log, plain XML or gzip-compressed (``.gz``, decompressed while read).
    rows : int, optional
        The most rows a block holds. Every block has the columns of the whole log: a
        first pass reads the attribute keys of every trace and event, a second the rows
        (about 1.6 times as long as reading the whole log at once, with None).
    columns : list of str, optional
        Read only these columns (others are not stored), in the log's order; a name the
        log lacks is left out, for the caller to report.

    Yields
    ------
    DataFrame
        Consecutive blocks of events in document order, the index counting on across
        blocks. Columns: ``case:concept:name``, the other trace attributes as
        ``case:<key>``, then the event attributes by key, each group in order of first
        appearance. Every column is of dtype ``str``: the ``value`` of a ``<string>``,
        ``<date>``, ``<int>``, ``<float>``, ``<boolean>`` or ``<id>`` as written, missing
        where an event (or its trace) lacks the attribute or the value is empty. An
        attribute without a value (``<list>``) has its column, missing; the attributes
        nested in another, the log's own attributes, ``<global>``, ``<extension>`` and
        ``<classifier>`` give no column.

    Raises
    ------
    CjmError
        The file is named ``.gz`` but is not gzip, is not well-formed XML or is cut short,
        its root is not ``<log>``, or it has no ``<event>`` in a ``<trace>``; the message
        names the file. With ``rows`` these are raised before the first block.
    """
    path = Path(path)
    wanted = None if columns is None else frozenset(columns)
    case_keys, event_keys = {}, {}
    if rows is None:
        # a frame every _PART_ROWS rows: rows held as dicts take several times a frame's memory
        parts = list(_blocks(_rows(path, wanted, case_keys, event_keys), _PART_ROWS, case_keys, event_keys))
        if not parts:
            raise _no_events(path)
        yield pd.concat(parts)[_column_order(case_keys, event_keys)]
        return
    # a first pass for the keys of the whole log, so that every block has all its columns
    if not _record_keys(path, wanted, case_keys, event_keys):
        raise _no_events(path)
    yield from _blocks(_rows(path, wanted, {}, {}), rows, case_keys, event_keys)


def peek_xes(path: Path, rows: int) -> pd.DataFrame:
    """The first ``rows`` events of an XES log, parsing only the start of the log; columns
    as :func:`read_xes_chunks` names them, but only those of these events.

    Raises
    ------
    CjmError
        As :func:`read_xes_chunks`, for what the start of the log shows.
    """
    case_keys, event_keys = {}, {}
    events = _rows(Path(path), None, case_keys, event_keys)
    try:
        block = list(itertools.islice(events, rows))
    finally:
        events.close()
    if not block:
        raise _no_events(path)
    return _frame(block, _column_order(case_keys, event_keys))


def xes_columns(path: Path) -> list[str]:
    """Every column the log gives (the attributes of all its traces and events), in
    :func:`read_xes_chunks`' order: a pass over the whole log."""
    case_keys, event_keys = {}, {}
    _record_keys(Path(path), None, case_keys, event_keys)
    return _column_order(case_keys, event_keys)


def _blocks(rows: Iterator[dict], size: int, case_keys: dict, event_keys: dict) -> Iterator[pd.DataFrame]:
    """Frames of ``size`` consecutive ``rows`` (the last one shorter), the index counting on,
    with the columns of the keys recorded so far."""
    start = 0
    while block := list(itertools.islice(rows, size)):
        yield _frame(block, _column_order(case_keys, event_keys), start)
        start += len(block)
        del block  # free it before the next is read


def _record_keys(path: Path, wanted: frozenset | None, case_keys: dict, event_keys: dict) -> int:
    """The keys of every trace and event of the log (only the ``wanted`` ones when given),
    recorded as :func:`_rows` records them; returns the number of events."""
    events = 0
    for case, trace_events in _traces(path):
        case_keys.update(dict.fromkeys(k for k in case if wanted is None or k in wanted))
        for event in trace_events:
            event_keys.update(dict.fromkeys(k for k in event if wanted is None or k in wanted))
        events += len(trace_events)
    return events


def _rows(path: Path, wanted: frozenset | None, case_keys: dict, event_keys: dict) -> Iterator[dict]:
    """Each event's attributes and its trace's (only the ``wanted`` ones when given),
    recording their keys in ``case_keys`` and ``event_keys`` (dicts used as ordered sets)."""
    for case, events in _traces(path):
        if wanted is not None:
            case = {k: v for k, v in case.items() if k in wanted}
            events = [{k: v for k, v in event.items() if k in wanted} for event in events]
        case_keys.update(case)
        for event in events:
            event_keys.update(event)
            yield {**case, **event}


def _traces(path: Path) -> Iterator[tuple[dict, list[dict]]]:
    """Each trace with events, as its attributes (keys prefixed ``case:``) and the
    attributes of its events; XML and gzip errors as CjmError."""
    compressed = path.name.lower().endswith(".gz")
    if compressed:
        with open(path, "rb") as handle:
            if handle.read(2) != _GZIP_MAGIC:
                raise CjmError(f"{path} is not gzip-compressed although its name ends in .gz",
                               f"rename it to .xes if it is plain XML, or {_REEXPORT}")
    try:
        with (gzip.open(path, "rb") if compressed else open(path, "rb")) as handle:
            yield from _parse(path, handle)
    except etree.XMLSyntaxError as err:
        reason = err.msg.rsplit(", line ", 1)[0]
        raise CjmError(f"{path} is not a readable XES log (line {max(err.lineno, 1)}: {reason})",
                       f"check that it is the whole file; {_REEXPORT}") from err
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise CjmError(f"{path}: the compressed data is cut short or damaged ({err})", _REEXPORT) from err


def _parse(path: Path, handle: BinaryIO) -> Iterator[tuple[dict, list[dict]]]:
    """:func:`_traces` of an open log: a trace is a ``<trace>`` in the root ``<log>``, an
    event an ``<event>`` in a trace, an attribute a child of either with a ``key``."""
    log, events = None, []
    parser = etree.iterparse(handle, events=("end",), tag=("{*}trace", "{*}event"),
                             remove_comments=True, remove_pis=True)
    for _, element in parser:
        if log is None:
            log = element.getroottree().getroot()
            trace_tag, event_tag = _tags(path, log)
        parent = element.getparent()
        if element.tag == event_tag:
            if parent.tag == trace_tag and parent.getparent() is log:
                event = {child.get("key"): child.get("value") for child in element}
                event.pop(None, None)  # a child without a key is no attribute
                events.append(event)
            element.clear()  # free its attributes and any nested in them
        elif element.tag == trace_tag and parent is log:
            if events:
                yield {"case:" + key: child.get("value") for child in element
                       if child.tag != event_tag and (key := child.get("key")) is not None}, events
            events = []
            element.clear()
            while element.getprevious() is not None:
                del log[0]  # the traces read before, and the extensions, globals...
    if log is None:
        _tags(path, parser.root)


def _tags(path: Path, root) -> tuple[str, str]:
    """The tags of a trace and an event in the namespace of ``root``, which must be ``<log>``."""
    name = etree.QName(root)
    if name.localname != "log":
        raise CjmError(f"{path} is XML but not an XES log: its root element is <{name.localname}>, not <log>",
                       _REEXPORT)
    return etree.QName(name.namespace, "trace").text, etree.QName(name.namespace, "event").text


def _column_order(case_keys: dict, event_keys: dict) -> list[str]:
    """``case:concept:name``, the other trace attributes, then the event attributes."""
    first = [_CASE_ID] if _CASE_ID in case_keys else []
    return list(dict.fromkeys([*first, *case_keys, *event_keys]))


def _frame(block: list[dict], names: list[str], start: int = 0) -> pd.DataFrame:
    """The rows of ``block`` as a text frame with the columns ``names``, empty values missing."""
    frame = pd.DataFrame(block, columns=names, index=pd.RangeIndex(start, start + len(block)), dtype="str")
    return frame.replace("", None)


def _no_events(path: Path) -> CjmError:
    return CjmError(f"{path} is an XES log without events (no <event> inside a <trace>)", _REEXPORT)
