"""Record key numbers of a notebook run so the batch can show them in ``reports/index.html``.

``record(name, value)`` does two things: it displays the value in the notebook (as papermill's
``scrapbook`` would, without the dependency) and appends it to the file named by the environment
variable ``RELMKT_METRICS`` (set by the batch for each run). Outside the batch only the display
happens. Values must be JSON-serializable scalars (numbers, strings, booleans, None); numpy
scalars are converted. Non-finite floats are stored as null.
"""
from __future__ import annotations

import json
import math
import os
from numbers import Number

import numpy as np

METRICS_ENV = "RELMKT_METRICS"


def _plain(value):
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, Number):
        v = float(value) if not isinstance(value, int) else value
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v
    raise TypeError(f"record() takes a number, string, boolean or None, not {type(value).__name__}")


def record(name: str, value) -> object:
    """Record a key number of this run; returns the plain value."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"metric name must be an identifier, got {name!r}")
    plain = _plain(value)
    path = os.environ.get(METRICS_ENV)
    if path:
        metrics = {}
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                metrics = json.load(fh)
        metrics[name] = plain
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(metrics, fh, indent=2, sort_keys=True)
    return plain


def recorded(path: str) -> dict:
    """Read a metrics file written by :func:`record` (empty dict if absent)."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)
