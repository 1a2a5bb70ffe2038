"""BG/NBD and Pareto/NBD with time-invariant covariates (Fader & Hardie 2007, note 019), the optimizer's
real-valued parameters, and likelihood-ratio tests."""
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

from relmkt_utils import btyd
from relmkt_utils.core.errors import DataError, ParameterError
from relmkt_utils.core.optimize import newton_fit, numerical_gradient

TRUE_BG = {"r": 0.6, "alpha": 5.0, "a": 0.8, "b": 2.5, "purchase:x1": 0.4, "purchase:x2": -0.3,
           "dropout_a:x2": 0.6, "dropout_b:x2": -0.5}
TRUE_PN = {"r": 0.6, "alpha": 5.0, "s": 0.8, "beta": 12.0, "purchase:x1": 0.4, "purchase:x2": -0.3, "dropout:x2": 0.7}


def covariates(n, seed):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.binomial(1, 0.4, n).astype(float)},
                        index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"))


def world(model, truth, n, seed):
    cov = covariates(n, seed)
    T = np.random.default_rng(seed + 1).uniform(30, 60, n)
    sim = btyd.simulate_with_covariates(model, truth, cov, cov[["x2"]], T=T, seed=seed)
    return sim, cov


# ---------------------------------------------------------------------- optimizer and results: real parameters
def test_positive_mask_all_true_is_the_old_optimizer():
    """newton_fit(positive=all True) walks the same path as without the mask, and MLEResults without a
    mask computes bse/conf_int/cov_params exactly as before (delta method from the log scale)."""
    sim = btyd.simulate_bgnbd(3000, 0.5, 5.0, 0.8, 2.5, T=40.0, seed=2)
    m = btyd.BetaGeo(sim.frequency, sim.recency, sim["T"])
    kw = dict(model=m, nobs=m.nobs, model_name="BG/NBD", results_cls=btyd.BetaGeoResults)
    old = newton_fit(m._objective, m.start_params(), m.param_names, **kw)
    new = newton_fit(m._objective, m.start_params(), m.param_names, positive=[True] * 4, **kw)
    assert old.positive is None and m.fit().positive is None
    np.testing.assert_allclose(new.params, old.params, rtol=1e-14)
    np.testing.assert_allclose(new.cov_params_log, old.cov_params_log, rtol=1e-12)
    np.testing.assert_allclose(new.bse, old.bse, rtol=1e-12)
    np.testing.assert_allclose(new.conf_int(), old.conf_int(), rtol=1e-12)
    np.testing.assert_allclose(old.bse, old.params * np.sqrt(np.diag(old.cov_params_log)), rtol=1e-15)
    z = stats.norm.ppf(0.975)
    np.testing.assert_allclose(old.conf_int()["lower"], old.params * np.exp(-z * old.bse_log), rtol=1e-15)


def test_real_valued_parameter_recovers_the_normal_mle():
    """A normal sample's mean (real, negative here) and sd (positive): the MLE, its standard errors
    sigma/sqrt(n) and sigma/sqrt(2n), the plain Wald interval of the mean and draws on its own scale."""
    y = np.random.default_rng(0).normal(-3.0, 2.0, 5000)
    n = y.size

    def objective(theta, order):
        mu, sd = theta
        r = y - mu
        f = n * np.log(sd) + (r @ r) / (2 * sd**2)
        if order == 0:
            return f
        g = np.array([-r.sum() / sd**2, n / sd - (r @ r) / sd**3])
        if order == 1:
            return f, g
        H = np.array([[n / sd**2, 2 * r.sum() / sd**3], [2 * r.sum() / sd**3, -n / sd**2 + 3 * (r @ r) / sd**4]])
        return f, g, H

    res = newton_fit(objective, [0.0, 1.0], ["mu", "sd"], model=None, nobs=n, model_name="normal",
                     positive=[False, True])
    sd_hat = np.sqrt(np.mean((y - y.mean()) ** 2))
    assert res.converged and res.params["mu"] == pytest.approx(y.mean(), abs=1e-10)
    assert res.params["sd"] == pytest.approx(sd_hat, rel=1e-10)
    assert res.bse["mu"] == pytest.approx(sd_hat / np.sqrt(n), rel=1e-6)
    assert res.bse["sd"] == pytest.approx(sd_hat / np.sqrt(2 * n), rel=1e-6)
    ci = res.conf_int(alpha=0.10)
    z = stats.norm.ppf(0.95)
    assert ci.loc["mu", "lower"] == pytest.approx(y.mean() - z * sd_hat / np.sqrt(n), rel=1e-6)
    assert ci.loc["sd", "lower"] == pytest.approx(sd_hat * np.exp(-z / np.sqrt(2 * n)), rel=1e-6)
    draws = res.param_draws(20000, seed=1)
    assert (draws[:, 0] < 0).all() and (draws[:, 1] > 0).all()
    assert draws[:, 0].std() == pytest.approx(res.bse["mu"], rel=0.03)
    cov = res.cov_params()
    assert np.sqrt(cov.loc["mu", "mu"]) == pytest.approx(res.bse["mu"]) and "plain Wald" in str(res.summary())


