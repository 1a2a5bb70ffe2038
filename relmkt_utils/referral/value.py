"""Are referred customers worth more? Referred vs other customers on value and retention.

Per customer (from the customers and transactions tables, :func:`customer_metrics`):
  margin = margin_rate x revenue (the data carry no cost column), average order value (AOV) =
  revenue / orders, purchase rate and annual margin per year of exposure (while active), and the
  duration to dropout from acquisition under the suite's lapse rule
  (:mod:`relmkt_utils.core.durations`: dropped once ``inactivity_days`` pass without a purchase,
  censored at ``as_of`` otherwise). When true churn is known (e.g. contract end), pass your own
  ``duration``/``dropped``.

Comparisons (:func:`compare_groups`): uplift = mean_referred / mean_other - 1 with the
delta-method interval on log(mean ratio). Retention: Kaplan-Meier per group (statsmodels
``SurvfuncRight``) and a Cox proportional-hazards model (statsmodels ``PHReg``) with the referral
indicator and controls (acquisition cohort, relationship level); churn reduction = 1 - hazard ratio.

Simple CLV per group (:func:`clv_comparison`): with m = annual margin per active customer (sum margin /
sum exposure-years of the group) and r = exp(-lambda) the annual retention of a constant hazard
lambda = dropouts / exposure-years, the CLV with the margin at the start of each year (Berger & Nasr
1998; :func:`relmkt_utils.core.clv.clv` with ``timing="start"``):

  CLV = sum_{t=0}^{H-1} m (r / (1 + d))^t = m (1 - q^H) / (1 - q),  q = r / (1 + d),

which is m (1 + d) / (1 + d - r) for H = infinity. The uplift in CLV gets a seeded bootstrap interval
(customers resampled within groups).

Model-based value (:func:`btyd_value_comparison`): a BG/NBD per group, see there.

Published gap: Schmitt, Skiera & Van den Bulte (2011), "Referral programs and customer value",
Journal of Marketing 75(1), 46-59, and its replication by Wolters & Gedenk (2019): see
:mod:`relmkt_utils.referral.published` (:func:`~relmkt_utils.referral.published.published_gap`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight

from ..core.checks import ALPHA, PROBABILITY, RATE, SEED, TEXT, checked, dataframe, instance, number, one_of
from ..core.clv import clv, present_value
from ..core.durations import durations
from ..core.errors import DataError, require_columns
from ..core.estimate import Estimate, ratio_ci, z_value
from ..core.purchases import day_log, to_datetime_days
from ..core.purchases import end_day as end_day_of
from ..core.results import StatsmodelsResults
from ..core.time import DAYS_PER_YEAR, day_number, time_unit, to_dates
from .funnel import converted


@checked(customers=dataframe(), referrals=dataframe(none=True))
def referred_flag(customers: pd.DataFrame, referrals: pd.DataFrame | None = None) -> pd.Series:
    """True for referred customers: channel == 'referral' or named as a converted referee.

    Parameters
    ----------
    customers : DataFrame
        the canonical customers table (``customer_id``, ``acquired_at``, ``channel``,
        ``relationship_level``, ...).
    referrals : DataFrame or None, default None
        the referrals table (converted referees count as referred).
    """
    flag = pd.Series(False, index=customers.index)
    if "channel" in customers.columns:
        flag |= customers["channel"].astype(str).eq("referral")
    if referrals is not None and "referee_id" in referrals.columns:
        refs = set(referrals.loc[converted(referrals), "referee_id"].astype(str))
        flag |= customers["customer_id"].astype(str).isin(refs)
    return flag.rename("referred")


@checked(customers=dataframe(), referrals=dataframe(none=True))
def referred_ids(customers: pd.DataFrame, referrals: pd.DataFrame | None = None) -> pd.Series:
    """The ids of the referred customers (:func:`referred_flag`).

    Parameters
    ----------
    customers : DataFrame
        the canonical customers table (``customer_id``, ``acquired_at``, ``channel``,
        ``relationship_level``, ...).
    referrals : DataFrame or None, default None
        the referrals table (converted referees count as referred).
    """
    return customers.loc[referred_flag(customers, referrals).to_numpy(), "customer_id"]


@checked(customers=dataframe(), transactions=dataframe(), margin_rate=PROBABILITY,
         inactivity_days=number(0, low_open=True), referrals=dataframe(none=True),
         min_exposure_days=number(0, integer=True))
def customer_metrics(customers: pd.DataFrame, transactions: pd.DataFrame, as_of=None,
                     margin_rate: float = 0.3, inactivity_days: float = 365,
                     referrals: pd.DataFrame | None = None, min_exposure_days: int = 30) -> pd.DataFrame:
    """One row per customer: referred, cohort, orders, revenue, margin, aov, purchase_rate,
    tenure_years, ``duration`` (days from acquisition to dropout or ``as_of``), ``dropped`` (lapse
    rule, see the module docstring), exposure_years, annual_margin.

    Parameters
    ----------
    customers : DataFrame
        the canonical customers table (``customer_id``, ``acquired_at``, ``channel``,
        ``relationship_level``, ...).
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``).
    as_of : date-like or None
        date of the data; default the last transaction date.
    margin_rate : float, default 0.3
        margin as a share of revenue, in [0, 1].
    inactivity_days : float, default 365
        days without a purchase after which a customer counts as dropped out (the lapse rule), > 0.
    referrals : DataFrame or None, default None
        the referrals table (converted referees count as referred).
    min_exposure_days : int, default 30
        customers observed for fewer days are left out, >= 0.
    """
    require_columns(customers, "customers", ("customer_id", "acquired_at"))
    require_columns(transactions, "transactions", ("customer_id", "date", "amount"))
    tx = transactions.assign(_d=to_dates(transactions["date"]))
    as_of = pd.Timestamp(as_of) if as_of is not None else tx["_d"].max()
    agg = tx.groupby("customer_id").agg(orders=("amount", "size"), revenue=("amount", "sum"))
    out = customers[["customer_id"]].copy()
    for col in ("channel", "relationship_level", "referral_group", "acquisition_cost"):
        if col in customers.columns:
            out[col] = customers[col].to_numpy()
    acq = to_dates(customers["acquired_at"])
    out["acquired_at"] = acq.to_numpy()
    out["cohort"] = acq.dt.year.astype("Int64").astype(str).to_numpy()
    out["referred"] = referred_flag(customers, referrals).astype(int).to_numpy()
    a = agg.reindex(out["customer_id"])
    out["orders"] = a["orders"].fillna(0).astype(int).to_numpy()
    out["revenue"] = a["revenue"].fillna(0.0).to_numpy()
    out["margin"] = margin_rate * out["revenue"]
    out["aov"] = np.where(out["orders"] > 0, out["revenue"] / out["orders"].where(out["orders"] > 0), np.nan)
    tenure = (as_of - acq).dt.days.clip(lower=min_exposure_days).to_numpy(float)
    out["tenure_years"] = tenure / DAYS_PER_YEAR
    d = durations(transactions, pd.Series(acq.to_numpy(), index=customers["customer_id"].to_numpy()), as_of,
                  inactivity_days, unit="day").reindex(out["customer_id"])
    out["dropped"] = d["dropped"].fillna(0).astype(int).to_numpy()
    out["duration"] = d["duration"].fillna(0.0).clip(lower=0.0).to_numpy()
    out["exposure_years"] = np.maximum(out["duration"], min_exposure_days) / DAYS_PER_YEAR
    out["annual_margin"] = out["margin"] / out["exposure_years"]
    out["purchase_rate"] = out["orders"] / out["exposure_years"]
    out.attrs.update(d.attrs)
    return out.reset_index(drop=True)


#: What each per-customer metric of :func:`customer_metrics` is, for a reader.
METRIC_NAMES = {"aov": "order value (AOV)", "annual_margin": "margin per year", "purchase_rate": "orders per year",
                "revenue": "revenue", "margin": "margin", "orders": "orders"}


@checked(metrics=dataframe(), group_col=TEXT, alpha=ALPHA)
def compare_groups(metrics: pd.DataFrame, columns=("aov", "annual_margin", "purchase_rate"),
                   group_col: str = "referred", alpha: float = 0.05) -> pd.DataFrame:
    """Referred (group_col == 1) vs other customers: means, difference and uplift % with its CI.

    uplift = m1 / m0 - 1; interval exp(log(m1/m0) +/- z sqrt(s1^2/(n1 m1^2) + s0^2/(n0 m0^2))) - 1.
    Missing values of a column (e.g. AOV of customers without orders) are left out.

    Parameters
    ----------
    metrics : DataFrame
        per-customer metrics of :func:`customer_metrics`.
    columns : sequence of str
        the metrics compared.
    group_col : str, default 'referred'
        name of the 0/1 group column (1 = referred).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    rows = []
    g = metrics[group_col].astype(int)
    for col in columns:
        x1 = metrics.loc[g == 1, col].dropna().to_numpy(float)
        x0 = metrics.loc[g == 0, col].dropna().to_numpy(float)
        r = ratio_ci(x1, x0, alpha)
        rows.append({"metric": col, "mean_referred": x1.mean(), "mean_other": x0.mean(),
                     "n_referred": x1.size, "n_other": x0.size, "difference": x1.mean() - x0.mean(),
                     "uplift_pct": 100 * (r.value - 1), "uplift_pct_lower": 100 * (r.lower - 1),
                     "uplift_pct_upper": 100 * (r.upper - 1)})
    return pd.DataFrame(rows)


