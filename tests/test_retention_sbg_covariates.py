"""The sBG with time-invariant covariates: Fader & Hardie's (2007) two published cohorts as one model with a
dummy, the analytic gradient, predictions, recovery and coverage, the penalty, saving."""
import warnings

import numpy as np
import pandas as pd
import pytest

from relmkt_utils import btyd, retention
from relmkt_utils.core.errors import DataError, ParameterError
from relmkt_utils.core.optimize import numerical_gradient


@pytest.fixture(scope="module")
def fh2007():
    curves = {k: list(v[:8]) for k, v in retention.published.SURVIVORS.items()}      # years 0-7, the calibration
    cov = pd.DataFrame({"high_end": [0.0, 1.0]}, index=["regular", "high end"])
    return curves, cov


def customers(n=3000, seed=0, truth=(0.8, 2.0, 0.5, -0.4), T=8):
    """Customers with a standard normal covariate w, theta ~ Beta(alpha e^{a w}, beta e^{b w}), observed T periods."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=n)
    a, b = truth[0] * np.exp(truth[2] * w), truth[1] * np.exp(truth[3] * w)
    theta = rng.beta(a, b)
    life = rng.geometric(theta)                       # churn period 1, 2, ...
    churned = life <= T
    return np.where(churned, life, T), churned, pd.DataFrame({"w": w})


def test_fader_hardie_2007_cohorts_with_a_dummy(fh2007):
    """Fader & Hardie (2007), J. Interactive Marketing 21(1), the sBG fitted to years 0-7: regular alpha = 0.704,
    beta = 1.182; high end alpha = 0.668, beta = 3.806 (as printed). A high-end dummy on both shapes gives both
    cohorts exactly their own fits: base = regular, base x exp(coefficient) = high end, log-likelihood = the sum."""
    curves, cov = fh2007
    res = retention.ShiftedBetaGeometricCovariates.from_survivors(curves, cov).fit()
    p = res.params
    assert (round(p["alpha"], 3), round(p["beta"], 3)) == (0.704, 1.182)
    assert (round(p["alpha"] * np.exp(p["dropout_a:high_end"]), 3), round(p["beta"] * np.exp(p["dropout_b:high_end"]), 3)) \
        == (0.668, 3.806)
    separate = [retention.ShiftedBetaGeometric(curves[k]).fit() for k in ("regular", "high end")]
    assert res.llf == pytest.approx(sum(s.llf for s in separate), abs=1e-6)
    # the high-end cohort churns less: its mean churn is lower, its dropout_b coefficient positive (interval above 0)
    assert res.conf_int().loc["dropout_b:high_end", "lower"] > 0
    np.testing.assert_allclose(res.mean_churn(cov), [0.704 / 1.886, 0.668 / 4.474], atol=2e-3)
    # predictions at each row are the sBG's
    np.testing.assert_allclose(res.survival(cov, [1, 7, 12])[1], separate[1].survival([1, 7, 12]), rtol=1e-6)
    np.testing.assert_allclose(res.retention_rate(cov, [2, 5])[0], separate[0].retention_rate([2, 5]), rtol=1e-6)
    assert res.derl(cov, 0.1, 7)[0] == pytest.approx(separate[0].derl(0.1, 7), rel=1e-6)


def test_gradient_and_rows_equal_curves(fh2007):
    curves, cov = fh2007
    m = retention.ShiftedBetaGeometricCovariates.from_survivors(curves, cov)
    th = np.array([0.7, 1.2, -0.05, 1.1])
    np.testing.assert_allclose(m._objective(th, 1)[1], numerical_gradient(lambda t: m._objective(t, 0), th), rtol=1e-6)
    # one row per customer gives the same log-likelihood as the weighted rows of the curves
    rows, churned, labels = [], [], []
    for label, s in curves.items():
        s = np.asarray(s)
        for t in range(1, s.size):
            rows += [t] * int(s[t - 1] - s[t])
            churned += [True] * int(s[t - 1] - s[t])
            labels += [label] * int(s[t - 1] - s[t])
        rows += [s.size - 1] * int(s[-1])
        churned += [False] * int(s[-1])
        labels += [label] * int(s[-1])
    one = retention.ShiftedBetaGeometricCovariates(rows, churned, cov.loc[labels].reset_index(drop=True))
    assert one.loglike(th) == pytest.approx(m.loglike(th), rel=1e-12)


def test_recovery_penalty_and_saving(tmp_path):
    periods, churned, cov = customers()
    m = retention.ShiftedBetaGeometricCovariates(periods, churned, cov)
    res = m.fit()
    ci = res.conf_int(alpha=0.01)
    for k, v in zip(res.params.index, (0.8, 2.0, 0.5, -0.4)):
        assert ci.loc[k, "lower"] < v < ci.loc[k, "upper"], k
    strong = m.fit(penalty=1e4)
    assert np.all(np.abs(strong.params.iloc[2:]) < 1e-3) and strong.df_effective == pytest.approx(2.0, abs=0.01)
    back = btyd.load_results(res.save(tmp_path / "sbg.json"))
    np.testing.assert_allclose(back.survival(cov.iloc[:5], [3]), res.survival(cov.iloc[:5], [3]))
    with pytest.raises(ValueError, match="pass covariates"):
        back.survival(None, [3])


@pytest.mark.slow
def test_coverage():
    """200 simulated samples of 1,000 customers: the 95% intervals of both coefficients cover in 92-98%."""
    hits = np.zeros(2)
    reps = 200
    for rep in range(reps):
        periods, churned, cov = customers(n=1000, seed=100 + rep)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ci = retention.ShiftedBetaGeometricCovariates(periods, churned, cov).fit().conf_int()
        truth = np.array([0.5, -0.4])
        hits += (ci["lower"].iloc[2:].to_numpy() <= truth) & (truth <= ci["upper"].iloc[2:].to_numpy())
    print("sBG coverage", hits / reps)
    assert np.all((hits / reps >= 0.92) & (hits / reps <= 0.98)), hits


def test_bad_inputs(fh2007):
    curves, cov = fh2007
    with pytest.raises(DataError, match="whole numbers >= 1"):
        retention.ShiftedBetaGeometricCovariates([0, 2], [True, False], pd.DataFrame({"w": [0.0, 1.0]}))
    with pytest.raises(DataError, match="no row for cohort"):
        retention.ShiftedBetaGeometricCovariates.from_survivors({**curves, "new": [10, 5]}, cov)
    with pytest.raises(DataError, match="never increase"):
        retention.ShiftedBetaGeometricCovariates.from_survivors({"regular": [10, 12]}, cov)
    with pytest.raises(ParameterError, match="covariates must be"):
        retention.ShiftedBetaGeometricCovariates([1, 2], [True, False], [[0.0], [1.0]])
