"""Covariate tables as design matrices: the one check of the covariates of every model with covariates, and
the effects coding of a segment.

A covariate table becomes a float matrix aligned with the model's rows: a DataFrame indexed by customer id
is aligned to the customers' ids (extra rows ignored, missing ones named), one with a plain RangeIndex (or
an array) must have one row per customer in their order. Columns must be numeric (categories as 0/1
columns), finite, not constant and not collinear with each other and the constant, each broken rule stated
in one sentence naming the model, the argument and the columns.

A segment with *k* levels is coded by effects (sum-to-zero contrasts): column *j* is 1 for level *j*, -1 for
the last level and 0 otherwise, *k* - 1 columns whose coefficients :math:`u_j` leave the last level
:math:`u_k = -\\sum_j u_j`, so the base parameters are those of the average level (geometric mean of the
levels' scale parameters) rather than of a reference level.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import DataError


def design_matrix(cov, kind: str, n: int, index, model: str) -> tuple[np.ndarray, list[str]]:
    """A covariate table as a float matrix (n x p) with its column names, checked (module docstring).

    Parameters
    ----------
    cov : DataFrame, Series, array-like or None
        the covariates (None: no columns).
    kind : str
        which covariates, for the messages (``purchase``, ``dropout``, ``spend``).
    n : int
        number of rows of the model.
    index : pandas.Index or None
        the model rows' customer ids (None or a RangeIndex: align by position).
    model : str
        the model's name, for the messages.
    """
    if cov is None:
        return np.zeros((n, 0)), []
    if isinstance(cov, pd.Series):
        cov = cov.to_frame()
    if not isinstance(cov, pd.DataFrame):
        arr = np.asarray(cov, dtype=float)
        arr = arr.reshape(len(arr), -1) if arr.ndim != 2 else arr
        cov = pd.DataFrame(arr, columns=[f"x{j}" for j in range(arr.shape[1])])
    name = f"{model}: {kind}_covariates"
    if cov.shape[1] == 0:
        return np.zeros((n, 0)), []
    if (index is not None and not isinstance(index, pd.RangeIndex) and not isinstance(cov.index, pd.RangeIndex)
            and not cov.index.equals(index)):
        missing = index[~index.isin(cov.index)]
        if len(missing):
            shown = ", ".join(str(v) for v in missing[:5])
            raise DataError(f"{name} has no row for {len(missing)} customer(s), e.g. {shown}")
        if cov.index.has_duplicates:
            raise DataError(f"{name}: the customer ids of the index are not unique")
        cov = cov.reindex(index)
    if len(cov) != n:
        raise DataError(f"{name} has {len(cov)} rows for {n} customers (give one row per customer, or index it by "
                        "customer id)")
    cols = [str(c) for c in cov.columns]
    if len(set(cols)) != len(cols):
        raise DataError(f"{name}: column names must be unique, got {cols}")
    bad = [str(c) for c in cov.columns
           if not (pd.api.types.is_numeric_dtype(cov[c]) or pd.api.types.is_bool_dtype(cov[c]))]
    if bad:
        raise DataError(f"{name}: column(s) {bad} are not numeric; code categories as 0/1 columns "
                        "(pandas.get_dummies(..., drop_first=True))")
    X = cov.to_numpy(dtype=float)
    nonfinite = ~np.isfinite(X)
    if nonfinite.any():
        rows = np.flatnonzero(nonfinite.any(axis=1))[:5]
        col = cols[int(np.flatnonzero(nonfinite.any(axis=0))[0])]
        raise DataError(f"{name}, column '{col}': missing or infinite values (rows {', '.join(str(r) for r in rows)})")
    const = [c for c, j in zip(cols, range(X.shape[1])) if np.ptp(X[:, j]) == 0]
    if const:
        raise DataError(f"{name}: column(s) {const} are constant, so their effect cannot be told apart from the "
                        "base parameter; drop them")
    if np.linalg.matrix_rank(np.column_stack([np.ones(n), X - X.mean(axis=0)])) < X.shape[1] + 1:
        raise DataError(f"{name}: the columns {cols} are collinear (one is a combination of the others and the "
                        "constant); drop one of them, e.g. one dummy per categorical variable")
    return X, cols


def effects_coding(labels, name: str = "segment") -> tuple[pd.DataFrame, list]:
    """Effects (sum-to-zero) coding of a segment (module docstring): a DataFrame of k - 1 columns
    ``<name>[<level>]`` aligned with ``labels`` and the k levels in their order (sorted; the last is the one
    whose effect is minus the sum of the others).

    Parameters
    ----------
    labels : Series or array-like
        the segment of each row (no missing values).
    name : str
        the segment's name, used in the column names.
    """
    s = labels if isinstance(labels, pd.Series) else pd.Series(np.asarray(labels))
    if s.isna().any():
        raise DataError(f"{name}: missing for {int(s.isna().sum())} row(s)")
    levels = sorted(pd.unique(s), key=str)
    if len(levels) < 2:
        raise DataError(f"{name}: only one value ({levels}); nothing to tell apart")
    codes = pd.Categorical(s, categories=levels).codes
    k = len(levels)
    E = np.zeros((len(s), k - 1))
    rows = np.arange(len(s))
    inner = codes < k - 1
    E[rows[inner], codes[inner]] = 1.0
    E[codes == k - 1] = -1.0
    cols = [f"{name}[{lev}]" for lev in levels[:-1]]
    return pd.DataFrame(E, columns=cols, index=s.index), levels
