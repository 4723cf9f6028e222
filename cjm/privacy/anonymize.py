"""Step 01: anonymize the raw exports before anything else reads them.

What happens to each column is declared per source in the params (see the comment
on ``sources`` in ``params/demo.yaml``); columns nobody declared are checked by
content and dropped when they hold personal data:

- identifiers become keyed pseudonyms (HMAC-SHA256 with a secret created once per
  engagement in ``data/<engagement>/private/``): one person, one pseudonym, in every
  file; ``private/reidentification.csv`` maps them back for the client;
- rows of sources identified only by phone or e-mail (a survey, an interview index)
  get the ``client_id`` of the client with that phone or e-mail;
- names, phones, e-mails, document numbers are dropped; birth dates become the birth
  year (or a 5-year cohort), addresses the town and region;
- a source whose table leaves its key unmapped (a lead list or a purchase log
  without ids) gets ``row_id``, a pseudonym of each row's number (``<source>:<row>``,
  rows counted from 1 under the header), so its rows can be told apart and mapped back;
- columns that ``clean.tables`` maps are kept whatever their content (the consultant
  has said what they are); other undeclared columns are dropped when their content is
  personal, each with its reason;
- free text and interview transcripts are scrubbed (:class:`cjm.privacy.scrub.TextScrubber`);
- a k-anonymity report shows how identifying the remaining quasi-identifiers are.

Everything is written to ``data/<engagement>/interim/anonymized/`` at once, or not at all:
``<source>.parquet``, or for a source out of core (a folder of parquet files, or an export of
more than :data:`cjm.core.io.OUT_OF_CORE_BYTES`) a folder ``<source>/`` of part files
``part-00000.parquet`` …, one per block of rows streamed through.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from cjm.core.errors import CjmError
from cjm.core.geo import normalize_town, region_of, town_from_address
from cjm.core.files import atomic_folder, write_atomic
from cjm.core.io import out_of_core, read_export, read_export_chunks, read_transcript
from cjm.core.schemas import require_columns
from cjm.core.params import check_links, clean_columns, row_id_sources
from cjm.core.schemas import ROW_ID
from cjm.core.paths import EngagementPaths
from cjm.privacy.pii import detect_personal_columns, normalize_email, normalize_phone
from cjm.privacy.scrub import KINDS, TextScrubber

#: Pseudonym prefix per identifier kind; other kinds use their first letter.
PREFIXES = {"client": "C", "deal": "D", "manager": "M", "respondent": "R", "interview": "I", "row": "N"}
#: Where 01 records what it did with each column, beside the anonymized sources.
TREATMENTS = ".columns.parquet"
#: Name of the n-th part file of a source written out of core.
PART = "part-{:05d}.parquet"
#: Columns of the k-anonymity report.
K_COLUMNS = ["source", "quasi_identifiers", "k", "records", "groups", "smallest_group", "groups_under_k",
             "records_under_k", "share_under_k"]
#: Hex digits of the HMAC kept in a pseudonym (64 bits: collisions are checked, not assumed away).
PSEUDONYM_HEX = 16
#: Raw date formats tried, in order, for birth dates.
BIRTH_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y", "%d.%m.%y")
#: Undeclared text columns with values of at least this many words are scrubbed as free text.
FREE_TEXT_WORDS = 6
INVALID = "invalid"
#: The end of the detail of a column dropped for what it holds ("phone (found by content)").
FOUND_BY_CONTENT = "(found by content)"
_NORMALIZERS = {"phone": normalize_phone, "email": normalize_email}


# ----------------------------------------------------------------------------- pseudonyms
def load_or_create_key(path: Path) -> bytes:
    """The engagement's secret key, created (32 random bytes, hex, mode 600, in a folder of
    mode 700) on first use.

    A key that is gone while the re-identification table it made is still there is an
    error, not a new key: every pseudonym would change and no longer match what was
    delivered. Keep ``private/`` backed up with the engagement, never in git or outputs.
    """
    path = Path(path)
    table = path.with_name("reidentification.csv")
    if not path.exists() and table.exists():
        raise CjmError(f"{path} is missing, but {table.name} beside it was made with a key: the key is lost",
                       "restore secret.key from the engagement's backup (a new key would change every pseudonym); "
                       "to start the engagement anew on purpose, move private/ away first")
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    if path.exists():
        text = path.read_text(encoding="ascii").strip()
        try:
            key = bytes.fromhex(text)
        except ValueError as err:
            raise CjmError(f"{path} is not a hex key", "restore it from the engagement's backup") from err
        if len(key) < 16:
            raise CjmError(f"{path} holds a key of {len(key)} bytes", "restore it from the engagement's backup")
        return key
    key = secrets.token_bytes(32)
    write_atomic(key.hex() + "\n", path, now=True, private=True)  # kept whatever becomes of the run
    return key


def map_distinct(values: pd.Series, func) -> pd.Series:
    """``func`` applied once per distinct value (missing values stay missing), as ``str``."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([func(u) for u in uniques.tolist()], dtype=object)
    return pd.Series(pd.api.extensions.take(mapped, codes, allow_fill=True), index=values.index, dtype="str")


