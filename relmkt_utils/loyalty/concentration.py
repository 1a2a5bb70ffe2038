"""Revenue concentration: Lorenz curve, Gini coefficient, top-p share (the 80/20 rule, 80:20定理).

Let x_(1) <= ... <= x_(n) be the revenue of the n customers in ascending order and T = sum x.

* Lorenz curve: the points (k/n, L_k) with L_k = (x_(1) + ... + x_(k)) / T, k = 0..n, joined by
  straight lines; it runs from (0, 0) to (1, 1) and lies below the diagonal of equality.
* Gini coefficient (exact formula for n units, e.g. Damgaard & Weiner 2000, Ecology 81:1139):

      G = sum_i (2i - n - 1) x_(i) / (n T)

  which equals 1 - 2 * (area under the piecewise-linear Lorenz curve). G = 0 when everyone spends
  the same, G = (n - 1)/n when one customer has all the revenue. The small-sample correction
  G* = G n/(n - 1) (``corrected=True``) rescales the maximum to 1.
* Top-p share (Pareto ratio for p = 0.2): the share of revenue of the best p of customers,
  S(p) = 1 - L(1 - p), with L linearly interpolated between Lorenz points, so a fraction of a
  customer counts proportionally when p n is not an integer.

The 80/20 rule of the source material is a claim to test: see :data:`PUBLISHED_PARETO_RATIOS`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.checks import FLAG, PROBABILITY, TEXT, checked, dataframe, instance, numbers
from ..core.errors import DataError, require_columns
from ..core.purchases import AMOUNT, CUSTOMER, as_values

#: Published Pareto ratios (share of sales of the top 20% of customers), as the sources report them.
PUBLISHED_PARETO_RATIOS = pd.DataFrame(
    [
        {
            "source": "Kim, Singh & Winer (2017)",
            "context": "22 consumer packaged goods (CPG) categories, household panel; average",
            "top20_share": 0.73,
            "citation": "Kim, B. J., Singh, V. & Winer, R. S. (2017). The Pareto rule for frequently "
            "purchased packaged goods: an empirical generalization. Marketing Letters, 28(4), 491-507.",
        },
        {
            "source": "McCarthy & Winer (2019)",
            "context": "339 publicly traded non-CPG firms; average (product .67, service .66, "
            "subscription .59)",
            "top20_share": 0.67,
            "citation": "McCarthy, D. M. & Winer, R. S. (2019). The Pareto rule in marketing "
            "revisited: is it 80/20 or 70/20? Marketing Letters, 30(2), 139-150 "
            "(SSRN 3264425).",
        },
        {
            "source": "Ehrenberg-Bass Institute (Sharp et al.)",
            "context": "brand buyers in many categories and countries; typical value ('60/20')",
            "top20_share": 0.60,
            "citation": "Sharp, B., Romaniuk, J. & Graham, C. (2019). Marketing's 60/20 Pareto Law. "
            "SSRN working paper; Sharp, B. (2010). How Brands Grow. Oxford University Press.",
        },
        {
            "source": "80/20 rule (source material)",
            "context": "rule of thumb of the 80:20定理, not an empirical average",
            "top20_share": 0.80,
            "citation": "Pareto principle as quoted in the CRM source articles.",
        },
    ]
)


@checked(transactions=dataframe(), customers=dataframe(none=True), customer_col=TEXT, amount_col=TEXT)
def customer_revenue(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    customer_col: str = CUSTOMER,
    amount_col: str = AMOUNT,
) -> pd.Series:
    """Total revenue per customer (Series indexed by customer id, sorted by id).

    With ``customers`` given, customers without any transaction are included with revenue 0,
    which is what a concentration measure over the whole customer base needs.

    Parameters
    ----------
    transactions : DataFrame
        the canonical transactions table (``customer_id``, ``date``, ``amount``).
    customers : DataFrame or None, default None
        the customers table; when given, customers without a transaction count with revenue 0.
    customer_col : str, default 'customer_id'
        name of the customer-id column.
    amount_col : str, default 'amount'
        name of the amount column.
    """
    require_columns(transactions, "transactions", (customer_col, amount_col,))
    codes, ids = pd.factorize(transactions[customer_col], sort=True)
    ok = codes >= 0
    amount = transactions[amount_col].to_numpy(dtype=float)[ok]
    rev = pd.Series(np.bincount(codes[ok], weights=amount, minlength=len(ids)),
                    index=pd.Index(np.asarray(ids, dtype=object), name=CUSTOMER), name="revenue")
    if customers is not None:
        require_columns(customers, "customers", (customer_col,))
        extra = pd.Index(customers[customer_col].dropna().unique()).difference(rev.index)
        if len(extra):
            rev = pd.concat([rev, pd.Series(0.0, index=extra)]).sort_index()
            rev.index.name, rev.name = CUSTOMER, "revenue"
    return rev


def _sorted_positive_total(values) -> tuple[np.ndarray, float]:
    x = np.sort(as_values(values))
    total = float(x.sum())
    if total <= 0:
        raise DataError("total revenue is zero: concentration is undefined")
    return x, total


@checked(values=numbers())
def lorenz_curve(values) -> pd.DataFrame:
    """Lorenz curve points ``customer_share``, ``revenue_share`` from (0, 0) to (1, 1).

    Customers are ordered from the lowest to the highest spender; row k (k = 0..n) holds k/n and
    the share of revenue of the k lowest spenders. Both columns are non-decreasing.

    Parameters
    ----------
    values : array-like
        revenue per customer (finite, >= 0, not all zero).
    """
    x, total = _sorted_positive_total(values)
    n = x.size
    cum = np.concatenate([[0.0], np.cumsum(x)]) / total
    cum[-1] = 1.0  # exact end point despite rounding
    return pd.DataFrame({"customer_share": np.arange(n + 1) / n, "revenue_share": cum})


@checked(values=numbers(), corrected=FLAG)
def gini(values, corrected: bool = False) -> float:
    """Gini coefficient G = sum_i (2i - n - 1) x_(i) / (n T) of revenue per customer.

    ``corrected=True`` returns G n/(n - 1), whose maximum (one customer has everything) is 1
    instead of (n - 1)/n. Values must be finite, >= 0 and not all zero.

    Parameters
    ----------
    values : array-like
        revenue per customer (finite, >= 0, not all zero).
    corrected : bool, default False
        multiply by n/(n - 1), so that one customer with everything gives 1.
    """
    x, total = _sorted_positive_total(values)
    n = x.size
    i = np.arange(1, n + 1, dtype=float)
    g = float(np.dot(2.0 * i - n - 1.0, x) / (n * total))
    if corrected:
        if n < 2:
            raise DataError("the corrected Gini needs at least two customers")
        g *= n / (n - 1.0)
    return g


@checked(values=numbers(), p=PROBABILITY)
def top_share(values, p: float = 0.2) -> float:
    """Share of revenue of the top ``p`` fraction of customers: S(p) = 1 - L(1 - p).

    L is the Lorenz curve interpolated linearly, so for p n = 2 of 10 customers the result is
    (x_(9) + x_(10)) / T exactly. ``p = 0.2`` gives the Pareto ratio of the 80/20 rule.

    Parameters
    ----------
    values : array-like
        revenue per customer (finite, >= 0, not all zero).
    p : float, default 0.2
        the top share of customers, in [0, 1] (0.2 for the 80/20 rule).
    """
    if not 0.0 <= p <= 1.0:
        raise DataError(f"p must be in [0, 1], got {p}")
    curve = lorenz_curve(values)
    return float(1.0 - np.interp(1.0 - p, curve["customer_share"], curve["revenue_share"]))


@checked(observed=instance(int, float, np.integer, np.floating, dict, text="a share or a dict of shares by label"))
def pareto_comparison(observed: float | dict[str, float]) -> pd.DataFrame:
    """The published Pareto ratios with the observed top-20% share(s) added as rows.

    ``observed`` is one share (labelled "this dataset") or a mapping label -> share. Columns:
    ``source``, ``context``, ``top20_share``, ``citation``.

    Parameters
    ----------
    observed : float or dict
        the observed top-20% share, or label -> share.
    """
    obs = {"this dataset": observed} if np.isscalar(observed) else dict(observed)
    rows = pd.DataFrame(
        [
            {"source": k, "context": "computed from the data at hand", "top20_share": float(v),
             "citation": ""}
            for k, v in obs.items()
        ]
    )
    return pd.concat([PUBLISHED_PARETO_RATIOS, rows], ignore_index=True)
