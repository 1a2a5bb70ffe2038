"""Choosing a BTYD model by name: the notebooks' ``model`` parameter.

``bgnbd`` (Fader, Hardie & Lee 2005), ``pnbd`` (Schmittlein, Morrison & Colombo 1987), ``mbgnbd``
(Batislam, Denizel & Filiztekin 2007) take a continuous-time summary (frequency, recency, T, from
:func:`relmkt_utils.btyd.rfm_summary`); ``bgbb`` (Fader, Hardie & Shang 2010) takes a summary of
discrete purchase opportunities (frequency, recency, n_periods and optionally the number of customers
of each row), such as the donations dataset's ``bgbb_summary``.
"""
from __future__ import annotations

import pandas as pd

from ..core.errors import ParameterError, require_columns
from .bgbb import BetaGeoBetaBinom
from .bgnbd import BetaGeo
from .mbgnbd import ModifiedBetaGeo
from .paretonbd import ParetoNBD

MODELS = {"bgnbd": BetaGeo, "pnbd": ParetoNBD, "mbgnbd": ModifiedBetaGeo, "bgbb": BetaGeoBetaBinom}
NAMES = {"bgnbd": "BG/NBD", "pnbd": "Pareto/NBD", "mbgnbd": "MBG/NBD", "bgbb": "BG/BB"}
DISCRETE = ("bgbb",)


def check_model(model: str) -> str:
    """``model`` itself, or a ParameterError naming the choices."""
    if model not in MODELS:
        raise ParameterError(f"model must be one of {', '.join(MODELS)} ({', '.join(NAMES.values())}), got {model!r}")
    return model


def fit_model(model: str, summary: pd.DataFrame, weights_col: str | None = None):
    """Fit the named model to a summary (see the module docstring) and return its results."""
    check_model(model)
    if model in DISCRETE:
        require_columns(summary, "summary", ("frequency", "recency", "n_periods"))
        w = summary[weights_col] if weights_col else None
        return BetaGeoBetaBinom(summary["frequency"], summary["recency"], summary["n_periods"], weights=w).fit()
    require_columns(summary, "summary", ("frequency", "recency", "T"))
    w = summary[weights_col] if weights_col else None
    return MODELS[model](summary["frequency"], summary["recency"], summary["T"], weights=w).fit()