@checked(metrics=dataframe(), currency=TEXT, alpha=ALPHA)
def group_means(metrics: pd.DataFrame, currency: str = "", alpha: float = 0.05) -> pd.DataFrame:
    """:func:`compare_groups` of order value, margin per year and orders per year as a reader's table:
    one row per quantity (its unit in the label: the rows differ in kind), the mean of referred and
    other customers and the uplift m1 / m0 - 1 with its interval (a relative change: ``uplift``,
    ``uplift_lower``, ``uplift_upper``).

    Parameters
    ----------
    metrics : DataFrame
        per-customer metrics of :func:`customer_metrics` (``referred``, ``aov``, ``annual_margin``,
        ``purchase_rate``).
    currency : str, default ''
        currency of the money rows' labels (e.g. ``'EUR'``); empty for labels without a unit.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    t = compare_groups(metrics, alpha=alpha).set_index("metric")
    unit = f" ({currency})" if currency else ""
    labels = {"aov": f"order value{unit}", "annual_margin": f"margin per year{unit}", "purchase_rate": "orders per year"}
    out = pd.DataFrame({"referred customers": t["mean_referred"], "other customers": t["mean_other"],
                        "uplift": t["uplift_pct"] / 100, "uplift_lower": t["uplift_pct_lower"] / 100,
                        "uplift_upper": t["uplift_pct_upper"] / 100})
    out.index = [labels.get(m, METRIC_NAMES.get(m, m)) for m in out.index]
    out.index.name = "mean per customer"
    return out


@checked(metrics=dataframe(), duration_col=TEXT, event_col=TEXT, group_col=TEXT)
def km_by_group(metrics: pd.DataFrame, duration_col: str = "duration", event_col: str = "dropped",
                group_col: str = "referred", labels: dict | None = None) -> dict[str, SurvfuncRight]:
    """Kaplan-Meier retention curve per group (statsmodels ``SurvfuncRight``).

    Parameters
    ----------
    metrics : DataFrame
        per-customer metrics of :func:`customer_metrics`.
    duration_col : str, default 'duration'
        name of the duration column.
    event_col : str, default 'dropped'
        name of the event column (1 dropped out, 0 censored).
    group_col : str, default 'referred'
        name of the 0/1 group column (1 = referred).
    labels : dict or None, default None
        group value -> label of its curve.
    """
    labels = labels or {1: "referred", 0: "other"}
    out = {}
    for key, label in labels.items():
        sub = metrics[metrics[group_col] == key]
        if len(sub):
            out[label] = SurvfuncRight(sub[duration_col].to_numpy(float), sub[event_col].to_numpy(int))
    return out


@checked(curves=instance(dict, text='a dict of survival curves by group'), alpha=ALPHA)
def km_table(curves: dict[str, SurvfuncRight], alpha: float = 0.05) -> pd.DataFrame:
    """Tidy KM curves with pointwise log-log intervals: group, time, survival, lower, upper.

    Parameters
    ----------
    curves : dict
        label -> statsmodels ``SurvfuncRight`` (:func:`km_by_group`).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    frames = []
    for label, sf in curves.items():
        lo, hi = _pointwise_cb(sf, alpha)
        frames.append(pd.DataFrame({"group": label, "time": sf.surv_times, "survival": sf.surv_prob,
                                    "lower": lo, "upper": hi}))
    return pd.concat(frames, ignore_index=True)


