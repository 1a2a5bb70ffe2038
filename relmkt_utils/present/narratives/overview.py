"""Notebook 00, the data overview: who are the customers, and how concentrated is revenue?"""
from __future__ import annotations

from ..findings import Findings
from ..readings import Reading
from ..tables import fmt
from . import Section, Spec, all_of, at_least, needs_groups, needs_log_in_memory

#: The published range of top-20% revenue shares (Ehrenberg-Bass 60/20 to Kim, Singh & Winer's 73%),
#: from :data:`relmkt_utils.loyalty.PUBLISHED_PARETO_RATIOS`.
PUBLISHED_LOW, PUBLISHED_HIGH = 0.60, 0.73


def _share(f: Findings, key: str) -> str:
    return fmt(f.value(key), "share")


READINGS = (
    Reading("tables-absent", "tables", "some canonical tables are absent",
            lambda f: f.value("tables_absent") > 0,
            "A table marked absent is not in this dataset: later notebooks leave out the analyses that need it "
            "and list them at the top of their reports (no survey, for example, means no NPS)."),
    Reading("most-buy-once", "frequency", "fewer than half of the customers bought on two or more days",
            lambda f: f.value("repeat_rate") < 0.5,
            lambda f: f"Most customers ({fmt(1 - f.value('repeat_rate'), 'share')}) bought on a single day in the "
                      "window. Much of the base's future value rests on the minority who come back, which is why "
                      "notebook 01 models who is still a customer rather than counting past buyers."),
    Reading("most-come-back", "frequency", "half of the customers or more bought on two or more days",
            lambda f: f.value("repeat_rate") >= 0.5,
            lambda f: f"Coming back is the norm here: {_share(f, 'repeat_rate')} of the customers bought on two or "
                      "more days. The question for this business is less whether customers return than how long "
                      "they keep returning."),
    Reading("long-tail-gaps", "gaps", "the 75th percentile of the gaps is at least twice their median",
            lambda f: f.value("gap_q75_days") >= 2 * f.value("median_gap_days"),
            lambda f: f"The gaps have a long right tail: half are under {fmt(f.value('median_gap_days'), 'count')} "
                      f"days but a quarter exceed {fmt(f.value('gap_q75_days'), 'count')}. A customer away for a few "
                      "typical gaps is not necessarily gone, which is why notebook 01 estimates the probability that "
                      "she is still a customer instead of using one fixed cut-off."),
    Reading("pareto-above-rule", "concentration", "the top 20% bring 80% of revenue or more",
            lambda f: f.value("top20_revenue_share") >= 0.8,
            lambda f: f"Revenue here is at least as concentrated as the 80/20 rule says "
                      f"({_share(f, 'top20_revenue_share')}), more than in the published studies "
                      f"({fmt(PUBLISHED_LOW, 'share')} to {fmt(PUBLISHED_HIGH, 'share')}): keeping the best customers "
                      "matters more than usual."),
    Reading("pareto-in-published-range", "concentration",
            "the top-20% share lies between the published 60% and 80%",
            lambda f: PUBLISHED_LOW <= f.value("top20_revenue_share") < 0.8,
            lambda f: f"The top 20% bring {_share(f, 'top20_revenue_share')} of revenue: less than the 80% of the rule "
                      "of thumb and within the range that studies of many firms report (about 60% to 73%). The "
                      "80/20 rule overstates concentration here, as it usually does."),
    Reading("pareto-below-published", "concentration", "the top-20% share is below the published 60%",
            lambda f: f.value("top20_revenue_share") < PUBLISHED_LOW,
            lambda f: f"Revenue is spread more evenly than in most published studies: the top 20% bring only "
                      f"{_share(f, 'top20_revenue_share')}. Strategies aimed at a few heavy buyers would miss most "
                      "of the revenue."),
    Reading("group-earns-more", "groups", "the group with the highest revenue per customer has a larger share of "
            "revenue than of customers",
            lambda f: f.value("group_revenue_share") > f.value("group_customer_share"),
            "A group whose share of revenue is larger than its share of customers brings more per customer than "
            "the others; whether it also stays longer is the question of notebooks 01 and 04."),
)

SENTENCES = {
    "n_customers": "{value} customers made {transactions:count} purchases from {start} to {end}.",
    "repeat_rate": "{value} of them bought on two or more days{interval}: {repeaters:count} of {customers:count}.",
    "median_gap_days": "Half of the repeat purchases came within {value} of the previous one.",
    "top20_revenue_share": lambda f: "The top 20% of customers brought {value} of revenue, " + (
        "at least the 80% of the 80/20 rule" if f.value >= 0.8 else "less than the 80% of the 80/20 rule")
        + " (studies of many firms find about 60% to 73%).",
    "group_revenue_share": "By {column}, the {group} customers earn most per head: {customers:share} of the customers "
                           "bring {value} of the revenue.",
}

SPEC = Spec(
    notebook="00_data_overview",
    question="Who are the customers, how often do they come back, and how concentrated is revenue?",
    sections=(
        Section("tables", "what is in the dataset (section 1)"),
        Section("frequency", "how often customers buy (section 2)", needs_log_in_memory),
        Section("gaps", "the time between purchases (section 3)", needs_log_in_memory),
        Section("concentration", "revenue concentration and the 80/20 rule (section 4)", needs_log_in_memory),
        Section("groups", "who the customers are by group (section 5)", all_of(needs_log_in_memory, needs_groups)),
    ),
    answer=("n_customers", "repeat_rate", "median_gap_days", "top20_revenue_share", "group_revenue_share"),
    sentences=SENTENCES,
    readings=READINGS,
    parameters={"segment_min_size": at_least(1, " customers")},
)
