"""The suite's error and warning policy: what a user can cause is a :class:`DataError`, what a
programmer gets wrong is a plain ``ValueError``/``TypeError``, and a result that exists but should
not be trusted comes with a warning.

* :class:`DataError` -- the user's data or parameters break a rule. It carries one or more
  :class:`Problem` s, each a sentence naming the file (or parameter), the column, up to five
  offending row numbers with up to three of their values, and the rule. ``relmkt`` prints the
  sentences without a traceback and exits with code 2. It is also a ``ValueError`` (a bad value),
  so code that guards against bad values catches it.
* :class:`ParameterError` -- a :class:`DataError` about a parameter (of a notebook run or of a
  function call): the name, the value given and the rule.
* :class:`ConfigError` -- a :class:`DataError` about a batch configuration file.
* :class:`ConvergenceWarning` -- an optimizer stopped before the convergence criterion held; the
  estimates are returned but should not be read as maximum-likelihood estimates. It subclasses
  statsmodels' warning of the same name, so one ``warnings.simplefilter`` covers both libraries; the
  class is made when first used (PEP 562), so importing this module does not import statsmodels
  (which the ``relmkt`` command would otherwise wait for).
* :class:`EstimationWarning` -- an estimate exists but is not identified by the data (a flat
  likelihood, a standard error larger than the estimate by orders of magnitude, a boundary).

Row numbers are the file's line numbers (header = line 1), which are also the row numbers a
spreadsheet shows; for Parquet files they are 1-based row numbers.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Sequence

MAX_ROWS_SHOWN = 5
MAX_VALUES_SHOWN = 3


@dataclass(frozen=True)
class Problem:
    """One broken rule in one place of a dataset (or of a parameter set)."""

    file: str
    rule: str
    column: str | None = None
    rows: tuple[int, ...] = field(default_factory=tuple)
    n_rows: int = 0
    detail: str = ""
    code: str = ""
    row_word: str = "lines"
    values: tuple[str, ...] = field(default_factory=tuple)

    def sentence(self) -> str:
        where = self.file if self.column is None else f"{self.file}, column '{self.column}'"
        text = f"{where}: {self.rule}"
        if self.detail:
            text += f" ({self.detail})"
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:MAX_ROWS_SHOWN])
            more = self.n_rows - min(len(self.rows), MAX_ROWS_SHOWN)
            word = self.row_word if self.n_rows > 1 else self.row_word.rstrip("s")
            text += f"; {word} {shown}" + (f" and {more} more" if more > 0 else "")
        if self.values:
            text += "; values " + ", ".join(self.values[:MAX_VALUES_SHOWN])
        return text + "."


def rows_of(mask, offset: int = 2) -> tuple[tuple[int, ...], int]:
    """Where a boolean mask over data rows is true: (first five row numbers, count).

    The default offset 2 turns a 0-based data-row index into the line number of a CSV file whose
    header is line 1 (also the row number a spreadsheet shows).
    """
    import numpy as np

    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    return tuple(int(i) + offset for i in idx[:MAX_ROWS_SHOWN]), int(idx.size)


def shown_values(values, limit: int = MAX_VALUES_SHOWN) -> tuple[str, ...]:
    """Up to ``limit`` distinct values, quoted as a user would type them (``"31/02/2024"``)."""
    out: list[str] = []
    for v in values:
        text = '""' if v is None or (isinstance(v, float) and v != v) else f'"{v}"'
        if text not in out:
            out.append(text)
        if len(out) == limit:
            break
    return tuple(out)


class RelmktError(Exception):
    """Base of the errors a user can cause; the command line prints them without a traceback."""


class DataError(RelmktError, ValueError):
    """The user's data or parameters break one or more rules.

    ``DataError(problems, dataset=None)`` with one :class:`Problem` or a list of them, or
    ``DataError("one sentence")`` for a problem that has no file or column.
    """

    def __init__(self, problems: Sequence[Problem] | Problem | str, dataset: str | None = None):
        if isinstance(problems, str):
            self.problems = []
            self.dataset = dataset
            super().__init__(problems)
            return
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.dataset = dataset
        super().__init__(self._message())

    @property
    def rules(self) -> list[str]:
        return [p.rule for p in self.problems]

    def _message(self) -> str:
        if len(self.problems) == 1 and self.dataset is None:
            return self.problems[0].sentence()
        head = f"dataset '{self.dataset}' is not valid" if self.dataset else "dataset is not valid"
        n = len(self.problems)
        lines = [f"{head}: {n} problem{'s' if n != 1 else ''}"]
        lines += [f"  - {p.sentence()}" for p in self.problems]
        return "\n".join(lines)


class ParameterError(DataError):
    """A parameter (of a notebook run or a function) does not exist, has the wrong type or an
    impossible value."""


class ConfigError(DataError):
    """A batch configuration file is malformed."""


_LOCK = threading.Lock()


def _convergence_warning() -> type:
    from statsmodels.tools.sm_exceptions import ConvergenceWarning as StatsmodelsConvergenceWarning

    class ConvergenceWarning(StatsmodelsConvergenceWarning):
        """The optimizer stopped before convergence; the estimates are not maximum-likelihood estimates."""

    ConvergenceWarning.__module__ = __name__
    ConvergenceWarning.__qualname__ = "ConvergenceWarning"
    return ConvergenceWarning


def __getattr__(name: str):
    if name == "ConvergenceWarning":         # made once, on first use (module docstring)
        with _LOCK:
            if "ConvergenceWarning" not in globals():
                globals()["ConvergenceWarning"] = _convergence_warning()
        return globals()["ConvergenceWarning"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class EstimationWarning(UserWarning):
    """An estimate exists but the data do not identify it (flat likelihood, boundary, huge errors)."""


def require_columns(df, table: str, columns) -> object:
    """The table itself, or a DataError naming the table and the missing columns.

    ``df`` None means the dataset has no such table: the error says the analysis needs it.

    Parameters
    ----------
    df : DataFrame or None
        the table; None when the dataset has no such table.
    table : str
        the table's name, for the error sentence.
    columns : sequence of str
        the columns the analysis needs.
    """
    if df is None:
        raise DataError(Problem(f"{table}", "the table is needed for this analysis but the dataset has none",
                                code="table_absent"))
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(Problem(f"{table}", "required column is missing", column=", ".join(missing),
                                detail=f"found {', '.join(map(str, df.columns[:8]))}" + (" ..." if len(df.columns) > 8 else ""),
                                code="missing_column"))
    return df
