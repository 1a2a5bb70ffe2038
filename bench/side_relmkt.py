"""The relmkt side of each benchmark case (runs in the project's .venv).

Every case has an untimed ``prepare`` (inputs from the arrays on disk to the library's own types),
a timed ``run`` (what a user calls) and an untimed ``outputs`` (results to plain arrays for the
comparison). The Lifetimes side (:mod:`bench.side_lifetimes`) has the same three for the same cases.
"""
from __future__ import annotations

import pandas as pd

from bench.arrays import prediction_arrays, summary_arrays, transactions_frame
from relmkt_utils import btyd
from relmkt_utils.btyd import BetaGeoResults, ParetoNBDResults

_PARAM_NAMES = {"bgnbd": ["r", "alpha", "a", "b"], "pnbd": ["r", "alpha", "s", "beta"], "gg": ["p", "q", "gamma"]}


def prepare(case: str, arrays: dict, options: dict):
    if case == "rfm":
        return transactions_frame(arrays)
    if case == "fit_gg":
        return arrays["frequency"], arrays["monetary_value"]
    x, tx, T = arrays["frequency"], arrays["recency"], arrays["T"]
    if case in ("fit_bgnbd", "fit_pnbd"):
        return x, tx, T
    if case in ("predict_bgnbd", "predict_pnbd"):
        kind = case.split("_")[1]
        params = pd.Series(options["params"], index=_PARAM_NAMES[kind])
        model = (btyd.BetaGeo if kind == "bgnbd" else btyd.ParetoNBD)(x[:1], tx[:1], T[:1])
        cls = BetaGeoResults if kind == "bgnbd" else ParetoNBDResults
        res = cls(model=model, params=params, cov_params_log=pd.DataFrame(), llf=float("nan"), nobs=float(len(x)))
        return res, x, tx, T
    raise KeyError(case)


def run(case: str, prepared, options: dict):
    if case == "rfm":
        return btyd.rfm_summary(prepared, freq=options.get("freq", "D"))
    if case == "fit_bgnbd":
        return btyd.BetaGeo(*prepared).fit()
    if case == "fit_pnbd":
        return btyd.ParetoNBD(*prepared).fit()
    if case == "fit_gg":
        return btyd.GammaGamma(*prepared).fit()
    if case in ("predict_bgnbd", "predict_pnbd"):
        res, x, tx, T = prepared
        return res.p_alive(x, tx, T), res.expected_purchases(options["t"], x, tx, T)
    raise KeyError(case)


def outputs(case: str, result) -> dict:
    if case == "rfm":
        return summary_arrays(result)
    if case.startswith("fit_"):
        return {"params": result.params.to_numpy(float)}
    if case.startswith("predict_"):
        return prediction_arrays(result)
    raise KeyError(case)
