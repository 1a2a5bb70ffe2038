"""The spec of notebook 02 (relmkt_utils.present.narratives.value): every reading shown exactly where its
condition holds (each evaluated with the condition true and false), every finding named, every sentence
composable, every section requirement right on the datasets it meets."""
from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from relmkt_utils.present import names
from relmkt_utils.present.findings import Findings, make
from relmkt_utils.present.narratives import spec
from relmkt_utils.present.narratives import value as nv
from relmkt_utils.present.readings import applicable

SPEC = spec("02_delivered_value")


def findings(**values) -> Findings:
    """Findings from ``key=value``, ``key=(value, lower, upper)`` or ``key=("caution", value)``."""
    out = Findings()
    for key, v in values.items():
        if isinstance(v, tuple) and v and v[0] == "caution":
            out.add(make(key, v[1], status="caution", reason="a test caution"))
        elif isinstance(v, tuple):
            out.add(make(key, v[0], lower=v[1], upper=v[2], currency="EUR"))
        else:
            out.add(make(key, v, currency="US cents per kWh" if key.startswith("wtp_") else ""))
    return out


# (reading id, findings where its condition holds, findings where it does not)
CASES = {
    "scales-reliable": ({"cronbach_alpha_min": 0.82}, {"cronbach_alpha_min": 0.65}),
    "scale-weak": ({"cronbach_alpha_min": 0.65}, {"cronbach_alpha_min": 0.7}),
    "dv-positive": ({"delivered_value_mean": (0.3, 0.1, 0.5)}, {"delivered_value_mean": (0.01, -0.02, 0.04)}),
    "dv-negative": ({"delivered_value_mean": (-0.3, -0.5, -0.1)}, {"delivered_value_mean": (0.01, -0.02, 0.04)}),
    "dv-balanced": ({"delivered_value_mean": (0.01, -0.02, 0.04)}, {"delivered_value_mean": (0.3, 0.1, 0.5)}),
    "equal-weights-lose": ({"ols_r2": 0.44, "ols_r2_dv_only": 0.30}, {"ols_r2": 0.44, "ols_r2_dv_only": 0.42}),
    "equal-weights-enough": ({"ols_r2": 0.44, "ols_r2_dv_only": 0.42}, {"ols_r2": 0.44, "ols_r2_dv_only": 0.30}),
    "models-agree": ({"top_driver": "product value", "top_driver_ordered": "product value"},
                     {"top_driver": "product value", "top_driver_ordered": "service value"}),
    "models-disagree": ({"top_driver": "product value", "top_driver_ordered": "service value"},
                        {"top_driver": "product value", "top_driver_ordered": "product value"}),
    "improve-clear": ({"top_improvement_driver": "service value"},
                      {"top_improvement_driver": ("caution", "service value")}),
    "improve-unclear": ({"top_improvement_driver": ("caution", "service value")},
                        {"top_improvement_driver": "service value"}),
    "hit-above-chance": ({"choice_hit_rate": 0.68, "choice_chance_rate": 1 / 3},
                         {"choice_hit_rate": 0.40, "choice_chance_rate": 1 / 3}),
    "hit-near-chance": ({"choice_hit_rate": 0.40, "choice_chance_rate": 1 / 3},
                        {"choice_hit_rate": 0.68, "choice_chance_rate": 1 / 3}),
    "costs-negative": ({"wtp_time": -4.5, "wtp_energy": -2.5}, {"wtp_time": -4.5, "wtp_energy": 0.3}),
    "rate-plans": ({"wtp_tod": -8.74}, {"wtp_loc": 2.31}),
    "wtp-truth-missed": ({"wtp_product": 11.2, "wtp_service": 7.1, "true_wtp_covered": 1},
                         {"wtp_product": 11.2, "wtp_service": 7.1, "true_wtp_covered": 2}),
    "cut-costs-revenue": ({"simulated_attribute": "price", "simulated_share_change": 0.03, "simulated_revenue_change": -0.05},
                          {"simulated_attribute": "price", "simulated_share_change": 0.03, "simulated_revenue_change": 0.6}),
    "cut-pays": ({"simulated_attribute": "price", "simulated_share_change": 0.03, "simulated_revenue_change": 0.6},
                 {"simulated_attribute": "price", "simulated_share_change": 0.03, "simulated_revenue_change": -0.05}),
    "same-price": ({"simulated_attribute": "service_value", "simulated_share_change": 0.06},
                   {"simulated_attribute": "price", "simulated_share_change": 0.03}),
    "levers-lower-share": ({"levers_lowering_count": 3, "levers_lowering": "one year more of contract length"},
                           {"levers_lowering_count": 0, "levers_lowering": ""}),
    "ccpr": ({"kotler_levers": 7}, {"kotler_levers": 0}),
    "tastes-differ": ({"mxl_lr_p": 1e-12}, {"mxl_lr_p": 0.3}),
    "some-dislike": ({"mxl_opposite_most_valued": 0.10}, {"mxl_opposite_most_valued": 0.01}),
    "iia": ({"simulated_share_change": 0.027, "mxl_simulated_share_change": 0.045},
            {"simulated_share_change": 0.027, "mxl_simulated_share_change": 0.031}),
    "iia-agree": ({"simulated_share_change": 0.027, "mxl_simulated_share_change": 0.031},
                  {"simulated_share_change": 0.027, "mxl_simulated_share_change": 0.045}),
    "dv-keeps": ({"hr_delivered_value": (0.93, 0.88, 0.99)}, {"hr_delivered_value": (0.97, 0.90, 1.05)}),
    "dv-unclear": ({"hr_delivered_value": (0.97, 0.90, 1.05)}, {"hr_delivered_value": (0.93, 0.88, 0.99)}),
    "dv-sooner": ({"hr_delivered_value": (1.10, 1.02, 1.19)}, {"hr_delivered_value": (0.97, 0.90, 1.05)}),
    "slow-buyers": ({"dropout_never_bought_share": 0.86}, {"dropout_never_bought_share": 0.12}),
    "deeper-more-value": ({"dv_level_gap": (0.39, 0.31, 0.48)}, {"dv_level_gap": (0.05, -0.04, 0.14)}),
    "bonds-beyond-value": ({"hr_structural": (0.80, 0.70, 0.92)}, {"hr_structural": (0.94, 0.84, 1.06)}),
}


