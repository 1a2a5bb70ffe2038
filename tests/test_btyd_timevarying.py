"""Pareto/NBD and BG/NBD with time-varying covariates (Bachmann, Meierer & Naef 2021; CLVTools' dynamic
covariates): the piecewise integrals, the analytic gradients, the closed forms they must reduce to, CLVTools'
own log-likelihood values, the apparel data, predictions along a covariate path, recovery and coverage."""
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from relmkt_utils import btyd
from relmkt_utils.btyd import timevarying as tv
from relmkt_utils.core.errors import DataError, EstimationWarning, ParameterError
from relmkt_utils.core.optimize import numerical_gradient
from relmkt_utils.data import datasets

REF = Path(__file__).parent / "reference" / "clvtools_dyncov"
PNBD = {"r": 0.8, "alpha": 6.0, "s": 0.6, "beta": 20.0, "purchase:season": 0.7, "purchase:campaign": 0.5,
        "purchase:female": 0.3, "dropout:season": -0.4, "dropout:female": 0.5}
BG = {"r": 0.8, "alpha": 6.0, "a": 0.8, "b": 3.0, "purchase:season": 0.7, "purchase:campaign": 0.5,
      "purchase:female": 0.3, "dropout:season": -0.4, "dropout:female": 0.5}


def world(model, truth, n=400, seed=0, horizon_end=78.0):
    """n customers born in weeks 0-20, a season and random campaign weeks, a static 0/1 covariate; calibration to
    week 52, purchases simulated to ``horizon_end``."""
    rng = np.random.default_rng(seed)
    bounds = np.arange(0, 81.0)
    varying = pd.DataFrame({"season": (np.sin(np.arange(80) / 8) > 0.3).astype(float),
                            "campaign": (rng.uniform(size=80) < 0.2).astype(float)})
    static = pd.DataFrame({"female": rng.integers(0, 2, n).astype(float)},
                          index=pd.Index([f"c{i:04d}" for i in range(n)], name="customer_id"))
    births = rng.uniform(0, 20, n)
    purchases, truth_frame = btyd.simulate_time_varying(model, truth, births, 52.0, bounds, varying, static,
                                                        seed=seed + 1, horizon_end=horizon_end)
    panel = btyd.TimeVaryingPanel.from_times(purchases, 52.0, bounds, varying, static, time_unit="week")
    return panel, purchases, truth_frame


@pytest.fixture(scope="module")
def pnbd_world():
    return world("pnbd", PNBD)


@pytest.fixture(scope="module")
def bg_world():
    return world("bgnbd", BG)


def theta_of(model, truth):
    return np.array([truth.get(k, 0.0) for k in model.param_names])


# ---------------------------------------------------------------------- the integrals
@pytest.mark.parametrize("m, n, P, Q", [(1.3, 1.6, 5.0, 20.0), (12.0, 1.4, 40.0, 3.0), (0.7, 2.5, 8.0, 8.0),
                                         (30.0, 1.2, 2.0, 90.0)])
def test_log_g_is_the_integral_and_its_derivatives(m, n, P, Q):
    val = integrate.quad(lambda u: (P + u) ** -m * (Q + u) ** -n, 0, np.inf, epsabs=0, epsrel=1e-13, limit=500)[0]
    lg, d = tv.log_g(np.array([m]), np.array([n]), np.array([P]), np.array([Q]), deriv=True)
    assert lg[0] == pytest.approx(np.log(val), abs=1e-10)
    for j, arg in enumerate((m, n, P, Q)):
        args = [m, n, P, Q]

        def f(v, j=j):
            a = list(args)
            a[j] = v[0]
            return tv.log_g(*(np.array([x]) for x in a))[0][0]

        assert d[j, 0] == pytest.approx(numerical_gradient(f, np.array([arg]))[0], rel=1e-6, abs=1e-9)


