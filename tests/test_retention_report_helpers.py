"""The helpers behind notebook 04 (relmkt_utils.retention: projection, holdout, valuation, groups, spending,
evidence): each checked against a published figure, a closed form or a simulated truth."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relmkt_utils import retention as rt
from relmkt_utils.core.clv import clv, equivalent_retention
from relmkt_utils.data.dataset import Dataset
from relmkt_utils.retention import evidence, published
from relmkt_utils.retention.sbg import sbg_del, sbg_derl, sbg_survival, simulate_survivors


# ------------------------------------------------------------------ section 1: the closed form

def test_worked_example_and_its_monte_carlo_check():
    """m = 144 a year, r = 80%, i = 10%: start 144 x 1.1/0.3 = 528, end 144 x 0.8/0.3 = 384 (Berger & Nasr;
    Gupta & Lehmann); the multiplier grid holds Gupta & Lehmann's 0.9/0.2 = 4.5 at r = 90%, i = 10%."""
    ex = rt.worked_example(144.0, 0.8, 0.10, 10)
    assert ex.attrs["clv_start"] == pytest.approx(528.0) and ex.attrs["clv_end"] == pytest.approx(384.0)
    assert ex.attrs["clv_start"] - ex.attrs["clv_end"] == pytest.approx(144.0)          # the gap is the first margin
    assert set(ex.attrs["kinds"]) == set(ex.columns)
    mc = rt.monte_carlo_check(144.0, 0.8, 0.10, seed=1)
    assert (mc["difference in standard errors"].abs() < 4).all()
    grid = rt.multiplier_grid()
    assert grid.loc[0.9, "discount rate 10%"] == pytest.approx(4.5) and grid.loc[0.6, "discount rate 16%"] == pytest.approx(0.6 / 0.56)


# ------------------------------------------------------------------ section 2: projections

def test_published_cohorts_reproduce_fader_and_hardie():
    """F&H (2007): alpha, beta to 3 decimals; the sBG misses years 8-12 by 1.5% (regular) and 2.8% (high end),
    a constant rate by 59.0% and 21.1% (the numbers the report quotes)."""
    proj = rt.cohort_projections()
    assert not proj.own and proj.calibration == 7 and proj.last == 12 and proj.period == "year"
    for name, (a, b) in published.PARAMS.items():
        assert round(proj.fits[name]["sbg"].alpha, 3) == a and round(proj.fits[name]["sbg"].beta, 3) == b
    assert proj.cohort_error("regular") == pytest.approx(1.486, abs=1e-3)
    assert proj.cohort_error("high end", "constant") == pytest.approx(21.118, abs=1e-3)
    assert proj.holdout_error("sbg") == pytest.approx((1.4864 + 2.8324) / 2, abs=1e-3)      # five years each
    assert proj.holdout_error("constant", signed=True) < 0                                     # too few survivors
    m = proj.metrics()
    assert m["sbg_regular_alpha"] == pytest.approx(0.70408, abs=1e-5) and "constant_r_high_end_holdout_mape" in m
    comparison = proj.comparison()
    assert not any("_" in str(r) for r in comparison.index)                                   # plain labels, no keys


def test_lifetimes_are_the_sums_they_stand_for():
    """DEL = sum_t S(t)/(1+d)^t and DERL(n) = sum_{t>n} S(t)/S(n) /(1+d)^(t-n-1) (Fader & Hardie 2010), by direct
    summation; DERL(0) < DEL while DERL(7) > DEL: a customer just won is worth less than a new one."""
    proj = rt.cohort_projections()
    d = 0.10
    a, b = proj.fits["regular"]["sbg"].alpha, proj.fits["regular"]["sbg"].beta
    t = np.arange(0, 4000)
    S = sbg_survival(a, b, t)
    life = proj.lifetimes(d)
    assert life.loc["regular", "new customer"] == pytest.approx(np.sum(S / 1.1 ** t), rel=1e-6)
    for n in (0, 1, 3, 7):
        later = t[t > n]
        assert life.loc["regular", f"after {n} renewal{'s' if n != 1 else ''}"] == pytest.approx(
            np.sum(sbg_survival(a, b, later) / sbg_survival(a, b, n) / 1.1 ** (later - n - 1)), rel=1e-6)
    assert life.loc["regular", "after 0 renewals"] < life.loc["regular", "new customer"] < life.loc["regular", "after 7 renewals"]
    assert proj.renewals_to_exceed_new(d) == 1
    ratio, cohort, n = proj.residual_ratio(d)
    assert (cohort, n) == ("regular", 7) and ratio == pytest.approx(sbg_derl(a, b, d, 7) / sbg_del(a, b, d))
    new, constant, _ = proj.new_customer(d)
    assert new == pytest.approx(sbg_del(a, b, d)) and constant == pytest.approx(1.1 / (1.1 - proj.fits["regular"]["constant"].retention))


