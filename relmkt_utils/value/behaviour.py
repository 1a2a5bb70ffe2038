"""Does delivered value keep customers? Time to dropout on delivered value and relationship level.

Dropout (客户流失) is not observed directly in non-contractual purchase data, so it is defined from
the purchase history (a W-week inactivity rule, as in the "hiatus" definitions of retail churn):

* origin: the customer's (first) survey date, or the first purchase when no start date is given;
* last sign of life  L = max(last purchase, origin)  (answering the survey counts as being alive);
* observation end    T = ``observation_end`` (default: the last transaction date in the data);
* a customer has **dropped out at L** if T - L > W weeks (no purchase in the last W weeks),
  event = 1 and duration = L - origin;
* otherwise the customer is still active: event = 0 (right-censored), duration = T - origin.

Durations are in weeks (days / 7). W = ``inactivity_weeks`` defaults to 26 (half a year); it must
be long compared with the usual gap between purchases, otherwise live customers with a long gap are
counted as dropped. Customers whose origin falls after T are left out.

Model: Cox proportional hazards (Cox 1972), fitted by statsmodels ``PHReg`` (Efron ties),

    h(t | x) = h_0(t) exp(b_DV * DV + b_soc * 1[social] + b_str * 1[structural]),

relationship level dummy coded with the financial level (财务层次) as reference. Hazard ratio
HR = exp(b), CI = exp(b +/- z se). HR < 1 for DV means that one more point of delivered value
(on the -6..6 scale) lowers the dropout hazard by (1 - HR) x 100 %.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg

from relmkt_utils.tables import RELATIONSHIP_LEVELS

from .scores import value_scores

DAYS_PER_WEEK = 7.0


def dropout_table(
    transactions: pd.DataFrame,
    start_dates: pd.Series | None = None,
    observation_end=None,
    inactivity_weeks: float = 26.0,
) -> pd.DataFrame:
    """Duration to dropout per customer under the W-week inactivity rule (module docstring).

    Parameters
    ----------
    transactions : customer_id, date (amounts are not used)
    start_dates : optional Series customer_id -> origin date (e.g. survey date); only these
        customers are returned. Default: every customer with transactions, origin = first purchase.
    observation_end : end of observation (default: last transaction date)
    inactivity_weeks : W, weeks without purchase after which a customer counts as dropped

    Returns columns ``customer_id, start, last_activity, duration_weeks, event``.
    """
    if inactivity_weeks <= 0:
        raise ValueError(f"inactivity_weeks must be positive, got {inactivity_weeks}")
    tx = transactions[["customer_id", "date"]].copy()
    tx["date"] = pd.to_datetime(tx["date"])
    end = pd.Timestamp(observation_end) if observation_end is not None else tx["date"].max()
    if pd.isna(end):
        raise ValueError("observation_end is needed when there are no transactions")
    tx = tx[tx["date"] <= end]
    by = tx.groupby("customer_id")["date"]
    first, last = by.min(), by.max()
    if start_dates is None:
        start = first
    else:
        start = pd.to_datetime(pd.Series(start_dates))
        start = start[~start.index.duplicated(keep="first")]
    start = start[start <= end]
    out = pd.DataFrame({"start": start})
    out["last_activity"] = pd.concat([last.reindex(out.index), out["start"]], axis=1).max(axis=1)
    gap_weeks = (end - out["last_activity"]).dt.days / DAYS_PER_WEEK
    out["event"] = (gap_weeks > inactivity_weeks).astype(int)
    stop = out["last_activity"].where(out["event"] == 1, end)
    out["duration_weeks"] = (stop - out["start"]).dt.days / DAYS_PER_WEEK
    out.index.name = "customer_id"
    out = out.reset_index()[["customer_id", "start", "last_activity", "duration_weeks", "event"]]
    out.attrs.update({"observation_end": end, "inactivity_weeks": inactivity_weeks})
    return out


def value_retention_frame(
    survey: pd.DataFrame,
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    observation_end=None,
    inactivity_weeks: float = 26.0,
) -> pd.DataFrame:
    """The survey joined to the purchase history: one row per surveyed customer.

    Uses each customer's earliest survey response; origin = survey date. Columns: ``customer_id,
    survey_date, total_value, total_cost, delivered_value, [relationship_level], start,
    last_activity, duration_weeks, event``.
    """
    scores = value_scores(survey)
    scores["date"] = pd.to_datetime(scores["date"])
    first = scores.sort_values("date", kind="stable").drop_duplicates("customer_id", keep="first")
    first = first[["customer_id", "date", "total_value", "total_cost", "delivered_value"]].rename(
        columns={"date": "survey_date"})
    durations = dropout_table(transactions, first.set_index("customer_id")["survey_date"], observation_end,
                              inactivity_weeks)
    frame = first.merge(durations, on="customer_id", how="inner")
    if customers is not None and "relationship_level" in customers.columns:
        frame = frame.merge(customers[["customer_id", "relationship_level"]], on="customer_id", how="left")
    frame.attrs.update(durations.attrs)
    return frame


def _cox_design(frame: pd.DataFrame, covariates, level: str | None, reference: str) -> pd.DataFrame:
    X = frame[list(covariates)].astype(float)
    if level is not None and level in frame.columns:
        cats = [c for c in RELATIONSHIP_LEVELS if c in set(frame[level].dropna())]
        cats += sorted(set(frame[level].dropna()) - set(cats))
        if reference not in cats:
            raise ValueError(f"reference level '{reference}' does not occur in column '{level}'")
        for c in cats:
            if c != reference:
                X[f"{level}[{c}]"] = (frame[level] == c).astype(float).where(frame[level].notna())
    return X


def fit_dropout_cox(
    frame: pd.DataFrame,
    covariates=("delivered_value",),
    level: str | None = "relationship_level",
    reference: str = "financial",
    ties: str = "efron",
):
    """Cox PH model of ``duration_weeks`` / ``event`` on the covariates and the level dummies.

    Dummies are named ``relationship_level[social]`` etc. (reference: ``financial``); rows with a
    missing value are dropped. Returns statsmodels ``PHRegResults``.
    """
    X = _cox_design(frame, covariates, level, reference)
    data = pd.concat([frame[["duration_weeks", "event"]], X], axis=1).dropna()
    if data["event"].sum() < X.shape[1] + 1:
        raise ValueError(f"only {int(data['event'].sum())} dropouts: too few events to fit the Cox model")
    return PHReg(data["duration_weeks"], data[X.columns], status=data["event"], ties=ties).fit()


def hazard_ratios(fit, level: float = 0.95) -> pd.DataFrame:
    """Hazard ratios exp(b) with CIs exp(b +/- z se): ``term, coef, se, hazard_ratio, ci_low, ci_high, p_value``."""
    names = list(fit.model.exog_names)
    b, se = np.asarray(fit.params), np.asarray(fit.bse)
    z = stats.norm.ppf(0.5 + level / 2)
    return pd.DataFrame(
        {
            "term": names,
            "coef": b,
            "se": se,
            "hazard_ratio": np.exp(b),
            "ci_low": np.exp(b - z * se),
            "ci_high": np.exp(b + z * se),
            "p_value": np.asarray(fit.pvalues),
        }
    )


def delivered_value_by_level(
    frame: pd.DataFrame, value: str = "delivered_value", level: str = "relationship_level", conf: float = 0.95
) -> pd.DataFrame:
    """Mean delivered value per relationship level with t intervals mean +/- t_{n-1} sd / sqrt(n).

    Columns: ``level, n, mean, sd, se, ci_low, ci_high``, levels in the order financial, social, structural.
    """
    rows = []
    present = [c for c in RELATIONSHIP_LEVELS if c in set(frame[level].dropna())]
    present += sorted(set(frame[level].dropna()) - set(present))
    for c in present:
        x = frame.loc[frame[level] == c, value].dropna().astype(float)
        n = len(x)
        mean = x.mean()
        sd = x.std(ddof=1) if n > 1 else np.nan
        se = sd / np.sqrt(n) if n > 1 else np.nan
        t = stats.t.ppf(0.5 + conf / 2, n - 1) if n > 1 else np.nan
        rows.append({"level": c, "n": n, "mean": mean, "sd": sd, "se": se, "ci_low": mean - t * se,
                     "ci_high": mean + t * se})
    return pd.DataFrame(rows)
