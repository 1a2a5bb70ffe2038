"""Find, read and validate a dataset folder; ``load()`` returns a :class:`Dataset`.

A dataset is a folder with ``dataset.yml`` and any of the canonical tables (see ``tables.py``) as
``<table>.csv`` or ``<table>.parquet``. ``load("synthetic")`` looks in the project's ``data/``
folder (or ``$RELMKT_DATA``); ``load("path/to/folder")`` reads that folder.

Every problem found is collected (not just the first) and raised together as a
:class:`~relmkt_utils.errors.DataError` naming file, column, up to five offending lines and the
rule. ``validate(path)`` returns the problems instead of raising.

``dataset.yml`` keys: ``name``, ``description``, ``currency``, ``time_unit`` (day/week/month),
``observation_start``, ``observation_end`` (ISO dates; every date of the tables lies in this window),
``provenance``, ``licence``; optionally ``truth`` (generator parameters of synthetic data),
``calibration_end`` and ``extras`` (name -> description of additional CSV tables).
"""
from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import pandas as pd
import yaml

from .dataset import Dataset, save  # noqa: F401  (re-exported)
from ..core.errors import DataError, Problem
from .tables import TABLE_NAMES
from .validation import RULES, TableCheck, check_foreign_keys, check_table

REQUIRED_META = ("name", "description", "currency", "time_unit", "observation_start", "observation_end", "provenance", "licence")
TIME_UNITS = ("day", "week", "month")


def data_dir() -> Path:
    """The folder of named datasets: ``$RELMKT_DATA``, else the project's ``data/``."""
    env = os.environ.get("RELMKT_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "data"


def available() -> list[str]:
    """Names of the datasets in :func:`data_dir`."""
    root = data_dir()
    return sorted(p.name for p in root.iterdir() if (p / "dataset.yml").exists()) if root.exists() else []


def resolve(name_or_path: str | Path) -> Path:
    """The folder of a dataset given by name or path; a DataError if there is none."""
    p = Path(name_or_path)
    if p.is_dir():
        return p
    named = data_dir() / str(name_or_path)
    if named.is_dir():
        return named
    known = ", ".join(available()) or "none"
    raise DataError(
        Problem(str(name_or_path), "no such dataset: give a dataset folder or one of the names in data/", detail=f"known: {known}", code="not_found")
    )


def _problem(file: str, code: str, column=None, detail: str = "") -> Problem:
    return Problem(file, RULES[code], column=column, detail=detail, code=code)


def read_meta(folder: Path) -> tuple[dict, list[Problem]]:
    """Parse and check ``dataset.yml``."""
    path = folder / "dataset.yml"
    if not path.exists():
        return {}, [_problem("dataset.yml", "yaml_missing")]
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return {}, [_problem("dataset.yml", "encoding")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        return {}, [_problem("dataset.yml", "yaml_syntax", detail=where)]
    if not isinstance(meta, dict):
        return {}, [_problem("dataset.yml", "yaml_mapping")]
    problems = [_problem("dataset.yml", "yaml_key", column=k) for k in REQUIRED_META if k not in meta]
    try:
        start, end = pd.Timestamp(str(meta["observation_start"])), pd.Timestamp(str(meta["observation_end"]))
        if start > end:
            raise ValueError
    except KeyError:
        pass
    except (ValueError, TypeError):
        problems.append(_problem("dataset.yml", "yaml_date", column="observation_start"))
    if "time_unit" in meta and meta["time_unit"] not in TIME_UNITS:
        problems.append(_problem("dataset.yml", "yaml_time_unit", column="time_unit", detail=f"got {meta['time_unit']!r}"))
    return meta, problems


def _read_table(path: Path) -> tuple[pd.DataFrame | None, Problem | None]:
    """Read a CSV (all columns as text, so validation sees what the user wrote) or a Parquet file."""
    if path.suffix == ".parquet":
        try:
            return pd.read_parquet(path), None
        except Exception as exc:  # pyarrow raises many types for a damaged file
            return None, Problem(path.name, "the file is not a readable Parquet table", detail=str(exc).splitlines()[0], code="parquet")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, Problem(path.name, RULES["encoding"], rows=(line,), n_rows=1, code="encoding")
    if not text.strip():
        return None, Problem(path.name, RULES["empty"], code="empty")
    try:
        with warnings.catch_warnings():
            # pandas only warns (and drops data) when the first data line is longer than the header
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], index_col=False)
    except pd.errors.ParserError as exc:
        return None, Problem(path.name, RULES["csv_syntax"], detail=str(exc).strip().removeprefix("Error tokenizing data. C error: "), code="csv_syntax")
    except pd.errors.ParserWarning:
        return None, Problem(path.name, RULES["csv_syntax"], detail="a line has more fields than the header", code="csv_syntax")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, None


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
    window = None
    if "observation_start" in meta and "observation_end" in meta and not any(p.code == "yaml_date" for p in problems):
        window = (pd.Timestamp(str(meta["observation_start"])), pd.Timestamp(str(meta["observation_end"])))
    files, file_problems = _table_files(folder)
    problems += file_problems
    if not files:
        problems.append(_problem(folder.name, "no_tables"))
    checks: dict[str, TableCheck] = {}
    for name, path in files.items():
        frame, problem = _read_table(path)
        if problem is not None:
            problems.append(problem)
            continue
        is_parquet = path.suffix == ".parquet"
        chk = TableCheck(name, path.name, frame, row_word="rows" if is_parquet else "lines", offset=1 if is_parquet else 2)
        check_table(chk, window)
        checks[name] = chk
    check_foreign_keys(checks)
    for chk in checks.values():
        problems += chk.problems
    extras = {}
    for extra in (meta.get("extras") or {}) if isinstance(meta.get("extras"), dict) else {}:
        path = folder / f"{extra}.csv"
        if not path.exists():
            problems.append(Problem("dataset.yml", "an extra table listed under extras has no file", column=extra, code="extra_missing"))
            continue
        extras[extra] = pd.read_csv(path, dtype={"customer_id": str})
    return meta, checks, extras, problems


def validate(name_or_path: str | Path) -> list[Problem]:
    """Every problem of a dataset (an empty list when it is valid)."""
    try:
        folder = resolve(name_or_path)
    except DataError as err:
        return err.problems
    return _check(folder)[3]


def load(name_or_path: str | Path) -> Dataset:
    """Load and validate a dataset; raise :class:`DataError` listing every problem if it is invalid."""
    folder = resolve(name_or_path)
    meta, checks, extras, problems = _check(folder)
    name = str(meta.get("name", folder.name)) if isinstance(meta, dict) else folder.name
    if problems:
        raise DataError(problems, dataset=name)
    tables = {n: chk.frame for n, chk in checks.items()}
    return Dataset(name=name, meta=meta, path=folder, extras=extras, **tables)