# ---------------------------------------------------------------------- the models
@pytest.mark.parametrize("cls, truth, kind", [(btyd.BetaGeoCovariates, TRUE_BG, "bgnbd"),
                                              (btyd.ParetoNBDCovariates, TRUE_PN, "pnbd")])
def test_analytic_gradient(cls, truth, kind):
    sim, cov = world(kind, truth, 600, seed=5)
    m = cls(sim.frequency, sim.recency, sim["T"], cov, cov[["x2"]])
    assert m.param_names == list(truth)
    for shift in (0.0, 0.15):
        th = np.array([truth[k] for k in m.param_names]) * (1 + shift)
        f, g = m._objective(th, 1)
        gn = numerical_gradient(lambda t: m._objective(t, 0), th)
        np.testing.assert_allclose(g, gn, rtol=2e-5, atol=2e-4 * max(1.0, abs(f)) ** 0.5)


def test_shared_dropout_is_clvtools_form_and_nested():
    sim, cov = world("bgnbd", {**TRUE_BG, "dropout_a:x2": 0.5, "dropout_b:x2": 0.5}, 3000, seed=8)
    shared = btyd.BetaGeoCovariates(sim.frequency, sim.recency, sim["T"], cov, cov[["x2"]], shared_dropout=True)
    assert shared.param_names[-1] == "dropout:x2"
    th = np.array([0.6, 5.0, 0.8, 2.5, 0.4, -0.3, 0.5])
    ind = shared._individual(th, shared.X, shared.Z)
    np.testing.assert_allclose(ind[2] / 0.8, ind[3] / 2.5)          # a_i/a0 = b_i/b0 = exp(gamma z_i)
    f, g = shared._objective(th, 1)
    np.testing.assert_allclose(g, numerical_gradient(lambda t: shared._objective(t, 0), th), rtol=2e-5, atol=1e-3)
    rs = shared.fit()
    rf = btyd.BetaGeoCovariates(sim.frequency, sim.recency, sim["T"], cov, cov[["x2"]]).fit()
    test = btyd.lr_test(rs, rf)
    assert test.df == 1 and test.statistic >= 0 and test.pvalue > 0.01     # the truth is the shared form


@settings(max_examples=25, deadline=None)
@given(r=st.floats(0.1, 3), al=st.floats(0.5, 20), a=st.floats(0.2, 3), b=st.floats(0.3, 5),
       gp=st.floats(-1.5, 1.5), ga=st.floats(-1.5, 1.5), gb=st.floats(-1.5, 1.5), c=st.floats(-2, 2))
def test_a_customer_with_covariates_is_a_bgnbd_customer_with_her_own_parameters(r, al, a, b, gp, ga, gb, c):
    x = np.array([0.0, 1.0, 3.0, 7.0])
    tx = np.array([0.0, 5.0, 20.0, 31.0])
    T = np.array([10.0, 30.0, 40.0, 32.0])
    cov = pd.DataFrame({"z": [c, c, c, c - 1.0]})
    m = btyd.BetaGeoCovariates(x, tx, T, cov, cov)
    th = [r, al, a, b, gp, ga, gb]
    own = [r, al * np.exp(-gp * c), a * np.exp(ga * c), b * np.exp(gb * c)]
    base = btyd.BetaGeo(x[:3], tx[:3], T[:3])
    np.testing.assert_allclose(m.loglike_obs(th)[:3], base.loglike_obs(own), rtol=1e-10, atol=1e-10)
    res, bres = m.results_at(th), base.results_at(own)
    kw = {"purchase_covariates": cov.iloc[:3], "dropout_covariates": cov.iloc[:3]}
    np.testing.assert_allclose(res.p_alive(x[:3], tx[:3], T[:3], **kw), bres.p_alive(), rtol=1e-10)
    np.testing.assert_allclose(res.expected_purchases(10.0, x[:3], tx[:3], T[:3], **kw), bres.expected_purchases(10.0),
                               rtol=1e-8, atol=1e-12)


