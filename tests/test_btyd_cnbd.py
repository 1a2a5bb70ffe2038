"""BG/CNBD-k and MBG/CNBD-k (Reutterer, Platzer & Schröder 2021; BTYDplus ``bgcnbd.*``/``mbgcnbd.*``):
BTYDplus' published fits on CDNOW (k = 1) and on its grocery data (k = 2), the likelihood written out,
the analytic gradient, k = 1 against the BG/NBD and MBG/NBD, the predictions against simulation, and
parameter recovery."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from relmkt_utils import btyd
from relmkt_utils.core.errors import DataError, ParameterError
from relmkt_utils.core.optimize import numerical_gradient
from relmkt_utils.data import datasets

# Published numbers: mplatzer/paper-bgcnbdk (the replication code of Reutterer, Platzer & Schröder 2021,
# written with BTYDplus 1.1.4), commit 11d80e1bd09b2b7c60a554c02283284b2f5fd926:
#   results/emp-param-stats.csv -- estimates to 2 decimals and the k chosen, per dataset;
#   results/emp-stats.csv       -- log-likelihoods to 10 digits, holdout MAE and BIAS (sum(est)/sum(act) - 1).
# CDNOW: the 2,357-customer sample, 39-week calibration to 1997-09-30, 39-week holdout, weeks of 7 days.
CDNOW = {
    "BG/CNBD-k": dict(k=1, params=(0.24, 4.41, 0.79, 2.43), llf=-9582.4292067873, mae=0.785453879387685,
                      bias=-0.121470756442232),
    "MBG/CNBD-k": dict(k=1, params=(0.52, 6.18, 0.89, 1.61), llf=-9582.13571558839, mae=0.764777677725775,
                       bias=-0.162214694205408),
}
# Grocery (BTYDplus' groceryElog): 52-week calibration to 2006-12-31, holdout to 2007-12-30.
GROCERY = {
    "BG/CNBD-k": dict(k=2, params=(0.36, 1.13, 0.52, 2.79), llf=-15054.1729044916, llf_k1=-15836.5662391446),
    "MBG/CNBD-k": dict(k=2, params=(1.33, 2.81, 0.42, 0.79), llf=-14978.2107316284, llf_k1=-15781.9393759817),
}
# the BG/NBD (k = 1) on grocery, whose conditional expectation BTYDplus computes exactly (its approximation
# and bias correction apply only for k > 1): holdout MAE and BIAS of emp-stats.csv
GROCERY_K1 = {"BG/CNBD-k": (1.57889636400274, 0.182059435235601), "MBG/CNBD-k": (1.51479767652795, 0.190539080723673)}
MODELS = {"BG/CNBD-k": btyd.BetaGeoCNBD, "MBG/CNBD-k": btyd.ModifiedBetaGeoCNBD}


def _summary(name, transactions, cal_end, obs_end):
    s = btyd.rfm_summary(transactions, freq="D", freq_multiplier=7, calibration_end=cal_end, observation_end=obs_end,
                         amount_col=None)
    s["litt"] = btyd.regularity_summary(transactions, freq="D", freq_multiplier=7, calibration_end=cal_end)["litt"]
    return s


@pytest.fixture(scope="module")
def cdnow():
    return _summary("cdnow", datasets.load("cdnow_sample").transactions, "1997-09-30", "1998-06-30")


@pytest.fixture(scope="module")
def grocery():
    return _summary("grocery", datasets.load("grocery").extras["purchases"], "2006-12-31", "2007-12-30")


def _fit(name, s, **kw):
    return MODELS[name](s["frequency"], s["recency"], s["T"], litt=s["litt"], **kw).fit()


@pytest.mark.parametrize("name", list(MODELS))
def test_cdnow_chooses_k1_with_btydplus_estimates_and_holdout_errors(cdnow, name):
    pub = CDNOW[name]
    res = _fit(name, cdnow)
    assert res.converged and res.warnings == []
    assert res.k == pub["k"] and list(res.k_loglik.index) == [1, 2, 3]     # stopped after two falls
    assert tuple(res.params.round(2)) == pub["params"]
    assert res.llf == pytest.approx(pub["llf"], abs=1e-4)
    est = res.expected_purchases(39)
    act = cdnow["frequency_holdout"]
    assert np.mean(np.abs(est - act)) == pytest.approx(pub["mae"], abs=1e-5)
    assert est.sum() / act.sum() - 1 == pytest.approx(pub["bias"], abs=1e-5)
    assert res.df_model == 5 and "chosen by likelihood" in str(res.summary())


@pytest.mark.parametrize("name", list(MODELS))
def test_grocery_chooses_k2_with_btydplus_estimates(grocery, name):
    pub = GROCERY[name]
    res = _fit(name, grocery)
    assert res.converged and res.k == 2
    assert tuple(res.params.round(2)) == pub["params"]
    assert res.llf == pytest.approx(pub["llf"], abs=1e-4)
    assert res.k_loglik[1] == pytest.approx(pub["llf_k1"], abs=1e-4)


@pytest.mark.parametrize("name", list(MODELS))
def test_grocery_k1_holdout_errors_match_btydplus(grocery, name):
    res = _fit(name, grocery, k=1)
    est = res.expected_purchases(365 / 7)
    act = grocery["frequency_holdout"]
    mae, bias = GROCERY_K1[name]
    assert np.mean(np.abs(est - act)) == pytest.approx(mae, abs=1e-4)
    assert est.sum() / act.sum() - 1 == pytest.approx(bias, abs=1e-4)


def test_loglikelihood_is_btydplus_formula_and_the_integral_over_lambda():
    """BTYDplus' xbgcnbd.LL written out term by term, and for one customer the likelihood as the integral
    over the purchase rate of (Erlang-k gaps) x (no purchase or dropout after the last one)."""
    k, r, al, a, b = 3, 0.8, 5.0, 0.7, 2.2
    x, tx, T, litt = np.array([0.0, 1, 4]), np.array([0.0, 6.0, 20.0]), np.array([30.0, 31.0, 33.0]), np.array([0.0, 1.79, 7.1])
    for mbg, cls in ((False, btyd.BetaGeoCNBD), (True, btyd.ModifiedBetaGeoCNBD)):
        d = 1 if mbg else 0
        P1 = (k - 1) * litt - x * np.log(special.factorial(k - 1))
        P2 = special.betaln(a, b + x + d) - special.betaln(a, b)
        P3 = special.gammaln(r + k * x) - special.gammaln(r) + r * np.log(al)
        P4 = -(r + k * x) * np.log(al + T)
        S1 = ((x > 0) | mbg) * a / (b + x - 1 + d) * ((al + T) / (al + tx)) ** (r + k * x)
        S2 = sum(special.poch(r + k * x, j) * (T - tx) ** j / (special.factorial(j) * (al + T) ** j) for j in range(k))
        want = P1 + P2 + P3 + P4 + np.log(S1 + S2)
        got = cls(x, tx, T, litt=litt, k=k).loglike_obs([r, al, a, b])
        np.testing.assert_allclose(got, want, rtol=1e-12)
        # customer 3 by integration over lambda: gaps' density x P(alive and silent, or dead after the last buy)
        xi, txi, Ti, li = 4, 20.0, 33.0, 7.1
        surv = lambda lam: stats.poisson.cdf(k - 1, lam * (Ti - txi))  # noqa: E731
        p_dead = special.beta(a + 1, b + xi - 1 + d) / special.beta(a, b)
        p_alive = special.beta(a, b + xi + d) / special.beta(a, b)

        def f(lam):
            gaps = lam ** (k * xi) * np.exp((k - 1) * li - lam * txi) / special.factorial(k - 1) ** xi
            return stats.gamma.pdf(lam, r, scale=1 / al) * gaps * (p_dead + p_alive * surv(lam))

        assert np.log(integrate.quad(f, 0, np.inf, epsrel=1e-12)[0]) == pytest.approx(got[2], rel=1e-9)


@pytest.mark.parametrize("cls", [btyd.BetaGeoCNBD, btyd.ModifiedBetaGeoCNBD])
def test_gradient_is_the_derivative(cls):
    sim = btyd.simulate_cnbd(400, 3, 0.8, 2.0, 0.8, 2.4, T=40.0, dropout_at_zero=cls is btyd.ModifiedBetaGeoCNBD, seed=2)
    m = cls(sim["frequency"], sim["recency"], sim["T"], litt=sim["litt"], k=3)
    m._fit_k = 3
    d = m._grouped()
    theta = np.array([0.7, 2.5, 0.9, 2.0])
    f, g = m._objective_on(d, theta, 1)
    assert -f == pytest.approx(m.loglike(theta) - m._litt_constant(3), rel=1e-12)
    np.testing.assert_allclose(g, numerical_gradient(lambda z: m._objective_on(d, z, 0), theta), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,peer", [("BG/CNBD-k", btyd.BetaGeo), ("MBG/CNBD-k", btyd.ModifiedBetaGeo)])
def test_k1_is_the_bgnbd_or_mbgnbd(cdnow, name, peer):
    args = (cdnow["frequency"], cdnow["recency"], cdnow["T"])
    ours, theirs = MODELS[name](*args, k=1).fit(), peer(*args).fit()
    np.testing.assert_allclose(ours.params, theirs.params, rtol=1e-5)
    for method, kw in (("p_alive", {}), ("expected_purchases", {"t": 39}), ("conditional_pmf", {"t": 39, "n": 2})):
        np.testing.assert_allclose(np.asarray(getattr(ours, method)(**kw, params=theirs.params)),
                                   np.asarray(getattr(theirs, method)(**kw)), rtol=1e-6, atol=1e-12)
    t = np.array([1.0, 39.0, 78.0])
    np.testing.assert_allclose(ours.expected_purchases_new_customer(t, params=theirs.params),
                               theirs.expected_purchases_new_customer(t), rtol=1e-7)
    np.testing.assert_allclose(ours.pmf(39, np.arange(6), params=theirs.params), theirs.pmf(39, np.arange(6)),
                               rtol=1e-7, atol=1e-14)
    # DERT: closed form in lambda + tanh-sinh against the BG/NBD's trapezoid rule (accurate to ~1e-6)
    np.testing.assert_allclose(ours.dert(0.1, "week", params=theirs.params), theirs.dert(0.1, "week"), rtol=2e-6)


def test_dert_matches_adaptive_quadrature_for_k2():
    """DERT given the posterior: E over lambda of rho^(k-j) 2F1(1, b'; a+b'; rho^k), by scipy's quad."""
    res = btyd.BetaGeoCNBD([2.0], [10.0], [30.0], litt=[3.0], k=2).results_at([0.9, 2.0, 0.8, 2.5])
    r, al, a, b = 0.9, 2.0, 0.8, 2.5
    k, x, T, tx = 2, 2, 30.0, 10.0
    delta = np.log(1.1) / (365.25 / 7)          # 10% a year, continuously, per week
    w = np.array([special.poch(r + k * x, j) * ((T - tx) / (al + T)) ** j / special.factorial(j) for j in range(k)])
    pi = w / w.sum()

    def part(j):
        g = lambda lam: (stats.gamma.pdf(lam, r + k * x + j, scale=1 / (al + T)) * (lam / (lam + delta)) ** (k - j)  # noqa: E731
                         * special.hyp2f1(1, b + x, a + b + x, (lam / (lam + delta)) ** k))
        return integrate.quad(g, 0, np.inf, limit=400, epsrel=1e-12)[0]

    want = float(res.p_alive()[0]) * sum(pi[j] * part(j) for j in range(k))
    assert float(res.dert(0.1, "week")[0]) == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("mbg", [False, True])
