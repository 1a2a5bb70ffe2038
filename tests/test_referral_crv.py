"""Customer referral value by hand, the CLV x CRV grid and the top-decile overlap."""
import numpy as np
import pandas as pd
import pytest

from relmkt_utils.referral import clv_crv_grid, customer_referral_value, segment_summary, top_decile_missed


def fixture():
    """A brings y1 (4 years after the reference date) and y2 (at once), both rewarded 15 + 10;
    B brings y3 by unrewarded word of mouth; C's invitation did not convert."""
    referrals = pd.DataFrame({
        "referrer_id": ["A", "A", "B", "C"],
        "invited_at": ["2020-01-01", "2020-01-01", "2020-01-01", "2020-01-01"],
        "referee_id": ["y1", "y2", "y3", None],
        "converted_at": ["2024-01-01", "2020-01-01", "2020-01-01", None],  # 2020-01-01 -> 2024-01-01 = 1461 d = 4 y
        "reward_referrer": [15.0, 15.0, 0.0, 0.0],
        "reward_referee": [10.0, 10.0, 0.0, 0.0],
    })
    value = pd.Series({"y1": 100.0, "y2": 50.0, "y3": 200.0})
    return referrals, value


def test_crv_hand_calculation():
    referrals, value = fixture()
    crv = customer_referral_value(referrals, value, incremental_share=0.6, acquisition_saving=40.0,
                                  discount_rate=0.10, reference="2020-01-01", customers=["A", "B", "C"])
    # term = (s V + (1 - s) ACQ - rewards) / 1.1^tau, s = 0.6, ACQ = 40 -> (1 - s) ACQ = 16
    y1 = (0.6 * 100 + 16 - 25) / 1.1**4   # 51 / 1.4641 = 34.8337
    y2 = (0.6 * 50 + 16 - 25)             # 21
    y3 = (0.6 * 200 + 16 - 0)             # 136
    assert crv["A"] == pytest.approx(y1 + y2)
    assert crv["A"] == pytest.approx(55.8337, abs=1e-4)
    assert crv["B"] == pytest.approx(y3)
    assert crv["C"] == 0.0


def test_crv_variants_and_reference_series():
    referrals, value = fixture()
    kumar = customer_referral_value(referrals, value, 0.6, 40.0, 0.0, reference="2020-01-01",
                                    credit_acquisition_to_incremental=True, include_rewards=False)
    # no discounting, no rewards, ACQ credited to every referee: A = 0.6 (100 + 50) + 2 x 40 = 170
    assert kumar["A"] == pytest.approx(170.0)
    ref = pd.Series({"A": "2024-01-01", "B": "2020-01-01"})  # reference after the conversion -> tau = 0
    crv = customer_referral_value(referrals, value, 0.6, 40.0, 0.10, reference=ref)
    assert crv["A"] == pytest.approx(51 + 21)
    with pytest.raises(ValueError):
        customer_referral_value(referrals, value, 1.5)


def test_grid_segments_follow_kumar_et_al():
    clv = pd.Series({"A": 300.0, "B": 50.0, "C": 200.0, "D": 10.0})
    crv = pd.Series({"A": 55.8, "B": 136.0})  # C and D have no referrals -> CRV 0
    g = clv_crv_grid(clv, crv)
    # medians: CLV 125, CRV (0 + 55.8) / 2 = 27.9
    assert g.attrs["clv_threshold"] == pytest.approx(125.0) and g.attrs["crv_threshold"] == pytest.approx(27.9)
    assert g["segment"].to_dict() == {"A": "champions", "B": "advocates", "C": "affluents", "D": "misers"}
    s = segment_summary(g)
    assert s["customers"].tolist() == [1, 1, 1, 1]
    assert s["share"].sum() == pytest.approx(1.0)


def test_top_decile_missed_by_clv_view():
    ids = [f"c{i}" for i in range(10)]
    clv = pd.Series(np.arange(10, 0, -1, dtype=float), index=ids)    # top 2 by CLV: c0, c1
    crv = pd.Series([0, 9, 0, 0, 0, 0, 0, 0, 0, 8.0], index=ids)     # top 2 by CRV: c1, c9
    out = top_decile_missed(clv, crv, top=0.2)
    assert out["n_top"] == 2 and out["missed"] == 1 and out["missed_ids"] == ["c9"]
    assert out["share_missed"] == pytest.approx(0.5)
