"""Shared plumbing of the BTYD models: input checks, grouping rows into sufficient statistics,
and the per-customer CLV sum."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..mle import MLEResults


def as_float_array(values, name: str, model: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{model}: {name} has missing or infinite values")
    return arr


def index_of(values) -> pd.Index | None:
    return values.index if isinstance(values, pd.Series) else None


def check_rft(frequency, recency, T, model: str):
    """Validate (frequency, recency, T): non-negative integer frequency, 0 <= recency <= T, recency = 0 when frequency = 0."""
    x = as_float_array(frequency, "frequency", model)
    t_x = as_float_array(recency, "recency", model)
    T_ = as_float_array(T, "T", model)
    if not (len(x) == len(t_x) == len(T_)):
        raise ValueError(f"{model}: frequency, recency and T must have the same length ({len(x)}, {len(t_x)}, {len(T_)})")
    if len(x) == 0:
        raise ValueError(f"{model}: no customers")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError(f"{model}: frequency must be a non-negative whole number of repeat purchases")
    if np.any(t_x < 0) or np.any(t_x > T_ + 1e-9 * np.maximum(1, T_)):
        raise ValueError(f"{model}: recency must lie between 0 and T")
    if np.any(t_x[x == 0] != 0):
        raise ValueError(f"{model}: recency must be 0 for customers with frequency 0")
    if np.all(T_ <= 0):
        raise ValueError(f"{model}: every T is 0; nobody has been observed for any time")
    return x, np.minimum(t_x, T_), T_


def factorize_rows(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Codes of identical rows: returns (code of each row, position of each code's first row).

    Each row gets a 64-bit hash of its values (``pandas.util.hash_array``, combined by
    multiply-and-add) and the hashes are factorized; the grouping is then verified exactly (every row
    must equal its group's first row) and, on a hash collision, redone by an exact column-by-column
    factorization. Codes number the distinct rows in order of first appearance.
    """
    n = len(columns[0])
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for col in columns:
            h = h * np.uint64(0x9E3779B97F4A7C15) + pd.util.hash_array(np.asarray(col))
    key, uniq = pd.factorize(h)
    first = _first_positions(key, len(uniq))
    if not all(np.array_equal(np.asarray(c)[first][key], np.asarray(c)) for c in columns):
        key = _exact_key(columns)
        first = _first_positions(key, int(key.max()) + 1)
    return key, first


def _first_positions(key: np.ndarray, n_codes: int) -> np.ndarray:
    first = np.empty(n_codes, dtype=np.int64)
    first[key[::-1]] = np.arange(key.size - 1, -1, -1)
    return first


def group_rows(columns: list[np.ndarray], weights: np.ndarray | None = None, max_fraction: float = 0.5):
    """Collapse identical rows (:func:`factorize_rows`): returns (representative row positions, summed
    weights). When the distinct rows exceed ``max_fraction`` of all rows (continuous-time data),
    grouping would not pay and the rows are returned as they are."""
    n = len(columns[0])
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    key, first = factorize_rows(columns)
    if len(first) > max_fraction * n:
        return np.arange(n), w
    return first, np.bincount(key, weights=w, minlength=len(first))


def _exact_key(columns):
    key = None
    for col in columns:
        codes, uniq = pd.factorize(col)
        if key is None:
            key = codes.astype(np.int64)
        else:
            key, _ = pd.factorize(key * np.int64(len(uniq)) + codes)
            key = key.astype(np.int64)
    return key


def discounted_sum(cum_purchases, spend, margin: float, discount_rate: float, horizon: int) -> np.ndarray:
    r"""CLV by a discrete discounted sum (the convention of Lifetimes' ``customer_lifetime_value``).

    .. math:: \mathrm{CLV}_i = m\,\bar s_i \sum_{k=1}^{H} \frac{E[Y_i(k)] - E[Y_i(k-1)]}{(1+d)^k}

    with :math:`E[Y_i(k)]` the conditional expected purchases of customer *i* in the next *k*
    periods, :math:`\bar s_i` the expected spend per purchase, *m* the margin and *d* the
    discount rate per period: the purchases expected in period *k* are discounted as if paid at its end.
    """
    if horizon < 1 or int(horizon) != horizon:
        raise ValueError("clv: horizon must be a whole number of periods >= 1")
    if discount_rate < 0:
        raise ValueError("clv: discount_rate must be >= 0")
    total = 0.0
    prev = 0.0
    for k in range(1, int(horizon) + 1):
        cur = cum_purchases(float(k))
        total = total + (cur - prev) / (1.0 + discount_rate) ** k
        prev = cur
    return margin * np.asarray(spend, dtype=float) * total


def subsample_rows(n_rows: int, size: int, seed: int = 0) -> np.ndarray:
    """Sorted positions of a simple random subsample (for warm starts of big fits)."""
    return np.sort(np.random.default_rng(seed).choice(n_rows, size, replace=False))


class CustomerPredictionResults(MLEResults):
    """Shared part of the BG/NBD and Pareto/NBD results: customer arguments default to the fitted data."""

    model_label = "model"

    def _rft(self, frequency, recency, T):
        m = self.model
        if frequency is None:
            return m.frequency, m.recency, m.T, m.index
        x, tx, T_ = check_rft(frequency, recency, T, self.model_label)
        return x, tx, T_, index_of(frequency)

    @staticmethod
    def _wrap(values, index):
        return pd.Series(values, index=index) if index is not None else values
