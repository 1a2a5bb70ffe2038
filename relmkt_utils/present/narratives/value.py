"""Notebook 02, customer delivered value (客户让渡价值): which value and cost components drive satisfaction,
choice and retention?

Sections and what they need:

* on a survey that measures Kotler's components (items ``<component>_<k>`` of the eight canonical value
  and cost components, :func:`needs_kotler_survey`): ``measurement`` (scales, the delivered-value index),
  ``drivers`` (what satisfaction moves with, what to improve first), ``behaviour`` and ``levels``
  (dropout by delivered value and relationship level, with the purchases);
* on a choice experiment: ``choice`` (part-worths, WTP, hit rate), ``simulator`` and ``mixed`` (the
  mixed logit, unless ``mxl_draws`` is 0);
* ``*_truth``: remarks beside the generator's truth, synthetic data only (not listed).

A survey that declares its own constructs in dataset.yml (``survey_items``, e.g. the ECSI model's image,
expectations, perceived quality, perceived value, satisfaction and loyalty) does not measure Kotler's
components: the Kotler sections say so, and section 5, delivered value on a real survey (the
customer-satisfaction index model, :func:`relmkt_utils.value.pls.ecsi.ecsi_analysis`), runs instead
(:func:`needs_ecsi_survey`): ``ecsi`` (the model and its measurement quality), ``ecsi_drivers`` (what
drives satisfaction and loyalty, and how much runs through satisfaction) and ``ecsi_ipma`` (where the
next euro of improvement goes). Its answer keys (``ecsi_*``) and the Kotler sections' never meet in one
run, so each run's answer has at most seven sentences.

Each reason a section is left out is listed once: the survey sections under ``measurement``, the choice
sections under ``choice``, dropout and levels under ``behaviour``; their companions are not listed again.
"""
from __future__ import annotations

from ...value.drivers import OUTCOMES
from ...value.measurement import kotler_components
from ...value.pls.ecsi import ECSI_REQUIRED
from ..findings import Findings, capital
from ..readings import Reading
from ..tables import fmt
from . import Check, Section, Spec, all_of, at_least, needs_table, needs_truth, one_of

#: The usual bar for a reliable scale (Nunnally).
ALPHA_BAR = 0.7
#: The equal-weight index "loses" the components' explanation when it keeps less than this share of the R².
EQUAL_WEIGHTS_KEEP = 0.9
#: Keys of the WTP of Kotler's cost components in the choice experiment.
COST_WTP = ("wtp_monetary", "wtp_time", "wtp_energy", "wtp_psychic")


# ------------------------------------------------------------------------------------------ requirements

def needs_kotler_survey(ds, parameters) -> str | None:
    """A survey with items of at least one value and one cost component of Kotler's delivered value."""
    if getattr(ds, "survey", None) is None:
        return "the dataset has no survey"
    found = kotler_components(ds.survey)
    if found["value"] and found["cost"]:
        return None
    declared = (ds.meta.get("survey_items") or {}).get("constructs") if hasattr(ds, "meta") else None
    if declared:
        return ("its survey measures its own constructs (" + ", ".join(str(c).replace("_", " ") for c in declared)
                + "), not Kotler's value and cost components")
    return "its survey has no items of Kotler's value and cost components"


def needs_declared_survey(ds, parameters) -> str | None:
    """A survey whose constructs are declared in dataset.yml (``survey_items``): the ECSI model's."""
    if getattr(ds, "survey", None) is None:
        return "the dataset has no survey"
    if not (ds.meta.get("survey_items") or {}).get("constructs"):
        if kotler_components(ds.survey)["value"]:
            return ("its survey measures Kotler's value and cost components, not the constructs of the "
                    "customer-satisfaction index model")
        return "its survey does not say which items measure which construct"
    return None


def needs_ecsi_survey(ds, parameters) -> str | None:
    """A survey with declared constructs (:func:`needs_declared_survey`) among which are the six the ECSI
    model cannot do without (image, expectations, perceived quality, perceived value, satisfaction, loyalty)."""
    reason = needs_declared_survey(ds, parameters)
    if reason:
        return reason
    declared = ds.meta["survey_items"]["constructs"]
    missing = [c for c in ECSI_REQUIRED if c not in declared]
    if missing:
        return ("its survey does not measure " + ", ".join(c.replace("_", " ") for c in missing)
                + ", which the customer-satisfaction index model needs")
    return None


def needs_outcome(ds, parameters) -> str | None:
    """The survey has the outcome the driver analysis explains."""
    outcome = parameters.get("outcome", "satisfaction")
    if getattr(ds, "survey", None) is None or outcome not in ds.survey.columns:
        return f"the survey has no {outcome.replace('_', ' ')} answers"
    return None


