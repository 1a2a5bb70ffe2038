"""The model checks Lifetimes users know: period-transactions histogram with its chi-square, tracking MAPE,
the summary table, P(alive) history of one customer, the Gamma-Gamma independence check, and their figures."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from relmkt_utils import btyd
from relmkt_utils.btyd.distributions import bgnbd_pmf
from relmkt_utils.core.errors import DataError, ParameterError
from relmkt_utils.data import datasets
from relmkt_utils.plots import btyd as pb


@pytest.fixture(scope="module")
def cdnow():
    tx = datasets.load("cdnow_sample").transactions
    s = btyd.rfm_summary(tx, freq="D", freq_multiplier=7, calibration_end="1997-09-30")
    bg = btyd.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
    return tx, s, bg


def test_period_transactions_on_cdnow(cdnow):
    tx, s, bg = cdnow
    h = btyd.period_transactions(bg)
    # the CDNOW calibration counts (Fader, Hardie & Lee 2007, "Creating a fit histogram for the BG/NBD model")
    assert h["actual"].tolist() == [1411, 439, 214, 100, 62, 38, 29, 64]
    assert h["label"].tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert h["model"].sum() == pytest.approx(len(s), rel=1e-12)
    T = s["T"].to_numpy()
    for n in range(7):
        assert h.loc[n, "model"] == pytest.approx(bgnbd_pmf(T, n, *bg.params).sum(), rel=1e-10)
    chi = btyd.chi_square_fit(h)
    assert chi["df"] == 8 - 1 - 4 and chi["cells"] == 8
    assert chi["statistic"] == pytest.approx(((h["actual"] - h["model"]) ** 2 / h["model"]).sum())
    assert chi["pvalue"] > 0.05          # the BG/NBD fits the CDNOW histogram
    assert "3 df" in chi["sentence"]


def test_histogram_mean_is_the_expected_number_of_purchases(cdnow):
    """With many cells, sum_n n E_n = sum_i E[X(T_i)] (FHL 2005, eq. 7): the pmf and the mean agree."""
    _, s, bg = cdnow
    h = btyd.period_transactions(bg, max_frequency=400)
    mean = (h.index[:-1].to_numpy() * h["model"].to_numpy()[:-1]).sum()
    assert h["model"].iloc[-1] < 1e-3
    assert mean == pytest.approx(float(np.sum(bg.expected_purchases_new_customer(s["T"].to_numpy()))), rel=1e-4)


def test_period_transactions_at_the_truth_of_a_simulated_world():
    """Simulated BG/NBD customers: the histogram at the true parameters passes its chi-square; a
    Pareto/NBD (pmf from btyd.distributions) also gives a histogram summing to the customers."""
    sim = btyd.simulate_bgnbd(20000, 0.5, 5.0, 0.8, 2.5, T=np.random.default_rng(3).uniform(20, 52, 20000), seed=4)
    res = btyd.BetaGeo(sim["frequency"], sim["recency"], sim["T"]).results_at([0.5, 5.0, 0.8, 2.5])
    h = btyd.period_transactions(res, max_frequency=10)
    assert btyd.chi_square_fit(h, n_params=0)["pvalue"] > 0.01
    wrong = btyd.BetaGeo(sim["frequency"], sim["recency"], sim["T"]).results_at([0.5, 3.0, 0.8, 2.5])
    assert btyd.chi_square_fit(btyd.period_transactions(wrong, 10), n_params=0)["pvalue"] < 1e-6
    pn = btyd.ParetoNBD(sim["frequency"], sim["recency"], sim["T"]).results_at([0.5, 5.0, 0.8, 10.0])
    assert btyd.period_transactions(pn)["model"].sum() == pytest.approx(20000)


def test_chi_square_pools_cells_with_small_expectations():
    t = pd.DataFrame({"actual": [50, 30, 10, 4, 3, 3], "model": [52.0, 28.0, 11.0, 3.0, 2.0, 4.0]})
    c = btyd.chi_square_fit(t, n_params=1)
    # from the tail: expected 4 (< 5) + 2 -> 6 >= 5 (observed 3 + 3); then 3 (< 5) + 11 -> 14 (observed 4 + 10);
    # then 28 and 52 alone
    O, E = np.array([50, 30, 14, 6]), np.array([52.0, 28.0, 14.0, 6.0])
    assert c["cells"] == 4 and c["df"] == 2
    assert c["statistic"] == pytest.approx(((O - E) ** 2 / E).sum())
    assert c["pvalue"] == pytest.approx(stats.chi2.sf(c["statistic"], 2))
    few = btyd.chi_square_fit(t, n_params=4)
    assert np.isnan(few["pvalue"]) and "too few cells" in few["sentence"]


def test_tracking_mape_and_summary(cdnow):
    tx, s, bg = cdnow
    t = pd.DataFrame({"actual": [0.0, 10, 20, 10], "model": [1.0, 12, 15, 10], "calibration": [True, True, False, False]})
    t["actual_cum"], t["model_cum"] = t["actual"].cumsum(), t["model"].cumsum()
    m = btyd.tracking_mape(t).set_index(["curve", "period"])
    assert m.loc[("incremental", "calibration"), "mape_pct"] == pytest.approx(20.0)   # the 0 period is skipped
    assert m.loc[("incremental", "calibration"), "n_periods"] == 1
    assert m.loc[("incremental", "holdout"), "mape_pct"] == pytest.approx(12.5)
    assert m.loc[("cumulative", "holdout"), "mape_pct"] == pytest.approx(100 * (2 / 30 + 2 / 40) / 2)
    rt = btyd.repeat_transactions_over_time(tx, bg, freq="D", freq_multiplier=7, calibration_end="1997-09-30")
    summ = btyd.model_check_summary(btyd.period_transactions(bg), rt)
    assert list(summ.columns) == ["check", "value", "df", "p_value", "detail"] and len(summ) == 5
    mape = summ.set_index("check")["value"]
    # FHL 2005, Figure 2: the BG/NBD tracks CDNOW's cumulative repeat transactions closely in the holdout
    assert mape["cumulative repeat transactions, holdout: MAPE (%)"] < 5
    assert btyd.model_check_summary(tracking=rt).shape[0] == 4


def test_p_alive_history_ends_at_the_summary(cdnow):
    tx, s, bg = cdnow
    cid = s.index[s["frequency"] >= 4][0]
    h = btyd.p_alive_history(tx, bg, cid, freq="D", freq_multiplier=7, observation_end="1997-09-30")
    last = h.iloc[-1]
    assert (last["frequency"], last["recency"], last["T"]) == pytest.approx(tuple(s.loc[cid, ["frequency", "recency", "T"]]))
    assert last["p_alive"] == pytest.approx(float(bg.p_alive().loc[cid]), rel=1e-12)
    assert h["purchase"].sum() == s.loc[cid, "frequency"] + 1 and h["purchase"].iloc[0]
    p = h["p_alive"].to_numpy()
    buy = h["purchase"].to_numpy()
    between = ~buy[1:]
    assert (np.diff(p)[between] <= 1e-12).all()          # P(alive) decays while she stays away
    assert (h.index[1:] - h.index[:-1] == pd.Timedelta(days=1)).all()
    with pytest.raises(DataError, match="no transaction"):
        btyd.p_alive_history(tx, bg, "nobody", freq="D", freq_multiplier=7)
    with pytest.raises(ParameterError, match="freq"):
        btyd.p_alive_history(tx, bg, cid, freq="M")


def test_p_alive_history_with_covariates():
    txs = btyd.simulate_transactions(600, r=0.6, alpha=40.0, a=0.8, b=3.0, start="2020-01-01", end="2020-12-31", seed=2)
    s = btyd.rfm_summary(txs, freq="D", freq_multiplier=7)
    z = pd.DataFrame({"z": np.random.default_rng(1).normal(size=len(s))}, index=s.index)
    res = btyd.BetaGeoCovariates(s["frequency"], s["recency"], s["T"], purchase_covariates=z).fit()
    cid = s.index[s["frequency"] >= 2][0]
    h = btyd.p_alive_history(txs, res, cid, freq="D", freq_multiplier=7)
    assert h["p_alive"].iloc[-1] == pytest.approx(float(res.p_alive().loc[cid]), rel=1e-12)


def test_gamma_gamma_independence_check(cdnow):
    _, s, _ = cdnow
    c = btyd.spend_frequency_check(s).iloc[0]
    # Fader, Hardie & Lee (2005, JMR): correlation of 0.11 between frequency and average spend on CDNOW
    assert c["n"] == 946 and round(c["correlation"], 2) == 0.11
    assert c["lower"] < c["correlation"] < c["upper"]
    se = 1 / np.sqrt(946 - 3)
    assert c["lower"] == pytest.approx(np.tanh(np.arctanh(c["correlation"]) - 1.959964 * se), rel=1e-6)
    assert "fair approximation" in c["sentence"]
    sp = btyd.spend_frequency_check(s, method="spearman", alpha=0.1).iloc[0]
    assert sp["method"] == "spearman" and "90% CI" in sp["sentence"]
    # independent spend: the interval contains 0; spend rising with frequency: too strong
    x = btyd.simulate_bgnbd(3000, 0.6, 4.0, 0.8, 2.5, T=52.0, seed=1)["frequency"].to_numpy()
    g = btyd.simulate_gammagamma(x, 6.0, 4.0, 15.0, seed=2)
    ind = btyd.spend_frequency_check(g).iloc[0]
    assert ind["lower"] <= 0 <= ind["upper"] and "consistent with the independence" in ind["sentence"]
    dep = btyd.spend_frequency_check(g.assign(monetary_value=g["monetary_value"] * (1 + g["frequency"]))).iloc[0]
    assert dep["lower"] > 0.3 and "too strong" in dep["sentence"]
    with pytest.raises(DataError, match="at least 4"):
        btyd.spend_frequency_check(s.iloc[:3])


def _outside_legend(ax):
    leg = ax.get_legend()
    assert leg is not None
    ax.figure.canvas.draw()
    return leg.get_window_extent().x0 >= ax.get_window_extent().x1 - 1


def test_figures_have_titles_units_and_legends_off_the_data(cdnow):
    tx, s, bg = cdnow
    h = btyd.period_transactions(bg)
    cid = s.index[s["frequency"] >= 4][0]
    hist = btyd.p_alive_history(tx, bg, cid, freq="D", freq_multiplier=7)
    rep = s[s["frequency"] > 0]
    gg = btyd.GammaGamma(rep["frequency"], rep["monetary_value"]).fit()
    val = btyd.customer_value(bg, gg, s, n_boot=10, method="normal")
    axes = [pb.plot_period_transactions(h),
            pb.plot_p_alive_history(hist, customer=cid, calibration_end="1997-09-30"),
            pb.plot_spend_frequency(s, btyd.spend_frequency_check(s), currency="USD"),
            pb.plot_customer_value(val, top=15, currency="USD")]
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert "(" in ax.get_ylabel() or "(" in ax.get_xlabel()
        assert _outside_legend(ax)
    assert [t.get_text() for t in axes[0].get_xticklabels()][-1] == "7+"
    assert len(axes[3].get_yticklabels()) == 15
    plt.close("all")


def test_period_transactions_of_the_discrete_bgbb():
    """The BG/BB (discrete opportunities, weighted patterns): the histogram uses its pmf P(X(n) = x)
    at each pattern's number of opportunities and the pattern weights."""
    don = datasets.load("donations").extras["bgbb_summary"]
    res = btyd.BetaGeoBetaBinom(don["frequency"], don["recency"], don["n_periods"], weights=don["donors"]).fit()
    h = btyd.period_transactions(res, max_frequency=6)
    assert h["actual"].sum() == don["donors"].sum() == pytest.approx(h["model"].sum())
    assert h.loc[0, "actual"] == don.loc[don["frequency"] == 0, "donors"].sum()
    n = don["n_periods"].to_numpy()
    assert h.loc[2, "model"] == pytest.approx(float(don["donors"].to_numpy() @ res.pmf(n, 2)), rel=1e-10)