def test_gauss_legendre_and_2f1_pieces_agree(monkeypatch):
    """Each piece's integral by 20-point Gauss-Legendre (smooth pieces) equals the 2F1 difference to 1e-12 up to
    the switching thresholds, with the same derivatives; both equal adaptive quadrature."""
    rng = np.random.default_rng(4)
    k = 400
    s = 0.7
    m = rng.uniform(0.5, 40, k)
    al_k, be_k = rng.uniform(2, 200, k), rng.uniform(2, 200, k)
    a, c = np.exp(rng.normal(0, 0.7, k)), np.exp(rng.normal(0, 0.7, k))
    P, Q = al_k / a, be_k / c
    length = np.minimum(tv.GL_SPAN * np.minimum(P, Q), tv.GL_DECAY / (m / P + (s + 1) / Q)) * rng.uniform(0.05, 1, k)
    gl, dgl = tv.piece_integrals(m, s, al_k, be_k, a, c, length, deriv=True)
    monkeypatch.setattr(tv, "GL_SPAN", -1.0)
    ex, dex = tv.piece_integrals(m, s, al_k, be_k, a, c, length, deriv=True)
    np.testing.assert_allclose(gl, ex, rtol=0, atol=1e-12 * np.maximum(1, np.abs(ex)).max())
    np.testing.assert_allclose(dgl, dex, rtol=1e-8, atol=1e-9)
    for i in range(5):
        val = integrate.quad(lambda u: s * c[i] * (al_k[i] + a[i] * u) ** -m[i] * (be_k[i] + c[i] * u) ** -(s + 1),
                             0, length[i], epsabs=0, epsrel=1e-13)[0]
        assert ex[i] == pytest.approx(np.log(val), abs=1e-10)


# ---------------------------------------------------------------------- gradients and nesting
@pytest.mark.parametrize("cls, truth, fixture", [(btyd.ParetoNBDTimeVarying, PNBD, "pnbd_world"),
                                                 (btyd.BetaGeoTimeVarying, BG, "bg_world")])
def test_analytic_gradient(cls, truth, fixture, request):
    panel = request.getfixturevalue(fixture)[0]
    m = cls(panel, purchase=["season", "campaign", "female"], dropout=["season", "female"])
    theta = theta_of(m, truth) * 1.1
    g_num = numerical_gradient(lambda th: m._objective(th, 0), theta)
    g = m._objective(theta, 1)[1]
    np.testing.assert_allclose(g, g_num, rtol=1e-5, atol=1e-4)


def test_pareto_gradient_on_the_2f1_path(pnbd_world, monkeypatch):
    monkeypatch.setattr(tv, "GL_SPAN", -1.0)
    m = btyd.ParetoNBDTimeVarying(pnbd_world[0], purchase=["season", "female"], dropout=["season"])
    theta = theta_of(m, PNBD)
    np.testing.assert_allclose(m._objective(theta, 1)[1], numerical_gradient(lambda th: m._objective(th, 0), theta),
                               rtol=1e-5, atol=1e-4)


def test_constant_covariates_give_the_static_covariate_models(pnbd_world):
    """With time-invariant covariates only, the time-varying likelihoods are Fader & Hardie's (2007) with
    alpha_i = alpha exp(-g'x), beta_i = beta exp(-g'z): btyd.ParetoNBDCovariates / BetaGeoCovariates, customer by
    customer, and so are P(alive), the conditional expectation and the new-customer expectation."""
    panel = pnbd_world[0]
    cov = pd.DataFrame(panel.static, columns=panel.static_columns, index=panel.customers)
    x, tx, T = panel.frequency, panel.recency, panel.T
    tvm = btyd.ParetoNBDTimeVarying(panel, purchase=["female"], dropout=["female"])
    st = btyd.ParetoNBDCovariates(x, tx, T, purchase_covariates=cov, dropout_covariates=cov)
    th = np.array([0.8, 6.0, 0.6, 20.0, 0.3, 0.5])
    np.testing.assert_allclose(tvm.loglike_obs(th), st.loglike_obs(th), rtol=0, atol=1e-10)
    a, b = tvm.results_at(th), st.results_at(th)
    np.testing.assert_allclose(a.p_alive().to_numpy(), np.asarray(b.p_alive()), atol=1e-11)
    np.testing.assert_allclose(a.expected_purchases(26).to_numpy(), np.asarray(b.expected_purchases(26)), rtol=1e-10)
    assert a.expected_purchases_new_customer(26, 52.0, static={"female": 1.0}) == pytest.approx(
        float(b.expected_purchases_new_customer(26, purchase_covariates=pd.DataFrame({"female": [1.0]}),
                                                dropout_covariates=pd.DataFrame({"female": [1.0]}))[0]), rel=1e-12)
    np.testing.assert_allclose(a.clv(30.0, horizon_months=6).to_numpy(),
                               np.asarray(b.clv(30.0, horizon_months=6, time_unit="week")), rtol=1e-10)
    bg = btyd.BetaGeoTimeVarying(panel, purchase=["female"], dropout=[])
    bs = btyd.BetaGeoCovariates(x, tx, T, purchase_covariates=cov)
    thb = np.array([0.8, 6.0, 0.8, 3.0, 0.3])
    np.testing.assert_allclose(bg.loglike_obs(thb), bs.loglike_obs(thb), rtol=0, atol=1e-10)
    a, b = bg.results_at(thb), bs.results_at(thb)
    np.testing.assert_allclose(a.p_alive().to_numpy(), np.asarray(b.p_alive()), atol=1e-11)
    np.testing.assert_allclose(a.expected_purchases(26).to_numpy(), np.asarray(b.expected_purchases(26)), rtol=1e-9)


