"""Choosing a BTYD model by name: the notebooks' ``model`` parameter, read from the model registry.

``bgnbd`` (Fader, Hardie & Lee 2005), ``pnbd`` (Schmittlein, Morrison & Colombo 1987), ``mbgnbd``
(Batislam, Denizel & Filiztekin 2007) take a continuous-time summary (frequency, recency, T, from
:func:`relmkt_utils.btyd.rfm_summary`); ``bgbb`` (Fader, Hardie & Shang 2010) takes a summary of
discrete purchase opportunities (frequency, recency, n_periods and optionally the number of customers
of each row), such as the donations dataset's ``bgbb_summary``. ``ggomnbd`` (Bemmaor & Glady 2012) takes
the continuous-time summary too; ``bgcnbd`` and ``mbgcnbd`` (Reutterer, Platzer & Schröder 2021; k chosen
by likelihood) and ``pggg`` (Platzer & Reutterer 2016; a Gibbs sampler with BTYDplus' defaults, minutes
for thousands of customers, one row per customer) also need its ``litt`` column, the sum of log
inter-purchase times (:func:`relmkt_utils.btyd.regularity_summary`): their ``summary_columns`` name it.

``MODELS`` (key -> class), ``NAMES`` (key -> display name) and ``DISCRETE`` (the keys of the discrete
models) are live views of :data:`relmkt_utils.btyd.registry.REGISTRY`: a model defined with a key is in
them (:mod:`.registry`).
"""
from __future__ import annotations

import pandas as pd

from ..core.checks import TEXT
from ..core.errors import ParameterError
from .registry import DISCRETE, MODELS, NAMES, REGISTRY

__all__ = ["MODELS", "NAMES", "DISCRETE", "check_model", "fit_model"]


def check_model(model: str) -> str:
    """``model`` itself, or a ParameterError naming the choices."""
    if not isinstance(model, str) or model not in MODELS:
        raise ParameterError(f"model must be one of {', '.join(MODELS)} ({', '.join(NAMES.values())}), got {model!r}")
    return model


def fit_model(model: str, summary: pd.DataFrame, weights_col: str | None = None):
    """Fit the named model to a summary (see the module docstring) and return its results; the model
    takes its time unit from the summary (:mod:`.base`)."""
    check_model(model)
    if weights_col is not None:
        TEXT.check(weights_col, "weights_col")
    entry = REGISTRY[model]
    return entry.model.from_summary(summary, weights=weights_col).fit()
