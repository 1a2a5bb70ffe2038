"""The in-memory dataset: metadata from ``dataset.yml`` plus the canonical tables (or None).

Writing is deterministic (sorted keys, fixed float format, LF line endings) so that the same
dataset always gives the same bytes; the synthetic world relies on this to regenerate identically.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

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
    extras: dict[str, pd.DataFrame] = field(default_factory=dict)

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
        """The model time unit of ``dataset.yml`` (day, week or month; week when absent)."""
        return time_unit(self.meta.get("time_unit", "week"))

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
        return f"<Dataset {self.name!r}: {sizes}>"


def _format_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d")
    return out


def save(dataset: Dataset, path: str | Path) -> Path:
    """Write a dataset as CSV tables plus ``dataset.yml`` into ``path`` (created if needed).

    Floats are written with 10 significant digits; dates as ``YYYY-MM-DD``.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    meta = dict(dataset.meta)
    meta.setdefault("name", dataset.name)
    with open(path / "dataset.yml", "w", encoding="utf-8", newline="\n") as fh:
        yaml.safe_dump(meta, fh, sort_keys=False, allow_unicode=True, width=100)
    for name, table in dataset.tables().items():
        _format_frame(table).to_csv(path / f"{name}.csv", index=False, float_format="%.10g", lineterminator="\n")
    for name, table in dataset.extras.items():
        _format_frame(table).to_csv(path / f"{name}.csv", index=False, float_format="%.10g", lineterminator="\n")
    return path
