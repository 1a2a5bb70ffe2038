"""Errors at the door: a public function checks its arguments before it computes anything.

``@checked(horizon_months=number(low=0, low_open=True), seed=whole(low=0))`` binds the call to the
function's signature and checks each named argument; a bad one is a
:class:`~relmkt_utils.core.errors.ParameterError` with one sentence that names the function, the argument,
the rule and the value given::

    customer_value: horizon_months must be a number > 0, got '12' (text)

instead of a numpy ``TypeError`` three frames into the computation. Arguments left at ``None`` pass when
the rule allows it (``none=True``, the default for arguments whose default is None).

Rules: :func:`number` (a real number, optionally whole, in a range; ``array=True`` also accepts
array-likes of them, checked elementwise), :func:`whole`, :func:`one_of`, :func:`text`, :func:`flag`,
:func:`results` (fitted results with the given methods). A rule is a callable ``(value, name, who) -> value``
that raises :class:`ParameterError` or returns the value (possibly converted), so a function can check
one argument by hand with ``rule(value, "name", "who")``.
"""
from __future__ import annotations

import functools
import inspect
import numbers

import numpy as np

from .errors import ParameterError


def _kind(value) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "True/False"
    if value is None:
        return "None"
    return type(value).__name__


def _shown(value) -> str:
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"{text} ({_kind(value)})" if isinstance(value, (str, bool)) or value is None else text


def _is_real(value) -> bool:
    return isinstance(value, (numbers.Real, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _range_text(low, high, low_open, high_open) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    return " and ".join(parts)


def number(low: float | None = None, high: float | None = None, *, low_open: bool = False, high_open: bool = False,
           integer: bool = False, array: bool = False, none: bool = False, what: str = ""):
    """A finite real number (not text, not True/False) in [low, high] (open ends with ``low_open`` /
    ``high_open``), a whole number with ``integer``; ``array=True`` also accepts a list or array of them.
    ``what`` says what the number is (``"periods ahead"``), for the sentence."""
    noun = "whole number" if integer else "number"
    rng = _range_text(low, high, low_open, high_open)
    rule_text = f"a {noun}{' ' + rng if rng else ''}" + (f" ({what})" if what else "")

    def check(value, name: str, who: str):
        if value is None and none:
            return value
        if array and not _is_real(value) and not isinstance(value, (str, bytes)):
            try:
                arr = np.asarray(value)
            except Exception:  # noqa: BLE001 - anything numpy cannot read is not numbers
                arr = np.asarray([object()])
            if arr.dtype.kind not in "iuf" or arr.size == 0:
                raise ParameterError(f"{who}: {name} must be {rule_text} or an array of them, got {_shown(value)}")
            vals = arr.astype(float)
        elif _is_real(value):
            vals = np.asarray([float(value)])
        else:
            raise ParameterError(f"{who}: {name} must be {rule_text}, got {_shown(value)}")
        bad = ~np.isfinite(vals)
        if integer:
            bad |= vals != np.round(vals)
        if low is not None:
            bad |= (vals <= low) if low_open else (vals < low)
        if high is not None:
            bad |= (vals >= high) if high_open else (vals > high)
        if bad.any():
            shown = _shown(value) if vals.size == 1 else f"{vals[bad][0]:g} among its values"
            raise ParameterError(f"{who}: {name} must be {rule_text}, got {shown}")
        return value

    return check


def whole(low: float | None = None, high: float | None = None, **kwargs):
    """A whole number (int or a float without fraction) in [low, high]."""
    return number(low, high, integer=True, **kwargs)


def one_of(*choices, none: bool = False):
    """One of ``choices`` (compared with ``==``)."""
    def check(value, name: str, who: str):
        if value is None and none:
            return value
        if isinstance(value, (list, dict, set, np.ndarray)) or value not in choices:
            listed = ", ".join(repr(c) for c in choices)
            raise ParameterError(f"{who}: {name} must be one of {listed}, got {_shown(value)}")
        return value

    return check


def text(none: bool = False):
    """A string."""
    def check(value, name: str, who: str):
        if value is None and none:
            return value
        if not isinstance(value, str):
            raise ParameterError(f"{who}: {name} must be text (a column name), got {_shown(value)}")
        return value

    return check


def flag():
    """True or False."""
    def check(value, name: str, who: str):
        if not isinstance(value, (bool, np.bool_)):
            raise ParameterError(f"{who}: {name} must be True or False, got {_shown(value)}")
        return value

    return check


def results(*methods: str, what: str = "fitted results", none: bool = False):
    """Fitted results that have ``methods`` (e.g. a purchase model's ``clv`` and ``p_alive``)."""
    def check(value, name: str, who: str):
        if value is None and none:
            return value
        missing = [m for m in methods if not callable(getattr(value, m, None))]
        if missing:
            raise ParameterError(f"{who}: {name} must be {what}, got {type(value).__name__} "
                                 f"(it has no {', '.join(missing)})")
        return value

    return check


def checked(**rules):
    """Decorator: check the named arguments of every call with their rules (module docstring)."""
    def decorate(func):
        sig = inspect.signature(func)
        unknown = set(rules) - set(sig.parameters)
        if unknown:
            raise TypeError(f"checked({func.__qualname__}): no parameter(s) {sorted(unknown)}")
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError:
                return func(*args, **kwargs)        # Python's own message for a wrong call
            owner = bound.arguments.get("self")
            label = getattr(owner, "model_label", None) or getattr(owner, "model_name", None)
            who = f"{label} {func.__name__}" if isinstance(label, str) else func.__name__
            for name, rule in rules.items():
                if name in bound.arguments:
                    value = bound.arguments[name]
                    if value is None and sig.parameters[name].default is None:
                        continue
                    rule(value, name, who)
            return func(*args, **kwargs)

        wrapper.__checked__ = dict(rules)
        return wrapper

    return decorate
