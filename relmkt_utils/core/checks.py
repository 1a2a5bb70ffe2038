"""Errors at the door: the checks of the arguments of the suite's public functions.

A public function declares what each argument must be with :func:`checked`; a call with a value of the
wrong type or out of range raises :class:`~relmkt_utils.core.errors.ParameterError` before any work is
done, with one sentence that names the argument, the rule and the value given::

    >>> clv(100, 0.8, "0.1")
    ParameterError: discount_rate must be a number or numbers > -1; got "0.1" (text).

instead of a numpy ``TypeError`` eight frames deep. Arguments left at their defaults are not checked
(the defaults are valid by construction); arguments without a rule are checked by the function itself
where it reads them (the columns of a table, for example, by
:func:`~relmkt_utils.core.errors.require_columns`).

Rules
-----
* :func:`number` -- one real number (``int``, ``float`` or a numpy scalar; not ``bool``, not text), finite,
  optionally whole and within bounds;
* :func:`numbers` -- a number or an array-like of numbers (numpy-broadcasting arguments), every element
  within the bounds;
* :func:`dataframe` -- a pandas ``DataFrame`` (or None where the table is optional);
* :func:`one_of` -- one of a few values (a time unit, a timing convention, a method);
* :func:`instance` -- an object of given classes, or one with given attributes (a fitted model);
* :data:`ALPHA`, :data:`SEED`, :data:`PROBABILITY`, :data:`RATE`, :data:`COUNT`, :data:`FLAG`, :data:`TEXT`
  -- the rules the suite uses most.
"""
from __future__ import annotations

import functools
import inspect
import numbers as _numbers
from dataclasses import dataclass
from collections.abc import Hashable
from typing import Any, Callable

import numpy as np
import pandas as pd

from .errors import ParameterError

__all__ = ["Rule", "checked", "number", "numbers", "dataframe", "one_of", "instance", "shown",
           "ALPHA", "SEED", "PROBABILITY", "RATE", "COUNT", "FLAG", "TEXT", "SERIES"]


def shown(value) -> str:
    """A value as an error sentence quotes it: text in quotes with "(text)", arrays and tables by their
    shape, other objects by their type."""
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f'"{text}" (text)'
    if value is None or isinstance(value, (bool, np.bool_)):
        return repr(value)
    if isinstance(value, (_numbers.Number, np.number)):
        return f"{value!r}" if not isinstance(value, np.generic) else f"{value.item()!r}"
    if isinstance(value, pd.DataFrame):
        return f"a DataFrame of {value.shape[0]} rows x {value.shape[1]} columns"
    if isinstance(value, pd.Series):
        return f"a Series of {value.size} values"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


@dataclass(frozen=True)
class Rule:
    """What an argument must be: ``text`` completes "<name> must be ...", ``test(value)`` returns the
    reason it fails (a few words, or "" when the value is fine)."""

    text: str
    test: Callable[[Any], str]

    def check(self, value, name: str):
        """``value`` when it passes, else a :class:`ParameterError` naming ``name``."""
        why = self.test(value)
        if why:
            detail = "" if why == "fails" else f" ({why})"
            raise ParameterError(f"{name} must be {self.text}; got {shown(value)}{detail}.")
        return value


def _bounds_text(low, high, low_open, high_open) -> str:
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high:g}"
    return ""


def _out_of_bounds(x: np.ndarray, low, high, low_open, high_open) -> np.ndarray:
    bad = np.zeros(x.shape, dtype=bool)
    if low is not None:
        bad |= (x <= low) if low_open else (x < low)
    if high is not None:
        bad |= (x >= high) if high_open else (x > high)
    return bad


