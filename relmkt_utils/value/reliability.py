"""Scale reliability of the survey's Likert constructs (Cronbach's alpha and item analysis).

Items are the survey columns ``<construct>_<k>`` (k = 1, 2, ...), integers 1-7. For the k items
of one construct, with item variances s_j^2 and variance s_X^2 of the total X = sum_j x_j
(all sample variances, ddof = 1, listwise deletion of rows with a missing item),

    alpha = k / (k - 1) * (1 - sum_j s_j^2 / s_X^2)                      (Cronbach 1951)

Confidence interval (``method="feldt"``, the default). Under the normal compound-symmetry model
(1 - alpha) / (1 - alpha_hat) follows an F distribution with n - 1 and (n - 1)(k - 1) degrees of
freedom (Feldt 1965, Psychometrika 30:357-370; Feldt, Woodruff & Salih 1987), so a 1 - a interval is

    [1 - (1 - alpha_hat) F_{1-a/2}(n-1, (n-1)(k-1)),  1 - (1 - alpha_hat) F_{a/2}(n-1, (n-1)(k-1))]

``method="asymptotic"`` gives the normal-theory Wald interval alpha_hat +/- z se of van Zyl,
Neudecker & Nel (2000, Psychometrika 65:271-280), which does not need equal item covariances:

    Var(alpha_hat) = 2 k^2 / ((k-1)^2 (1'S1)^3 n)
                     * [ (1'S1)(tr S^2 + (tr S)^2) - 2 tr S (1'S^2 1) ]      (S = item covariance matrix)

Item analysis: the corrected item-total correlation of item j is corr(x_j, X - x_j), the item
against the sum of the *other* items (so the item does not correlate with itself); alpha if item
deleted is alpha of the remaining k - 1 items.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..core.checks import ALPHA, checked, dataframe, one_of
from ..core.errors import DataError
from ..core.estimate import Estimate, z_value
from ..data.tables import CONSTRUCTS

ITEM_PATTERN = re.compile(r"^(?P<construct>[a-z][a-z0-9_]*?)_(?P<k>\d+)$")


def detect_constructs(columns, constructs=None) -> dict[str, list[str]]:
    """Group Likert item columns ``<construct>_<k>`` by construct.

    Parameters
    ----------
    columns : iterable of column names (or a DataFrame, whose columns are used)
    constructs : optional sequence of construct names to keep (default: every prefix found)

    Returns
    -------
    dict construct -> item columns sorted by k. The canonical constructs
    (``relmkt_utils.data.tables.CONSTRUCTS``) come first in their canonical order, then any other
    construct found, alphabetically. Columns such as ``customer_id`` do not match (no integer suffix).
    """
    if isinstance(columns, pd.DataFrame):
        columns = columns.columns
    found: dict[str, list[tuple[int, str]]] = {}
    for col in columns:
        m = ITEM_PATTERN.match(str(col))
        if m:
            found.setdefault(m.group("construct"), []).append((int(m.group("k")), str(col)))
    if constructs is not None:
        missing = [c for c in constructs if c not in found]
        if missing:
            raise DataError(f"no item columns '<construct>_<k>' found for construct(s): {', '.join(missing)}")
        found = {c: found[c] for c in constructs}
    order = [c for c in CONSTRUCTS if c in found] + sorted(c for c in found if c not in CONSTRUCTS)
    return {c: [name for _, name in sorted(found[c])] for c in order}


def _complete_items(items) -> np.ndarray:
    if isinstance(items, np.ndarray) and items.dtype.kind in "iuf":
        x = items.astype(float)
        x = x[~np.isnan(x).any(axis=1)] if x.ndim == 2 else x
    else:
        x = pd.DataFrame(items).apply(pd.to_numeric, errors="coerce").dropna().to_numpy(dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        raise DataError("Cronbach's alpha needs at least two items (columns)")
    if x.shape[0] < 3:
        raise DataError(f"Cronbach's alpha needs at least three complete rows, got {x.shape[0]}")
    return x


def _alpha(x: np.ndarray) -> float:
    k = x.shape[1]
    item_var = x.var(axis=0, ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return k / (k - 1) * (1.0 - item_var / total_var)


@dataclass(frozen=True, repr=False)
class AlphaResult(Estimate):
    """Cronbach's alpha (``value``) with its (1 - ``alpha``) confidence interval, the number of complete
    rows ``n`` and of items ``k``. ``method`` is ``"feldt"`` (F-based, Feldt 1965) or ``"asymptotic"``
    (van Zyl et al. 2000)."""

    n: int = 0
    k: int = 0

    @property
    def cronbach(self) -> float:
        """Cronbach's alpha itself (the same as ``value``)."""
        return self.value


