"""Do the two libraries give the same answer? One check per kind of case, each returning
``(agrees, detail)`` with a sentence that says what was compared.

* Summaries: same customers, and every number within ``TOLERANCE`` (1e-6).
* Fits: both parameter sets are put into *one* log-likelihood function, relmkt's, in the data's own
  time unit (Lifetimes rescales time inside its fitters, so its reported likelihood is not comparable);
  relmkt agrees when its optimum is at least as high as Lifetimes' (up to 1e-9 relative).
* Predictions: P(alive) and expected purchases within ``TOLERANCE`` absolute, or relative for
  values above 1.
"""
from __future__ import annotations

import numpy as np

from relmkt_utils import btyd

TOLERANCE = 1e-6
_MODELS = {"fit_bgnbd": btyd.BetaGeo, "fit_pnbd": btyd.ParetoNBD, "fit_gg": btyd.GammaGamma,
           "fit_mbgnbd": btyd.ModifiedBetaGeo, "fit_bgbb": btyd.BetaGeoBetaBinom}


def _max_gap(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        return float("inf")
    both_nan = np.isnan(a) & np.isnan(b)
    gap = np.abs(a - b) / np.maximum(1.0, np.abs(b))
    gap[both_nan] = 0.0
    return float(np.nanmax(np.where(np.isnan(gap), np.inf, gap))) if gap.size else 0.0


def summaries(ours: dict, peer: dict) -> tuple[bool, str]:
    if not np.array_equal(ours["customer_id"], peer["customer_id"]):
        return False, "different customers"
    gaps = {c: _max_gap(ours[c], peer[c]) for c in ("frequency", "recency", "T", "monetary_value")}
    worst = max(gaps.values())
    return worst <= TOLERANCE, f"{len(ours['customer_id']):,} customers; largest difference {worst:.1e}"


def fits(case: str, data: dict, ours: dict, peer: dict) -> tuple[bool, str, dict]:
    if case == "fit_gg":
        model = _MODELS[case](data["frequency"], data["monetary_value"])
    elif case == "fit_bgbb":
        model = _MODELS[case](data["frequency"], data["recency"], data["n_periods"], weights=data.get("weights"))
    else:
        model = _MODELS[case](data["frequency"], data["recency"], data["T"])
    ll_ours = float(model.loglike(ours["params"]))
    ll_peer = float(model.loglike(peer["params"]))
    ok = ll_ours >= ll_peer - 1e-9 * abs(ll_peer)
    detail = f"LL relmkt {ll_ours:,.3f} vs Lifetimes {ll_peer:,.3f} (difference {ll_ours - ll_peer:+.3g})"
    return ok, detail, {"ll_relmkt": ll_ours, "ll_lifetimes": ll_peer}


def engine(case: str, log_path: str, ours: dict, options: dict) -> tuple[bool, str]:
    """A DuckDB case (no Lifetimes side). ``rfm_duckdb``: the same digest (size, column sums, every
    997th row) as relmkt's pandas path on the same Parquet log. The 100M cases, whose pandas summary
    would not fit here: identities of the log counted by a separate DuckDB query, customers =
    distinct ids and total frequency = distinct (customer, day) pairs - customers (``freq="D"``)."""
    if case == "rfm_duckdb":
        from bench.arrays import engine_digest

        want = engine_digest(btyd.rfm_summary(log_path, engine="pandas", freq=options.get("freq", "D")))
        if int(ours["n"][0]) != int(want["n"][0]) or not np.array_equal(ours["ids"], want["ids"]):
            return False, "different customers from the pandas path"
        worst = max(_max_gap(ours[k], want[k]) for k in want if k not in ("n", "ids"))
        return worst <= 1e-9, (f"{int(want['n'][0]):,} customers; same as the pandas path on the same log, "
                               f"largest difference {worst:.1e}")
    import duckdb

    con = duckdb.connect(config={"memory_limit": "4GB"})
    n, pairs = con.execute(
        "SELECT COUNT(DISTINCT customer_id), (SELECT COUNT(*) FROM (SELECT DISTINCT customer_id, CAST(date AS DATE) "
        "FROM read_parquet(?))) FROM read_parquet(?)", [log_path, log_path]).fetchone()
    con.close()
    if case == "rfm_duckdb_compress":
        got_n = float(ours["weight"].sum())
        got_freq = float(ours["weight"] @ ours["frequency"])
        rows = f"{len(ours['weight']):,} distinct rows for "
    else:
        got_n, got_freq, rows = float(ours["n"][0]), float(ours["sum_frequency"][0]), ""
    ok = got_n == n and got_freq == pairs - n
    return ok, (f"{rows}{int(got_n):,} customers (log: {n:,}); total frequency {int(got_freq):,} "
                f"(log: {pairs - n:,} distinct customer-days - customers)")


def predictions(ours: dict, peer: dict) -> tuple[bool, str]:
    gaps = {k: _max_gap(ours[k], peer[k]) for k in ("p_alive", "expected_purchases")}
    worst = max(gaps.values())
    return worst <= TOLERANCE, ("largest difference: P(alive) " + f"{gaps['p_alive']:.1e}, expected purchases "
                                f"{gaps['expected_purchases']:.1e}")