def test_every_reading_has_a_case():
    assert set(CASES) == {r.id for r in SPEC.readings}


@pytest.mark.parametrize("reading", SPEC.readings, ids=lambda r: r.id)
def test_each_reading_shows_where_its_condition_holds_and_nowhere_else(reading):
    true_case, false_case = CASES[reading.id]
    holds, fails = findings(**true_case), findings(**false_case)
    assert reading.holds(holds) and reading in applicable(SPEC.readings, reading.section, holds)
    assert not reading.holds(fails) and reading not in applicable(SPEC.readings, reading.section, fails)
    html = reading.render(holds)
    assert "Reading it." in html and "{" not in html and "None" not in html and "_" not in html.split("id=")[1][40:]


def test_a_reading_never_rests_on_a_finding_that_is_not_ok():
    """A caution or a missing finding makes every numeric condition false (not an error)."""
    cautious = findings(cronbach_alpha_min=("caution", 0.9), hr_delivered_value=("caution", 0.5))
    assert not [r.id for r in SPEC.readings if r.holds(cautious) and r.id != "improve-unclear"]
    assert not [r.id for r in SPEC.readings if r.holds(Findings())]


def test_the_rate_plan_reading_names_each_plan_in_the_price_unit():
    text = next(r for r in SPEC.readings if r.id == "rate-plans").render(findings(wtp_tod=-8.74, wtp_seas=-9.34))
    assert "a time-of-day plan is worth about as much as a fixed price of 8.74 US cents per kWh" in text
    assert "a seasonal plan is worth about as much as a fixed price of 9.34 US cents per kWh" in text


def test_every_answer_sentence_and_finding_key_has_a_name():
    keys = set(SPEC.answer) | set(SPEC.sentences)
    keys |= {f"{p}wtp_{a}" for p in ("", "mxl_") for a in ("product", "service", "personnel", "image", "time",
                                                             "energy", "psychic", "cl", "loc", "wk", "tod", "seas")}
    keys |= {"delivered_value_positive_share", "top_driver", "top_driver_ordered", "choice_chance_rate",
             "simulated_attribute", "simulated_revenue_change", "best_lever_share_change", "levers_lowering",
             "levers_lowering_count", "kotler_levers", "dropout_never_bought_share", "hr_social", "hr_structural",
             "mxl_mean_price", "mxl_sd_loc"}
    missing = [k for k in keys if not names.known(k)]
    assert not missing
    for key in keys:
        label = names.name(key).label
        assert label and "_" not in label, key
    assert 3 <= len(SPEC.answer) <= 7


