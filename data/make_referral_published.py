"""Write the published evidence on referred customers as the dataset ``data/referral_published`` (output committed).

Two studies compare customers acquired through a rewarded referral programme with other new customers:

* Schmitt, P., Skiera, B. & Van den Bulte, C. (2011). Referral programs and customer value. *Journal of
  Marketing* 75(1), 46-59 (SSV): about 10,000 customers of a German bank followed for 33 months.
* Wolters, H. M. & Gedenk, K. (2019). Referral programs and customer value: insights from the
  telecommunications services industry. *Journal of Marketing Behavior* 3(4), 335-353 (W&G): the
  replication in which referred customers churn less but have smaller margins.

What the stored copies hold, and so what this dataset holds: the abstracts of both articles (the
postprint of SSV is stored, but only its opening pages can be read), the two summaries SSV's authors
wrote for practitioners (GfK Marketing Intelligence Review 2013, Harvard Business Review 2011), which
print the margins, the churn gap, the value difference, the reward and its return, and two third-party
summaries of SSV (the group sizes and the share still customers at the end of the study; the age
segments' percentages). The tables of SSV's article (group sizes, margins by period, the value
difference with its interval) and every number of W&G could not be read in a stored source: they are
left out, and W&G is represented by the directions its abstract states. Every row names its source and
its place (page or section) and quotes the sentence it comes from, and ``source_kind`` says whether it
is the article itself, the authors' own summary or a third party's.

This file is the one place where the printed numbers are typed; ``relmkt_utils.referral.published``
reads them back from ``data/referral_published``. Usage::

    python data/make_referral_published.py
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from relmkt_utils.data.dataset import write_meta

HERE = Path(__file__).resolve().parent

SSV, WG = "ssv2011", "wg2019"

#: source key -> (citation, kind, stored copy read for this dataset)
SOURCES = {
    "SSV 2011 JM": (
        "Schmitt, P., Skiera, B. & Van den Bulte, C. (2011). Referral programs and customer value. Journal of "
        "Marketing 75(1), 46-59.",
        "article",
        "https://www.researchgate.net/publication/236742371_Referral_Programs_and_Customer_Value (first page); "
        "the postprint at https://vdocuments.us/jm-referral-programsandcustomervalue.html is stored but only "
        "its opening can be read"),
    "SSV 2013 MIR": (
        "Schmitt, P., Skiera, B. & Van den Bulte, C. (2013). Do referral programs increase profits? GfK "
        "Marketing Intelligence Review 5(1), 8-11 (the authors' summary of SSV 2011).",
        "authors' summary",
        "https://ideas.repec.org/a/vrs/gfkmir/v5y2013i1p8-11n2.html (summary, p. 8); "
        "http://www.genderi.org/rz-gfkv-13004-mir-01-2013-inhalt-indd.html (text of p. 9)"),
    "SSV 2011 HBR": (
        "Schmitt, P., Skiera, B. & Van den Bulte, C. (2011). Why customer referrals can drive stunning "
        "profits. Harvard Business Review 89(6), June 2011 (the authors' summary of SSV 2011).",
        "authors' summary",
        "http://brandfiercely.com/your-customer-referral-program-is-actually-profitable/ (quotes the text); "
        "https://petscareinf.com/article/why-customer-referrals-can-drive-stunning-profits/926"),
    "ReferralCandy": (
        "ReferralCandy blog, 'Do referral programs bring you better customers?' (a third party's summary of "
        "SSV 2011).",
        "third party",
        "https://referralcandy.com/blog/do-referral-programs-bring-you-better-customers"),
    "Brand Fiercely": (
        "Brand Fiercely blog, 'Your customer referral program is actually profitable' (a third party quoting "
        "SSV 2011 HBR and listing percentages by age).",
        "third party",
        "http://brandfiercely.com/your-customer-referral-program-is-actually-profitable/"),
    "W&G 2019 JMB": (
        "Wolters, H. M. & Gedenk, K. (2019). Referral programs and customer value: insights from the "
        "telecommunications services industry. Journal of Marketing Behavior 3(4), 335-353.",
        "article",
        "https://nowpublishers.com/article/Details/JMB-0054 (abstract and contents only)"),
}

HBR_PAGE = "June 2011 issue (no page number in the stored copies)"

#: Every printed number, once: (id, study, topic, quantity, group, value, unit, bound, source, location, wording).
#: ``bound``: as printed ("exact"), "about" (printed as approximate), "at least" (a lower bound).
FIGURES = [
    ("customers_total", SSV, "sample", "customers followed", "all", 10_000, "customers", "about",
     "SSV 2011 JM", "abstract, p. 46",
     "Tracking approximately 10,000 customers of a leading German bank for almost three years"),
    ("customers_referred", SSV, "sample", "customers followed", "referred", 5_000, "customers", "about",
     "ReferralCandy", "blog post (no table or page)",
     "The researchers tracked 5,000 customers that a leading German bank acquired through its referral program."),
    ("customers_nonreferred", SSV, "sample", "customers followed", "non-referred", 4_600, "customers", "about",
     "ReferralCandy", "blog post (no table or page)",
     "a random sample of about 4,600 customers acquired through other methods in the same period"),
    ("observation_months", SSV, "sample", "months observed", "all", 33, "months", "exact",
     "SSV 2013 MIR", "summary, p. 8; text, p. 9", "Over a 33-month period"),
    ("margin_nonreferred", SSV, "margin", "contribution margin per day, controlled for demographics and time "
     "of acquisition", "non-referred", 0.30, "EUR per day", "exact",
     "SSV 2013 MIR", "p. 9", "the average contribution margin of non-referred customers is 30 cents/day"),
    ("margin_gap", SSV, "margin", "contribution margin per day, controlled for demographics and time of "
     "acquisition", "referred minus non-referred", 0.076, "EUR per day", "exact",
     "SSV 2013 MIR", "p. 9",
     "customers acquired through the referral program have a margin 7.6 cents/day higher, an increase of about 25 %"),
    ("margin_gap_pct", SSV, "margin", "contribution margin, controlled", "referred vs non-referred", 25, "percent",
     "about", "SSV 2013 MIR", "p. 9", "an increase of about 25 %"),
    ("margin_gap_raw", SSV, "margin", "contribution margin per day, raw means", "referred minus non-referred",
     0.045, "EUR per day", "exact", "SSV 2013 MIR", "p. 9",
     "Referred customers are, on average, 4.5 cents per day more profitable than other customers."),
    ("margin_gap_vanishes_months", SSV, "margin", "months after acquisition when the margin gap has vanished",
     "referred vs non-referred", 30, "months", "about", "SSV 2011 HBR", HBR_PAGE,
     "the difference decreases over time and vanishes after about two and a half years"),
    ("churn_reduction_pct", SSV, "retention", "lower churn (hazard) of referred customers, controlled for age "
     "and gender", "referred vs non-referred", 18, "percent", "about", "SSV 2011 HBR", HBR_PAGE,
     "After controlling for such factors as age and gender, we calculated that referred customers are, on "
     "average, about 18% more likely than others to stay with the bank."),
    ("still_customer_end_referred", SSV, "retention", "share still customers at the end of the study",
     "referred", 82.0, "percent", "exact", "ReferralCandy", "blog post (no table or page)",
     "the probability of remaining a customer by the end of the study was 82% for referred customers"),
    ("still_customer_end_nonreferred", SSV, "retention", "share still customers at the end of the study",
     "non-referred", 79.2, "percent", "exact", "ReferralCandy", "blog post (no table or page)",
     "and 79.2% for their non-referred counterparts"),
    ("value_premium_pct", SSV, "value", "value of a referred customer above a comparable non-referred one",
     "referred vs non-referred", 16, "percent", "at least", "SSV 2011 JM", "abstract, p. 46",
     "The average value of a referred customer is at least 16% higher than that of a nonreferred customer with "
     "similar demographics and time of acquisition."),
    ("value_difference", SSV, "value", "customer lifetime value over six years", "referred minus non-referred",
     40, "EUR", "about", "SSV 2013 MIR", "summary, p. 8",
     "Given the average difference in customer lifetime value of € 40, this amount implied a return on "
     "investment (ROI) of roughly 60 % over a six-year period."),
    ("value_horizon_years", SSV, "value", "horizon of the customer lifetime value", "all", 6, "years", "exact",
     "SSV 2013 MIR", "summary, p. 8", "over a six-year period"),
    ("reward", SSV, "reward", "reward paid to the referrer per acquired customer", "referred", 25, "EUR", "exact",
     "SSV 2013 MIR", "summary, p. 8", "The reward of € 25 per acquired customer clearly paid off."),
    ("reward_roi_pct", SSV, "reward", "return on the reward", "referred", 60, "percent", "about",
     "SSV 2013 MIR", "summary, p. 8", "a return on investment (ROI) of roughly 60 % over a six-year period"),
]

#: Directions of the comparison referred vs non-referred: (study, topic, direction, over_time, source, location, wording).
FINDINGS = [
    (SSV, "margin", 1, "the difference erodes over time", "SSV 2011 JM", "abstract, p. 46",
     "referred customers (1) have a higher contribution margin, though this difference erodes over time"),
    (SSV, "churn", -1, "the difference persists over time", "SSV 2011 JM", "abstract, p. 46",
     "(2) have a higher retention rate, and this difference persists over time"),
    (SSV, "value", 1, "higher in both the short and the long run", "SSV 2011 JM", "abstract, p. 46",
     "(3) are more valuable in both the short and the long run"),
    (WG, "margin", -1, "", "W&G 2019 JMB", "abstract, p. 335",
     "in contrast to SSV, they exhibit smaller contribution margins than non-referred customers"),
    (WG, "churn", -1, "", "W&G 2019 JMB", "abstract, p. 335",
     "Consistent with SSV, referred customers churn less"),
    (WG, "value", -1, "new customers referred via email", "W&G 2019 JMB", "abstract, p. 335",
     "New customers referred via email have a lower customer value than non-referred new customers."),
]

#: Segment results: (study, dimension, segment, value_difference, value_bound, direction, source, location,
#: wording, premium_pct, premium_source, premium_location). A difference printed only in words has no value.
SEGMENTS = [
    (SSV, "age", "26 to 35 years", 80, "about", 1, "SSV 2011 HBR", HBR_PAGE,
     "It's about €80 for customers 26 to 35 years old", 35.5, "Brand Fiercely", "blog post (no table or page)"),
    (SSV, "age", "36 to 55 years", 58, "exact", 1, "SSV 2011 HBR", HBR_PAGE,
     "€58 for those 36 to 55 years old", 22.7, "Brand Fiercely", "blog post (no table or page)"),
    (SSV, "age", "over 55 years", None, "slightly negative", -1, "SSV 2011 HBR", HBR_PAGE,
     "and slightly negative for those over 55", -0.5, "Brand Fiercely", "blog post (no table or page)"),
    (SSV, "customer type", "retail vs private banking", None, "larger for retail", 1, "SSV 2013 MIR",
     "summary, p. 8", "The difference in lifetime value between referred and non-referred customers was most "
     "pronounced among younger people and among retail (as opposed to private banking) customers.",
     None, "", ""),
]

#: What was looked for and not found in a stored source (said in dataset.yml and by the module).
NOT_FOUND = (
    "Not in any stored source, so not in this dataset: the tables of SSV 2011 (exact group sizes, margins "
    "by period, retention curves, the value difference with its confidence interval, the segment table; "
    "the postprint is stored but only its opening pages can be read) and every number of W&G 2019 (group "
    "sizes, margins, churn, customer values and their intervals; only the abstract and the list of "
    "appendices are stored). The value difference therefore has no interval here, and W&G enters with the "
    "directions its abstract states.")

TABLES = {
    "figures": (
        "One row per printed number: id, study (ssv2011 = Schmitt, Skiera & Van den Bulte 2011; wg2019 = Wolters "
        "& Gedenk 2019), topic (sample, margin, retention, value, reward), quantity, group, value, unit, bound "
        "(exact as printed, about, at least), source, source_kind (article, authors' summary, third party), "
        "location (page or section) and wording (the sentence it comes from). Margins are means: no spread or "
        "interval is printed."),
    "findings": (
        "The direction of each comparison of referred with non-referred customers: study, topic (margin, churn, "
        "value), direction (+1 referred higher, -1 referred lower), over_time, source, source_kind, location, "
        "wording. The only rows of Wolters & Gedenk (2019): its numbers are not in a stored source."),
    "segments": (
        "Segment results of SSV 2011: dimension, segment, value_difference (EUR over six years, referred minus "
        "non-referred; empty where it is printed only in words), value_bound, direction, source, source_kind, "
        "location, wording, and premium_pct (percent, with its own premium_source and premium_location: a "
        "third party's list, not read in the authors' text)."),
    "sources": "The sources: source (key used in the other tables), citation, kind, stored_copy (what was read).",
}


def _kind(source: str) -> str:
    return SOURCES[source][1]


def figures_table() -> pd.DataFrame:
    cols = ["id", "study", "topic", "quantity", "group", "value", "unit", "bound", "source", "location", "wording"]
    t = pd.DataFrame(FIGURES, columns=cols)
    t.insert(9, "source_kind", t["source"].map(_kind))
    return t


def findings_table() -> pd.DataFrame:
    t = pd.DataFrame(FINDINGS, columns=["study", "topic", "direction", "over_time", "source", "location", "wording"])
    t.insert(5, "source_kind", t["source"].map(_kind))
    return t


def segments_table() -> pd.DataFrame:
    cols = ["study", "dimension", "segment", "value_difference", "value_bound", "direction", "source", "location",
            "wording", "premium_pct", "premium_source", "premium_location"]
    t = pd.DataFrame(SEGMENTS, columns=cols)
    t.insert(7, "source_kind", t["source"].map(_kind))
    t["value_difference"] = t["value_difference"].astype("Int64")
    return t


def sources_table() -> pd.DataFrame:
    return pd.DataFrame([(k, *v) for k, v in SOURCES.items()], columns=["source", "citation", "kind", "stored_copy"])


def provenance() -> str:
    """The sources, then every number with its source and place (generated from the tables above)."""
    lines = [f"{key}: {cite} [{kind}; read in {copy}]." for key, (cite, kind, copy) in SOURCES.items()]
    lines.append("Numbers (figures.csv, by id): " + "; ".join(
        f"{i} = {v:g} {u} ({s}, {loc})" for i, _, _, _, _, v, u, _, s, loc, _ in FIGURES) + ".")
    lines.append("Segments (segments.csv): " + "; ".join(
        f"{seg} = {'EUR %g' % v if v is not None else b} ({s}, {loc})"
        + (f", {p:+g}% ({ps})" if p is not None else "")
        for _, _, seg, v, b, _, s, loc, _, p, ps, _ in SEGMENTS) + ".")
    lines.append("Directions (findings.csv): " + "; ".join(
        f"{st} {topic} {'higher' if d > 0 else 'lower'} for referred customers ({s}, {loc})"
        for st, topic, d, _, s, loc, _ in FINDINGS) + ".")
    lines.append(NOT_FOUND)
    lines.append("Typed in by data/make_referral_published.py.")
    return " ".join(lines)


META = {
    "name": "referral_published",
    "description": (
        "Published evidence on the value of customers won by a rewarded referral programme (member get member), "
        "from two studies that compare referred with non-referred new customers. Schmitt, Skiera & Van den "
        "Bulte (2011, Journal of Marketing; SSV): about 10,000 customers of a German bank followed for 33 "
        "months; referred customers have a higher contribution margin (30 cents a day for non-referred "
        "customers, 7.6 cents a day more for referred ones, about 25%; the gap vanishes after about two and "
        "a half years), about 18% lower churn (the gap persists), and a customer lifetime value over six "
        "years at least 16% or about EUR 40 higher, which on the EUR 25 reward is a return of about 60%; the "
        "gap is larger for younger and for retail customers. Wolters & Gedenk (2019, Journal of Marketing "
        "Behavior; W&G), the replication at a telecommunications provider: referred customers churn less but "
        "have smaller margins, and new customers referred by email are worth less than non-referred ones. "
        "Tables (all extras): figures (every printed number with source, page and the sentence it comes "
        "from), findings (directions), segments, sources. " + NOT_FOUND + " Margins are printed as means only. "
        "The studies give no calendar dates in the stored sources: the observation window (33 months from "
        "2000-01-01) is a placeholder required by the dataset format; time_unit is month (margins per day "
        "are turned into months of 365.25/12 days by relmkt_utils.referral.published)."),
    "currency": "EUR",
    "time_unit": "month",
    "observation_start": "2000-01-01",
    "observation_end": "2002-09-30",
    "provenance": provenance(),
    "licence": (
        "Facts (numbers and short quotations) cited from published articles and the authors' summaries, for "
        "research and teaching; cite Schmitt, Skiera & Van den Bulte (2011) and Wolters & Gedenk (2019). "
        "Third-party summaries are marked source_kind = third party."),
    "extras": TABLES,
}

WRITERS = {"figures": figures_table, "findings": findings_table, "segments": segments_table,
           "sources": sources_table}


def main(folder: Path = HERE / "referral_published") -> None:
    write_meta(folder, META)
    for name, make in WRITERS.items():
        make().to_csv(folder / f"{name}.csv", index=False, float_format="%.10g", lineterminator="\n")
    print(f"referral_published: {len(FIGURES)} numbers, {len(FINDINGS)} directions, {len(SEGMENTS)} segments, "
          f"{len(SOURCES)} sources")


if __name__ == "__main__":
    main()
