"""Time travels with the data (issue 22): a summary records its period, models and results keep it, and
no prediction has a time unit of its own. Also the week/day/month invariance of the CLV and the DERT
rate convention."""
import numpy as np
import pandas as pd
import pytest

from relmkt_utils import btyd
from relmkt_utils.core.errors import DataError
from relmkt_utils.core.time import Period, time_unit
from relmkt_utils.data import datasets

CAL = "1997-09-30"


@pytest.fixture(scope="module")
def cdnow():
    tx = datasets.load("cdnow_sample").transactions
    s = btyd.rfm_summary(tx, freq="D", freq_multiplier=7, calibration_end=CAL)
    return tx, s, btyd.BetaGeo.from_summary(s).fit()


def test_the_summary_records_its_period_and_keeps_it(cdnow, tmp_path):
    tx, s, _ = cdnow
    assert s.attrs == {"freq": "D", "freq_multiplier": 7.0, "time_unit": time_unit("week")}
    assert s["frequency"].attrs["time_unit"] == time_unit("week")          # pandas hands attrs to the columns
    assert btyd.rfm_summary(tx, freq="W").attrs["time_unit"].name == "week"  # calendar weeks: a week too
    assert btyd.rfm_summary(tx, freq="D").attrs["time_unit"].name == "day"
    month = btyd.rfm_summary(tx, freq="D", freq_multiplier=365.25 / 12)
    assert month.attrs["time_unit"] == time_unit("month")
    assert btyd.compress_summary(s).attrs == s.attrs
    assert btyd.rfm_summary(tx, freq="D", freq_multiplier=7, compress=True).attrs == s.attrs
    assert s[s["frequency"] > 0].attrs == s.attrs
    # written to Parquet and read back, the period is still there (the unit as a [name, days] pair)
    s.to_parquet(tmp_path / "s.parquet")
    back = pd.read_parquet(tmp_path / "s.parquet")
    assert Period.of_attrs(back.attrs) == Period("D", 7)
    assert btyd.BetaGeo.from_summary(back).time_unit == time_unit("week")


def test_the_duckdb_summary_records_its_period(tmp_path):
    pytest.importorskip("duckdb")
    tx = datasets.load("cdnow_sample").transactions
    tx.to_parquet(tmp_path / "log.parquet")
    s = btyd.rfm_summary(tmp_path / "log.parquet", freq="D", freq_multiplier=7, calibration_end=CAL)
    assert s.attrs["time_unit"] == time_unit("week") and s.attrs["freq"] == "D"
    assert btyd.rfm_summary(tmp_path / "log.parquet", freq="W", compress=True).attrs["freq"] == "W"


def test_models_and_results_take_the_unit_from_the_summary(cdnow, tmp_path):
    tx, s, bg = cdnow
    assert bg.time_unit == time_unit("week") and bg.period == Period("D", 7)
    assert btyd.BetaGeo(s["frequency"], s["recency"], s["T"]).time_unit.name == "week"     # from the columns
    assert btyd.fit_model("pnbd", s).time_unit.name == "week"
    assert btyd.BetaGeo.from_summary(s, time_unit="week").time_unit.name == "week"          # agreeing is fine
    with pytest.raises(DataError, match="contradicts the summary's time unit"):
        btyd.BetaGeo.from_summary(s, time_unit="day")
    # the results keep it through save and load
    back = btyd.load_results(bg.save(tmp_path / "bg.json"))
    assert back.period == bg.period and back.time_unit.name == "week"
    x, tx_, T = (s[c].to_numpy() for c in ("frequency", "recency", "T"))
    np.testing.assert_array_equal(back.clv(10.0, frequency=x, recency=tx_, T=T), bg.clv(10.0))


def test_no_unit_no_calendar_conversion(cdnow):
    """A model of bare arrays: predictions in periods work, calendar ones ask for time_unit=."""
    _, s, bg = cdnow
    x, tx, T = (s[c].to_numpy() for c in ("frequency", "recency", "T"))
    bare = btyd.BetaGeo(x, tx, T).results_at(bg.params)
    assert bare.time_unit is None
    np.testing.assert_allclose(bare.expected_purchases(10), bg.expected_purchases(10))
    for call in (lambda: bare.clv(10.0), lambda: bare.dert(0.1),
                 lambda: btyd.customer_value(bare, 10.0, pd.DataFrame({"frequency": x, "recency": tx, "T": T}), n_boot=2)):
        with pytest.raises(DataError, match="time_unit="):
            call()
    np.testing.assert_allclose(bare.clv(10.0, time_unit="week"), bg.clv(10.0))
    # an explicit unit that contradicts the model's
    for call in (lambda: bg.clv(10.0, time_unit="day"), lambda: bg.dert(0.1, "month"),
                 lambda: btyd.customer_value(bg, 10.0, s, n_boot=2, time_unit="day")):
        with pytest.raises(DataError, match="contradicts the model's time unit"):
            call()
    days = btyd.rfm_summary(datasets.load("cdnow_sample").transactions, freq="D", calibration_end=CAL)
    with pytest.raises(DataError, match="summary is in days and the model in weeks"):
        btyd.customer_value(bg, 10.0, days, n_boot=2)
    with pytest.raises(DataError, match="summary is in days and the model in weeks"):
        btyd.calibration_vs_holdout(days, bg)


