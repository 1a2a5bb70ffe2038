"""Time to dropout, Kaplan-Meier and log-rank against hand computations."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from relmkt_utils.core.errors import DataError
from relmkt_utils.loyalty import kaplan_meier, logrank_test, survival_at, time_to_dropout


def test_time_to_dropout_hand_example():
    tx = pd.DataFrame({
        "customer_id": ["A", "A", "A", "B", "C", "C", "D", "D"],
        "date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-02-10", "2024-01-05", "2024-01-20",
                                "2024-03-01", "2024-03-15", "2024-05-01"]),
        "amount": 1.0,
    })
    d = time_to_dropout(tx, observation_end="2024-03-31", inactivity_days=30)
    # lapse rule, W = 30: A's gaps 10, 30 (not > 30), then 50 to the end -> lapse 02-10 + 30 days;
    # B lapses 30 days after its only purchase; C's 41-day gap is a lapse (won back on 03-01);
    # D bought 16 days before the end (the May purchase is after it): censored
    assert d["dropped"].to_dict() == {"A": 1, "B": 1, "C": 1, "D": 0}
    assert d["duration"].to_dict() == {"A": 70.0, "B": 30.0, "C": 30.0, "D": 16.0}
    assert d["won_back"].to_dict() == {"A": 0, "B": 0, "C": 1, "D": 0}
    customers = pd.DataFrame({"customer_id": ["A", "B", "C", "D"],
                              "acquired_at": pd.to_datetime(["2023-12-20", "2024-01-10", None, "2024-03-01"]),
                              "channel": ["paid", "organic", "paid", "referral"]})
    d2 = time_to_dropout(tx, customers, observation_end="2024-03-31", inactivity_days=30)
    # A starts at acquisition; B's acquisition is after its first purchase, so the purchase is used;
    # D's acquisition on 03-01 is a sign of life, its purchase 14 days later another: censored after 30 days
    assert d2["duration"].to_dict() == {"A": 82.0, "B": 30.0, "C": 30.0, "D": 30.0}
    assert d2["channel"].tolist() == ["paid", "organic", "paid", "referral"]


def test_kaplan_meier_hand_example():
    data = pd.DataFrame({"duration": [1, 2, 2, 3, 4, 5, 6], "dropped": [1, 1, 0, 1, 0, 1, 0]})
    km = kaplan_meier(data)
    c = km.curves
    # S = 6/7, 6/7*5/6, *3/4 (the one censored at 2 leaves the risk set), *1/2
    assert c["time"].tolist() == [0, 1, 2, 3, 5]
    assert c["survival"].tolist() == pytest.approx([1, 6 / 7, 5 / 7, 15 / 28, 15 / 56])
    assert c["n_risk"].tolist() == [7, 7, 6, 4, 2]
    greenwood = (5 / 7) * np.sqrt(1 / (7 * 6) + 1 / (6 * 5))
    assert c["se"].iloc[2] == pytest.approx(greenwood)
    assert (c["lower"] <= c["survival"]).all() and (c["survival"] <= c["upper"]).all()
    assert km.medians.loc["all", "median"] == 5.0
    assert km.medians.loc["all", "events"] == 4
    s = survival_at(km, [0.5, 2, 4.9, 10])
    assert s.loc["all"].tolist() == pytest.approx([1, 5 / 7, 15 / 28, 15 / 56])


def _logrank_by_hand(t, d, g):
    """Two-group log-rank: sum over event times of O1 - E1 and the hypergeometric variance."""
    o_e, var = 0.0, 0.0
    for u in np.unique(t[d == 1]):
        at_risk = t >= u
        n, n1 = at_risk.sum(), (at_risk & (g == "a")).sum()
        dead = (t == u) & (d == 1)
        dk, d1 = dead.sum(), (dead & (g == "a")).sum()
        o_e += d1 - dk * n1 / n
        if n > 1:
            var += dk * (n1 / n) * (1 - n1 / n) * (n - dk) / (n - 1)
    stat = o_e**2 / var
    return stat, stats.chi2.sf(stat, 1)


def test_logrank_matches_hand_computation():
    t = np.array([1, 2, 2, 3, 4, 5, 6, 7, 8, 8], float)
    d = np.array([1, 1, 0, 1, 1, 1, 0, 1, 0, 1])
    g = np.array(list("aabababbab"))
    res = logrank_test(pd.DataFrame({"duration": t, "dropped": d, "grp": g}), "grp")
    stat, p = _logrank_by_hand(t, d, g)
    assert res.statistic == pytest.approx(stat)
    assert res.pvalue == pytest.approx(p)
    assert res.df == 1 and res.groups == ("a", "b")


def test_kaplan_meier_by_group_and_logrank_three_groups():
    rng = np.random.default_rng(7)
    n = 600
    grp = rng.choice(["financial", "social", "structural"], n)
    scale = pd.Series(grp).map({"financial": 100, "social": 200, "structural": 400}).to_numpy()
    life = rng.exponential(scale)
    cens = rng.uniform(0, 500, n)
    data = pd.DataFrame({"duration": np.minimum(life, cens), "dropped": (life <= cens).astype(int),
                         "relationship_level": grp})
    km = kaplan_meier(data, by="relationship_level")
    assert list(km.fits) == ["financial", "social", "structural"]
    med = km.medians["median"]
    assert med["financial"] < med["social"] < med["structural"]  # true medians 69, 139, 277 days
    assert med["financial"] == pytest.approx(100 * np.log(2), rel=0.25)
    lr = logrank_test(data, "relationship_level")
    assert lr.df == 2 and lr.pvalue < 1e-6
    with pytest.raises(ValueError, match="two groups"):
        logrank_test(data.assign(one="x"), "one")


def test_logrank_without_any_event_is_a_data_error_not_a_singular_matrix():
    """Four months of data and a 180-day dropout rule: nobody can lapse, so there is nothing to test."""
    data = pd.DataFrame({"duration": [10.0, 20.0, 30.0, 40.0], "dropped": [0, 0, 0, 0], "grp": ["a", "a", "b", "b"]})
    with pytest.raises(DataError, match="needs events"):
        logrank_test(data, "grp")


def test_logrank_leaves_out_a_group_never_at_risk_instead_of_a_singular_matrix():
    """Issue 24: a segment acquired within the last lapse window has nobody at risk when others lapse (its row of
    V is zero; statsmodels' survdiff raised "Singular matrix"). It is left out and said so; the others are tested
    exactly as without it."""
    rng = np.random.default_rng(0)
    old = pd.DataFrame({"duration": (180 + rng.integers(0, 400, 200)).astype(float),
                        "dropped": (rng.random(200) < 0.6).astype(int), "grp": ["old"] * 100 + ["mid"] * 100})
    new = pd.DataFrame({"duration": rng.integers(1, 170, 100).astype(float), "dropped": 0, "grp": "new"})
    res = logrank_test(pd.concat([old, new]), "grp")
    ref = logrank_test(old, "grp")
    assert res.left_out == ("new",) and res.groups == ("mid", "old") and res.df == 1
    assert res.statistic == pytest.approx(ref.statistic) and res.pvalue == pytest.approx(ref.pvalue)
    assert "new left out" in res.note and ref.note == ""
    with pytest.raises(DataError, match="needs two groups with customers still followed"):
        logrank_test(pd.concat([old[old.grp == "old"], new]), "grp")