def _pointwise_cb(sf: SurvfuncRight, alpha: float):
    """Log(-log) pointwise interval of a KM curve (Kalbfleisch & Prentice 2002)."""
    s = np.clip(sf.surv_prob, 1e-12, 1 - 1e-12)
    se_log = sf.surv_prob_se / s
    se_ll = se_log / np.abs(np.log(s))
    z = z_value(alpha)
    return s ** np.exp(z * se_ll), s ** np.exp(-z * se_ll)


@dataclass
class CoxReferral:
    """Cox PH fit with the referral indicator: hazard ratio, churn reduction = 1 - HR."""

    hazard_ratio: Estimate
    churn_reduction: Estimate
    results: object
    formula: str


@checked(metrics=dataframe(), duration_col=TEXT, event_col=TEXT, ties=one_of('breslow', 'efron'), alpha=ALPHA)
def cox_referral(metrics: pd.DataFrame, duration_col: str = "duration", event_col: str = "dropped",
                 covariates=("cohort", "relationship_level"), ties: str = "breslow",
                 alpha: float = 0.05) -> CoxReferral:
    """Cox proportional hazards, h(t | x) = h0(t) exp(beta referred + controls), via statsmodels PHReg.

    Controls are entered as categorical when present in ``metrics`` (channel cannot be one: the
    referral channel *is* the treatment). HR = exp(beta) with the Wald interval exp(beta +/- z se).
    Breslow's tie handling is the default (twice as fast as Efron's; identical without ties).

    Parameters
    ----------
    metrics : DataFrame
        per-customer metrics of :func:`customer_metrics`.
    duration_col : str, default 'duration'
        name of the duration column.
    event_col : str, default 'dropped'
        name of the event column (1 dropped out, 0 censored).
    covariates : sequence of str, default ('cohort', 'relationship_level')
        control columns entered in the model when present.
    ties : {'breslow', 'efron'}, default 'breslow'
        handling of tied event times.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    data = metrics.copy()
    ctrl = [c for c in covariates if c in data.columns and data[c].nunique() > 1]
    rhs = " + ".join(["referred"] + [f"C({c})" for c in ctrl])
    formula = f"{duration_col} ~ {rhs}"
    empty = [c for c in ctrl if (data.groupby(c)[event_col].sum() == 0).any()]
    if empty:
        raise DataError(f"the Cox model cannot be estimated: some groups of {', '.join(empty)} have no dropouts "
                        "(their hazard ratio would be zero); leave these controls out with covariates=")
    model = PHReg.from_formula(formula, data, status=data[event_col].to_numpy(int), ties=ties)
    res = StatsmodelsResults(model.fit(), "Cox proportional hazards", names=list(model.exog_names))
    b, se = float(res.params["referred"]), float(res.bse["referred"])
    z = z_value(alpha)
    hr = Estimate(float(np.exp(b)), float(np.exp(b - z * se)), float(np.exp(b + z * se)),
                  float(np.exp(b) * se), "Cox PH Wald", alpha)
    red = Estimate(1 - hr.value, 1 - hr.upper, 1 - hr.lower, hr.se, "1 - HR", alpha)
    return CoxReferral(hr, red, res, formula)


@checked(cox=instance(CoxReferral, text="a CoxReferral (the result of cox_referral)"), alpha=ALPHA)
def cox_table(cox: CoxReferral, alpha: float = 0.05) -> pd.DataFrame:
    """The Cox model as hazard ratios exp(beta) with their intervals exp(beta +/- z se) (one scale) and
    p-values, each covariate by a plain name ("relationship level: social (vs financial)").

    Parameters
    ----------
    cox : CoxReferral
        a fitted Cox model of :func:`cox_referral`.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    res = cox.results
    ci = res.conf_int(alpha)
    names = []
    for term in res.params.index:
        m = re.match(r"C\((?P<col>[^)]+)\)\[T\.(?P<level>.+)\]", str(term))
        names.append("referred (vs other)" if term == "referred" else
                     f"{m['col'].replace('_', ' ')}: {m['level']}" if m else str(term).replace("_", " "))
    out = pd.DataFrame({"hazard_ratio": np.exp(res.params.to_numpy()), "lower": np.exp(ci["lower"].to_numpy()),
                        "upper": np.exp(ci["upper"].to_numpy()), "p": np.asarray(res.pvalues, dtype=float)},
                       index=pd.Index(names, name="covariate"))
    return out


