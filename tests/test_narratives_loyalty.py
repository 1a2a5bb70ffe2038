"""The readings of notebooks 00 and 01 are rules: each holds where its condition does, and the readings
that answer one question exclude each other (one reading per question, never two that contradict)."""
import pytest

from relmkt_utils.present.findings import CAUTION, Findings, make
from relmkt_utils.present.narratives import spec

LOYALTY = {r.id: r for r in spec("01_loyalty_measurement").readings}
OVERVIEW = {r.id: r for r in spec("00_data_overview").readings}


def findings(**values):
    out = Findings()
    for key, value in values.items():
        out.add(value if not isinstance(value, (int, float, str)) else make(key, value))
    return out


def shown(readings, f, ids):
    return [i for i in ids if readings[i].holds(f)]


@pytest.mark.parametrize("p, longest, expected", [(0.0, "structural", "berry-holds"), (0.3, "structural", "berry-not-shown"),
                                                  (0.001, "social", "berry-not-shown")])
def test_berrys_ordering_is_read_one_way_only(p, longest, expected):
    f = findings(logrank_p_relationship_level=p, longest_relationship_level=longest)
    assert shown(LOYALTY, f, ["berry-holds", "berry-not-shown"]) == [expected]


def test_berrys_levels_are_not_read_where_the_data_have_none():
    f = findings(logrank_p_age_group=0.001)
    assert shown(LOYALTY, f, ["berry-holds", "berry-not-shown"]) == []


@pytest.mark.parametrize("error, expected", [(-0.2, "holdout-under"), (0.15, "holdout-over"), (-0.05, "holdout-close"),
                                             (0.1, "holdout-close")])
def test_the_holdout_error_is_read_by_its_size_and_sign(error, expected):
    f = findings(holdout_error=error)
    assert shown(LOYALTY, f, ["holdout-under", "holdout-over", "holdout-close"]) == [expected]


def test_a_holdout_error_with_a_caution_is_not_read_as_a_number():
    f = findings(holdout_error=make("holdout_error", -0.3, status=CAUTION, reason="short window"))
    assert shown(LOYALTY, f, ["holdout-close"]) == []


@pytest.mark.parametrize("share, expected", [(0.85, "pareto-above-rule"), (0.8, "pareto-above-rule"),
                                             (0.67, "pareto-in-published-range"), (0.5, "pareto-below-published")])
def test_the_80_20_rule_is_read_against_the_published_range(share, expected):
    ids = ["pareto-above-rule", "pareto-in-published-range", "pareto-below-published"]
    assert shown(LOYALTY, findings(top20_revenue_share=share), ids) == [expected]
    assert shown(OVERVIEW, findings(top20_revenue_share=share), ids) == [expected]


@pytest.mark.parametrize("rate, expected", [(0.317, "most-buy-once"), (0.632, "most-come-back")])
def test_most_customers_buy_once_only_where_they_do(rate, expected):
    """Ta Feng: 63.2% repeat; the old report still said "most customers buy once"."""
    assert shown(LOYALTY, findings(repeat_rate=rate), ["most-buy-once", "most-come-back"]) == [expected]
    assert shown(OVERVIEW, findings(repeat_rate=rate), ["most-buy-once", "most-come-back"]) == [expected]


@pytest.mark.parametrize("lo, hi, expected", [(9.0, 15.6, "nps-positive"), (-20.0, -3.0, "nps-negative"),
                                              (-4.0, 6.0, "nps-unclear")])
def test_the_nps_is_read_by_its_interval(lo, hi, expected):
    f = findings(nps=make("nps", (lo + hi) / 2, lower=lo, upper=hi))
    assert shown(LOYALTY, f, ["nps-positive", "nps-negative", "nps-unclear"]) == [expected]


def test_the_bgnbd_artefact_is_read_only_for_the_bgnbd():
    assert LOYALTY["bgnbd-alive-artefact"].holds(findings(btyd_model="BG/NBD", one_time_buyer_share=0.6))
    assert not LOYALTY["bgnbd-alive-artefact"].holds(findings(btyd_model="Pareto/NBD", one_time_buyer_share=0.6))


@pytest.mark.parametrize("alpha, expected", [(0.82, "loyalty-items-agree"), (0.44, "loyalty-items-disagree")])
def test_loyalty_items_are_read_by_their_reliability(alpha, expected):
    f = findings(loyalty_items_alpha=alpha)
    assert shown(LOYALTY, f, ["loyalty-items-agree", "loyalty-items-disagree"]) == [expected]


def test_no_detectable_dropout_is_read_and_no_p_alive_artefact_beside_it():
    """Issue 24: where the chosen model found no dropout the NBD scores the customers; the reading says what that
    assumes, and the BG/NBD's one-time-buyer artefact (a P(alive) reading) is not shown beside it."""
    none = findings(btyd_model="BG/NBD", dropout_detected="no", one_time_buyer_share=0.7, dropout_lr_p=1.0)
    assert shown(LOYALTY, none, ["no-dropout", "dropout-found", "bgnbd-alive-artefact"]) == ["no-dropout"]
    found = findings(btyd_model="BG/NBD", one_time_buyer_share=0.6, dropout_lr_p=1e-20)
    assert shown(LOYALTY, found, ["no-dropout", "dropout-found", "bgnbd-alive-artefact"]) == ["dropout-found",
                                                                                              "bgnbd-alive-artefact"]
    assert shown(LOYALTY, findings(dropout_lr_p=0.2), ["no-dropout", "dropout-found"]) == []


def test_no_detectable_dropout_is_an_answer_finding_with_a_name_and_a_glossary_entry():
    from relmkt_utils.present.glossary import TERMS_BY_ID
    from relmkt_utils.present.names import name

    spec_ = spec("01_loyalty_measurement")
    assert spec_.answer.index("dropout_detected") < spec_.answer.index("p_alive_mean_repeat_buyers")
    for key in ("dropout_detected", "dropout_lr_p"):
        assert name(key).term in TERMS_BY_ID
    f = make("dropout_detected", "no", template=spec_.sentences["dropout_detected"], explanation="the NBD scores.")
    assert f.ok and f.text() == "no" and f.sentence.startswith("No detectable dropout in the calibration window")
    assert f"{f.text()} {f.label}" == "no detectable dropout in the calibration window"     # as the index card has it
