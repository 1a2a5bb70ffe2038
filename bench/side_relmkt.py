"""The relmkt side of each benchmark case (runs in the project's .venv).

Every case has an untimed ``prepare`` (inputs from the arrays on disk to the library's own types),
a timed ``run`` (what a user calls) and an untimed ``outputs`` (results to plain arrays for the
comparison). The Lifetimes side (:mod:`bench.side_lifetimes`) has the same three for the same cases.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from bench.arrays import engine_digest, prediction_arrays, summary_arrays, transactions_frame
from relmkt_utils import btyd
from relmkt_utils.btyd import BetaGeoResults, ParetoNBDResults

#: Cases with no Lifetimes side: the log is a Parquet file that DuckDB reads out of core.
#: ``rfm_duckdb``: the summary as a DataFrame; ``rfm_duckdb_file``: written to a Parquet file
#: (``relmkt summarize``); ``rfm_duckdb_compress``: the compressed summary (distinct rows + weights).
ENGINE_CASES = ("rfm_duckdb", "rfm_duckdb_file", "rfm_duckdb_compress")


def _engine_options(options: dict) -> dict:
    return {k: options[k] for k in ("freq", "memory_limit", "threads", "temp_directory") if k in options}

_PARAM_NAMES = {"bgnbd": ["r", "alpha", "a", "b"], "pnbd": ["r", "alpha", "s", "beta"], "gg": ["p", "q", "gamma"]}


def _file_digest(path: str, every: int = 997) -> dict:
    """:func:`bench.arrays.engine_digest` of a summary file, read one column at a time."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    n = pq.ParquetFile(path).metadata.num_rows
    rows = np.arange(0, n, every)
    out = {"n": np.array([n])}
    for c in ("customer_id", "frequency", "recency", "T", "monetary_value"):
        col = pq.read_table(path, columns=[c]).column(c)
        picked = col.take(rows).to_numpy()
        if c == "customer_id":
            out["ids"] = picked.astype(str)
        else:
            out[c] = picked.astype(float)
            out[f"sum_{c}"] = np.array([float(pc.sum(col).as_py())])
        del col
    return out


def prepare(case: str, arrays: dict, options: dict):
    if case == "rfm":
        return transactions_frame(arrays)
    if case in ENGINE_CASES:
        return arrays["path"]
    if case == "fit_gg":
        return arrays["frequency"], arrays["monetary_value"]
    if case == "fit_bgbb":
        return arrays["frequency"], arrays["recency"], arrays["n_periods"], arrays.get("weights")
    x, tx, T = arrays["frequency"], arrays["recency"], arrays["T"]
    if case in ("fit_bgnbd", "fit_pnbd", "fit_mbgnbd"):
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
    if case == "rfm_duckdb":
        return btyd.rfm_summary(prepared, engine="duckdb", **_engine_options(options))
    if case == "rfm_duckdb_compress":
        return btyd.rfm_summary(prepared, engine="duckdb", compress=True, **_engine_options(options))
    if case == "rfm_duckdb_file":
        from relmkt_utils.btyd.engines import write_summary

        write_summary(prepared, options["out"], engine="duckdb", **_engine_options(options))
        return options["out"]
    if case == "fit_bgnbd":
        return btyd.BetaGeo(*prepared).fit()
    if case == "fit_pnbd":
        return btyd.ParetoNBD(*prepared).fit()
    if case == "fit_gg":
        return btyd.GammaGamma(*prepared).fit()
    if case == "fit_mbgnbd":
        return btyd.ModifiedBetaGeo(*prepared).fit()
    if case == "fit_bgbb":
        x, tx, n, w = prepared
        return btyd.BetaGeoBetaBinom(x, tx, n, weights=w).fit()
    if case in ("predict_bgnbd", "predict_pnbd"):
        res, x, tx, T = prepared
        return res.p_alive(x, tx, T), res.expected_purchases(options["t"], x, tx, T)
    raise KeyError(case)


def outputs(case: str, result) -> dict:
    if case == "rfm":
        return summary_arrays(result)
    if case == "rfm_duckdb":
        return engine_digest(result)
    if case == "rfm_duckdb_file":
        return _file_digest(result)
    if case == "rfm_duckdb_compress":
        return {c: result[c].to_numpy(np.float64) for c in ("frequency", "recency", "T", "weight", "monetary_value_sum")}
    if case.startswith("fit_"):
        return {"params": result.params.to_numpy(float)}
    if case.startswith("predict_"):
        return prediction_arrays(result)
    raise KeyError(case)