def test_coefficients_zero_give_the_model_without_covariates():
    sim, cov = world("pnbd", TRUE_PN, 800, seed=3)
    m = btyd.ParetoNBDCovariates(sim.frequency, sim.recency, sim["T"], cov, cov[["x2"]])
    base = btyd.ParetoNBD(sim.frequency, sim.recency, sim["T"])
    th0 = [0.6, 5.0, 0.8, 12.0]
    res, bres = m.results_at(th0 + [0, 0, 0]), base.results_at(th0)
    assert res.llf == pytest.approx(bres.llf, rel=1e-10)
    np.testing.assert_allclose(res.p_alive(), bres.p_alive(), rtol=1e-9)
    np.testing.assert_allclose(res.expected_purchases(20), bres.expected_purchases(20), rtol=1e-9)
    np.testing.assert_allclose(res.clv(30.0, time_unit="week"), bres.clv(30.0, time_unit="week"), rtol=1e-9)
    np.testing.assert_allclose(res.expected_purchases_new_customer(np.array([5.0, 50.0])),
                               bres.expected_purchases_new_customer(np.array([5.0, 50.0])), rtol=1e-10)
    assert res.p_alive().index.equals(cov.index)


def test_one_dataset_recovers_its_effects_and_beats_the_model_without_them():
    sim, cov = world("pnbd", TRUE_PN, 4000, seed=11)
    res = btyd.ParetoNBDCovariates(sim.frequency, sim.recency, sim["T"], purchase_covariates=cov,
                                   dropout_covariates=cov[["x2"]]).fit()
    assert res.converged and res.warnings == []
    assert list(res.params.index) == list(TRUE_PN)
    ci = res.conf_int()
    for k in ("purchase:x1", "purchase:x2", "dropout:x2"):
        assert ci.loc[k, "lower"] <= TRUE_PN[k] <= ci.loc[k, "upper"], k
        assert ci.loc[k, "lower"] == pytest.approx(res.params[k] - 1.959964 * res.bse[k], rel=1e-6)
    base = btyd.ParetoNBD(sim.frequency, sim.recency, sim["T"]).fit()
    test = btyd.lr_test(base, res)
    assert test.df == 3 and test.pvalue < 1e-6 and "reject" in test.sentence()
    # each customer's own parameters: the dropout covariate raises beta's divisor
    own = res.individual_params()
    assert own.index.equals(cov.index)
    np.testing.assert_allclose(own["beta"], res.params["beta"] * np.exp(-res.params["dropout:x2"] * cov["x2"]))


def _recovery(n_datasets, n_customers, seed0=100):
    hits = {k: 0 for k in TRUE_BG}
    est = {k: [] for k in TRUE_BG}
    for d in range(n_datasets):
        sim, cov = world("bgnbd", TRUE_BG, n_customers, seed=seed0 + d)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            res = btyd.BetaGeoCovariates(sim.frequency, sim.recency, sim["T"], cov, cov[["x2"]]).fit()
        assert res.converged
        ci = res.conf_int()
        for k, v in TRUE_BG.items():
            hits[k] += int(ci.loc[k, "lower"] <= v <= ci.loc[k, "upper"])
            est[k].append(res.params[k])
    return hits, est


def test_recovery_over_20_simulated_datasets():
    """95% intervals cover the true coefficients in most of 20 datasets of 2,500 customers, and the
    estimates centre on the truth."""
    hits, est = _recovery(20, 2500)
    for k in TRUE_BG:
        assert hits[k] >= 16, (k, hits[k])
    for k in ("purchase:x1", "purchase:x2"):
        assert np.mean(est[k]) == pytest.approx(TRUE_BG[k], abs=0.05), k


@pytest.mark.slow
def test_interval_coverage_of_the_coefficients():
    hits, _ = _recovery(100, 3000, seed0=1000)
    print("BG/NBD with covariates, coverage of 95% intervals in 100 datasets:", hits)
    for k, h in hits.items():
        assert 88 <= h <= 100, (k, h)
    hits_pn = {k: 0 for k in TRUE_PN}
    for d in range(40):
        sim, cov = world("pnbd", TRUE_PN, 2000, seed=5000 + d)
        res = btyd.ParetoNBDCovariates(sim.frequency, sim.recency, sim["T"], cov, cov[["x2"]]).fit()
        ci = res.conf_int()
        for k, v in TRUE_PN.items():
            hits_pn[k] += int(ci.loc[k, "lower"] <= v <= ci.loc[k, "upper"])
    print("Pareto/NBD with covariates, coverage in 40 datasets:", hits_pn)
    for k, h in hits_pn.items():
        assert h >= 33, (k, h)