def needs_mixed_draws(ds, parameters) -> str | None:
    """The mixed logit runs unless ``mxl_draws`` is 0."""
    return "left out by mxl_draws = 0" if int(parameters.get("mxl_draws", 0) or 0) == 0 else None


def needs_levels(ds, parameters) -> str | None:
    """The customers table says each customer's relationship level (Berry's financial, social, structural)."""
    customers = getattr(ds, "customers", None)
    if customers is None or "relationship_level" not in customers.columns:
        return "the customers table has no relationship level"
    return None


SURVEY = needs_kotler_survey
ECSI = needs_ecsi_survey
DROPOUT = all_of(needs_kotler_survey, needs_table("transactions"))
CHOICES = needs_table("choices")

SECTIONS = (
    Section("measurement", "the survey sections: measuring value and cost (section 1) and what drives "
            "satisfaction (section 2)", SURVEY),
    Section("measurement_truth", "scales beside the truth", all_of(needs_truth, SURVEY), listed=False),
    Section("drivers", "what drives satisfaction (section 2)", all_of(SURVEY, needs_outcome), listed=False),
    Section("drivers_truth", "drivers beside the truth", all_of(needs_truth, SURVEY, needs_outcome), listed=False),
    Section("choice", "the choice experiment: willingness to pay, shares and the simulator (section 3)", CHOICES),
    Section("choice_truth", "choices beside the truth", all_of(needs_truth, CHOICES), listed=False),
    Section("simulator", "market shares and the simulator (section 3a)", CHOICES, listed=False),
    Section("mixed", "tastes differ: the mixed logit (section 3b)", all_of(CHOICES, needs_mixed_draws), listed=False),
    Section("behaviour", "delivered value and dropout, by relationship level (section 4)", DROPOUT),
    Section("levels", "delivered value by relationship level (section 4a)", all_of(DROPOUT, needs_levels),
            listed=False),
    Section("behaviour_truth", "dropout beside the truth", all_of(needs_truth, DROPOUT), listed=False),
    Section("ecsi", "delivered value on a real survey: the customer-satisfaction index model (section 5)", ECSI),
    Section("ecsi_drivers", "what drives satisfaction and loyalty (section 5b)", ECSI, listed=False, after=("ecsi",)),
    Section("ecsi_ipma", "where the next euro of improvement goes (section 5c)", ECSI, listed=False, after=("ecsi",)),
)


# ------------------------------------------------------------------------------------------ sentences

def _interval(f: Findings, key: str) -> tuple[float, float] | tuple[None, None]:
    found = f.get(key)
    if found is None or not found.ok or found.lower is None:
        return None, None
    return found.lower, found.upper


def _alpha_sentence(finding) -> str:
    verdict = ("at least the usual 0.7, so every component is measured reliably" if finding.value >= ALPHA_BAR
               else "below the usual 0.7: that scale's items do not agree well")
    return "The least reliable scale, {component}, has Cronbach's alpha {value}{interval}: " + verdict + "."


def _share_change_sentence(finding) -> str:
    verb = "raise" if finding.value > 0 else "lower" if finding.value < 0 else "leave"
    return ("In the simulator, {change} would " + verb + " our offer's share from {before:share} to {after:share} "
            "({value}) and change its revenue by {revenue:change}.")


def _hazard_sentence(finding) -> str:
    if finding.upper is not None and finding.upper < 1:
        lead = "Customers who perceive more delivered value stay longer"
    elif finding.lower is not None and finding.lower > 1:
        lead = "Customers who perceive more delivered value drop out sooner"
    else:
        lead = "The survey does not show that delivered value keeps customers"
    return lead + ": one point more goes with a dropout hazard {value} as high{interval}."


#: The usual bars of the measurement model (relmkt_utils.value.pls.quality.THRESHOLDS).
HTMT_DISTINCT, HTMT_SIMILAR, LOADING_BAR, LOADING_DROP = 0.85, 0.90, 0.708, 0.40
#: "Much of" image's effect on loyalty runs through satisfaction when more than this share does.
HALF = 0.5


def _reliable_sentence(finding, context) -> str:
    bars = ("the usual bars of reliability and convergent validity (Cronbach's alpha and composite reliability at "
            "least 0.70, average variance extracted, AVE, at least 0.50)")
    if finding.value >= context.get("n", 0):
        return "All {value} constructs measured by several items meet " + bars + "."
    verb = "falls" if context.get("n", 0) - finding.value == 1 else "fall"
    return "{value} of the {n:count} constructs measured by several items meet " + bars + "; {unreliable} " + verb + \
        " short."


