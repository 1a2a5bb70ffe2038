"""Find, read and validate a dataset folder; ``load()`` returns a :class:`Dataset`.

A dataset is a folder with ``dataset.yml`` and any of the canonical tables (see ``tables.py``) as
``<table>.csv`` or ``<table>.parquet`` (or, with no canonical table, only the extra tables listed
under ``extras``: a published summary such as the donations data). ``load("synthetic")`` looks in the project's ``data/``
folder (or ``$RELMKT_DATA``); ``load("path/to/folder")`` reads that folder.

Every problem found is collected (not just the first) and raised together as a
:class:`~relmkt_utils.core.errors.DataError` naming file, column, up to five offending lines and the
rule. ``validate(path)`` returns the problems instead of raising.

``dataset.yml`` keys: ``name``, ``description``, ``currency``, ``time_unit`` (day/week/month/year),
``observation_start``, ``observation_end`` (ISO dates ``YYYY-MM-DD``; every date of the tables lies
in this window), ``provenance``, ``licence``; optionally ``truth`` (generator parameters of synthetic
data), ``calibration_end`` (ISO date), ``extras`` (name -> description of additional CSV tables,
read from ``<name>.csv``), ``allow_duplicate_transactions`` (default false: a line of transactions that
repeats an earlier line exactly is reported; true: repeats are real purchases, as in CDNOW's raw log)
``transactions_path`` and ``source_figures`` (name -> number: totals of the raw source that a
converted dataset reconciles with, e.g. its line and customer counts) and ``offers`` (offer name ->
{choices column: level}: the offers the share simulator of notebook 02 compares, when the
illustrative ones built from the levels would not be real offers) and ``survey_items`` (the item
scale, constructs and wording of a survey that is not on the canonical 1-7 components; see
``survey_items.py``). Any other key is a
problem (most often a typo; the closest known key is suggested).

Dates in the tables may carry a UTC offset (``2024-03-01T10:00:00+01:00``, ``...Z``): they are
converted to UTC and the time zone is dropped (see ``validation.py``).

Reading a user's files never raises: a file that cannot be read for any reason becomes a problem
(``unreadable``, with the first line of the error).

**Bounded.** Only regular files are read (a named pipe, device or folder in a table's place is
``unreadable`` and never opened for reading, so it cannot block); ``dataset.yml`` is at most 1 MB
and parsed within :mod:`relmkt_utils.core.bounded_yaml`'s bounds (an alias bomb is ``yaml_limit``);
an ``extras`` name is a table name read from ``<name>.csv`` inside the folder (``../x`` is
``yaml_extras_name``); ``transactions_path`` stays inside the folder (``logs.py``). A text file in
UTF-16 or UTF-32 (a byte-order mark) is named as such (``encoding_other``). A folder written by
``relmkt import`` carries a marker of completeness, checked here (``incomplete``).
"""
from __future__ import annotations

import csv
import datetime
import difflib
import io
import os
import re
import warnings
from pathlib import Path

import pandas as pd
import yaml

from ..core.bounded_yaml import YAMLLimitError, load_yaml
from ..core.checks import checked, instance
from .dataset import Dataset, completeness_problems, save  # noqa: F401  (re-exported)
from ..core.errors import DataError, Problem, shown_values
from ..core.files import detect_encoding, open_regular, read_regular
from .tables import TABLE_NAMES
from .logs import check_transactions_path, resolve_transactions_path
from .survey_items import parse_survey_items
from .validation import RULES, TableCheck, check_duplicate_rows, check_foreign_keys, check_table

REQUIRED_META = ("name", "description", "currency", "time_unit", "observation_start", "observation_end", "provenance", "licence")
OPTIONAL_META = ("truth", "calibration_end", "extras", "allow_duplicate_transactions", "transactions_path", "source_figures",
                 "offers", "survey_items")
