"""Pareto/NBD with Sarmanov-correlated purchase and dropout rates (CLVTools' use.cor): the density and its
correlation, the likelihood as a mixture of four Pareto/NBDs, the analytic gradient, CLVTools' apparel
finding, recovery and coverage, saving."""
import warnings

import numpy as np
import pytest
from scipy import integrate, stats

from relmkt_utils import btyd
from relmkt_utils.btyd import correlated as cr
from relmkt_utils.core.errors import DataError, EstimationWarning
from relmkt_utils.core.optimize import numerical_gradient
from relmkt_utils.data import datasets

TRUTH = (1.0, 1.0, 1.0, 3.0, 1.5)          # rates of order 1 per period: a correlation of 0.070


def test_sarmanov_density_has_the_stated_correlation():
    """The joint density has the gamma marginals, integrates to 1 and its correlation is CLVTools' formula
    m sqrt(r) L_A/(1+alpha) sqrt(s) L_B/(1+beta) (class_clv_model_pnbd.R, clv.model.m.to.cor): the moments of the
    product form by one-dimensional quadrature, E[f(l) g(u)] = E f E g + m E[f(l)(e^-l - L_A)] E[g(u)(e^-u - L_B)]."""
    r, al, s, be, m = 0.8, 5.0, 0.6, 10.0, 3.0
    g, h = stats.gamma(r, scale=1 / al), stats.gamma(s, scale=1 / be)
    LA, LB = (al / (al + 1)) ** r, (be / (be + 1)) ** s
    E = lambda dist, f: integrate.quad(lambda v: f(v) * dist.pdf(v), 0, np.inf, epsabs=1e-13, epsrel=1e-10, limit=200)[0]  # noqa: E731
    kl, ku = E(g, lambda v: np.exp(-v) - LA), E(h, lambda v: np.exp(-v) - LB)
    assert abs(kl) < 1e-11 and abs(ku) < 1e-11                      # total mass 1 + m kl ku = 1, marginals kept
    cov = m * E(g, lambda v: v * (np.exp(-v) - LA)) * E(h, lambda v: v * (np.exp(-v) - LB))
    assert cov / np.sqrt(g.var() * h.var()) == pytest.approx(cr.correlation_of(r, al, s, be, m), rel=1e-9)
    lo, hi = cr.m_bounds(r, al, s, be)
    lam, mu = np.meshgrid(np.geomspace(1e-4, 50, 200), np.geomspace(1e-4, 50, 200))
    for mm in (lo, hi):
        assert np.min(1 + mm * (np.exp(-lam) - LA) * (np.exp(-mu) - LB)) >= -1e-12


def test_likelihood_gradient_and_m_zero():
    sim = cr.simulate_correlated(1500, *TRUTH, T=10.0, seed=1)
    mod = cr.ParetoNBDCorrelated(sim["frequency"], sim["recency"], sim["T"])
    base = btyd.ParetoNBD(sim["frequency"], sim["recency"], sim["T"])
    np.testing.assert_allclose(mod.loglike_obs([1.0, 1.0, 1.0, 3.0, 0.0]), base.loglike_obs([1.0, 1.0, 1.0, 3.0]),
                               atol=1e-11)
    th = np.array(TRUTH)
    # L = L00 + m LA LB (L00 + L11 - L10 - L01): the four Pareto/NBD likelihoods, computed independently
    L = {k: np.exp(base.loglike_obs([1.0, 1.0 + k[0], 1.0, 3.0 + k[1]])) for k in cr.SHIFTS}
    LA, LB = 0.5, 0.75
    mix = L[(0, 0)] + 1.5 * LA * LB * (L[(0, 0)] + L[(1, 1)] - L[(1, 0)] - L[(0, 1)])
    np.testing.assert_allclose(mod.loglike_obs(th), np.log(mix), rtol=1e-10)
    np.testing.assert_allclose(mod._objective(th, 1)[1], numerical_gradient(lambda t: mod._objective(t, 0), th),
                               rtol=1e-5, atol=1e-4)
    assert mod._objective(np.array([1.0, 1.0, 1.0, 3.0, 50.0]), 0) == np.inf       # outside the bounds of m
    zero = mod.results_at([1.0, 1.0, 1.0, 3.0, 0.0])
    ref = base.fit().__class__(model=base, params=zero.params.iloc[:4], cov_params_log=zero.cov_params_log.iloc[:4, :4],
                               llf=0.0, nobs=1.0)
    np.testing.assert_allclose(zero.p_alive(), ref.p_alive(), rtol=1e-10)
    np.testing.assert_allclose(zero.expected_purchases(5), ref.expected_purchases(5), rtol=1e-10)


