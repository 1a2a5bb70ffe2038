"""Errors a user can cause, reported as plain sentences instead of tracebacks.

Every problem found in a dataset is a :class:`Problem`: the file, the column, up to five
offending row numbers (1-based data rows, as a spreadsheet shows them below the header) and
the rule that was broken. Row numbers are the file's line numbers (header = line 1), which are
also the row numbers a spreadsheet shows; for Parquet files they are 1-based row numbers. A :class:`DataError` carries one or more problems; its message is
the list of sentences that ``relmkt validate`` prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

MAX_ROWS_SHOWN = 5


@dataclass(frozen=True)
class Problem:
    """One broken rule in one place of a dataset."""

    file: str
    rule: str
    column: str | None = None
    rows: tuple[int, ...] = field(default_factory=tuple)
    n_rows: int = 0
    detail: str = ""
    code: str = ""
    row_word: str = "lines"

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
        return text + "."


def rows_of(mask, offset: int = 2) -> tuple[tuple[int, ...], int]:
    """Where a boolean mask over data rows is true: (first five row numbers, count).

    The default offset 2 turns a 0-based data-row index into the line number of a CSV file whose
    header is line 1 (also the row number a spreadsheet shows).
    """
    import numpy as np

    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    return tuple(int(i) + offset for i in idx[:MAX_ROWS_SHOWN]), int(idx.size)


class RelmktError(Exception):
    """Base of the errors a user can cause; the command line prints them without a traceback."""


class DataError(RelmktError):
    """A dataset breaks one or more rules of the canonical tables."""

    def __init__(self, problems: Sequence[Problem] | Problem, dataset: str | None = None):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.dataset = dataset
        super().__init__(self._message())

    @property
    def rules(self) -> list[str]:
        return [p.rule for p in self.problems]

    def _message(self) -> str:
        head = f"dataset '{self.dataset}' is not valid" if self.dataset else "dataset is not valid"
        n = len(self.problems)
        lines = [f"{head}: {n} problem{'s' if n != 1 else ''}"]
        lines += [f"  - {p.sentence()}" for p in self.problems]
        return "\n".join(lines)


class ParameterError(RelmktError):
    """A notebook run was given a parameter that does not exist or has the wrong type."""


class ConfigError(RelmktError):
    """A batch configuration file is malformed."""
