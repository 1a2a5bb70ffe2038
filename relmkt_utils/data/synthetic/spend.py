"""An aggregate spend table: acquisition and retention response curves (Blattberg & Deighton 1996).

Per period (month) t: prospects ~ Poisson(prospects_mean); acquisition spend per prospect A and
retention spend per customer R are drawn log-uniformly from their ranges (varied so that the
curves are identifiable); spends are rounded to cents and A, R recomputed from the rounded values;

    a = ceiling_a * (1 - exp(-k_a * A)),   new_customers ~ Binomial(prospects, a)
    r = ceiling_r * (1 - exp(-k_r * R)),   retained_customers ~ Binomial(customers_at_start, r)
    customers_at_start[t+1] = retained_customers[t] + new_customers[t].

This is a "market" table of its own: it does not tie to the customers table (documented).

Customer equity per prospect (Blattberg & Deighton 1996):
    CE = a m - A + a (m - R / r) r' / (1 - r'),   r' = r / (1 + d)
with margin m per period and discount rate d per period; the optimal R maximizes the retention
term, and then A* = ln(ceiling_a k_a (m + L*)) / k_a with L* the optimal retention term.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize


def acquisition_rate(A, s: dict):
    return s["ceiling_a"] * (1 - np.exp(-s["k_a"] * np.asarray(A, dtype=float)))


def retention_rate(R, s: dict):
    return s["ceiling_r"] * (1 - np.exp(-s["k_r"] * np.asarray(R, dtype=float)))


def retention_value(R: float, s: dict) -> float:
    """(m - R / r) r' / (1 - r'), the value of an acquired customer's future retention."""
    r = float(retention_rate(R, s))
    if r <= 0:
        return 0.0
    rp = r / (1 + s["discount_rate"])
    return (s["margin"] - R / r) * rp / (1 - rp)


def optimum(t: dict) -> dict[str, float]:
    """Spends per head that maximize customer equity per prospect, and the resulting values."""
    s = t["spend"]
    hi = 20.0 / s["k_r"]
    res = optimize.minimize_scalar(lambda R: -retention_value(R, s), bounds=(1e-9, hi), method="bounded",
                                   options={"xatol": 1e-10})
    R = float(res.x)
    L = max(0.0, retention_value(R, s))
    arg = s["ceiling_a"] * s["k_a"] * (s["margin"] + L)
    A = float(np.log(arg) / s["k_a"]) if arg > 1 else 0.0
    a = float(acquisition_rate(A, s))
    return {
        "optimal_retention_spend_per_customer": R,
        "optimal_retention_rate": float(retention_rate(R, s)),
        "optimal_acquisition_spend_per_prospect": A,
        "optimal_acquisition_rate": a,
        "customer_equity_per_prospect": a * s["margin"] - A + a * L,
    }


def simulate(rng: np.random.Generator, t: dict, start: pd.Timestamp) -> pd.DataFrame:
    s = t["spend"]
    n = s["n_periods"]
    lo_a, hi_a = s["acquisition_spend_per_prospect_range"]
    lo_r, hi_r = s["retention_spend_per_customer_range"]
    prospects = rng.poisson(s["prospects_mean"], n)
    A = np.exp(rng.uniform(np.log(lo_a), np.log(hi_a), n))
    R = np.exp(rng.uniform(np.log(lo_r), np.log(hi_r), n))
    acq_spend = np.round(A * prospects, 2)
    new = rng.binomial(prospects, acquisition_rate(acq_spend / np.maximum(prospects, 1), s))
    at_start = np.zeros(n, dtype=np.int64)
    retained = np.zeros(n, dtype=np.int64)
    ret_spend = np.zeros(n)
    c = int(s["customers_at_start_first"])
    for i in range(n):
        at_start[i] = c
        ret_spend[i] = round(R[i] * c, 2)
        retained[i] = rng.binomial(c, retention_rate(ret_spend[i] / max(c, 1), s))
        c = int(retained[i] + new[i])
    period_start = pd.date_range(start, periods=n, freq="MS")
    return pd.DataFrame({
        "period": np.arange(n),
        "period_start": period_start,
        "acquisition_spend": acq_spend,
        "retention_spend": ret_spend,
        "prospects": prospects,
        "new_customers": new,
        "customers_at_start": at_start,
        "retained_customers": retained,
    })
