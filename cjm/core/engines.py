"""Engines that compute on a log too large for pandas: DuckDB (embedded, spills to disk)
and Spark (a local or cluster SparkSession).

An :class:`Engine` reads a log as a view (a parquet file, a folder of parquet files, a CSV
file) with each row's place in the log, takes small pandas tables as views, runs SQL and
returns small results as pandas. Only what differs between the two SQL dialects is in
:data:`DIALECTS`; every query is written once (:mod:`cjm.analysis.enginelog`).

    engine = open_engine("duckdb", memory_limit="3GB", temp_directory="/tmp/spill")
    engine.read("stage_events", "data/e/interim/stage_events")   # folder of *.parquet
    engine.sql("SELECT count(*) AS n FROM stage_events")
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cjm.core.errors import CjmError

KINDS = ("pandas", "duckdb", "spark")
#: Above this many bytes on disk a log is worked on by DuckDB, not pandas ("auto"): parquet
#: holds about 4 times as many rows a byte as CSV.
PANDAS_LIMIT_BYTES = {"parquet": 500 * 2**20, "csv": 2 * 2**30}
#: Columns every read view adds: the row's file (its position among the files, in name
#: order) and its row in that file. Ordered by both, rows are in log order.
FILE, ROW = "_file", "_row"
#: The SQL of each dialect where DuckDB and Spark differ. ``{x}`` is an expression.
DIALECTS = {
    "duckdb": {
        "epoch_us": "epoch_us({x})",
        # the codes of a case's steps in order, joined with commas
        "path": "string_agg(CAST({x} AS VARCHAR), ',' ORDER BY {order})",
        "last_value": "last_value({x} IGNORE NULLS)",
        "ident": '"{x}"',
    },
    "spark": {
        "epoch_us": "unix_micros({x})",
        "path": "array_join(transform(array_sort(collect_list(named_struct('o', {order}, 'v', CAST({x} AS STRING)))), "
                "p -> p.v), ',')",
        "last_value": "last_value({x}) IGNORE NULLS",
        "ident": "`{x}`",
    },
}


def _files(source: Path) -> tuple[list[Path], str]:
    """The files of a source (a folder: its ``*.parquet`` in name order) and their format."""
    if not source.exists():
        raise CjmError(f"{source}: no such file or folder", "give the path of a parquet file, a folder of "
                                                            "parquet files or a CSV file")
    if source.is_dir():
        files = sorted(source.glob("*.parquet"))
        if not files:
            raise CjmError(f"{source}: no *.parquet files in the folder", "write the log there as parquet files")
        return files, "parquet"
    kind = "csv" if source.suffix.lower() in (".csv", ".gz") and ".csv" in source.name.lower() else "parquet"
    return [source], kind


def source_bytes(source: str | Path) -> tuple[int, str]:
    """Bytes on disk of a log (a file or a folder of parquet files) and its format."""
    files, kind = _files(Path(source))
    return sum(f.stat().st_size for f in files), kind


def engine_kind(setting: str, source: str | Path | None) -> str:
    """The engine to use: ``setting`` itself, or for ``"auto"`` pandas for a log smaller than
    :data:`PANDAS_LIMIT_BYTES` (or no file: a table in memory), DuckDB above.

    Raises
    ------
    CjmError
        An unknown setting.
    """
    if setting not in (*KINDS, "auto"):
        raise CjmError(f"engine {setting!r} is unknown", f"use one of: auto, {', '.join(KINDS)}")
    if setting != "auto":
        return setting
    if source is None:
        return "pandas"
    size, kind = source_bytes(source)
    return "pandas" if size < PANDAS_LIMIT_BYTES[kind] else "duckdb"


@dataclass
class Engine:
    """An open engine (:func:`open_engine`): views by name, SQL in, small pandas tables out.

    Attributes
    ----------
    kind : str
        ``"duckdb"`` or ``"spark"``.
    handle : object
        The DuckDB connection or the SparkSession.
    """

    kind: str
    handle: object

    @property
    def dialect(self) -> dict:
        """This engine's SQL templates (:data:`DIALECTS`)."""
        return DIALECTS[self.kind]

    def read(self, name: str, source: str | Path) -> list[str]:
        """A view ``name`` over a log on disk: its columns, plus :data:`FILE` and :data:`ROW`.

        Parameters
        ----------
        name : str
            Name of the view.
        source : str or Path
            A parquet file, a folder of parquet files (all ``*.parquet`` in it, in file-name
            order) or a CSV file (with a header).

        Returns
        -------
        list of str
            The source's columns.

        Raises
        ------
        CjmError
            No such file or folder, or a folder without parquet files.
        """
        files, kind = _files(Path(source))
        if self.kind == "duckdb":
            paths = [str(f) for f in files]
            listed = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
            if kind == "parquet":  # a file's number: its position in the list (no join on the file names)
                scan = (f"SELECT *, CAST(file_index AS BIGINT) AS {FILE}, file_row_number AS {ROW} "
                        f"FROM read_parquet([{listed}])")
            else:
                scan = (f"SELECT * EXCLUDE (ordinality), 0 AS {FILE}, ordinality - 1 AS {ROW} "
                        f"FROM read_csv({listed}) WITH ORDINALITY")
            self.handle.execute(f"CREATE OR REPLACE VIEW {name} AS {scan}")
        else:
            from pyspark.sql import functions as F

            if kind == "parquet":  # one scan of all files; a file's number from its name (one folder)
                numbers = self.handle.createDataFrame(pd.DataFrame({"_name": [f.name for f in files],
                                                                    FILE: range(len(files))}))
                scan = self.handle.read.parquet(*[str(f) for f in files])
                whole = scan.select("*", F.col("_metadata.file_name").alias("_name"),
                                    F.col("_metadata.row_index").alias(ROW)).join(F.broadcast(numbers), "_name")
                whole = whole.select(*scan.columns, FILE, ROW)
            else:  # one file's partitions are in file order: the ids grow down the file
                whole = self.handle.read.csv(str(files[0]), header=True, inferSchema=True).select(
                    "*", F.lit(0).alias(FILE), F.monotonically_increasing_id().alias(ROW))
            whole.createOrReplaceTempView(name)
        return self.columns(name)

    def columns(self, name: str) -> list[str]:
        """The columns of a view."""
        return [c for c in self.sql(f"SELECT * FROM {name} LIMIT 0").columns if c not in (FILE, ROW)]

    def require(self, name: str, columns, what: str) -> None:
        """A :class:`CjmError` naming the columns of ``columns`` the view lacks."""
        missing = [c for c in columns if c not in self.columns(name)]
        if missing:
            raise CjmError(f"{what}: no column {', '.join(missing)}", f"expected the columns {', '.join(columns)}")

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """A pandas table as a view (or a cached table) ``name``."""
        if self.kind == "duckdb":
            self.handle.register(f"{name}_frame", frame)
            self.handle.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_frame")
            self.handle.unregister(f"{name}_frame")
        else:
            self.handle.createDataFrame(frame).createOrReplaceTempView(name)

    def sql(self, query: str) -> pd.DataFrame:
        """A query's result as pandas (small results only)."""
        if self.kind == "duckdb":
            return self.handle.execute(query).df()
        return self.handle.sql(query).toPandas()

    def run(self, query: str) -> None:
        """A statement without a result (CREATE, DROP ...)."""
        if self.kind == "duckdb":
            self.handle.execute(query)
        else:
            self.handle.sql(query).collect()

    def table(self, name: str, query: str) -> None:
        """The result of ``query`` kept as a table ``name`` (DuckDB: on its spill-able storage;
        Spark: a cached view), so later queries do not recompute it."""
        if self.kind == "duckdb":
            self.handle.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}")
        else:
            self.handle.sql(query).cache().createOrReplaceTempView(name)

    def drop(self, name: str) -> None:
        """Free a table of :meth:`table`."""
        if self.kind == "duckdb":
            self.handle.execute(f"DROP TABLE IF EXISTS {name}")
        else:
            self.handle.catalog.uncacheTable(name)
            self.handle.catalog.dropTempView(name)

    def close(self) -> None:
        """Close a DuckDB connection; a SparkSession stays for the process (see :func:`open_engine`)."""
        if self.kind == "duckdb":
            self.handle.close()


