"""The spec of notebook 04 (relmkt_utils.present.narratives.retention): every reading shown exactly where
its condition holds, every answer key named, every sentence written with numbers, every parameter checked."""
from __future__ import annotations

import re
import string

import pytest

from relmkt_utils.present import names
from relmkt_utils.present.findings import Finding, Findings, make
from relmkt_utils.present.narratives import spec
from relmkt_utils.present.narratives.retention import SPEC

OK_CAUTION = {"status": "caution", "reason": "the sBG rests on 2 months of renewals"}


def findings(values: dict, statuses: dict | None = None) -> Findings:
    """Findings of the given values (EUR); ``statuses`` gives a key a caution or makes it not estimable."""
    out = Findings()
    for key, value in values.items():
        extra = (statuses or {}).get(key, {})
        out.add(make(key, value, currency="EUR", template="{value}", **extra))
    return out


BASE = {"cohort_period": "quarter", "survival_horizon_days": 365, "holdout_calibration_periods": 3}

#: reading id -> (findings where its condition holds, findings where it does not)
CASES = {
    "timing-gap": ({"example_clv_start": 528.0, "example_clv_end": 384.0},
                   {"example_clv_start": 384.0, "example_clv_end": 528.0}),
    "sbg-projects": ({"sbg_holdout_error": 2.2, "constant_r_holdout_error": 40.1, "constant_r_holdout_bias": -40.1},
                     {"sbg_holdout_error": 2.2, "constant_r_holdout_error": 40.1, "constant_r_holdout_bias": 30.0}),
    "sbg-misses": ({"published_sbg_holdout_error": 7.5}, {"published_sbg_holdout_error": 4.9}),
    "duration-dependence": ({"bdw_shape": 1.72, "bdw_shape_p": 0.0006, "bdw_holdout_error": 1.3, "sbg_holdout_error": 2.2},
                            {"bdw_shape": 1.05, "bdw_shape_p": 0.6, "bdw_holdout_error": 2.1, "sbg_holdout_error": 2.2}),
    "no-duration-dependence": ({"bdw_shape": 1.05, "bdw_shape_p": 0.6}, {"bdw_shape": 1.72, "bdw_shape_p": 0.0006}),
    "tenure-value": ({"renewals_to_exceed_new": 1}, {"renewals_to_exceed_new": 0}),
    "most-lost-first": ({**BASE, "retention_first_period": 0.27}, {**BASE, "retention_first_period": 0.71}),
    "retention-rises": ({**BASE, "retention_first_period": 0.71, "retention_later_period": 0.905},
                        {**BASE, "retention_first_period": 0.80, "retention_later_period": 0.82}),
    "sbg-fits-cohorts": ({**BASE, "pooled_sbg_holdout_error": 2.0, "pooled_constant_r_holdout_error": 60.0},
                         {**BASE, "pooled_sbg_holdout_error": 7.2, "pooled_constant_r_holdout_error": 85.0}),
    "sbg-misses-cohorts": ({**BASE, "pooled_sbg_holdout_error": 7.2, "pooled_constant_r_holdout_error": 85.0,
                            "pooled_sbg_holdout_bias": 7.2},
                           {**BASE, "pooled_sbg_holdout_error": 2.0, "pooled_constant_r_holdout_error": 60.0,
                            "pooled_sbg_holdout_bias": 1.0}),
    "too-short-to-check": ({**BASE, "observed_periods": 2, "pooled_sbg_holdout_error": None},
                           {**BASE, "observed_periods": 6, "pooled_sbg_holdout_error": 7.2}),
    "bonds-keep-longer": ({**BASE, "survival_structural_vs_financial": 0.088, "survival_structural_vs_financial_p": 1e-9},
                          {**BASE, "survival_structural_vs_financial": 0.088, "survival_structural_vs_financial_p": 0.2}),
    "bonds-financial-longer": ({**BASE, "survival_structural_vs_financial": -0.05,
                                "survival_structural_vs_financial_p": 0.01},
                               {**BASE, "survival_structural_vs_financial": 0.05,
                                "survival_structural_vs_financial_p": 0.01}),
    "bonds-no-difference": ({**BASE, "survival_structural_vs_financial_p": 0.3},
                            {**BASE, "survival_structural_vs_financial_p": 0.01}),
    "paid-as-durable": ({**BASE, "survival_paid_vs_organic": -0.004, "survival_paid_vs_organic_p": 0.4},
                        {**BASE, "survival_paid_vs_organic": -0.004, "survival_paid_vs_organic_p": 0.001}),
    "paid-leave-sooner": ({**BASE, "survival_paid_vs_organic": -0.04, "survival_paid_vs_organic_p": 0.001},
                          {**BASE, "survival_paid_vs_organic": -0.04, "survival_paid_vs_organic_p": 0.4}),
    "paid-stay-longer": ({**BASE, "survival_paid_vs_organic": 0.04, "survival_paid_vs_organic_p": 0.001},
                         {**BASE, "survival_paid_vs_organic": -0.04, "survival_paid_vs_organic_p": 0.001}),
    "groups-differ": ({**BASE, "survival_best_vs_worst_group": 0.06, "survival_best_vs_worst_group_p": 1e-12},
                      {**BASE, "survival_best_vs_worst_group": 0.06, "survival_best_vs_worst_group_p": 0.3}),
    "groups-alike": ({**BASE, "survival_best_vs_worst_group_p": 0.3}, {**BASE, "survival_best_vs_worst_group_p": 0.01}),
    "equity-rests-on-newcomers": ({"customer_equity": 1.48e6, "equity_future_share": 0.96},
                                  {"customer_equity": 1.48e6, "equity_future_share": 0.4}),
    "current-by-tenure": ({"current_value_vs_new": 2.88}, {"current_value_vs_new": 0.01}),
    "reichheld-sasser": ({"clv_change_5pt_retention": 0.116}, {"clv_change_5pt_retention": None}),
    "levels-worth-more": ({"clv_structural_vs_financial": 2.44}, {"clv_structural_vs_financial": 0.8}),
    "channel-worth-alike": ({"clv_paid_vs_organic": 0.998}, {"clv_paid_vs_organic": 0.7}),
    "cost-ratio-in-claim": ({"acquisition_to_retention_cost_ratio": 5.82}, {"acquisition_to_retention_cost_ratio": 3.0}),
    "cost-ratio-outside-claim": ({"acquisition_to_retention_cost_ratio": 3.0},
                                 {"acquisition_to_retention_cost_ratio": 5.82}),
    "acquisition-overspent": ({"mean_acquisition_spend": 1.66, "optimal_acquisition_spend": 0.71},
                              {"mean_acquisition_spend": 0.72, "optimal_acquisition_spend": 0.71}),
    "acquisition-underspent": ({"mean_acquisition_spend": 0.3, "optimal_acquisition_spend": 0.71},
                               {"mean_acquisition_spend": 1.66, "optimal_acquisition_spend": 0.71}),
    "retention-near-optimum": ({"mean_retention_spend": 6.25, "optimal_retention_spend": 6.54},
                               {"mean_retention_spend": 3.0, "optimal_retention_spend": 6.54}),
    "retention-off-optimum": ({"mean_retention_spend": 3.0, "optimal_retention_spend": 6.54},
                              {"mean_retention_spend": 6.25, "optimal_retention_spend": 6.54}),
    "marginal-equals-value": ({"optimal_value_per_customer": 35.5}, {"optimal_value_per_customer": None}),
}

