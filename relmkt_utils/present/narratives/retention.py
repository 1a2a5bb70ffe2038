"""Notebook 04, retention vs acquisition: what is a customer worth, and where should the next unit of money go?

Sections (``needs``):

* ``clv`` (1) and ``sbg`` (2) run on every dataset: the closed-form CLV, and the sBG on a contract
  business's cohorts -- the dataset's own ``cohorts`` table, else Fader & Hardie's published cohorts.
  Findings on the published cohorts in a run of another dataset are recorded under ``published_*``
  keys with ``card=False`` (the index card quotes only its own dataset); on the dataset
  ``fader_hardie_2007`` they are its own and answer the question.
* ``dataset`` (3a) needs the customers and their purchases in memory; ``cohorts`` (3b), ``value``
  (4), ``uplift`` (4a-4b) and ``value_groups`` (4c) need the same and are not listed on their own
  (the ``dataset`` entry says why all of them are missing), so a dataset without purchases lists one
  section, not five; a pooled sBG that cannot be fitted skips section 4 at run time and says so in
  the CLV's sentence. (A section id per block of cells keeps each block's readings beside it.)
* ``spend`` (5a) and ``optimum`` (5b, not listed) need the spend table; ``truth`` (remarks beside a
  synthetic world's truth) is hidden on real data.

Statuses: values built on the pooled sBG carry the caution of
:func:`relmkt_utils.retention.projection_caveat` (fewer than six periods of renewals, or a holdout
error of 5% or more); customer equity is not estimable without an acquisition cost, and every table
follows that one rule (:class:`relmkt_utils.retention.CustomerValue`).
"""
from __future__ import annotations

from ...retention.evidence import COST_RATIO_CLAIM
from ...retention.holdout import HOLDOUT_FIT_THRESHOLD
from ..findings import Findings
from ..readings import Reading
from ..tables import fmt
from . import Check, Section, Spec, above, all_of, at_least, needs_groups, needs_log_in_memory, needs_table, \
    needs_truth, one_of

LIMIT = f"{HOLDOUT_FIT_THRESHOLD:.0f}%"
LOW, HIGH = COST_RATIO_CLAIM


def _f(f: Findings, key: str, kind: str) -> str:
    """The value of the ok finding ``key`` as text of ``kind`` (money in the run's currency)."""
    found = f.get(key)
    return fmt(f.value(key), kind, found.currency if found is not None else "")


def _money(f: Findings, value, key: str) -> str:
    """An amount computed from findings, in the currency of the finding ``key``."""
    return fmt(value, "money", f.get(key).currency)


def _either(f: Findings, key: str):
    """The value of ``key`` recorded on the dataset's own cohorts, else on the published ones."""
    own = f.value(key)
    return own if own is not None else f.value(f"published_{key}")


def _period(f: Findings) -> str:
    return f.value("cohort_period") or "period"


def _periods(n, period: str) -> str:
    return f"{fmt(n, 'count')} {period}{'' if n == 1 else 's'}"


def _found(f: Findings, key: str) -> bool:
    return f.get(key) is not None and f.get(key).value is not None


def _caution_note(f: Findings, key: str) -> str:
    return "" if f.ok(key) else " (read it with the caution above: the sBG behind it is uncertain here)"


# ------------------------------------------------------------------------------------------ readings