def test_zero_coefficients_give_the_models_without_covariates(pnbd_world):
    """CLVTools' test_consistency_pnbd.R ("Dyncov LL same as nocov", alpha != beta and alpha == beta): with all
    coefficients 0 the individual log-likelihoods are the Pareto/NBD's (and the BG/NBD's)."""
    panel = pnbd_world[0]
    x, tx, T = panel.frequency, panel.recency, panel.T
    m = btyd.ParetoNBDTimeVarying(panel)
    for base in ([0.8, 6.0, 0.6, 20.0], [0.8, 1.234, 0.6, 1.234]):
        np.testing.assert_allclose(m.loglike_obs(np.r_[base, np.zeros(6)]), btyd.ParetoNBD(x, tx, T).loglike_obs(base),
                                   rtol=0, atol=1e-10)
    g = btyd.BetaGeoTimeVarying(panel)
    np.testing.assert_allclose(g.loglike_obs(np.r_[0.8, 6.0, 0.8, 3.0, np.zeros(6)]),
                               btyd.BetaGeo(x, tx, T).loglike_obs([0.8, 6.0, 0.8, 3.0]), rtol=0, atol=1e-10)


# ---------------------------------------------------------------------- CLVTools' own numbers
@pytest.fixture(scope="module")
def clvtools():
    tr = pd.read_csv(REF / "transactions.csv", dtype={"customer_id": str})
    cov = pd.read_csv(REF / "covariates.csv")
    cust = pd.read_csv(REF / "customers.csv", dtype={"customer_id": str}).set_index("customer_id")
    params = pd.read_csv(REF / "params.csv").set_index("parameter")["value"]
    panel = btyd.time_varying_panel(tr, "2006-01-01", cov, cust[["gender", "channel"]], time_unit="week")
    cols = ["high_season", "gender", "channel"]
    m = btyd.ParetoNBDTimeVarying(panel, purchase=cols, dropout=cols)
    clv_names = ["High.Season", "Gender", "Channel"]
    theta = np.r_[np.exp(params[["log.r", "log.alpha", "log.s", "log.beta"]].to_numpy()),
                  params[[f"trans.{c}" for c in clv_names]].to_numpy(), params[[f"life.{c}" for c in clv_names]].to_numpy()]
    return panel, m, theta, cust


