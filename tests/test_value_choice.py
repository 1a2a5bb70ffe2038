"""Conditional logit, WTP, shares and the simulator (relmkt_utils.value.choice)."""
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from relmkt_utils.core.errors import DataError
from relmkt_utils.value import (
    bootstrap_wtp,
    fit_clogit_arrays,
    fit_conditional_logit,
    part_worths,
    predict_shares,
    simulate_all_components,
    simulate_change,
    simulate_choices,
    willingness_to_pay,
)


@pytest.fixture(scope="module")
def world():
    choices, truth = simulate_choices(n_respondents=200, n_tasks=8, seed=1)
    return choices, truth, fit_conditional_logit(choices)


def _true_wtp(truth):
    return (-truth / truth["price"]).drop("price")


# Eight part-worths (or seven WTPs) each inside its own 95% interval happens only about
# 0.95^8 = 66% of the time, so "the estimates cover the truth" is tested with simultaneous 95%
# intervals (Bonferroni: each at level 1 - 0.05/m). The per-interval 95% coverage rate is what the
# slow coverage study below measures.


def test_part_worths_cover_truth(world):
    _, truth, fit = world
    m = len(truth)
    pw = part_worths(fit, alpha=0.05 / m).set_index("term")
    assert list(pw.index) == list(truth.index)
    assert ((pw["lower"] <= truth) & (truth <= pw["upper"])).all()
    assert (np.sign(pw["coef"]) == np.sign(truth)).all()


def test_wtp_cover_truth(world):
    _, truth, fit = world
    t = _true_wtp(truth)
    wtp = willingness_to_pay(fit, alpha=0.05 / len(t)).set_index("attribute")
    assert ((wtp["lower"] <= t) & (t <= wtp["upper"])).all()
    assert wtp.loc["product_value", "wtp"] == pytest.approx(-fit.params["product_value"] / fit.params["price"])
    plain = willingness_to_pay(fit).set_index("attribute")  # 95% each: narrower than the simultaneous ones
    assert ((plain["upper"] - plain["lower"]) < (wtp["upper"] - wtp["lower"])).all()
    assert wtp.loc["product_value", "wtp"] == pytest.approx(-fit.params["product_value"] / fit.params["price"])


def test_delta_method_by_hand(world):
    _, _, fit = world
    ba, bp = fit.params["service_value"], fit.params["price"]
    V = fit.cov_params().loc[["service_value", "price"], ["service_value", "price"]].to_numpy()
    var = V[0, 0] / bp**2 - 2 * ba * V[0, 1] / bp**3 + ba**2 * V[1, 1] / bp**4
    got = willingness_to_pay(fit).set_index("attribute").loc["service_value", "se"]
    assert got == pytest.approx(math.sqrt(var), rel=1e-10)


def test_fast_solver_matches_statsmodels():
    choices, _ = simulate_choices(n_respondents=60, n_tasks=6, seed=3)
    fit = fit_conditional_logit(choices, warm_start=False)  # statsmodels' own BFGS from zero
    b, cov, ll = fit_clogit_arrays(fit.model.exog, fit.model.endog, fit.model.groups)
    assert np.allclose(b, fit.params, atol=1e-4)
    assert np.allclose(np.sqrt(np.diag(cov)), fit.bse, rtol=1e-3)
    assert ll == pytest.approx(fit.llf, abs=1e-6)


