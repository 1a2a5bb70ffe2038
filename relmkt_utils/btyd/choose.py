"""Choosing a BTYD model by name: the notebooks' ``model`` parameter.

``bgnbd`` (Fader, Hardie & Lee 2005), ``pnbd`` (Schmittlein, Morrison & Colombo 1987), ``mbgnbd``
(Batislam, Denizel & Filiztekin 2007) take a continuous-time summary (frequency, recency, T, from
:func:`relmkt_utils.btyd.rfm_summary`); ``bgbb`` (Fader, Hardie & Shang 2010) takes a summary of
discrete purchase opportunities (frequency, recency, n_periods and optionally the number of customers
of each row), such as the donations dataset's ``bgbb_summary``. ``bgcnbd`` and ``mbgcnbd`` (Reutterer,
Platzer & Schröder 2021; k chosen by likelihood) and ``pggg`` (Platzer & Reutterer 2016; Gibbs sampler
with BTYDplus' defaults, minutes for thousands of customers) also need the summary's ``litt``
(:func:`relmkt_utils.btyd.regularity_summary`); ``ggomnbd`` (Bemmaor & Glady 2012) takes the
continuous-time summary.
"""
from __future__ import annotations

import pandas as pd

from ..core.errors import ParameterError, require_columns
from .bgbb import BetaGeoBetaBinom
from .bgnbd import BetaGeo
from .cnbd import BetaGeoCNBD, ModifiedBetaGeoCNBD
from .ggomnbd import GammaGompertzNBD
from .mbgnbd import ModifiedBetaGeo
from .paretoggg import ParetoGGG
from .paretonbd import ParetoNBD

MODELS = {"bgnbd": BetaGeo, "pnbd": ParetoNBD, "mbgnbd": ModifiedBetaGeo, "bgbb": BetaGeoBetaBinom}
NAMES = {"bgnbd": "BG/NBD", "pnbd": "Pareto/NBD", "mbgnbd": "MBG/NBD", "bgbb": "BG/BB"}
# issue 26 (one line each; the design-btyd registry replaces these):
MODELS["bgcnbd"], NAMES["bgcnbd"] = BetaGeoCNBD, "BG/CNBD-k"
MODELS["mbgcnbd"], NAMES["mbgcnbd"] = ModifiedBetaGeoCNBD, "MBG/CNBD-k"
MODELS["ggomnbd"], NAMES["ggomnbd"] = GammaGompertzNBD, "GGom/NBD"
MODELS["pggg"], NAMES["pggg"] = ParetoGGG, "Pareto/GGG"
DISCRETE = ("bgbb",)
#: models that need the summary's litt column (sum of log inter-purchase times)
NEEDS_LITT = ("bgcnbd", "mbgcnbd", "pggg")


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
    if model in NEEDS_LITT:
        require_columns(summary, "summary", ("frequency", "recency", "T", "litt"))
        if model == "pggg":
            if weights_col:
                raise ParameterError("model 'pggg' (a Gibbs sampler over each customer) takes one row per customer, "
                                     "not weighted rows")
            return ParetoGGG(summary["frequency"], summary["recency"], summary["T"], summary["litt"]).fit()
        w = summary[weights_col] if weights_col else None
        return MODELS[model](summary["frequency"], summary["recency"], summary["T"], litt=summary["litt"],
                             weights=w).fit()
    require_columns(summary, "summary", ("frequency", "recency", "T"))
    w = summary[weights_col] if weights_col else None
    return MODELS[model](summary["frequency"], summary["recency"], summary["T"], weights=w).fit()
