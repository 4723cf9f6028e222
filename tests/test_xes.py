"""cjm.core.xes: XES event logs read as text, one row per event, in blocks, checked against pm4py."""

import gzip
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from cjm.core import xes
from cjm.core.errors import CjmError
from cjm.core.xes import is_xes, read_xes_chunks

NAMESPACE = ' xmlns="http://www.xes-standard.org/"'

HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<!-- written by a process-mining tool -->
<log xes.version="1.0" xes.features="nested-attributes"{namespace}>
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <global scope="trace"><string key="concept:name" value="__INVALID__"/></global>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <string key="global:only" value="x"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
  <string key="log:source" value="the log's own attribute"/>
"""

TRACES = """  <trace>
    <date key="REG_DATE" value="2011-10-01T00:38:44.546+02:00"/>
    <string key="concept:name" value="173688"/>
    <int key="AMOUNT_REQ" value="020000"/>
    <event>
      <string key="concept:name" value="A_SUBMITTED"/>
      <string key="lifecycle:transition" value="COMPLETE"/>
      <date key="time:timestamp" value="2011-10-01T00:38:44.546+02:00"/>
      <string key="org:resource" value="112"/>
      <int key="count" value="007"/>
      <float key="score" value="1.50E3"/>
      <boolean key="done" value="true"/>
      <id key="identity:id" value="6b3f0e2a-1f0c-4a1e-9b2d-000000000001"/>
      <string key="note" value="A &amp; B &lt;ok&gt;"/>
      <list key="parts">
        <values>
          <string key="part:name" value="first"/>
          <string key="part:name" value="second"/>
        </values>
      </list>
      <string key="with:child" value="own value">
        <string key="child:key" value="nested"/>
      </string>
    </event>
    <event>
      <string key="concept:name" value="A_PARTLYSUBMITTED"/>
      <string key="lifecycle:transition" value="COMPLETE"/>
      <date key="time:timestamp" value="2011-10-01T00:38:44.880+02:00"/>
      <string key="note" value=""/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="173691"/>
    <event>
      <string key="concept:name" value="W_Afhandelen leads"/>
      <string key="lifecycle:transition" value="SCHEDULE"/>
      <date key="time:timestamp" value="2011-10-30T09:45:13.917+01:00"/>
      <string key="org:resource" value="10862"/>
      <float key="cost:total" value="12.5"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="no events: no rows"/>
    <string key="EMPTY_TRACE_ONLY" value="x"/>
  </trace>