def _htmt_sentence(finding) -> str:
    verdict = (": below 0.85, so customers tell every pair of constructs apart." if finding.value < HTMT_DISTINCT
               else ": between 0.85 and 0.90, distinct only for constructs as close in meaning as these."
               if finding.value < HTMT_SIMILAR else ": 0.90 or more, so customers answer their items as if they asked "
               "about one thing.")
    return ("The two constructs customers tell apart least, {pair}, have a heterotrait-monotrait ratio (HTMT) of "
            "{value}{interval}" + verdict)


def _loading_sentence(finding) -> str:
    verdict = (": it scarcely measures its construct." if finding.value < LOADING_DROP
               else ", below the usual 0.708 (its construct explains less than half of its answers)."
               if finding.value < LOADING_BAR else ", above the usual 0.708.")
    return "The weakest item, {item}{wording}, loads {value}{interval} on its construct" + verdict


def _improve_sentence(finding, context) -> str:
    if context.get("quadrant") == "concentrate here":
        return ("Where the next euro goes: improve {construct} first. It matters for loyalty — each point more on its "
                "0–100 score goes with {value} more{interval} — and customers rate it {performance:number} of 100, "
                "below the median of the constructs ({median:number}).")
    return ("No construct is both important for loyalty and rated below the others: the one the map puts first, "
            "{construct} (rated {performance:number} of 100, below the median), adds only {value} per point of its "
            "score{interval}, while {top}, the most important, is already rated above the median.")


SENTENCES = {
    "cronbach_alpha_min": _alpha_sentence,
    "delivered_value_mean": "On a scale from −6 to 6, surveyed customers perceive on average a delivered value "
                            "(value minus cost) of {value}{interval}; {positive:share} of them perceive more value "
                            "than cost.",
    "ols_r2": "The eight components explain {value} of the differences in {outcome}; Kotler's equal-weight "
              "delivered value alone explains {dv:share}.",
    "top_improvement_driver": "Of the components, {driver} moves {outcome} most. The component to improve first, "
                              "important to customers but rated below the other components, is {value}.",
    "wtp_most_valued": "In the choice experiment, customers would pay most for {what}: {value} more{interval}.",
    "choice_hit_rate": "Customers chose the offer with the largest estimated utility (delivered value) in {value} of "
                       "{tasks:count} choices, against {chance:share} by chance.",
    "true_hit_rate": "With the generator's own part-worths the hit rate is {value}: below 100% although the data "
                     "follow the model exactly.",
    "true_wtp_covered": "{value} of the {n:count} true WTPs lie inside their 95% intervals.",
    "simulated_share_change": _share_change_sentence,
    "best_lever": "Of the one-unit changes of our offer, {value} gains most share: {gain:points}.",
    "mxl_simulated_share_change": "The mixed logit puts the same change at {value} (the conditional logit: "
                                  "{logit:points}).",
    "mxl_opposite_most_valued": "Tastes differ: {value} of customers would rather not have {what}, which most "
                                "customers value (for them its part-worth is negative).",
    "mxl_lr_p": lambda f: "Letting each customer have her own tastes fits the choices " + (
        "far better than one set of tastes for all" if f.value < 0.05 else "no better than one set of tastes for all")
        + " (likelihood-ratio test: p " + ("" if f.value < 0.001 else "= ") + "{value}).",
    "dropout_share": "Under the {weeks:count}-week rule {value} of the {n:count} surveyed customers dropped out; "
                     "{never:share} of these never bought after answering the survey.",
    "hr_delivered_value": _hazard_sentence,
    "dv_level_gap": "Structural customers perceive {value} more delivered value than financial ones{interval}.",
    # section 5: the customer-satisfaction index model
    "ecsi_constructs_reliable": _reliable_sentence,
    "ecsi_htmt_max": _htmt_sentence,
    "ecsi_loading_min": _loading_sentence,
    "ecsi_satisfaction_driver_effect": "Of the constructs of the customer-satisfaction index model, {driver} drives "
                                       "satisfaction most: customers who rate it one standard deviation higher (a "
                                       "typical difference between two customers) are {value} standard deviations "
                                       "more satisfied{interval}, counting its paths through the other constructs "
                                       "(its total effect).",
    "ecsi_loyalty_driver_effect": "Loyalty moves most with {driver}: {value} standard deviations per standard "
                                  "deviation{interval}.",
    "ecsi_r2_satisfaction": "The model explains {value} of the differences in satisfaction between customers"
                            "{interval} and {loyalty:share} of those in loyalty.",
    "ecsi_share_via_satisfaction": "Of image's total effect on loyalty ({total:number}), {value} runs through "
                                   "satisfaction{interval}; the rest ({direct:number}) is its direct effect.",
    "ecsi_improve_first_importance": _improve_sentence,
}


