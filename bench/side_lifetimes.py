"""The Lifetimes 0.11.3 side of each benchmark case (runs in the bench-only environment).

The same three steps as :mod:`bench.side_relmkt`: untimed ``prepare``, timed ``run`` (the calls
Lifetimes' documentation shows, with its default settings), untimed ``outputs``. Imports only
numpy, pandas and lifetimes: this file runs under numpy 1.x / pandas 1.x.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from lifetimes import (BetaGeoBetaBinomFitter, BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter,
                       ParetoNBDFitter)
from lifetimes.utils import summary_data_from_transaction_data

from bench.arrays import prediction_arrays, summary_arrays, transactions_frame

_PARAM_NAMES = {"bgnbd": ["r", "alpha", "a", "b"], "pnbd": ["r", "alpha", "s", "beta"]}
_FITTERS = {"bgnbd": BetaGeoFitter, "pnbd": ParetoNBDFitter}


def prepare(case: str, arrays: dict, options: dict):
    if case == "rfm":
        return transactions_frame(arrays)
    if case == "fit_gg":
        return pd.Series(arrays["frequency"]), pd.Series(arrays["monetary_value"])
    if case == "fit_bgbb":
        w = arrays.get("weights")
        return (pd.Series(arrays["frequency"]), pd.Series(arrays["recency"]), pd.Series(arrays["n_periods"]),
                None if w is None else pd.Series(w))
    x, tx, T = (pd.Series(arrays[k]) for k in ("frequency", "recency", "T"))
    if case in ("fit_bgnbd", "fit_pnbd", "fit_mbgnbd"):
        return x, tx, T
    if case in ("predict_bgnbd", "predict_pnbd"):
        kind = case.split("_")[1]
        fitter = _FITTERS[kind]()
        fitter.params_ = pd.Series(options["params"], index=_PARAM_NAMES[kind])
        return fitter, x, tx, T
    raise KeyError(case)


def run(case: str, prepared, options: dict):
    if case == "rfm":
        return summary_data_from_transaction_data(prepared, "customer_id", "date", monetary_value_col="amount",
                                                  freq=options.get("freq", "D"))
    if case == "fit_bgnbd":
        return BetaGeoFitter().fit(*prepared)
    if case == "fit_pnbd":
        return ParetoNBDFitter().fit(*prepared)
    if case == "fit_gg":
        return GammaGammaFitter().fit(*prepared)
    if case == "fit_mbgnbd":
        return ModifiedBetaGeoFitter().fit(*prepared)
    if case == "fit_bgbb":
        x, tx, n, w = prepared
        return BetaGeoBetaBinomFitter().fit(x, tx, n, weights=w)
    if case in ("predict_bgnbd", "predict_pnbd"):
        fitter, x, tx, T = prepared
        return (fitter.conditional_probability_alive(x, tx, T),
                fitter.conditional_expected_number_of_purchases_up_to_time(options["t"], x, tx, T))
    raise KeyError(case)


def outputs(case: str, result) -> dict:
    if case == "rfm":
        return summary_arrays(result)
    if case.startswith("fit_"):
        return {"params": np.asarray(result.params_, dtype=float)}
    if case.startswith("predict_"):
        return prediction_arrays(result)
    raise KeyError(case)