def _spark(master: str, memory_limit: str, threads: int | None, temp_directory: str | None):
    java = shutil.which("java", path=str(Path(os.environ["JAVA_HOME"]) / "bin")) if os.environ.get("JAVA_HOME") \
        else shutil.which("java")
    if java is None:
        raise CjmError("spark: no Java runtime found" + (f" in JAVA_HOME={os.environ['JAVA_HOME']}"
                                                         if os.environ.get("JAVA_HOME") else " on the PATH"),
                       "install Java 17 (e.g. apt-get install openjdk-17-jre-headless) and set JAVA_HOME, "
                       "or use the duckdb engine")
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise CjmError("spark: pyspark is not installed", "install the package with its spark extra") from error
    builder = (SparkSession.builder.master(master).appName("cjm")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.driver.memory", memory_limit.replace("GB", "g").replace("MB", "m"))
               .config("spark.sql.shuffle.partitions", str(max(2, 2 * (threads or os.cpu_count() or 2)))))
    if temp_directory:
        builder = builder.config("spark.local.dir", str(temp_directory))
    session = builder.getOrCreate()  # one session a process: a second call returns it
    session.sparkContext.setLogLevel("ERROR")
    return session


def open_engine(kind: str, *, memory_limit: str = "3GB", threads: int | None = None,
                temp_directory: str | Path | None = None, master: str = "local[*]") -> Engine:
    """Open an engine for a log too large for pandas.

    Parameters
    ----------
    kind : {"duckdb", "spark"}
        DuckDB in this process, or a SparkSession (one a process: a second call returns the
        first session, with the first call's master and memory).
    memory_limit : str
        DuckDB's memory limit (beyond it, it spills to ``temp_directory``); Spark's driver memory.
    threads : int, optional
        Threads (DuckDB) or shuffle partitions / 2 (Spark); None: the machine's cores.
    temp_directory : str or Path, optional
        Where DuckDB spills and Spark writes its shuffles.
    master : str
        Spark's master: ``"local[2]"`` or a cluster URL such as ``"spark://host:7077"``.

    Returns
    -------
    Engine

    Raises
    ------
    CjmError
        An unknown kind, no Java for Spark, an engine not installed.
    """
    if kind == "duckdb":
        import duckdb

        config = {"memory_limit": memory_limit, "preserve_insertion_order": False}
        if threads:
            config["threads"] = threads
        if temp_directory:
            config["temp_directory"] = str(temp_directory)
        connection = duckdb.connect(config=config)
        connection.execute("SET TimeZone = 'UTC'")
        return Engine("duckdb", connection)
    if kind == "spark":
        return Engine("spark", _spark(master, memory_limit, threads, temp_directory))
    raise CjmError(f"engine {kind!r} is unknown", "use 'duckdb' or 'spark' (or pandas, without an engine)")
