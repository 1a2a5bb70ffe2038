"""Blattberg & Deighton (1996) customer equity test: closed-form optimum, estimation, intervals."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from relmkt_utils.core.errors import ParameterError
from relmkt_utils.retention import (ResponseCurves, customer_equity_per_prospect, equity_surface, fit_response_curves,
                                    optimal_spend, simulate_spend_table)

# The synthetic world's defaults (relmkt_utils/data/synthetic/truth.py, section "spend"): monthly periods.
TRUTH = {"ceiling_a": 0.08, "k_a": 0.5, "ceiling_r": 0.92, "k_r": 0.4}
MARGIN, RATE = 12.0, 0.007974140428
CURVES = ResponseCurves.from_mapping(TRUTH)

CASES = [
    (CURVES, MARGIN, RATE),                                  # interior optimum
    (ResponseCurves(0.3, 0.2, 0.7, 0.05), 100.0, 0.10),      # interior, annual
    (ResponseCurves(0.5, 1.0, 0.5, 0.1), 5.0, 0.10),         # no retention spend pays: R* = 0, A* = ln 2.5
    (ResponseCurves(0.1, 1.0, 0.5, 0.1), 5.0, 0.10),         # nothing pays: A* = R* = 0
]


def brute_force_optimum(curves, m, d):
    """Grid search over (A, R) for CE(A, R), then Nelder-Mead from the best grid point (box-clipped)."""
    A = np.linspace(0, 2 * m, 801)
    R = np.linspace(0, m, 801)
    Z = customer_equity_per_prospect(A[None, :], R[:, None], curves, m, d)
    j, k = np.unravel_index(np.argmax(Z), Z.shape)
    f = lambda x: -customer_equity_per_prospect(max(x[0], 0), max(x[1], 0), curves, m, d)
    res = optimize.minimize(f, [A[k], R[j]], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 5000})
    return max(res.x[0], 0), max(res.x[1], 0), -res.fun


@pytest.mark.parametrize("curves,m,d", CASES)
def test_closed_form_equals_brute_force_optimum(curves, m, d):
    opt = optimal_spend(curves, m, d)
    A, R, ce = brute_force_optimum(curves, m, d)
    assert opt.method == "closed_form"
    assert opt.acquisition_spend == pytest.approx(A, abs=1e-5)
    assert opt.retention_spend == pytest.approx(R, abs=1e-5)
    assert opt.equity_per_prospect == pytest.approx(ce, abs=1e-10)
    num = optimal_spend(curves, m, d, method="numeric")
    assert num.acquisition_spend == pytest.approx(opt.acquisition_spend, abs=1e-6)
    assert num.retention_spend == pytest.approx(opt.retention_spend, abs=1e-6)


def test_corner_cases_and_closed_form_pieces():
    c = ResponseCurves(0.5, 1.0, 0.5, 0.1)
    opt = optimal_spend(c, 5.0, 0.1)
    assert opt.retention_spend == 0.0 and opt.acquisition_spend == pytest.approx(np.log(2.5))
    assert opt.equity_per_prospect == pytest.approx(0.5 * 5 - 1 - np.log(2.5))   # CE* = c_a V - 1/k_a - A*
    assert optimal_spend(ResponseCurves(0.1, 1.0, 0.5, 0.1), 5.0, 0.1).acquisition_spend == 0.0


def test_first_order_condition_holds_also_for_huge_lambert_argument():
    # k_r M ~ 1100: the Lambert W argument exp(1100) overflows a float; the log-space branch is used
    c = ResponseCurves(0.05, 0.3, 0.9, 1.0)
    m, d = 1000.0, 0.1
    opt = optimal_spend(c, m, d)
    R = opt.retention_spend
    rprime = 0.9 * 1.0 * np.exp(-R)
    assert rprime * (m * (1 + d) - R) == pytest.approx(1 + d - c.retention_rate(R), rel=1e-8)
    assert opt.retention_spend == pytest.approx(optimal_spend(c, m, d, method="numeric").retention_spend, abs=1e-5)


def test_truth_optimum_values():
    opt = optimal_spend(CURVES, MARGIN, RATE)
    assert opt.acquisition_spend == pytest.approx(0.71833, abs=1e-5)
    assert opt.retention_spend == pytest.approx(6.44592, abs=1e-5)
    assert opt.retention_rate == pytest.approx(0.85017, abs=1e-5)
    assert opt.equity_per_prospect == pytest.approx(0.145936, abs=1e-6)


def test_equity_surface_peaks_at_the_optimum():
    opt = optimal_spend(CURVES, MARGIN, RATE)
    surf = equity_surface(CURVES, MARGIN, RATE, n=81)
    j, k = np.unravel_index(np.argmax(surf.to_numpy()), surf.shape)
    dA = np.diff(surf.columns.to_numpy())[0]
    dR = np.diff(surf.index.to_numpy())[0]
    assert abs(surf.columns[k] - opt.acquisition_spend) <= dA
    assert abs(surf.index[j] - opt.retention_spend) <= dR
    assert surf.to_numpy().max() <= opt.equity_per_prospect + 1e-12


def test_simulator_is_seeded_and_consistent():
    a = simulate_spend_table(TRUTH, 24, seed=3)
    b = simulate_spend_table(TRUTH, 24, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(simulate_spend_table(TRUTH, 24, seed=4))
    assert list(a.columns) == ["period", "acquisition_spend", "retention_spend", "prospects", "new_customers",
                               "customers_at_start", "retained_customers"]
    assert (a["customers_at_start"].iloc[1:].to_numpy() ==
            (a["retained_customers"] + a["new_customers"]).iloc[:-1].to_numpy()).all()
    A = a["acquisition_spend"] / a["prospects"]
    assert A.between(0.5 - 1e-3, 8.0 + 1e-3).all()


@pytest.fixture(scope="module")
def fitted():
    return fit_response_curves(simulate_spend_table(TRUTH, 24, seed=2024))


def test_fitted_intervals_cover_the_truth(fitted):
    ci = fitted.conf_int()
    for k, v in TRUTH.items():
        assert ci.loc[k, "lower"] < v < ci.loc[k, "upper"], k
    assert (fitted.bse > 0).all()
    assert "ceiling_a" in str(fitted.summary())


def test_optimum_interval_covers_true_optimum(fitted):
    true = optimal_spend(CURVES, MARGIN, RATE)
    for method, kw in (("delta", {}), ("bootstrap", {"n_boot": 60, "seed": 1})):
        ci = fitted.optimum_conf_int(MARGIN, RATE, method=method, **kw)
        assert ci.loc["acquisition_spend", "lower"] < true.acquisition_spend < ci.loc["acquisition_spend", "upper"]
        assert ci.loc["retention_spend", "lower"] < true.retention_spend < ci.loc["retention_spend", "upper"]
        assert ci.loc["equity_per_prospect", "lower"] < true.equity_per_prospect < ci.loc["equity_per_prospect", "upper"]
    est = fitted.optimum(MARGIN, RATE)
    assert ci.loc["retention_spend", "estimate"] == pytest.approx(est.retention_spend)


def test_bad_spend_table_is_a_clear_error():
    with pytest.raises(ParameterError, match="lacks"):
        fit_response_curves(pd.DataFrame({"period": [0, 1, 2]}))
    bad = simulate_spend_table(TRUTH, 5, seed=0)
    bad.loc[0, "new_customers"] = bad.loc[0, "prospects"] + 1
    with pytest.raises(ParameterError, match="new_customers"):
        fit_response_curves(bad)
    with pytest.raises(ParameterError):
        ResponseCurves(1.2, 0.5, 0.9, 0.4)


def _coverage(n_rep, overdispersion):
    truth = pd.Series(TRUTH)
    true = optimal_spend(CURVES, MARGIN, RATE)
    tv = np.array([true.acquisition_spend, true.retention_spend, true.equity_per_prospect])
    p_hits, o_hits = [], []
    for s in range(n_rep):
        f = fit_response_curves(simulate_spend_table(TRUTH, 24, seed=10_000 + s, overdispersion=overdispersion))
        ci = f.conf_int().loc[truth.index]
        p_hits.append(((ci["lower"] <= truth) & (truth <= ci["upper"])).to_numpy())
        oc = f.optimum_conf_int(MARGIN, RATE).iloc[:3]
        o_hits.append((oc["lower"].to_numpy() <= tv) & (tv <= oc["upper"].to_numpy()))
    return np.mean(p_hits, axis=0), np.mean(o_hits, axis=0)


@pytest.mark.slow
@pytest.mark.parametrize("overdispersion", [0.0, 0.001])
def test_coverage_of_parameter_and_optimum_intervals(overdispersion):
    """95% intervals over 300 seeded spend tables: coverage within [0.90, 0.99] (binomial sd ~ 1.3 points)."""
    p_cov, o_cov = _coverage(300, overdispersion)
    print(f"overdispersion={overdispersion}: parameter coverage {np.round(p_cov, 3)}, optimum coverage {np.round(o_cov, 3)}")
    assert np.all((p_cov >= 0.90) & (p_cov <= 0.99))
    assert np.all((o_cov >= 0.88) & (o_cov <= 0.99))