KNOWN_META = REQUIRED_META + OPTIONAL_META
META_DATES = ("observation_start", "observation_end", "calibration_end")
TIME_UNITS = ("day", "week", "month", "year")
#: The largest ``dataset.yml`` read, in bytes.
MAX_META_BYTES = 1_000_000
#: An extras name: a table name (the file ``<name>.csv`` in the dataset folder).
EXTRA_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,99}$")
#: The project's own ``data/`` folder (shipped datasets; :func:`data_dir` unless ``$RELMKT_DATA`` is set).
PROJECT_DATA = Path(__file__).resolve().parents[2] / "data"


def data_dir() -> Path:
    """The folder of named datasets: ``$RELMKT_DATA``, else the project's ``data/``."""
    env = os.environ.get("RELMKT_DATA")
    if env:
        return Path(env)
    return PROJECT_DATA


def available() -> list[str]:
    """Names of the datasets in :func:`data_dir`."""
    root = data_dir()
    return sorted(p.name for p in root.iterdir() if (p / "dataset.yml").exists()) if root.exists() else []


def resolve(name_or_path: str | Path) -> Path:
    """The folder of a dataset given by name or path; a DataError if there is none.

    A bare name (no path separator) is a dataset of :func:`data_dir` first, so a folder of the same
    name in the current folder never hides it; anything else is a path (relative to the current folder)."""
    text = str(name_or_path)
    if "/" not in text and "\\" not in text and (data_dir() / text).is_dir():
        return data_dir() / text
    p = Path(name_or_path)
    if p.is_dir():
        return p
    known = ", ".join(available()) or "none"
    raise DataError(Problem(str(name_or_path), RULES["not_found"], detail=f"known: {known}", code="not_found"))


def _problem(file: str, code: str, column=None, detail: str = "", values=()) -> Problem:
    return Problem(file, RULES[code], column=column, detail=detail, code=code, values=tuple(values))


def _unreadable(file: str, exc: BaseException) -> Problem:
    lines = str(exc).strip().splitlines()
    return _problem(file, "unreadable", detail=lines[0] if lines else type(exc).__name__)


class _MetaLoader(yaml.SafeLoader):
    """Safe YAML loader whose impossible dates (``2024-02-30``) stay text, to be reported as values."""


def _timestamp_or_text(loader, node):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_MetaLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def meta_date(value) -> pd.Timestamp | None:
    """A ``dataset.yml`` date (``YYYY-MM-DD``, quoted or not) as a Timestamp; None if it is not one."""
    if isinstance(value, datetime.datetime):
        return None
    if isinstance(value, datetime.date):
        text = value.isoformat()
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        text = value.strip()
    else:
        return None
    try:
        return pd.Timestamp(datetime.date.fromisoformat(text))
    except (ValueError, OverflowError):
        return None


