"""The referral funnel (推荐漏斗): who invites, how many invitations convert, and how fast.

Stages: customers -> referrers (sent >= 1 invitation) -> invitations -> converted referees.

* Conversion rate c = conversions / invitations with the Wilson score interval. Invitations of the
  same referrer are treated as independent (the interval is a little narrow if referrers differ a lot).
* Time to convert: days from ``invited_at`` to ``converted_at``. Invitations still open at ``as_of``
  are right-censored at ``as_of - invited_at``, so the median comes from the Kaplan-Meier estimator
  (statsmodels ``SurvfuncRight``) with its Brookmeyer-Crowley interval; without censoring it is the
  sample median.
* Referral rate by group (NPS promoter 9-10 / passive 7-8 / detractor 0-6, after Reichheld 2003, or
  relationship level 财务/社会/结构): share of the group's customers who sent >= 1 invitation,
  Wilson interval.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.duration.survfunc import SurvfuncRight

from ..core.checks import ALPHA, TEXT, checked, dataframe, instance, numbers
from ..core.errors import require_columns
from ..core.estimate import Estimate, wilson_ci
from ..core.time import to_dates

NPS_GROUP_ORDER = ("promoter", "passive", "detractor")


@checked(nps=numbers(missing=True))
def nps_group(nps: pd.Series) -> pd.Series:
    """NPS group of a 0-10 answer: promoter (9-10), passive (7-8), detractor (0-6).

    Parameters
    ----------
    nps : Series
        0-10 NPS answers.
    """
    x = pd.to_numeric(nps, errors="coerce")
    out = pd.Series(np.select([x >= 9, x >= 7, x >= 0], ["promoter", "passive", "detractor"], ""),
                    index=nps.index, dtype=object)
    return out.where(x.notna())


@checked(referrals=dataframe())
def converted(referrals: pd.DataFrame) -> pd.Series:
    """True for invitations that turned into a customer (a referee_id is present).

    Parameters
    ----------
    referrals : DataFrame
        the canonical referrals table (``referrer_id``, ``invited_at``, ``referee_id``, ``converted_at``,
        rewards).
    """
    require_columns(referrals, "referrals", ("referee_id",))
    ref = referrals["referee_id"]
    return ref.notna() & (ref.astype(str).str.strip() != "") & (ref.astype(str) != "nan")


@checked(customers=dataframe(), group=instance(str, none=True))
def experiment_units(customers: pd.DataFrame, group: str | None = None,
                     eligible_before=None) -> pd.DataFrame:
    """Customers who could refer: optionally one referral group, optionally acquired before a date.

    Parameters
    ----------
    customers : DataFrame
        the canonical customers table (``customer_id``, ``acquired_at``, ``channel``,
        ``relationship_level``, ...).
    group : str or None, default None
        keep only this referral group (``'program'`` or ``'holdout'``).
    eligible_before : date-like or None, default None
        keep only customers acquired before this date (usually the program start).
    """
    units = customers
    if group is not None:
        require_columns(customers, "customers", ("referral_group",))
        units = units[units["referral_group"] == group]
    if eligible_before is not None:
        require_columns(customers, "customers", ("acquired_at",))
        units = units[to_dates(units["acquired_at"]) < pd.Timestamp(eligible_before)]
    return units


@checked(referrals=dataframe())
def invitations_per_referrer(referrals: pd.DataFrame) -> pd.DataFrame:
    """Per referrer: invitations, conversions and conversion rate (sorted by conversions).

    Parameters
    ----------
    referrals : DataFrame
        the referrals table.
    """
    require_columns(referrals, "referrals", ("referrer_id", "referee_id"))
    conv = converted(referrals)
    out = (pd.DataFrame({"referrer_id": referrals["referrer_id"], "conv": conv.astype(int)})
           .groupby("referrer_id")["conv"].agg(invitations="size", conversions="sum"))
    out["conversion_rate"] = out["conversions"] / out["invitations"]
    return out.sort_values(["conversions", "invitations"], ascending=False)


@checked(referrals=dataframe(), alpha=ALPHA)
def conversion_rate(referrals: pd.DataFrame, alpha: float = 0.05) -> Estimate:
    """Share of invitations that converted, c = conversions / invitations, Wilson interval.

    Parameters
    ----------
    referrals : DataFrame
        the canonical referrals table (``referrer_id``, ``invited_at``, ``referee_id``, ``converted_at``,
        rewards).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    require_columns(referrals, "referrals", ("referee_id",))
    conv = converted(referrals)
    return wilson_ci(int(conv.sum()), int(conv.size), alpha)


