"""Model-checking tables and figures."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from relmkt_utils.btyd import (BetaGeo, ParetoNBD, ParetoNBDResults, calibration_vs_holdout, expected_purchases_matrix, p_alive_matrix,
                               repeat_transactions_over_time, rfm_summary, simulate_transactions)
from relmkt_utils.plots import btyd as pb


@pytest.fixture(scope="module")
def world():
    tx = simulate_transactions(3000, r=0.6, alpha=40.0, a=0.8, b=3.0, start="2020-01-01", end="2021-06-30",
                               acquisition_days=84, seed=4)
    s = rfm_summary(tx, freq="W", calibration_end="2020-12-31")
    res = BetaGeo(s.frequency, s.recency, s["T"]).fit()
    return tx, s, res


def test_repeat_transactions_table(world):
    tx, s, res = world
    t = repeat_transactions_over_time(tx, res, freq="W", calibration_end="2020-12-31")
    full = rfm_summary(tx, freq="W")
    assert t["actual_cum"].iloc[-1] == full["frequency"].sum()  # same merging rules as rfm_summary
    assert np.allclose(t["actual_cum"], t["actual"].cumsum()) and np.allclose(t["model_cum"], t["model"].cumsum())
    assert (t["model"] >= 0).all() and t["model"].iloc[0] == 0
    cal = t[t["calibration"]]
    # in calibration the cumulative model total equals the sum of E[X(T_i)] over customers
    assert cal["model_cum"].iloc[-1] == pytest.approx(float(np.sum(res.expected_purchases_new_customer(s["T"].to_numpy()))), rel=1e-9)
    # the model tracks the data it was simulated from
    assert t["model_cum"].iloc[-1] == pytest.approx(t["actual_cum"].iloc[-1], rel=0.1)
    assert t["calibration"].iloc[0] and not t["calibration"].iloc[-1]


def test_calibration_vs_holdout_table(world):
    tx, s, res = world
    tab = calibration_vs_holdout(s, res, max_frequency=5)
    assert list(tab.index) == [0, 1, 2, 3, 4, 5]
    assert tab["n_customers"].sum() == len(s)
    assert tab["actual"].iloc[0] == pytest.approx(s.loc[s.frequency == 0, "frequency_holdout"].mean())
    assert tab["model"].is_monotonic_increasing
    assert np.allclose(tab["model"], tab["actual"], rtol=0.35, atol=0.1)
    with pytest.raises(ValueError, match="lacks columns"):
        calibration_vs_holdout(s.drop(columns="duration_holdout"), res)


def test_matrices(world):
    _, s, res = world
    pa = p_alive_matrix(res, T=40, max_frequency=6)
    assert pa.shape == (7, 41)
    assert (pa.loc[0, 0.0] == 1.0) and pa.loc[0].iloc[1:].isna().all()
    vals = pa.to_numpy()[1:]
    assert ((vals >= 0) & (vals <= 1)).all()
    assert (np.diff(vals, axis=1) >= -1e-12).all()  # more recent last purchase -> more likely alive
    ep = expected_purchases_matrix(res, t=10, T=40, max_frequency=6)
    assert (np.diff(ep.to_numpy()[1:], axis=1) >= -1e-12).all()
    assert ep.loc[6, 40.0] > ep.loc[1, 40.0]
    # a Pareto/NBD as fitted to such data (beta >> alpha: its 2F1 terms need the z -> 1 formula)
    pn = ParetoNBDResults(model=ParetoNBD(s.frequency, s.recency, s["T"]), params=pd.Series(
        {"r": 1.411, "alpha": 18.27, "s": 18.38, "beta": 1038.0}), cov_params_log=pd.DataFrame(), llf=0.0, nobs=1.0)
    pa2 = p_alive_matrix(pn, T=40, max_frequency=3)
    inner = pa2.to_numpy()[1:]
    assert ((inner[:, :-1] > 0) & (inner[:, :-1] < 1)).all()
    assert np.allclose(inner[:, -1], 1.0)  # a purchase at t_x = T: certainly alive at T
    assert pa2.loc[0, 0.0] < 1.0  # unlike the BG/NBD, a Pareto/NBD customer can die before a repeat purchase


def test_plots_have_titles_and_labels(world):
    tx, s, res = world
    t = repeat_transactions_over_time(tx, res, freq="W", calibration_end="2020-12-31")
    axes = [
        pb.plot_repeat_transactions(t),
        pb.plot_repeat_transactions(t, cumulative=False),
        pb.plot_calibration_holdout(calibration_vs_holdout(s, res)),
        pb.plot_p_alive_matrix(p_alive_matrix(res, T=40, max_frequency=5), T=40),
        pb.plot_expected_purchases_matrix(expected_purchases_matrix(res, 10, 40, max_frequency=5), t=10),
    ]
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert "(" in ax.get_ylabel()  # units
        assert ax.lines or ax.collections
    assert axes[0].get_legend() is not None
    plt.close("all")


def test_repeat_transactions_in_weeks_measured_in_days():
    """freq="D", freq_multiplier=7 (the paper's CDNOW convention): weekly rows, the model evaluated in weeks."""
    from relmkt_utils.data import datasets
    tx = datasets.load("cdnow_sample").transactions
    s = rfm_summary(tx, freq="D", freq_multiplier=7, calibration_end="1997-09-30")
    res = BetaGeo(s.frequency, s.recency, s["T"]).fit()
    weekly = repeat_transactions_over_time(tx, res, freq="D", freq_multiplier=7, calibration_end="1997-09-30")
    unitless = BetaGeo(s.frequency.to_numpy(), s.recency.to_numpy(), s["T"].to_numpy()).results_at(res.params)
    daily = repeat_transactions_over_time(tx, unitless, freq="D", freq_multiplier=1, calibration_end="1997-09-30")
    assert len(weekly) == 78 and weekly.index[1] - weekly.index[0] == pd.Timedelta(days=7)
    assert np.array_equal(weekly["actual_cum"], daily["actual_cum"].to_numpy()[6::7])
    assert weekly["calibration"].sum() == 39  # 1997-01-01 + 39 weeks - 1 day = 1997-09-30
    cal_end = weekly[weekly["calibration"]]["model_cum"].iloc[-1]
    assert cal_end == pytest.approx(float(np.sum(res.expected_purchases_new_customer(s["T"].to_numpy()))), rel=1e-9)
    # FHL 2005 (Figure 2): the BG/NBD tracks the cumulative repeat sales through the 39-week holdout too
    assert weekly["model_cum"].iloc[-1] == pytest.approx(weekly["actual_cum"].iloc[-1], rel=0.05)
    with pytest.raises(ValueError, match="freq_multiplier"):
        repeat_transactions_over_time(tx, res, freq="D", freq_multiplier=1.5)
