"""The spec of notebook 03 (relmkt_utils.present.narratives.referral): every reading is a rule that holds
exactly where its condition does, reads only ok findings of its own or earlier sections, and every finding
the notebook records has a name; the sections' requirements pick the part of the notebook each dataset
supports; the parameter checks refuse what the notebook cannot use."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import nbformat
import pytest

from relmkt_utils.data import datasets
from relmkt_utils.present import names
from relmkt_utils.present.findings import CAUTION, Findings, make
from relmkt_utils.present.glossary import TERMS_BY_ID
from relmkt_utils.present.narratives import spec
from relmkt_utils.referral import published

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "03_referral_roi.ipynb"
SPEC = spec("03_referral_roi")

#: Findings like those of the synthetic run and of the published evidence (value or (value, lower, upper)).
BASE = {
    "viral_coefficient": (0.24, 0.22, 0.26), "promoter_referral_rate": 0.59, "detractor_referral_rate": 0.33,
    "referred_clv_uplift": (0.075, -0.22, 0.44), "referred_churn_hazard_ratio": (0.96, 0.88, 1.05),
    "cannibalization_share": (0.28, 0.24, 0.33), "referral_lift_per_customer": (0.17, 0.15, 0.19),
    "reward_per_conversion": 40.0, "referral_roi": (-0.28, -0.47, -0.05), "breakeven_reward": (26.85, 18.2, 37.6),
    "top_referrers_missed_share": 0.9, "wom_net_per_respondent": -3.6, "wom_assumed_reach_ratio": 0.32,
    "wom_east_reach_ratio": 2.05, "wom_net_low": -5.9, "wom_net_high": 3.9, "wom_positive_negative_ratio": 0.47,
    "family_influence_share": 0.346,
    "ssv_value_premium": 0.16, "ssv_value_difference": 40.0, "ssv_clv_uplift": 0.2235, "ssv_clv_uplift_low": 0.116,
    "ssv_clv_uplift_high": 0.2235, "ssv_reward": 25.0, "ssv_value_difference_26_35": 80.0,
    "ssv_value_over_55": "slightly negative", "ssv_breakeven_reward_anyway": 28.0, "ssv_max_share_anyway": 0.375,
    "wg_value_direction": "lower", "wg_margin_deficit_offset": 0.10,
}

#: reading id -> (changes under which it holds, changes under which it does not), both applied to BASE.
CASES = {
    "k-below-one": ({}, {"viral_coefficient": 1.2}),
    "k-above-one": ({"viral_coefficient": 1.2}, {}),
    "promoters-refer-more": ({}, {"promoter_referral_rate": 0.2}),
    "promoters-refer-no-more": ({"promoter_referral_rate": 0.2}, {}),
    "referred-worth-more": ({"referred_clv_uplift": (0.2, 0.05, 0.4)}, {}),
    "referred-not-clearly-different": ({}, {"referred_clv_uplift": (0.2, 0.05, 0.4)}),
    "referred-worth-less": ({"referred_clv_uplift": (-0.2, -0.4, -0.05)}, {}),
    "stay-longer": ({"referred_churn_hazard_ratio": (0.7, 0.6, 0.8)}, {}),
    "stay-no-clear-difference": ({}, {"referred_churn_hazard_ratio": (0.7, 0.6, 0.8)}),
    "some-would-come-anyway": ({}, {"cannibalization_share": (0.0, 0.0, 0.1)}),
    "no-clear-lift": ({"referral_lift_per_customer": (0.01, -0.02, 0.04)}, {}),
    "roi-negative": ({}, {"referral_roi": (0.2, 0.05, 0.4)}),
    "roi-positive": ({"referral_roi": (0.2, 0.05, 0.4)}, {}),
    "roi-unclear": ({"referral_roi": (0.05, -0.1, 0.2)}, {}),
    "crv-misses-advocates": ({}, {"top_referrers_missed_share": 0.3}),
    "wom-negative-at-claims": ({}, {"wom_net_per_respondent": 1.0}),
    "wom-sign-rests-on-claim": ({}, {"wom_net_low": 0.5}),
    "wom-below-evidence": ({}, {"wom_positive_negative_ratio": 3.5}),
    "family-near-claim": ({}, {"family_influence_share": 0.2}),
    "family-far-from-claim": ({"family_influence_share": 0.2}, {}),
    "ssv-recomputed-agrees": ({}, {"ssv_clv_uplift": 0.12}),
    "ssv-premium-rests-on-retention": ({}, {"ssv_clv_uplift_low": 0.17}),
    "segments-young-pay": ({}, {"ssv_value_difference_26_35": 20.0}),
    "segments-old-do-not": ({}, {"ssv_value_over_55": "slightly positive"}),
    "ssv-reward-pays-anyway": ({}, {"ssv_breakeven_reward_anyway": 20.0}),
    "ssv-reward-fails-anyway": ({"ssv_breakeven_reward_anyway": 20.0}, {}),
    "studies-disagree": ({}, {"wg_value_direction": "higher"}),
}


def findings(changes: dict | None = None, caution: tuple = ()) -> Findings:
    out = Findings()
    for key, v in {**BASE, **(changes or {})}.items():
        value, lower, upper = v if isinstance(v, tuple) else (v, None, None)
        status = {"status": CAUTION, "reason": "a test of the status"} if key in caution else {}
        out.add(make(key, value, lower=lower, upper=upper, currency="EUR", **status))
    return out


class Recording(Findings):
    """Findings that note every key a rule reads."""

    def __init__(self, base: Findings):
        super().__init__(dict(base.items))
        self.read: set[str] = set()

    def get(self, key):
        self.read.add(key)
        return super().get(key)

    def value(self, key, default=None):
        self.read.add(key)
        return super().value(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


@functools.cache
def keys_by_section() -> dict[str, str]:
    """Finding key -> the section whose cell records it (from the notebook, and for the published parts
    from PublishedEvidence.findings, which the notebook's cells loop over)."""
    where, evidence = {}, published.evidence()
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        m = re.match(r"%%section (\w+)", cell.source)
        if cell.cell_type != "code" or not m:
            continue
        for key in re.findall(r'report\.find\("(\w+)"', cell.source):
            where[key] = m[1]
        for part in re.findall(r'ev\.findings\("(\w+)"\)', cell.source):
            for key, _, _ in evidence.findings(part):
                where[key] = m[1]
    return where


def test_every_reading_has_its_cases():
    assert set(CASES) == {r.id for r in SPEC.readings}


@pytest.mark.parametrize("reading", SPEC.readings, ids=lambda r: r.id)
def test_each_reading_holds_exactly_where_its_condition_does(reading):
    holds, fails = CASES[reading.id]
    yes, no = findings(holds), findings(fails)
    assert reading.holds(yes), f"{reading.id}: {reading.condition} should hold"
    assert not reading.holds(no), f"{reading.id}: {reading.condition} should not hold"
    text = reading.render(yes)
    assert "{" not in text and "None" not in text and "nan" not in text.lower().replace("financial", "")
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", re.sub(r"<[^>]+>", "", text)), text      # no raw keys


@pytest.mark.parametrize("reading", SPEC.readings, ids=lambda r: r.id)
def test_a_reading_never_rests_on_a_finding_that_is_not_ok(reading):
    holds, _ = CASES[reading.id]
    recording = Recording(findings(holds))
    assert reading.holds(recording)
    assert recording.read, reading.id
    for key in recording.read:
        if key in ("reward_per_conversion", "breakeven_reward") and reading.section == "roi":
            continue                                    # read by the text only, not by the condition
        assert not reading.holds(findings(holds, caution=(key,))), (reading.id, key)


@pytest.mark.parametrize("reading", SPEC.readings, ids=lambda r: r.id)
def test_a_reading_reads_only_its_own_and_earlier_sections(reading):
    order = [s.id for s in SPEC.sections]
    where = keys_by_section()
    holds, _ = CASES[reading.id]
    recording = Recording(findings(holds))
    reading.holds(recording)
    reading.render(recording)
    for key in recording.read:
        assert key in where, f"{reading.id} reads {key}, which the notebook never records"
        assert order.index(where[key]) <= order.index(reading.section), (reading.id, key, where[key])


def test_the_answer_and_every_recorded_finding_have_names_and_glossary_entries():
    assert 3 <= len(SPEC.answer) <= 8
    recorded = keys_by_section()
    assert set(SPEC.answer) <= set(recorded)
    for key in {*SPEC.answer, *recorded, *BASE}:
        n = names.name(key)                       # KeyError for a key without a name
        assert n.label and "_" not in n.label, key
        assert not n.term or n.term in TERMS_BY_ID, (key, n.term)
    for key in SPEC.sentences:
        assert names.known(key), key


def test_each_run_answers_with_four_findings_of_its_own_part():
    """Synthetic: value, incremental customers, return, break-even reward; published: per study whether
    referred customers are worth more and whether the reward pays."""
    where = keys_by_section()
    programme = [k for k in SPEC.answer if not where[k].startswith("published")]
    evidence = [k for k in SPEC.answer if where[k].startswith("published")]
    assert programme == ["referred_clv_uplift", "incremental_customers", "referral_roi", "breakeven_reward"]
    assert evidence == ["ssv_clv_uplift", "ssv_reward_roi", "wg_value_direction", "wg_breakeven_reward"]


@pytest.mark.parametrize("key,finding,words", [
    ("referral_roi", (-0.28, -0.47, -0.05), "not worth paying"),
    ("referral_roi", (0.3, 0.1, 0.5), "is worth paying"),
    ("referral_roi", (0.05, -0.1, 0.2), "not clear"),
    ("referred_clv_uplift", (0.075, -0.22, 0.44), "not clearly worth more"),
    ("referred_clv_uplift", (0.2, 0.05, 0.4), "worth more here"),
    ("referred_clv_uplift", (-0.2, -0.4, -0.05), "worth less here"),
    ("ssv_reward_roi", 0.6, "is worth paying"),
    ("ssv_reward_roi", -0.2, "is not worth paying"),
    ("wg_breakeven_reward", "below zero", "no positive reward"),
])
def test_answer_sentences_say_what_their_interval_supports(key, finding, words):
    value, lower, upper = finding if isinstance(finding, tuple) else (finding, None, None)
    context = {"referred": 46.87, "other": 43.58, "months": 36, "reward": 25.0, "fixed": 5000.0, "diff": 40.0,
               "smax": 0.375}
    f = make(key, value, lower=lower, upper=upper, currency="EUR", template=SPEC.sentences[key], **context)
    assert words in f.sentence, f.sentence


def test_parameter_checks():
    defaults = {"reward_referrer": 25.0, "reward_referee": 15.0, "fixed_cost": 5000.0, "margin": 0.3,
                "annual_discount_rate": 0.1, "horizon_months": 36, "inactivity_days": 180, "positive_reach": 8.0,
                "negative_reach": 25.0, "share_anyway": 0.3, "bootstrap": 500, "seed": 2024}
    assert SPEC.parameter_problems(defaults) == []
    bad = {**defaults, "bootstrap": 5, "margin": 1.5, "share_anyway": 2.0, "negative_reach": 0.0, "fixed_cost": -1.0}
    problems = " ".join(SPEC.parameter_problems(bad))
    for name in ("bootstrap", "margin", "share_anyway", "negative_reach", "fixed_cost"):
        assert f"parameter {name} " in problems, name


@pytest.fixture(scope="module")
def synthetic():
    return datasets.load("synthetic")


def _reasons(ds):
    return {s.id: s.reason(ds, {}) for s in SPEC.sections}


def test_synthetic_runs_the_programme_and_hides_the_published_part(synthetic):
    reasons = _reasons(synthetic)
    assert {k for k, v in reasons.items() if v} == {"published_value", "published_segments", "published_reward",
                                                     "published_studies"}
    assert not any(SPEC.section(k).listed for k, v in reasons.items() if v)


def test_the_published_evidence_lists_the_programme_once_and_runs_its_own_part():
    reasons = _reasons(published.dataset())
    failing = {k for k, v in reasons.items() if v}
    assert not any(reasons[k] for k in ("published_value", "published_segments", "published_reward", "published_studies"))
    assert [k for k in failing if SPEC.section(k).listed] == ["programme"]
    assert "published figures, not customer records" in reasons["programme"]


def test_a_dataset_without_referred_customers_or_survey_leaves_those_sections_out(synthetic):
    from dataclasses import replace

    ds = replace(synthetic, customers=synthetic.customers.assign(channel="paid"), referrals=None, survey=None)
    reasons = _reasons(ds)
    assert "0 of 5,919 are referred" in reasons["value"] and "survey" in reasons["wom"]
    assert reasons["funnel"] == reasons["roi"] == "the dataset has no referrals table"
    assert reasons["programme"] is None and reasons["reference"] is None