def test_wtp_names_are_money_in_the_price_unit_of_the_dataset():
    for key in ("wtp_loc", "mxl_wtp_loc", "wtp_product", "wtp_most_valued"):
        assert names.name(key).kind == "money"
    f = make("wtp_loc", 2.3067, lower=2.1076, upper=2.5059, covers="sampling error", currency="US cents per kWh")
    assert f.text() == "2.31 US cents per kWh" and "2.11 to 2.51 US cents per kWh" in f.interval()


# context of each sentence as the notebook gives it (the test fails when a template asks for more)
CONTEXT = {
    "cronbach_alpha_min": dict(value=0.815, lower=0.80, upper=0.83, component="product value"),
    "delivered_value_mean": dict(value=0.009, lower=-0.02, upper=0.04, positive=0.498),
    "ols_r2": dict(value=0.438, outcome="satisfaction", dv=0.299),
    "top_improvement_driver": dict(value="product value", outcome="satisfaction", driver="product value"),
    "wtp_most_valued": dict(value=2.31, lower=2.11, upper=2.51, what="a local supplier"),
    "choice_hit_rate": dict(value=0.478, tasks=4308, chance=0.25),
    "true_hit_rate": dict(value=0.679),
    "true_wtp_covered": dict(value=5, n=7),
    "simulated_share_change": dict(value=0.027, before=0.033, after=0.060, revenue=0.615, change="cutting the price"),
    "best_lever": dict(value="a local supplier", gain=0.093),
    "mxl_simulated_share_change": dict(value=0.031, logit=0.027),
    "mxl_opposite_most_valued": dict(value=0.104, what="a local supplier"),
    "mxl_lr_p": dict(value=1e-9),
    "dropout_share": dict(value=0.837, weeks=26.0, n=2332, never=0.86),
    "hr_delivered_value": dict(value=0.933, lower=0.883, upper=0.986),
    "dv_level_gap": dict(value=0.394, lower=0.309, upper=0.479),
}


@pytest.mark.parametrize("key", sorted(nv.SENTENCES))
def test_every_sentence_composes_from_the_context_the_notebook_gives(key):
    ctx = dict(CONTEXT[key])
    value, lower, upper = ctx.pop("value"), ctx.pop("lower", None), ctx.pop("upper", None)
    f = make(key, value, lower=lower, upper=upper, template=SPEC.sentences[key], currency="EUR", **ctx)
    assert f.sentence and "{" not in f.sentence and "_" not in f.sentence.replace("class=", "")


def test_sentences_follow_the_sign():
    share = SPEC.sentences["simulated_share_change"]
    ctx = dict(before=0.3, after=0.28, revenue=-0.1, change="one year more of contract length")
    assert "would lower our offer's share" in make("simulated_share_change", -0.02, template=share, **ctx).sentence
    assert "would raise our offer's share" in make("simulated_share_change", 0.02, template=share, **ctx).sentence
    hr = SPEC.sentences["hr_delivered_value"]
    assert "stay longer" in make("hr_delivered_value", 0.9, lower=0.8, upper=0.95, template=hr).sentence
    assert "does not show" in make("hr_delivered_value", 0.97, lower=0.9, upper=1.05, template=hr).sentence
    assert "drop out sooner" in make("hr_delivered_value", 1.1, lower=1.02, upper=1.2, template=hr).sentence
    alpha = SPEC.sentences["cronbach_alpha_min"]
    assert "below the usual 0.7" in make("cronbach_alpha_min", 0.6, template=alpha, component="x").sentence


# ------------------------------------------------------------------------------------------ requirements

def _ds(survey=None, transactions=None, choices=None, customers=None, meta=None):
    return SimpleNamespace(survey=survey, transactions=transactions, choices=choices, customers=customers,
                           meta=meta or {}, truth={}, offers=None)


