"""Regularized covariate models (CLVTools' reg.lambdas) and pooled segments: many small groups get shrunken
effects instead of a refusal, and predict a holdout better than separate fits or one pooled fit."""
import warnings

import numpy as np
import pandas as pd
import pytest

from relmkt_utils import btyd
from relmkt_utils.btyd import segments as sg
from relmkt_utils.core.errors import DataError, ParameterError
from relmkt_utils.core.optimize import numerical_gradient


def world(seed=0, H=52.0):
    """40 segments of a BG/NBD world: 10 with 150-400 customers, 30 with 5-29; segment g has
    alpha_g = 6 exp(-0.4 z), a_g = 0.8 exp(0.3 z'), b_g = 2.5 exp(0.3 z''), r = 0.7 for all; customers join in the
    first 26 weeks, the calibration ends at week 52 and the holdout runs H weeks more."""
    rng = np.random.default_rng(seed)
    sizes = np.r_[rng.integers(150, 401, 10), rng.integers(5, 30, 30)]
    k = sizes.size
    z = rng.normal(size=(3, k))
    alpha, a, b = 6.0 * np.exp(-0.4 * z[0]), 0.8 * np.exp(0.3 * z[1]), 2.5 * np.exp(0.3 * z[2])
    seg = np.repeat(np.arange(k), sizes)
    n = seg.size
    T = 52.0 - rng.uniform(0, 26, n)
    sim = btyd.simulate_bgnbd(n, 0.7, alpha[seg], a[seg], b[seg], T=T, seed=seed + 1)
    rng2 = np.random.default_rng(seed + 2)
    N = rng2.poisson(sim["lambda_"].to_numpy() * H)                     # holdout purchases of the unstopped process
    J = rng2.geometric(np.clip(sim["p"].to_numpy(), 1e-300, 1))        # purchases left until dropout (memoryless)
    hold = np.where(sim["alive"].to_numpy(), np.minimum(N, J), 0)
    summary = sim[["frequency", "recency", "T"]].copy()
    summary["segment"] = [f"s{g:02d}" for g in seg]
    truth = pd.DataFrame({"alpha": alpha, "a": a, "b": b, "customers": sizes}, index=[f"s{g:02d}" for g in range(k)])
    return summary, hold, truth


def holdout_errors(seed):
    """Segment-level and customer-level holdout errors of the three ways of handling the segments."""
    summary, hold, truth = world(seed)
    pooled = btyd.BetaGeo(summary["frequency"], summary["recency"], summary["T"]).fit()
    e_pool = np.asarray(pooled.expected_purchases(52))
    e_sep, failed = e_pool.copy(), 0
    for lev, res in btyd.separate_fits(summary, "segment").items():
        sel = (summary["segment"] == lev).to_numpy()
        with np.errstate(all="ignore"):
            e = None if res is None else np.asarray(res.expected_purchases(52, summary["frequency"][sel],
                                                                             summary["recency"][sel], summary["T"][sel]))
        if e is None or not np.all(np.isfinite(e)):
            failed += 1                                  # no repeat buyer, no convergence, or a boundary fit
        else:
            e_sep[sel] = e
    fit = btyd.segment_fit(summary, "segment")
    e_pen = fit.expected_purchases(52).to_numpy()
    frame = pd.DataFrame({"hold": hold, "segment": summary["segment"], "pooled": e_pool, "separate": e_sep,
                          "penalized": e_pen})
    means = frame.groupby("segment").mean(numeric_only=True)
    out = {"failed": failed, "lambda": fit.penalty if hasattr(fit, "penalty") else np.nan}
    for name in ("pooled", "separate", "penalized"):
        out[f"segment_mae_{name}"] = float(np.abs(means[name] - means["hold"]).mean())
        out[f"mse_{name}"] = float(np.mean((frame[name] - frame["hold"]) ** 2))
    return out, fit, truth


