"""The models of issue 26 on main's rules (issue 22): they are in the model registry, take their time unit
from the summary (``litt`` included, from regularity_summary), keep it through save and load, and the
chooser fits them by key."""
import numpy as np
import pytest

from relmkt_utils import btyd, retention
from relmkt_utils.core.errors import DataError, ParameterError
from relmkt_utils.core.time import Period, time_unit
from relmkt_utils.data import datasets

CAL = "1997-09-30"
LITT_MODELS = ["bgcnbd", "mbgcnbd", "pggg"]


@pytest.fixture(scope="module")
def cdnow():
    tx = datasets.load("cdnow_sample").transactions
    s = btyd.rfm_summary(tx, freq="D", freq_multiplier=7, calibration_end=CAL)
    lt = btyd.regularity_summary(tx, freq="D", freq_multiplier=7, calibration_end=CAL)
    return tx, s, lt


@pytest.fixture(scope="module")
def weekly():
    """A small BG/CNBD-2 world as a summary that records weeks (as rfm_summary's does)."""
    sim = btyd.simulate_cnbd(600, 2, 1.2, 6.0, 0.8, 3.0, T=np.linspace(30, 52, 600), seed=4)
    s = sim[["frequency", "recency", "T", "litt"]].copy()
    s.attrs.update(Period("D", 7).attrs())
    return s


def test_the_new_models_are_registered_purchase_models():
    for key, cls, name in (("bgcnbd", btyd.BetaGeoCNBD, "BG/CNBD-k"), ("mbgcnbd", btyd.ModifiedBetaGeoCNBD, "MBG/CNBD-k"),
                           ("ggomnbd", btyd.GammaGompertzNBD, "GGom/NBD"), ("pggg", btyd.ParetoGGG, "Pareto/GGG")):
        entry = btyd.REGISTRY[key]
        assert btyd.MODELS[key] is cls and btyd.NAMES[key] == name == cls.model_name and entry.data == "continuous"
        assert key not in btyd.DISCRETE and entry.savable
        assert ("litt" in cls.summary_columns) == (key in LITT_MODELS)
    bdw = btyd.REGISTRY["bdw"]
    assert bdw.model is retention.BetaDiscreteWeibull and bdw.data == "contractual" and "bdw" not in btyd.MODELS
    with pytest.raises(ParameterError, match="model must be one of"):
        btyd.check_model("bdw")


def test_regularity_summary_records_the_period_of_rfm_summary(cdnow):
    tx, s, lt = cdnow
    assert lt.attrs == s.attrs and lt.index.equals(s.index)
    assert btyd.regularity_summary(tx).attrs == btyd.rfm_summary(tx).attrs          # the same defaults (weeks)
    with pytest.raises(ParameterError, match="freq must be one of"):
        btyd.regularity_summary(tx, freq="M")


def test_models_take_the_unit_from_the_summary_litt_included(cdnow):
    _, s, lt = cdnow
    s = s.assign(litt=lt["litt"])
    arrays = [s[c].to_numpy() for c in ("frequency", "recency", "T", "litt")]
    for key in LITT_MODELS:
        kw = {"k": 2} if key != "pggg" else {}
        m = btyd.MODELS[key].from_summary(s, **kw)
        assert m.time_unit == time_unit("week") and m.period == Period("D", 7)
        assert btyd.MODELS[key](*arrays, **kw).time_unit is None                     # bare arrays: no unit
        assert btyd.MODELS[key](*arrays, **kw, time_unit="week").time_unit.name == "week"
    assert btyd.GammaGompertzNBD.from_summary(s).time_unit.name == "week"
    with pytest.raises(DataError, match=r"no column\(s\) \['litt'\]"):
        btyd.BetaGeoCNBD.from_summary(s.drop(columns="litt"))
    # litt of a summary in days beside recency and T in weeks: the logs of the gaps are in another unit
    days = btyd.regularity_summary(datasets.load("cdnow_sample").transactions, freq="D", calibration_end=CAL)
    with pytest.raises(DataError, match="different time units"):
        btyd.BetaGeoCNBD(s["frequency"], s["recency"], s["T"], days["litt"], k=2)
    with pytest.raises(DataError, match="different time units"):
        btyd.ParetoGGG(s["frequency"], s["recency"], s["T"], days["litt"])