READINGS = (
    # 1. the closed form
    Reading("timing-gap", "clv", "both timing conventions of the worked example were computed",
            lambda f: f.value("example_clv_start") > f.value("example_clv_end"),
            lambda f: "In years of margin, the same customer is worth "
                      f"{fmt(f.value('example_clv_start') / (f.value('example_clv_start') - f.value('example_clv_end')), 'number')} "
                      "when the first margin is paid at acquisition and "
                      f"{fmt(f.value('example_clv_end') / (f.value('example_clv_start') - f.value('example_clv_end')), 'number')} "
                      "when margins come at the end of each year: the gap, "
                      f"{_money(f, f.value('example_clv_start') - f.value('example_clv_end'), 'example_clv_start')}, is "
                      "exactly the first year's margin. A CLV means little until it says which convention it uses."),
    # 2. the sBG on a contract business's cohorts
    Reading("sbg-projects", "sbg", f"the sBG misses the held-out years by less than {LIMIT}, the constant rate by "
            "more than twice as much and too low (it projects too few survivors)",
            lambda f: _either(f, "sbg_holdout_error") < HOLDOUT_FIT_THRESHOLD
            and _either(f, "constant_r_holdout_error") > 2 * _either(f, "sbg_holdout_error")
            and _either(f, "constant_r_holdout_bias") < 0,
            lambda f: "The sBG projects years it has not seen within "
                      f"{fmt(_either(f, 'sbg_holdout_error'), 'percent')}; one constant retention rate misses them by "
                      f"{fmt(_either(f, 'constant_r_holdout_error'), 'percent')}, projecting too few survivors. The constant rate is "
                      "fitted to the early years, when many customers leave, and the later years keep more: a cohort's "
                      "retention rate rises with tenure because the customers likely to leave leave first "
                      "(heterogeneity, not a change in anyone's loyalty)."),
    Reading("sbg-misses", "sbg", f"the sBG misses the held-out years by {LIMIT} or more",
            lambda f: _either(f, "sbg_holdout_error") >= HOLDOUT_FIT_THRESHOLD,
            lambda f: f"The sBG misses these cohorts' held-out years by {fmt(_either(f, 'sbg_holdout_error'), 'percent')} "
                      f"on average, more than the {LIMIT} this report takes as a good projection: read its lifetimes "
                      "with care."),
    Reading("duration-dependence", "sbg", "the beta-discrete-Weibull rejects c = 1 (p < 0.05) for some cohort",
            lambda f: _either(f, "bdw_shape_p") < 0.05,
            lambda f: "Beyond the sorting the sBG describes, a customer's own chance of leaving changes with her tenure "
                      f"(beta-discrete-Weibull shape c = {fmt(_either(f, 'bdw_shape'), 'number')}, p "
                      f"{fmt(_either(f, 'bdw_shape_p'), 'p')}): " + (
                          "she grows more likely to stay the longer she has stayed, which is loyalty building"
                          if _either(f, "bdw_shape") < 1 else
                          "she grows more likely to leave the longer she has stayed, which the sBG cannot show")
                      + ". Its projection of the held-out years misses by "
                      f"{fmt(_either(f, 'bdw_holdout_error'), 'percent')}, against the sBG's "
                      f"{fmt(_either(f, 'sbg_holdout_error'), 'percent')}."),
    Reading("no-duration-dependence", "sbg", "the beta-discrete-Weibull does not reject c = 1 (p ≥ 0.05) for any cohort",
            lambda f: _either(f, "bdw_shape_p") >= 0.05,
            "The beta-discrete-Weibull, which lets a customer's chance of leaving change with her tenure, finds no "
            "such change beyond chance: the sBG's rising retention rate, customers sorting themselves, is all these "
            "cohorts show."),
    Reading("tenure-value", "lifetimes", "a customer becomes worth more than a new one after some renewals",
            lambda f: _either(f, "renewals_to_exceed_new") >= 1,
            lambda f: "A customer valued just after she has been won is worth less than a new customer, whose first "
                      "margin is counted at once; after "
                      f"{_periods(_either(f, 'renewals_to_exceed_new'), 'renewal')} she is worth more, because those "
                      "still there are the ones unlikely to leave. Valuing current customers like new ones is therefore "
                      "not \"conservative\": it overvalues the newest customers and undervalues those who have stayed."),
    # 3. retention in the dataset
    Reading("most-lost-first", "cohorts", "fewer than half of a period's new customers buy in a later period",
            lambda f: f.value("retention_first_period") < 0.5,
            lambda f: f"Most new customers are lost at once: {fmt(1 - f.value('retention_first_period'), 'share')} "
                      f"never bought again after the {_period(f)} of their first purchase."),
    Reading("retention-rises", "cohorts", "retention from the second period on is at least 5 points above the first "
            "period's",
            lambda f: f.value("retention_later_period") >= f.value("retention_first_period") + 0.05,
            lambda f: f"Retention rises with tenure: {_f(f, 'retention_first_period', 'share')} of new customers "
                      f"survive their first {_period(f)}, but {_f(f, 'retention_later_period', 'share')} of those who "
                      f"come back stay each further {_period(f)}. This is the heterogeneity of section 2: the customers "
                      "likely to leave leave first, so a single retention rate is wrong for both groups."),
    Reading("sbg-fits-cohorts", "cohorts", f"the pooled sBG misses the held-out periods by less than {LIMIT}",
            lambda f: f.value("pooled_sbg_holdout_error") < HOLDOUT_FIT_THRESHOLD,
            lambda f: f"Fitted to {_period(f)}s 0–{fmt(f.value('holdout_calibration_periods'), 'count')}, the sBG "
                      f"projects the later ones within {_f(f, 'pooled_sbg_holdout_error', 'percent')} (a constant rate: "
                      f"{_f(f, 'pooled_constant_r_holdout_error', 'percent')}): it describes both the early losses and "
                      "the loyal core, and section 4 can value customers with it."),
    Reading("sbg-misses-cohorts", "cohorts", f"the pooled sBG misses the held-out periods by {LIMIT} or more",
            lambda f: f.value("pooled_sbg_holdout_error") >= HOLDOUT_FIT_THRESHOLD,
            lambda f: f"Fitted to {_period(f)}s 0–{fmt(f.value('holdout_calibration_periods'), 'count')}, the sBG "
                      f"misses the later ones by {_f(f, 'pooled_sbg_holdout_error', 'percent')} on average, projecting "
                      + ("too many" if f.value("pooled_sbg_holdout_bias") > 0 else "too few") + " survivors (a constant "
                      f"rate misses by {_f(f, 'pooled_constant_r_holdout_error', 'percent')}): here retention rises "
                      + ("more slowly" if f.value("pooled_sbg_holdout_bias") > 0 else "faster")
                      + " with tenure than the sBG lets it. The sBG is still far better than one constant rate, but the "
                        "values of section 4 built on it carry a caution."),
    Reading("too-short-to-check", "cohorts", "the cohorts are too short to hold periods out",
            lambda f: _found(f, "observed_periods") and f.get("pooled_sbg_holdout_error") is not None
            and not f.ok("pooled_sbg_holdout_error"),
            lambda f: f"With only {_periods(f.value('observed_periods'), _period(f))} of renewals, no period can be "
                      "held out to check the sBG, and everything section 4 projects from it is an illustration of the "
                      "method, not a forecast."),
    Reading("bonds-keep-longer", "dataset", "structural-bond customers are more often still active than financial-bond "
            "ones, and the log-rank test rejects equal survival (p < 0.05)",
            lambda f: f.value("survival_structural_vs_financial") > 0 and f.value("survival_structural_vs_financial_p") < 0.05,
            lambda f: f"Deeper bonds keep customers longer: {fmt(f.value('survival_horizon_days'), 'count')} days after "
                      "acquisition, "
                      f"{fmt(f.value('survival_structural_vs_financial'), 'points')} more of the customers held by a "
                      "structural bond (结构层次) than of those held by a financial one (财务层次, price incentives) are "
                      "still active, as Berry's argument expects: a bond built into the customer's way of working raises "
                      "the cost of switching."),
    Reading("bonds-financial-longer", "dataset", "financial-bond customers are more often still active, p < 0.05",
            lambda f: f.value("survival_structural_vs_financial") < 0 and f.value("survival_structural_vs_financial_p") < 0.05,
            "Here customers held by a financial bond stay longer than those held by a structural one, against Berry's "
            "argument: look at who was given which bond before reading it as an effect of the bond."),
    Reading("bonds-no-difference", "dataset", "the log-rank test by relationship level does not reject equal survival",
            lambda f: f.value("survival_structural_vs_financial_p") >= 0.05,
            "The relationship levels cannot be told apart from chance in how long customers stay (log-rank p ≥ 0.05)."),
    Reading("paid-as-durable", "dataset", "the log-rank test by channel does not reject equal survival",
            lambda f: f.value("survival_paid_vs_organic_p") >= 0.05,
            lambda f: "Customers won through paid channels stay as long as those who came on their own (the gap of "
                      f"{fmt(f.value('survival_paid_vs_organic'), 'points')} is within chance, log-rank p = "
                      f"{fmt(f.value('survival_paid_vs_organic_p'), 'p')}): buying a customer does not, here, buy a less "
                      "loyal one, so the channels differ only in what they cost (section 4)."),
    Reading("paid-leave-sooner", "dataset", "paid-channel customers are less often still active, p < 0.05",
            lambda f: f.value("survival_paid_vs_organic") < 0 and f.value("survival_paid_vs_organic_p") < 0.05,
            lambda f: f"Customers won through paid channels lapse sooner: {fmt(-f.value('survival_paid_vs_organic'), 'points')} "
                      "fewer of them are still active than of those who came on their own. A paid channel's acquisition "
                      "cost buys a shorter relationship, which its CLV − CAC should reckon with."),
    Reading("paid-stay-longer", "dataset", "paid-channel customers are more often still active, p < 0.05",
            lambda f: f.value("survival_paid_vs_organic") > 0 and f.value("survival_paid_vs_organic_p") < 0.05,
            "Customers won through paid channels stay longer than those who came on their own here."),
    Reading("groups-differ", "dataset", "a comparison of other groups (not Berry's levels, not channels) rejects equal "
            "survival, p < 0.05",
            lambda f: f.value("survival_best_vs_worst_group_p") < 0.05,
            lambda f: "The groups differ in how long their customers stay (log-rank p "
                      + ("< 0.001" if f.value("survival_best_vs_worst_group_p") < 0.001 else
                         f"= {fmt(f.value('survival_best_vs_worst_group_p'), 'p')}")
                      + "); the gap above is the widest of all pairs, so a typical gap is smaller. Such groups say "
                        "whom retention efforts should reach; they are not one of Berry's bonds, which a firm builds."),
    Reading("groups-alike", "dataset", "a comparison of other groups does not reject equal survival",
            lambda f: f.value("survival_best_vs_worst_group_p") >= 0.05,
            "The groups cannot be told apart from chance in how long their customers stay (log-rank p ≥ 0.05)."),
    # 4. what the customers are worth
    Reading("equity-rests-on-newcomers", "value", "more than half of customer equity comes from customers still to come",
            lambda f: _found(f, "customer_equity") and f.get("equity_future_share").value > 0.5,
            lambda f: f"{fmt(f.get('equity_future_share').value, 'share')} of the customers' value (before what winning "
                      "them costs) comes from customers not yet won, so customer equity is only as good as the "
                      "assumption that acquisition goes on at the same pace and cost"
                      + _caution_note(f, "customer_equity") + "."),
    Reading("current-by-tenure", "value", "the customers active now were valued by their tenure",
            lambda f: _found(f, "current_value_vs_new") and abs(f.get("current_value_vs_new").value) >= 0.05,
            lambda f: "Counting each customer active now at a new customer's CLV "
                      + ("understates" if f.get("current_value_vs_new").value > 0 else "overstates")
                      + " the current base: "
                      + ("most of them have already renewed, and the sBG expects those who have stayed to stay on"
                         if f.get("current_value_vs_new").value > 0 else
                         "many of them were won only recently, and a customer just won is worth less than a new one")
                      + _caution_note(f, "current_value_vs_new") + "."),
    Reading("reichheld-sasser", "uplift", "the value of five more points of retention was computed",
            lambda f: _found(f, "clv_change_5pt_retention"),
            lambda f: "Reichheld & Sasser's 25–85% are profit increases in three industries with long relationships, "
                      "not a law. Five points are worth more where retention is already high (a customer's expected "
                      "lifetime, 1/(1 − r), grows ever faster as r nears 100%) and the figure depends on what \"profit\" "
                      "counts: here they raise a new customer's CLV by "
                      f"{fmt(f.get('clv_change_5pt_retention').value, 'change')}"
                      + _caution_note(f, "clv_change_5pt_retention") + "."),
    Reading("levels-worth-more", "value_groups", "a structural-bond customer is worth more than a financial-bond one",
            lambda f: _found(f, "clv_structural_vs_financial") and f.get("clv_structural_vs_financial").value > 1,
            lambda f: "Through retention alone, a customer held by a structural bond is worth "
                      f"{fmt(f.get('clv_structural_vs_financial').value, 'ratio')} one held by a financial bond; the "
                      "difference in CLV is the most a firm could spend per customer to move her up a level"
                      + _caution_note(f, "clv_structural_vs_financial") + "."),
    Reading("channel-worth-alike", "value_groups", "paid-channel and organic customers are worth within 10% of each other",
            lambda f: _found(f, "clv_paid_vs_organic") and abs(f.get("clv_paid_vs_organic").value - 1) < 0.1,
            lambda f: "Customers won through paid channels are worth about as much as those who came on their own: the "
                      "channels differ in what winning a customer costs, not in what she brings"
                      + _caution_note(f, "clv_paid_vs_organic") + "."),
    # 5. costs and the optimal split
    Reading("cost-ratio-in-claim", "spend", f"the spend table's cost ratio lies in the quoted {LOW:.0f}–{HIGH:.0f} range",
            lambda f: LOW <= f.value("acquisition_to_retention_cost_ratio") <= HIGH,
            "The ratio falls inside the popular range, but it is an average-cost ratio that sets a one-off cost beside "
            "a cost per period. Pfeifer (2005) shows that such ratios say nothing about where the next unit of money "
            "should go: the marginal cost of one more customer against what she brings decides, which the optimum "
            "below computes."),
    Reading("cost-ratio-outside-claim", "spend", f"the spend table's cost ratio lies outside the quoted "
            f"{LOW:.0f}–{HIGH:.0f} range",
            lambda f: not LOW <= f.value("acquisition_to_retention_cost_ratio") <= HIGH,
            "The ratio falls outside the popular range; either way it is an average-cost ratio, which says nothing "
            "about where the next unit of money should go (Pfeifer 2005): the optimum below compares marginal costs."),
    Reading("acquisition-overspent", "optimum", "the firm spends over 10% more on acquisition per prospect than the optimum",
            lambda f: f.value("mean_acquisition_spend") > 1.1 * f.value("optimal_acquisition_spend"),
            lambda f: f"The firm spends {_f(f, 'mean_acquisition_spend', 'money')} per prospect on acquisition, more than "
                      f"the optimum's {_f(f, 'optimal_acquisition_spend', 'money')}: its last units win customers who "
                      "cost more than they bring."),
    Reading("acquisition-underspent", "optimum", "the firm spends over 10% less on acquisition per prospect than the optimum",
            lambda f: f.value("mean_acquisition_spend") < 0.9 * f.value("optimal_acquisition_spend"),
            lambda f: f"The firm spends {_f(f, 'mean_acquisition_spend', 'money')} per prospect on acquisition, less than "
                      f"the optimum's {_f(f, 'optimal_acquisition_spend', 'money')}: more would win customers worth more "
                      "than they cost."),
    Reading("retention-near-optimum", "optimum", "the firm's retention spend lies within 10% of the optimum",
            lambda f: 0.9 <= f.value("mean_retention_spend") / f.value("optimal_retention_spend") <= 1.1,
            lambda f: f"Its retention spend, {_f(f, 'mean_retention_spend', 'money')} per customer and period, is close "
                      f"to the optimum's {_f(f, 'optimal_retention_spend', 'money')}."),
    Reading("retention-off-optimum", "optimum", "the firm's retention spend lies more than 10% from the optimum",
            lambda f: not 0.9 <= f.value("mean_retention_spend") / f.value("optimal_retention_spend") <= 1.1,
            lambda f: f"Its retention spend, {_f(f, 'mean_retention_spend', 'money')} per customer and period, is "
                      + ("above" if f.value("mean_retention_spend") > f.value("optimal_retention_spend") else "below")
                      + f" the optimum's {_f(f, 'optimal_retention_spend', 'money')}."),
    Reading("marginal-equals-value", "optimum", "the optimum was found",
            lambda f: f.value("optimal_value_per_customer") > 0,
            lambda f: "At the optimum the last unit of money spent on winning a customer and the last spent on keeping "
                      "one both buy a customer worth exactly what she cost, "
                      f"{_f(f, 'optimal_value_per_customer', 'money')}: the marginal costs are equal, while the average "
                      "costs (table above) still differ. That, not the average-cost ratio, decides the split."),
)

