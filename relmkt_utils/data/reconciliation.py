"""The reconciliation of an import: from the file's own totals to the transactions written, exactly.

An order export can be tied to its source only if the import starts where the file starts: every line,
and the *net* amount of every line as the file has it (the amount column, or quantity x unit price;
returns negative). :class:`Reconciliation` is that account, in two blocks:

* **lines** -- the file (lines and net amount, split into purchases, returns and lines with a zero or
  unreadable amount); then each step with the lines and the amount it removed or moved (no customer,
  unparseable date, unparseable amount, zero amount; returns netted against purchases, dropped or kept
  apart), purchases and returns on the same basis; the last row is what goes into the transactions;
* **transactions** -- the purchase lines rolled up (one transaction per order, or per customer and day),
  the orders that netting left with nothing (removed whole) and the customers who had nothing left, and
  the transactions and customers written.

Each block's last row is its first row plus its steps, to the last digit: amounts are exact decimals
(:func:`line_amounts` reads ``2.95`` as 295 hundredths, not as the float 2.9500000000000002), and the
import nets returns in the same whole units, so nothing is lost to rounding on the way.
"""
from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from ..core.checks import checked, instance

_CONTEXT = decimal.Context(prec=200, Emax=10**6, Emin=-10**6)      # exact for any amount a file holds


@dataclass(frozen=True)
class LineAmounts:
    """Each line's amount as a whole number of ``10**-scale`` (``units``; 0 where ``known`` is False)."""

    units: np.ndarray
    known: np.ndarray
    scale: int

    @property
    def floats(self) -> np.ndarray:
        """The amounts as floats (NaN where unreadable), each the float nearest its exact value."""
        out = self.units.astype(float) / 10.0 ** self.scale if self.scale <= 22 else \
            np.array([float(Decimal(int(u)).scaleb(-self.scale, _CONTEXT)) for u in self.units])
        return np.where(self.known, out, np.nan)

    def total(self, mask=None) -> Decimal:
        """The exact sum of the amounts where ``mask`` is True (all readable ones without it)."""
        units = self.units if mask is None else self.units[np.asarray(mask, dtype=bool)]
        return to_decimal(int(units.sum()) if units.size else 0, self.scale)


def to_decimal(units: int, scale: int) -> Decimal:
    """``units * 10**-scale`` as an exact Decimal."""
    return Decimal(int(units)).scaleb(-scale, _CONTEXT)


