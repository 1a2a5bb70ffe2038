"""Driver models and the importance-performance map (relmkt_utils.value.drivers)."""
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from relmkt_utils.data.tables import CONSTRUCTS
from relmkt_utils.value import (
    driver_importance,
    fit_driver_ols,
    fit_driver_ordered,
    importance_performance,
    improve_first,
    ipa_table,
    simulate_survey,
    standardized_coefficients,
    value_scores,
)
from relmkt_utils.value.simulate import DEFAULT_WEIGHTS


@pytest.fixture(scope="module")
def scores():
    survey, truth = simulate_survey(n=1500, seed=21)
    return value_scores(survey), truth


def test_ols_recovers_known_weights(scores):
    sc, _ = scores
    w = pd.Series(DEFAULT_WEIGHTS)
    rng = np.random.default_rng(3)
    sc = sc.assign(y=1.0 + sc[list(w.index)] @ w + rng.normal(0, 0.5, len(sc)))
    res = fit_driver_ols(sc, "y")
    assert res.cov_type == "HC3"
    err = (res.params[w.index] - w).abs()
    assert (err < 3.5 * res.bse[w.index]).all()
    assert err.max() < 0.05


def test_ols_on_simulated_likert_outcome(scores):
    """The package's survey rounds and clips the outcome; the weights are still recovered closely."""
    sc, truth = scores
    res = fit_driver_ols(sc, "satisfaction")
    err = (res.params[list(CONSTRUCTS)] - truth["satisfaction"][list(CONSTRUCTS)]).abs()
    assert err.max() < 0.06


def test_beta_weights_equal_fit_on_standardized_data(scores):
    sc, _ = scores
    table = standardized_coefficients(sc, "satisfaction").set_index("component")
    data = sc[["satisfaction"] + list(CONSTRUCTS)].astype(float)
    z = (data - data.mean()) / data.std(ddof=1)
    ref = sm.OLS(z["satisfaction"], sm.add_constant(z[list(CONSTRUCTS)])).fit(cov_type="HC3")
    assert np.allclose(table["beta"], ref.params[list(CONSTRUCTS)], atol=1e-10)
    ci = ref.conf_int()
    assert np.allclose(table["beta_lower"], ci.loc[list(CONSTRUCTS), 0], atol=1e-10)
    assert np.allclose(table["beta_upper"], ci.loc[list(CONSTRUCTS), 1], atol=1e-10)


def test_ordered_logit_recovers_latent_weights(scores):
    sc, _ = scores
    sc = sc.iloc[:800]
    w = pd.Series(DEFAULT_WEIGHTS) * 2.0
    rng = np.random.default_rng(8)
    latent = sc[list(w.index)] @ w + rng.logistic(size=len(sc))
    cuts = np.quantile(latent, [0.15, 0.4, 0.7, 0.9])
    sc = sc.assign(y=np.searchsorted(cuts, latent) + 1)
    res = fit_driver_ordered(sc, "y")
    err = (res.params[w.index] - w).abs()
    assert (err < 3.5 * res.bse[w.index]).all()


def test_driver_importance_table(scores):
    sc, _ = scores
    table = driver_importance(sc.iloc[:300], model="ordered", outcomes=("satisfaction", "repurchase_intent"))
    assert len(table) == 16 and set(table["outcome"]) == {"satisfaction", "repurchase_intent"}
    assert (table["beta_lower"] <= table["beta"]).all() and (table["beta"] <= table["beta_upper"]).all()
    sat = table[table["outcome"] == "satisfaction"].set_index("component")
    assert sat["beta"].idxmax() == "product_value"
    assert (sat.loc[sat["kind"] == "cost", "beta"] < 0).all()


def test_ipa_hand_example():
    # importance (already oriented), performance (higher = better); medians 0.25 and 4.5
    imp = pd.Series({"a": 0.40, "b": 0.30, "c": 0.20, "d": 0.10})
    perf = pd.Series({"a": 5.0, "b": 4.0, "c": 3.0, "d": 6.0})
    table = ipa_table(imp, perf).set_index("component")
    assert table.loc["a", "quadrant"] == "keep up the good work"
    assert table.loc["b", "quadrant"] == "concentrate here"
    assert table.loc["c", "quadrant"] == "low priority"
    assert table.loc["d", "quadrant"] == "possible overkill"
    # below-median performers: b (0.30) and c (0.20) -> b, the most important
    assert improve_first(ipa_table(imp, perf)) == "b"


def test_ipa_fallback_when_concentrate_quadrant_is_empty():
    imp = pd.Series({"a": 0.4, "b": 0.3, "c": 0.2, "d": 0.1})
    perf = pd.Series({"a": 6.0, "b": 5.0, "c": 3.0, "d": 2.0})
    table = ipa_table(imp, perf)
    assert (table["quadrant"] != "concentrate here").all()
    assert improve_first(table) == "c"


def test_ipa_orients_cost_constructs():
    scores = pd.DataFrame({"product_value": [5.0, 5.0], "service_value": [3.0, 3.0],
                           "monetary_cost": [5.0, 5.0], "time_cost": [2.0, 2.0]})
    importance = pd.DataFrame({"outcome": "satisfaction", "component": list(scores.columns),
                               "beta": [0.2, 0.3, -0.5, -0.1]})
    table = importance_performance(scores, importance).set_index("component")
    # monetary cost: importance = -(-0.5) = 0.5, performance = 8 - 5 = 3 (perceived as expensive)
    assert table.loc["monetary_cost", "importance"] == pytest.approx(0.5)
    assert table.loc["monetary_cost", "performance"] == pytest.approx(3.0)
    assert table.loc["time_cost", "performance"] == pytest.approx(6.0)
    # medians: importance 0.25, performance 4.5; below-median performers: service (3, 0.3), monetary (3, 0.5)
    assert improve_first(table.reset_index()) == "monetary_cost"
