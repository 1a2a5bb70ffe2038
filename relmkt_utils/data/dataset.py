"""The in-memory dataset: metadata from ``dataset.yml`` plus the canonical tables (or None).

Writing is deterministic (sorted keys, fixed float format, LF line endings) so that the same
dataset always gives the same bytes; the synthetic world relies on this to regenerate identically.
Every file is written atomically (a temporary file beside it, renamed into place, never through a
symbolic link: :mod:`relmkt_utils.core.files`), and text cells that a spreadsheet would run as a
formula (``=``, ``+``, ``-``, ``@``, tab or CR first) are written with a leading ``'`` (OWASP;
:mod:`relmkt_utils.core.csv_safety`), ids included, the same in every table.

A folder written by ``relmkt import`` also carries ``.relmkt-dataset``, its marker of completeness
(:func:`mark_complete`): the size and SHA-256 of every file, written last. Validation reports a
folder whose marker says it is unfinished (the import was stopped) or whose files differ from it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from ..core.csv_safety import line_end, neutralize_frame
from ..core.errors import ParameterError
from ..core.files import atomic_output, atomic_write, check_files, file_record, read_regular
from ..core.time import TimeUnit, time_unit
from .tables import TABLE_NAMES


@dataclass
class Dataset:
    """A validated dataset. Absent tables are ``None``; ``extras`` holds documented extra tables."""

    name: str
    meta: dict
    path: Path | None = None
    customers: pd.DataFrame | None = None
    transactions: pd.DataFrame | None = None
    survey: pd.DataFrame | None = None
    referrals: pd.DataFrame | None = None
    choices: pd.DataFrame | None = None
    spend: pd.DataFrame | None = None
    cohorts: pd.DataFrame | None = None  # survivors per cohort and period (contractual retention)
    extras: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: ``transactions_path`` of dataset.yml, resolved: a log too big for pandas (``transactions`` is then None);
    #: give it to ``btyd.rfm_summary`` (DuckDB reads it out of core). See ``relmkt_utils.data.logs``.
    transactions_source: str | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The canonical tables that are present, by name."""
        return {n: getattr(self, n) for n in TABLE_NAMES if getattr(self, n) is not None}

    def has(self, *names: str) -> bool:
        return all(getattr(self, n) is not None for n in names)

    def missing(self, *names: str) -> list[str]:
        return [n for n in names if getattr(self, n) is None]

    @property
    def truth(self) -> dict | None:
        """Generator parameters of a synthetic dataset (None for real data)."""
        return self.meta.get("truth")

    @property
    def time_unit(self) -> TimeUnit:
        """The model time unit of ``dataset.yml`` (day, week, month or year; week when absent)."""
        return time_unit(self.meta.get("time_unit", "week"))

    def segments(self, segment: str = "") -> list[str]:
        """The customers columns to compare groups by: ``[segment]`` when one is named (any column of
        the customers table, e.g. ``country`` or ``age_group``), else Berry's ``relationship_level``
        and the acquisition ``channel`` where the table has them with two or more values. A named
        column the table does not have is a ParameterError that suggests the likely one."""
        cols = [] if self.customers is None else list(self.customers.columns)
        if segment:
            if segment not in cols or segment == "customer_id":
                from .validation import likely_column

                hint = likely_column(segment, [c for c in cols if c != "customer_id"])
                raise ParameterError(f"segment {segment!r} is not a column of the customers table"
                                     + (f" (did you mean {hint!r}?)" if hint else f"; columns: {', '.join(cols)}"))
            return [segment]
        return [c for c in ("relationship_level", "channel") if c in cols and self.customers[c].nunique() >= 2]

    def gross_margin(self) -> float | None:
        """The data's own gross margin rate: the transactions' ``margin`` summed over their ``amount``
        summed (Ta Feng: sales price minus cost over sales price). None when the dataset has no
        transactions in memory, no ``margin`` column, or no revenue to divide by."""
        tx = self.transactions
        if tx is None or "margin" not in tx.columns or "amount" not in tx.columns:
            return None
        revenue = float(pd.to_numeric(tx["amount"], errors="coerce").sum())
        if not revenue > 0:
            return None
        return float(pd.to_numeric(tx["margin"], errors="coerce").sum()) / revenue

    def pool_segments(self, segment: str = "", min_size: int = 50, max_groups: int = 8) -> tuple[list[str], list[str]]:
        """The group columns of :meth:`segments` with their small groups pooled, for every group
        comparison of a report: a group with fewer than ``min_size`` customers joins one group "other (k
        groups, n customers)", and beyond ``max_groups`` groups the smallest are pooled too, so that a
        survival plot has at most ``max_groups`` curves and no test rests on a handful of customers.
        Replaces ``customers`` by a copy with the pooled labels (missing labels stay missing) and returns
        the columns and one sentence per column that was pooled."""
        if int(min_size) != min_size or min_size < 1 or int(max_groups) != max_groups or max_groups < 2:
            raise ParameterError(f"segment_min_size must be a whole number >= 1 and max_groups >= 2, got "
                                 f"{min_size!r} and {max_groups!r}")
        columns = self.segments(segment) if self.customers is not None else []
        notes, customers = [], self.customers
        for column in columns:
            labels = customers[column]
            sizes = labels.value_counts()
            keep = sizes[sizes >= min_size].index[: max_groups - 1] if (sizes < min_size).any() or len(sizes) > max_groups \
                else sizes.index
            pooled = sizes.index.difference(keep)
            if len(pooled) == 0:
                continue
            n = int(sizes[pooled].sum())
            name = f"other ({len(pooled)} groups, {n:,} customers)"
            customers = customers.copy() if customers is self.customers else customers
            customers[column] = labels.where(~labels.isin(pooled) | labels.isna(), name)
            notes.append(f"{column.replace('_', ' ')}: {len(pooled)} groups with fewer than {min_size} customers "
                         f"(or beyond the {max_groups} largest) are pooled as one group, {name}")
        self.customers = customers
        return columns, notes

    @property
    def offers(self) -> pd.DataFrame | None:
        """The offers of ``dataset.yml`` (rows offer names, columns the choices columns), or None."""
        offers = self.meta.get("offers")
        return None if not offers else pd.DataFrame.from_dict(offers, orient="index").astype(float)

    @property
    def survey_items(self):
        """The survey's declared item scale and constructs (``survey_items`` of dataset.yml, a
        :class:`~relmkt_utils.data.survey_items.SurveyItems`), or None when it declares none."""
        from .survey_items import parse_survey_items

        return parse_survey_items(self.meta["survey_items"])[0] if "survey_items" in self.meta else None

    @property
    def currency(self) -> str:
        return str(self.meta.get("currency", ""))

    @property
    def observation_start(self) -> pd.Timestamp:
        return pd.Timestamp(self.meta["observation_start"])

    @property
    def observation_end(self) -> pd.Timestamp:
        return pd.Timestamp(self.meta["observation_end"])

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={len(t):,}" for n, t in self.tables().items())
        if self.transactions_source is not None:
            sizes += (", " if sizes else "") + f"transactions_source={self.transactions_source!r}"
        return f"<Dataset {self.name!r}: {sizes}>"