def test_apparel_correlation_is_near_zero_and_not_significant():
    """CLVTools' vignette (vignettes/CLVTools.Rmd, 'Add Correlation to the model'): on the apparel data 'the
    correlation parameter is not significant and the correlation is very close to zero'. Ours (104 weeks of
    calibration): the LR test of m = 0 does not reject (chi-square 0.14), and the estimate sits at the edge of the
    Sarmanov family with a correlation of 0.013, which the results say instead of claiming convergence."""
    ds = datasets.load("apparel")
    s = btyd.rfm_summary(ds.transactions, freq="D", freq_multiplier=7, calibration_end=ds.meta["calibration_end"],
                         observation_end=ds.meta["observation_end"])
    base = btyd.ParetoNBD(s["frequency"], s["recency"], s["T"]).fit()
    with pytest.warns(EstimationWarning, match="edge of the Sarmanov family"):
        cor = cr.ParetoNBDCorrelated(s["frequency"], s["recency"], s["T"]).fit()
    test = btyd.lr_test(base, cor)
    assert test.statistic < 1.0 and test.pvalue > 0.3
    assert 0 < cor.correlation().value < 0.05


def test_recovery_and_predictions():
    sim = cr.simulate_correlated(3000, *TRUTH, T=10.0, seed=2)
    assert np.corrcoef(sim["lambda_"], sim["mu"])[0, 1] == pytest.approx(cr.correlation_of(*TRUTH), abs=0.03)
    res = cr.ParetoNBDCorrelated(sim["frequency"], sim["recency"], sim["T"]).fit()
    est = res.correlation(alpha=0.01)
    assert est.lower < cr.correlation_of(*TRUTH) < est.upper
    # P(alive) unbiased against the simulated truth
    assert abs(res.p_alive().mean() - sim["alive"].mean()) < 0.02


@pytest.mark.slow
def test_coverage_of_m_and_the_lr_test_size():
    """100 worlds of 4,000 customers: the 95% interval of m covers in 89-99%; with m = 0 the LR test rejects at
    5% in at most 10% of 100 worlds."""
    hits, rejections = 0, 0
    for rep in range(100):
        sim = cr.simulate_correlated(4000, *TRUTH, T=10.0, seed=100 + rep)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ci = cr.ParetoNBDCorrelated(sim["frequency"], sim["recency"], sim["T"]).fit().conf_int()
        hits += ci.loc["m", "lower"] <= TRUTH[4] <= ci.loc["m", "upper"]
        null = cr.simulate_correlated(4000, *TRUTH[:4], 0.0, T=10.0, seed=900 + rep)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            b = btyd.ParetoNBD(null["frequency"], null["recency"], null["T"]).fit()
            c = cr.ParetoNBDCorrelated(null["frequency"], null["recency"], null["T"]).fit()
        rejections += btyd.lr_test(b, c).pvalue < 0.05
    print("coverage of m", hits / 100, "LR size", rejections / 100)
    assert 89 <= hits <= 99 and rejections <= 10


def test_save_load_and_bounds(tmp_path):
    sim = cr.simulate_correlated(800, *TRUTH, T=10.0, seed=3)
    res = cr.ParetoNBDCorrelated(sim["frequency"], sim["recency"], sim["T"]).fit()
    back = btyd.load_results(res.save(tmp_path / "cor.json"))
    assert back.params.equals(res.params) and back.correlation().value == pytest.approx(res.correlation().value)
    np.testing.assert_allclose(back.p_alive(sim["frequency"], sim["recency"], sim["T"]), res.p_alive())
    with pytest.raises(DataError, match="outside"):
        cr.simulate_correlated(10, 1.0, 1.0, 1.0, 3.0, 10.0)