READINGS = {r.id: r for r in SPEC.readings}


def test_every_reading_has_a_case():
    assert set(CASES) == set(READINGS)


@pytest.mark.parametrize("rid", sorted(CASES))
def test_each_reading_is_shown_exactly_where_its_condition_holds(rid):
    reading = READINGS[rid]
    holds, fails = (findings(values) for values in CASES[rid])
    assert reading.holds(holds), f"{rid}: {reading.condition} should hold"
    assert not reading.holds(fails), f"{rid}: {reading.condition} should not hold"
    text = reading.render(holds)
    assert "{" not in text and "None" not in text and not re.search(r"\bnan\b", text, re.I)
    shares = [float(x.replace(",", "")) for x in re.findall(r"(?<![+−\d.,])(\d[\d,]*(?:\.\d+)?)%", text)]
    assert all(x <= 100 for x in shares), text                  # no share multiplied by 100 twice


def test_readings_read_only_findings_that_are_ok_unless_they_say_so():
    """A caution on the sBG silences the readings that rest on its numbers, except those that say so."""
    assert not READINGS["sbg-fits-cohorts"].holds(findings(
        {**BASE, "pooled_sbg_holdout_error": 2.0, "pooled_constant_r_holdout_error": 60.0},
        {"pooled_sbg_holdout_error": OK_CAUTION}))
    cautious = findings({"clv_structural_vs_financial": 2.44}, {"clv_structural_vs_financial": OK_CAUTION})
    assert READINGS["levels-worth-more"].holds(cautious)
    assert "caution" in READINGS["levels-worth-more"].render(cautious)


