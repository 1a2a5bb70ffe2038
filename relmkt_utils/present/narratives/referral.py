"""Notebook 03, member get member: are referred customers worth more, and is the referral reward worth paying?

Two parts, each on the data that can answer it:

* **The programme** (sections ``funnel`` .. ``crv``, ``wom``, ``reference``; customer records with a
  randomized program/holdout split, e.g. ``synthetic``): the funnel and K, the value of referred
  customers, the customers the programme caused, its return with an interval, customer referral value
  and the word-of-mouth claims of the source material. The part is listed once ("the programme on the
  dataset's own customers") where a dataset has no customer records; its sections are hidden with it.
* **The published evidence** (sections ``published_*``; the dataset ``referral_published``): Schmitt,
  Skiera & Van den Bulte (2011) recomputed with the suite's CLV, the segments, the break-even reward
  and Wolters & Gedenk (2019) beside it. Hidden elsewhere: the programme's report links to it.

The answer lists both parts' findings; a run shows those it found (four on either dataset).
"""
from __future__ import annotations

from ...referral import (
    EAST_POSITIVE_TO_NEGATIVE,
    SOURCE_INFLUENCE,
    published,
    referred_flag,
)
from ..findings import Findings
from ..readings import Reading
from ..tables import fmt
from . import Section, Spec, above, all_of, at_least, between, needs_truth

QUESTION = "Member get member: are referred customers worth more, and is the referral reward worth paying?"
#: The fewest customers of each group (referred, other) the value comparison accepts (a BG/NBD per group).
MIN_GROUP = 10


# ---------------------------------------------------------------- what the sections need

def needs_customer_records(ds, parameters) -> str | None:
    """The programme part: a customers table."""
    if ds.customers is not None:
        return None
    if published.is_evidence(ds):
        return "the dataset holds the two studies' published figures, not customer records"
    return "the dataset has no customers table"


def needs_experiment(ds, parameters) -> str | None:
    """A referrals table and customers randomized to a program and a holdout group."""
    if ds.referrals is None:
        return "the dataset has no referrals table"
    groups = set(ds.customers["referral_group"].dropna()) if "referral_group" in ds.customers.columns else set()
    if not {"program", "holdout"} <= groups:
        return "the customers were not randomized to a program and a holdout group (column referral_group)"
    return None


def needs_referred_groups(ds, parameters) -> str | None:
    """Purchases and at least :data:`MIN_GROUP` referred and other customers."""
    if ds.transactions is None:
        return "the dataset has no transactions table"
    n = int(referred_flag(ds.customers, ds.referrals).sum())
    if not MIN_GROUP <= n <= len(ds.customers) - MIN_GROUP:
        return f"it needs at least {MIN_GROUP} referred and {MIN_GROUP} other customers ({n:,} of {len(ds.customers):,} are referred)"
    return None


def needs_nps_survey(ds, parameters) -> str | None:
    if ds.survey is None or "nps" not in ds.survey.columns:
        return "the dataset has no survey with the NPS question"
    return None


def needs_influence(ds, parameters) -> str | None:
    if ds.transactions is None or "influence" not in ds.transactions.columns:
        return "the transactions record no influence (reference group) of a purchase"
    return None


def needs_published(ds, parameters) -> str | None:
    return None if published.is_evidence(ds) else "the published evidence is its own dataset, referral_published"


programme = needs_customer_records
experiment = all_of(programme, needs_experiment)
referred = all_of(programme, needs_referred_groups)


# ---------------------------------------------------------------- readings

def _end(f: Findings, key: str, end: str):
    """The lower or upper end of an ok finding's interval (None otherwise: the rule does not hold)."""
    x = f.get(key)
    return getattr(x, end) if x is not None and x.ok else None


def _v(f: Findings, key: str, kind: str) -> str:
    return fmt(f.value(key), kind)


def _money(f: Findings, key: str) -> str:
    x = f[key]
    return fmt(x.value, "money", x.currency)