KOTLER = pd.DataFrame({"customer_id": ["a"], "product_value_1": [5], "product_value_2": [4], "time_cost_1": [3],
                       "time_cost_2": [2], "satisfaction": [6]})
ECSI = pd.DataFrame({"customer_id": ["a"], "image_1": [5], "image_2": [4], "loyalty_1": [3], "loyalty_2": [6]})


def test_the_kotler_sections_need_items_of_value_and_cost_components():
    assert nv.needs_kotler_survey(_ds(KOTLER), {}) is None
    assert nv.needs_kotler_survey(_ds(), {}) == "the dataset has no survey"
    assert "no items of Kotler" in nv.needs_kotler_survey(_ds(ECSI), {})
    declared = _ds(ECSI, meta={"survey_items": {"constructs": {"image": ["image_1"], "perceived_value": ["x_1"]}}})
    assert nv.needs_kotler_survey(declared, {}) == ("its survey measures its own constructs (image, perceived value), "
                                                    "not Kotler's value and cost components")
    only_value = KOTLER.drop(columns=["time_cost_1", "time_cost_2"])
    assert nv.needs_kotler_survey(_ds(only_value), {}) is not None


def test_a_survey_with_declared_constructs_is_what_an_ecsi_section_needs():
    declared = _ds(ECSI, meta={"survey_items": {"constructs": {"image": ["image_1", "image_2"]}}})
    assert nv.needs_declared_survey(declared, {}) is None
    assert nv.needs_declared_survey(_ds(KOTLER), {}) == "its survey declares no constructs (survey_items in dataset.yml)"
    assert nv.needs_declared_survey(_ds(), {}) == "the dataset has no survey"


def test_each_section_runs_exactly_on_the_data_it_needs():
    survey_only = _ds(KOTLER)
    everything = _ds(KOTLER, transactions=pd.DataFrame(), choices=pd.DataFrame(),
                     customers=pd.DataFrame({"customer_id": ["a"], "relationship_level": ["social"]}))
    choices_only = _ds(choices=pd.DataFrame())
    params = {"outcome": "satisfaction", "mxl_draws": 500}
    runs = {name: {s.id for s in SPEC.sections if s.reason(d, params) is None and not s.id.endswith("_truth")}
            for name, d in (("survey", survey_only), ("all", everything), ("choices", choices_only))}
    assert runs["survey"] == {"measurement", "drivers"}
    assert runs["all"] == {"measurement", "drivers", "choice", "simulator", "mixed", "behaviour", "levels"}
    assert runs["choices"] == {"choice", "simulator", "mixed"}
    assert SPEC.section("mixed").reason(choices_only, {"mxl_draws": 0}) == "left out by mxl_draws = 0"
    assert SPEC.section("drivers").reason(survey_only, {"outcome": "nps"}) == "the survey has no nps answers"
    assert SPEC.section("levels").reason(_ds(KOTLER, transactions=pd.DataFrame()), {}) == \
        "the customers table has no relationship level"


def test_a_choice_experiment_without_a_survey_lists_two_reasons_not_four():
    """Companion sections are not listed again (the batch test allows at most two left-out sections)."""
    listed = [s.id for s in SPEC.sections if s.listed and s.reason(_ds(choices=pd.DataFrame()), {"mxl_draws": 500})]
    assert listed == ["measurement", "behaviour"]


@pytest.mark.parametrize("name, value, ok", [("outcome", "nps", True), ("outcome", "loyalty", False),
                                             ("bootstrap", 19, False), ("bootstrap", 200, True),
                                             ("mxl_draws", 0, True), ("mxl_draws", 20, False),
                                             ("mxl_draws", 500, True), ("simulate_change", 0.0, False),
                                             ("inactivity_weeks", 0, False), ("seed", -1, False)])
def test_parameter_checks(name, value, ok):
    problems = SPEC.parameter_problems({name: value})
    assert (not problems) == ok, problems
    if not ok:
        assert problems[0].startswith(f"parameter {name} ")


def test_no_nan_reaches_a_reading():
    f = findings(hr_delivered_value=float("nan"), delivered_value_mean=math.nan)
    assert not [r.id for r in SPEC.readings if r.holds(f)]