def test_clvtools_dynamic_covariate_log_likelihood(clvtools):
    """CLVTools 0.12.1, tests/testthat/fitted_dyncov.rds (commit 1b06356; slot LL.data, computed by its C++
    pnbd_dyncov_LL_ind): each of the 400 customers' log-likelihood at the stored parameters, to 1e-9, and the total
    -9480.468866387742. One customer (134, 176 repeat purchases) differs: CLVTools' hypergeometric term F2
    underflows to 0 there (LL.data: F2.1 = F2.2 = F2.3 = 0), so its value is the alive-at-T term alone, which is ours
    without the dropout term; our log-space sum keeps the dropout term (+0.0069)."""
    panel, m, theta, cust = clvtools
    ours = pd.Series(m.loglike_obs(theta), index=panel.customers)
    ref = cust["LL"].reindex(ours.index)
    other = ours.index != "134"
    np.testing.assert_allclose(ours[other], ref[other], rtol=0, atol=1e-9)
    d = m.data()
    i = panel.customers.get_loc("134")
    kp = d["kp"]
    a = np.exp(d["X"] @ theta[4:4 + kp])
    c = np.exp(d["Z"] @ theta[4 + kp:])
    r, al, s, be = theta[:4]
    BT = np.bincount(d["cust"], a * d["length"], d["n"])[i]
    DT = np.bincount(d["cust"], c * d["length"], d["n"])[i]
    x = d["x"][i]
    from scipy.special import gammaln
    alive_only = (d["SX"][i] @ theta[4:4 + kp] + gammaln(r + x) - gammaln(r) + r * np.log(al) + s * np.log(be)
                  - (r + x) * np.log(al + BT) - s * np.log(be + DT))
    assert ref["134"] == pytest.approx(alive_only, abs=1e-9)
    assert ours["134"] - ref["134"] == pytest.approx(0.006909117, abs=1e-8)
    assert ref.sum() == pytest.approx(-9480.468866387742, abs=1e-9)
    assert ours.sum() == pytest.approx(-9480.468866387742 + 0.006909117, abs=1e-6)


def test_clvtools_exposures_and_purchase_effects(clvtools):
    """The same object's intermediate values: Bksum = B(T) and DkT = D(T) (the integrated purchase and dropout
    multipliers from the first purchase to the calibration end) and A1sum = gamma_P' sum_j x(t_j)."""
    panel, m, theta, cust = clvtools
    d = m.data()
    kp = d["kp"]
    a, c = np.exp(d["X"] @ theta[4:4 + kp]), np.exp(d["Z"] @ theta[4 + kp:])
    ref = cust.reindex(panel.customers)
    np.testing.assert_allclose(np.bincount(d["cust"], a * d["length"], d["n"]), ref["Bksum"], rtol=1e-12)
    np.testing.assert_allclose(np.bincount(d["cust"], c * d["length"], d["n"]), ref["DkT"], rtol=1e-12)
    np.testing.assert_allclose(d["SX"] @ theta[4:4 + kp], ref["A1sum"], atol=1e-12)


# ---------------------------------------------------------------------- the apparel data
@pytest.fixture(scope="module")
def apparel():
    ds = datasets.load("apparel")
    seasons = ds.extras["seasons"].rename(columns={"week_start": "period_start"})
    static = ds.customers.set_index("customer_id")[["gender", "channel_offline"]]
    panel = btyd.time_varying_panel(ds.transactions, ds.meta["calibration_end"], seasons, static, time_unit="week")
    return ds, panel, static


def test_apparel_season_raises_purchases_and_beats_the_static_model(apparel):
    """CLVTools' apparel data (its vignette's 104 weeks of calibration): the high season multiplies the purchase
    rate by exp(0.72) = 2.05 (interval excluding 0); the static-covariate model (CLVTools' static Pareto/NBD) is
    the time-varying one with purchase:high_season = 0, rejected by the LR test (chi-square 135.5 on 1 df); the
    weekly holdout purchases of 2007-2008 follow the predicted seasonal path (correlation 0.66 against -0.09 for
    the static model)."""
    ds, panel, static = apparel
    dyn = btyd.ParetoNBDTimeVarying(panel, purchase=["high_season", "gender", "channel_offline"],
                                    dropout=["gender", "channel_offline"]).fit()
    assert dyn.converged and dyn.warnings == []
    assert dyn.params["purchase:high_season"] == pytest.approx(0.7195, abs=2e-3)
    assert dyn.conf_int().loc["purchase:high_season", "lower"] > 0.55
    cov = static.reindex(panel.customers)
    st = btyd.ParetoNBDCovariates(panel.frequency, panel.recency, panel.T, purchase_covariates=cov,
                                  dropout_covariates=cov).fit()
    test = btyd.lr_test(st, dyn)
    assert test.df == 1 and test.statistic == pytest.approx(135.47, abs=0.05) and test.pvalue < 1e-20
    H = 104
    weekly = np.diff(np.r_[0.0, dyn.cumulative_expected_purchases(np.arange(1, H + 1)).sum().to_numpy()])
    static_weekly = np.diff(np.r_[0.0, [np.asarray(st.expected_purchases(k)).sum() for k in range(1, H + 1)]])
    tr = ds.transactions.assign(date=pd.to_datetime(ds.transactions["date"]))
    end = pd.Timestamp(ds.meta["calibration_end"])
    hold = tr[(tr["date"] > end) & (tr["date"] <= end + pd.Timedelta(weeks=H))]
    actual = np.bincount(np.ceil((hold["date"] - end).dt.days / 7).astype(int), minlength=H + 1)[1:]
    assert np.corrcoef(weekly, actual)[0, 1] > 0.6 > 0 > np.corrcoef(static_weekly, actual)[0, 1]
    assert np.abs(weekly - actual).mean() < 0.8 * np.abs(static_weekly - actual).mean()


