"""Time-invariant covariates for the Gamma-Gamma (spend:) and the BG/BB (purchase_a/b:, dropout_a/b:): the
published fits at coefficients 0, saturated dummies as separate fits, analytic gradients, predictions,
recovery and coverage, penalties, saving."""
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from relmkt_utils import btyd
from relmkt_utils.core.errors import DataError, ParameterError
from relmkt_utils.core.optimize import numerical_gradient
from relmkt_utils.data import datasets

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def cdnow_repeat():
    cal = pd.read_csv(DATA / "cdnow_sample" / "calibration_summary.csv", dtype={"customer_id": str}).set_index("customer_id")
    return cal[cal["frequency"] > 0]


@pytest.fixture(scope="module")
def donations():
    return datasets.load("donations").extras["bgbb_summary"]


def spend_world(n=3000, seed=1, p=6.0, q=3.5, g0=15.0, coef=(0.3, -0.4)):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 10, n).astype(float)
    W = pd.DataFrame({"w1": rng.normal(size=n), "w2": rng.integers(0, 2, n).astype(float)})
    gi = g0 * np.exp(W.to_numpy() @ np.asarray(coef))
    sim = btyd.simulate_gammagamma(x, p, q, gi, seed=seed + 1)
    return sim, W


def bgbb_world(n=4000, seed=3, truth=(1.2, 0.75, 0.65, 2.8), coef=(0.4, -0.3, 0.5, 0.2)):
    rng = np.random.default_rng(seed)
    z = pd.DataFrame({"z": rng.integers(0, 2, n).astype(float)})
    al, be, ga, de = (t * np.exp(c * z["z"].to_numpy()) for t, c in zip(truth, coef))
    sim = btyd.simulate_bgbb(n, al, be, ga, de, n_periods=6, seed=seed + 1)
    return sim, z


# ---------------------------------------------------------------------- Gamma-Gamma
def test_gammagamma_at_zero_coefficients_is_the_published_cdnow_fit(cdnow_repeat):
    """Fader, Hardie & Lee (2005) / Fader & Hardie note 025: p = 6.25, q = 3.74, gamma = 15.44 on CDNOW's 946
    repeat buyers. At coefficients 0 the covariate model's log-likelihood is the Gamma-Gamma's, customer by
    customer; fitted with a covariate unrelated to spend, the base parameters stay at the published ones."""
    rep = cdnow_repeat
    noise = pd.DataFrame({"noise": np.random.default_rng(0).normal(size=len(rep))}, index=rep.index)
    m = btyd.GammaGammaCovariates(rep["frequency"], rep["monetary_value"], noise)
    base = btyd.GammaGamma(rep["frequency"], rep["monetary_value"])
    np.testing.assert_allclose(m.loglike_obs([6.25, 3.74, 15.44, 0.0]), base.loglike_obs([6.25, 3.74, 15.44]),
                               rtol=0, atol=1e-11)
    res = m.fit()
    assert res.converged and abs(res.params["spend:noise"]) < 2.5 * res.bse["spend:noise"]
    assert res.params["p"] == pytest.approx(6.25, abs=0.1) and res.params["q"] == pytest.approx(3.74, abs=0.1)
    test = btyd.lr_test(base.fit(), res)
    assert test.df == 1 and test.pvalue > 0.01


def test_gammagamma_gradient_and_recovery():
    sim, W = spend_world()
    m = btyd.GammaGammaCovariates(sim["frequency"], sim["monetary_value"], W)
    th = np.array([6.0, 3.5, 15.0, 0.3, -0.4])
    np.testing.assert_allclose(m._objective(th, 1)[1], numerical_gradient(lambda t: m._objective(t, 0), th),
                               rtol=1e-5, atol=1e-4)
    res = m.fit()
    ci = res.conf_int(alpha=0.01)
    for k, v in zip(res.params.index, th):
        assert ci.loc[k, "lower"] < v < ci.loc[k, "upper"], k