def _is_real(value) -> bool:
    return isinstance(value, (_numbers.Real, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def number(low: float | None = None, high: float | None = None, *, low_open: bool = False, high_open: bool = False,
           integer: bool = False, none: bool = False, finite: bool = True) -> Rule:
    """One real number (finite unless ``finite=False``), a whole number with ``integer``, within
    ``low``..``high`` (open ends with ``low_open``/``high_open``); None allowed with ``none``."""
    kind = "a whole number" if integer else ("a finite number" if finite and low is None and high is None else "a number")
    text = kind + _bounds_text(low, high, low_open, high_open) + (" or None" if none else "")

    def test(value):
        if value is None:
            return "" if none else "fails"
        if not _is_real(value):
            return "fails"
        x = float(value)
        if np.isnan(x) or (finite and not np.isfinite(x)):
            return "fails"
        if integer and x != np.floor(x):
            return "fails"
        return "fails" if _out_of_bounds(np.asarray(x), low, high, low_open, high_open) else ""

    return Rule(text, test)


def numbers(low: float | None = None, high: float | None = None, *, low_open: bool = False, high_open: bool = False,
            none: bool = False, finite: bool = True, missing: bool = False) -> Rule:
    """A number or an array-like (list, array, Series) of numbers, every element finite (unless
    ``finite=False``) and within the bounds: the rule of numpy-broadcasting arguments. NaN (a missing
    value) is allowed only with ``missing`` (data such as survey answers, which the function drops)."""
    text = ("a number or numbers" + _bounds_text(low, high, low_open, high_open) + (" or missing values" if missing else "")
            + (" or None" if none else ""))

    def test(value):
        if value is None:
            return "" if none else "fails"
        if isinstance(value, (str, bytes, bool, np.bool_)):
            return "fails"
        try:
            x = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return "fails"
        if x.dtype == object:
            return "fails"
        arr = np.asarray(value)
        if arr.dtype.kind in "bUS" and arr.size:
            return "fails"
        if arr.dtype.kind == "O" and any(isinstance(v, (str, bytes, bool)) for v in arr.ravel()):
            return "fails"
        if missing:
            x = x[~np.isnan(x)] if x.ndim else (x if not np.isnan(x) else np.empty(0))
        if np.isnan(x).any() or (finite and not np.isfinite(x).all()):
            return f"{int((~np.isfinite(x)).sum())} not finite" if x.ndim else "fails"
        bad = _out_of_bounds(x, low, high, low_open, high_open)
        if bad.any():
            return f"{int(bad.sum())} outside, e.g. {x[bad].ravel()[0]:g}" if np.ndim(value) else "fails"
        return ""

    return Rule(text, test)


def dataframe(none: bool = False) -> Rule:
    """A pandas DataFrame (or None with ``none``: a table the dataset may not have)."""
    def test(value):
        if value is None:
            return "" if none else "fails"
        return "" if isinstance(value, pd.DataFrame) else "fails"

    return Rule("a pandas DataFrame" + (" or None" if none else ""), test)


def one_of(*options, none: bool = False) -> Rule:
    """One of ``options`` (compared with ==; text options are case-sensitive)."""
    text = "one of " + ", ".join(repr(o) for o in options) + (" or None" if none else "")

    def test(value):
        if value is None:
            return "" if none else "fails"
        try:
            return "" if isinstance(value, Hashable) and value in set(options) else "fails"
        except TypeError:
            return "fails"

    return Rule(text, test)


def instance(*classes: type, attributes: tuple[str, ...] = (), text: str = "", none: bool = False) -> Rule:
    """An instance of one of ``classes``, or (with ``attributes``) any object that has all of them: a
    fitted model is recognized by ``params``, a results object by what its methods need."""
    names = " or ".join(c.__name__ for c in classes)
    text = text or (f"a {names}" if classes else f"an object with {', '.join(attributes)}")

    def test(value):
        if value is None:
            return "" if none else "fails"
        if classes and isinstance(value, classes):
            return ""
        if attributes and all(hasattr(value, a) for a in attributes):
            return ""
        return "fails"

    return Rule(text + (" or None" if none else ""), test)


#: a (1 - alpha) interval level: alpha in (0, 1), 0.05 for 95%
ALPHA = number(0, 1, low_open=True, high_open=True)
#: the seed of a random draw: a whole number >= 0
SEED = number(0, integer=True)
#: a probability or share in [0, 1]
PROBABILITY = number(0, 1)
#: a discount or growth rate per period: a finite number > -1
RATE = number(-1, low_open=True)
#: a count of draws, replicates, customers ...: a whole number >= 1
COUNT = number(1, integer=True)
#: True or False
FLAG = Rule("True or False", lambda v: "" if isinstance(v, (bool, np.bool_)) else "fails")
#: a text (a column name, a label)
TEXT = Rule("a text", lambda v: "" if isinstance(v, str) else "fails")
#: a pandas Series
SERIES = instance(pd.Series, text="a pandas Series")


def checked(**rules: Rule):
    """Decorator: check the named arguments of each call against their :class:`Rule` before the call.

    ``@checked(alpha=ALPHA, n_boot=COUNT, survey=dataframe())``. Only arguments given by the caller are
    checked (defaults are trusted). The rules stay readable on the function as ``__checks__``, so tests can
    see that a public function checks its arguments. A rule for an argument the function does not have
    is a programming mistake (``TypeError`` at import).
    """
    def decorate(func):
        sig = inspect.signature(func)
        unknown = set(rules) - set(sig.parameters)
        if unknown:
            raise TypeError(f"{func.__qualname__} has no argument {', '.join(sorted(unknown))} to check")

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                given = sig.bind(*args, **kwargs).arguments
            except TypeError:
                return func(*args, **kwargs)      # Python's own message for a wrong call
            for name, rule in rules.items():
                if name in given:
                    rule.check(given[name], name)
            return func(*args, **kwargs)

        wrapper.__checks__ = dict(rules)
        return wrapper

    return decorate