def test_predictions_match_a_simulated_world_with_k3(mbg):
    truth = (3, 0.85, 1.45, 0.79, 2.42)          # BTYDplus' test parameters (tests/testthat/test-bg-cnbd-k.R)
    T = np.repeat([36.0, 48.0, 60.0, 72.0, 84.0, 96.0], 5000)
    sim = btyd.simulate_cnbd(len(T), *truth, T=T, dropout_at_zero=mbg, holdout=32.0, seed=11)
    cls = btyd.ModifiedBetaGeoCNBD if mbg else btyd.BetaGeoCNBD
    res = cls(sim["frequency"], sim["recency"], sim["T"], litt=sim["litt"], k=3).results_at(truth[1:])
    # the model's E[X(T)], P(alive) and E[Y(32) | history] against what the world did
    assert sim["frequency"].mean() == pytest.approx(res.expected_purchases_new_customer(T).mean(), rel=0.01)
    assert sim["alive"].mean() == pytest.approx(float(np.mean(res.p_alive())), abs=0.01)
    exp = np.asarray(res.expected_purchases(32))
    assert sim["frequency_holdout"].sum() == pytest.approx(exp.sum(), rel=0.02)
    for x in (0, 1, 3):                        # and by calibration frequency
        rows = (sim["frequency"] == x).to_numpy()
        assert sim["frequency_holdout"][rows].mean() == pytest.approx(exp[rows].mean(), rel=0.06)
    # the pmf of a new customer at T = 36 against the simulated frequencies of the T = 36 customers
    counts = np.bincount(sim["frequency"][T == 36].astype(int), minlength=6)[:6] / 5000
    np.testing.assert_allclose(res.pmf(36, np.arange(6)), counts, atol=0.012)