"""

COLUMNS = ["case:concept:name", "case:REG_DATE", "case:AMOUNT_REQ", "concept:name", "lifecycle:transition",
           "time:timestamp", "org:resource", "count", "score", "done", "identity:id", "note", "parts",
           "with:child", "cost:total"]


def _log(traces: str = TRACES, namespace: str = NAMESPACE) -> str:
    return HEADER.format(namespace=namespace) + traces + "</log>\n"


def _write(path: Path, text: str | bytes) -> Path:
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def _read(path: Path, **kwargs) -> pd.DataFrame:
    blocks = list(read_xes_chunks(path, **kwargs))
    return pd.concat(blocks) if len(blocks) > 1 else blocks[0]


# ----------------------------------------------------------------------------- reading
def test_events_are_rows_named_as_pm4py_names_them(tmp_path):
    frame = _read(_write(tmp_path / "log.xes", _log()))
    assert list(frame.columns) == COLUMNS
    assert all(frame[c].dtype == "str" for c in frame.columns)
    assert frame["case:concept:name"].tolist() == ["173688", "173688", "173691"]
    assert frame["concept:name"].tolist() == ["A_SUBMITTED", "A_PARTLYSUBMITTED", "W_Afhandelen leads"]
    assert frame["case:REG_DATE"].tolist()[:2] == ["2011-10-01T00:38:44.546+02:00"] * 2
    assert pd.isna(frame.loc[2, "case:REG_DATE"]) and pd.isna(frame.loc[1, "org:resource"])


def test_values_of_every_type_are_text_as_written(tmp_path):
    first = _read(_write(tmp_path / "log.xes", _log())).loc[0]
    assert first["time:timestamp"] == "2011-10-01T00:38:44.546+02:00"
    assert [first[c] for c in ("case:AMOUNT_REQ", "count", "score", "done")] == ["020000", "007", "1.50E3", "true"]
    assert first["identity:id"] == "6b3f0e2a-1f0c-4a1e-9b2d-000000000001"
    assert first["note"] == "A & B <ok>"  # XML escapes decoded


def test_nested_global_and_log_attributes_give_no_column(tmp_path):
    frame = _read(_write(tmp_path / "log.xes", _log()))
    assert frame["with:child"].tolist()[0] == "own value"
    assert frame["parts"].isna().all()  # a list has no value of its own; its items are not columns
    for key in ("part:name", "child:key", "global:only", "log:source", "case:log:source",
                "case:EMPTY_TRACE_ONLY"):
        assert key not in frame.columns
    assert pd.isna(frame.loc[1, "note"])  # an empty value is missing


def test_a_log_without_namespace_reads_the_same(tmp_path):
    with_namespace = _read(_write(tmp_path / "a.xes", _log()))
    without = _read(_write(tmp_path / "b.xes", _log(namespace="")))
    pd.testing.assert_frame_equal(without, with_namespace)


def test_peek_reads_the_first_events_and_xes_columns_every_column(tmp_path):
    path = _write(tmp_path / "log.xes.gz", _log())
    first = xes.peek_xes(path, rows=2)
    pd.testing.assert_frame_equal(first, _read(path).head(2)[list(first.columns)])
    assert list(first.columns) == COLUMNS[:-1]  # cost:total is met in the last trace only
    assert xes.xes_columns(path) == COLUMNS
    with pytest.raises(CjmError, match="without events"):
        xes.peek_xes(_write(tmp_path / "none.xes", _log(TRACES.split("  <trace>")[0])), rows=2)


@pytest.mark.parametrize("rows", [1, 2, 100])
def test_blocks_have_every_column_and_concatenate_to_the_whole(tmp_path, rows):
    path = _write(tmp_path / "log.xes", _log())
    blocks = list(read_xes_chunks(path, rows=rows))
    assert [len(b) for b in blocks] == {1: [1, 1, 1], 2: [2, 1], 100: [3]}[rows]
    assert all(list(b.columns) == COLUMNS for b in blocks)
    assert pd.concat(blocks)["cost:total"].isna().tolist() == [True, True, False]  # met in the last trace only
    pd.testing.assert_frame_equal(pd.concat(blocks), _read(path))


def test_a_whole_log_is_built_in_parts_with_every_column(tmp_path, monkeypatch):
    path = _write(tmp_path / "log.xes", _log())
    whole = _read(path)
    monkeypatch.setattr(xes, "_PART_ROWS", 1)  # a column met in the last part only
    pd.testing.assert_frame_equal(_read(path), whole)
    assert list(whole.columns) == COLUMNS and whole.index.tolist() == [0, 1, 2]


@pytest.mark.parametrize("rows", [None, 2])
def test_columns_reads_only_those_in_the_order_of_the_log(tmp_path, rows):
    path = _write(tmp_path / "log.xes", _log())
    frame = _read(path, rows=rows, columns=["time:timestamp", "cost:total", "absent", "case:concept:name"])
    assert list(frame.columns) == ["case:concept:name", "time:timestamp", "cost:total"]
    pd.testing.assert_frame_equal(frame, _read(path)[list(frame.columns)])


def test_columns_the_log_lacks_leave_the_rows(tmp_path):
    frame = _read(_write(tmp_path / "log.xes", _log()), columns=["absent"])
    assert frame.shape == (3, 0)


def test_a_gzip_log_reads_as_the_plain_one(tmp_path):
    plain = _read(_write(tmp_path / "log.xes", _log()))
    pd.testing.assert_frame_equal(_read(_write(tmp_path / "log.xes.gz", _log())), plain)
    pd.testing.assert_frame_equal(_read(tmp_path / "log.xes.gz", rows=2), plain)


@pytest.mark.parametrize(("name", "expected"), [("log.xes", True), ("LOG.XES", True), ("log.xes.gz", True),
                                                ("log.Xes.GZ", True), ("log.csv", False), ("log.gz", False),
                                                ("xes", False), ("log.xes.zip", False)])
def test_is_xes_by_suffix(name, expected):
    assert is_xes(Path(name)) is expected


# ----------------------------------------------------------------------------- errors
CUT_SHORT = _log()[: _log().index('<string key="org:resource" value="10862"') + 20]
COMPRESSED = gzip.compress(_log().encode())


@pytest.mark.parametrize(("name", "content", "match"), [
    ("export.xes", "case;activity;time\n1;A;2011-10-01\n", r"not a readable XES log \(line 1: "),
    ("cut.xes", CUT_SHORT, r"not a readable XES log \(line \d+: "),
    ("page.xes", "<html><body><p>Log in</p></body></html>", r"its root element is <html>, not <log>"),
    ("empty.xes", _log(traces="  <trace><string key='concept:name' value='1'/></trace>\n"), r"without events"),
    ("plain.xes.gz", _log(), r"not gzip-compressed"),
    ("cut.xes.gz", COMPRESSED[:300], r"compressed data is cut short or damaged"),
    ("damaged.xes.gz", COMPRESSED[:200] + bytes(100) + COMPRESSED[300:], r"compressed data is cut short or damaged"),
])
@pytest.mark.parametrize("rows", [None, 2])
def test_unreadable_logs_raise_a_cjm_error_naming_the_file(tmp_path, name, content, match, rows):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(CjmError, match=match) as info:
        next(read_xes_chunks(path, rows=rows))  # with rows, before the first block
    assert str(path) in str(info.value) and info.value.fix


# ----------------------------------------------------------------------------- pm4py
def _generated_log(path: Path, traces: int, seed: int = 7) -> Path:
    """A BPI-2012-like log: ISO timestamps with milliseconds and +01:00/+02:00 offsets."""
    rnd = random.Random(seed)
    activities = ["A_SUBMITTED", "A_PARTLYSUBMITTED", "W_Afhandelen leads", "A_ACCEPTED", "O_SENT"]
    parts = []
    for number in range(traces):
        at = datetime(2011, 10, 1, tzinfo=timezone.utc) + timedelta(seconds=rnd.randrange(5_000_000))
        parts.append(f'  <trace>\n    <string key="concept:name" value="{173688 + number}"/>\n'
                     f'    <int key="AMOUNT_REQ" value="{rnd.randrange(500, 50_000)}"/>\n')
        for _ in range(rnd.randrange(1, 9)):
            at += timedelta(milliseconds=rnd.randrange(1, 10**8))
            stamp = at.astimezone(timezone(timedelta(hours=rnd.choice([1, 2])))).isoformat(timespec="milliseconds")
            attributes = {"org:resource": rnd.randrange(10_000, 10_050),
                          "lifecycle:transition": rnd.choice(["SCHEDULE", "START", "COMPLETE"]),
                          "concept:name": rnd.choice(activities)}
            parts.append("    <event>\n"
                         + "".join(f'      <string key="{k}" value="{v}"/>\n' for k, v in attributes.items())
                         + f'      <date key="time:timestamp" value="{stamp}"/>\n    </event>\n')
        parts.append("  </trace>\n")
    return _write(path, _log("".join(parts)))


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_same_events_as_pm4py(tmp_path):
    pm4py = pytest.importorskip("pm4py")
    path = _generated_log(tmp_path / "bpi.xes", traces=300)
    ours = _read(path, rows=500)
    pd.testing.assert_frame_equal(ours, _read(path))
    theirs = pm4py.read_xes(str(path))  # parses dates and numbers, keeps the document order
    assert len(ours) == len(theirs) > 500
    assert set(ours.columns) == set(theirs.columns)
    assert ours.groupby("case:concept:name", sort=False)["concept:name"].agg(list).to_dict() \
        == theirs.groupby("case:concept:name", sort=False)["concept:name"].agg(list).to_dict()
    for column in ("case:concept:name", "concept:name", "lifecycle:transition", "org:resource"):
        assert ours[column].tolist() == theirs[column].astype(str).tolist()
    assert pd.to_datetime(ours["time:timestamp"], format="ISO8601", utc=True).tolist() \
        == theirs["time:timestamp"].tolist()
    assert pd.to_numeric(ours["case:AMOUNT_REQ"]).tolist() == theirs["case:AMOUNT_REQ"].tolist()