# ------------------------------------------------------------------------------------------ readings

def _v(f: Findings, key: str):
    return f.value(key)


def _equal_weight_text(f: Findings) -> str:
    kept = _v(f, "ols_r2_dv_only") / _v(f, "ols_r2")
    return (f"Customers do not weigh the components equally: the equal-weight index keeps only {fmt(kept, 'share')} "
            "of what the eight components explain. A firm should weigh them as its customers do (the standardized "
            "coefficients in the chart), not add them up.")


def _levers_text(f: Findings) -> str:
    return (f"Not every attribute is better with more: {_v(f, 'levers_lowering')} lower our offer's share — "
            "customers prefer less of them. Each bar of the chart has the sign of its effect.")


def _wtp_count(f: Findings) -> int:
    """How many attributes have a WTP finding (``wtp_<attribute>``, not the headline)."""
    return sum(1 for k in f.items if k.startswith("wtp_") and k != "wtp_most_valued" and f.ok(k))


def _plans_text(f: Findings) -> str:
    plans = [(name, f.get(key)) for key, name in (("wtp_tod", "a time-of-day plan"), ("wtp_seas", "a seasonal plan"))
             if f.ok(key)]
    return "; ".join(f"{name} is worth about as much as a fixed price of {fmt(-found.value, 'money', found.currency)}"
                     for name, found in plans)


def _costs_negative(f: Findings) -> bool:
    present = [k for k in COST_WTP if f.ok(k)]
    return bool(present) and all(_v(f, k) < 0 for k in present)


def _improve_ecsi_status(f: Findings, status: str) -> bool:
    found = f.get("ecsi_improve_first_importance")
    return found is not None and found.status == status


def _improve_status(f: Findings, status: str) -> bool:
    found = f.get("top_improvement_driver")
    return found is not None and found.status == status


def _ecsi_quadrant(f: Findings, concentrate: bool) -> bool:
    quadrant = _v(f, "ecsi_improve_first_quadrant")
    return quadrant is not None and (quadrant == "concentrate here") == concentrate


def _via_interval(f: Findings) -> tuple[float, float]:
    lower, upper = _interval(f, "ecsi_share_via_satisfaction")
    if lower is None:
        raise KeyError("ecsi_share_via_satisfaction")
    return lower, upper


def _unreliable_text(f: Findings) -> str:
    return (f"{capital(_v(f, 'ecsi_unreliable'))} are measured less well than the bars ask: their items agree less "
            "with each other, or the construct explains less than half of its items' answers, so their scores carry "
            "more noise. Noise blurs the paths to and from these constructs: read their coefficients as rough, and "
            "reword their items before the next survey.")


def _not_distinct_text(f: Findings) -> str:
    pairs = _v(f, "ecsi_not_distinct")
    return (f"Customers do not tell {pairs} (HTMT 0.90 or more): they answer these items as if they asked about "
            "one thing. The model still splits their effects between them, but that split rests on little; read "
            "a strong path between two such constructs as saying partly that they are the same, and their separate "
            "effects on satisfaction and loyalty with care.")


def _weak_item_text(f: Findings) -> str:
    return (f"{capital(_v(f, 'ecsi_weakest_item'))} asks something other than its construct's other items: an item "
            "that loads below 0.40 scarcely measures its construct, and Hair et al. (2019) advise dropping it. The "
            "model here keeps the published items, so that its numbers compare with the published ones; the "
            "construct's score rests on its other items.")


def _improve_none_text(f: Findings) -> str:
    return (f"The map has no construct in \"concentrate here\": every construct that matters much for loyalty is "
            f"already rated above the median. {capital(_v(f, 'ecsi_improve_first'))} comes first only because it is "
            f"rated below the median, and it matters little for loyalty. The next euro buys more loyalty where "
            f"importance is high — {_v(f, 'ecsi_most_important')} moves loyalty most per point — provided a point "
            "there costs no more than elsewhere.")