# ------------------------------------------------------------------------------------------ sentences

SENTENCES = {
    "example_clv_start": "With a margin of {margin:money} a year, an annual retention of {retention:share} and a discount "
                         "rate of {rate:share} a year, a customer is worth {value} when the first margin is paid at "
                         "acquisition (Berger & Nasr) and {end:money} when margins come at the end of each year "
                         "(Gupta & Lehmann).",
    "sbg_holdout_error": "Fitted to {period}s 0–{calibration} of each of the {cohorts:count} cohorts, the "
                         "shifted-beta-geometric (sBG) model projects the survivors of {period}s {first}–{last} within "
                         "{value} on average (mean absolute error).",
    "published_sbg_holdout_error": "On Fader & Hardie's two published cohorts, the shifted-beta-geometric (sBG) model "
                                   "fitted to years 0–{calibration} projects years {first}–{last} within {value} on "
                                   "average (mean absolute error).",
    "constant_r_holdout_error": "One constant retention rate, fitted to the same {period}s, misses them by {value}.",
    "published_constant_r_holdout_error": "One constant retention rate, fitted to the same years, misses them by {value}.",
    "bdw_holdout_error": "The beta-discrete-Weibull, which lets each customer's chance of leaving change with her "
                         "tenure, misses them by {value} (shape c = {c:number} for the {cohort} cohort, the clearest; "
                         "c = 1 means no such change, test of c = 1: p {p:p}).",
    "del_new_customer": "A new {cohort} customer brings {value} {period}s of margin, discounted (DEL); one constant "
                        "retention rate would say {constant:number}.",
    "published_del_new_customer": "A new customer of Fader & Hardie's {cohort} cohort brings {value} years of margin, "
                                  "discounted (DEL); one constant retention rate would say {constant:number}.",
    "renewals_to_exceed_new": lambda f: "A customer just won is worth less than a new one, whose first margin is counted "
                                        "at once; after {value} renewal" + ("" if f.value == 1 else "s")
                                        + " she is worth more ({cohort} cohort).",
    "published_renewals_to_exceed_new": lambda f: "In Fader & Hardie's {cohort} cohort, a customer is worth more than a "
                                                  "new one after {value} renewal" + ("" if f.value == 1 else "s") + ".",
    "residual_value_ratio": "After {renewals:count} renewals a {cohort} customer is worth {value} a new customer's value.",
    "published_residual_value_ratio": "After {renewals:count} renewals a customer of Fader & Hardie's {cohort} cohort is "
                                      "worth {value} a new customer's value.",
    "active_share": "{value} of the {customers:count} customers bought within the last {days:count} days of the data "
                    "and count as active{interval}.",
    "survival_structural_vs_financial": "{horizon:count} days after acquisition, {first:share} of the structural-bond "
                                        "customers and {second:share} of the financial-bond customers are still active: "
                                        "a gap of {value}{interval}.",
    "survival_paid_vs_organic": "{horizon:count} days after acquisition, {first:share} of the paid-channel customers and "
                                "{second:share} of the organic ones are still active: a gap of {value}{interval}.",
    "survival_best_vs_worst_group": "{horizon:count} days after acquisition, {first:share} of the {best} customers and "
                                    "{second:share} of the {worst} customers are still active (by {column}, the widest "
                                    "gap): {value}{interval}.",
    "retention_first_period": "Of the customers won in a {period}, {value} bought again in a later {period}{interval}.",
    "retention_later_period": "Of those who came back, {value} stayed on each further {period}{interval}.",
    "pooled_sbg_holdout_error": "Fitted to {period}s 0–{calibration} of the cohorts, the sBG misses the survivors "
                                "of the later {period}s by {value} on average; one constant rate by {constant:percent}.",
    "margin_per_period": "An active customer brings a margin of {value} a {period} ({rate:share} of {revenue:money} of "
                         "purchases).",
    "clv": lambda f: "A new customer is worth {value}{interval} over her lifetime (CLV: that margin over {del:number} "
                     "{period}s of margin, discounted)" + (
                         "; the sBG behind it projects the held-out {period}s within {holdout:percent}." if f.ok and
                         f.lower is not None else "."),
    "annual_retention": "The sBG's lifetime is that of a constant annual retention rate of {value}.",
    "customer_equity": "The customer base is worth {value} as a financial asset (customer equity, 客户资产): "
                       "{current:money} for the {n0:count} customers active now and {future:money} for those still to "
                       "come, net of {cost:money} to win them.",
    "acquisition_cost_per_customer": "Winning a customer costs {value} on average ({source}).",
    "current_value_vs_new": "Valued by their tenure (m × DERL), the customers active now are worth {by_tenure:money}: "
                            "{value} against {as_new:money} when each is counted as a new customer.",
    "clv_change_5pt_retention": "{points:count} more points of annual retention ({before:share} → {after:share}) raise "
                                "a new customer's CLV by {value}.",
    "value_of_5pt_retention": "They raise customer equity by {value}.",
    "profit_change_5pt_retention": "They raise profit per {period} in the steady state by {value}, the quantity "
                                   "closest to Reichheld & Sasser's 25–85%.",
    "break_even_retention_spend": "A programme that adds those points pays for itself while it costs less than {value} "
                                  "per customer and {period}, or {one_off:money} once per new customer.",
    "clv_structural_vs_financial": "A new customer held by a structural bond is worth {value} one held by a financial "
                                   "bond ({first:money} against {second:money}).",
    "clv_paid_vs_organic": "A new paid-channel customer is worth {value} an organic one ({first:money} against "
                           "{second:money}).",
    "clv_best_vs_worst_group": "By {column}, a new {best} customer is worth {value} a {worst} one ({first:money} "
                               "against {second:money}).",
    "acquisition_to_retention_cost_ratio": lambda f: "In the spend table, winning a new customer costs {value} as much "
                                                     "as keeping one for another {period}: " + (
                                                         "inside" if LOW <= f.value <= HIGH else "outside")
                                                     + f" the quoted {LOW:.0f}–{HIGH:.0f} range.",
    "optimal_retention_spend": "Where the next unit of money should go (Blattberg & Deighton's customer equity test): "
                               "spend {acquisition_direction} on winning customers, {acquisition:money} per prospect "
                               "against {mean_acquisition:money} now, and {retention_direction} on keeping them, "
                               "{value}{interval} per customer and {period} against {mean_retention:money} now.",
    "optimal_acquisition_spend": "Optimal acquisition spend: {value} per prospect{interval}.",
    "optimal_equity_per_prospect": "At the optimum each prospect adds {value}{interval} of customer equity, against "
                                   "{at_mean:money} at the firm's mean spends.",
}

