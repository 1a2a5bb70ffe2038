"""rfm_summary: Lifetimes 0.11.3 conventions, checked on hand-made logs and against Lifetimes' own output on CDNOW."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from relmkt_utils.btyd import rfm_summary, simulate_transactions

DATA = Path(__file__).resolve().parents[1] / "data"


def _tx(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"])


def test_weekly_periods_merge_and_monday_start():
    # 2024-01-01 is a Monday; 2024-01-07 a Sunday (same week), 2024-01-08 the next Monday.
    tx = _tx([
        ("a", "2024-01-01", 10.0), ("a", "2024-01-07", 5.0),   # one period: 15
        ("a", "2024-01-08", 20.0), ("a", "2024-01-21", 30.0),  # weeks 1 and 2 after the first
        ("b", "2024-01-03", 7.0),
        ("c", "2024-01-20", 1.0), ("c", "2024-01-21", 2.0),    # same week: no repeat purchase
    ])
    s = rfm_summary(tx, freq="W", observation_end="2024-01-29")
    assert list(s.index) == ["a", "b", "c"]
    assert s.loc["a", ["frequency", "recency", "T", "monetary_value"]].tolist() == [2, 2, 4, 25.0]
    assert s.loc["b"].tolist() == [0, 0, 4, 0.0]
    assert s.loc["c"].tolist() == [0, 0, 2, 0.0]


def test_daily_and_observation_end_cut():
    tx = _tx([("a", "2024-01-01", 1.0), ("a", "2024-01-01", 2.0), ("a", "2024-01-05", 4.0),
              ("a", "2024-02-01", 8.0), ("b", "2024-03-01", 1.0)])
    s = rfm_summary(tx, freq="D", observation_end="2024-01-10")
    assert list(s.index) == ["a"]  # b is born after the observation end
    assert s.loc["a"].tolist() == [1, 4, 9, 4.0]
    full = rfm_summary(tx, freq="D")
    assert full.loc["a", "T"] == (pd.Timestamp("2024-03-01") - pd.Timestamp("2024-01-01")).days
    assert full.loc["a", "monetary_value"] == pytest.approx(6.0)


def test_weekly_observation_end_keeps_rest_of_its_week():
    # Lifetimes compares period starts: a purchase later in the observation end's week still counts.
    tx = _tx([("a", "2024-01-01", 1.0), ("a", "2024-01-10", 1.0)])  # Wed 10th, obs end Mon 8th-week
    s = rfm_summary(tx, freq="W", observation_end="2024-01-08")
    assert s.loc["a", "frequency"] == 1 and s.loc["a", "T"] == 1


def test_holdout_columns():
    tx = _tx([("a", "2024-01-01", 1.0), ("a", "2024-01-03", 3.0),
              ("a", "2024-01-12", 5.0), ("a", "2024-01-12", 7.0), ("a", "2024-01-20", 9.0),
              ("b", "2024-01-02", 1.0), ("z", "2024-01-15", 4.0)])
    s = rfm_summary(tx, freq="D", calibration_end="2024-01-10", observation_end="2024-01-31")
    assert list(s.index) == ["a", "b"]  # z first buys in the holdout
    assert s.loc["a", ["frequency", "recency", "T", "monetary_value"]].tolist() == [1, 2, 9, 3.0]
    assert s.loc["a", "frequency_holdout"] == 2  # two distinct days
    assert s.loc["a", "monetary_value_holdout"] == pytest.approx(7.0)  # mean of 5, 7, 9 (single purchases)
    assert s.loc["b", ["frequency_holdout", "monetary_value_holdout"]].tolist() == [0, 0]
    assert (s["duration_holdout"] == 21).all()


def test_bad_inputs_raise_clear_errors():
    tx = _tx([("a", "2024-01-01", 1.0)])
    with pytest.raises(ValueError, match="freq"):
        rfm_summary(tx, freq="M")
    with pytest.raises(ValueError, match="no column"):
        rfm_summary(tx.drop(columns="amount"))
    with pytest.raises(ValueError, match="holdout|calibration_end"):
        rfm_summary(tx, calibration_end="2024-02-01")
    with pytest.raises(ValueError, match="freq_multiplier"):
        rfm_summary(tx, freq="D", freq_multiplier=0)


def test_invariants_on_simulated_log():
    tx = simulate_transactions(2000, 0.5, 20.0, 0.8, 2.5, seed=3)
    for freq in ("D", "W"):
        s = rfm_summary(tx, freq=freq)
        assert (s["recency"] <= s["T"]).all() and (s["recency"] >= 0).all()
        assert (s.loc[s["frequency"] == 0, ["recency", "monetary_value"]] == 0).all().all()
        assert (s.loc[s["frequency"] > 0, "monetary_value"] > 0).all()
    d, w = rfm_summary(tx, freq="D"), rfm_summary(tx, freq="W")
    assert (w["frequency"] <= d["frequency"]).all()
    n_days = tx.assign(day=tx["date"].dt.normalize()).groupby("customer_id")["day"].nunique() - 1
    assert (d["frequency"] == n_days.reindex(d.index)).all()


# Column sums of Lifetimes 0.11.3's summary_data_from_transaction_data / calibration_and_holdout_data on CDNOW
# (measured once in a throw-away virtualenv with lifetimes==0.11.3, numpy 1.23.5, pandas 1.5.3).
LIFETIMES_SUMS = {
    ("cdnow", "W", None): {"frequency": 40629.0, "recency": 454205.0, "T": 1697280.0, "monetary_value": 425903.47468},
    ("cdnow", "D", None): {"frequency": 44021.0, "recency": 3178932.0, "T": 11834346.0, "monetary_value": 414282.384397},
    ("cdnow", "W", "cal"): {"frequency": 22198.0, "recency": 161461.0, "T": 778050.0, "monetary_value": 345190.333805,
                            "frequency_holdout": 18440.0, "monetary_value_holdout": 259817.141147, "duration_holdout": 919230.0},
    ("cdnow", "D", "cal"): {"frequency": 24337.0, "recency": 1129644.0, "T": 5399736.0, "monetary_value": 336714.287438,
                            "frequency_holdout": 19684.0, "monetary_value_holdout": 259817.141147, "duration_holdout": 6434610.0},
    ("cdnow_sample", "W", "cal"): {"frequency": 2216.0, "recency": 16128.0, "T": 77748.0, "monetary_value": 35379.696563,
                                   "frequency_holdout": 1788.0, "monetary_value_holdout": 24901.080244, "duration_holdout": 91923.0},
    ("cdnow_sample", "D", "cal"): {"frequency": 2457.0, "recency": 112949.0, "T": 539779.0, "monetary_value": 33183.643767,
                                   "frequency_holdout": 1882.0, "monetary_value_holdout": 24901.080244, "duration_holdout": 643461.0},
}


def _load(name):
    path = DATA / name / "transactions.csv"
    if not path.exists():
        pytest.skip(f"{path} not present")
    return pd.read_csv(path, dtype={"customer_id": str}, parse_dates=["date"])


@pytest.mark.parametrize("key", list(LIFETIMES_SUMS))
def test_matches_lifetimes_on_cdnow(key):
    name, freq, cal = key
    tx = _load(name)
    kw = dict(calibration_end="1997-09-30", observation_end="1998-06-30") if cal else {}
    s = rfm_summary(tx, freq=freq, **kw)
    assert len(s) == (23570 if name == "cdnow" else 2357)
    for col, total in LIFETIMES_SUMS[key].items():
        assert s[col].sum() == pytest.approx(total, abs=1e-5), col


def test_matches_lifetimes_rows_cdnow_sample():
    tx = _load("cdnow_sample")
    d = rfm_summary(tx, freq="D", calibration_end="1997-09-30", observation_end="1998-06-30")
    # rows of Lifetimes' calibration_and_holdout_data(freq="D") for the same customers
    assert d.loc["0001"].tolist() == pytest.approx([2, 213, 272, 22.345, 1, 26.48, 273])
    assert d.loc["1000"].tolist() == pytest.approx([4, 171, 235, 16.26, 3, 27.316666666666666, 273])
    assert d.loc["2357"].tolist() == pytest.approx([0, 0, 189, 0, 0, 0, 273])
    w = rfm_summary(tx, freq="W")
    assert w.loc["0001"].tolist() == pytest.approx([3, 49, 78, 23.723333333333333])
    assert w.loc["1000"].tolist() == pytest.approx([7, 65, 73, 20.99857142857143])


def test_sample_calibration_frequency_matches_paper_summary():
    """The paper's x (repeat purchases in 39 weeks) counts distinct purchase days, like freq="D"."""
    tx = _load("cdnow_sample")
    paper = DATA / "cdnow_sample" / "calibration_summary.csv"
    if not paper.exists():
        pytest.skip("calibration_summary.csv not present")
    p = pd.read_csv(paper, dtype={"customer_id": str}).set_index("customer_id")
    d = rfm_summary(tx, freq="D", calibration_end="1997-09-30", observation_end="1998-06-30")
    assert (d["frequency"].reindex(p.index) == p["frequency"]).mean() > 0.99
    assert np.allclose(d["recency"].reindex(p.index) / 7, p["recency"], atol=0.01)