def _format_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d")
    return out


def write_meta(folder: str | Path, meta: dict) -> Path:
    """Write ``meta`` as ``folder/dataset.yml`` (the folder created if needed), in the suite's one YAML
    style: keys in the given order, Unicode as typed, LF line ends. Returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / "dataset.yml", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100))
    return folder


def save(dataset: Dataset, path: str | Path) -> Path:
    """Write a dataset as CSV tables plus ``dataset.yml`` into ``path`` (created if needed).

    Floats are written with 10 significant digits; dates as ``YYYY-MM-DD``.
    """
    path = write_meta(path, {**dataset.meta, "name": dataset.meta.get("name", dataset.name)})
    for name, table in [*dataset.tables().items(), *dataset.extras.items()]:
        write_table(table, path / f"{name}.csv")
    return path


def write_table(table: pd.DataFrame, path: str | Path) -> int:
    """Write one table as CSV (dates ``YYYY-MM-DD``, floats with 10 significant digits, LF line ends,
    formula-like text neutralized), atomically. Returns the number of cells neutralized."""
    safe, changed = neutralize_frame(_format_frame(table))
    with atomic_output(path) as tmp:
        safe.to_csv(tmp, index=False, float_format="%.10g", lineterminator=line_end(safe))
    return changed


#: The marker of completeness of a folder relmkt wrote in one go (``relmkt import``).
COMPLETENESS = ".relmkt-dataset"


def mark_incomplete(folder: str | Path, writer: str) -> None:
    """Mark ``folder`` as being written (first thing): validation calls it unfinished until
    :func:`mark_complete`."""
    atomic_write(Path(folder) / COMPLETENESS, json.dumps({"written_by": writer, "complete": False}) + "\n")


def mark_complete(folder: str | Path, writer: str) -> None:
    """Record the size and SHA-256 of every file of ``folder`` (last thing)."""
    folder = Path(folder)
    names = [p.name for p in folder.iterdir() if p.name != COMPLETENESS and p.is_file() and not p.is_symlink()]
    doc = {"written_by": writer, "complete": True, "files": file_record(folder, names)}
    atomic_write(folder / COMPLETENESS, json.dumps(doc, indent=1, sort_keys=True) + "\n")


def completeness_problems(folder: str | Path) -> list[str] | None:
    """None when ``folder`` has no marker of completeness; else the sentences of what is wrong (an
    empty list: complete and unchanged)."""
    path = Path(folder) / COMPLETENESS
    if not path.exists() and not path.is_symlink():
        return None
    try:
        doc = json.loads(read_regular(path, limit=10_000_000))
    except Exception:
        return [f"its marker {COMPLETENESS} cannot be read"]
    if not isinstance(doc, dict) or doc.get("complete") is not True or not isinstance(doc.get("files"), dict):
        return [f"{doc.get('written_by', 'relmkt') if isinstance(doc, dict) else 'relmkt'} was stopped before it "
                "finished writing this folder"]
    return check_files(folder, doc["files"])