class Pseudonymizer:
    """Keyed pseudonyms ``<prefix>-<16 hex>`` of identifiers, per kind.

    The pseudonym of a value is ``HMAC-SHA256(key, "<kind>:<value casefolded>")``:
    stable across files and runs with the same key, impossible to recompute
    without it. Every value seen is remembered for the re-identification table,
    and two different values with one pseudonym raise an error.

    Parameters
    ----------
    key : bytes
        The engagement's secret (:func:`load_or_create_key`).

    Examples
    --------
    >>> p = Pseudonymizer(b"0" * 32)
    >>> p.transform(pd.Series(["К-000123", " К-000123 "]), "client").nunique()
    1
    """

    def __init__(self, key: bytes):
        self.key = key
        self._originals: dict[str, dict[str, str]] = {}  # kind -> pseudonym -> original
        self._aliases: dict[str, dict[str, str]] = {}  # kind -> normalized value -> pseudonym

    def pseudonym(self, value: str, kind: str) -> str:
        prefix = PREFIXES.get(kind, kind[:1].upper())
        digest = hmac.digest(self.key, f"{kind}:{value.casefold()}".encode(), "sha256")
        return f"{prefix}-{digest.hex()[:PSEUDONYM_HEX]}"

    def _alias(self, value, kind: str, aliases: dict, seen: dict) -> str | None:
        value = " ".join(str(value).split())
        if not value:
            return None
        alias = aliases.get(value)
        if alias is None:
            alias = aliases[value] = self.pseudonym(value, kind)
            earlier = seen.setdefault(alias, value)
            if earlier != value and earlier.casefold() != value.casefold():
                raise CjmError(f"pseudonym collision for kind '{kind}': two identifiers share {alias}",
                               "report this (it should practically never happen); rerun with a new key")
        return alias

    def transform(self, values: pd.Series, kind: str) -> pd.Series:
        """Pseudonyms of ``values`` (blanks stay missing), same index, ``str`` dtype.

        Each distinct value is hashed once per kind, however many files it appears in.
        """
        aliases, seen = self._aliases.setdefault(kind, {}), self._originals.setdefault(kind, {})
        # a value seen before as written is a dict lookup (the keys are normalized values)
        return map_distinct(values, lambda v: aliases.get(v) or self._alias(v, kind, aliases, seen))

    def reidentification(self) -> pd.DataFrame:
        """The re-identification table: ``kind``, ``original``, ``pseudonym``."""
        parts = [pd.DataFrame({"kind": kind, "original": pd.Series(list(seen.values()), dtype="str"),
                               "pseudonym": pd.Series(list(seen), dtype="str")})
                 for kind, seen in self._originals.items()]
        table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["kind", "original", "pseudonym"], dtype="str")
        return table.astype("str").sort_values(["kind", "pseudonym"], ignore_index=True)


