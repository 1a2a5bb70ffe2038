"""Behavioural loyalty on a small hand-computed log: repeat rate, gaps, RFM, cohorts."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from relmkt_utils.loyalty import (
    RFM_SEGMENT_RULES,
    cohort_retention,
    inter_purchase_times,
    quantile_score,
    repeat_purchase_rate,
    rfm_scores,
    rfm_segment,
)
from relmkt_utils.core.purchases import purchase_days


@pytest.fixture
def tx():
    rows = [
        ("A", "2024-01-01 09:00", 10.0), ("A", "2024-01-01 17:30", 5.0), ("A", "2024-01-11", 20.0),
        ("A", "2024-02-10", 5.0), ("B", "2024-01-05", 100.0), ("C", "2024-03-01", 30.0),
        ("C", "2024-01-20", 30.0), ("D", "2024-03-15", 7.0),
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    df["date"] = pd.to_datetime(df["date"], format="ISO8601")
    return df


@pytest.fixture
def customers():
    return pd.DataFrame({
        "customer_id": ["A", "B", "C", "D", "E"],
        "acquired_at": pd.to_datetime(["2023-12-20", "2024-01-05", "2024-01-15", "2024-02-01", "2024-02-10"]),
    })


def test_purchase_days_merge_same_day(tx):
    d = purchase_days(tx)
    assert len(d) == 7
    a = d[d.customer_id == "A"]
    assert a["amount"].tolist() == [15.0, 20.0, 5.0]
    assert a["day"].tolist() == list(pd.to_datetime(["2024-01-01", "2024-01-11", "2024-02-10"]))


def test_repeat_purchase_rate_with_wilson_ci(tx, customers):
    r = repeat_purchase_rate(tx)
    assert (r.n_customers, r.n_repeaters, r.rate) == (4, 2, 0.5)  # A and C; A's first day counts once
    z = stats.norm.ppf(0.975)
    n, p = 4, 0.5
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert (r.lower, r.upper) == pytest.approx((centre - half, centre + half))
    with_non_buyer = repeat_purchase_rate(tx, customers)
    assert (with_non_buyer.n_customers, with_non_buyer.rate) == (5, 0.4)


def test_inter_purchase_times(tx):
    ipt = inter_purchase_times(tx)
    assert ipt["customer_id"].tolist() == ["A", "A", "C"]
    assert ipt["days"].tolist() == [10, 30, 41]  # 2024 is a leap year: Jan 20 -> Mar 1 = 41 days
    assert ipt["purchase"].tolist() == [2, 3, 2]


def test_quantile_score_distinct_and_ties():
    assert quantile_score(pd.Series(np.arange(10.0))).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quantile_score(pd.Series([1, 1, 1, 2, 3])).tolist() == [1, 1, 1, 4, 5]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=40), st.randoms(use_true_random=False))
def test_quantile_score_depends_only_on_value(values, rnd):
    s = pd.Series(values)
    perm = list(range(len(values)))
    rnd.shuffle(perm)
    a = quantile_score(s)
    b = quantile_score(s.iloc[perm]).sort_index()
    assert (a == b).all() and a.between(1, 5).all()
    by_value = pd.DataFrame({"v": values, "s": a}).groupby("v")["s"]
    assert (by_value.nunique() == 1).all() and by_value.first().is_monotonic_increasing


def test_rfm_scores_hand_example(tx):
    r = rfm_scores(tx, observation_end="2024-03-31")
    assert r.loc[["A", "B", "C", "D"], "recency_days"].tolist() == [50, 86, 30, 16]
    assert r["frequency"].to_dict() == {"A": 3, "B": 1, "C": 2, "D": 1}
    assert r["monetary"].to_dict() == {"A": 40.0, "B": 100.0, "C": 60.0, "D": 7.0}
    # n = 4: score = 1 + floor(5 (min rank - 1) / 4)
    assert r["rfm"].to_dict() == {"A": "242", "B": "114", "C": "333", "D": "411"}
    assert r["segment"].to_dict() == {"A": "at risk", "B": "hibernating", "C": "loyal", "D": "new"}
    mean = rfm_scores(tx, observation_end="2024-03-31", monetary="mean")
    assert mean.loc["A", "monetary"] == pytest.approx(40 / 3)


def test_rfm_segments_cover_every_score_pair():
    r, f = np.meshgrid(np.arange(1, 6), np.arange(1, 6))
    seg = rfm_segment(r.ravel(), f.ravel())
    assert set(seg) == {name for name, _ in RFM_SEGMENT_RULES}
    assert rfm_segment([5, 3, 1], [5, 1, 5]).tolist() == ["champions", "need attention", "at risk"]


def test_cohort_matrix_by_first_purchase(tx):
    c = cohort_retention(tx)
    assert [str(p) for p in c.shares.index] == ["2024-01", "2024-03"]
    assert c.sizes.tolist() == [3, 1]
    jan = c.shares.loc[pd.Period("2024-01", "M")].tolist()
    assert jan == pytest.approx([1.0, 1 / 3, 1 / 3])  # A,B,C in Jan; A in Feb; C in Mar
    mar = c.shares.loc[pd.Period("2024-03", "M")]
    assert mar[0] == 1.0 and mar[[1, 2]].isna().all()  # not observable yet


def test_cohort_matrix_by_acquisition_month(tx, customers):
    c = cohort_retention(tx, customers)
    expected = pd.DataFrame(
        [[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.5, np.nan], [0.0, 0.5, np.nan, np.nan]],
        index=pd.PeriodIndex(["2023-12", "2024-01", "2024-02"], freq="M"),
    )
    np.testing.assert_allclose(c.shares.to_numpy(), expected.to_numpy())
    assert c.sizes.tolist() == [1, 2, 2]  # E never bought but stays in the February cohort
    assert c.buyers.iloc[1, 2] == 1
    short = cohort_retention(tx, customers, max_months=1)
    assert short.shares.shape == (3, 2)