def read_meta(folder: Path) -> tuple[dict, list[Problem]]:
    """Parse and check ``dataset.yml``."""
    path = folder / "dataset.yml"
    if not path.exists():
        return {}, [_problem("dataset.yml", "yaml_missing")]
    try:
        raw = read_regular(path, limit=MAX_META_BYTES, what="dataset.yml")
        meta = load_yaml(raw.decode("utf-8"), loader=_MetaLoader)
    except UnicodeDecodeError:
        found = detect_encoding(raw)
        if found and found[1] != "UTF-8":
            return {}, [_problem("dataset.yml", "encoding_other", detail=f"it is {found[1]}")]
        return {}, [_problem("dataset.yml", "encoding")]
    except YAMLLimitError as exc:
        return {}, [_problem("dataset.yml", "yaml_limit", detail=str(exc))]
    except DataError as exc:                    # not a regular file, or too large
        return {}, [_problem("dataset.yml", "yaml_limit" if "larger than" in str(exc) else "unreadable", detail=str(exc))]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        return {}, [_problem("dataset.yml", "yaml_syntax", detail=where)]
    except Exception as exc:  # an unreadable file (a folder, no permission, ...)
        return {}, [_unreadable("dataset.yml", exc)]
    if not isinstance(meta, dict):
        return {}, [_problem("dataset.yml", "yaml_mapping")]
    bad_text = _not_text(meta)
    if bad_text is not None:
        return {}, [_problem("dataset.yml", "yaml_text", values=shown_values([bad_text]))]
    problems = [_problem("dataset.yml", "yaml_key", column=k) for k in REQUIRED_META if k not in meta]
    for key in meta:
        if key not in KNOWN_META:
            close = difflib.get_close_matches(str(key).strip().lower(), KNOWN_META, n=1)
            detail = f"did you mean '{close[0]}'?" if close else "known keys: " + ", ".join(KNOWN_META)
            problems.append(_problem("dataset.yml", "yaml_unknown_key", column=str(key), detail=detail))
    dates = {}
    for key in META_DATES:
        if key in meta:
            dates[key] = meta_date(meta[key])
            if dates[key] is None:
                problems.append(_problem("dataset.yml", "yaml_iso_date", column=key, values=shown_values([meta[key]])))
    start, end = dates.get("observation_start"), dates.get("observation_end")
    if start is not None and end is not None and start > end:
        problems.append(_problem("dataset.yml", "yaml_date", column="observation_start", detail=f"{start.date()} is after {end.date()}"))
    if "time_unit" in meta and not (isinstance(meta["time_unit"], str) and meta["time_unit"] in TIME_UNITS):
        problems.append(_problem("dataset.yml", "yaml_time_unit", column="time_unit", detail=f"got {meta['time_unit']!r}"))
    if "allow_duplicate_transactions" in meta and not isinstance(meta["allow_duplicate_transactions"], bool):
        problems.append(_problem("dataset.yml", "yaml_bool", column="allow_duplicate_transactions",
                                 values=shown_values([meta["allow_duplicate_transactions"]])))
    if meta.get("extras") is not None and not isinstance(meta["extras"], dict):
        problems.append(_problem("dataset.yml", "yaml_extras", column="extras"))
    elif isinstance(meta.get("extras"), dict):
        for extra in meta["extras"]:
            if not (isinstance(extra, str) and EXTRA_NAME.match(extra)) or extra in TABLE_NAMES:
                why = ("YAML reads it as a number: quote it" if isinstance(extra, (int, float)) else
                       "a canonical table is not an extra" if extra in TABLE_NAMES else "")
                problems.append(_problem("dataset.yml", "yaml_extras_name", column="extras", detail=why,
                                         values=shown_values([extra])))
    figures = meta.get("source_figures")
    if figures is not None and not (isinstance(figures, dict) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in figures.values())):
        problems.append(_problem("dataset.yml", "yaml_source_figures", column="source_figures"))
    offers = meta.get("offers")
    if offers is not None and not (isinstance(offers, dict) and offers and all(
            isinstance(o, dict) and o and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in o.values())
            for o in offers.values())):
        problems.append(_problem("dataset.yml", "yaml_offers", column="offers"))
    if "survey_items" in meta:
        problems += [_problem("dataset.yml", "yaml_survey_items", column="survey_items", detail=d)
                     for d in parse_survey_items(meta["survey_items"])[1]]
    return meta, problems


def _not_text(value) -> str | None:
    """The first string of a parsed YAML document (keys included) that is not text (a lone
    surrogate, which cannot be written as UTF-8), escaped for the message; None when all are text."""
    todo = [value]
    while todo:
        v = todo.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return v.encode("utf-8", "backslashreplace").decode("ascii", "replace")[:60]
        elif isinstance(v, dict):
            todo += list(v.keys()) + list(v.values())
        elif isinstance(v, list):
            todo += v
    return None


def _observation_window(meta: dict, problems: list[Problem]) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    if any(p.code in ("yaml_date", "yaml_iso_date") for p in problems):
        return None
    start, end = meta_date(meta.get("observation_start")), meta_date(meta.get("observation_end"))
    return (start, end) if start is not None and end is not None else None


