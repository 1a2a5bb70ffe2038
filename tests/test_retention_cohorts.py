"""Survivors per acquisition cohort from a transaction log, and retention vs acquisition cost."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from relmkt_utils.data import datasets
from relmkt_utils.core.errors import ParameterError
from relmkt_utils.retention import (ShiftedBetaGeometric, cohort_curve, cohort_survivors, constant_retention,
                                    fit_cohorts, pooled_retention, retention_by_group, retention_vs_acquisition_cost)

VALID = Path(__file__).resolve().parent / "datasets" / "valid"


def _log(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"]).assign(date=lambda d: pd.to_datetime(d["date"]))


def test_alive_means_a_purchase_in_that_period_or_later():
    tx = _log([
        ("a", "2024-01-10", 5), ("a", "2024-03-02", 5),     # skips February: still alive at t = 1
        ("b", "2024-01-20", 5),                             # one purchase: alive at t = 0 only
        ("c", "2024-01-31", 5), ("c", "2024-02-01", 5),     # alive at t = 0, 1
        ("d", "2024-02-15", 5), ("d", "2024-03-15", 5),     # February cohort
    ])
    tab = cohort_survivors(tx, period="month")
    assert tab.columns.tolist() == [0, 1, 2]
    jan, feb = tab.index
    assert str(jan) == "2024-01" and str(feb) == "2024-02"
    assert tab.loc[jan].tolist() == [3, 2, 1]
    assert tab.loc[feb, 0] == 1 and tab.loc[feb, 1] == 1 and np.isnan(tab.loc[feb, 2])
    assert cohort_curve(tab, feb).tolist() == [1, 1]
    # exclude_last hides the last (censoring-biased) period of each cohort
    cut = cohort_survivors(tx, period="month", exclude_last=1)
    assert cut.loc[jan].tolist()[:2] == [3, 2] and np.isnan(cut.loc[jan, 2])
    # acquired_at from the customers table overrides the first purchase; quarters pool the months
    cust = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "acquired_at": ["2023-12-20"] * 4})
    q = cohort_survivors(tx, cust, period="quarter")
    assert str(q.index[0]) == "2023Q4" and q.iloc[0].tolist() == [4, 4]


def test_simulated_geometric_lifetimes_are_recovered():
    """Customers buy every quarter while alive; churn each quarter with probability 0.25."""
    rng = np.random.default_rng(5)
    n = 3000
    start = rng.integers(0, 4, n)                      # acquisition quarter, 0 = 2020Q1
    life = rng.geometric(0.25, n)                      # quarters with purchases: t = 0..life-1
    cid = np.repeat(np.arange(n), life)
    q = np.repeat(start, life) + np.concatenate([np.arange(k) for k in life])
    keep = q < 20                                      # observation ends 2024Q4
    cid, q = cid[keep], q[keep]
    dates = pd.to_datetime(pd.DataFrame({"year": 2020 + q // 4, "month": 3 * (q % 4) + 1, "day": 1}))
    tx = pd.DataFrame({"customer_id": [f"c{i}" for i in cid],
                       "date": dates + pd.to_timedelta(rng.integers(0, 80, q.size), unit="D"), "amount": 10.0})
    cust = list(zip([f"c{i}" for i in range(n)],
                    pd.to_datetime(pd.DataFrame({"year": 2020, "month": 3 * start + 1, "day": 1}))))
    customers = pd.DataFrame(cust, columns=["customer_id", "acquired_at"])
    tab = cohort_survivors(tx, customers, period="quarter", observation_end="2024-12-31")
    assert tab.shape[0] == 4
    r = constant_retention(tab)
    assert r == pytest.approx(0.75, abs=0.01)
    pooled = pooled_retention(tab)
    assert pooled["retention"].iloc[:8].between(0.70, 0.80).all()      # constant: no heterogeneity
    fits = fit_cohorts(tab, min_periods=6)
    assert len(fits) == 4
    # homogeneous churn: sBG's mean churn alpha/(alpha+beta) near 0.25
    assert fits["mean_churn"].between(0.22, 0.28).all()
    s = cohort_curve(tab, tab.index[0])
    assert ShiftedBetaGeometric(s).fit().llf == pytest.approx(fits["llf"].iloc[0])


def test_retention_by_group_orders_relationship_levels():
    rng = np.random.default_rng(9)
    churn = {"financial": 0.5, "social": 0.3, "structural": 0.1}
    rows, cust = [], []
    for i in range(2400):
        lv = list(churn)[i % 3]
        life = int(rng.geometric(churn[lv]))
        cust.append((f"c{i}", "2020-01-01", lv))
        rows += [(f"c{i}", f"{2020 + t}-06-01", 1.0) for t in range(min(life, 6))]
    tx = _log(rows)
    customers = pd.DataFrame(cust, columns=["customer_id", "acquired_at", "relationship_level"])
    out = retention_by_group(tx, customers, group="relationship_level", period="year", exclude_last=0,
                             observation_end="2025-12-31")
    for lv, p in churn.items():
        assert out.loc[lv, "retention_lower"] < 1 - p < out.loc[lv, "retention_upper"]
    assert out.loc["financial", "retention"] < out.loc["social", "retention"] < out.loc["structural", "retention"]
    # the one geometric estimator (retention.GeometricRetention) makes the numbers and the interval
    from relmkt_utils.retention import GeometricRetention
    tab = cohort_survivors(tx, customers, period="year", group="relationship_level", exclude_last=0,
                           observation_end="2025-12-31")
    fit = GeometricRetention(tab.xs("social")).fit()
    assert out.loc["social", "retention"] == fit.retention
    assert out.loc["social", ["retention_lower", "retention_upper"]].tolist() == fit.conf_int().iloc[0].tolist()
    ninety = retention_by_group(tx, customers, group="relationship_level", period="year", exclude_last=0,
                                observation_end="2025-12-31", alpha=0.10)
    assert (ninety["retention_upper"] - ninety["retention_lower"] < out["retention_upper"] - out["retention_lower"]).all()


def test_costs_on_the_tiny_valid_dataset():
    ds = datasets.load(VALID)
    out = retention_vs_acquisition_cost(ds.spend, ds.customers)
    sp = ds.spend
    ret = out[(out["kind"] == "retention")].iloc[0]
    assert ret["cost_per_customer"] == pytest.approx(sp["retention_spend"].sum() / sp["retained_customers"].sum())
    acq = out[(out["kind"] == "acquisition") & (out["source"] == "spend")].iloc[0]
    assert acq["ratio_to_retention"] == pytest.approx(acq["cost_per_customer"] / ret["cost_per_customer"])
    by_ch = out[(out["source"] == "customers") & (out["channel"] != "all")].set_index("channel")
    expect = ds.customers.groupby("channel")["acquisition_cost"].mean()
    for ch, v in expect.items():
        assert by_ch.loc[ch, "cost_per_customer"] == pytest.approx(v)
    only_customers = retention_vs_acquisition_cost(customers=ds.customers)
    assert only_customers["ratio_to_retention"].isna().all()
    with pytest.raises(ParameterError):
        retention_vs_acquisition_cost()


def test_bad_arguments():
    tx = _log([("a", "2024-01-10", 5)])
    with pytest.raises(ParameterError, match="period"):
        cohort_survivors(tx, period="week")
    with pytest.raises(ParameterError, match="group"):
        cohort_survivors(tx, period="month", group="channel")
