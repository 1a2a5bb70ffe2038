"""Customer survival (who is still "alive"): time to dropout, Kaplan-Meier curves, log-rank test.

Dropout (客户流失) in a non-contractual setting is not observed; it is defined here by an
inactivity window w (``inactivity_days``, default 180):

* a customer has **dropped out** when the last purchase day is more than w days before the
  observation end (no purchase in the final w days), and is **censored** otherwise;
* the duration is the *active lifetime*: days from the start (the first purchase day, or
  ``acquired_at`` when a customers table is given and it is earlier) to the last purchase day.
  For a dropped customer this is the event time; for a censored one the true active lifetime is
  at least this long (they may or may not buy again), so right-censoring at the last purchase is
  valid.

Only the final gap matters: a customer who paused longer than w and came back is not a dropout.
A "dropped" customer who buys again after the observation end is misclassified; a longer window
lowers that risk at the cost of fewer observed events. Customers who never bought have no active
lifetime and are left out.

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
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from ._common import CUSTOMER, DATE, day_log, day_numbers, end_day, require_columns, to_datetime_days


def time_to_dropout(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    observation_end=None,
    inactivity_days: int = 180,
    group_cols: tuple[str, ...] | list[str] = ("relationship_level", "channel"),
    customer_col: str = CUSTOMER,
    date_col: str = DATE,
    acquired_col: str = "acquired_at",
) -> pd.DataFrame:
    """Time-to-dropout data of the buyers, indexed by customer id (see the module docstring).

    Columns: ``start``, ``last_purchase``, ``duration_days`` (>= 0), ``dropped`` (1 = dropped
    out, 0 = censored), plus the ``group_cols`` of ``customers`` that exist. The observation end
    defaults to the last day of the log; later transactions are ignored.
    """
    if inactivity_days < 0:
        raise ValueError("inactivity_days must be >= 0")
    log = day_log(transactions, customer_col, date_col)
    end = end_day(log, observation_end)
    s = log.until(end).summary()
    start = s["first"].to_numpy()
    out = pd.DataFrame(index=s.index)
    if customers is not None:
        require_columns(customers, [customer_col], "customers")
        cust = customers.drop_duplicates(customer_col).set_index(customer_col).reindex(s.index)
        if acquired_col in cust.columns:
            acquired = day_numbers(cust[acquired_col])
            start = np.where(acquired != np.iinfo("int64").min, np.minimum(acquired, start), start)
        for col in group_cols:
            if col in cust.columns:
                out[col] = cust[col].to_numpy()
    out.insert(0, "start", to_datetime_days(start))
    out.insert(1, "last_purchase", to_datetime_days(s["last"].to_numpy()))
    out["duration_days"] = (s["last"].to_numpy() - start).astype(float)
    out["dropped"] = ((end - s["last"].to_numpy()) > inactivity_days).astype("int64")
    return out


@dataclass
class KaplanMeier:
    """Kaplan-Meier fits per group.

    ``fits``: group -> statsmodels ``SurvfuncRight``; ``curves``: long table (group, time,
    survival, se, ci_low, ci_high, n_risk, n_events), starting at time 0 with S = 1;
    ``medians``: per group n, events, median and its CI (NaN/inf when not reached).
    """

    fits: dict[str, SurvfuncRight]
    curves: pd.DataFrame
    medians: pd.DataFrame
    alpha: float = 0.05
    by: str | None = None


def kaplan_meier(
    data: pd.DataFrame,
    by: str | None = None,
    duration_col: str = "duration_days",
    event_col: str = "dropped",
    alpha: float = 0.05,
) -> KaplanMeier:
    """Kaplan-Meier survival (statsmodels ``SurvfuncRight``) overall or per group ``by``.

    Rows with a missing group, duration or event are dropped. See the module docstring for the
    estimator, the Greenwood variance, the log(-log) pointwise band and the median CI.
    """
    cols = [duration_col, event_col] + ([by] if by else [])
    require_columns(data, cols, "survival")
    d = data[cols].dropna()
    groups = [("all", d)] if by is None else [(str(g), x) for g, x in d.groupby(by, sort=True, observed=True)]
    z = stats.norm.ppf(1 - alpha / 2)
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
            "ci_low": np.concatenate([[1.0], lo]),
            "ci_high": np.concatenate([[1.0], hi]),
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
                        "median": med, "ci_low": float(mlo), "ci_high": float(mhi)})
    if not fits:
        raise ValueError("no complete rows to fit a survival curve")
    curves_df = pd.concat(curves, ignore_index=True)
    medians_df = pd.DataFrame(medians).set_index("group")
    return KaplanMeier(fits, curves_df, medians_df, alpha, by)


def survival_at(km: KaplanMeier, times) -> pd.DataFrame:
    """S(t) of each group at the given times (step function, right-continuous): groups x times."""
    t = np.atleast_1d(np.asarray(times, float))
    rows = {}
    for name, c in km.curves.groupby("group", sort=False):
        idx = np.searchsorted(c["time"].to_numpy(), t, side="right") - 1
        rows[name] = c["survival"].to_numpy()[idx]
    return pd.DataFrame(rows, index=pd.Index(t, name="time")).T


@dataclass(frozen=True)
class LogRankResult:
    """Log-rank chi-square ``statistic`` with ``df`` = groups - 1 and its ``pvalue``."""

    statistic: float
    df: int
    pvalue: float
    groups: tuple[str, ...] = field(default_factory=tuple)


def logrank_test(
    data: pd.DataFrame,
    by: str,
    duration_col: str = "duration_days",
    event_col: str = "dropped",
) -> LogRankResult:
    """Log-rank test of equal survival across the groups of ``by`` (statsmodels ``survdiff``).

    Statistic: (O - E)' V^- (O - E) over the first k - 1 groups, where O and E are observed and
    expected (under equal hazards) events per group, summed over event times; chi-square, k - 1 df.
    """
    require_columns(data, [duration_col, event_col, by], "survival")
    d = data[[duration_col, event_col, by]].dropna()
    groups = tuple(sorted(map(str, d[by].unique())))
    if len(groups) < 2:
        raise ValueError(f"the log-rank test needs at least two groups in '{by}'")
    stat, p = survdiff(d[duration_col].to_numpy(float), d[event_col].to_numpy(float),
                       d[by].astype(str).to_numpy())
    return LogRankResult(float(stat), len(groups) - 1, float(p), groups)