def test_freq_multiplier_reproduces_paper_weeks_measured_in_days():
    """freq="D", freq_multiplier=7 is the paper's convention: purchase days counted, time in days / 7."""
    tx = _load("cdnow_sample")
    paper = DATA / "cdnow_sample" / "calibration_summary.csv"
    if not paper.exists():
        pytest.skip("calibration_summary.csv not present")
    p = pd.read_csv(paper, dtype={"customer_id": str}).set_index("customer_id")
    d = rfm_summary(tx, freq="D", freq_multiplier=7, calibration_end="1997-09-30", observation_end="1998-06-30")
    d = d.reindex(p.index)
    assert (d["frequency"] == p["frequency"]).all()
    for col in ("recency", "T", "monetary_value"):
        assert np.abs(d[col] - p[col]).max() <= 0.005 + 1e-9, col  # the paper's file is printed to 2 decimals
    assert (d["duration_holdout"] == 273 / 7).all()
    days = rfm_summary(tx, freq="D", calibration_end="1997-09-30")
    assert np.array_equal(d["frequency_holdout"], days["frequency_holdout"].reindex(p.index))


@settings(max_examples=60, deadline=None)
@given(ids=st.lists(st.sampled_from(["", "a", "ab", "b", "é", "Z9", "c0001", "c0002", "ä", "zz"]) | st.text(max_size=4),
                    min_size=1, max_size=300))
def test_sorting_by_id_in_two_halves_is_the_one_stable_sort(ids):
    """The split sort of big logs (two parts at a pivot id, sorted at once) gives exactly pyarrow's one
    stable sort of the ids, and marks where the id changes, for any ids (ties, one id, empty text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from relmkt_utils.btyd import numpy_engine

    arrow = pa.array(ids, type=pa.large_string())
    saved = numpy_engine.SPLIT_SORT_ROWS
    numpy_engine.SPLIT_SORT_ROWS = 1                  # every log takes the two-part path
    try:
        order, change = numpy_engine._sort_by_id(arrow)
    finally:
        numpy_engine.SPLIT_SORT_ROWS = saved
    expected = pc.sort_indices(arrow).to_numpy()
    assert np.array_equal(order, expected)
    in_order = [ids[i] for i in expected]
    assert change.tolist() == [a != b for a, b in zip(in_order[1:], in_order[:-1])]