# ------------------------------------------------------------------------------------------ spec

PURCHASES = all_of(needs_table("customers"), needs_log_in_memory)
PERIODS = one_of("month", "quarter", "year")


def _open(low, high, what=""):
    return Check(lambda v: low < v < high, f"must lie strictly between {low} and {high}{what}")


SPEC = Spec(
    notebook="04_retention_vs_acquisition",
    question="What is a customer worth, and where should the next unit of money go: keeping customers or winning "
             "new ones?",
    sections=(
        Section("clv", "customer lifetime value in closed form (section 1)"),
        Section("sbg", "projecting retention with the sBG (section 2)"),
        Section("lifetimes", "what a contract customer is worth (section 2)", listed=False),
        Section("dataset", "retention in the dataset and what its customers are worth (sections 3 and 4)", PURCHASES),
        Section("cohorts", "survivors per acquisition cohort (section 3b)", PURCHASES, listed=False),
        Section("value", "what the customers are worth (section 4)", PURCHASES, listed=False),
        Section("uplift", "the value of more retention (sections 4a and 4b)", PURCHASES, listed=False),
        Section("value_groups", "CLV by group (section 4c)", all_of(PURCHASES, needs_groups), listed=False),
        Section("spend", "what keeping and winning customers cost, and the best split of spending (section 5)",
                needs_table("spend")),
        Section("optimum", "the customer equity test (section 5b)", needs_table("spend"), listed=False),
        Section("truth", "beside the truth of the synthetic world", needs_truth, listed=False),
    ),
    answer=("retention_first_period", "retention_later_period", "margin_per_period", "clv", "customer_equity",
            "optimal_retention_spend", "sbg_holdout_error", "constant_r_holdout_error", "bdw_holdout_error",
            "del_new_customer",
            "renewals_to_exceed_new", "residual_value_ratio"),
    sentences=SENTENCES,
    readings=READINGS,
    parameters={
        "margin": above(0, " (currency per customer and month)"),
        "margin_rate": Check(lambda v: 0 < v <= 1, "must lie in (0, 1] (a share of revenue)"),
        "annual_discount_rate": above(0, " (a rate per year, e.g. 0.10)"),
        "clv_horizon_years": at_least(1, " year"),
        "retention_uplift": _open(0, 1, " (points of annual retention as a share, e.g. 0.05)"),
        "example_retention": _open(0, 1, " (an annual retention rate)"),
        "cohort_period": PERIODS,
        "spend_period": PERIODS,
        "exclude_last": at_least(0),
        "inactivity_days": above(0, " days"),
        "bootstrap": at_least(20, " resamples for a percentile interval"), "segment_min_size": at_least(1, " customers"),
    },
)