def test_apparel_season_on_dropout_is_not_identified_and_says_so(apparel):
    """With the high season also on the dropout rate (CLVTools' ~ .|.), its coefficient runs off (no dropout in
    high season fits best): the results carry the warning instead of a number to read."""
    panel = apparel[1]
    with pytest.warns(EstimationWarning, match="do not identify dropout:high_season"):
        res = btyd.ParetoNBDTimeVarying(panel).fit()
    assert res.unidentified == ("dropout:high_season",)


# ---------------------------------------------------------------------- predictions along a covariate path
def test_a_campaign_scenario_moves_the_predictions(pnbd_world):
    """Putting a campaign into the 26 weeks after the calibration raises the expected purchases by the
    campaign's effect (the purchase rate times exp(0.5) in those weeks), leaves P(alive) unchanged."""
    panel = pnbd_world[0]
    m = btyd.ParetoNBDTimeVarying(panel, purchase=["season", "campaign", "female"], dropout=["season", "female"])
    res = m.results_at(theta_of(m, PNBD))
    V = panel.varying.copy()
    quiet, loud = V.copy(), V.copy()
    quiet[52:, 1], loud[52:, 1] = 0.0, 1.0
    e0 = res.expected_purchases(26, panel=panel.with_covariates(quiet))
    e1 = res.expected_purchases(26, panel=panel.with_covariates(loud))
    assert np.all(e1 > e0)
    np.testing.assert_allclose(e1 / e0, np.exp(0.5), rtol=1e-12)        # campaign on purchases only
    np.testing.assert_allclose(res.p_alive(panel=panel.with_covariates(loud)), res.p_alive(), rtol=1e-14)


@pytest.mark.parametrize("model, truth", [("pnbd", PNBD), ("bgnbd", BG)])
def test_conditional_expectation_and_p_alive_match_simulation(model, truth):
    """At the true parameters the conditional expected holdout purchases and P(alive) are unbiased: summed over
    1,000 customers and 8 simulated worlds, actual minus expected stays within 3 standard errors."""
    cls = btyd.ParetoNBDTimeVarying if model == "pnbd" else btyd.BetaGeoTimeVarying
    gaps, alive_gaps = [], []
    for seed in range(8):
        panel, purchases, truth_frame = world(model, truth, n=1000, seed=10 + seed)
        m = cls(panel, purchase=["season", "campaign", "female"], dropout=["season", "female"])
        res = m.results_at(theta_of(m, truth))
        hold = purchases[(purchases["time"] > 52) & (purchases["time"] <= 78)].groupby("customer_id").size()
        gaps.append(hold.reindex(panel.customers).fillna(0).sum() - res.expected_purchases(26).sum())
        alive = truth_frame["dropout"].reindex(panel.customers) > 52
        alive_gaps.append(alive.sum() - res.p_alive().sum())
    for g in (np.array(gaps), np.array(alive_gaps)):
        assert abs(g.mean()) < 3 * g.std(ddof=1) / np.sqrt(g.size) + 1e-9