def test_one_solver_weights_count_a_task_as_its_copies():
    """A task of weight k gives the fit of k copies of its rows (the bootstrap's resampling), groups in any
    order give the same fit, and the solver is the suite's optimizer (core.optimize.newton_fit)."""
    choices, _ = simulate_choices(n_respondents=40, n_tasks=5, seed=4)
    fit = fit_conditional_logit(choices, warm_start=False)
    X, y, g = fit.model.exog, fit.model.endog, fit.model.groups
    labels = np.unique(g, return_inverse=True)[1]
    k = np.random.default_rng(0).integers(0, 4, labels.max() + 1)
    rows = np.concatenate([np.flatnonzero(labels == t) for t in range(k.size) for _ in range(k[t])])
    copies = np.repeat(np.arange(k.sum()), np.bincount(labels)[np.repeat(np.arange(k.size), k)])
    b_w, cov_w, ll_w = fit_clogit_arrays(X, y, g, weights=k.astype(float))
    b_c, cov_c, ll_c = fit_clogit_arrays(X[rows], y[rows], copies)
    np.testing.assert_allclose(b_w, b_c, rtol=1e-9)
    np.testing.assert_allclose(cov_w, cov_c, rtol=1e-7)
    assert ll_w == pytest.approx(ll_c, rel=1e-12)
    shuffled = np.random.default_rng(1).permutation(len(y))
    np.testing.assert_allclose(fit_clogit_arrays(X[shuffled], y[shuffled], g[shuffled])[0],
                               fit_clogit_arrays(X, y, g)[0], rtol=1e-9)


def test_solver_keeps_the_numbers_of_the_two_newton_loops_it_replaced():
    """The estimates and WTP bootstrap of the synthetic dataset as the two hand-written Newton loops gave
    them before they became one solver on core.optimize (recorded from main at 4425ee0)."""
    from relmkt_utils.data import datasets
    from relmkt_utils.value.choice import _prepare

    choices = datasets.load("synthetic").choices
    _, X, y, g, _ = _prepare(choices, None, "price")
    b, cov, ll = fit_clogit_arrays(X.to_numpy(), y, g)
    np.testing.assert_allclose(b, [0.61432289, 0.39141514, 0.2894524, 0.11030956, -0.24742546, -0.13506934,
                                   -0.18144402, -0.0547551], rtol=1e-7)
    np.testing.assert_allclose(np.sqrt(np.diag(cov))[[0, 7]], [0.02237942, 0.00218529], rtol=1e-6)
    assert ll == pytest.approx(-2346.669331656555, abs=1e-9)
    boot = bootstrap_wtp(choices, n_boot=100, seed=3).set_index("attribute")
    np.testing.assert_allclose(boot.loc["product_value", ["boot_mean", "boot_se", "lower", "upper"]].to_numpy(float),
                               [11.211072, 0.476357, 10.326595, 12.184095], rtol=1e-6)


def test_bootstrap_agrees_with_delta_method_and_is_seeded(world):
    choices, truth, fit = world
    boot = bootstrap_wtp(choices, n_boot=80, seed=7).set_index("attribute")
    delta = willingness_to_pay(fit).set_index("attribute")
    ratio = boot["boot_se"] / delta["se"]
    assert ratio.between(0.75, 1.33).all()
    assert np.allclose(boot["wtp"], delta["wtp"], atol=1e-3)
    small = bootstrap_wtp(choices, n_boot=15, seed=7)
    assert small.equals(bootstrap_wtp(choices, n_boot=15, seed=7))  # same seed, same numbers
    assert not small["boot_mean"].equals(bootstrap_wtp(choices, n_boot=15, seed=8)["boot_mean"])


OFFERS = pd.DataFrame(
    {"product_value": [3, 2, 1], "service_value": [2, 2, 3], "time_cost": [1, 2, 3], "price": [35.0, 25.0, 15.0]},
    index=["premium", "standard", "budget"],
)
PARAMS = pd.Series({"product_value": 0.6, "service_value": 0.4, "time_cost": -0.35, "price": -0.04})


def _hand_shares(offers):
    expu = {}
    for name, row in offers.iterrows():
        u = sum(PARAMS[k] * row[k] for k in PARAMS.index)
        expu[name] = math.exp(u)
    total = sum(expu.values())
    return {name: e / total for name, e in expu.items()}