READINGS = (
    # 1. funnel
    Reading("k-below-one", "funnel", "the viral coefficient K is below 1",
            lambda f: f.value("viral_coefficient") < 1,
            lambda f: f"Each programme customer brings {_v(f, 'viral_coefficient', 'number')} new customers directly. "
                      "With K below 1 the referral chain dies out after two or three generations: every 100 customers "
                      f"bring about {fmt(100 * f.value('viral_coefficient') / (1 - f.value('viral_coefficient')), 'count')} "
                      "in all, generations included. Member get member is a steady trickle of customers, not viral "
                      "growth."),
    Reading("k-above-one", "funnel", "the viral coefficient K is 1 or more",
            lambda f: f.value("viral_coefficient") >= 1,
            lambda f: f"Each programme customer brings {_v(f, 'viral_coefficient', 'number')} new customers: in this "
                      "window every generation is at least as large as the one before, which lasts only until the "
                      "market runs out of people to invite."),
    Reading("promoters-refer-more", "funnel", "promoters sent invitations more often than detractors",
            lambda f: f.value("promoter_referral_rate") > f.value("detractor_referral_rate"),
            lambda f: f"Promoters refer more often than detractors ({_v(f, 'promoter_referral_rate', 'share')} against "
                      f"{_v(f, 'detractor_referral_rate', 'share')}): the NPS question picks out the customers worth "
                      "inviting to the programme first."),
    Reading("promoters-refer-no-more", "funnel", "promoters sent invitations no more often than detractors",
            lambda f: f.value("promoter_referral_rate") <= f.value("detractor_referral_rate"),
            "Promoters refer no more often than detractors here: the NPS group does not tell which customers will "
            "bring others."),
    # 2. value
    Reading("referred-worth-more", "value", "the 95% interval of the value difference lies above zero",
            lambda f: _end(f, "referred_clv_uplift", "lower") > 0,
            "Referred customers are the more valuable customers here, as Schmitt, Skiera & Van den Bulte (2011) "
            "found at a German bank: a reward may be worth paying even for customers the firm would have won "
            "another way, as long as it costs less than the difference."),
    Reading("referred-not-clearly-different", "value", "the 95% interval of the value difference includes zero",
            lambda f: _end(f, "referred_clv_uplift", "lower") <= 0 <= _end(f, "referred_clv_uplift", "upper"),
            lambda f: f"The difference could be anything from {fmt(_end(f, 'referred_clv_uplift', 'lower'), 'change')} to "
                      f"{fmt(_end(f, 'referred_clv_uplift', 'upper'), 'change')}: on these data referred customers are "
                      "not clearly worth more or less than others. A programme should not count on the premium the "
                      "bank study found (at least 16%) before its own data show it; the return below therefore values "
                      "each customer the programme adds at the value of a referred customer, with this uncertainty."),
    Reading("referred-worth-less", "value", "the 95% interval of the value difference lies below zero",
            lambda f: _end(f, "referred_clv_uplift", "upper") < 0,
            "Referred customers are worth less here, as Wolters & Gedenk (2019) found for email referrals at a "
            "telecommunications provider: the programme has to earn its rewards on the number of customers it adds, "
            "not on their quality."),
    Reading("stay-longer", "value", "the hazard ratio's 95% interval lies below 1",
            lambda f: _end(f, "referred_churn_hazard_ratio", "upper") < 1,
            "Referred customers stay longer than others with the same relationship level, as in both published "
            "studies; part of their value comes from staying, not from spending more."),
    Reading("stay-no-clear-difference", "value", "the hazard ratio's 95% interval includes 1",
            lambda f: _end(f, "referred_churn_hazard_ratio", "lower") <= 1 <= _end(f, "referred_churn_hazard_ratio", "upper"),
            lambda f: f"By the lapse rule referred customers do not clearly stay longer (hazard ratio "
                      f"{_v(f, 'referred_churn_hazard_ratio', 'ratio')}, interval across 1). The rule is a proxy that "
                      "treats younger customers unfairly (their lapses cannot be seen yet); the value above comes from "
                      "a purchase model that uses each customer's own observation time instead."),
    # 3. incrementality
    Reading("some-would-come-anyway", "incrementality", "a share of the rewarded referrals would have come anyway",
            lambda f: f.value("cannibalization_share") > 0,
            lambda f: f"The holdout, without rewards, still brought customers: about {_v(f, 'cannibalization_share', 'share')} "
                      "of the programme's rewarded referrals would have come anyway through word of mouth (口碑). The "
                      "programme pays rewards for them too, although it did not cause them; only the difference between "
                      "the groups counts as its effect, and the return below uses only that."),
    Reading("no-clear-lift", "incrementality", "the 95% interval of the lift includes zero",
            lambda f: _end(f, "referral_lift_per_customer", "lower") <= 0,
            "The programme group did not clearly bring more customers than the holdout: the rewards may be buying "
            "referrals that would have come anyway."),
    # 4. return
    Reading("roi-negative", "roi", "the 95% interval of the return lies below zero",
            lambda f: _end(f, "referral_roi", "upper") < 0,
            lambda f: f"At {_money(f, 'reward_per_conversion')} per conversion the programme costs more than the customers "
                      f"it adds are worth: it pays for every conversion, including those that would have come anyway. "
                      f"At today's response it would break even at a reward of about {_money(f, 'breakeven_reward')}; a "
                      "lower reward also brings fewer referrals, which this calculation holds fixed."),
    Reading("roi-positive", "roi", "the 95% interval of the return lies above zero",
            lambda f: _end(f, "referral_roi", "lower") > 0,
            lambda f: f"The customers the programme adds are worth more than all the rewards it pays, including those "
                      f"for customers who would have come anyway; the reward could rise to about "
                      f"{_money(f, 'breakeven_reward')} before the programme stops paying (at today's response)."),
    Reading("roi-unclear", "roi", "the 95% interval of the return includes zero",
            lambda f: _end(f, "referral_roi", "lower") <= 0 <= _end(f, "referral_roi", "upper"),
            "The interval of the return includes zero: the data cannot tell whether the programme pays. The tornado "
            "shows which input would settle it."),
    # 5. customer referral value
    Reading("crv-misses-advocates", "crv", "a ranking by CLV alone misses half or more of the top referrers",
            lambda f: f.value("top_referrers_missed_share") >= 0.5,
            lambda f: f"The best referrers are rarely the best buyers: a loyalty programme that ranks customers by what "
                      f"they buy would overlook {_v(f, 'top_referrers_missed_share', 'share')} of the customers who bring "
                      "the most value through others. Kumar, Petersen & Leone (2007) report the same at a telecom and a "
                      "financial-services firm."),
    # 6. word of mouth
    Reading("wom-negative-at-claims", "wom", "net word of mouth is negative at the assumed reaches",
            lambda f: f.value("wom_net_per_respondent") < 0,
            lambda f: "With the assumed reaches the detractors' complaints outweigh the promoters' recommendations: "
                      f"a promoter is assumed to reach {_v(f, 'wom_assumed_reach_ratio', 'ratio')} as many people as a "
                      "detractor. East, Hammond & Wright's evidence (positive word of mouth about three times as common "
                      f"as negative) would need {_v(f, 'wom_east_reach_ratio', 'ratio')} here."),
    Reading("wom-sign-rests-on-claim", "wom", "the net balance changes sign over the reach grid",
            lambda f: f.value("wom_net_low") < 0 < f.value("wom_net_high"),
            lambda f: f"Over the grid of reaches the balance runs from {_v(f, 'wom_net_low', 'number')} to "
                      f"{_v(f, 'wom_net_high', 'number')} people per respondent: its sign rests on the assumed reaches, "
                      "and no primary source is known for 8 and 25. The lesson is to measure reach (ask customers how "
                      "many people they told) rather than repeat the rule of thumb."),
    Reading("wom-below-evidence", "wom", "the assumed reaches imply fewer positive per negative impression than "
            "East, Hammond & Wright's 3",
            lambda f: f.value("wom_positive_negative_ratio") < EAST_POSITIVE_TO_NEGATIVE,
            lambda f: f"The assumed reaches imply {_v(f, 'wom_positive_negative_ratio', 'ratio')} positive impressions "
                      "per negative one here, where 15 studies found about 3: reaches like the source material's paint "
                      "word of mouth darker than the evidence does."),
    Reading("family-near-claim", "reference", "the share of purchases influenced by family is within 5 points of "
            "the claimed 35%",
            lambda f: abs(f.value("family_influence_share") - SOURCE_INFLUENCE["family"]) <= 0.05,
            "Family influence here is close to the 35% the source material cites: reference groups (亲人 / 网络社区影响) "
            "shape a large part of purchases, which is what a referral programme builds on."),
    Reading("family-far-from-claim", "reference", "the share of purchases influenced by family is more than 5 points "
            "from the claimed 35%",
            lambda f: abs(f.value("family_influence_share") - SOURCE_INFLUENCE["family"]) > 0.05,
            "Family influence here is far from the 35% the source material cites: the figure is one survey's, not a "
            "constant of marketing."),
    # published evidence
    Reading("ssv-recomputed-agrees", "published_value", "the recomputed premium is at least the published one",
            lambda f: f.value("ssv_clv_uplift") >= f.value("ssv_value_premium"),
            lambda f: f"The bank's printed margins and churn reproduce \"at least 16%\": {_v(f, 'ssv_clv_uplift', 'change')} "
                      "when the base retention makes a non-referred customer worth what the two published numbers imply "
                      f"({_money(f, 'ssv_value_difference')} / 16%). Both gaps work in the same direction at the bank: "
                      "referred customers earn more while the margin gap lasts (about 30 months) and stay longer for good."),
    Reading("ssv-premium-rests-on-retention", "published_value", "the recomputed premium falls below the published "
            "one for some base retention",
            lambda f: f.value("ssv_clv_uplift_low") < f.value("ssv_value_premium") <= f.value("ssv_clv_uplift_high"),
            lambda f: f"The size of the premium rests on the base retention, which no source we could read prints: over "
                      f"three assumptions it runs from {_v(f, 'ssv_clv_uplift_low', 'change')} to "
                      f"{_v(f, 'ssv_clv_uplift_high', 'change')}. The lower figure uses a blog's share of customers still "
                      "with the bank after 33 months, which overstates retention (most customers were observed for less)."),
    Reading("segments-young-pay", "published_segments", "the difference of the 26-35 segment exceeds the reward",
            lambda f: f.value("ssv_value_difference_26_35") > f.value("ssv_reward"),
            lambda f: f"The premium is not the same for everyone: for customers aged 26 to 35 the difference "
                      f"({_money(f, 'ssv_value_difference_26_35')}) is {fmt(f.value('ssv_value_difference_26_35') / f.value('ssv_reward'), 'ratio')} "
                      f"the {_money(f, 'ssv_reward')} reward."),
    Reading("segments-old-do-not", "published_segments", "referred customers over 55 are worth less",
            lambda f: "negative" in f.value("ssv_value_over_55"),
            "For customers over 55 a referred customer is worth slightly less than a non-referred one, so a reward "
            "paid for them does not pay: a bank would aim its programme at younger and at retail customers."),
    Reading("ssv-reward-pays-anyway", "published_reward", "the reward still pays at the assumed share who would "
            "have come anyway",
            lambda f: f.value("ssv_breakeven_reward_anyway") > f.value("ssv_reward"),
            "The reward still pays at the assumed share of referrals who would have come anyway. The bank study had "
            "no holdout, so the share is unknown there; the programme part of this notebook shows how a randomized "
            "holdout measures it."),
    Reading("ssv-reward-fails-anyway", "published_reward", "the reward does not pay at the assumed share who would "
            "have come anyway",
            lambda f: f.value("ssv_breakeven_reward_anyway") <= f.value("ssv_reward"),
            lambda f: f"At the assumed share the reward no longer pays: the study's 60% return holds only if fewer than "
                      f"{_v(f, 'ssv_max_share_anyway', 'share')} of the rewarded referrals would have come anyway. The bank "
                      "study had no holdout to measure that share; a randomized holdout (the programme part of this "
                      "notebook) does."),
    Reading("studies-disagree", "published_studies", "Wolters & Gedenk report a lower value for email referrals",
            lambda f: f.value("wg_value_direction") == "lower",
            lambda f: f"The studies agree that referred customers churn less and disagree on the margin. At the bank, "
                      f"lower churn alone would make up a margin deficit of at most {_v(f, 'wg_margin_deficit_offset', 'share')}; "
                      "at the telecom provider referred customers' smaller margins outweigh their lower churn, at least "
                      "for email referrals. A firm cannot take the bank's premium for its own: it should compare its own "
                      "referred customers' margins and churn before it sets a reward."),
)

