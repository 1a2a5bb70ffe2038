r"""Who stays, and who is worth more? Retention and CLV compared across groups of customers.

The groups are Berry's relationship levels (financial, social, structural bonds; 财务/社会/结构层次),
the acquisition channels, or any column of the customers table (an age group). Each comparison has a
*name* that says what is compared, so a report can record it under one key:

* ``relationship_level``: ``structural_vs_financial`` -- the structural bond against the financial one;
* ``channel``: ``paid_vs_organic`` -- customers won through paid channels against those who came on
  their own;
* any other column: ``best_vs_worst_group`` -- the group that keeps most customers against the one
  that keeps fewest (the widest gap of all pairs, so it overstates a typical difference).

:func:`survival_by_group` compares the Kaplan-Meier share still active ``horizon`` days after
acquisition (:func:`relmkt_utils.loyalty.kaplan_meier`, Greenwood standard errors), with a Wald
interval for the difference :math:`\hat S_1 - \hat S_2 \pm z\sqrt{se_1^2 + se_2^2}` and the log-rank
test of equal curves. :func:`clv_by_group` fits one pooled sBG per group and values a new customer of
each at the same margin (:func:`relmkt_utils.retention.sbg_by_group`); for the relationship levels,
the ratio of the structural to the financial CLV is Berry's argument in money.
"""
from __future__ import annotations

from dataclasses import dataclass

import re

import numpy as np
import pandas as pd

from ..core.checks import TEXT, checked, dataframe, instance, number, one_of
from ..core.errors import DataError
from ..core.estimate import Estimate, z_value
from ..data.tables import CHANNELS, RELATIONSHIP_LEVELS
from ..loyalty import kaplan_meier, logrank_test
from .cohorts import PERIODS, cohort_survivors, sbg_by_group

#: Most groups a comparison draws as separate survival curves (more are drawn as points with intervals).
MAX_CURVES = 6


def comparison_of(column: str, groups) -> tuple[str, str | None, str | None]:
    """(name, first group, second group) of the comparison of ``column`` (module docstring); the
    groups are None for ``best_vs_worst_group`` (they follow from the data) or when one is absent."""
    present = set(map(str, groups))
    if column == "relationship_level":
        pair = ("structural", "financial")
        return "structural_vs_financial", *(pair if set(pair) <= present else (None, None))
    if column == "channel":
        pair = ("paid", "organic")
        return "paid_vs_organic", *(pair if set(pair) <= present else (None, None))
    return "best_vs_worst_group", None, None


def _natural(group: str) -> tuple:
    """Sort key of a group label: by its first number ("<25" before "25-29", ">65" last), else by text."""
    m = re.search(r"\d+(\.\d+)?", group)
    if not m:
        return (1, 0.0, group)
    x = float(m.group())
    return (0, x - 0.5 if group.lstrip().startswith("<") else x + 0.5 if group.lstrip().startswith(">") else x, group)


def _ordered(column: str, groups) -> list[str]:
    order = {"relationship_level": RELATIONSHIP_LEVELS, "channel": CHANNELS}.get(column, ())
    groups = list(map(str, groups))
    return [g for g in order if g in groups] + sorted((g for g in groups if g not in order), key=_natural)