def test_gammagamma_predictions(cdnow_repeat):
    """The conditional expected spend is the Gamma-Gamma's at each customer's own gamma_i; a new customer's
    expected spend is p gamma_i/(q - 1) (CLVTools' newcustomer.spending)."""
    sim, W = spend_world(n=500)
    m = btyd.GammaGammaCovariates(sim["frequency"], sim["monetary_value"], W)
    th = np.array([6.0, 3.5, 15.0, 0.3, -0.4])
    res = m.results_at(th)
    gi = 15.0 * np.exp(W.to_numpy() @ th[3:])
    base = btyd.GammaGamma(sim["frequency"], sim["monetary_value"]).fit()
    for i in (0, 7, 42):
        one = base.expected_spend(sim["frequency"].iloc[[i]], sim["monetary_value"].iloc[[i]], params=[6.0, 3.5, gi[i]])
        assert res.expected_spend()[i] == pytest.approx(float(np.asarray(one)[0]), rel=1e-12)
    new = res.expected_spend_new_customer(pd.DataFrame({"w1": [0.0, 1.0], "w2": [1.0, 0.0]}))
    np.testing.assert_allclose(new, 6.0 * 15.0 * np.exp([-0.4, 0.3]) / 2.5, rtol=1e-12)
    with pytest.raises(DataError, match="lacks the fitted column"):
        res.expected_spend_new_customer(pd.DataFrame({"w1": [0.0]}))


def test_gammagamma_penalty_shrinks_to_the_model_without_covariates():
    sim, W = spend_world(n=800)
    m = btyd.GammaGammaCovariates(sim["frequency"], sim["monetary_value"], W)
    free, weak, strong = m.fit(), m.fit(penalty=1e-9), m.fit(penalty=1e4)
    np.testing.assert_allclose(weak.params, free.params, rtol=1e-5, atol=1e-6)
    assert np.all(np.abs(strong.params.iloc[3:]) < 1e-3)
    base = btyd.GammaGamma(sim["frequency"], sim["monetary_value"]).fit()
    np.testing.assert_allclose(strong.params.iloc[:3], base.params, rtol=1e-3)
    assert 3.0 < strong.df_effective < 3.01 and 4.99 < weak.df_effective <= 5.0
    assert strong.llf < free.llf and strong.penalized_llf < strong.llf


# ---------------------------------------------------------------------- BG/BB
def test_bgbb_at_zero_coefficients_is_the_published_donations_fit(donations):
    """Fader, Hardie & Shang (2010), Table 2: alpha = 1.204, beta = 0.750, gamma = 0.657, delta = 2.783,
    LL = -33,225.6 on the 11,104 donors of the 1995 cohort. At coefficients 0 the covariate model is the BG/BB."""
    d = donations
    z = pd.DataFrame({"z": (np.arange(len(d)) % 2).astype(float)})
    m = btyd.BetaGeoBetaBinomCovariates(d["frequency"], d["recency"], d["n_periods"], z, z, weights=d["donors"])
    assert m.loglike([1.204, 0.750, 0.657, 2.783, 0, 0, 0, 0]) == pytest.approx(-33225.6, abs=0.1)
    base = btyd.BetaGeoBetaBinom(d["frequency"], d["recency"], d["n_periods"], weights=d["donors"])
    np.testing.assert_allclose(m.loglike_obs([1.2, 0.7, 0.6, 2.7, 0, 0, 0, 0]), base.loglike_obs([1.2, 0.7, 0.6, 2.7]),
                               atol=1e-12)


def test_bgbb_saturated_dummy_is_the_two_separate_fits():
    """A 0/1 covariate on all four shapes gives each group its own BG/BB: the fit's log-likelihood is the sum of
    the two separate fits' and its group parameters are theirs."""
    sim, z = bgbb_world()
    m = btyd.BetaGeoBetaBinomCovariates(sim["frequency"], sim["recency"], sim["n_periods"], z, z)
    res = m.fit()
    g1 = z["z"].to_numpy() == 1
    fits = [btyd.BetaGeoBetaBinom(sim["frequency"][sel], sim["recency"][sel], sim["n_periods"][sel]).fit()
            for sel in (~g1, g1)]
    assert res.llf == pytest.approx(fits[0].llf + fits[1].llf, abs=1e-4)
    np.testing.assert_allclose(res.params.iloc[:4], fits[0].params, rtol=1e-4)
    shifted = res.params.iloc[:4].to_numpy() * np.exp(res.params.iloc[4:].to_numpy())
    np.testing.assert_allclose(shifted, fits[1].params, rtol=1e-4)