def test_dert_takes_the_models_unit_or_asks_for_one(weekly):
    s = weekly
    theta = [1.2, 6.0, 0.8, 3.0]
    res = btyd.BetaGeoCNBD.from_summary(s, k=2).results_at(theta)
    bare = btyd.BetaGeoCNBD(*(s[c].to_numpy() for c in ("frequency", "recency", "T", "litt")), k=2).results_at(theta)
    np.testing.assert_array_equal(np.asarray(bare.dert(0.1, "week")), np.asarray(res.dert(0.1)))
    np.testing.assert_allclose(np.asarray(res.dert(0.15)), np.asarray(res.dert(delta=np.log(1.15) / (365.25 / 7))),
                               rtol=1e-12)
    with pytest.raises(DataError, match="time_unit="):
        bare.dert(0.1)
    with pytest.raises(DataError, match="contradicts the model's time unit"):
        res.dert(0.1, "day")
    gg = btyd.GammaGompertzNBD.from_summary(s).results_at([1.2, 6.0, 0.05, 1.0, 2.0])
    assert gg.time_unit.name == "week"
    np.testing.assert_allclose(np.asarray(gg.dert(0.15)), np.asarray(gg.dert(delta=np.log(1.15) / (365.25 / 7))),
                               rtol=1e-12)
    with pytest.raises(ParameterError, match="annual_discount_rate must be a number > 0"):
        gg.dert(0.0)


def test_the_chooser_fits_them_by_key(weekly):
    s = weekly
    res = btyd.fit_model("bgcnbd", s)
    assert res.model_name == "BG/CNBD-k" and res.time_unit.name == "week" and res.settings["k_selected"]
    assert res.k == 2 and res.converged                                          # the world's k
    with pytest.raises(ParameterError, match="weights must be None"):
        btyd.fit_model("pggg", s.assign(w=1.0), weights_col="w")
    with pytest.raises(DataError, match=r"no column\(s\) \['litt'\]"):
        btyd.fit_model("mbgcnbd", s.drop(columns="litt"))


def test_results_keep_the_period_through_save_and_load(weekly, tmp_path):
    s = weekly
    for key, theta, kw in (("bgcnbd", [1.2, 6.0, 0.8, 3.0], {"k": 2}), ("mbgcnbd", [1.2, 6.0, 0.8, 3.0], {"k": 2}),
                           ("ggomnbd", [1.2, 6.0, 0.05, 1.0, 2.0], {}), ("pggg", [4.0, 2.0, 1.2, 6.0, 0.8, 30.0], {})):
        res = btyd.MODELS[key].from_summary(s, **kw).results_at(theta)
        assert res.period == Period("D", 7)
        back = btyd.load_results(res.save(tmp_path / f"{key}.json"))
        assert type(back) is type(res) and back.period == res.period and back.time_unit.name == "week"
        assert back.settings == res.settings
    x, tx, T, litt = (s[c].to_numpy()[:5] for c in ("frequency", "recency", "T", "litt"))
    res = btyd.BetaGeoCNBD.from_summary(s, k=2).results_at([1.2, 6.0, 0.8, 3.0])
    back = btyd.load_results(res.save(tmp_path / "again.json"))
    np.testing.assert_array_equal(back.dert(0.1, frequency=x, recency=tx, T=T),
                                  np.asarray(res.dert(0.1))[:5])                   # the unit came back with it
    pg = btyd.ParetoGGG.from_summary(s).results_at([4.0, 2.0, 1.2, 6.0, 0.8, 30.0])
    back = btyd.load_results(pg.save(tmp_path / "pggg_again.json"))
    np.testing.assert_array_equal(back.p_alive(x, tx, T, litt), pg.p_alive(x, tx, T, litt))