READINGS = (
    # measurement
    Reading("scales-reliable", "measurement", "the lowest Cronbach's alpha is at least 0.7",
            lambda f: _v(f, "cronbach_alpha_min") >= ALPHA_BAR,
            "Each component's items agree with each other, so its score (the mean of its items) can be used as it "
            "is. A scale is reliable (信度) when its alpha reaches about 0.7 (Nunnally)."),
    Reading("scale-weak", "measurement", "the lowest Cronbach's alpha is below 0.7",
            lambda f: _v(f, "cronbach_alpha_min") < ALPHA_BAR,
            "At least one scale falls below 0.7: its items ask different things. The item analysis for researchers "
            "shows which item to reword before its score is used."),
    Reading("dv-positive", "measurement", "the 95% interval of the mean delivered value lies above 0",
            lambda f: _interval(f, "delivered_value_mean")[0] > 0,
            "On average customers feel they get more than they give. Whether that keeps them depends on what "
            "rivals deliver, which a survey of one firm's customers cannot show: section 3 compares offers."),
    Reading("dv-negative", "measurement", "the 95% interval of the mean delivered value lies below 0",
            lambda f: _interval(f, "delivered_value_mean")[1] < 0,
            "On average customers feel they give more than they get: by Kotler's argument they are open to a rival "
            "that delivers more."),
    Reading("dv-balanced", "measurement", "the 95% interval of the mean delivered value includes 0",
            lambda f: _interval(f, "delivered_value_mean")[0] <= 0 <= _interval(f, "delivered_value_mean")[1],
            "On average perceived value and perceived cost balance. The spread matters more than the mean: the "
            "histogram shows how many customers feel they get more than they give, and section 4 asks whether "
            "those stay longer."),
    # drivers
    Reading("equal-weights-lose", "drivers", "the equal-weight index keeps less than 90% of the R² of the components",
            lambda f: _v(f, "ols_r2_dv_only") < EQUAL_WEIGHTS_KEEP * _v(f, "ols_r2"), _equal_weight_text),
    Reading("equal-weights-enough", "drivers", "the equal-weight index keeps at least 90% of the R² of the components",
            lambda f: _v(f, "ols_r2_dv_only") >= EQUAL_WEIGHTS_KEEP * _v(f, "ols_r2"),
            "Kotler's equal-weight index explains nearly as much as the eight components separately: customers "
            "weigh the components about equally here."),
    Reading("models-agree", "drivers", "the ordered logit names the same top driver as the regression",
            lambda f: _v(f, "top_driver") is not None and _v(f, "top_driver") == _v(f, "top_driver_ordered"),
            "The ordered logit, which treats each answer as an ordered category rather than a number, names the same "
            "top driver: the ranking does not rest on treating a 1–7 answer as a measurement."),
    Reading("models-disagree", "drivers", "the ordered logit names another top driver than the regression",
            lambda f: _v(f, "top_driver") != _v(f, "top_driver_ordered") and _v(f, "top_driver_ordered") is not None,
            lambda f: f"The ordered logit names {_v(f, 'top_driver_ordered')} instead: the two leading components are "
                      "close, and the ranking between them should not be read as settled."),
    Reading("improve-clear", "drivers", "the component to improve first performs clearly below the median",
            lambda f: _improve_status(f, "ok"),
            lambda f: f"{_v(f, 'top_improvement_driver').capitalize()} matters much to customers and is rated below "
                      "the other components: improving it buys the most satisfaction. Components in \"possible "
                      "overkill\" are rated well but matter little, so effort there could be moved."),
    Reading("improve-unclear", "drivers", "the component to improve first lies within two standard errors of the "
            "median performance", lambda f: _improve_status(f, "caution"),
            "The components are rated almost alike, so which side of the median line a component falls on could "
            "change with another sample of customers. Read the importance axis, which is the robust part: improve "
            "the components that matter most."),
    # choice
    Reading("hit-above-chance", "choice", "the hit rate is at least 1.5 times the chance rate",
            lambda f: _v(f, "choice_hit_rate") >= 1.5 * _v(f, "choice_chance_rate"),
            "Customers lean strongly towards the offer with the largest delivered value, far more often than "
            "chance, but not always: tastes differ between customers and moments, which the logit's random part "
            "represents. \"Customers choose the largest delivered value\" is a tendency, a probability, not a rule."),
    Reading("hit-near-chance", "choice", "the hit rate is below 1.5 times the chance rate",
            lambda f: _v(f, "choice_hit_rate") < 1.5 * _v(f, "choice_chance_rate"),
            "The model's favourite offer is chosen little more often than a random pick: the attributes of the "
            "experiment explain choices only weakly."),
    Reading("costs-negative", "choice", "every cost component in the experiment has a negative WTP",
            _costs_negative,
            "For the cost components the WTP is negative: it is what customers would pay to have one level less of "
            "that cost — the money value of convenience (方便)."),
    Reading("rate-plans", "choice", "the experiment has time-of-day or seasonal rate plans (priced by the plan)",
            lambda f: f.ok("wtp_tod") or f.ok("wtp_seas"),
            lambda f: "A rate plan has no fixed price: it enters the experiment with a fixed price of 0, so its WTP is "
                      "the fixed price customers find as good as the plan, with the sign turned: " + _plans_text(f) + "."),
    Reading("wtp-truth-missed", "choice_truth", "some true WTPs lie outside their intervals",
            lambda f: _v(f, "true_wtp_covered") < _wtp_count(f),
            "Every WTP shares the denominator, the price coefficient: when it is estimated a little too large in "
            "absolute value all WTPs shrink towards 0 together, so one or two true values can fall outside their "
            "intervals at once although each interval is right 95% of the time."),
    # simulator
    Reading("cut-costs-revenue", "simulator", "a price cut raises the share but lowers revenue",
            lambda f: _v(f, "simulated_attribute") == "price" and _v(f, "simulated_share_change") > 0
            and _v(f, "simulated_revenue_change") < 0,
            "The price cut wins buyers but loses revenue: the lower price costs more on the buyers the offer keeps "
            "than the new buyers bring."),
    Reading("cut-pays", "simulator", "a price cut raises both share and revenue",
            lambda f: _v(f, "simulated_attribute") == "price" and _v(f, "simulated_share_change") > 0
            and _v(f, "simulated_revenue_change") > 0,
            "The price cut pays for itself in revenue: the new buyers bring more than the lower price costs on the "
            "buyers the offer keeps. Whether it pays in profit depends on the cost of serving them."),
    Reading("same-price", "simulator", "the change keeps the price, so revenue moves with the share",
            lambda f: _v(f, "simulated_attribute") not in (None, "price"),
            "With the price unchanged, revenue moves in proportion to the share. Set the gain beside what the "
            "improvement costs: the lever that wins most share is often also the dearest to make."),
    Reading("levers-lower-share", "simulator", "some one-unit changes lower our offer's share",
            lambda f: _v(f, "levers_lowering_count") > 0, _levers_text),
    Reading("ccpr", "simulator", "the experiment varies Kotler's value and cost components",
            lambda f: _v(f, "kotler_levers") > 0,
            "The CCPR levers of the source (方便、关怀、个性化、立即响应) act on these components: convenience lowers time "
            "and energy cost, care and real-time response raise service and personnel value and lower psychic cost, "
            "personalization raises product and service value. The chart says which of them to fund first, in "
            "share won."),
    # mixed
    Reading("tastes-differ", "mixed", "the test of equal tastes rejects at 5%",
            lambda f: _v(f, "mxl_lr_p") < 0.05,
            "Customers differ in what they value: letting each customer have her own part-worths fits far better "
            "than one set for all. The conditional logit's part-worths are averages that are also scaled down by "
            "the taste variation it ignores; the WTPs, ratios of part-worths, are affected less."),
    Reading("some-dislike", "mixed", "at least 5% of customers have the other sign for the most valued attribute",
            lambda f: _v(f, "mxl_opposite_most_valued") >= 0.05,
            "An average hides customers who want the opposite: a campaign built on the most valued attribute would "
            "put off some customers, and a segment offer could serve them instead."),
    Reading("iia", "mixed", "the two models' share changes differ by more than one percentage point",
            lambda f: abs(_v(f, "mxl_simulated_share_change") - _v(f, "simulated_share_change")) > 0.01,
            "The two models disagree on the simulator: the conditional logit lets an improved offer draw buyers from "
            "every rival in proportion to its share (IIA); the mixed logit lets it draw more from the rivals that "
            "appeal to the same customers."),
    Reading("iia-agree", "mixed", "the two models' share changes differ by at most one percentage point",
            lambda f: abs(_v(f, "mxl_simulated_share_change") - _v(f, "simulated_share_change")) <= 0.01,
            "For this change the two models agree within a percentage point: the conditional logit's simpler "
            "substitution pattern does not mislead here."),
    # behaviour
    Reading("dv-keeps", "behaviour", "the hazard ratio's 95% interval lies below 1",
            lambda f: _interval(f, "hr_delivered_value")[1] < 1,
            "This supports the source's claim: customers who perceive more delivered value drop out (客户流失) later. "
            "It is an association in survey data, not an experiment: customers who stay for other reasons may also "
            "answer more warmly."),
    Reading("dv-unclear", "behaviour", "the hazard ratio's 95% interval includes 1",
            lambda f: _interval(f, "hr_delivered_value")[0] <= 1 <= _interval(f, "hr_delivered_value")[1],
            "The survey's delivered value does not separate customers who stay from those who leave clearly enough "
            "to tell; a longer inactivity rule or more customers would be needed."),
    Reading("dv-sooner", "behaviour", "the hazard ratio's 95% interval lies above 1",
            lambda f: _interval(f, "hr_delivered_value")[0] > 1,
            "Against the source's claim, customers who perceive more delivered value drop out sooner here: look for "
            "a reason in the data (who answered the survey, when) before acting on it."),
    Reading("slow-buyers", "behaviour", "at least 30% of the dropouts never bought after the survey",
            lambda f: _v(f, "dropout_never_bought_share") >= 0.3,
            "Many customers count as lost only because they buy rarely: the rule calls a customer lost after the "
            "stated weeks without a purchase, and some of them are still customers. This dilutes the association "
            "towards a hazard ratio of 1, so the effect of delivered value is likely understated (notebook 01 "
            "models being still a customer as unobserved)."),
    Reading("deeper-more-value", "levels", "structural customers perceive more delivered value (interval above 0)",
            lambda f: _interval(f, "dv_level_gap")[0] > 0,
            "Customers at the structural level (结构层次) perceive more delivered value than those held by price "
            "incentives alone (财务层次), as Berry's levels suggest: bonds that rivals cannot copy add value. The "
            "data cannot say which way it runs: the bonds may add value, or customers who already value the firm "
            "may choose deeper bonds."),
    Reading("bonds-beyond-value", "levels", "the structural level's hazard ratio lies below 1 (interval)",
            lambda f: _interval(f, "hr_structural")[1] < 1,
            "With delivered value held fixed, structural bonds still go with later dropout: the bonds keep "
            "customers beyond what they perceive in value, by raising the cost of switching."),
    # ecsi: the customer-satisfaction index model and its measurement
    Reading("ecsi-reliable", "ecsi", "every construct measured by several items meets the bars of alpha, composite "
            "reliability and AVE", lambda f: _v(f, "ecsi_constructs_reliable") >= _v(f, "ecsi_constructs_measured"),
            "Each construct's items agree with each other, so its score measures it reliably. The bars are "
            "conventions (Nunnally for alpha, Fornell & Larcker for AVE): far above them a scale is sound, near them "
            "it is only acceptable."),
    Reading("ecsi-unreliable", "ecsi", "some construct measured by several items misses the bar of alpha, "
            "composite reliability or AVE", lambda f: _v(f, "ecsi_constructs_reliable") < _v(f, "ecsi_constructs_measured"),
            _unreliable_text),
    Reading("ecsi-weak-item", "ecsi", "an item loads below 0.40 on its construct",
            lambda f: _v(f, "ecsi_loading_min") < LOADING_DROP, _weak_item_text),
    Reading("ecsi-distinct", "ecsi", "every pair of constructs has an HTMT below 0.85",
            lambda f: _v(f, "ecsi_htmt_max") < HTMT_DISTINCT,
            "Customers tell every pair of constructs apart (every HTMT below 0.85), so each path below is an effect "
            "between two different things."),
    Reading("ecsi-similar", "ecsi", "the largest HTMT lies between 0.85 and 0.90",
            lambda f: HTMT_DISTINCT <= _v(f, "ecsi_htmt_max") < HTMT_SIMILAR,
            "The closest pair of constructs passes only the bar for constructs close in meaning (0.90), not the strict "
            "one (0.85): their separate effects below rest on a thinner line between them."),
    Reading("ecsi-not-distinct", "ecsi", "some pair of constructs has an HTMT of 0.90 or more",
            lambda f: _v(f, "ecsi_htmt_max") >= HTMT_SIMILAR, _not_distinct_text),
    # ecsi_drivers
    Reading("ecsi-value-drives", "ecsi_drivers", "perceived quality or perceived value drives satisfaction most",
            lambda f: _v(f, "ecsi_satisfaction_driver") in ("perceived quality", "perceived value"),
            lambda f: f"What customers get for what they give drives their satisfaction most, as Kotler's customer "
                      f"delivered value (客户让渡价值) has it: perceived quality is the value they receive, perceived "
                      f"value sets it against the price they pay. Here {_v(f, 'ecsi_satisfaction_driver')} leads."),
    Reading("ecsi-image-drives", "ecsi_drivers", "image or expectations drive satisfaction most",
            lambda f: _v(f, "ecsi_satisfaction_driver") in ("image", "expectations"),
            lambda f: f"Satisfaction moves most with {_v(f, 'ecsi_satisfaction_driver')}, a judgement customers bring "
                      "to the purchase, more than with the quality and value they then receive: the firm's reputation "
                      "colours how its delivered value is judged."),
    Reading("ecsi-expectations-indirect", "ecsi_drivers", "the direct path from expectations to satisfaction has a "
            "95% interval that includes 0",
            lambda f: _interval(f, "ecsi_path_expectations_satisfaction")[0] <= 0
            <= _interval(f, "ecsi_path_expectations_satisfaction")[1],
            "Expectations raise satisfaction only through the quality and value customers then perceive: their direct "
            "path is indistinguishable from 0. High expectations do not satisfy by themselves; what customers then "
            "receive does."),
    Reading("ecsi-loyalty-beyond", "ecsi_drivers", "the model explains less than half of the differences in loyalty",
            lambda f: _v(f, "ecsi_r2_loyalty") < HALF,
            "More than half of the differences in loyalty lie outside the model. Satisfaction and image do not keep "
            "customers on their own: switching costs, contracts and habits — Berry's structural bonds (结构层次) — "
            "keep them too, and this survey does not ask about them."),
    Reading("ecsi-via-most", "ecsi_drivers", "the 95% interval of the share of image's effect on loyalty through "
            "satisfaction lies above 50%", lambda f: _via_interval(f)[0] > HALF,
            "Most of what a good image does for loyalty it does by satisfying customers: image pays off only where "
            "the experience confirms it."),
    Reading("ecsi-via-half", "ecsi_drivers", "the 95% interval of the share of image's effect on loyalty through "
            "satisfaction includes 50%", lambda f: _via_interval(f)[0] <= HALF <= _via_interval(f)[1],
            "About half of image's effect on loyalty runs through satisfaction, and about half is direct: a reputable "
            "firm keeps customers both by satisfying them and because they trust it even when one experience "
            "disappoints."),
    Reading("ecsi-via-little", "ecsi_drivers", "the 95% interval of the share of image's effect on loyalty through "
            "satisfaction lies below 50%", lambda f: _via_interval(f)[1] < HALF,
            "Image keeps customers mostly directly, not by satisfying them: trust in the firm's name holds them even "
            "where their experience is ordinary."),
    # ecsi_ipma
    Reading("ecsi-improve-clear", "ecsi_ipma", "the construct to improve first is important and rated low, both "
            "intervals clear of the map's median lines",
            lambda f: f.ok("ecsi_improve_first_importance") and _ecsi_quadrant(f, True),
            lambda f: f"{capital(_v(f, 'ecsi_improve_first'))} is clearly in \"concentrate here\": it matters more "
                      "for loyalty than most constructs and customers rate it lower. Constructs in \"possible "
                      "overkill\" are rated well but matter little, so effort there could move to it."),
    Reading("ecsi-improve-unclear", "ecsi_ipma", "the construct to improve first lies in \"concentrate here\", but an "
            "interval crosses a median line", lambda f: _improve_ecsi_status(f, "caution"),
            "The map's choice is not sharp: within the sampling error the construct could sit on the other side of a "
            "median line. Read the map as a short list — the constructs near the crossing of the lines — rather "
            "than as one winner, and let the cost of a point more of each decide between them."),
    Reading("ecsi-improve-none", "ecsi_ipma", "no construct lies in \"concentrate here\"",
            lambda f: _ecsi_quadrant(f, False), _improve_none_text),
    Reading("ecsi-next-euro", "ecsi_ipma", "the map names a construct to improve first",
            lambda f: f.get("ecsi_improve_first_importance") is not None
            and f.get("ecsi_improve_first_importance").value is not None,
            "The map ranks points of performance, not euros: which euro buys most loyalty also depends on what a point "
            "more of each construct costs, which a survey cannot tell. Set each construct's importance beside the cost "
            "of raising its score by a point."),
)


