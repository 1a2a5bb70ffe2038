"""Customer survival (who is still "alive"): time to dropout, Kaplan-Meier curves, log-rank test.

Dropout (客户流失) in a non-contractual setting is not observed; it is defined by the suite's one
lapse rule (:mod:`relmkt_utils.core.durations`): a customer drops out once ``inactivity_days`` (W,
default 180) pass without a purchase, at her last purchase plus W; customers with a purchase in the
last W days are censored at the observation end. Durations run from the acquisition (``acquired_at``
of the customers table, or the first purchase when that is earlier or absent).

Kaplan-Meier (product-limit) estimator: S(t) = prod_{t_j <= t} (1 - d_j / n_j), with d_j events
and n_j at risk at event time t_j; Greenwood variance Var S(t) = S(t)^2 sum d_j / (n_j (n_j - d_j)).
Pointwise CIs use the log(-log) transform: S(t)^exp(+-z se / (S |log S|)) (Kalbfleisch & Prentice
2002). The median survival is the first t with S(t) <= 0.5, with the Brookmeyer & Crowley (1982)
interval (statsmodels ``quantile_ci``, cloglog); the median is NaN when S never reaches 0.5 and
an interval bound is inf when the curve does not cross the bound. The log-rank test (Mantel
1966; Peto & Peto 1972) compares the observed and expected events of each group, chi-square with
(groups - 1) df.
Both use ``statsmodels.duration.survfunc``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from ..core.checks import ALPHA, TEXT, checked, dataframe, instance, number, numbers
from ..core.durations import durations
from ..core.estimate import Estimate
from ..core.errors import DataError, require_columns
from ..core.estimate import z_value
from ..core.purchases import CUSTOMER, DATE, acquisition_days, to_datetime_days


@checked(transactions=dataframe(), customers=dataframe(none=True), inactivity_days=number(0, low_open=True),
         customer_col=TEXT, date_col=TEXT, acquired_col=TEXT)
def time_to_dropout(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    observation_end=None,
    inactivity_days: float = 180,
    group_cols: tuple[str, ...] | list[str] = ("relationship_level", "channel"),
    unit="day",
    customer_col: str = CUSTOMER,
    date_col: str = DATE,
    acquired_col: str = "acquired_at",
) -> pd.DataFrame:
    """Durations to dropout of the customers (:func:`relmkt_utils.core.durations.durations`) from
    their acquisition (:func:`relmkt_utils.core.purchases.acquisition_days`), with the ``group_cols``
    of ``customers`` that exist. Columns ``start, last_activity, end, duration`` (in ``unit``),
    ``dropped``, ``won_back`` and the groups; ``attrs["rule"]`` is the rule in one sentence.

    Parameters
    ----------
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``).
    customers : DataFrame or None
        the customers table (acquisition dates and groups); default: every buyer from the first purchase.
    observation_end : date-like or None
        end of the observation window; default: the last transaction date.
    inactivity_days : float, default 180
        days without a purchase after which a customer counts as dropped out (the lapse rule), > 0.
    group_cols : sequence of str, default ('relationship_level', 'channel')
        customers columns copied to the result where they exist.
    unit : str, default 'day'
        time unit of the durations (``'day'``, ``'week'``, ``'month'``, ``'quarter'``, ``'year'``).
    customer_col : str, default 'customer_id'
        name of the customer-id column.
    date_col : str, default 'date'
        name of the date column.
    acquired_col : str, default 'acquired_at'
        name of the acquisition-date column of ``customers``.
    """
    acquired = acquisition_days(transactions, customers, customer_col, date_col, acquired_col)
    out = durations(transactions, pd.Series(to_datetime_days(acquired.to_numpy()), index=acquired.index),
                    observation_end, inactivity_days, unit, customer_col, date_col)
    if customers is not None:
        require_columns(customers, "customers", (customer_col,))
        cust = customers.drop_duplicates(customer_col).set_index(customer_col).reindex(out.index)
        for col in group_cols:
            if col in cust.columns:
                out[col] = cust[col].to_numpy()
    return out


@dataclass
class KaplanMeier:
    """Kaplan-Meier fits per group.

    ``fits``: group -> statsmodels ``SurvfuncRight``; ``curves``: long table (group, time,
    survival, se, lower, upper, n_risk, n_events), starting at time 0 with S = 1;
    ``medians``: per group n, events, median and its CI (NaN/inf when not reached).
    """

    fits: dict[str, SurvfuncRight]
    curves: pd.DataFrame
    medians: pd.DataFrame
    alpha: float = 0.05
    by: str | None = None
    unit: str = "day"


@checked(data=dataframe(), by=instance(str, none=True), duration_col=TEXT, event_col=TEXT, alpha=ALPHA)
def kaplan_meier(
    data: pd.DataFrame,
    by: str | None = None,
    duration_col: str = "duration",
    event_col: str = "dropped",
    alpha: float = 0.05,
) -> KaplanMeier:
    """Kaplan-Meier survival (statsmodels ``SurvfuncRight``) overall or per group ``by``.

    Rows with a missing group, duration or event are dropped. See the module docstring for the
    estimator, the Greenwood variance, the log(-log) pointwise band and the median CI.

    Parameters
    ----------
    data : DataFrame
        one row per customer with the duration and event columns (e.g. :func:`time_to_dropout`).
    by : str or None, default None
        column whose groups get one curve each; None for one curve.
    duration_col : str, default 'duration'
        name of the duration column.
    event_col : str, default 'dropped'
        name of the event column (1 dropped out, 0 censored).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    cols = [duration_col, event_col] + ([by] if by else [])
    require_columns(data, "survival data", cols)
    d = data[cols].dropna()
    groups = [("all", d)] if by is None else [(str(g), x) for g, x in d.groupby(by, sort=True, observed=True)]
    z = z_value(alpha)
    fits, curves, medians = {}, [], []
    for name, x in groups:
        if len(x) == 0:
            continue
        sf = SurvfuncRight(x[duration_col].to_numpy(float), x[event_col].to_numpy(float))
        fits[name] = sf
        s = np.asarray(sf.surv_prob, float)
        se = np.asarray(sf.surv_prob_se, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            theta_se = se / (s * np.abs(np.log(s)))
            lo = s ** np.exp(z * theta_se)
            hi = s ** np.exp(-z * theta_se)
        lo = np.where(np.isfinite(lo), lo, np.where(s >= 1, 1.0, 0.0))
        hi = np.where(np.isfinite(hi), hi, np.where(s <= 0, 0.0, 1.0))
        curves.append(pd.DataFrame({
            "group": name,
            "time": np.concatenate([[0.0], sf.surv_times]),
            "survival": np.concatenate([[1.0], s]),
            "se": np.concatenate([[0.0], se]),
            "lower": np.concatenate([[1.0], lo]),
            "upper": np.concatenate([[1.0], hi]),
            "n_risk": np.concatenate([[len(x)], sf.n_risk]).astype("int64"),
            "n_events": np.concatenate([[0], sf.n_events]).astype("int64"),
        }))
        if len(sf.surv_times):
            med = float(sf.quantile(0.5))
            with np.errstate(divide="ignore", invalid="ignore"):  # S = 0 or 1 at the ends
                mlo, mhi = sf.quantile_ci(0.5, alpha=alpha)
        else:
            med, mlo, mhi = np.nan, np.nan, np.nan
        medians.append({"group": name, "n": len(x), "events": int(x[event_col].sum()),
                        "median": med, "lower": float(mlo), "upper": float(mhi)})
    if not fits:
        raise DataError("no complete rows to fit a survival curve")
    curves_df = pd.concat(curves, ignore_index=True)
    medians_df = pd.DataFrame(medians).set_index("group")
    return KaplanMeier(fits, curves_df, medians_df, alpha, by)


@checked(times=numbers(0))
def survival_at(km: KaplanMeier, times) -> pd.DataFrame:
    """S(t) of each group at the given times (step function, right-continuous): groups x times.

    Parameters
    ----------
    km : KaplanMeier
        the fitted curves of :func:`kaplan_meier`.
    times : array-like
        times (in the durations' unit), >= 0.
    """
    t = np.atleast_1d(np.asarray(times, float))
    rows = {}
    for name, c in km.curves.groupby("group", sort=False):
        idx = np.searchsorted(c["time"].to_numpy(), t, side="right") - 1
        rows[name] = c["survival"].to_numpy()[idx]
    return pd.DataFrame(rows, index=pd.Index(t, name="time")).T


@checked(km=instance(KaplanMeier), t=number(0), group=TEXT)
def survival_estimate(km: KaplanMeier, t: float, group: str = "all") -> Estimate | None:
    """S(t) of one group with its pointwise (1 - alpha) log(-log) band, as an
    :class:`~relmkt_utils.core.estimate.Estimate`; None when nobody was still observed at ``t`` (the
    curve does not reach it, so S(t) is not estimated).

    Parameters
    ----------
    km : KaplanMeier
        Curves from :func:`kaplan_meier`.
    t : float
        The time (days since acquisition) at which to read the curve.
    group : str
        The group's label ("all" for a curve without groups).
    """
    c = km.curves[km.curves["group"] == group]
    if c.empty:
        raise DataError(f"survival_estimate: no group {group!r} (groups: {', '.join(km.curves['group'].unique())})")
    times = c["time"].to_numpy()
    i = int(np.searchsorted(times, t, side="right") - 1)
    fit = km.fits[group]
    observed_until = float(max(np.max(fit.time), times.max())) if len(times) else 0.0
    if t > observed_until:
        return None
    row = c.iloc[i]
    return Estimate(float(row["survival"]), float(row["lower"]), float(row["upper"]), float(row["se"]),
                    "Kaplan-Meier with a log(-log) band", km.alpha)


@checked(km=instance(KaplanMeier), preferred=number(0, low_open=True), step=number(0, low_open=True),
         min_at_risk=number(0, 1), group=TEXT)
def survival_horizon(km: KaplanMeier, preferred: float = 365, step: float = 30, min_at_risk: float = 0.10,
                     group: str = "all") -> float | None:
    """The time at which to read a survival curve: ``preferred`` (a year) when at least ``min_at_risk``
    of the customers are still observed then, else the longest multiple of ``step`` days at which they
    are; None when no such time exists (the data follow customers for too short a time).

    Parameters
    ----------
    km : KaplanMeier
        Curves from :func:`kaplan_meier`.
    preferred : float
        The time to read when the data follow enough customers that long (days).
    step : float
        The spacing of the shorter times tried instead (days).
    min_at_risk : float
        The share of the group that must still be observed at the time.
    group : str
        The group's label ("all" for a curve without groups).
    """
    c = km.curves[km.curves["group"] == group]
    if c.empty:
        return None
    n = float(c["n_risk"].iloc[0])
    times, at_risk = c["time"].to_numpy(), c["n_risk"].to_numpy(float)

    def observed(t):
        later = at_risk[times >= t]
        return later.size > 0 and later[0] >= min_at_risk * n

    if observed(preferred):
        return float(preferred)
    candidates = [t for t in np.arange(step, preferred, step) if observed(t)]
    return float(candidates[-1]) if candidates else None


@dataclass(frozen=True)
class LogRankResult:
    """Log-rank chi-square ``statistic`` with ``df`` = groups - 1 and its ``pvalue``; ``groups`` the groups
    compared, ``left_out`` those that could not be (nobody of theirs was followed long enough to be at risk
    when a customer of another group dropped out) and ``note`` the sentence that says so (empty if none)."""

    statistic: float
    df: int
    pvalue: float
    groups: tuple[str, ...] = field(default_factory=tuple)
    left_out: tuple[str, ...] = field(default_factory=tuple)

    @property
    def note(self) -> str:
        """`` (groups a, b left out: ...)`` for a sentence, or an empty string."""
        if not self.left_out:
            return ""
        return (f" ({', '.join(self.left_out)} left out: none of their customers was followed long enough to be at "
                "risk when a customer of another group dropped out)")


@checked(data=dataframe(), by=TEXT, duration_col=TEXT, event_col=TEXT)
def logrank_test(
    data: pd.DataFrame,
    by: str,
    duration_col: str = "duration",
    event_col: str = "dropped",
) -> LogRankResult:
    """Log-rank test of equal survival across the groups of ``by`` (statsmodels ``survdiff``).

    Statistic: (O - E)' V^- (O - E) over the first k - 1 groups, where O and E are observed and
    expected (under equal hazards) events per group, summed over event times; chi-square, k - 1 df.
    A group none of whose customers is still followed at the first dropout time of the data (a segment
    acquired within the last lapse window) is at risk at no event time: its row of V is zero, so it carries
    no information and is left out (``left_out``; V would be singular with it). Fewer than two groups left,
    or a V that is still singular, is a DataError with the sentence why, never "Singular matrix".

    Parameters
    ----------
    data : DataFrame
        one row per customer with the duration, event and group columns.
    by : str
        the column whose groups are compared.
    duration_col : str, default 'duration'
        name of the duration column.
    event_col : str, default 'dropped'
        name of the event column (1 dropped out, 0 censored).
    """
    require_columns(data, "survival data", (duration_col, event_col, by))
    d = data[[duration_col, event_col, by]].dropna()
    groups = tuple(sorted(map(str, d[by].unique())))
    if len(groups) < 2:
        raise DataError(f"the log-rank test needs at least two groups in '{by}'")
    if not (d[event_col] > 0).any():
        raise DataError(f"the log-rank test by '{by}' needs events, and no customer has one (no '{event_col}'): "
                        "every customer is still followed at the end, e.g. because the data span less time than "
                        "the dropout rule needs")
    labels = d[by].astype(str)
    first_event = float(d.loc[d[event_col] > 0, duration_col].min())
    followed = d.groupby(labels)[duration_col].max()
    left_out = tuple(g for g in groups if followed[g] < first_event)      # at risk at no event time
    kept = tuple(g for g in groups if g not in left_out)
    if len(kept) < 2:
        raise DataError(f"the log-rank test by '{by}' needs two groups with customers still followed when others "
                        f"drop out; only {len(kept)} of the {len(groups)} groups have any")
    d, labels = d[labels.isin(kept).to_numpy()], labels[labels.isin(kept)]
    try:
        stat, p = survdiff(d[duration_col].to_numpy(float), d[event_col].to_numpy(float), labels.to_numpy())
    except np.linalg.LinAlgError:
        raise DataError(f"the log-rank test by '{by}' could not be made: the groups' numbers at risk and dropouts "
                        "leave the covariance of observed minus expected dropouts without an inverse (too few "
                        "customers at risk in some group)") from None
    return LogRankResult(float(stat), len(kept) - 1, float(p), kept, left_out)