SENTENCES = {
    # answer, programme
    "referred_clv_uplift": lambda f: (
        "Referred customers are worth more here" if f.lower is not None and f.lower > 0 else
        "Referred customers are worth less here" if f.upper is not None and f.upper < 0 else
        "Referred customers are not clearly worth more here")
        + ": a new referred customer brings {referred:money} over {months:count} months against {other:money} for a "
          "customer won otherwise, a difference of {value}{interval}.",
    "incremental_customers": "The programme caused {value} new customers{interval} of the {rewarded:count} it paid "
                             "rewards for; the others would have come anyway, as the randomized holdout shows.",
    "referral_roi": lambda f: (
        "The reward is not worth paying at this level" if f.upper is not None and f.upper < 0 else
        "The reward is worth paying" if f.lower is not None and f.lower > 0 else
        "Whether the reward is worth paying is not clear")
        + ": the programme's return is {value}{interval}, at {reward:money} per conversion and {fixed:money} of "
          "fixed cost.",
    "breakeven_reward": "It breaks even at a reward of {value} per conversion{interval}, against the {reward:money} paid.",
    # programme, other results
    "referrer_share": "{value} of the programme customers sent at least one invitation{interval}, "
                      "{per_referrer:number invitations} each on average.",
    "conversion_rate": "{value} of their invitations became customers{interval}.",
    "time_to_convert_days": "Half of the invitations that converted did so within {value}{interval}.",
    "viral_coefficient": "Each programme customer brought {value} new customers directly, the viral coefficient "
                         "K{interval}.",
    "promoter_referral_rate": "{value} of the promoters sent an invitation, against {detractors:share} of the detractors.",
    "referred_churn_hazard_ratio": "Referred customers lapse at {value} the rate of other customers with the same "
                                   "relationship level{interval}.",
    "referral_lift_per_customer": "A programme customer brought {value} more than a holdout customer{interval}.",
    "cannibalization_share": "{value} of the rewarded referrals would have come anyway{interval}: the holdout brought "
                             "{holdout:number customers} per customer without rewards, the programme "
                             "{program:number customers}.",
    "crv_mean": "A programme customer's referral value is {value} on average (median {median:money}), beside an "
                "expected future CLV of {clv:money}.",
    "top_referrers_missed_share": "Of the {top:count} customers with the highest referral value, a ranking by CLV "
                                  "alone would miss {value}.",
    "wom_net_per_respondent": "With the assumed reaches ({pos:number people} per promoter, {neg:number people} per "
                              "detractor), the {promoters:count} promoters and {detractors:count} detractors among "
                              "{respondents:count} respondents give {value} of net word of mouth per respondent.",
    "wom_positive_negative_ratio": "At those reaches positive word of mouth would reach {value} as many people as "
                                   "negative; across 15 studies East, Hammond & Wright (2007) found positive word of "
                                   "mouth about 3 times as common as negative.",
    "wom_net_low": "Over reaches of {pos_low:number} to {pos_high:number} people per promoter and {neg_low:number} to "
                   "{neg_high:number} per detractor, the net balance runs from {value} to {high:number people} per "
                   "respondent.",
    "family_influence_share": "{value} of the purchases were influenced by family and {online:share} by online "
                              "communities; the source material claims 35% and 17%.",
    # answer, published evidence
    "ssv_clv_uplift": "Schmitt, Skiera & Van den Bulte (2011), a German bank: referred customers are worth more. The "
                      "study reports a premium of at least {published:change}; recomputed with this suite's CLV from the "
                      "bank's printed margins and churn it is {value} ({diff:money} over six years), and {low:change} to "
                      "{high:change} over three assumptions about the base retention, which no source prints.",
    "ssv_reward_roi": lambda f: ("The bank's {reward:money} reward is worth paying" if f.value > 0 else
                                 "The bank's {reward:money} reward is not worth paying")
        + ": it buys a difference of about {diff:money} per referred customer, a return of {value}, and keeps paying "
          "as long as fewer than {smax:share} of the rewarded referrals would have come anyway.",
    "wg_value_direction": "Wolters & Gedenk (2019), a telecommunications provider: referred customers churn less but "
                          "earn smaller margins, and new customers referred by email have a {value} customer value "
                          "than non-referred ones.",
    "wg_breakeven_reward": lambda f: (
        "For email referrals the break-even reward is therefore {value}: no positive reward is worth paying, on the "
        "bank study's reading that a reward buys the difference in value." if f.value == "below zero" else
        "For email referrals the break-even reward is {value}.")
        + " The study's numbers are not in any source we could read, so no amount can be given.",
    # published evidence, other results
    "ssv_value_premium": "The study reports a value premium of at least {value} for a referred customer over a "
                         "comparable non-referred one, about {diff:money} over six years; no interval is printed in the "
                         "sources we could read.",
    "ssv_value_difference_26_35": "By age, the authors' summary gives {value} more for referred customers aged 26 to 35, "
                                  "{mid:money} for those aged 36 to 55 and {old} for those over 55; the difference is "
                                  "larger for retail than for private-banking customers.",
    "ssv_breakeven_reward": "The break-even reward is {value} per referred customer, the whole published difference "
                            "(recomputed: {recomputed:money}).",
    "ssv_breakeven_reward_anyway": "If {s:share} of the rewarded referrals would have come anyway, the reward buys "
                                   "the difference only for the rest and breaks even at {value}.",
    "ssv_max_share_anyway": "The {reward:money} reward pays as long as fewer than {value} of the rewarded referrals "
                            "would have come anyway.",
    "wg_margin_deficit_offset": "With the bank's retention and churn gap (18% less churn), referred customers could "
                                "earn margins up to {value} smaller and still be worth as much as non-referred ones "
                                "over six years.",
}