def horizon_days(dropout: pd.DataFrame) -> int:
    """The horizon of the comparison: a year where the data follow customers well beyond one, else
    the longest whole number of 30-day months within 80% of the longest follow-up."""
    longest = float(dropout["duration"].max())
    if longest >= 400:
        return 365
    return max(30, int(0.8 * longest // 30) * 30)


@dataclass
class GroupSurvival:
    """The survival comparison of one customers column (module docstring)."""

    column: str
    name: str
    km: object
    horizon: int
    at_horizon: pd.DataFrame            # per group: customers, active (share still active), lower, upper, se
    test: object | None
    first: str
    second: str

    @property
    def difference(self) -> Estimate:
        """Share still active at the horizon, first group minus second (percentage points as a share)."""
        a, b = self.at_horizon.loc[self.first], self.at_horizon.loc[self.second]
        d, se = float(a["active"] - b["active"]), float(np.hypot(a["se"], b["se"]))
        z = z_value(0.05)
        return Estimate(d, d - z * se, d + z * se, se, "Wald (Greenwood)")

    @property
    def first_share(self) -> float:
        """Share of the first group still active at the horizon."""
        return float(self.at_horizon.loc[self.first, "active"])

    @property
    def second_share(self) -> float:
        return float(self.at_horizon.loc[self.second, "active"])

    @property
    def pvalue(self) -> float | None:
        return None if self.test is None else float(self.test.pvalue)

    def table(self) -> pd.DataFrame:
        """Customers and the share still active at the horizon, with its interval, per group."""
        out = self.at_horizon[["customers", "active", "lower", "upper"]].copy()
        out.columns = ["customers", f"still active after {self.horizon} days",
                       f"still active after {self.horizon} days_lower", f"still active after {self.horizon} days_upper"]
        out.attrs["kinds"] = {"customers": "count", **{c: "share" for c in out.columns if c.startswith("still")}}
        return out.rename_axis(self.column.replace("_", " "))


def _at(km, horizon: float) -> pd.DataFrame:
    rows = {}
    for name, c in km.curves.groupby("group", sort=False):
        j = int(np.searchsorted(c["time"].to_numpy(), horizon, side="right") - 1)
        row = c.iloc[j]
        rows[name] = {"customers": int(km.medians.loc[name, "n"]), "active": float(row["survival"]),
                      "lower": float(row["lower"]), "upper": float(row["upper"]), "se": float(row["se"])}
    return pd.DataFrame(rows).T


@checked(dropout=dataframe(), columns=instance(list, tuple, text="a list of column names"),
         horizon=number(1, integer=True, none=True))
def survival_by_group(dropout: pd.DataFrame, columns, horizon: int | None = None) -> list[GroupSurvival]:
    """One :class:`GroupSurvival` per column of ``columns`` present in ``dropout`` (the table of
    :func:`relmkt_utils.loyalty.time_to_dropout` with its group columns) that has two groups or more.

    Parameters
    ----------
    dropout : DataFrame
        the table of :func:`relmkt_utils.loyalty.time_to_dropout` with durations in days (``duration``,
        ``dropped`` and the group columns it was given).
    columns : list of str
        the group columns to compare (e.g. ``['relationship_level', 'channel']``); those absent from
        ``dropout`` or with fewer than two groups are skipped.
    horizon : int or None, default None
        days after acquisition at which the shares still active are compared, >= 1; None for a year where
        the data follow customers well beyond one, else the longest whole number of 30-day months within
        80% of the longest follow-up.
    """
    horizon = horizon_days(dropout) if horizon is None else int(horizon)
    out = []
    for column in columns:
        if column not in dropout.columns or dropout[column].dropna().nunique() < 2:
            continue
        km = kaplan_meier(dropout, by=column)
        at = _at(km, horizon).loc[_ordered(column, km.medians.index)]
        try:
            test = logrank_test(dropout, by=column)
        except DataError:                                   # no event in any group
            test = None
        name, first, second = comparison_of(column, at.index)
        if first is None:
            first, second = str(at["active"].idxmax()), str(at["active"].idxmin())
        out.append(GroupSurvival(column, name, km, horizon, at, test, first, second))
    return out


@dataclass
class GroupValue:
    """CLV of a new customer per group of one customers column (module docstring)."""

    column: str
    name: str
    fits: pd.DataFrame
    first: str
    second: str

    @property
    def ratio(self) -> float:
        """CLV of the first group over the second's (NaN with fewer than two groups)."""
        if len(self.fits) < 2:
            return float("nan")
        return float(self.fits.loc[self.first, "clv"] / self.fits.loc[self.second, "clv"])

    def clv_of(self, group: str) -> float:
        """The CLV of a new customer of ``group`` (NaN when it could not be fitted)."""
        return float(self.fits["clv"].get(group, float("nan")))

    def beside_truth(self, truth: dict | None) -> pd.DataFrame:
        """For Berry's levels of a synthetic world: the sBG's mean churn probability per period of each
        level beside the generator's mean dropout probability per purchase (not the same scale: only the
        order and rough ratios compare). Empty for other columns or real data."""
        true = ((truth or {}).get("relationship_levels", {}).get("derived", {}) or {}).get("mean_dropout_probability")
        if self.column != "relationship_level" or not true:
            return pd.DataFrame()
        out = pd.DataFrame({"sBG mean churn per period": self.fits["mean_churn"],
                            "true mean dropout per purchase": pd.Series(true).reindex(self.fits.index)})
        out.attrs["kinds"] = {c: "share" for c in out.columns}
        return out.rename_axis("relationship level")

    def table(self, period: str) -> pd.DataFrame:
        """Per group: customers, the sBG's retention at the first and fourth renewal, DEL and CLV, and
        each group's CLV relative to the comparison's second group."""
        f = self.fits
        out = pd.DataFrame({"customers": f["customers"], "retention, 1st renewal": f["retention_1"],
                            "retention, 4th renewal": f["retention_4"], f"DEL ({period}s)": f["del"],
                            "CLV": f["clv"], f"CLV relative to {self.second}": f["clv"] / f.loc[self.second, "clv"]})
        out.attrs["kinds"] = {"customers": "count", "retention, 1st renewal": "share", "retention, 4th renewal": "share",
                              f"DEL ({period}s)": "number", "CLV": "money", f"CLV relative to {self.second}": "ratio"}
        return out.rename_axis(self.column.replace("_", " "))


@checked(transactions=dataframe(), customers=dataframe(), column=TEXT, period=one_of(*PERIODS), margin=number(),
         discount_rate=number(0, low_open=True), exclude_last=number(0, integer=True))
def clv_by_group(transactions: pd.DataFrame, customers: pd.DataFrame, column: str, period: str, margin: float,
                 discount_rate: float, exclude_last: int = 1) -> GroupValue:
    """A pooled sBG per group of ``column`` on the acquisition cohorts by ``period`` and the CLV of a
    new customer of each (margin ``margin`` per alive customer-period, ``discount_rate`` per period).
    Groups whose cohorts cannot be fitted are left out; with fewer than two left the ratio is NaN.

    Parameters
    ----------
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``).
    customers : DataFrame
        the customers table with the ``column`` to group by (and acquisition dates).
    column : str
        the customers column whose groups get one sBG each (e.g. ``'relationship_level'``, ``'channel'``).
    period : {'month', 'quarter', 'year'}
        calendar period of the acquisition cohorts.
    margin : float
        margin per alive customer and period, in the currency of the data.
    discount_rate : float
        discount rate per period, > 0.
    exclude_last : int, default 1
        last periods of every cohort left out, a whole number >= 0.
    """
    table = cohort_survivors(transactions, customers, period=period, group=column, exclude_last=exclude_last)
    fits = sbg_by_group(table, discount_rate)
    fits.index = fits.index.astype(str)
    if len(fits) < 2:
        return GroupValue(column, comparison_of(column, fits.index)[0], fits.assign(clv=lambda t: margin * t["del"]),
                          *(2 * [str(fits.index[0])] if len(fits) else ["", ""]))
    fits = fits.loc[_ordered(column, fits.index)].assign(clv=lambda t: margin * t["del"])
    name, first, second = comparison_of(column, fits.index)
    if first is None:
        first, second = str(fits["clv"].idxmax()), str(fits["clv"].idxmin())
    return GroupValue(column, name, fits, first, second)
