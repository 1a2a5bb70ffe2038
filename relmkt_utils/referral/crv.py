"""Customer referral value (CRV) next to customer lifetime value (CLV).

Kumar, Petersen & Leone (2007), "How valuable is word of mouth?", Harvard Business Review 85(10),
139-146, and (2010) "Driving profitability by encouraging customer referrals: who, when, and how",
Journal of Marketing 74(5), 1-17, define the referral value of customer i as (their notation)

  CRV_i = sum_{t=1}^{T} sum_{y=1}^{n1} (A_ty - a_ty - M_ty + ACQ1_ty) / (1 + r)^t
        + sum_{t=1}^{T} sum_{y=n1+1}^{n2} ACQ2_ty / (1 + r)^t

with n1 referees who would not have joined without the referral and n2 - n1 who would have joined
anyway, A the referee's contribution margin, a the cost of the referral (reward), M the marketing
cost of the referee, ACQ1/ACQ2 the savings in acquisition cost, r the discount rate. The 2010
article predicts the counts and timing of future referrals; here only observed referrals count.

What this module computes (simplified, one term per converted referee y of referrer i):

  CRV_i = sum_y (1 + d)^(-tau_y) [ s V_y + (1 - s) ACQ - a_y ]

* V_y: value of referee y (its CLV or observed margin, given by the caller) <-> A_ty summed over t;
* s: incrementality share, the probability that a referee would not have come otherwise
  (1 - cannibalization, from the randomized holdout) <-> n1 / n2 in expectation;
* ACQ: acquisition cost the firm saves on a referee who would have come anyway (e.g. the mean cost
  of a paid customer) <-> ACQ2; set ``credit_acquisition_to_incremental=True`` to also credit ACQ to
  the incremental share as Kumar et al.'s ACQ1 does (then the bracket is s (V_y + ACQ) + (1 - s) ACQ);
* a_y: rewards paid for y (referrer + referee) <-> a_ty; M_ty is taken as 0;
* tau_y: years from the reference date (the referrer's acquisition, or a common date) to the
  referee's conversion, discounted at rate d per year.

CLV x CRV grid (Kumar et al. 2007): champions (high CLV, high CRV), affluents (high CLV, low CRV),
advocates (low CLV, high CRV), misers (low, low); "high" = above the split (median by default).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.checks import FLAG, PROBABILITY, RATE, SERIES, checked, dataframe, instance, number
from ..core.errors import require_columns
from ..core.time import DAYS_PER_YEAR, to_dates
from .funnel import converted

SEGMENTS = ("champions", "affluents", "advocates", "misers")


@checked(referrals=dataframe(), referee_value=SERIES, incremental_share=PROBABILITY, acquisition_saving=number(),
         discount_rate=RATE, include_rewards=FLAG, credit_acquisition_to_incremental=FLAG)
def customer_referral_value(referrals: pd.DataFrame, referee_value: pd.Series, incremental_share: float,
                            acquisition_saving: float = 0.0, discount_rate: float = 0.10,
                            reference=None, include_rewards: bool = True,
                            credit_acquisition_to_incremental: bool = False,
                            customers: pd.Series | pd.Index | None = None) -> pd.Series:
    """CRV per referrer (module doc). ``referee_value`` is indexed by referee id (missing -> 0).

    ``reference``: a date, or a Series of dates indexed by referrer id (e.g. acquisition dates);
    None uses the earliest invitation of the table. ``customers``: ids to report (0 for
    customers without converted referrals); by default only referrers with conversions.

    Parameters
    ----------
    referrals : DataFrame
        the canonical referrals table (``referrer_id``, ``invited_at``, ``referee_id``, ``converted_at``,
        rewards).
    referee_value : Series
        value of each referee, indexed by referee id (missing -> 0).
    incremental_share : float
        share of the referees who would not have come without the referral, in [0, 1].
    acquisition_saving : float, default 0.0
        acquisition cost saved per referred customer.
    discount_rate : float, default 0.1
        discount rate per year, > -1.
    reference : date-like, Series or None
        the date values are discounted to, or one per referrer; default the earliest invitation.
    include_rewards : bool, default True
        subtract the rewards paid.
    credit_acquisition_to_incremental : bool, default False
        credit the acquisition saving to the incremental referees only.
    customers : Series, Index or None
        ids to report (0 for customers without conversions); default the referrers with conversions.
    """
    require_columns(referrals, "referrals", ("referrer_id", "referee_id", "converted_at"))
    if not 0 <= incremental_share <= 1:
        raise ValueError(f"incremental_share must be in [0, 1], got {incremental_share}")
    conv = referrals[converted(referrals)].copy()
    conv_at = to_dates(conv["converted_at"])
    if reference is None:
        ref_date = pd.Series(to_dates(referrals["invited_at"]).min(), index=conv.index)
    elif isinstance(reference, pd.Series):
        ref_date = conv["referrer_id"].map(to_dates(reference))
    else:
        ref_date = pd.Series(pd.Timestamp(reference), index=conv.index)
    tau = np.maximum((conv_at - ref_date).dt.days.to_numpy(float), 0.0) / DAYS_PER_YEAR
    s = float(incremental_share)
    v = conv["referee_id"].map(referee_value).fillna(0.0).to_numpy(float)
    acq = (1.0 if credit_acquisition_to_incremental else 1 - s) * acquisition_saving
    reward = np.zeros(len(conv))
    if include_rewards:
        for col in ("reward_referrer", "reward_referee"):
            if col in conv.columns:
                reward += pd.to_numeric(conv[col], errors="coerce").fillna(0.0).to_numpy()
    term = (s * v + acq - reward) / (1 + discount_rate) ** tau
    crv = pd.Series(term, index=conv.index).groupby(conv["referrer_id"].to_numpy()).sum().rename("crv")
    if customers is not None:
        crv = crv.reindex(pd.Index(customers), fill_value=0.0)
    crv.index.name = "customer_id"
    return crv


@checked(clv=SERIES, crv=SERIES)
def clv_crv_grid(clv: pd.Series, crv: pd.Series, split: str | float = "median") -> pd.DataFrame:
    """CLV and CRV side by side with Kumar et al.'s four segments.

    ``split``: "median" or a quantile in (0, 1) used for both axes; "high" means strictly above
    the threshold (so with a CRV median of 0, every customer with a positive CRV is high).
    Customers missing from ``crv`` get CRV 0.

    Parameters
    ----------
    clv : Series
        CLV per customer id.
    crv : Series
        customer referral value per customer id.
    split : str or float, default 'median'
        ``'median'`` or a quantile in (0, 1) for both axes.
    """
    df = pd.DataFrame({"clv": clv.astype(float)})
    df["crv"] = crv.reindex(df.index).fillna(0.0).astype(float)
    q = 0.5 if split == "median" else float(split)
    t_clv, t_crv = df["clv"].quantile(q), df["crv"].quantile(q)
    hi_clv, hi_crv = df["clv"] > t_clv, df["crv"] > t_crv
    df["segment"] = np.select([hi_clv & hi_crv, hi_clv & ~hi_crv, ~hi_clv & hi_crv], list(SEGMENTS[:3]), "misers")
    df.attrs.update(clv_threshold=float(t_clv), crv_threshold=float(t_crv))
    return df


@checked(grid=dataframe())
def segment_summary(grid: pd.DataFrame) -> pd.DataFrame:
    """Per segment: customers, share, mean CLV, mean CRV and the segment's contribution to total CLV + CRV
    (negative for a segment whose referrals cost more than they bring).

    Parameters
    ----------
    grid : DataFrame
        a :func:`clv_crv_grid` table.
    """
    g = grid.groupby("segment").agg(customers=("clv", "size"), mean_clv=("clv", "mean"), mean_crv=("crv", "mean"),
                                    total=("clv", "sum"))
    g["total"] = g["total"] + grid.groupby("segment")["crv"].sum()
    g = g.reindex(list(SEGMENTS)).fillna({"customers": 0})
    g["share"] = g["customers"] / g["customers"].sum()
    g["value_contribution"] = g["total"] / g["total"].sum()   # signed: a segment may take value away
    return g.drop(columns="total")


@checked(clv=SERIES, crv=SERIES, top=number(0, 1, low_open=True))
def top_decile_missed(clv: pd.Series, crv: pd.Series, top: float = 0.10) -> dict:
    """How many of the top referrers by CRV a CLV-only view (top by CLV) would miss.

    Both tops hold ceil(top n) customers (ties broken by id order). Returns n_top, missed,
    share_missed and the ids missed.

    Parameters
    ----------
    clv : Series
        CLV per customer id.
    crv : Series
        customer referral value per customer id.
    top : float, default 0.1
        the top share compared, in (0, 1].
    """
    df = pd.DataFrame({"clv": clv.astype(float)})
    df["crv"] = crv.reindex(df.index).fillna(0.0).astype(float)
    k = int(np.ceil(top * len(df)))
    top_crv = set(df.sort_values("crv", ascending=False, kind="stable").index[:k])
    top_clv = set(df.sort_values("clv", ascending=False, kind="stable").index[:k])
    missed = sorted(top_crv - top_clv)
    return {"n_top": k, "missed": len(missed), "share_missed": len(missed) / k if k else np.nan,
            "missed_ids": missed}


@checked(transactions=dataframe(), future_value=SERIES, margin_rate=PROBABILITY)
def referee_value(transactions: pd.DataFrame, future_value: pd.Series, margin_rate: float) -> pd.Series:
    """Value of each customer as a referee, V_y: the margin earned so far (``margin_rate`` x revenue in
    ``transactions``) plus the expected future value ``future_value`` (e.g. the per-customer CLV of
    :func:`relmkt_utils.referral.btyd_value_comparison`). Indexed by customer id.

    Parameters
    ----------
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``).
    future_value : Series
        expected future value per customer id (e.g. a per-customer CLV).
    margin_rate : float
        margin as a share of revenue, in [0, 1].
    """
    require_columns(transactions, "transactions", ("customer_id", "amount"))
    past = margin_rate * transactions.groupby("customer_id")["amount"].sum()
    return past.add(future_value, fill_value=0.0).rename("referee_value")


@checked(referrals=dataframe(), reward_referrer=number(0), reward_referee=number(0))
def with_rewards(referrals: pd.DataFrame, reward_referrer: float, reward_referee: float) -> pd.DataFrame:
    """The referrals with the rewards of a scenario (``reward_referrer``, ``reward_referee``) on the
    conversions the data show as rewarded (a positive reward column), 0 on the others.

    Parameters
    ----------
    referrals : DataFrame
        the canonical referrals table (``referrer_id``, ``invited_at``, ``referee_id``, ``converted_at``,
        rewards).
    reward_referrer : float
        reward of the referrer per conversion, >= 0.
    reward_referee : float
        reward of the referee per conversion, >= 0.
    """
    out = referrals.copy()
    for col, amount in (("reward_referrer", reward_referrer), ("reward_referee", reward_referee)):
        paid = pd.to_numeric(out[col], errors="coerce").fillna(0.0) > 0 if col in out.columns else converted(out)
        out[col] = np.where(paid, float(amount), 0.0)
    return out


@dataclass
class ReferralValueSummary:
    """CRV beside CLV for the customers who could refer (:func:`referral_value_summary`).

    ``crv`` per customer; ``grid`` (:func:`clv_crv_grid`); ``segments`` (:func:`segment_summary`);
    ``missed`` (:func:`top_decile_missed`); ``incremental_share`` s = 1 - kappa (clipped to [0, 1]);
    ``acquisition_saving`` ACQ and where it comes from (``acquisition_source``)."""

    crv: pd.Series
    grid: pd.DataFrame
    segments: pd.DataFrame
    missed: dict
    incremental_share: float
    acquisition_saving: float
    acquisition_source: str

    @property
    def mean_crv(self) -> float:
        return float(self.crv.mean())

    @property
    def mean_clv(self) -> float:
        return float(self.grid["clv"].mean())


@checked(customers=dataframe(), referrals=dataframe(), transactions=dataframe(), future_value=SERIES,
         cannibalization=number(0),
         units=instance(pd.Series, pd.Index, np.ndarray, list, tuple,
                        text="customer ids (a Series, Index, array, list or tuple)"),
         margin_rate=PROBABILITY, reward_referrer=number(0), reward_referee=number(0), discount_rate=RATE)
def referral_value_summary(customers: pd.DataFrame, referrals: pd.DataFrame, transactions: pd.DataFrame,
                           future_value: pd.Series, cannibalization: float, units, margin_rate: float,
                           reward_referrer: float, reward_referee: float,
                           discount_rate: float = 0.10) -> ReferralValueSummary:
    """CRV of each customer in ``units`` (ids) at the rewards of a scenario, next to her expected future
    CLV ``future_value`` (e.g. ``btyd_value_comparison(...).per_customer``; 0 for customers without
    purchases), with the module docstring's choices: V_y = margin earned so far + expected future value
    (:func:`referee_value`), s = 1 - ``cannibalization`` (from the randomized holdout), ACQ = the mean
    acquisition cost of a paid customer (:func:`relmkt_utils.retention.acquisition_cost`), tau_y from
    the referrer's acquisition date.

    Parameters
    ----------
    customers : DataFrame
        the canonical customers table (``customer_id``, ``acquired_at``, ``channel``, ...): the
        referrers' acquisition dates and the acquisition cost of paid customers.
    referrals : DataFrame
        the canonical referrals table (``referrer_id``, ``invited_at``, ``referee_id``, ``converted_at``,
        rewards).
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``): the margin a referee
        has earned so far.
    future_value : Series
        expected future value (CLV) per customer id, e.g. ``btyd_value_comparison(...).per_customer``.
    cannibalization : float
        share of the referrals that would have come anyway (kappa, from the randomized holdout), >= 0;
        the incremental share is s = 1 - kappa, clipped to [0, 1].
    units : Series, Index, array, list or tuple
        ids of the customers whose CRV is reported (e.g. the program group).
    margin_rate : float
        margin as a share of revenue, in [0, 1].
    reward_referrer : float
        reward of the referrer per conversion in the scenario, >= 0.
    reward_referee : float
        reward of the referee per conversion in the scenario, >= 0.
    discount_rate : float, default 0.1
        discount rate per year, > -1.
    """
    from ..retention import acquisition_cost

    require_columns(customers, "customers", ("customer_id", "acquired_at"))
    units = pd.Index(units)
    share = float(np.clip(1 - float(cannibalization), 0.0, 1.0))
    saving, source = acquisition_cost(customers, channel="paid")
    crv = customer_referral_value(with_rewards(referrals, reward_referrer, reward_referee),
                                  referee_value(transactions, future_value, margin_rate), incremental_share=share,
                                  acquisition_saving=saving, discount_rate=discount_rate,
                                  reference=customers.set_index("customer_id")["acquired_at"], customers=units)
    clv = future_value.reindex(units).fillna(0.0)
    grid = clv_crv_grid(clv, crv)
    return ReferralValueSummary(crv, grid, segment_summary(grid), top_decile_missed(clv, crv), share, saving, source)