def test_bgbb_gradient_predictions_and_recovery():
    sim, z = bgbb_world()
    m = btyd.BetaGeoBetaBinomCovariates(sim["frequency"], sim["recency"], sim["n_periods"], z, z)
    th = np.array([1.2, 0.75, 0.65, 2.8, 0.4, -0.3, 0.5, 0.2])
    np.testing.assert_allclose(m._objective(th, 1)[1], numerical_gradient(lambda t: m._objective(t, 0), th),
                               rtol=1e-5, atol=1e-4)
    res = m.fit()
    ci = res.conf_int(alpha=0.01)
    for k, v in zip(res.params.index[4:], th[4:]):
        assert ci.loc[k, "lower"] < v < ci.loc[k, "upper"], k
    # at coefficients 0 the predictions are the BG/BB's
    base = btyd.BetaGeoBetaBinom(sim["frequency"], sim["recency"], sim["n_periods"]).results_at(th[:4])
    zero = m.results_at(np.r_[th[:4], np.zeros(4)])
    np.testing.assert_allclose(zero.p_alive(), base.p_alive(), rtol=1e-12)
    np.testing.assert_allclose(zero.expected_purchases(5), base.expected_purchases(5), rtol=1e-10)
    np.testing.assert_allclose(zero.expected_purchases_new_customer(6, z.iloc[:3], z.iloc[:3]),
                               base.expected_purchases_new_customer(6), rtol=1e-12)
    # the expected transactions of a new customer of group 1 equal the simulated mean
    ones = pd.DataFrame({"z": [1.0]})
    e = float(res.expected_purchases_new_customer(6, ones, ones, params=th)[0])
    big = bgbb_world(n=20000, seed=9)[0]
    g1 = bgbb_world(n=20000, seed=9)[1]["z"].to_numpy() == 1
    x = big["frequency"].to_numpy()[g1]
    assert abs(x.mean() - e) < 3 * x.std() / np.sqrt(x.size)


@pytest.mark.slow
def test_coverage_of_the_static_covariate_coefficients():
    """100 simulated datasets each: the 95% intervals of the Gamma-Gamma's and the BG/BB's coefficients cover the
    truth in 89-99% of them."""
    reps = 100
    hits_gg, hits_bb = np.zeros(2), np.zeros(4)
    for rep in range(reps):
        sim, W = spend_world(n=1000, seed=100 + rep)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ci = btyd.GammaGammaCovariates(sim["frequency"], sim["monetary_value"], W).fit().conf_int()
        hits_gg += (ci["lower"].iloc[3:].to_numpy() <= [0.3, -0.4]) & ([0.3, -0.4] <= ci["upper"].iloc[3:].to_numpy())
        sim, z = bgbb_world(n=3000, seed=500 + rep)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ci = btyd.BetaGeoBetaBinomCovariates(sim["frequency"], sim["recency"], sim["n_periods"], z, z).fit().conf_int()
        truth = np.array([0.4, -0.3, 0.5, 0.2])
        hits_bb += (ci["lower"].iloc[4:].to_numpy() <= truth) & (truth <= ci["upper"].iloc[4:].to_numpy())
    print("Gamma-Gamma", hits_gg / reps, "BG/BB", hits_bb / reps)
    assert np.all((hits_gg / reps >= 0.89) & (hits_gg / reps <= 0.99)), hits_gg
    assert np.all((hits_bb / reps >= 0.89) & (hits_bb / reps <= 0.99)), hits_bb


def test_save_load_and_bad_inputs(tmp_path, donations):
    sim, W = spend_world(n=400)
    res = btyd.GammaGammaCovariates(sim["frequency"], sim["monetary_value"], W).fit()
    back = btyd.load_results(res.save(tmp_path / "gg.json"))
    pd.testing.assert_series_equal(back.params, res.params)
    np.testing.assert_allclose(back.expected_spend(sim["frequency"], sim["monetary_value"], W), res.expected_spend())
    with pytest.raises(ParameterError, match="give covariates"):
        btyd.GammaGammaCovariates(sim["frequency"], sim["monetary_value"], pd.DataFrame(index=range(400)))
    with pytest.raises(DataError, match="constant"):
        btyd.GammaGammaCovariates(sim["frequency"], sim["monetary_value"], pd.DataFrame({"c": np.ones(400)}))
    d = donations
    with pytest.raises(DataError, match="has 3 rows"):
        btyd.BetaGeoBetaBinomCovariates(d["frequency"], d["recency"], d["n_periods"], pd.DataFrame({"z": [0.0, 1.0, 0.0]}))
