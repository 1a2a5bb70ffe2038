"""Dick & Basu loyalty matrix: relative attitude x repeat patronage.

Dick, A. S. & Basu, K. (1994). Customer loyalty: toward an integrated conceptual framework.
Journal of the Academy of Marketing Science, 22(2), 99-113. Loyalty is the relationship between a
customer's relative attitude and repeat patronage; crossing high/low of both gives four cells:

=================  =====================  ====================
                   high repeat patronage  low repeat patronage
high attitude      true loyalty           latent loyalty
low attitude       spurious loyalty       no loyalty
=================  =====================  ====================

Operational rules used here (both documented parameters):

* attitude: the customer's *latest* survey answer of ``attitude_col`` (default ``nps``) is high when
  it is >= ``attitude_threshold`` (default 9, i.e. a promoter; for ``satisfaction`` on 1-7, 6 is a
  natural choice);
* patronage: the number of distinct purchase days in the transactions given is high when it is
  strictly above ``patronage_threshold`` (default: the median over the customers in the matrix,
  non-buyers counting 0; "strictly above" keeps the many ties at the median in the low group).

The customers are those with a non-missing survey answer; revenue is their total in the log.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scipy import stats

from ..core.checks import ALPHA, TEXT, checked, dataframe, number, numbers
from ..core.estimate import Estimate
from ..core.errors import DataError, require_columns
from ..core.purchases import AMOUNT, CUSTOMER, DATE, day_log

CELLS = ("true loyalty", "latent loyalty", "spurious loyalty", "no loyalty")


@dataclass
class DickBasuResult:
    """``customers``: one row per customer (attitude, frequency, revenue, high flags, cell);
    ``cells``: per cell count, share of customers, revenue, share of revenue, revenue per customer
    (rows in the order of :data:`CELLS`); the thresholds used."""

    customers: pd.DataFrame
    cells: pd.DataFrame
    attitude_threshold: float
    patronage_threshold: float


def dick_basu_cell(high_attitude, high_patronage) -> np.ndarray:
    """Cell names for boolean arrays of high attitude and high repeat patronage.

    Parameters
    ----------
    high_attitude : array-like of bool
        True where the relative attitude is high.
    high_patronage : array-like of bool
        True where the repeat patronage is high.
    """
    a = np.asarray(high_attitude, dtype=bool)
    p = np.asarray(high_patronage, dtype=bool)
    return np.select([a & p, a & ~p, ~a & p], list(CELLS[:3]), default=CELLS[3])


@checked(survey=dataframe(), transactions=dataframe(), attitude_col=TEXT, attitude_threshold=number(),
         patronage_threshold=number(none=True), customer_col=TEXT, date_col=TEXT, amount_col=TEXT,
         survey_date_col=TEXT)
def dick_basu_matrix(
    survey: pd.DataFrame,
    transactions: pd.DataFrame,
    attitude_col: str = "nps",
    attitude_threshold: float = 9,
    patronage_threshold: float | None = None,
    customer_col: str = CUSTOMER,
    date_col: str = DATE,
    amount_col: str = AMOUNT,
    survey_date_col: str = DATE,
) -> DickBasuResult:
    """Dick & Basu (1994) matrix with counts and revenue per cell (rules in the module docstring).

    Parameters
    ----------
    survey : DataFrame
        the canonical survey table (``customer_id``, ``date``, ``nps``, Likert items ``<construct>_<k>``,
        ...).
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``).
    attitude_col : str
        survey column of the attitude (default the 0-10 NPS answer).
    attitude_threshold : float, default 9
        attitude at or above which it counts as high.
    patronage_threshold : float or None
        purchase days above which patronage counts as high; default the median.
    customer_col : str, default 'customer_id'
        name of the customer-id column.
    date_col : str, default 'date'
        name of the date column.
    amount_col : str, default 'amount'
        name of the amount column.
    survey_date_col : str, default 'date'
        name of the survey's date column.
    """
    require_columns(survey, "survey", (customer_col, attitude_col,))
    sv = survey[survey[attitude_col].notna()]
    if survey_date_col in sv.columns:
        sv = sv.sort_values([customer_col, survey_date_col], kind="stable")
    att = sv.groupby(customer_col, sort=True, observed=True)[attitude_col].last().astype(float)
    if att.empty:
        raise DataError(f"no survey answers in '{attitude_col}'")
    s = day_log(transactions, customer_col, date_col, amount_col).summary()
    out = pd.DataFrame({"attitude": att})
    out["frequency"] = s["frequency"].reindex(out.index, fill_value=0).astype("int64")
    out["revenue"] = s["revenue"].reindex(out.index, fill_value=0.0).astype(float)
    thr = float(out["frequency"].median()) if patronage_threshold is None else float(patronage_threshold)
    out["high_attitude"] = out["attitude"] >= attitude_threshold
    out["high_patronage"] = out["frequency"] > thr
    out["cell"] = pd.Categorical(dick_basu_cell(out["high_attitude"], out["high_patronage"]),
                                 categories=list(CELLS))
    out.index.name = CUSTOMER
    g = out.groupby("cell", observed=False)
    cells = pd.DataFrame({"customers": g.size(), "revenue": g["revenue"].sum()}).reindex(list(CELLS))
    cells["customers"] = cells["customers"].fillna(0).astype("int64")
    cells["revenue"] = cells["revenue"].fillna(0.0)
    cells["share_customers"] = cells["customers"] / cells["customers"].sum()
    total = cells["revenue"].sum()
    cells["share_revenue"] = cells["revenue"] / total if total > 0 else np.nan
    cells["revenue_per_customer"] = cells["revenue"] / cells["customers"].where(cells["customers"] > 0)
    cells.index.name = "cell"
    return DickBasuResult(out, cells, float(attitude_threshold), thr)


@checked(survey=dataframe(), scale=numbers(), alpha=ALPHA)
def loyalty_index(survey: pd.DataFrame, items, scale, alpha: float = 0.05) -> Estimate:
    r"""Attitudinal loyalty from a survey's loyalty items (intention to stay, to repurchase, to recommend),
    where the survey has no NPS question: each respondent's mean item score rescaled to 0-100,
    :math:`L_i = 100\,(\bar x_i - lo)/(hi - lo)`, and its mean over respondents with a t interval
    (sampling error). It is an index on the survey's own scale, not a Net Promoter Score: it counts every
    answer, not promoters minus detractors. Respondents without an answer to any item are left out.

    Parameters
    ----------
    survey : DataFrame
        One row per respondent with the item columns.
    items : sequence of str
        The loyalty item columns.
    scale : tuple of two numbers
        The lowest and the highest answer of the items.
    alpha : float
        1 - the level of the interval.
    """
    items = list(items)
    require_columns(survey, "survey", items)
    lo, hi = (float(x) for x in scale)
    if not hi > lo:
        raise DataError(f"loyalty_index: the item scale must run from a lower to a higher answer, got {scale!r}")
    scores = 100 * (survey[items].astype(float).mean(axis=1, skipna=True) - lo) / (hi - lo)
    scores = scores.dropna()
    n = len(scores)
    if n < 2:
        raise DataError(f"loyalty_index: {n} respondent(s) answered the loyalty items; an index with an interval "
                        "needs at least 2")
    mean, se = float(scores.mean()), float(scores.std(ddof=1) / np.sqrt(n))
    t = float(stats.t.ppf(1 - alpha / 2, n - 1))
    return Estimate(mean, max(0.0, mean - t * se), min(100.0, mean + t * se), se, "t interval", alpha)