PARAMETERS = {
    "outcome": one_of(*OUTCOMES),
    "bootstrap": at_least(20, " resamples for a percentile interval"),
    "simulate_change": Check(lambda v: v != 0, "must not be 0 (it is the change of the simulated attribute)"),
    "inactivity_weeks": Check(lambda v: v > 0, "must be above 0 weeks"),
    "mxl_draws": Check(lambda v: v == 0 or v >= 50, "must be 0 (no mixed logit) or at least 50 draws"),
    "seed": at_least(0),
    "ecsi_bootstrap": at_least(100, " resamples for the percentile intervals of the satisfaction-index model"),
}

SPEC = Spec(
    notebook="02_delivered_value",
    question="Which value and cost components drive satisfaction, choice, loyalty and retention, what is each worth to "
             "customers, and where should the next euro of improvement go?",
    sections=SECTIONS,
    answer=("delivered_value_mean", "top_improvement_driver", "hr_delivered_value", "wtp_most_valued",
            "choice_hit_rate", "simulated_share_change", "mxl_opposite_most_valued",
            "ecsi_satisfaction_driver_effect", "ecsi_loyalty_driver_effect", "ecsi_r2_satisfaction",
            "ecsi_share_via_satisfaction", "ecsi_improve_first_importance"),
    sentences=SENTENCES,
    readings=READINGS,
    parameters=PARAMETERS,
)
