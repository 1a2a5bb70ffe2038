"""Every figure of relmkt_utils.plots.value has a title and axis labels."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from relmkt_utils.plots import value as pv
from relmkt_utils.value import (
    delivered_value_by_level,
    driver_importance,
    importance_performance,
    simulate_all_components,
    simulate_survey,
    value_scores,
)


def _labelled(ax):
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


@pytest.fixture(scope="module")
def scores():
    survey, _ = simulate_survey(n=200, seed=2)
    sc = value_scores(survey)
    sc["relationship_level"] = ["financial", "social", "structural", "social"] * 50
    return sc


@pytest.mark.filterwarnings("ignore:The set_bad function:PendingDeprecationWarning")  # inside seaborn
def test_driver_figures(scores):
    imp = driver_importance(scores, outcomes=("satisfaction", "nps"))
    ipa = importance_performance(scores, imp, "satisfaction")
    for ax in (pv.correlation_heatmap(scores), pv.importance_chart(imp), pv.ipa_map(ipa)):
        _labelled(ax)
    assert "(1-7" in pv.correlation_heatmap(scores).get_xlabel()
    plt.close("all")


def test_choice_and_behaviour_figures(scores):
    wtp = pd.DataFrame({"attribute": ["a", "b"], "wtp": [10.0, -5.0], "lower": [8.0, -7.0], "upper": [12.0, -3.0]})
    boot = wtp.assign(n_boot=100)
    ax = pv.wtp_forest(wtp, boot, truth={"a": 10.5, "b": -4.0})
    _labelled(ax)
    assert "EUR" in ax.get_xlabel()
    params = pd.Series({"product_value": 0.6, "time_cost": -0.3, "price": -0.04})
    offers = pd.DataFrame({"product_value": [1, 2], "time_cost": [2, 1], "price": [10.0, 20.0]}, index=["x", "y"])
    fig = pv.simulator_chart(simulate_all_components(params, offers, "x"))
    assert len(fig.axes) == 2
    for a in fig.axes:
        _labelled(a)
    hr = pd.DataFrame({"term": ["delivered_value", "relationship_level[social]"], "hazard_ratio": [0.7, 0.8],
                       "lower": [0.6, 0.6], "upper": [0.8, 1.1]})
    ax = pv.hazard_ratio_chart(hr)
    _labelled(ax)
    assert ax.get_xscale() == "log"
    _labelled(pv.delivered_value_by_level_chart(delivered_value_by_level(scores)))
    plt.close("all")
