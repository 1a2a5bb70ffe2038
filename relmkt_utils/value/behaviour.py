"""Does delivered value keep customers? Time to dropout on delivered value and relationship level.

Dropout (客户流失) is not observed directly in non-contractual purchase data; it follows the suite's
one lapse rule (:mod:`relmkt_utils.core.durations`): from the customer's (first) survey answer -- the
origin, itself a sign of life -- a customer drops out once W weeks (``inactivity_weeks``, default 26)
pass without a purchase, at her last sign of life plus W; customers with a sign of life in the last W
weeks are censored at the observation end. Durations are in weeks. W must be long compared with the
usual gap between purchases, otherwise live customers with a long gap are counted as dropped.

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

from ..core.checks import ALPHA, TEXT, checked, dataframe, instance, number, one_of
from ..core.durations import durations
from ..core.errors import DataError
from ..core.estimate import Estimate
from ..core.results import StatsmodelsResults
from ..core.time import to_dates
from ..data.tables import RELATIONSHIP_LEVELS

from .labels import label
from .scores import value_scores

@checked(survey=dataframe(), transactions=dataframe(), customers=dataframe(none=True),
         inactivity_weeks=number(0, low_open=True))
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
    last_activity, end, duration`` (weeks), ``dropped``, ``won_back``; ``attrs["rule"]`` states the rule.

    Parameters
    ----------
    survey : DataFrame
        the canonical survey table (``customer_id``, ``date``, ``nps``, Likert items ``<construct>_<k>``,
        ...).
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``).
    customers : DataFrame or None, default None
        the customers table (relationship levels).
    observation_end : date-like or None
        end of the observation window; default: the last transaction date.
    inactivity_weeks : float, default 26.0
        weeks without a purchase after which a customer counts as dropped out, > 0.
    """
    scores = value_scores(survey)
    scores["date"] = to_dates(scores["date"])
    first = scores.sort_values("date", kind="stable").drop_duplicates("customer_id", keep="first")
    first = first[["customer_id", "date", "total_value", "total_cost", "delivered_value"]].rename(
        columns={"date": "survey_date"})
    d = durations(transactions, first.set_index("customer_id")["survey_date"], observation_end,
                  inactivity_days=7 * inactivity_weeks, unit="week")
    frame = first.merge(d.reset_index(), on="customer_id", how="inner")
    if customers is not None and "relationship_level" in customers.columns:
        frame = frame.merge(customers[["customer_id", "relationship_level"]], on="customer_id", how="left")
    frame.attrs.update(d.attrs)
    return frame


def _cox_design(frame: pd.DataFrame, covariates, level: str | None, reference: str) -> pd.DataFrame:
    X = frame[list(covariates)].astype(float)
    if level is not None and level in frame.columns:
        cats = [c for c in RELATIONSHIP_LEVELS if c in set(frame[level].dropna())]
        cats += sorted(set(frame[level].dropna()) - set(cats))
        if reference not in cats:
            raise DataError(f"reference level '{reference}' does not occur in column '{level}'")
        for c in cats:
            if c != reference:
                X[f"{level}[{c}]"] = (frame[level] == c).astype(float).where(frame[level].notna())
    return X


@checked(frame=dataframe(), level=instance(str, none=True), reference=TEXT, ties=one_of('efron', 'breslow'))
def fit_dropout_cox(
    frame: pd.DataFrame,
    covariates=("delivered_value",),
    level: str | None = "relationship_level",
    reference: str = "financial",
    ties: str = "efron",
) -> StatsmodelsResults:
    """Cox PH model of ``duration`` / ``dropped`` on the covariates and the level dummies.

    Dummies are named ``relationship_level[social]`` etc. (reference: ``financial``); rows with a
    missing value are dropped. Returns statsmodels ``PHRegResults`` in the suite's results protocol.

    Parameters
    ----------
    frame : DataFrame
        one row per surveyed customer, as :func:`value_retention_frame` makes it.
    covariates : sequence of str
        numeric covariates (default the delivered value).
    level : str or None, default 'relationship_level'
        the relationship-level column (financial, social, structural).
    reference : str, default 'financial'
        the reference relationship level of the dummies.
    ties : {'efron', 'breslow'}, default 'efron'
        handling of tied event times in the Cox partial likelihood.
    """
    X = _cox_design(frame, covariates, level, reference)
    data = pd.concat([frame[["duration", "dropped"]], X], axis=1).dropna()
    if data["dropped"].sum() < X.shape[1] + 1:
        raise DataError(f"only {int(data['dropped'].sum())} dropouts: too few events to fit the Cox model")
    fit = PHReg(data["duration"], data[X.columns], status=data["dropped"], ties=ties).fit()
    return StatsmodelsResults(fit, "Cox proportional hazards", names=list(X.columns))