def _group_clv(margin, exposure, events, d, horizon):
    m = margin / exposure
    r = np.exp(-events / exposure)
    return clv(m, r, d, horizon=horizon, timing="start"), m, r


@dataclass
class ClvComparison:
    """Group CLV of referred vs other customers and the uplift with a bootstrap interval."""

    table: pd.DataFrame
    uplift: Estimate
    per_customer: pd.Series


@checked(metrics=dataframe(), discount_rate=RATE, horizon_years=number(0, low_open=True, none=True), group_col=TEXT,
         margin_col=TEXT, exposure_col=TEXT, event_col=TEXT, n_boot=number(2, integer=True), seed=SEED, alpha=ALPHA)
def clv_comparison(metrics: pd.DataFrame, discount_rate: float = 0.10, horizon_years: float | None = None,
                   group_col: str = "referred", margin_col: str = "margin",
                   exposure_col: str = "exposure_years", event_col: str = "dropped",
                   n_boot: int = 500, seed: int = 0, alpha: float = 0.05) -> ClvComparison:
    """Simple CLV per group (module doc) and uplift = CLV_referred / CLV_other - 1.

    Interval: percentile bootstrap, customers resampled with replacement within each group
    (multinomial weights, vectorized; seeded). ``per_customer`` is m_i (1+d)/(1+d-r_g): the
    customer's own annual margin with the retention of the customer's group. ``horizon_years`` None
    counts every future year (:func:`relmkt_utils.core.clv.clv`, start timing).

    Parameters
    ----------
    metrics : DataFrame
        per-customer metrics of :func:`customer_metrics`.
    discount_rate : float, default 0.1
        discount rate per year, > -1.
    horizon_years : float or None, default None
        horizon in years; None for every future year.
    group_col : str, default 'referred'
        name of the 0/1 group column (1 = referred).
    margin_col : str, default 'margin'
        name of the margin column.
    exposure_col : str, default 'exposure_years'
        name of the exposure (years observed) column.
    event_col : str, default 'dropped'
        name of the event column (1 dropped out, 0 censored).
    n_boot : int, default 500
        bootstrap replicates, >= 2.
    seed : int, default 0
        seed of the random draws (>= 0); the same seed gives the same numbers.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    rng = np.random.default_rng(seed)
    rows, boots = {}, {}
    per = pd.Series(np.nan, index=metrics.index, name="clv")
    for key, label in ((1, "referred"), (0, "other")):
        sub = metrics[metrics[group_col] == key]
        x = sub[[margin_col, exposure_col, event_col]].to_numpy(float)
        group_clv, m, r = _group_clv(x[:, 0].sum(), x[:, 1].sum(), x[:, 2].sum(), discount_rate, horizon_years)
        rows[label] = {"customers": len(sub), "annual_margin": m, "hazard": x[:, 2].sum() / x[:, 1].sum(),
                       "retention": r, "clv": group_clv}
        w = rng.multinomial(len(sub), np.full(len(sub), 1 / len(sub)), size=n_boot)
        sums = w @ x
        boots[label] = _group_clv(sums[:, 0], sums[:, 1], sums[:, 2], discount_rate, horizon_years)[0]
        per.loc[sub.index] = clv(sub[margin_col] / sub[exposure_col], r, discount_rate, horizon=horizon_years,
                                 timing="start")
    table = pd.DataFrame(rows).T
    up = Estimate.from_draws(float(table.loc["referred", "clv"] / table.loc["other", "clv"] - 1),
                             boots["referred"] / boots["other"] - 1, alpha)
    return ClvComparison(table, up, per)


@dataclass
class BtydValueComparison:
    """Model-based value of referred vs other customers (BG/NBD per group, see :func:`btyd_value_comparison`).

    ``draws`` maps each group to its simulation draws, columns (revenue, value), so a quantity built
    on the value (e.g. the referral ROI) can carry its uncertainty."""

    table: pd.DataFrame
    revenue_uplift: Estimate
    value_uplift: Estimate
    per_customer: pd.Series
    results: dict
    draws: dict

    def value(self, group: str = "referred") -> Estimate:
        """The (discounted margin) value of a new customer of ``group`` with its interval."""
        return Estimate.from_draws(float(self.table.loc[group, "value"]), self.draws[group][:, 1],
                                   method="parametric + customer bootstrap")

    def reader_tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The fit per group for a report: (the BG/NBD parameters and group sizes, the value of a new
        customer: expected repeat purchase days, mean spend per purchase day, revenue and CLV with their
        intervals)."""
        t = self.table.rename_axis("group")
        params = t[["customers", *[c for c in ("r", "alpha", "a", "b") if c in t.columns]]].rename(
            columns={"customers": "customers fitted"})
        value = t[["expected_repeat", "mean_spend", "revenue", "revenue_lower", "revenue_upper", "value",
                   "value_lower", "value_upper"]].rename(columns={
                       "expected_repeat": "expected repeat purchase days", "mean_spend": "spend per purchase day",
                       "value": "clv", "value_lower": "clv_lower", "value_upper": "clv_upper"})
        return params, value

    def revenue(self, group: str = "referred") -> Estimate:
        """The undiscounted revenue of a new customer of ``group`` over the horizon, with its interval."""
        return Estimate.from_draws(float(self.table.loc[group, "revenue"]), self.draws[group][:, 0],
                                   method="parametric + customer bootstrap")