def _read_text(path: Path) -> tuple[str | None, Problem | None]:
    """The text of a CSV file (UTF-8, a BOM allowed), or the problem that it is not readable text
    (naming UTF-16 or UTF-32 when a byte-order mark or the pattern of zero bytes says so). Only a
    regular file is read."""
    raw = read_regular(path, what=path.name)
    found = detect_encoding(raw)
    if found and found[1] != "UTF-8":
        return None, _problem(path.name, "encoding_other", detail=f"it is {found[1]}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, Problem(path.name, RULES["encoding"], rows=(line,), n_rows=1, code="encoding")
    if not text.strip():
        return None, _problem(path.name, "empty")
    return text, None


def _header(text: str) -> list[str] | None:
    """The header fields of a CSV text as written (pandas would rename a repeated name)."""
    try:
        for row in csv.reader(io.StringIO(text)):
            if any(field.strip() for field in row):
                return row
    except csv.Error:
        return None  # pandas reports the syntax
    return None


def _duplicate_columns(file: str, names) -> list[Problem]:
    """One problem per column name given twice or more (compared without surrounding spaces)."""
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(names, start=1):
        key = str(name).strip()
        if key:
            positions.setdefault(key, []).append(i)
    return [
        _problem(file, "duplicate_column", column=key, detail="header fields " + ", ".join(map(str, where)),
                 values=shown_values(names[i - 1] for i in where))
        for key, where in positions.items()
        if len(where) > 1
    ]


def _read_csv(path: Path, **read_kw) -> tuple[pd.DataFrame | None, list[Problem]]:
    text, problem = _read_text(path)
    if problem is not None:
        return None, [problem]
    header = _header(text)
    duplicates = _duplicate_columns(path.name, header) if header else []
    if duplicates:
        return None, duplicates
    try:
        with warnings.catch_warnings():
            # pandas only warns (and drops data) when the first data line is longer than the header
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), index_col=False, **read_kw)
    except pd.errors.ParserError as exc:
        detail = str(exc).strip().removeprefix("Error tokenizing data. C error: ")
        return None, [Problem(path.name, RULES["csv_syntax"], detail=detail, code="csv_syntax")]
    except pd.errors.ParserWarning:
        return None, [Problem(path.name, RULES["csv_syntax"], detail="a line has more fields than the header", code="csv_syntax")]
    except pd.errors.EmptyDataError:
        return None, [_problem(path.name, "empty")]
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, _duplicate_columns(path.name, list(frame.columns))