def test_new_customer_expectation_against_simulation():
    """E[X(t)] of a customer acquired at week 10 along the season path (both models) equals the mean of 4,000
    simulated customers within 3 standard errors."""
    for model, truth, cls in (("pnbd", PNBD, btyd.ParetoNBDTimeVarying), ("bgnbd", BG, btyd.BetaGeoTimeVarying)):
        panel = world(model, truth, n=300, seed=3)[0]
        res = cls(panel, purchase=["season", "campaign", "female"], dropout=["season", "female"]).results_at(
            theta_of(cls(panel, purchase=["season", "campaign", "female"], dropout=["season", "female"]), truth))
        expected = res.expected_purchases_new_customer(30, 10.0, static={"female": 1.0})
        n = 4000
        static = pd.DataFrame({"female": np.ones(n)}, index=pd.RangeIndex(n, name="customer_id"))
        sim, _ = btyd.simulate_time_varying(model, truth, np.full(n, 10.0), 40.0, panel.boundaries, panel.varying,
                                            static, columns=panel.varying_columns, seed=5)
        counts = sim.groupby("customer_id").size().reindex(range(n)).fillna(1) - 1
        assert abs(counts.mean() - expected) < 3 * counts.std() / np.sqrt(n)


# ---------------------------------------------------------------------- recovery and coverage
def test_one_world_recovers_its_time_varying_effects():
    panel = world("pnbd", PNBD, n=800, seed=21)[0]
    res = btyd.ParetoNBDTimeVarying(panel, purchase=["season", "campaign", "female"],
                                    dropout=["season", "female"]).fit()
    ci = res.conf_int(alpha=0.01)
    for k in ("purchase:season", "purchase:campaign", "purchase:female"):
        assert ci.loc[k, "lower"] < PNBD[k] < ci.loc[k, "upper"]
    assert abs(res.params["purchase:season"] - 0.7) < 0.1 and abs(res.params["purchase:campaign"] - 0.5) < 0.1


@pytest.mark.slow
@pytest.mark.parametrize("model, truth, cls", [("pnbd", PNBD, btyd.ParetoNBDTimeVarying),
                                               ("bgnbd", BG, btyd.BetaGeoTimeVarying)])
