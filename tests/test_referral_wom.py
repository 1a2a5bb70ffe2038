"""Word-of-mouth balance by hand."""
import pandas as pd
import pytest

from relmkt_utils.referral import nps_counts, wom_balance, wom_from_survey, wom_sensitivity


def test_wom_balance_hand_calculation():
    b = wom_balance(300, 100, n_customers=500)  # source reach figures 8 and 25
    assert b["positive_impressions"] == 2400 and b["negative_impressions"] == 2500
    assert b["net_impressions"] == -100
    assert b["net_per_customer"] == pytest.approx(-0.2)
    assert b["break_even_reach_ratio"] == pytest.approx(1 / 3)  # net = 0 when pos/neg reach = 100/300
    # at the break-even ratio the balance is zero
    assert wom_balance(300, 100, positive_reach=5, negative_reach=15)["net_impressions"] == 0
    with pytest.raises(ValueError):
        wom_balance(-1, 0)


def test_wom_from_survey_uses_latest_answer():
    survey = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "d"],
                           "date": ["2024-01-01", "2024-06-01", "2024-01-01", "2024-01-01", "2024-01-01"],
                           "nps": [2, 10, 9, 7, 3]})
    c = nps_counts(survey)
    assert (c["promoters"], c["passives"], c["detractors"]) == (2, 1, 1)
    assert c["nps"] == pytest.approx(25.0)
    w = wom_from_survey(survey, positive_reach=8, negative_reach=25)
    assert w["net_impressions"] == 2 * 8 - 1 * 25
    assert w["net_per_customer"] == pytest.approx(-9 / 4)


def test_wom_sensitivity_grid():
    g = wom_sensitivity(300, 100, 500, positive_reach=(3, 8), negative_reach=(3, 25))
    assert g.loc[8, 25] == pytest.approx(-0.2)
    assert g.loc[3, 3] == pytest.approx((900 - 300) / 500)
    assert (g.diff(axis=1).iloc[:, 1:] < 0).all().all()  # more negative reach -> lower net