def test_covariates_are_aligned_by_customer_id_and_checked():
    sim, cov = world("bgnbd", TRUE_BG, 500, seed=4)
    sim.index = cov.index
    shuffled = pd.concat([cov.sample(frac=1.0, random_state=1), covariates(3, 99).set_axis(["e0", "e1", "e2"])])
    a = btyd.BetaGeoCovariates(sim.frequency, sim.recency, sim["T"], purchase_covariates=cov)
    b = btyd.BetaGeoCovariates(sim.frequency, sim.recency, sim["T"], purchase_covariates=shuffled)
    np.testing.assert_array_equal(a.X, b.X)
    with pytest.raises(DataError, match="no row for 1 customer"):
        btyd.BetaGeoCovariates(sim.frequency, sim.recency, sim["T"], purchase_covariates=cov.iloc[1:])
    with pytest.raises(DataError, match="not numeric"):
        btyd.BetaGeoCovariates(sim.frequency, sim.recency, sim["T"], purchase_covariates=cov.assign(x2="a"))
    with pytest.raises(DataError, match="constant"):
        btyd.BetaGeoCovariates(sim.frequency, sim.recency, sim["T"], purchase_covariates=cov.assign(x2=1.0))
    with pytest.raises(DataError, match="collinear"):
        btyd.BetaGeoCovariates(sim.frequency, sim.recency, sim["T"], purchase_covariates=cov.assign(x3=2 * cov.x1 + 1))
    with pytest.raises(DataError, match="missing or infinite"):
        btyd.ParetoNBDCovariates(sim.frequency, sim.recency, sim["T"], dropout_covariates=cov.assign(x1=np.nan))
    with pytest.raises(ParameterError, match="give purchase_covariates"):
        btyd.BetaGeoCovariates(sim.frequency, sim.recency, sim["T"])
    res = a.results_at([0.6, 5.0, 0.8, 2.5, 0.4, -0.3])
    with pytest.raises(ValueError, match="pass purchase_covariates"):
        res.p_alive(sim.frequency.iloc[:5], sim.recency.iloc[:5], sim["T"].iloc[:5])
    with pytest.raises(DataError, match="lacks the fitted column"):
        res.p_alive(sim.frequency.iloc[:5], sim.recency.iloc[:5], sim["T"].iloc[:5], purchase_covariates=cov[["x1"]].iloc[:5])


def test_predictions_for_new_customers_and_the_population_curve():
    sim, cov = world("bgnbd", TRUE_BG, 2000, seed=21)
    res = btyd.BetaGeoCovariates(sim.frequency, sim.recency, sim["T"], cov, cov[["x2"]]).fit()
    one = cov.iloc[[0]]
    e = res.expected_purchases_new_customer(np.array([10.0, 20.0]), purchase_covariates=pd.concat([one, one]),
                                            dropout_covariates=pd.concat([one, one])[["x2"]])
    assert e[1] > e[0] > 0
    t = np.array([0.0, 10.0, 52.0])
    pop = res.expected_purchases_new_customer(t)
    rows = np.array([res.expected_purchases_new_customer(tt, purchase_covariates=cov, dropout_covariates=cov[["x2"]])
                     for tt in t])
    np.testing.assert_allclose(pop, rows.mean(axis=1), rtol=1e-10)
    # pmf of each fitted customer over n sums to 1 and its mean is E[X(T_i)]
    n = np.arange(0, 600)
    P = np.array([res.pmf(sim["T"].to_numpy(), k) for k in n])
    np.testing.assert_allclose(P.sum(axis=0), 1.0, atol=1e-6)
    mean = (n[:, None] * P).sum(axis=0)
    exp = res.expected_purchases_new_customer(sim["T"].to_numpy(), purchase_covariates=cov, dropout_covariates=cov[["x2"]])
    np.testing.assert_allclose(mean, exp, rtol=1e-4)
    # the model's tracking and holdout checks accept it
    cvh = btyd.calibration_vs_holdout(sim.assign(frequency_holdout=0.0, duration_holdout=10.0), res)
    own = pd.Series(res.expected_purchases(10.0).to_numpy()).groupby(np.minimum(sim.frequency.to_numpy(), 7)).mean()
    np.testing.assert_allclose(cvh["model"].to_numpy(), own.to_numpy(), rtol=1e-12)