# ---------------------------------------------------------------------- regularized covariate models
def test_fit_penalized_is_clvtools_objective_and_shrinks():
    """fit_penalized minimizes CLVTools' -LL/N + lambda_P |g_P|^2 + lambda_L |g_L|^2 (interlayer_regularization):
    lambda -> 0 gives the maximum-likelihood fit, a large lambda the model without covariates."""
    rng = np.random.default_rng(2)
    cov = pd.DataFrame({"x1": rng.normal(size=2000), "x2": rng.binomial(1, 0.4, 2000).astype(float)})
    sim = btyd.simulate_with_covariates("pnbd", {"r": 0.6, "alpha": 5.0, "s": 0.8, "beta": 12.0,
                                                      "purchase:x1": 0.4, "dropout:x2": 0.7}, cov, cov, T=40.0, seed=3)
    m = btyd.ParetoNBDCovariates(sim["frequency"], sim["recency"], sim["T"], cov, cov)
    mle = m.fit()
    tiny = btyd.fit_penalized(m, 1e-10)
    np.testing.assert_allclose(tiny.params, mle.params, rtol=1e-4, atol=1e-6)
    pen = btyd.fit_penalized(m, {"purchase": 0.01, "dropout": 0.05})
    g = pen.params
    clv_objective = (-pen.llf / m.nobs + 0.01 * (g["purchase:x1"] ** 2 + g["purchase:x2"] ** 2)
                     + 0.05 * (g["dropout:x1"] ** 2 + g["dropout:x2"] ** 2))
    assert -pen.penalized_llf / m.nobs == pytest.approx(clv_objective, rel=1e-12)
    assert abs(g["purchase:x1"]) < abs(mle.params["purchase:x1"])
    huge = btyd.fit_penalized(m, 1e4)
    base = btyd.ParetoNBD(sim["frequency"], sim["recency"], sim["T"]).fit()
    np.testing.assert_allclose(huge.params.iloc[:4], base.params, rtol=2e-3)


def test_choose_penalty_by_cross_validation_and_by_validation_customers():
    rng = np.random.default_rng(4)
    n = 1500
    cov = pd.DataFrame({f"noise{j}": rng.normal(size=2 * n) for j in range(6)})
    sim = btyd.simulate_bgnbd(2 * n, 0.6, 5.0, 0.8, 2.5, T=40.0, seed=5)
    first, second = slice(0, n), slice(n, 2 * n)
    m = btyd.BetaGeoCovariates(sim["frequency"][first], sim["recency"][first], sim["T"][first], cov.iloc[first],
                               shared_dropout=True)
    cv = btyd.choose_penalty(m, grid=[1e-6, 1e-3, 1e-1], folds=4, seed=0)
    assert cv["best"].sum() == 1 and cv.index[cv["best"]][0] > 1e-6       # noise covariates: shrink
    val = btyd.BetaGeoCovariates(sim["frequency"][second], sim["recency"][second], sim["T"][second],
                                 cov.iloc[second].reset_index(drop=True), shared_dropout=True)
    out = btyd.choose_penalty(m, grid=[1e-6, 1e-3, 1e-1], validation=val)
    assert out.index[out["best"]][0] > 1e-6


# ---------------------------------------------------------------------- pooled segments
@pytest.mark.parametrize("model", ["bgnbd", "pnbd"])
def test_pooled_segments_gradient_and_hessian(model):
    summary = world(0)[0].sample(700, random_state=1)
    m = sg.PooledSegments(summary["frequency"], summary["recency"], summary["T"], summary["segment"], model=model)
    th = m.start_params()
    th[4:] = np.random.default_rng(1).normal(0, 0.2, th.size - 4)
    f, g, H = m._objective(th, 2)
    np.testing.assert_allclose(g, numerical_gradient(lambda t: m._objective(t, 0), th), rtol=1e-5, atol=1e-4)
    k = len(m.levels)
    for j in (0, 1, 2, 3, 4, 4 + 17, 4 + k + 3, th.size - 1):          # base, effects of several processes
        e = np.zeros(th.size)
        e[j] = 1e-5 * max(1.0, abs(th[j]))
        col = (m._objective(th + e, 1)[1] - m._objective(th - e, 1)[1]) / (2 * e[j])
        assert np.max(np.abs(H[:, j] - col)) < 1e-5 * np.max(np.abs(H)), j