def _exact(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The unique values of a column as Decimals (None where not a finite number) and each line's code.
    A number parses as pandas parses it (``12,50`` and ``n/a`` do not); its exact value is the text as
    written, or for a number stored as a float, its shortest decimal form (``0.1``, not the binary value)."""
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype) or pd.api.types.is_string_dtype(values.dtype):
        values = values.map(lambda v: v.strip() if isinstance(v, str) else v)
    codes, uniques = pd.factorize(values)
    raw = pd.Series(np.asarray(uniques, dtype=object))
    parsed = pd.to_numeric(raw, errors="coerce").astype(float)
    out = []
    for value, number in zip(raw, parsed):
        if not np.isfinite(number):
            out.append(None)
            continue
        try:
            exact = Decimal(value) if isinstance(value, (str, int, np.integer, Decimal)) else None
        except (decimal.InvalidOperation, ValueError, TypeError):
            exact = None
        if exact is None or not exact.is_finite():
            exact = Decimal(repr(float(number)))
        out.append(exact)
    return pd.Series(out, dtype=object), codes


_COLUMN = instance(pd.Series, none=True, text="a pandas Series")


@checked(amount=_COLUMN, quantity=_COLUMN, price=_COLUMN)
def line_amounts(amount: pd.Series | None = None, quantity: pd.Series | None = None,
                 price: pd.Series | None = None) -> LineAmounts:
    """Each line's amount, exactly: the ``amount`` column, or ``quantity`` x ``price``.

    Parameters
    ----------
    amount : Series or None
        the amount of each line (text as written, or numbers); give it, or quantity and price.
    quantity : Series or None
        the quantity of each line (with ``price``).
    price : Series or None
        the unit price of each line (with ``quantity``).

    Returns
    -------
    LineAmounts
        whole numbers of ``10**-scale`` (the fewest decimals that hold every amount exactly) and which
        lines have a readable amount.
    """
    if (amount is None) == (quantity is None or price is None):
        raise ValueError("give amount, or quantity and price")
    if amount is not None:
        exact, codes = _exact(amount)
    else:
        q, q_codes = _exact(quantity)
        p, p_codes = _exact(price)
        q, p = list(q) + [None], list(p) + [None]                  # an empty cell: the last slot, no number
        q_codes, p_codes = (np.where(c < 0, len(v) - 1, c).astype(np.int64) for c, v in ((q_codes, q), (p_codes, p)))
        codes, pairs = pd.factorize(pd.Series(q_codes * len(p) + p_codes))
        exact = pd.Series([None if q[qc] is None or p[pc] is None else _CONTEXT.multiply(q[qc], p[pc])
                           for qc, pc in ((int(k) // len(p), int(k) % len(p)) for k in pairs)], dtype=object)
    scale = max([0] + [-d.normalize(_CONTEXT).as_tuple().exponent for d in exact if d is not None and d != 0])
    per_unique = [0 if d is None else int(d.scaleb(scale, _CONTEXT)) for d in exact]
    known_unique = np.array([d is not None for d in exact] + [False], dtype=bool)
    biggest = max([abs(u) for u in per_unique] + [1])
    n = max(len(codes), 1)
    table = np.array(per_unique + [0], dtype=np.int64 if biggest * n < 2 ** 62 else object)
    idx = np.where(codes < 0, len(per_unique), codes)          # missing cells: the extra slot (unknown, 0)
    return LineAmounts(table[idx], known_unique[idx], scale)


@dataclass(frozen=True)
class Step:
    """One row of the lines block: the lines and amounts of purchases and returns it adds (the file, a
    subtotal) or changes (a step: negative when it removes), and the other lines (zero or unreadable amount)."""

    what: str
    purchase_lines: int = 0
    purchase_amount: Decimal = Decimal(0)
    return_lines: int = 0
    return_amount: Decimal = Decimal(0)
    other_lines: int = 0
    kind: str = "step"                    # "start", "step" or "total"
    examples: tuple = ()
    note: str = ""

    @property
    def lines(self) -> int:
        return self.purchase_lines + self.return_lines + self.other_lines

    @property
    def amount(self) -> Decimal:
        return self.purchase_amount + self.return_amount


@dataclass(frozen=True)
class OrderStep:
    """One row of the transactions block: transactions (orders), their amount and their customers."""

    what: str
    transactions: int
    amount: Decimal
    customers: int
    kind: str = "step"
    note: str = ""


@dataclass
class Reconciliation:
    """The account of an import (module docstring): ``lines`` and ``transactions``, each a list of rows
    whose last is the first plus the steps between, ``currency`` and the ``basis`` of the amounts."""

    currency: str
    basis: str
    scale: int
    lines: list = field(default_factory=list)
    transactions: list = field(default_factory=list)

    def check(self) -> None:
        """Each total row (``kind`` "total") of a block is its start plus the steps above it (lines,
        amounts, transactions, customers), exactly; an AssertionError says where it is not."""
        for block, keys in ((self.lines, ("purchase_lines", "purchase_amount", "return_lines", "return_amount",
                                          "other_lines")),
                            (self.transactions, ("transactions", "amount", "customers"))):
            for key in keys:
                running = None
                for row in block:
                    value = getattr(row, key)
                    if row.kind == "start":
                        running = value
                    elif row.kind == "step":
                        running += value
                    elif value != running:
                        raise AssertionError(f"the reconciliation does not add up at {row.what!r}: {key} "
                                             f"{running} != {value}")

    def table(self) -> pd.DataFrame:
        """Both blocks as one table (block, what, lines, amount, purchase and return lines and amounts,
        transactions, customers); amounts as exact Decimals."""
        rows = [dict(block="lines", what=r.what, lines=r.lines, amount=r.amount, purchase_lines=r.purchase_lines,
                     purchase_amount=r.purchase_amount, return_lines=r.return_lines, return_amount=r.return_amount)
                for r in self.lines]
        rows += [dict(block="transactions", what=r.what, amount=r.amount, transactions=r.transactions,
                      customers=r.customers) for r in self.transactions]
        return pd.DataFrame(rows)

    def _money(self, value: Decimal, sign: bool) -> str:
        places = self.scale if 2 <= self.scale <= 6 else 2
        text = f"{value:,.{places}f}"
        if text.startswith("-") and not text.strip("-0.,"):            # -0.00: nothing, shown as 0.00
            text = text[1:]
        return ("+" + text) if sign and value > 0 else text

    @staticmethod
    def _count(value: int, sign: bool) -> str:
        return ("+" if sign and value > 0 else "") + f"{value:,}"

    def text(self) -> str:
        """The reconciliation as ``relmkt import`` prints it."""
        w = max([30] + [len(r.what) + 3 for r in self.lines])
        head = (f"reconciliation in {self.currency}, from the file's own totals ({self.basis}; returns are "
                "negative lines)")
        out = [head, f"  {'':<{w}}{'all lines':>24}{'purchases':>24}{'returns':>24}",
               f"  {'':<{w}}" + f"{'lines':>10}{'net amount':>14}{'lines':>10}{'amount':>14}{'lines':>10}{'amount':>14}"]
        for r in self.lines:
            s = r.kind == "step"
            mark = {"start": "", "step": "- ", "total": "= "}[r.kind]
            out.append(f"  {mark + r.what:<{w}}{self._count(r.lines, s):>10}{self._money(r.amount, s):>14}"
                       f"{self._count(r.purchase_lines, s):>10}{self._money(r.purchase_amount, s):>14}"
                       f"{self._count(r.return_lines, s):>10}{self._money(r.return_amount, s):>14}")
            if r.note:
                out.append(f"  {'':<4}{r.note}")
            if r.examples:
                out.append(f"  {'':<4}e.g. {', '.join(r.examples)}")
        if self.transactions:
            w = max([30] + [len(r.what) + 3 for r in self.transactions])
            out.append(f"  {'':<{w}}{'transactions':>14}{'amount':>14}{'customers':>10}")
            for r in self.transactions:
                s = r.kind == "step"
                mark = {"start": "", "step": "- ", "total": "= "}[r.kind]
                out.append(f"  {mark + r.what:<{w}}{self._count(r.transactions, s):>14}"
                           f"{self._money(r.amount, s):>14}{self._count(r.customers, s):>10}")
                if r.note:
                    out.append(f"  {'':<4}{r.note}")
        return "\n".join(out)