def test_pmf_sums_to_one_and_its_mean_is_the_expectation():
    res = btyd.ModifiedBetaGeoCNBD([1.0], [5.0], [20.0], litt=[1.6], k=4).results_at([0.9, 1.5, 0.8, 2.4])
    n = np.arange(0, 400)
    p = res.pmf(20, n)
    assert p.sum() == pytest.approx(1, abs=1e-10) and (p >= 0).all()
    assert (n * p).sum() == pytest.approx(res.expected_purchases_new_customer(20), rel=1e-9)
    c = np.array([float(res.conditional_pmf(15, m)[0]) for m in n[:200]])
    assert c.sum() == pytest.approx(1, abs=1e-10)
    assert (n[:200] * c).sum() == pytest.approx(float(res.expected_purchases(15)[0]), rel=1e-9)


@settings(max_examples=25, deadline=None)
@given(k=st.integers(1, 6), r=st.floats(0.2, 3), al=st.floats(0.5, 20), a=st.floats(0.2, 3), b=st.floats(0.3, 6),
       x=st.integers(0, 30), frac=st.floats(0, 1), mbg=st.booleans())
def test_probabilities_are_probabilities(k, r, al, a, b, x, frac, mbg):
    T = 52.0
    tx = frac * T if x > 0 else 0.0
    cls = btyd.ModifiedBetaGeoCNBD if mbg else btyd.BetaGeoCNBD
    res = cls([float(x)], [tx], [T], litt=[0.0], k=k).results_at([r, al, a, b])
    pa = float(res.p_alive()[0])
    assert 0.0 <= pa <= 1.0 and np.isfinite(res.llf)
    e1, e2 = float(res.expected_purchases(10)[0]), float(res.expected_purchases(20)[0])
    assert 0.0 <= e1 <= e2 + 1e-12
    assert 0.0 <= res.pmf(10, 0) <= 1.0