@checked(fit=instance(attributes=('params',), text='fitted results (with params)'), alpha=ALPHA)
def hazard_ratios(fit, alpha: float = 0.05) -> pd.DataFrame:
    """Hazard ratios exp(b) with CIs exp(b +/- z se): ``term, coef, se, hazard_ratio, lower, upper, p_value``.

    Parameters
    ----------
    fit : results
        a fitted Cox model (:func:`fit_dropout_cox`).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    ci = fit.conf_int(alpha)
    return pd.DataFrame(
        {
            "term": list(fit.params.index),
            "coef": fit.params.to_numpy(),
            "se": fit.bse.to_numpy(),
            "hazard_ratio": np.exp(fit.params.to_numpy()),
            "lower": np.exp(ci["lower"].to_numpy()),
            "upper": np.exp(ci["upper"].to_numpy()),
            "p_value": fit.pvalues.to_numpy(),
        }
    )


@checked(frame=dataframe(), value=TEXT, level=TEXT, alpha=ALPHA)
def delivered_value_by_level(
    frame: pd.DataFrame, value: str = "delivered_value", level: str = "relationship_level", alpha: float = 0.05
) -> pd.DataFrame:
    """Mean delivered value per relationship level with t intervals mean +/- t_{n-1} sd / sqrt(n).

    Columns: ``level, n, mean, sd, se, lower, upper``, levels in the order financial, social, structural.

    Parameters
    ----------
    frame : DataFrame
        one row per surveyed customer, as :func:`value_retention_frame` makes it.
    value : str, default 'delivered_value'
        the delivered-value column.
    level : str, default 'relationship_level'
        the relationship-level column.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
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
        t = stats.t.ppf(1 - alpha / 2, n - 1) if n > 1 else np.nan
        rows.append({"level": c, "n": n, "mean": mean, "sd": sd, "se": se, "lower": mean - t * se,
                     "upper": mean + t * se})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- for a report

@checked(hr=dataframe())
def hazard_table(hr: pd.DataFrame) -> pd.DataFrame:
    """:func:`hazard_ratios` for readers: each term by its plain name with its hazard ratio and the
    hazard ratio's own 95% interval, and the p-value (a coefficient is never shown beside the hazard
    ratio's interval: they are on different scales).

    Parameters
    ----------
    hr : DataFrame
        a :func:`hazard_ratios` table (``term, hazard_ratio, lower, upper, p_value``).
    """
    names = {"delivered_value": "delivered value (per point)"}
    return pd.DataFrame({"term": [names.get(t, label(t)) for t in hr["term"]],
                         "hazard ratio": hr["hazard_ratio"].to_numpy(), "lower": hr["lower"].to_numpy(),
                         "upper": hr["upper"].to_numpy(), "p": hr["p_value"].to_numpy()})


@checked(fit=instance(attributes=("params", "bse", "conf_int"), text="fitted results"), alpha=ALPHA)
def coefficient_table(fit, alpha: float = 0.05) -> pd.DataFrame:
    """The Cox coefficients b on their own scale (log hazard ratio) with their Wald interval and
    standard error, for researchers.

    Parameters
    ----------
    fit : fitted results
        a :func:`fit_dropout_cox` fit (``params``, ``bse``, ``conf_int``).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1).
    """
    ci = fit.conf_int(alpha)
    return pd.DataFrame({"term": [label(t) for t in fit.params.index], "coefficient": fit.params.to_numpy(),
                         "lower": ci["lower"].to_numpy(), "upper": ci["upper"].to_numpy(),
                         "std. error": fit.bse.to_numpy()})


@checked(frame=dataframe())
def dropout_summary(frame: pd.DataFrame) -> dict:
    """What the dropout rule made of the surveyed customers (:func:`value_retention_frame`): ``n``,
    ``dropped`` (count), ``dropped_share``, ``never_bought_share`` (the share of the dropouts without a
    purchase after the survey) and ``active_median_weeks`` (median follow-up of those still active).

    Parameters
    ----------
    frame : DataFrame
        one row per surveyed customer, as :func:`value_retention_frame` makes it.
    """
    lapsed = frame[frame["dropped"] == 1]
    active = frame.loc[frame["dropped"] == 0, "duration"]
    return {"n": int(len(frame)), "dropped": int(len(lapsed)), "dropped_share": float(frame["dropped"].mean()),
            "never_bought_share": float((lapsed["last_activity"] == lapsed["start"]).mean()) if len(lapsed) else np.nan,
            "active_median_weeks": float(active.median()) if len(active) else np.nan}


def hazard_estimates(hr: pd.DataFrame, alpha: float = 0.05) -> dict:
    """Each term's hazard ratio with its own interval (:func:`hazard_ratios` output) as an
    :class:`~relmkt_utils.core.estimate.Estimate`, by term."""
    return {str(r.term): Estimate(float(r.hazard_ratio), float(r.lower), float(r.upper), float("nan"),
                                  "Wald interval of the coefficient, exponentiated", alpha) for r in hr.itertuples()}


def level_gap(frame: pd.DataFrame, high: str = "structural", low: str = "financial", value: str = "delivered_value",
              level: str = "relationship_level", alpha: float = 0.05):
    """Mean ``value`` of the ``high`` level minus that of the ``low`` level with Welch's t interval
    (unequal variances, Welch-Satterthwaite degrees of freedom); None when either level has fewer than
    two customers."""
    a = pd.to_numeric(frame.loc[frame[level] == high, value], errors="coerce").dropna().to_numpy(dtype=float)
    b = pd.to_numeric(frame.loc[frame[level] == low, value], errors="coerce").dropna().to_numpy(dtype=float)
    if a.size < 2 or b.size < 2:
        return None
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = float(np.sqrt(va + vb))
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    t = float(stats.t.ppf(1 - alpha / 2, df))
    d = float(a.mean() - b.mean())
    return Estimate(d, d - t * se, d + t * se, se, "Welch t interval", alpha)
