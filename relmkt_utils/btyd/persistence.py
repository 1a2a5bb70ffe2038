"""Save fitted BTYD results to a small JSON file and load them back, without the customer data.

``results.save(path)`` writes the model name, the estimates, the covariance of the log-parameters
(from which ``bse``, ``conf_int()`` and ``cov_params()`` follow), ``nobs``, ``llf``, ``converged``,
the iterations, the warnings, the model's settings and the period of its summary (so the time unit
travels with the results); :func:`load_results` returns results of the same class whose predictions
work as before, given the customers as arguments (the data are not stored: ``results.model`` is
``None`` and a prediction called without customer data says so). Numbers are written with ``repr``
precision, so a round trip gives the same floats; NaN is written as ``null``. The results class is found
in the model registry (:mod:`.registry`), so persistence imports no model.

The format (``"format": "relmkt.btyd.results/1"``)::

    {"format": ..., "model": "BG/NBD", "results_class": "BetaGeoResults",
     "param_names": [...], "params": [...], "cov_params_log": [[...], ...],
     "nobs": ..., "llf": ..., "converged": true, "iterations": 8, "warnings": [...], "settings": {...},
     "period": {"freq": "D", "freq_multiplier": 7.0, "time_unit": "week"}}

``period`` is ``null`` for a model that did not know its time unit (and absent in files written before it
was added, which load with no period).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.time import Period
from .registry import results_classes

FORMAT = "relmkt.btyd.results/1"


def _num(v):
    v = float(v)
    return None if math.isnan(v) else v


def _float(v):
    return float("nan") if v is None else float(v)


class SavableResults:
    """Mixin of the BTYD results: :meth:`save` (see the module docstring)."""

    #: model options a results object needs besides its parameters (none for the BTYD models so far)
    settings: dict = {}

    def to_dict(self) -> dict:
        """The JSON-ready content of :meth:`save`."""
        cov = self.cov_params_log.reindex(index=self.params.index, columns=self.params.index)
        return {
            "format": FORMAT,
            "model": self.model_name,
            "results_class": type(self).__name__,
            "param_names": [str(k) for k in self.params.index],
            "params": [_num(v) for v in self.params.to_numpy(float)],
            "cov_params_log": [[_num(v) for v in row] for row in cov.to_numpy(float)],
            "nobs": _num(self.nobs),
            "llf": _num(self.llf),
            "converged": bool(self.converged),
            "iterations": int(getattr(self, "iterations", 0)),
            "warnings": [str(w) for w in self.warnings],
            "settings": dict(self.settings),
            "period": _period_doc(getattr(self, "period", None)),
        }

    def save(self, path) -> Path:
        """Write the results to ``path`` as JSON (UTF-8, sorted as in the module docstring); returns the path."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n", encoding="utf-8")
        return path


def _period_doc(period) -> dict | None:
    if period is None:
        return None
    return {"freq": period.freq, "freq_multiplier": period.multiplier, "time_unit": period.time_unit.name}


def _period_of(doc, name: str):
    if doc is None:
        return None
    try:
        return Period(doc["freq"], doc["freq_multiplier"])
    except (KeyError, TypeError, DataError):
        raise DataError(f"{name}: the saved period must hold freq (D or W) and a positive freq_multiplier, "
                        f"got {doc!r}") from None


def load_results(path):
    """Results saved by ``results.save(path)``: the same class, estimates, covariance, fit statistics,
    warnings and settings, with ``model`` None (predictions take the customers as arguments)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path.name}: not a JSON file of saved results ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DataError(f"{path.name}: not a file written by results.save() (format must be {FORMAT!r})")
    classes = results_classes()
    cls = classes.get(doc.get("results_class"))
    if cls is None:
        raise DataError(f"{path.name}: unknown results class {doc.get('results_class')!r}; "
                        f"known: {', '.join(sorted(classes))}")
    names = list(doc["param_names"])
    params = np.array([_float(v) for v in doc["params"]])
    cov = np.array([[_float(v) for v in row] for row in doc["cov_params_log"]], dtype=float).reshape(len(names), len(names))
    settings = doc.get("settings") or {}
    positive = settings.get("positive")                  # models with real-valued coefficients say which are positive
    mask = np.ones(len(names), dtype=bool) if positive is None else np.asarray(positive, dtype=bool)
    if (len(params) != len(names) or mask.shape != (len(names),) or not np.all(np.isfinite(params))
            or np.any(params[mask] <= 0)):
        raise DataError(f"{path.name}: params must be {len(names)} finite numbers, the positive ones (settings) > 0")
    extra = {} if positive is None else {"positive": mask}
    res = cls(model=None, params=pd.Series(params, index=names, name="params"),
              cov_params_log=pd.DataFrame(cov, index=names, columns=names), llf=_float(doc["llf"]),
              nobs=_float(doc["nobs"]), converged=bool(doc["converged"]), iterations=int(doc.get("iterations", 0)),
              model_name=str(doc["model"]), warnings=list(doc.get("warnings", [])), **extra)
    if settings:
        res.settings = dict(settings)
    if hasattr(cls, "period"):
        res.period = _period_of(doc.get("period"), path.name)
    return res