def test_a_datasets_own_cohorts_are_its_own():
    ds = rt.published.dataset()
    proj = rt.cohort_projections(ds)
    assert proj.own and proj.source == "the dataset fader_hardie_2007" and proj.published == published.PARAMS


# ------------------------------------------------------------------ section 3b: holdout on pooled cohorts

def _cohorts(alpha, beta, sizes, periods, seed):
    """A cohort_survivors-like table: cohort k observed for periods - k periods."""
    rows = []
    for k, n in enumerate(sizes):
        s = simulate_survivors(alpha, beta, n, periods, seed + k).astype(float)
        s[periods - k + 1:] = np.nan
        rows.append(s)
    return pd.DataFrame(rows, index=[f"c{k}" for k in range(len(sizes))], columns=range(periods + 1))


def test_the_sbg_projects_simulated_sbg_cohorts_and_the_constant_rate_does_not():
    table = _cohorts(0.7, 1.2, [4000] * 4, 8, seed=3)
    h = rt.pooled_holdout(table)
    assert h.calibration_periods == 4 and list(h.table.index) == [5, 6, 7, 8]
    assert h.error("sbg") < rt.HOLDOUT_FIT_THRESHOLD < h.error("constant") and h.fits()
    assert h.bias("constant") < 0                                   # retention rises: a constant rate is too low
    # the check by hand at t = 5: the cohorts observed there, n0 S(t) summed
    sbg = rt.fit_pooled(table.loc[:, :4])
    seen = table[5].notna()
    assert h.table.loc[5, "sbg"] == pytest.approx(table.loc[seen, 0].sum() * sbg.survival(5))
    assert set(h.reader_table().attrs["kinds"]) == set(h.reader_table().columns)


def test_a_projection_that_misses_is_told_apart_and_short_cohorts_are_not_checked():
    """Customers who either leave at once or stay with one constant rate (the synthetic world's shape):
    the sBG's rising r(t) over-projects the later periods."""
    n, T = 6000, 8
    rng = np.random.default_rng(5)
    stay = rng.random(n) < 0.3
    life = np.where(stay, rng.geometric(0.16, n), 0)            # periods survived before leaving
    curve = np.array([(life >= t).sum() if t else n for t in range(T + 1)], float)
    table = pd.DataFrame([curve], columns=range(T + 1))
    h = rt.pooled_holdout(table)
    assert h.error("sbg") >= rt.HOLDOUT_FIT_THRESHOLD and h.bias("sbg") > 0 and not h.fits()
    short = rt.pooled_holdout(table.loc[:, :2])
    assert short.table is None and short.error() is None and "only 2 periods" in short.reason


def test_caveat_rule():
    ok = rt.projection_caveat(8, "quarter", 2.0)
    assert ok == {"status": "ok", "reason": ""}
    assert rt.projection_caveat(2, "month", None)["status"] == "caution"
    assert "2 months" in rt.projection_caveat(2, "month", None)["reason"]
    assert "7.2%" in rt.projection_caveat(6, "quarter", 7.2)["reason"]
    assert rt.projection_caveat(6, "quarter", None)["status"] == "ok"          # checked elsewhere when it can be


def test_retention_over_tenure_pools_cohorts_with_wilson_intervals():
    table = pd.DataFrame([[100, 30, 25, 20], [200, 50, 40, np.nan]], columns=range(4))
    first = rt.retention_over(table, 1, 1)
    assert first.value == pytest.approx(80 / 300) and first.lower < first.value < first.upper
    later = rt.retention_over(table, 2)
    assert later.value == pytest.approx((25 + 40 + 20) / (30 + 50 + 25))
    assert rt.retention_over(table, 5) is None
    pooled, why = rt.pooled_fit(table)
    assert why == "" and pooled.model.n_cohorts == 2
    none, why = rt.pooled_fit(pd.DataFrame([[10, 10, 10]], columns=range(3)))
    assert none is None and "nobody churned" in why
    fits = rt.cohort_fit_table(table, pooled)
    assert len(fits.columns) <= 7 and fits.index[-1].startswith("all 2 cohorts")


# ------------------------------------------------------------------ section 4: the valuation