def test_the_berry_reading_needs_relationship_levels():
    """Issue 21: Berry's bonds are discussed only where the data have relationship levels, never under age groups."""
    by_age = findings({**BASE, "survival_best_vs_worst_group": 0.06, "survival_best_vs_worst_group_p": 1e-12})
    berry = [r for r in SPEC.readings if r.holds(by_age) and "Berry" in r.render(by_age)]
    assert [r.id for r in berry] == ["groups-differ"]                 # which says they are NOT Berry's bonds
    assert "not one of Berry's bonds" in READINGS["groups-differ"].render(by_age)
    assert not READINGS["bonds-keep-longer"].holds(by_age)


def test_most_customers_buy_once_only_where_they_do():
    """Issue 21: Ta Feng keeps 71% of a month's new customers: no "most customers are lost" reading there."""
    tafeng = findings({**BASE, "retention_first_period": 0.711, "retention_later_period": 0.905})
    assert not READINGS["most-lost-first"].holds(tafeng)
    assert READINGS["retention-rises"].holds(tafeng)


def test_every_answer_and_sentence_key_has_a_name():
    for key in [*SPEC.answer, *SPEC.sentences]:
        assert names.known(key), key
    assert 3 <= len([k for k in SPEC.answer if not k.startswith(("sbg_", "constant_r_", "bdw_", "del_", "renewals", "residual"))]) <= 6


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f} - {"value", "interval", "label", "Label"}


@pytest.mark.parametrize("key", sorted(SPEC.sentences))
def test_every_sentence_is_written_with_numbers(key):
    from relmkt_utils.present.names import name

    template = SPEC.sentences[key]
    for value in ((0.5, 0.9) if name(key).kind == "share" else (0.5, 2.0)):
        probe = make(key, value, currency="EUR")
        text = template(probe) if callable(template) else template
        context = {f: ("quarter" if f in ("period", "cohort", "best", "worst", "column", "source", "first_direction",
                                         "acquisition_direction", "retention_direction") else 1.0)
                   for f in _fields(text)}
        finding = make(key, value, currency="EUR", template=template, **context)
        assert "{" not in finding.sentence and "None" not in finding.sentence
        assert "<strong>" in finding.sentence


def test_a_not_estimable_or_cautious_answer_says_so_in_its_sentence():
    equity = make("customer_equity", None, reason="the dataset has no acquisition cost", currency="TWD",
                  template=SPEC.sentences["customer_equity"])
    assert equity.status == "not estimable" and "could not be estimated" in equity.sentence
    clv = make("clv", 10934.78, currency="TWD", template=SPEC.sentences["clv"], period="month", holdout=None,
               **{"del": 50.1}, **OK_CAUTION)
    assert "Caution:" in clv.sentence and "within" not in clv.sentence     # no holdout claim without a holdout


def test_parameter_checks():
    good = {"margin": 12.0, "margin_rate": 0.3, "annual_discount_rate": 0.1, "clv_horizon_years": 10,
            "retention_uplift": 0.05, "example_retention": 0.8, "cohort_period": "quarter", "spend_period": "month",
            "exclude_last": 1, "inactivity_days": 180, "bootstrap": 300}
    assert SPEC.parameter_problems(good) == []
    for name, bad in (("bootstrap", 10), ("retention_uplift", 0.0), ("retention_uplift", 1.0), ("example_retention", 1.2),
                      ("cohort_period", "week"), ("annual_discount_rate", 0.0), ("margin_rate", 1.5),
                      ("exclude_last", -1), ("clv_horizon_years", 0)):
        problems = SPEC.parameter_problems({**good, name: bad})
        assert len(problems) == 1 and problems[0].startswith(f"parameter {name} "), (name, problems)


def test_sections_that_a_dataset_without_purchases_lists():
    """A dataset without purchases or spend (Fader & Hardie's cohorts) lists two sections, not five."""
    from relmkt_utils.data.dataset import Dataset

    cohorts_only = Dataset("cohorts", {})
    failing = [s for s in SPEC.sections if s.reason(cohorts_only, {"segment": ""})]
    assert [s.id for s in failing if s.listed] == ["dataset", "spend"]
    assert {s.id for s in failing if not s.listed} >= {"cohorts", "value", "uplift", "value_groups", "optimum"}
    assert spec("04_retention_vs_acquisition") is SPEC


def test_findings_on_published_cohorts_never_reach_the_answer():
    """On a run of another dataset the published cohorts' findings have their own keys, outside the answer."""
    published = [k for k in SPEC.sentences if k.startswith("published_")]
    assert published and not set(published) & set(SPEC.answer)
    assert all(k.removeprefix("published_") in SPEC.answer for k in published)
    assert isinstance(Finding(key="x", card=False), Finding)