def test_coverage_of_the_time_varying_effects(model, truth, cls):
    """100 simulated worlds of 1,000 customers: the 95% Wald intervals of the time-varying purchase and dropout
    effects cover the truth in 89-99% of the worlds (binomial 99% band around 95%), and the estimates are
    unbiased within 3 standard errors of the mean."""
    reps = 100
    keys = ["purchase:season", "purchase:campaign", "dropout:season"]
    hits = {k: 0 for k in keys}
    est = {k: [] for k in keys}
    for rep in range(reps):
        panel = world(model, truth, n=1000, seed=1000 + rep)[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = cls(panel, purchase=["season", "campaign", "female"], dropout=["season", "female"]).fit()
        ci = res.conf_int()
        for k in keys:
            hits[k] += ci.loc[k, "lower"] <= truth[k] <= ci.loc[k, "upper"]
            est[k].append(res.params[k])
    print({k: hits[k] / reps for k in keys}, {k: (np.mean(est[k]), np.std(est[k], ddof=1)) for k in keys})
    for k in keys:
        assert 0.89 <= hits[k] / reps <= 0.99, (k, hits[k])
        e = np.array(est[k])
        assert abs(e.mean() - truth[k]) < 3 * e.std(ddof=1) / np.sqrt(reps), k


def test_a_dated_future_path_replaces_the_periods_after_the_calibration(apparel):
    """A covariate table dated from the week that starts at the calibration end replaces the panel's periods from then
    on: all-high-season weeks raise the expected purchases of every customer by exactly exp(0.72) per period in a
    model with the season on purchases only; the calibration (P(alive)) is untouched; a table that does not start
    on a period start is refused."""
    ds, panel, _ = apparel
    res = btyd.ParetoNBDTimeVarying(panel, purchase=["high_season"], dropout=[]).results_at([2.0, 120.0, 0.8, 60.0, 0.72])
    future = pd.DataFrame({"period_start": pd.date_range("2006-12-31", periods=30, freq="7D")})
    high, low = panel.with_covariates(future.assign(high_season=1)), panel.with_covariates(future.assign(high_season=0))
    np.testing.assert_allclose(res.expected_purchases(26, panel=high) / res.expected_purchases(26, panel=low),
                               np.exp(0.72), rtol=1e-12)
    np.testing.assert_allclose(res.p_alive(panel=high), res.p_alive(), rtol=1e-14)
    with pytest.raises(DataError, match="not the start of one of the panel's periods"):
        panel.with_covariates(future.assign(period_start=future["period_start"] + pd.Timedelta(days=2), high_season=1))
    with pytest.raises(DataError, match="after the last covariate period"):
        res.expected_purchases(40, panel=high)


def test_ridge_penalty_on_the_time_varying_effects(pnbd_world):
    """CLVTools' reg.lambdas on the dynamic-covariate model: a tiny penalty is the maximum-likelihood fit, a large
    one on the dropout process alone zeroes the dropout effects and leaves the purchase effects near theirs."""
    panel = pnbd_world[0]
    m = btyd.ParetoNBDTimeVarying(panel, purchase=["season", "female"], dropout=["season", "female"])
    mle = m.fit()
    np.testing.assert_allclose(m.fit(penalty=1e-10).params, mle.params, rtol=1e-4, atol=1e-6)
    pen = btyd.fit_penalized(m, {"dropout": 1e4})
    assert np.all(np.abs(pen.params[["dropout:season", "dropout:female"]]) < 1e-3)
    assert pen.params["purchase:season"] == pytest.approx(mle.params["purchase:season"], abs=0.05)


# ---------------------------------------------------------------------- data, persistence, errors
def test_panel_from_dates_matches_the_rfm_summary(apparel):
    ds, panel, _ = apparel
    s = btyd.rfm_summary(ds.transactions, freq="D", freq_multiplier=7, calibration_end=ds.meta["calibration_end"],
                         observation_end=ds.meta["observation_end"])
    ours = panel.summary()
    np.testing.assert_allclose(ours["frequency"], s["frequency"].reindex(ours.index))
    np.testing.assert_allclose(ours["recency"], s["recency"].reindex(ours.index), atol=1e-12)
    np.testing.assert_allclose(ours["T"], s["T"].reindex(ours.index), atol=1e-12)


def test_save_and_load_then_predict_with_the_panel(pnbd_world, tmp_path):
    panel = pnbd_world[0]
    res = btyd.ParetoNBDTimeVarying(panel, purchase=["season", "female"], dropout=["female"]).fit()
    back = btyd.load_results(res.save(tmp_path / "tv.json"))
    assert type(back) is type(res) and back.model is None
    pd.testing.assert_series_equal(back.params, res.params)
    pd.testing.assert_frame_equal(back.conf_int(), res.conf_int())
    pd.testing.assert_series_equal(back.expected_purchases(10, panel=panel), res.expected_purchases(10))
    with pytest.raises(ValueError, match="pass panel="):
        back.p_alive()


def test_bad_inputs_are_named(pnbd_world):
    panel = pnbd_world[0]
    with pytest.raises(ParameterError, match="unknown covariate"):
        btyd.ParetoNBDTimeVarying(panel, purchase=["price"])
    with pytest.raises(DataError, match="do not change"):
        btyd.ParetoNBDTimeVarying(panel.with_covariates(np.zeros_like(panel.varying)), purchase=["season"], dropout=[])
    tr = pd.DataFrame({"customer_id": ["a", "a", "b"], "date": ["2020-01-05", "2020-02-01", "2020-01-20"]})
    cov = pd.DataFrame({"period_start": pd.date_range("2020-01-12", periods=8, freq="7D"), "promo": [0, 1] * 4})
    with pytest.raises(DataError, match="before the first covariate period"):
        btyd.time_varying_panel(tr, "2020-02-20", cov, time_unit="week")
    with pytest.raises(DataError, match="after the last covariate period"):
        btyd.time_varying_panel(tr.iloc[1:], "2020-04-20", cov, time_unit="week")
    with pytest.raises(DataError, match="not numeric"):
        btyd.time_varying_panel(tr.iloc[1:], "2020-02-20", cov.assign(promo=["x"] * 8), time_unit="week")