def test_shrinkage_properties():
    """At the penalized optimum each process's effects sum to 0 (the base parameters describe the typical
    segment); small segments are pulled further to 0 than large ones; a huge penalty is the pooled fit."""
    summary, hold, truth = world(0)
    m = sg.PooledSegments(summary["frequency"], summary["recency"], summary["T"], summary["segment"])
    res = m.fit(0.003)
    assert res.converged
    eff = res.effects()
    np.testing.assert_allclose(eff.groupby("process")["effect"].sum(), 0.0, atol=1e-6)
    sep = btyd.separate_fits(summary, "segment")
    ratio = []
    for lev in truth.index:
        if sep[lev] is not None:
            own = np.log(sep[lev].params["alpha"] / res.params["alpha"])     # the separate fit's purchase effect, -log
            shrunk = -eff[(eff["segment"] == lev) & (eff["process"] == "purchase")]["effect"].iloc[0]
            ratio.append((truth.loc[lev, "customers"], abs(shrunk) / max(abs(own), 1e-9)))
    ratio = pd.DataFrame(ratio, columns=["customers", "kept"])
    assert ratio[ratio["customers"] >= 150]["kept"].median() > ratio[ratio["customers"] < 30]["kept"].median()
    huge = m.fit(1e3)
    pooled = btyd.BetaGeo(summary["frequency"], summary["recency"], summary["T"]).fit()
    np.testing.assert_allclose(huge.params.iloc[:4], pooled.params, rtol=1e-3)
    sp = res.segment_parameters()
    assert list(sp.columns) == ["r", "alpha", "a", "b", "customers"] and sp["customers"].sum() == len(summary)


def test_forty_segments_one_world():
    """One world (seed 0) of the 40-segment design: the penalty chosen by 5-fold cross-validation gives the lowest
    segment-level holdout error (mean over the 40 segments of |mean predicted - mean actual| holdout purchases per
    customer) and customer-level mean squared error, against one pooled BG/NBD and separate BG/NBDs per segment
    (those that fail - 17 of 40 here: no repeat buyer, no convergence or a boundary fit - use the pooled fit)."""
    out, fit, truth = holdout_errors(0)
    assert out["segment_mae_penalized"] < out["segment_mae_pooled"] < out["segment_mae_separate"]
    assert out["mse_penalized"] < min(out["mse_pooled"], out["mse_separate"])
    assert out["failed"] >= 10
    # the shrunken purchase scales are closer to the truth than the pooled one
    sp = fit.segment_parameters()
    err_pen = np.sqrt(np.mean((np.log(sp["alpha"]) - np.log(truth["alpha"])) ** 2))
    err_pool = np.sqrt(np.mean((np.log(fit.params["alpha"]) - np.log(truth["alpha"])) ** 2))
    assert err_pen < 0.75 * err_pool


@pytest.mark.slow
def test_forty_segments_ten_worlds():
    """Ten worlds of the 40-segment design (30 segments under 30 customers): averaged over the worlds, the
    penalized segments have the lowest segment-level holdout error and customer-level mean squared error; they
    beat the pooled fit on the segment error in at least 8 of the 10 worlds."""
    rows = [holdout_errors(10 * s)[0] for s in range(10)]
    t = pd.DataFrame(rows)
    mean = t.mean()
    print(t.to_string())
    print(mean.to_string())
    assert mean["segment_mae_penalized"] < min(mean["segment_mae_pooled"], mean["segment_mae_separate"])
    assert mean["mse_penalized"] < min(mean["mse_pooled"], mean["mse_separate"])
    assert (t["segment_mae_penalized"] < t["segment_mae_pooled"]).sum() >= 8


def test_segment_fit_checks():
    summary = world(0)[0]
    with pytest.raises(DataError, match="no column"):
        btyd.segment_fit(summary, "country")
    with pytest.raises(ParameterError, match="penalty must be"):
        btyd.segment_fit(summary, "segment", penalty="aic")
    m = sg.PooledSegments(summary["frequency"], summary["recency"], summary["T"], summary["segment"])
    with pytest.raises(ParameterError, match="must be > 0"):
        m.fit(0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = btyd.segment_fit(summary.iloc[:800], "segment", penalty=0.003)
    assert res.cv is None and res.converged