def test_simulator_matches_logit_formula():
    sim = simulate_change(PARAMS, OFFERS, "standard", "service_value", delta=1, market_size=1000)
    before = _hand_shares(OFFERS)
    changed = OFFERS.copy()
    changed.loc["standard", "service_value"] = 3
    after = _hand_shares(changed)
    for name in OFFERS.index:
        assert sim.loc[name, "share_before"] == pytest.approx(before[name], rel=1e-12)
        assert sim.loc[name, "share_after"] == pytest.approx(after[name], rel=1e-12)
        assert sim.loc[name, "share_change"] == pytest.approx(after[name] - before[name], abs=1e-12)
        price = OFFERS.loc[name, "price"]
        assert sim.loc[name, "revenue_change"] == pytest.approx(price * 1000 * (after[name] - before[name]))
    assert sim["share_change"].sum() == pytest.approx(0, abs=1e-12)
    assert sim.loc["standard", "share_change"] > 0


def test_price_change_moves_revenue_through_price_and_share():
    sim = simulate_change(PARAMS, OFFERS, "budget", "price", delta=5.0, market_size=200)
    changed = OFFERS.copy()
    changed.loc["budget", "price"] = 20.0
    after = _hand_shares(changed)
    assert sim.loc["budget", "revenue_after"] == pytest.approx(20.0 * after["budget"] * 200)
    assert sim.loc["budget", "share_change"] < 0


def test_simulate_all_components_improves_every_component():
    table = simulate_all_components(PARAMS, OFFERS, "standard").set_index("attribute")
    assert list(table.index) == ["product_value", "service_value", "time_cost"]
    assert table.loc["time_cost", "delta"] == -1.0  # one level less cost
    assert (table["share_change"] > 0).all()
    one = simulate_change(PARAMS, OFFERS, "standard", "time_cost", delta=-1.0)
    assert table.loc["time_cost", "share_change"] == pytest.approx(one.loc["standard", "share_change"])


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.floats(-3, 3), min_size=3, max_size=3),
    st.integers(1, 8),
    st.integers(0, 10_000),
)
def test_shares_sum_to_one(coefs, n_offers, seed):
    rng = np.random.default_rng(seed)
    params = pd.Series(coefs + [-0.05], index=["a", "b", "c", "price"])
    offers = pd.DataFrame({"a": rng.integers(0, 5, n_offers), "b": rng.integers(0, 5, n_offers),
                           "c": rng.normal(size=n_offers), "price": rng.uniform(1, 500, n_offers)})
    shares = predict_shares(params, offers)["share"]
    assert shares.sum() == pytest.approx(1.0, abs=1e-12)
    assert (shares >= 0).all()


def test_two_chosen_in_a_task_is_a_data_error():
    choices, _ = simulate_choices(n_respondents=3, n_tasks=2, seed=0)
    choices.loc[0, "chosen"] = 1
    choices.loc[1, "chosen"] = 1
    with pytest.raises(DataError, match="exactly one chosen"):
        fit_conditional_logit(choices)


@pytest.mark.slow
def test_wtp_interval_coverage_over_100_datasets():
    """Coverage study: 100 seeded datasets (200 respondents x 8 tasks x 3 alternatives), 95% delta CIs."""
    hits = None
    for seed in range(100):
        choices, truth = simulate_choices(n_respondents=200, n_tasks=8, seed=1000 + seed)
        wtp = willingness_to_pay(fit_conditional_logit(choices)).set_index("attribute")
        t = _true_wtp(truth)
        h = ((wtp["lower"] <= t) & (t <= wtp["upper"])).astype(int)
        hits = h if hits is None else hits + h
    print("\nWTP 95% CI coverage out of 100 datasets:\n" + hits.to_string())
    assert hits.between(90, 99).all(), hits.to_dict()


def test_shares_from_a_fitted_model(world):
    _, truth, fit = world
    offers = pd.DataFrame([{a: 2 for a in truth.index if a != "price"} | {"price": 20.0},
                           {a: 1 for a in truth.index if a != "price"} | {"price": 10.0}], index=["p", "q"])
    shares = predict_shares(fit, offers)
    v = offers[list(fit.params.index)].to_numpy() @ fit.params.to_numpy()
    assert shares.loc["p", "share"] == pytest.approx(1 / (1 + math.exp(v[1] - v[0])))
    assert list(shares.columns[-2:]) == ["utility", "share"]