def _log(seed=0, n=600, with_cost=True, with_margin=False):
    """A small purchase log: monthly buyers who leave with a per-customer probability (Beta(1, 3))."""
    rng = np.random.default_rng(seed)
    rows, customers = [], []
    start = pd.Timestamp("2022-01-01")
    for i in range(n):
        acquired = start + pd.Timedelta(days=int(rng.integers(0, 360)))
        p = rng.beta(1.0, 3.0)
        months = 0
        while True:
            day = acquired + pd.Timedelta(days=30 * months)
            if day > pd.Timestamp("2023-12-31"):
                break
            rows.append((f"c{i}", day, 20.0, 6.0))
            if rng.random() < p:
                break
            months += 1
        customers.append((f"c{i}", acquired, 15.0 if i % 2 else 25.0))
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "margin"])
    cust = pd.DataFrame(customers, columns=["customer_id", "acquired_at", "acquisition_cost"])
    if not with_margin:
        tx = tx.drop(columns="margin")
    if not with_cost:
        cust = cust.drop(columns="acquisition_cost")
    meta = {"currency": "EUR", "observation_start": "2022-01-01", "observation_end": "2023-12-31"}
    return Dataset("log", meta, customers=cust, transactions=tx)


def _value(ds, period="quarter"):
    from relmkt_utils.loyalty import time_to_dropout

    basis = rt.basis(ds, period, "month", 0.10, 0.30, True, 12.0)
    cohorts = rt.cohort_survivors(ds.transactions, ds.customers, period=period, exclude_last=1)
    pooled = rt.fit_pooled(cohorts)
    dropout = time_to_dropout(ds.transactions, ds.customers, observation_end=ds.observation_end, inactivity_days=60)
    return rt.value_customers(ds, cohorts, pooled, basis, dropout, rt.pooled_holdout(cohorts).error(), 10, seed=1), pooled, basis


def test_valuation_is_margin_times_del_and_equity_follows_one_rule():
    ds = _log()
    v, pooled, basis = _value(ds)
    assert basis.margin_rate == 0.30 and "parameter" in basis.margin_source
    assert v.clv == pytest.approx(v.margin * pooled.discounted_expected_lifetime(basis.discount))
    est = v.clv_estimate
    assert est.lower <= v.clv <= est.upper and est.upper - est.lower > 0
    assert v.r_eq == pytest.approx(equivalent_retention(v.lifetime, basis.discount))
    assert clv(v.margin, v.r_eq, basis.discount) == pytest.approx(v.clv)           # the equivalent rate keeps the CLV
    e = v.equity_parts()
    assert e["customer_equity"] == pytest.approx(v.active_now * v.clv + v.new_per_period / basis.discount * (v.clv - 20.0))
    assert "customer equity" in v.table().index
    # without an acquisition cost: no equity anywhere (table, uplift, evidence), and the reason says why
    free = _log(with_cost=False)
    w, _, _ = _value(free)
    assert w.equity is None and w.equity_parts()["customer_equity"] is None and w.status("equity") == {"reason": w.equity_reason}
    assert not any("equity" in r for r in w.table().index if r != "value of the customers active now, N0 × CLV")
    u = w.uplift(0.05)
    assert u.equity_change is None and u.profit_change is None and "customer equity" not in u.table.columns
    rs = evidence.reichheld_sasser(u.changes(), "log")
    assert list(rs["what grows"])[-1] == "value of a new customer (CLV)" and "acquisition_cost" not in w.cac_reason


def test_current_customers_valued_by_tenure():
    ds = _log(seed=7)
    v, pooled, basis = _value(ds)
    by_hand = v.margin * sum(n * sbg_derl(pooled.alpha, pooled.beta, basis.discount, int(t)) for t, n in v.tenure_counts.items())
    assert v.current_by_tenure == pytest.approx(by_hand)
    assert v.tenure_counts.sum() == v.active_now
    assert v.current_change == pytest.approx(by_hand / (v.active_now * v.clv) - 1)


def test_uplift_and_break_even_match_the_closed_forms():
    v, _, basis = _value(_log(seed=3))
    u = v.uplift(0.05)
    k = 4
    assert (v.r_eq + u.per_period) ** k == pytest.approx(v.annual_retention + 0.05)
    assert u.clv_change == pytest.approx(clv(1, v.r_eq + u.per_period, basis.discount) / clv(1, v.r_eq, basis.discount) - 1)
    assert u.table.loc["relative change", "CLV of a new customer"] == pytest.approx(u.clv_change)
    assert -1 < u.clv_change < 1                                      # a fraction, never 100 times too large
    be = v.break_even(0.05)
    s = be.attrs["per_period"]
    assert (v.margin - s) * clv(1, v.r_eq + u.per_period, basis.discount) == pytest.approx(v.margin * clv(1, v.r_eq, basis.discount))
    assert not any("_" in r for r in be.index)
    full = rt.CustomerValue(**{**v.__dict__, "lifetime": 1 / (1 - 0.995 / (1 + basis.discount))})   # 98% a year
    assert full.uplift(0.05).reason and full.break_even(0.05).empty