def test_parameter_recovery_chooses_the_true_k():
    truth = np.array([0.85, 1.45, 0.79, 2.42])
    T = np.repeat([36.0, 48.0, 60.0, 72.0, 84.0, 96.0], 1500)
    sim = btyd.simulate_cnbd(len(T), 3, *truth, T=T, seed=5)
    res = btyd.BetaGeoCNBD(sim["frequency"], sim["recency"], sim["T"], litt=sim["litt"]).fit()
    assert res.converged and res.k == 3
    z = np.abs(np.log(res.params.to_numpy()) - np.log(truth)) / res.bse_log.to_numpy()
    assert np.all(z < 3), dict(zip(res.params.index, z))
    assert res.k_loglik[3] > max(res.k_loglik[2], res.k_loglik[4])


def test_simulation_is_seeded_and_consistent():
    a = btyd.simulate_cnbd(300, 2, 0.9, 3.0, 0.8, 2.0, seed=3)
    pd.testing.assert_frame_equal(a, btyd.simulate_cnbd(300, 2, 0.9, 3.0, 0.8, 2.0, seed=3))
    assert (a["recency"] <= a["T"]).all() and (a.loc[a["frequency"] == 0, ["recency", "litt"]] == 0).all().all()


def test_bad_input_says_what_is_wrong():
    with pytest.raises(DataError, match="give k, or litt"):
        btyd.BetaGeoCNBD([1.0], [2.0], [5.0])
    with pytest.raises(ParameterError, match="k must be a whole number"):
        btyd.BetaGeoCNBD([1.0], [2.0], [5.0], k=1.5)
    with pytest.raises(DataError, match="litt .* must be 0"):
        btyd.BetaGeoCNBD([0.0], [0.0], [5.0], litt=[1.0])


def test_regularity_summary_lines_up_with_rfm_summary():
    tx = pd.DataFrame({"customer_id": ["a", "a", "a", "a", "b", "c"],
                       "date": pd.to_datetime(["2020-01-01", "2020-01-08", "2020-01-08", "2020-01-22", "2020-01-05",
                                               "2020-03-01"])})
    lt = btyd.regularity_summary(tx, freq="D", freq_multiplier=7, calibration_end="2020-02-01")
    assert list(lt.index) == ["a", "b"]                      # c first bought after the calibration
    assert lt.loc["a", "litt"] == pytest.approx(np.log(1.0) + np.log(2.0))   # same-day purchases merged
    assert lt.loc["b", "litt"] == 0.0


@pytest.mark.parametrize("dropout_at_zero", [False, True])
def test_k1_expectation_is_the_bgnbd_closed_form_of_the_series(dropout_at_zero):
    """At k = 1, E[Y(t) | alive] = sum_n P(Y(t) >= n | alive) (the series of the CNBD-k) equals the BG/NBD's
    closed form at the posterior (FHL 2005, eq. 7), which the k = 1 models now evaluate: to 1e-12."""
    from relmkt_utils.btyd import cnbd

    rng = np.random.default_rng(1)
    x = rng.integers(0, 12, 400).astype(float)
    T = rng.uniform(5, 80, 400)
    tx = np.minimum(T, rng.uniform(0, 80, 400)) * (x > 0)
    theta = np.array([0.8, 3.4, 1.7, 7.4])
    _, pi = cnbd._posterior(theta, x, tx, T, 1, dropout_at_zero)
    closed = cnbd._expected_alive(theta, x, T, pi, 13.0, 1, dropout_at_zero)
    series = cnbd._tail_alive(theta, x, T, pi, np.full(x.shape, 13.0), np.arange(1, 20000, dtype=float), 1,
                              dropout_at_zero).sum(axis=1)
    assert np.max(np.abs(closed - series) / series) < 1e-12