def _read_table(path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV (all columns as text, so validation sees what the user wrote) or a Parquet file."""
    if path.suffix == ".parquet":
        with open_regular(path, what=path.name) as fh:       # a named pipe is refused, never read
            try:
                frame = pd.read_parquet(fh)
            except Exception as exc:  # pyarrow raises many types for a damaged file
                return None, [_problem(path.name, "parquet", detail=(str(exc).splitlines() or [type(exc).__name__])[0])]
        duplicates = _duplicate_columns(path.name, [str(c) for c in frame.columns])
        return (None, duplicates) if duplicates else (frame, [])
    return _read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def _read_extra(path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """An extra table: a CSV with the usual type inference, ``customer_id`` kept as text."""
    frame, problems = _read_csv(path, dtype={"customer_id": str})
    if frame is not None and not problems and len(frame) == 0:
        return None, [_problem(path.name, "empty")]
    return frame, problems


def _table_files(folder: Path) -> tuple[dict[str, Path], list[Problem]]:
    files, problems = {}, []
    for name in TABLE_NAMES:
        found = [p for p in (folder / f"{name}.csv", folder / f"{name}.parquet") if p.exists()]
        if len(found) == 2:
            problems.append(_problem(f"{name}.csv", "two_formats"))
        if found:
            files[name] = found[0]
    return files, problems


def _check(folder: Path) -> tuple[dict, dict[str, TableCheck], dict[str, pd.DataFrame], list[Problem]]:
    meta, problems = read_meta(folder)
    unfinished = completeness_problems(folder)
    if unfinished:
        problems.append(_problem(folder.name, "incomplete", detail="; ".join(unfinished[:3])))
    window = _observation_window(meta, problems)
    allow_duplicates = meta.get("allow_duplicate_transactions", False) is True
    files, file_problems = _table_files(folder)
    problems += file_problems
    if meta.get("transactions_path") is not None:  # a big log: checked from Parquet metadata, never read
        problems += check_transactions_path(folder, meta, window, has_table="transactions" in files)
    if not files and not (isinstance(meta.get("extras"), dict) and meta["extras"]) and "transactions_path" not in meta:
        # a dataset may ship only extra tables (e.g. a published summary with counts, as donations)
        problems.append(_problem(folder.name, "no_tables"))
    items = parse_survey_items(meta["survey_items"])[0] if "survey_items" in meta else None
    if "survey_items" in meta and "survey" not in files:
        problems.append(_problem("dataset.yml", "survey_items_table", column="survey_items"))
    checks: dict[str, TableCheck] = {}
    for name, path in files.items():
        try:
            frame, read_problems = _read_table(path)
            if read_problems:
                problems += read_problems
                continue
            is_parquet = path.suffix == ".parquet"
            chk = TableCheck(name, path.name, frame, row_word="rows" if is_parquet else "lines", offset=1 if is_parquet else 2)
            declared = {"survey_items": items} if name == "survey" and items is not None else {}
            check_table(chk, window, **declared)
            if name == "transactions" and not allow_duplicates:
                check_duplicate_rows(chk)
            checks[name] = chk
        except Exception as exc:  # whatever a user's file does, it becomes a problem, never a traceback
            problems.append(_unreadable(path.name, exc))
    try:
        check_foreign_keys(checks)
    except Exception as exc:
        problems.append(_unreadable(checks["customers"].file if "customers" in checks else folder.name, exc))
    for chk in checks.values():
        problems += chk.problems
    extras = {}
    for extra in meta["extras"] if isinstance(meta.get("extras"), dict) else {}:
        if not (isinstance(extra, str) and EXTRA_NAME.match(extra)) or extra in TABLE_NAMES:
            continue                          # reported by read_meta; never a path outside the folder
        path = folder / f"{extra}.csv"
        if not path.exists():
            problems.append(_problem("dataset.yml", "extra_missing", column=str(extra)))
            continue
        try:
            frame, extra_problems = _read_extra(path)
        except Exception as exc:
            frame, extra_problems = None, [_unreadable(path.name, exc)]
        problems += extra_problems
        if frame is not None and not extra_problems:
            extras[extra] = frame
    return meta, checks, extras, problems


@checked(name_or_path=instance(str, Path, text='a dataset name or a folder path'))
def validate(name_or_path: str | Path) -> list[Problem]:
    """Every problem of a dataset (an empty list when it is valid)."""
    try:
        folder = resolve(name_or_path)
    except DataError as err:
        return err.problems
    try:
        return _check(folder)[3]
    except Exception as exc:  # a last resort: validate reports, it never raises
        return [_unreadable(folder.name, exc)]


@checked(name_or_path=instance(str, Path, text='a dataset name or a folder path'))
def load(name_or_path: str | Path) -> Dataset:
    """Load and validate a dataset; raise :class:`DataError` listing every problem if it is invalid."""
    folder = resolve(name_or_path)
    try:
        meta, checks, extras, problems = _check(folder)
    except Exception as exc:  # as in validate: a user's files never cause a traceback
        raise DataError([_unreadable(folder.name, exc)], dataset=folder.name) from exc
    name = str(meta.get("name", folder.name)) if isinstance(meta, dict) else folder.name
    if problems:
        raise DataError(problems, dataset=name)
    tables = {n: chk.frame for n, chk in checks.items()}
    source = resolve_transactions_path(folder, meta.get("transactions_path"))
    return Dataset(name=name, meta=meta, path=folder, extras=extras, transactions_source=source, **tables)


def transactions_source(name_or_path: str | Path) -> str:
    """Where a dataset's transactions are, without reading them (for ``relmkt summarize``): its
    ``transactions_path`` (absolute path or glob), else its transactions table file."""
    folder = resolve(name_or_path)
    meta, problems = read_meta(folder)
    if meta.get("transactions_path") is not None:
        source = resolve_transactions_path(folder, meta["transactions_path"])
        if source is None:
            raise DataError(Problem("dataset.yml", RULES["transactions_path"], column="transactions_path",
                                    code="transactions_path"))
        return source
    files, _ = _table_files(folder)
    if "transactions" not in files:
        raise DataError(Problem(folder.name, "the dataset has no transactions table and no transactions_path",
                                code="table_absent"))
    return str(files["transactions"])