SPEC = Spec(
    notebook="03_referral_roi",
    question=QUESTION,
    sections=(
        Section("programme", "the programme on the dataset's own customers (sections 1 to 6: the referral funnel, "
                             "the value of referred customers, incrementality, the return, referral value and word of "
                             "mouth)", programme),
        Section("funnel", "the referral funnel and the viral coefficient (section 1)", experiment, listed=False),
        Section("value", "the value of referred customers (section 2)", referred, listed=False),
        Section("incrementality", "incrementality against the holdout (section 3)", experiment, listed=False),
        Section("roi", "the programme's return (section 4)", all_of(experiment, referred), listed=False),
        Section("crv", "customer referral value (section 5)", all_of(experiment, referred), listed=False),
        Section("wom", "the word-of-mouth claims (section 6)", all_of(programme, needs_nps_survey), listed=False),
        Section("reference", "reference groups (section 6)", all_of(programme, needs_influence), listed=False),
        Section("claims_truth", "how the synthetic world drew word of mouth and influences",
                all_of(programme, needs_truth), listed=False),
        Section("truth", "the estimates beside the generator's truth",
                all_of(experiment, referred, needs_truth), listed=False),
        Section("published_value", "the published value of referred customers (section 7)", needs_published,
                listed=False),
        Section("published_segments", "the published segments (section 8)", needs_published, listed=False),
        Section("published_reward", "the break-even reward the published premium implies (section 9)",
                needs_published, listed=False),
        Section("published_studies", "the two studies side by side (section 10)", needs_published, listed=False),
    ),
    answer=("referred_clv_uplift", "incremental_customers", "referral_roi", "breakeven_reward",
            "ssv_clv_uplift", "ssv_reward_roi", "wg_value_direction", "wg_breakeven_reward"),
    sentences=SENTENCES,
    readings=READINGS,
    parameters={
        "reward_referrer": at_least(0), "reward_referee": at_least(0), "fixed_cost": at_least(0),
        "margin": between(0.01, 1, " (a share of revenue)"), "annual_discount_rate": between(0, 1, " (per year)"),
        "horizon_months": at_least(1), "inactivity_days": at_least(1),
        "positive_reach": above(0, " people"), "negative_reach": above(0, " people"),
        "share_anyway": between(0, 1, " (a share)"),
        "bootstrap": at_least(20, " resamples for a percentile interval"), "seed": at_least(0),
    },
)