# ----------------------------------------------------------------------------- generalization
def birth_year(values: pd.Series) -> pd.Series:
    """Birth year (as text) of raw birth dates; unparseable dates become ``"invalid"``.

    >>> birth_year(pd.Series(["30.08.1983", "1983-08-30", "31.02.1985", None])).tolist()
    ['1983', '1983', 'invalid', nan]
    """
    text = values.astype("str").str.strip()
    text = text.mask(text == "")
    dates = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in BIRTH_DATE_FORMATS:
        todo = dates.isna() & text.notna()
        if not todo.any():
            break
        dates[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    years = dates.dt.year.astype("Int64").astype("str")
    return years.mask(text.notna() & dates.isna(), INVALID).mask(text.isna())


def birth_cohort(values: pd.Series, width: int = 5) -> pd.Series:
    """5-year birth cohorts (``"1980-1984"``) of raw birth dates: an age band that does not age."""
    years = birth_year(values)
    numeric = pd.to_numeric(years, errors="coerce")
    start = (numeric // width * width).astype("Int64")
    bands = start.astype("str") + "-" + (start + width - 1).astype("str")
    return bands.where(numeric.notna(), years).astype("str")


def town_and_region(addresses: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Town and region of free-form addresses (``"г. Минск, ул. …"`` -> Минск, г. Минск)."""
    town = map_distinct(addresses, lambda a: normalize_town(town_from_address(a)))
    return town, map_distinct(town, region_of)


def k_anonymity(frame: pd.DataFrame, columns: list[str], k: int) -> dict:
    """How identifying a combination of quasi-identifiers is.

    Values are compared case- and space-insensitively; a blank is a value of its own.

    Returns
    -------
    dict
        ``records``, ``groups``, ``smallest_group``, ``groups_under_k``,
        ``records_under_k``, ``share_under_k``.
    """
    keys = [frame[c].astype("str").str.strip().str.casefold().fillna("<blank>") for c in columns]
    sizes = pd.concat(keys, axis=1).value_counts(dropna=False) if len(frame) else pd.Series(dtype="int64")
    under = sizes[sizes < k]
    return {"records": len(frame), "groups": len(sizes),
            "smallest_group": int(sizes.min()) if len(sizes) else 0,
            "groups_under_k": len(under), "records_under_k": int(under.sum()),
            "share_under_k": float(under.sum() / len(frame)) if len(frame) else 0.0}


def k_anonymity_of_files(files: list[Path], columns: list[str], k: int) -> dict:
    """:func:`k_anonymity` of the rows of parquet ``files`` (an anonymized source written out of
    core), counted by DuckDB without reading them into memory; the same figures."""
    import duckdb

    key = ", ".join(f"coalesce(lower(trim(\"{c}\")), '<blank>')" for c in columns)
    with duckdb.connect() as con:
        records, groups, smallest, under, records_under = con.execute(
            f"WITH sizes AS (SELECT count(*) AS n FROM read_parquet(?) GROUP BY {key}) "
            "SELECT coalesce(sum(n), 0), count(*), coalesce(min(n), 0), count(*) FILTER (n < ?), "
            "coalesce(sum(n) FILTER (n < ?), 0) FROM sizes", [[str(f) for f in files], k, k]).fetchone()
    return {"records": int(records), "groups": int(groups), "smallest_group": int(smallest),
            "groups_under_k": int(under), "records_under_k": int(records_under),
            "share_under_k": float(records_under / records) if records else 0.0}


# ----------------------------------------------------------------------------- linking
@dataclass
class PersonIndex:
    """Client pseudonyms by normalized phone and e-mail, from one source's contact columns."""

    by_kind: dict[str, dict[str, str]]
    ambiguous: dict[str, set[str]]

    @classmethod
    def build(cls, frame: pd.DataFrame, contact_columns: dict[str, str], client_ids: pd.Series) -> "PersonIndex":
        by_kind, ambiguous = {}, {}
        for column, kind in contact_columns.items():
            keys = map_distinct(frame[column], _NORMALIZERS[kind])
            pairs = pd.DataFrame({"key": keys, "client": client_ids}).dropna().drop_duplicates()
            shared = pairs["key"].duplicated(keep=False)
            ambiguous.setdefault(kind, set()).update(pairs.loc[shared, "key"])
            by_kind.setdefault(kind, {}).update(pairs[~shared].set_index("key")["client"].to_dict())
        for kind, keys in ambiguous.items():  # a phone two clients share identifies neither
            for key in keys:
                by_kind[kind].pop(key, None)
        return cls(by_kind, ambiguous)

    def link(self, frame: pd.DataFrame, contact_columns: dict[str, str]) -> tuple[pd.Series, dict]:
        """``client_id`` of each row (first contact column that matches) and link counts."""
        client = pd.Series(pd.NA, index=frame.index, dtype="str")
        counts = {"rows": len(frame)}
        has_contact = pd.Series(False, index=frame.index)
        ambiguous = pd.Series(False, index=frame.index)
        for column, kind in contact_columns.items():
            keys = map_distinct(frame[column], _NORMALIZERS[kind])
            has_contact |= keys.notna()
            found = keys.map(self.by_kind.get(kind, {})).astype("str")
            new = client.isna() & found.notna()
            client[new] = found[new]
            counts[f"linked_by_{kind}"] = counts.get(f"linked_by_{kind}", 0) + int(new.sum())
            ambiguous |= keys.isin(self.ambiguous.get(kind, set()))
        counts["ambiguous"] = int((client.isna() & ambiguous).sum())
        counts["not_found"] = int((client.isna() & has_contact & ~ambiguous).sum())
        counts["no_contact"] = int((~has_contact).sum())
        return client, counts


# ----------------------------------------------------------------------------- the step
@dataclass
class AnonymizeResult:
    """What 01_anonymize did, as tables for the notebook (no personal values in them).

    Attributes
    ----------
    frames : dict of DataFrame
        Anonymized copy of each source (all columns text).
    transcripts : dict of dict
        Source -> {anonymized file name: scrubbed text}.
    columns : DataFrame
        ``source``, ``column``, ``treatment``, ``detail``: one row per raw column.
    scrubbed : DataFrame
        ``source``, ``column``, ``texts`` and one count per placeholder kind.
    links : DataFrame
        ``source``, ``rows``, ``linked_by_phone``, ``linked_by_email``, ``ambiguous``,
        ``not_found``, ``no_contact``.
    k_anonymity : DataFrame
        ``source``, ``quasi_identifiers``, ``k`` and the figures of :func:`k_anonymity`.
    pseudonyms : DataFrame
        ``kind``, ``identifiers``: distinct values pseudonymized per kind.
    reidentification : DataFrame
        ``kind``, ``original``, ``pseudonym`` (private: written to ``private/`` only).
    """

    frames: dict[str, pd.DataFrame]
    transcripts: dict[str, dict[str, str]] = field(default_factory=dict)
    columns: pd.DataFrame | None = None
    scrubbed: pd.DataFrame | None = None
    links: pd.DataFrame | None = None
    k_anonymity: pd.DataFrame | None = None
    pseudonyms: pd.DataFrame | None = None
    reidentification: pd.DataFrame | None = None


def read_source(params: dict, paths: EngagementPaths, name: str, columns: list[str] | None = None,
                whole: pd.DataFrame | None = None) -> pd.DataFrame:
    """One raw export of the params' ``sources``, as text, with its declared columns checked.

    ``columns`` reads only those (they must exist), to spare memory on big exports.
    ``whole``: the export already read whole, to take ``columns`` from as reading them
    alone would (rows blank in all of them left out).
    """
    source = params["sources"][name]
    path = paths.raw / source["file"]
    frame = whole if whole is not None else read_export(path, source.get("format"), param=f"sources.{name}.format",
                                                        columns=columns)
    require_columns(frame, declared_columns(source) if columns is None else columns, str(path), f"sources.{name}")
    if whole is not None and columns is not None:
        frame = frame[[c for c in frame.columns if c in set(columns)]].dropna(how="all").reset_index(drop=True)
    return frame


def read_source_blocks(params: dict, paths: EngagementPaths, name: str, rows: int,
                       columns: list[str] | None = None):
    """:func:`read_source` a block of at most ``rows`` rows at a time (only ``columns`` when given)."""
    source = params["sources"][name]
    path = paths.raw / source["file"]
    for number, block in enumerate(read_export_chunks(path, source.get("format"), f"sources.{name}.format",
                                                      columns=columns, rows=rows)):
        if number == 0:
            require_columns(block, declared_columns(source) if columns is None else columns, str(path),
                            f"sources.{name}")
        yield block


def read_sources(params: dict, paths: EngagementPaths) -> dict[str, pd.DataFrame]:
    """Every raw export of the params' ``sources`` (see :func:`read_source`)."""
    return {name: read_source(params, paths, name)
            for name in tqdm(params["sources"], desc="reading exports", leave=False)}


#: Keys of a source's params that name its raw columns, in the order 01 reads them.
COLUMN_KEYS = ("identifiers", "name_columns", "link_person", "drop", "birth_date", "address", "free_text", "keep")
#: The columns 01 makes of an address column: its town and its region.
ADDRESS_PARTS = ("{} (town)", "{} (region)")


def declared_column_keys(source: dict) -> dict[str, str]:
    """Raw column -> the key of a source's params that names it first (one of
    :data:`COLUMN_KEYS`, or ``transcripts.file_column``), in the order of the params."""
    keys = {}
    for key in COLUMN_KEYS:
        for column in source.get(key, ()):
            keys.setdefault(column, key)
    if "transcripts" in source:
        keys.setdefault(source["transcripts"]["file_column"], "transcripts.file_column")
    return keys


def declared_columns(source: dict) -> list[str]:
    """Raw columns a source's params name, in the order of the params."""
    return list(declared_column_keys(source))


def added_columns(params: dict, name: str) -> set[str]:
    """Columns 01 adds to source ``name``, which later steps' params may map: ``client_id``
    (of a source linked to another), ``row_id`` (of a source numbered, :func:`row_id_sources`),
    and an address column's town and region (:data:`ADDRESS_PARTS`)."""
    source = params["sources"][name]
    added = {part.format(column) for column in source.get("address", []) for part in ADDRESS_PARTS}
    if "link_to" in source:
        added.add("client_id")
    if name in row_id_sources(params):
        added.add(ROW_ID)
    return added


def known_names(frames: dict, sources: dict) -> list[str]:
    """Distinct words of every name column: the scrubber removes them from free text.

    ``frames``: source -> its name columns, a frame or an iterable of blocks of rows.
    """
    words = set()
    for name, source in sources.items():
        if name not in frames:
            continue
        for block in [frames[name]] if isinstance(frames[name], pd.DataFrame) else frames[name]:
            for column in source.get("name_columns", []):
                values = block[column].dropna().astype("str").unique()
                words.update(w for v in values for w in v.split())
    return sorted(words)


def anonymize(params: dict, paths: EngagementPaths, frames: dict[str, pd.DataFrame] | None = None,
              n_jobs: int = 2, sink: Path | None = None, block_rows: int = 500_000) -> AnonymizeResult:
    """Anonymize every source of an engagement.

    Parameters
    ----------
    params : dict
        Validated engagement parameters (:func:`cjm.core.params.load_params`).
    paths : EngagementPaths
        The engagement's folders; the secret key is read (or created) in ``private/``.
    frames : dict of DataFrame, optional
        Raw exports already read (:func:`read_sources`); else each is read when its turn
        comes, so only one big export is in memory at a time.
    n_jobs : int
        Processes used to scrub free text.
    sink : Path, optional
        A folder: each anonymized source is written there as ``<source>.parquet`` as soon
        as it is done and not kept in ``result.frames``. Without it nothing is written
        (see :func:`write_anonymized` and :func:`run_anonymize`).
    block_rows : int
        With a ``sink``, a big CSV export is read, anonymized and written this many rows
        at a time (the first block decides which undeclared columns are personal or free
        text), so memory stays flat however long the export. A source out of core
        (:func:`cjm.core.io.out_of_core`) always streams so, each block written as a part
        file of the folder ``<sink>/<source>/`` (:data:`PART`); its k-anonymity is counted
        over those files (:func:`k_anonymity_of_files`).
    """
    sources = params["sources"]
    check_links(params)

    sheets = {}  # xlsx sources read whole until their turn: calamine parses a whole sheet anyway

    def read(name, columns=None):
        if frames is not None:
            return frames[name] if columns is None else frames[name][columns]
        source = sources[name]
        if Path(source["file"]).suffix.lower() not in (".xlsx", ".xlsm"):
            return read_source(params, paths, name, columns)
        if name not in sheets:
            sheets[name] = read_export(paths.raw / source["file"], source.get("format"), f"sources.{name}.format")
        frame = read_source(params, paths, name, columns, sheets[name] if columns else sheets.pop(name))
        return frame if len(frame) else read_source(params, paths, name, columns)  # the error of no rows

    settings = params.get("anonymize", {})
    quasi = settings.get("quasi_identifiers", {})
    mapped, row_sources = clean_columns(params), row_id_sources(params)
    streamed = {n for n, s in sources.items()  # an interview index is read whole with its transcripts
                if frames is None and "transcripts" not in s and out_of_core(paths.raw / s["file"])}
    names = {n: read_source_blocks(params, paths, n, block_rows, s["name_columns"]) if n in streamed
             else read(n, s["name_columns"]) for n, s in sources.items() if s.get("name_columns")}
    scrubber = TextScrubber(known_names(names, sources), params["language"])
    del names
    pseudonymizer = Pseudonymizer(load_or_create_key(paths.secret_key))
    indexes = _person_indexes(read, sources, pseudonymizer)

    result = AnonymizeResult(frames={})
    columns, scrubbed, links, k_rows = [], [], [], []
    for name, source in tqdm(sources.items(), desc="anonymizing", leave=False):
        # a big CSV streams through in blocks when written to a sink, unless the whole
        # table is needed at once (k-anonymity, transcripts); a source out of core always
        parts = sink is not None and name in streamed
        whole = not parts and (sink is None or frames is not None or name in quasi or "transcripts" in source)
        blocks = [read(name)] if whole else read_source_blocks(params, paths, name, block_rows)
        if parts:
            (Path(sink) / name).mkdir()
        writer = plan = None
        totals, link_totals, rows = {}, {}, 0
        for raw in blocks:
            plan = plan or _plan_source(raw, source, settings.get("detect_sample", 2000), mapped.get(name, []))
            frame, treatments, counts = _anonymize_source(raw, source, plan, pseudonymizer, scrubber, n_jobs)
            if name in row_sources and ROW_ID not in raw.columns:
                numbers = pd.Series([f"{name}:{i}" for i in range(rows + 1, rows + len(raw) + 1)], dtype="str")
                frame.insert(0, ROW_ID, pseudonymizer.transform(numbers, "row").to_numpy())
                treatments.insert(0, _treatment(ROW_ID, "added", "row number"))
            rows += len(raw)
            if "link_to" in source:
                frame["client_id"], link = indexes[source["link_to"]].link(raw, source["link_person"])
                link_totals = _add_counts(link_totals, link)
            if "transcripts" in source:
                result.transcripts[name], transcript_counts = _scrub_transcripts(
                    raw, frame, source["transcripts"], paths.raw, scrubber)
                counts.append({"column": f"{source['transcripts']['folder']}/ (transcripts)", **transcript_counts})
            del raw
            for count in counts:
                totals[count["column"]] = _add_counts(totals.get(count["column"], {}), count)
            if name in quasi and not parts:
                k_rows.append({"source": name, "quasi_identifiers": ", ".join(quasi[name]),
                               "k": settings.get("k", 5), **k_anonymity(frame, quasi[name], settings.get("k", 5))})
            if sink is None:
                result.frames[name] = frame
            elif parts:  # a part file per block
                part = Path(sink) / name / PART.format(len(list((Path(sink) / name).glob("*.parquet"))))
                _write_block(frame, part).close()
            else:
                writer = _write_block(frame, Path(sink) / f"{name}.parquet", writer)
        if writer is not None:
            writer.close()
        if name in quasi and parts:
            k_rows.append({"source": name, "quasi_identifiers": ", ".join(quasi[name]), "k": settings.get("k", 5),
                           **k_anonymity_of_files(sorted((Path(sink) / name).glob("*.parquet")), quasi[name],
                                                  settings.get("k", 5))})
        if link_totals:
            links.append({"source": name, **link_totals})
        columns += [{"source": name, **t} for t in treatments]
        scrubbed += [{"source": name, **c} for c in totals.values()]

    result.columns = pd.DataFrame(columns, columns=["source", "column", "treatment", "detail"])
    result.scrubbed = pd.DataFrame(scrubbed, columns=["source", "column", "texts", *KINDS])
    result.links = pd.DataFrame(links, columns=["source", "rows", "linked_by_phone", "linked_by_email",
                                                "ambiguous", "not_found", "no_contact"]).fillna(0)
    result.links = result.links.astype({c: "int64" for c in result.links.columns if c != "source"})
    result.k_anonymity = pd.DataFrame(k_rows, columns=K_COLUMNS)
    result.reidentification = pseudonymizer.reidentification()
    result.pseudonyms = (result.reidentification.groupby("kind").size()
                         .rename("identifiers").reset_index())
    return result


def _add_counts(total: dict, counts: dict) -> dict:
    """Per-key sums of two count records (the ``column`` key is kept as is)."""
    return {key: value if key == "column" else total.get(key, 0) + value for key, value in counts.items()}


def _write_block(frame: pd.DataFrame, path: Path, writer=None):
    """Append ``frame`` to the parquet file at ``path`` (opened on the first block)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if writer is None:
        schema = pa.schema([f.with_type(pa.large_string()) if pa.types.is_null(f.type) else f
                            for f in table.schema], metadata=table.schema.metadata)
        writer = pq.ParquetWriter(path, schema)
    writer.write_table(table.cast(writer.schema))
    return writer


def write_anonymized(result: AnonymizeResult, paths: EngagementPaths) -> None:
    """Write the re-identification table to ``private/`` and the anonymized sources to
    ``interim/anonymized/`` (``<source>.parquet``, transcripts under ``<source>/``), atomically."""
    with atomic_folder(paths.anonymized) as folder:
        for name, frame in result.frames.items():
            frame.to_parquet(folder / f"{name}.parquet", index=False)
        _write_rest(result, folder, paths)


def run_anonymize(params: dict, paths: EngagementPaths, n_jobs: int = 2) -> AnonymizeResult:
    """01 end to end, one source in memory at a time: ``interim/anonymized/`` is written
    all at once or not at all, the re-identification table to ``private/``."""
    with atomic_folder(paths.anonymized) as folder:
        result = anonymize(params, paths, n_jobs=n_jobs, sink=folder)
        _write_rest(result, folder, paths)
    return result


def _write_rest(result: AnonymizeResult, folder: Path, paths: EngagementPaths) -> None:
    """Beside the sources' tables: the transcripts, the columns' treatments, and the
    re-identification table (to ``private/``)."""
    result.columns.to_parquet(folder / TREATMENTS, index=False)
    paths.private.mkdir(mode=0o700, parents=True, exist_ok=True)  # the table moves in at the commit
    os.chmod(paths.private, 0o700)
    write_atomic(result.reidentification, paths.reidentification, private=True)  # mode 600 from the start
    for name, texts in result.transcripts.items():
        (folder / name).mkdir()
        for file_name, text in texts.items():
            (folder / name / file_name).write_text(text, encoding="utf-8")


def _person_indexes(read, sources, pseudonymizer) -> dict[str, PersonIndex]:
    """Person indexes of the sources others link to, from their client and contact columns."""
    indexes = {}
    for target in {s["link_to"] for s in sources.values() if "link_to" in s}:
        source = sources[target]
        client_column = next(c for c, kind in source["identifiers"].items() if kind == "client")
        frame = read(target, list(dict.fromkeys([client_column, *source["link_person"]])))
        client_ids = pseudonymizer.transform(frame[client_column], "client")
        indexes[target] = PersonIndex.build(frame, source["link_person"], client_ids)
    return indexes


def personal_by_content(raw: pd.DataFrame, source: dict, mapped=(), sample: int = 2000) -> dict[str, str]:
    """Columns of a source that 01 drops for their content (:func:`cjm.privacy.pii.detect_personal_columns`):
    those neither declared in the source's params (but ``keep``: a column said not to be
    personal is not trusted) nor mapped by ``clean.tables`` (``mapped``)."""
    skip = (set(declared_columns(source)) - set(source.get("keep", []))) | set(mapped)
    return detect_personal_columns(raw[[c for c in raw.columns if c not in skip]], sample=sample)


def _plan_source(raw: pd.DataFrame, source: dict, detect_sample: int, mapped=()) -> tuple[dict, list[str]]:
    """What to do with each column of a source, from its params and (for undeclared
    columns) its content: the columns to remove with why, and the free-text columns."""
    removed = {**dict.fromkeys(source.get("name_columns", []), "name"),
               **{c: f"{kind} (used to link the person)" for c, kind in source.get("link_person", {}).items()},
               **dict.fromkeys(source.get("drop", []), "declared personal")}
    text_columns = list(source.get("free_text", []))
    declared = set(declared_columns(source))
    detected = personal_by_content(raw, source, mapped, detect_sample)
    removed.update({c: f"{kind} {FOUND_BY_CONTENT}" for c, kind in detected.items()})
    text_columns += [c for c in raw.columns if c not in detected and (
        c not in declared and _looks_like_free_text(raw[c])
        or c in source.get("keep", []) and raw[c].astype("str").str.contains(r"[^\W\d_]", na=False).any())]
    return removed, text_columns


def _anonymize_source(raw: pd.DataFrame, source: dict, plan: tuple[dict, list[str]], pseudonymizer: Pseudonymizer,
                      scrubber: TextScrubber, n_jobs: int) -> tuple[pd.DataFrame, list[dict], list[dict]]:
    """One source (or block of its rows) by ``plan`` (:func:`_plan_source`): the anonymized
    frame, a treatment per raw column, scrub counts per text column."""
    identifiers = source.get("identifiers", {})
    removed, text_columns = plan
    declared = set(declared_columns(source))
    out, treatments, counts = {}, [], []
    for column in raw.columns:
        values = raw[column]
        if column in identifiers:
            out[column] = pseudonymizer.transform(values, identifiers[column])
            treatments.append(_treatment(column, "pseudonymized", identifiers[column]))
        elif column in removed:
            treatments.append(_treatment(column, "dropped", removed[column]))
        elif column in source.get("birth_date", {}):
            how = source["birth_date"][column]
            out[column] = birth_year(values) if how == "birth_year" else birth_cohort(values)
            treatments.append(_treatment(column, "generalized", how.replace("_", " ")))
        elif column in source.get("address", []):
            town, region = (part.format(column) for part in ADDRESS_PARTS)
            out[town], out[region] = town_and_region(values)
            treatments.append(_treatment(column, "generalized", "town and region"))
        elif column in text_columns:
            out[column], found = scrubber.scrub_series(values, n_jobs=n_jobs)
            counts.append({"column": column, "texts": int(values.notna().sum()), **found.to_dict()})
            detail = "" if column in source.get("free_text", []) else "declared not personal, text checked" \
                if column in declared else "looks like free text"
            treatments.append(_treatment(column, "scrubbed", detail))
        else:
            out[column] = values.astype("str")
            treatments.append(_treatment(column, "kept", "declared not personal" if column in declared else ""))
    return pd.DataFrame(out, index=raw.index), treatments, counts


def _treatment(column: str, treatment: str, detail: str) -> dict:
    return {"column": column, "treatment": treatment, "detail": detail}


def _looks_like_free_text(values: pd.Series) -> bool:
    """Whether a column holds free text: its typical value, or 1% of its values (answers
    "other: …" among options), of :data:`FREE_TEXT_WORDS` words or more."""
    words = values.dropna().astype("str").head(2000).str.split().str.len()
    return len(words) > 0 and (words.median() >= FREE_TEXT_WORDS or (words >= FREE_TEXT_WORDS).mean() >= 0.01)


def _scrub_transcripts(raw: pd.DataFrame, frame: pd.DataFrame, spec: dict, raw_folder: Path,
                       scrubber: TextScrubber) -> tuple[dict[str, str], dict]:
    """Scrub each transcript named in the index; the index then names the scrubbed ``.txt``."""
    column, folder = spec["file_column"], raw_folder / spec["folder"]
    texts, totals = {}, dict.fromkeys(KINDS, 0)
    names = raw[column].dropna().astype("str")
    for index, file_name in names.items():
        lines = pd.Series(read_transcript(folder / file_name).splitlines(), dtype="str")
        scrubbed, found = scrubber.scrub_series(lines)
        target = f"{Path(file_name).stem}.txt"
        if target in texts:
            raise CjmError(f"{folder}: two transcripts would both be saved as {target}",
                           f"give the files in column '{column}' distinct names")
        texts[target] = "\n".join(scrubbed) + "\n"
        frame.loc[index, column] = target
        for kind, n in found.items():
            totals[kind] += int(n)
    return texts, {"texts": len(texts), **totals}