def test_basis_settings_say_each_rate_once():
    """Issue 21: never "10% a year = 10.000% per year"; the data's own gross margin where they have one."""
    ds = _log(with_margin=True)
    b = rt.basis(ds, "quarter", "month", 0.10, 0.30, True, 12.0)
    assert b.margin_rate == pytest.approx(0.30) and "gross margin" in b.margin_source       # 6 of 20
    settings = dict(b.settings("EUR"))
    assert settings["Discount rate"] == "10% a year (2.41% a quarter)"
    years = rt.basis(Dataset("c", {"time_unit": "year"}), "year", "year", 0.10, 0.3, True, 12.0)
    assert dict(years.settings())["Discount rate"] == "10% a year"


# ------------------------------------------------------------------ groups

def test_survival_and_clv_by_group():
    from relmkt_utils.loyalty import kaplan_meier, time_to_dropout

    ds = _log(seed=4, n=900)
    ds.customers["relationship_level"] = np.where(np.arange(len(ds.customers)) % 3 == 0, "structural",
                                                  np.where(np.arange(len(ds.customers)) % 3 == 1, "social", "financial"))
    ds.customers["age_group"] = np.array([">65", "25-29", "<25"])[np.arange(len(ds.customers)) % 3]
    dropout = time_to_dropout(ds.transactions, ds.customers, observation_end=ds.observation_end, inactivity_days=60,
                              group_cols=["relationship_level", "age_group"])
    levels, ages = rt.survival_by_group(dropout, ["relationship_level", "age_group"], horizon=180)
    assert levels.name == "structural_vs_financial" and (levels.first, levels.second) == ("structural", "financial")
    assert list(levels.at_horizon.index) == ["financial", "social", "structural"]
    km = kaplan_meier(dropout, by="relationship_level")
    c = km.curves[km.curves["group"] == "structural"]
    assert levels.first_share == pytest.approx(c["survival"].to_numpy()[np.searchsorted(c["time"], 180, side="right") - 1])
    d = levels.difference
    assert d.value == pytest.approx(levels.first_share - levels.second_share) and d.lower < d.value < d.upper
    assert ages.name == "best_vs_worst_group" and list(ages.at_horizon.index) == ["<25", "25-29", ">65"]
    assert ages.difference.value >= 0
    g = rt.clv_by_group(ds.transactions, ds.customers, "relationship_level", "quarter", 6.0, 0.024)
    assert g.ratio == pytest.approx(g.clv_of("structural") / g.clv_of("financial"))
    assert len(g.table("quarter").columns) <= 7 and g.beside_truth(None).empty


# ------------------------------------------------------------------ section 5: spending

def test_spending_optimum_recovers_the_true_curves():
    truth = rt.ResponseCurves(0.08, 0.5, 0.92, 0.4)
    spend = rt.simulate_spend_table(truth, 24, seed=1)
    best = rt.spending_optimum(spend, 12.0, 0.008, n_boot=40, seed=1)
    true = rt.optimal_spend(truth, 12.0, 0.008)
    e = best.estimate("retention_spend")
    assert e.lower <= e.value <= e.upper
    assert abs(best.optimum.retention_spend - true.retention_spend) < 0.15 * true.retention_spend
    assert best.direction("retention") in ("more", "less", "about as much")
    A, R = best.mean_spend
    surface = best.surface(n=11)
    assert surface.columns.max() >= A and surface.index.max() >= R
    truth_map = {"spend": dict(zip(["ceiling_a", "k_a", "ceiling_r", "k_r"], [0.08, 0.5, 0.92, 0.4]))}
    params = best.parameters(truth_map)
    assert "truth" in params.columns and not any("_" in r for r in params.index)
    assert best.intervals(truth_map).loc["retention spend per customer and period, R*", "truth"] == pytest.approx(true.retention_spend)
    costs = best.costs()
    assert costs["marginal cost of one more customer"].to_numpy() == pytest.approx([best.optimum.value_per_customer] * 2, rel=1e-6)
    table = rt.cost_table(spend, None)
    assert table.attrs["ratio"] == pytest.approx((spend["acquisition_spend"].sum() / spend["new_customers"].sum())
                                                 / (spend["retention_spend"].sum() / spend["retained_customers"].sum()))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-0.9, 3.0), min_size=0, max_size=3))
def test_the_evidence_table_keeps_changes_as_fractions(changes):
    """Issue 21: 85/50/30% are shown as +85%, never 8,500%: every increase is a relative change (a fraction)."""
    keys = ["clv", "equity", "profit"][: len(changes)]
    table = evidence.reichheld_sasser(dict(zip(keys, changes)), "x")
    column = "increase from 5 more points of retention"
    assert table.attrs["kinds"][column] == "change"
    assert table[column].iloc[:3].tolist() == [0.85, 0.50, 0.30] and len(table) == 3 + len(changes)
    assert evidence.within_claim(5.8) and not evidence.within_claim(3.3)