def test_p_alive_history_uses_the_models_period(cdnow):
    """Today's bug: the history defaulted to days x 1 and read a week model's P(alive) in days."""
    tx, s, bg = cdnow
    p_now = pd.Series(np.asarray(bg.p_alive()), index=s.index)
    who = s[(s["frequency"] >= 2) & (p_now < 0.5)]["frequency"].idxmax()
    h = btyd.p_alive_history(tx, bg, who, observation_end=CAL)
    assert h["p_alive"].iloc[-1] == pytest.approx(p_now[who], rel=1e-12)       # 0.0409
    assert h.index[1] - h.index[0] == pd.Timedelta(days=1) and h["T"].iloc[-1] == s.loc[who, "T"]
    bare = btyd.BetaGeo(*(s[c].to_numpy() for c in ("frequency", "recency", "T"))).results_at(bg.params)
    days_x1 = btyd.p_alive_history(tx, bare, who, freq="D", freq_multiplier=1, observation_end=CAL)
    assert days_x1["p_alive"].iloc[-1] == pytest.approx(0.0192, abs=1e-4)      # what the old default gave
    with pytest.raises(DataError, match="the model is in weeks"):
        btyd.p_alive_history(tx, bg, who, freq="D", freq_multiplier=1)
    with pytest.raises(DataError, match="freq="):
        btyd.p_alive_history(tx, bare, who)
    tracking = btyd.repeat_transactions_over_time(tx, bg, calibration_end=CAL)   # weekly rows, from the model
    assert len(tracking) == 78 and tracking.index[1] - tracking.index[0] == pd.Timedelta(days=7)


def test_week_day_and_month_summaries_give_the_same_clv():
    """The same log summarised in weeks, days and months: the same fit (alpha scales with the unit, r, a,
    b do not) and the same CLV for the same customers, to the rounding the CLV convention implies: the
    horizon in whole periods (12 months = 52 weeks = 364 days, 365 days, 12 months) and purchases
    discounted at the end of their period (up to a month later)."""
    tx = datasets.load("cdnow_sample").transactions
    fits = {}
    for name, mult in (("week", 7), ("day", 1), ("month", 365.25 / 12)):
        s = btyd.rfm_summary(tx, freq="D", freq_multiplier=mult, calibration_end=CAL)
        assert s.attrs["time_unit"].name == name
        rep = s[s["frequency"] > 0]
        gg = btyd.GammaGamma(rep["frequency"], rep["monetary_value"]).fit()
        res = btyd.BetaGeo.from_summary(s).fit()
        fits[name] = (s, res, res.clv(gg, margin=0.3, monetary_value=s["monetary_value"]), gg)
    (sw, w, clv_w, _), (sd, d, clv_d, _), (sm, m, clv_m, _) = fits["week"], fits["day"], fits["month"]
    assert sw.index.equals(sd.index) and sw.index.equals(sm.index)
    for other, days in ((d, 1.0), (m, 365.25 / 12)):
        np.testing.assert_allclose(other.params[["r", "a", "b"]], w.params[["r", "a", "b"]], rtol=1e-4)
        assert other.params["alpha"] * days / 7 == pytest.approx(w.params["alpha"], rel=1e-4)   # alpha: time
    assert clv_w.mean() == pytest.approx(30.73 * 0.3, rel=1e-3)
    np.testing.assert_allclose(clv_d, clv_w, rtol=0.004)       # 365 days vs 52 weeks = 364 days: +0.29%
    np.testing.assert_allclose(clv_m, clv_w, rtol=0.001)       # 12 months = 365.25 days, paid a month late: -0.05%
    assert abs(clv_d.sum() / clv_w.sum() - 1) < 0.004 and abs(clv_m.sum() / clv_w.sum() - 1) < 0.001
    # without discounting and over a horizon whole in every unit (364 days = 52 weeks) they agree exactly
    flat_w = w.clv(1.0, annual_discount_rate=0.0, horizon_months=364 / (365.25 / 12))
    flat_d = d.clv(1.0, annual_discount_rate=0.0, horizon_months=364 / (365.25 / 12))
    np.testing.assert_allclose(flat_d, flat_w, rtol=1e-4)


def test_dert_rate_convention_52_18_weeks_a_year(cdnow):
    """DERT discounts at ln(1 + d) / P per period with P = 365.25 / 7 = 52.18 weeks a year; Fader, Hardie
    & Lee (2005) use ln(1.15) / 52, available as delta=; the two differ by 0.35% in the rate, about 0.2% in DERT."""
    _, s, bg = cdnow
    ours = bg.dert(0.15)
    np.testing.assert_allclose(ours, bg.dert(delta=np.log(1.15) / (365.25 / 7)), rtol=1e-12)
    fhl = bg.dert(delta=np.log(1.15) / 52)
    ratio = np.asarray(fhl / ours)
    assert np.all(ratio < 1) and np.all(ratio > 0.995)
    assert np.median(1 - ratio) == pytest.approx(0.002, abs=0.001)