# ---------------------------------------------------------------------- likelihood-ratio tests
def test_lr_test_statistic_and_checks():
    sim, cov = world("bgnbd", TRUE_BG, 1500, seed=31)
    base = btyd.BetaGeo(sim.frequency, sim.recency, sim["T"]).fit()
    full = btyd.BetaGeoCovariates(sim.frequency, sim.recency, sim["T"], purchase_covariates=cov).fit()
    t = btyd.lr_test(base, full)
    assert t.statistic == pytest.approx(2 * (full.llf - base.llf)) and t.df == 2
    assert t.pvalue == pytest.approx(stats.chi2.sf(t.statistic, 2))
    assert list(t.to_frame().columns) == ["restricted", "full", "llf_restricted", "llf_full", "statistic", "df", "pvalue"]
    with pytest.raises(ParameterError, match="more parameters"):
        btyd.lr_test(full, base)
    other = btyd.BetaGeo(sim.frequency[:1000], sim.recency[:1000], sim["T"][:1000]).fit()
    with pytest.raises(ParameterError, match="different data"):
        btyd.lr_test(other, full)


def test_lr_test_size_under_the_null_and_power():
    """Segments drawn from one BG/NBD: the segment test's p-values are uniform (size ~5%); a real
    difference in the purchase rate is found."""
    pvals = []
    for d in range(60):
        sim = btyd.simulate_bgnbd(900, 0.6, 5.0, 0.8, 2.5, T=np.random.default_rng(d).uniform(20, 50, 900), seed=d)
        sim["seg"] = np.where(np.arange(900) % 3 == 0, "A", "B")
        pvals.append(btyd.segment_lr_test(sim, "seg").pvalue)
    pvals = np.array(pvals)
    assert np.mean(pvals < 0.05) <= 0.12
    assert stats.kstest(pvals, "uniform").pvalue > 0.01
    a = btyd.simulate_bgnbd(1000, 0.6, 5.0, 0.8, 2.5, T=40.0, seed=1).assign(seg="slow")
    b = btyd.simulate_bgnbd(1000, 0.6, 3.0, 0.8, 2.5, T=40.0, seed=2).assign(seg="fast")
    res = btyd.segment_lr_test(pd.concat([a, b], ignore_index=True), "seg")
    assert res.df == 4 and res.pvalue < 1e-4
    assert list(res.table.columns) == ["pooled", "fast", "slow"] and res.table.loc["alpha", "fast"] < res.table.loc["alpha", "slow"]
    assert res.n_customers.tolist() == [1000, 1000]


def test_covariate_lr_size_under_the_null():
    pvals = []
    for d in range(40):
        cov = covariates(1000, 300 + d)
        sim = btyd.simulate_bgnbd(1000, 0.6, 5.0, 0.8, 2.5, T=40.0, seed=300 + d)
        base = btyd.BetaGeo(sim.frequency, sim.recency, sim["T"]).fit()
        full = btyd.BetaGeoCovariates(sim.frequency, sim.recency, sim["T"], purchase_covariates=cov[["x1"]]).fit(
            start_params=np.r_[base.params.to_numpy(), 0.0])
        pvals.append(btyd.lr_test(base, full).pvalue)
    assert np.mean(np.array(pvals) < 0.05) <= 0.15
    assert stats.kstest(pvals, "uniform").pvalue > 0.01


def test_segment_lr_test_for_spend_and_bad_input():
    sim = btyd.simulate_bgnbd(1500, 0.6, 5.0, 0.8, 2.5, T=40.0, seed=9)
    spend = btyd.simulate_gammagamma(sim.frequency, 6.0, 4.0, 15.0, seed=9)
    sim["monetary_value"] = spend["monetary_value"].to_numpy()
    sim["seg"] = np.where(np.arange(1500) % 2 == 0, "A", "B")
    res = btyd.segment_lr_test(sim, "seg", model="gammagamma")
    assert res.df == 3 and 0 <= res.pvalue <= 1 and list(res.table.index) == ["p", "q", "gamma"]
    pn = btyd.simulate_paretonbd(1000, 0.6, 5.0, 0.8, 12.0, T=40.0, seed=9)
    assert btyd.segment_lr_test(pn, np.where(np.arange(1000) % 2 == 0, "A", "B"), model="pnbd").df == 4
    with pytest.raises(DataError, match="no column"):
        btyd.segment_lr_test(sim, "region")
    with pytest.raises(DataError, match="only one value"):
        btyd.segment_lr_test(sim.assign(seg="A"), "seg")
    with pytest.raises(DataError, match="fewer than 30"):
        btyd.segment_lr_test(sim.assign(seg=np.where(np.arange(1500) < 10, "tiny", "big")), "seg")
    with pytest.raises(ParameterError, match="model must be"):
        btyd.segment_lr_test(sim, "seg", model="poisson")   # "nbd" is a registered model since issue 24