@dataclass
class TimeToConvert:
    """Median days from invitation to conversion, with the KM fit behind it."""

    median_days: Estimate
    n_invitations: int
    n_converted: int
    n_censored: int
    surv: SurvfuncRight

    def table(self) -> pd.DataFrame:
        """Share of invitations not yet converted by day, for a plot."""
        return pd.DataFrame({"days": self.surv.surv_times, "not_converted": self.surv.surv_prob})


@checked(referrals=dataframe(), alpha=ALPHA)
def time_to_convert(referrals: pd.DataFrame, as_of=None, alpha: float = 0.05) -> TimeToConvert:
    """Median time to convert (days) by Kaplan-Meier, open invitations censored at ``as_of``.

    The KM curve estimates the distribution of the delay among invitations that convert *and*
    those never converting (they stay censored); the median is therefore defined only if more than
    half of the invitations convert. When it is not, the median of the delay **among converted
    invitations** is reported (``method`` says which), with a KM fit restricted to those.

    Parameters
    ----------
    referrals : DataFrame
        the canonical referrals table (``referrer_id``, ``invited_at``, ``referee_id``, ``converted_at``,
        rewards).
    as_of : date-like or None
        date at which open invitations are censored; default the last date of the table.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    require_columns(referrals, "referrals", ("invited_at", "referee_id", "converted_at"))
    inv = to_dates(referrals["invited_at"])
    conv_at = to_dates(referrals["converted_at"])
    conv = converted(referrals) & conv_at.notna()
    as_of = pd.Timestamp(as_of) if as_of is not None else max(inv.max(), conv_at.max())
    days = np.where(conv, (conv_at - inv).dt.days, (as_of - inv).dt.days).astype(float)
    days = np.maximum(days, 0.0)
    status = conv.to_numpy().astype(int)
    if status.mean() > 0.5:
        sf, method = SurvfuncRight(days, status), "kaplan-meier, open invitations censored"
    else:
        sf, method = SurvfuncRight(days[status == 1], status[status == 1]), "median among converted (KM)"
    med = float(sf.quantile(0.5))
    with np.errstate(divide="ignore", invalid="ignore"):  # log(-log S) at S = 1 is -inf: harmless
        lo, hi = sf.quantile_ci(0.5, alpha=alpha)
    est = Estimate(med, float(lo), float(hi) if hi is not None else np.inf, np.nan, method, alpha)
    return TimeToConvert(est, int(days.size), int(status.sum()), int((1 - status).sum()), sf)


@checked(customers=dataframe(), referrals=dataframe(), by=TEXT, survey=dataframe(none=True), alpha=ALPHA)
def referral_rate_by(customers: pd.DataFrame, referrals: pd.DataFrame, by: str = "nps_group",
                     survey: pd.DataFrame | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Share of customers who sent >= 1 invitation, by NPS group or by a customers column.

    ``by="nps_group"`` needs ``survey`` (the latest answer per customer is used); any other value
    is a column of ``customers`` (e.g. ``relationship_level``). Pass the customers who could refer
    (see :func:`experiment_units`). Returns group, customers, referrers, rate, lower, upper.

    Parameters
    ----------
    customers : DataFrame
        the customers who could refer (see :func:`experiment_units`).
    referrals : DataFrame
        the canonical referrals table (``referrer_id``, ``invited_at``, ``referee_id``, ``converted_at``,
        rewards).
    by : str, default 'nps_group'
        ``'nps_group'`` (needs ``survey``) or a customers column.
    survey : DataFrame or None, default None
        the survey table, for ``by='nps_group'``.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    require_columns(referrals, "referrals", ("referrer_id",))
    cust = customers[["customer_id"]].copy()
    if by == "nps_group":
        require_columns(survey, "survey", ("customer_id", "date", "nps"))
        latest = survey.assign(_d=to_dates(survey["date"])).sort_values("_d").groupby("customer_id").tail(1)
        cust["group"] = cust["customer_id"].map(nps_group(latest.set_index("customer_id")["nps"]))
        order = list(NPS_GROUP_ORDER)
    else:
        require_columns(customers, "customers", (by,))
        cust["group"] = customers[by].to_numpy()
        order = sorted(cust["group"].dropna().unique())
    cust["referrer"] = cust["customer_id"].isin(set(referrals["referrer_id"])).astype(int)
    rows = []
    for g in order:
        sub = cust[cust["group"] == g]
        est = wilson_ci(int(sub["referrer"].sum()), len(sub), alpha)
        rows.append({"group": g, "customers": len(sub), "referrers": int(sub["referrer"].sum()),
                     "rate": est.value, "lower": est.lower, "upper": est.upper})
    return pd.DataFrame(rows)


@checked(customers=dataframe(), referrals=dataframe())
def funnel_table(customers: pd.DataFrame, referrals: pd.DataFrame) -> pd.DataFrame:
    """Stages of the funnel with counts and the share kept from the previous stage.

    Only referrals sent by the given ``customers`` count (pass the program group for the program).

    Parameters
    ----------
    customers : DataFrame
        the customers whose referrals count (e.g. the program group).
    referrals : DataFrame
        the canonical referrals table (``referrer_id``, ``invited_at``, ``referee_id``, ``converted_at``,
        rewards).
    """
    require_columns(referrals, "referrals", ("referrer_id", "referee_id"))
    refs = referrals[referrals["referrer_id"].isin(set(customers["customer_id"]))]
    counts = [len(customers), refs["referrer_id"].nunique(), len(refs), int(converted(refs).sum())]
    stages = ["customers", "referrers", "invitations", "converted referees"]
    out = pd.DataFrame({"stage": stages, "count": counts})
    prev = out["count"].shift(1)
    out["share_of_previous"] = np.where(prev > 0, out["count"] / prev, np.nan)
    out.loc[0, "share_of_previous"] = np.nan
    return out


@dataclass
class FunnelSummary:
    """The funnel of a group of customers who could refer (:func:`funnel_summary`).

    ``table``: the stages (:func:`funnel_table`); ``referrer_share``: share of the customers who sent
    at least one invitation (Wilson); ``invitations_per_referrer``: mean invitations of a referrer;
    ``conversion``: share of invitations that became customers (Wilson); ``time_to_convert``: median
    days from invitation to conversion (:func:`time_to_convert`); ``breakdowns``: referral rate by
    NPS group and by relationship level (:func:`referral_rate_by`), each only where the data have it."""

    table: pd.DataFrame
    referrer_share: Estimate
    invitations_per_referrer: float
    conversion: Estimate
    time_to_convert: TimeToConvert
    breakdowns: dict

    def rate(self, by: str, group: str) -> float | None:
        """The referral rate of ``group`` in the breakdown ``by`` (None where the data lack either)."""
        table = self.breakdowns.get(by)
        if table is None or group not in set(table["group"]):
            return None
        return float(table.set_index("group").loc[group, "rate"])


#: What each breakdown of :func:`funnel_summary` groups by, in words.
BREAKDOWNS = {"nps_group": "NPS group (promoters 9-10, passives 7-8, detractors 0-6)",
              "relationship_level": "relationship level (financial, social, structural bonds)"}


@checked(customers=dataframe(), referrals=dataframe(), survey=dataframe(none=True), alpha=ALPHA)
def funnel_summary(customers: pd.DataFrame, referrals: pd.DataFrame, survey: pd.DataFrame | None = None,
                   as_of=None, alpha: float = 0.05) -> FunnelSummary:
    """Every stage of the funnel of ``customers`` (e.g. the program group, :func:`experiment_units`):
    only their invitations count. Breakdowns by NPS group need a survey with ``nps``; by relationship
    level a ``relationship_level`` column (each is left out where the data lack it).

    Parameters
    ----------
    customers : DataFrame
        the customers who could refer (e.g. the program group, :func:`experiment_units`); only their
        invitations count.
    referrals : DataFrame
        the canonical referrals table (``referrer_id``, ``invited_at``, ``referee_id``, ``converted_at``,
        rewards).
    survey : DataFrame or None, default None
        the survey table (``customer_id``, ``date``, ``nps``), for the breakdown by NPS group; without
        it (or without ``nps``) that breakdown is left out.
    as_of : date-like or None
        date at which open invitations are censored (:func:`time_to_convert`); default the last date
        of the table.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    require_columns(referrals, "referrals", ("referrer_id", "referee_id", "invited_at", "converted_at"))
    refs = referrals[referrals["referrer_id"].isin(set(customers["customer_id"]))]
    per = invitations_per_referrer(refs)
    n_referrers = int(refs["referrer_id"].nunique())
    breakdowns = {}
    if survey is not None and "nps" in survey.columns:
        breakdowns["nps_group"] = referral_rate_by(customers, refs, "nps_group", survey=survey, alpha=alpha)
    if "relationship_level" in customers.columns:
        breakdowns["relationship_level"] = referral_rate_by(customers, refs, "relationship_level", alpha=alpha)
    return FunnelSummary(funnel_table(customers, refs), wilson_ci(n_referrers, len(customers), alpha),
                         float(per["invitations"].mean()) if len(per) else np.nan,
                         conversion_rate(refs, alpha), time_to_convert(refs, as_of=as_of, alpha=alpha), breakdowns)