@checked(transactions=dataframe(), horizon_months=number(0, low_open=True), margin_rate=PROBABILITY,
         annual_discount_rate=RATE, n_draws=number(2, integer=True), seed=SEED, alpha=ALPHA)
def btyd_value_comparison(transactions: pd.DataFrame, referred_ids, observation_end=None,
                          horizon_months: float = 36, margin_rate: float = 0.3, annual_discount_rate: float = 0.10,
                          unit="week", n_draws: int = 500, seed: int = 0,
                          alpha: float = 0.05) -> BtydValueComparison:
    """Expected value of a new referred vs a new other customer from a BG/NBD fit per group.

    The gap rule of :func:`customer_metrics` is biased when one group is younger (referred
    customers join later, so their dropout cannot be seen yet); the BG/NBD (Fader, Hardie & Lee
    2005) uses each customer's own observation length T. Purchases are merged per day and time is
    counted in the dataset's time unit (weeks measured in days by default, :mod:`relmkt_utils.core.time`),
    so a "purchase" of the model is a purchase day and s_g, the group's mean amount per purchase day,
    matches it. Per group g, over a horizon of H periods (``horizon_months`` converted):

      revenue_g = s_g (1 + E[X_g(H)])                              (first purchase + expected repeats)
      value_g   = m s_g (1 + sum_{k=1}^{H} (E[X_g(k)] - E[X_g(k-1)]) (1 + i)^(-k))

    E[X(t)] is FHL's eq. 7 (:meth:`~relmkt_utils.btyd.BetaGeoResults.expected_purchases_new_customer`),
    m the margin rate, i the discount rate per period equivalent to ``annual_discount_rate``; the
    repeats of period k are discounted at its end (:func:`relmkt_utils.core.clv.present_value`). Uplifts
    are value_referred / value_other - 1. Interval: seeded percentile interval over ``n_draws`` draws
    of the BG/NBD parameters from their asymptotic normal (log scale) and of s_g from a customer
    bootstrap (multinomial weights), independently per group. ``per_customer``: each customer's
    conditional expected future margin over the horizon (discounted, the customer's own history,
    their group's model).

    Parameters
    ----------
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``).
    referred_ids : array-like
        customer ids of the referred customers.
    observation_end : date-like or None
        end of the observation window; default: the last transaction date.
    horizon_months : float, default 36
        horizon in months (calendar terms), > 0.
    margin_rate : float, default 0.3
        margin as a share of revenue, in [0, 1].
    annual_discount_rate : float, default 0.1
        discount rate per year (0.1 = 10%).
    unit : str, default 'week'
        model time unit of the BG/NBD fits.
    n_draws : int, default 500
        parameter draws of the intervals, >= 2.
    seed : int, default 0
        seed of the random draws (>= 0); the same seed gives the same numbers.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    from ..btyd import BetaGeo, rfm_summary

    require_columns(transactions, "transactions", ("customer_id", "date", "amount"))
    unit = time_unit(unit)
    freq, multiplier = unit.rfm_convention()
    rng = np.random.default_rng(seed)
    log = day_log(transactions, amount_col="amount")           # purchase days by the suite's one day rule
    end_day = day_number(observation_end, "observation_end") if observation_end is not None else end_day_of(log)
    rfm = rfm_summary(transactions, observation_end=to_datetime_days([end_day])[0], freq=freq,
                      freq_multiplier=multiplier)
    flag = rfm.index.astype(str).isin(set(map(str, referred_ids)))
    days = log.until(end_day)
    per_day = days.summary()[["revenue", "frequency"]]          # revenue and purchase days per customer
    H = unit.whole_periods(months=horizon_months)
    k = np.arange(H + 1, dtype=float)
    rate = unit.rate_per_period(annual_discount_rate)

    def values(res, params, spend):
        ex = res.expected_purchases_new_customer(k, params=params)
        return spend * (1 + ex[-1]), margin_rate * spend * (1 + present_value(np.diff(ex), rate))

    rows, draws, results = {}, {}, {}
    per = pd.Series(np.nan, index=rfm.index, name="clv")
    for label, mask in (("referred", flag), ("other", ~flag)):
        d = rfm[mask]
        if len(d) < 10:
            raise DataError(f"the {label} group has {len(d)} customers with purchases; the BG/NBD needs at least 10")
        res = BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
        tot = per_day.reindex(d.index).to_numpy(float)
        spend = tot[:, 0].sum() / tot[:, 1].sum()
        rev, val = values(res, None, spend)
        w = rng.multinomial(len(d), np.full(len(d), 1 / len(d)), size=n_draws) @ tot
        theta = res.param_draws(n_draws, seed=int(rng.integers(2**31)))
        draws[label] = np.array([values(res, t, s) for t, s in zip(theta, w[:, 0] / w[:, 1])])
        q = np.quantile(draws[label], (alpha / 2, 1 - alpha / 2), axis=0)
        rows[label] = {"customers": len(d), **res.params.to_dict(), "expected_repeat": (rev / spend - 1),
                       "mean_spend": spend, "revenue": rev, "revenue_lower": q[0, 0], "revenue_upper": q[1, 0],
                       "value": val, "value_lower": q[0, 1], "value_upper": q[1, 1]}
        per.loc[d.index] = res.clv(spend, margin=margin_rate, annual_discount_rate=annual_discount_rate,
                                   horizon_months=horizon_months, time_unit=unit).to_numpy()
        results[label] = res
    table = pd.DataFrame(rows).T
    ratio = draws["referred"] / draws["other"] - 1
    method = "parametric + customer bootstrap"

    def uplift(col, j):
        return Estimate.from_draws(float(table.loc["referred", col] / table.loc["other", col] - 1), ratio[:, j],
                                   alpha, method)

    table.attrs.update(horizon_periods=H, time_unit=unit.name)
    return BtydValueComparison(table, uplift("revenue", 0), uplift("value", 1), per, results, draws)