@checked(alpha=ALPHA, method=one_of('feldt', 'asymptotic'))
def cronbach_alpha(items, alpha: float = 0.05, method: str = "feldt") -> AlphaResult:
    """Cronbach's alpha of the columns of ``items`` with a (1 - ``alpha``) confidence interval.

    Cronbach's alpha = k/(k-1) (1 - sum_j var(x_j) / var(sum_j x_j)); rows with a missing item are
    dropped. See the module docstring for the two interval methods and their references.

    Parameters
    ----------
    items : DataFrame or 2-d array
        one column per Likert item of one construct, one row per respondent.
    alpha : float, default 0.05
        1 - the confidence level of the interval of Cronbach's alpha, in (0, 1).
    method : {'feldt', 'asymptotic'}, default 'feldt'
        the interval: Feldt's F interval or the asymptotic one.
    """
    z = z_value(alpha)
    x = _complete_items(items)
    n, k = x.shape
    a = _alpha(x)
    se = float("nan")
    if method == "feldt":
        df1, df2 = n - 1, (n - 1) * (k - 1)
        lo = 1 - (1 - a) * stats.f.ppf(1 - alpha / 2, df1, df2)
        hi = 1 - (1 - a) * stats.f.ppf(alpha / 2, df1, df2)
    elif method == "asymptotic":
        S = np.cov(x, rowvar=False)
        one = np.ones(k)
        s1 = one @ S @ one
        trS, trS2 = np.trace(S), np.trace(S @ S)
        var = 2 * k**2 / ((k - 1) ** 2 * s1**3 * n) * (s1 * (trS2 + trS**2) - 2 * trS * (one @ S @ S @ one))
        se = float(np.sqrt(max(var, 0.0)))
        lo, hi = a - z * se, a + z * se
    else:
        raise ValueError(f"method must be 'feldt' or 'asymptotic', got {method!r}")
    return AlphaResult(float(a), float(lo), float(hi), se, method, alpha, int(n), int(k))


def item_analysis(items) -> pd.DataFrame:
    """One row per item: mean, sd, corrected item-total correlation, alpha if item deleted.

    Columns: ``item, mean, sd, item_total_r, alpha_if_deleted``. The corrected item-total
    correlation is corr(x_j, X - x_j). alpha_if_deleted is NaN when fewer than two items remain.

    Parameters
    ----------
    items : DataFrame or 2-d array
        one column per Likert item of one construct.
    """
    frame = pd.DataFrame(items)
    x = _complete_items(frame)
    total = x.sum(axis=1)
    rows = []
    for j, name in enumerate(frame.columns):
        rest = total - x[:, j]
        r = np.corrcoef(x[:, j], rest)[0, 1] if x[:, j].std() > 0 and rest.std() > 0 else np.nan
        others = np.delete(x, j, axis=1)
        a_del = _alpha(others) if others.shape[1] >= 2 else np.nan
        rows.append(
            {
                "item": str(name),
                "mean": x[:, j].mean(),
                "sd": x[:, j].std(ddof=1),
                "item_total_r": r,
                "alpha_if_deleted": a_del,
            }
        )
    return pd.DataFrame(rows)


@checked(survey=dataframe(), alpha=ALPHA, method=one_of('feldt', 'asymptotic'))
def reliability_table(survey: pd.DataFrame, constructs=None, alpha: float = 0.05, method: str = "feldt") -> pd.DataFrame:
    """Cronbach's alpha with CI for every construct detected in ``survey``.

    Columns: ``construct, k, n, alpha, lower, upper, method, min_item_total_r``. Constructs with a
    single item get NaN alpha (reliability of a one-item scale cannot be estimated by alpha).

    Parameters
    ----------
    survey : DataFrame
        the survey table with Likert items ``<construct>_<k>``.
    constructs : list of str or None
        construct names to keep; default: every ``<construct>_<k>`` prefix found.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    method : {'feldt', 'asymptotic'}, default 'feldt'
        the interval: Feldt's F interval or the asymptotic one.
    """
    groups = detect_constructs(survey.columns, constructs)
    if not groups:
        raise DataError("no Likert item columns '<construct>_<k>' found in the survey")
    rows = []
    for construct, cols in groups.items():
        if len(cols) < 2:
            rows.append({"construct": construct, "k": len(cols), "n": int(survey[cols].notna().all(axis=1).sum()),
                         "alpha": np.nan, "lower": np.nan, "upper": np.nan, "method": method,
                         "min_item_total_r": np.nan})
            continue
        res = cronbach_alpha(survey[cols], alpha=alpha, method=method)
        items = item_analysis(survey[cols])
        rows.append({"construct": construct, "k": res.k, "n": res.n, "alpha": res.value, "lower": res.lower,
                     "upper": res.upper, "method": method, "min_item_total_r": items["item_total_r"].min()})
    return pd.DataFrame(rows)
