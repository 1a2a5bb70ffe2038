r"""Time-varying covariates per customer and period: the data of the time-varying BTYD models.

Bachmann, P., Meierer, M. & Naef, J. (2021). The role of time-varying contextual factors in latent
attrition models for customer base analysis. *Marketing Science* 40(4), 783-809 (CLVTools'
``SetDynamicCovariates``).

A covariate table gives, for each period :math:`j` (a week, a month, ...: from its ``period_start`` to
the next one), the values :math:`x_j` of contextual factors such as a season or a campaign, the same for
every customer or one row per customer and period; time-invariant customer covariates (gender, channel)
are added as columns that do not change. Customer *i* comes alive at her first purchase :math:`b_i`
and is observed until the calibration end :math:`E`; her span :math:`[b_i, E]` is cut at the period
boundaries and at her last purchase :math:`t_{x,i}` into *pieces* :math:`k` of length :math:`\ell_k`, on
each of which every covariate is constant. That is all the likelihoods of
:mod:`relmkt_utils.btyd.timevarying` need:

* the purchase covariates summed over the repeat purchases, :math:`S_i = \sum_{j=1}^{x} x(t_j)`
  (for the product :math:`\prod_j e^{\gamma^\top x(t_j)} = e^{\gamma^\top S_i}`);
* the pieces (customer, length, covariate rows, before or after :math:`t_x`), consecutive pieces with
  identical covariates merged into one (the integrals are exact per constant stretch);
* for the BG/NBD, the dropout covariates at each repeat purchase.

Time is measured in the model's time unit (a dataset's ``time_unit``: weeks of 7 days, ...) from the
first period start; dates are calendar days (the suite's one day rule: several purchases of a customer on
one day are one purchase occasion), as CLVTools does. Predictions reuse the same tables for the periods
after the calibration end (a season is known ahead) or take a future covariate path
(:meth:`TimeVaryingPanel.with_covariates`): "what if we run the campaign in these weeks".
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..core.checks import checked, dataframe
from ..core.errors import DataError, ParameterError
from ..core.purchases import day_log, day_numbers
from ..core.time import TimeUnit
from ..core.time import time_unit as as_time_unit

PERIOD_COL = "period_start"
CUSTOMER_COL = "customer_id"


@dataclass
class Pieces:
    """Stretches of constant covariates, sorted by span then time: ``span`` (index of the span each
    piece belongs to), ``customer`` (the customer's position), ``start``/``length`` (model time),
    ``after`` (the piece starts at or after the split point, e.g. the last purchase) and the covariate
    rows ``X`` (pieces x columns)."""

    span: np.ndarray
    customer: np.ndarray
    start: np.ndarray
    length: np.ndarray
    after: np.ndarray
    X: np.ndarray

    def __len__(self) -> int:
        return self.span.size


def group_starts(group: np.ndarray, n_groups: int) -> np.ndarray:
    """Position of the first element of each group in an array sorted by group (n_groups entries;
    an empty group gets the position where it would start)."""
    return np.searchsorted(group, np.arange(n_groups), side="left")


def cumsum_before(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Within each group (sorted), the sum of the values before each element (exclusive cumsum)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return values.copy()
    excl = np.cumsum(values) - values
    starts = np.minimum(group_starts(group, n_groups), values.size - 1)
    return excl - excl[starts][group]


def sum_after(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Within each group (sorted), the sum of the values after each element (exclusive reverse cumsum)."""
    total = np.bincount(group, weights=values, minlength=n_groups)
    return total[group] - cumsum_before(values, group, n_groups) - values


@dataclass
class TimeVaryingPanel:
    r"""Customers' purchase histories beside covariates that change over calendar periods.

    Build it with :func:`time_varying_panel` (from a transaction log and dated covariate tables) or
    :meth:`from_times` (times in model units, e.g. from :func:`~relmkt_utils.btyd.simulate_time_varying`).
    Times are model time (the unit of ``time_unit``) since the first period start.

    Attributes
    ----------
    customers : pandas.Index
        customer ids, in the order of every per-customer array.
    birth, last : numpy.ndarray
        time of each customer's first and last purchase in the calibration.
    end : float
        calibration end (model time).
    repeat_customer, repeat_time : numpy.ndarray
        the customer (position) and time of every repeat purchase, sorted by customer then time.
    boundaries : numpy.ndarray
        start of each covariate period (model time, increasing) followed by the end of the last one.
    varying : numpy.ndarray
        time-varying covariates: periods x columns (the same for everybody) or customers x periods x
        columns; NaN where a value is not given.
    static : numpy.ndarray
        time-invariant covariates, customers x columns.
    columns : list[str]
        names of the time-varying columns, then of the static ones.
    time_unit : TimeUnit
        the unit of model time; ``origin`` is the calendar day (days since 1970-01-01) of time 0.
    """

    customers: pd.Index
    birth: np.ndarray
    last: np.ndarray
    end: float
    repeat_customer: np.ndarray
    repeat_time: np.ndarray
    boundaries: np.ndarray
    varying: np.ndarray
    static: np.ndarray
    varying_columns: list
    static_columns: list
    time_unit: TimeUnit
    origin: float | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    # ---------------------------------------------------------------- construction from times
    @classmethod
    def from_times(cls, purchases: pd.DataFrame, end: float, boundaries, varying=None, static=None, *,
                   time_unit, customer_col: str = CUSTOMER_COL, time_col: str = "time",
                   varying_columns=None) -> "TimeVaryingPanel":
        """A panel from purchase times in model units (one row per purchase occasion).

        Parameters
        ----------
        purchases : DataFrame
            ``customer_col`` and ``time_col`` (model time since the first period start); a customer's
            first purchase is her birth. Purchases after ``end`` are ignored.
        end : float
            calibration end, model time.
        boundaries : array-like
            period starts followed by the end of the last period (increasing).
        varying : DataFrame or array, optional
            time-varying covariates, one row per period (columns = covariates), or a 3-d array
            customers x periods x columns in the order of the sorted customer ids.
        static : DataFrame, optional
            time-invariant covariates indexed by customer id.
        time_unit : str or TimeUnit
            the unit of model time.
        customer_col, time_col : str
            column names in ``purchases``.
        varying_columns : list of str, optional
            names of the columns of a 3-d ``varying``.
        """
        unit = as_time_unit(time_unit)
        for col in (customer_col, time_col):
            if col not in purchases.columns:
                raise DataError(f"purchases: missing column {col!r}")
        t = purchases[time_col].to_numpy(dtype=float)
        if not np.all(np.isfinite(t)):
            raise DataError(f"purchases: column {time_col!r} has missing or infinite times")
        keep = t <= end
        codes, ids = pd.factorize(purchases[customer_col].to_numpy()[keep], sort=True)
        t = t[keep]
        order = np.lexsort((t, codes))
        codes, t = codes[order], t[order]
        dup = np.r_[False, (codes[1:] == codes[:-1]) & (t[1:] == t[:-1])]
        codes, t = codes[~dup], t[~dup]
        return cls._assemble(pd.Index(ids, name=CUSTOMER_COL), codes, t, float(end), boundaries, varying, static,
                             unit, None, varying_columns)

    @classmethod
    def _assemble(cls, ids, codes, t, end, boundaries, varying, static, unit, origin, varying_columns=None):
        n = len(ids)
        if n == 0:
            raise DataError("time-varying panel: no customer has a purchase on or before the calibration end")
        first = group_starts(codes, n)
        last_pos = np.r_[first[1:], codes.size] - 1
        birth, last = t[first], t[last_pos]
        repeat = np.ones(codes.size, dtype=bool)
        repeat[first] = False
        bounds = np.asarray(boundaries, dtype=float)
        if bounds.ndim != 1 or bounds.size < 2 or np.any(np.diff(bounds) <= 0):
            raise DataError("time-varying covariates: the period starts must increase (one row per period)")
        V, vcols = cls._varying_array(varying, bounds.size - 1, n, varying_columns)
        S, scols = cls._static_array(static, ids)
        if set(vcols) & set(scols):
            raise DataError(f"time-varying panel: column(s) {sorted(set(vcols) & set(scols))} are both time-varying "
                            "and static; name them once")
        panel = cls(ids, birth, last, end, codes[repeat].astype(np.int64), t[repeat], bounds, V, S, vcols, scols,
                    unit, origin)
        panel._check_cover(birth, np.full(n, end), "calibration")
        return panel

    @staticmethod
    def _varying_array(varying, n_periods, n, names):
        if varying is None:
            return np.zeros((n_periods, 0)), []
        if isinstance(varying, pd.DataFrame):
            bad = [c for c in varying.columns if not pd.api.types.is_numeric_dtype(varying[c])
                   and not pd.api.types.is_bool_dtype(varying[c])]
            if bad:
                raise DataError(f"time-varying covariates: column(s) {bad} are not numeric; code categories as 0/1 "
                                "columns")
            if len(varying) != n_periods:
                raise DataError(f"time-varying covariates: {len(varying)} rows for {n_periods} periods")
            return varying.to_numpy(dtype=float), [str(c) for c in varying.columns]
        arr = np.asarray(varying, dtype=float)
        if arr.ndim == 2:
            arr2 = arr
        elif arr.ndim == 3:
            if arr.shape[:2] != (n, n_periods):
                raise DataError(f"time-varying covariates: an array of shape {arr.shape}, expected ({n}, {n_periods}, k)")
            arr2 = arr
        else:
            raise DataError("time-varying covariates: give a table (periods x columns) or an array customers x periods "
                            "x columns")
        cols = list(names) if names is not None else [f"x{j}" for j in range(arr2.shape[-1])]
        if len(cols) != arr2.shape[-1]:
            raise DataError(f"time-varying covariates: {len(cols)} names for {arr2.shape[-1]} columns")
        return arr2, cols

    @staticmethod
    def _static_array(static, ids):
        if static is None:
            return np.zeros((len(ids), 0)), []
        if isinstance(static, pd.Series):
            static = static.to_frame()
        if not isinstance(static, pd.DataFrame):
            raise DataError("static covariates: give a DataFrame indexed by customer id")
        bad = [c for c in static.columns if not (pd.api.types.is_numeric_dtype(static[c])
                                                 or pd.api.types.is_bool_dtype(static[c]))]
        if bad:
            raise DataError(f"static covariates: column(s) {bad} are not numeric; code categories as 0/1 columns "
                            "(pandas.get_dummies(..., drop_first=True))")
        if static.index.has_duplicates:
            raise DataError("static covariates: the customer ids of the index are not unique")
        missing = ids[~ids.isin(static.index)]
        if len(missing):
            shown = ", ".join(str(v) for v in missing[:5])
            raise DataError(f"static covariates have no row for {len(missing)} customer(s), e.g. {shown}")
        S = static.reindex(ids).to_numpy(dtype=float)
        if not np.all(np.isfinite(S)):
            rows = np.flatnonzero(~np.isfinite(S).all(axis=1))[:5]
            raise DataError(f"static covariates: missing or infinite values for customer(s) "
                            f"{', '.join(str(ids[r]) for r in rows)}")
        return S, [str(c) for c in static.columns]

    # ---------------------------------------------------------------- what the models read
    @property
    def columns(self) -> list[str]:
        """All covariate names: the time-varying ones, then the static ones."""
        return list(self.varying_columns) + list(self.static_columns)

    @property
    def frequency(self) -> np.ndarray:
        """Repeat purchases in the calibration."""
        return np.bincount(self.repeat_customer, minlength=len(self.customers)).astype(float)

    @property
    def recency(self) -> np.ndarray:
        """Time of the last purchase since the first (model units)."""
        return self.last - self.birth

    @property
    def T(self) -> np.ndarray:
        """Time from the first purchase to the calibration end (model units)."""
        return self.end - self.birth

    def summary(self) -> pd.DataFrame:
        """frequency, recency and T of each customer (the RFM summary of the calibration)."""
        return pd.DataFrame({"frequency": self.frequency, "recency": self.recency, "T": self.T}, index=self.customers)

    def column_positions(self, names, kind: str) -> list[int]:
        """Positions of the named covariates; None means every covariate."""
        if names is None:
            return list(range(len(self.columns)))
        if isinstance(names, str):
            names = [names]
        unknown = [c for c in names if c not in self.columns]
        if unknown:
            raise ParameterError(f"{kind}: unknown covariate(s) {unknown}; the panel has {self.columns}")
        if len(set(names)) != len(names):
            raise ParameterError(f"{kind}: covariates named twice in {list(names)}")
        return [self.columns.index(c) for c in names]

    def period_of(self, times) -> np.ndarray:
        """Index of the covariate period containing each time."""
        return np.searchsorted(self.boundaries, np.asarray(times, dtype=float), side="right") - 1

    def values(self, customer: np.ndarray, period: np.ndarray) -> np.ndarray:
        """Covariate rows (time-varying then static) of the given (customer, period) pairs."""
        customer = np.asarray(customer, dtype=np.int64)
        period = np.asarray(period, dtype=np.int64)
        if self.varying.ndim == 3:
            V = self.varying[customer, period]
        else:
            V = self.varying[period]
        return np.column_stack([V, self.static[customer]]) if self.static.shape[1] else np.asarray(V, dtype=float)

    def _check_cover(self, lo, hi, what: str, owner=None):
        owner = np.arange(lo.size) if owner is None else owner
        span = hi > lo
        if not span.any():
            return
        first, stop = self.boundaries[0], self.boundaries[-1]
        if np.any(lo[span] < first - 1e-9):
            raise DataError(f"time-varying covariates: the {what} starts at {self._date(lo[span].min())}, before the "
                            f"first covariate period ({self._date(first)}); give covariates from then on")
        if np.any(hi[span] > stop + 1e-9):
            raise DataError(f"time-varying covariates: the {what} runs to {self._date(hi[span].max())}, after the "
                            f"last covariate period ends ({self._date(stop)}); give covariates up to then")
        if self.varying.ndim == 3 or self.varying.shape[1]:
            pieces = self.pieces(lo, hi, owner, check=False)
            rows = self.values(pieces.customer, self.period_of(pieces.start))
            bad = ~np.isfinite(rows).all(axis=1)
            if bad.any():
                who = self.customers[pieces.customer[bad][:5]]
                raise DataError(f"time-varying covariates: missing values in the {what} of customer(s) "
                                f"{', '.join(str(v) for v in who)} (periods from {self._date(pieces.start[bad].min())})")

    def _date(self, t: float) -> str:
        if self.origin is None:
            return f"time {t:g}"
        day = self.origin + t * self.time_unit.days
        return str(pd.Timestamp(np.datetime64(int(np.floor(day + 1e-9)), "D")).date())

    def pieces(self, lo, hi, owner, split=None, check: bool = True, merge: bool = True) -> Pieces:
        """Cut the spans ``[lo, hi]`` (one per entry; ``owner`` = the customer's position) at the period
        boundaries and at ``split`` (optional, one per span); merge consecutive pieces of a span with
        identical covariates and the same side of ``split``.

        Parameters
        ----------
        lo, hi : array-like
            start and end of each span (model time); spans of one customer must be consecutive and in order
            when their cumulative sums are used.
        owner : array-like of int
            the customer (position) of each span.
        split : array-like, optional
            a time inside each span at which to cut (the last purchase); ``after`` marks the pieces from it on.
        check : bool
            check that the covariates cover the spans.
        merge : bool
            merge consecutive pieces with identical covariates.
        """
        lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
        owner = np.asarray(owner, dtype=np.int64)
        if check:
            self._check_cover(lo, hi, "prediction span", owner)
        b = self.boundaries
        nper = b.size - 1
        jlo = np.clip(np.searchsorted(b, lo, side="right") - 1, 0, nper - 1)
        jhi = np.clip(np.searchsorted(b, hi, side="left") - 1, 0, nper - 1)
        count = np.where(hi > lo, jhi - jlo + 1, 0)
        span = np.repeat(np.arange(lo.size), count)
        within = np.arange(span.size) - np.repeat(np.cumsum(count) - count, count)
        j = jlo[span] + within
        start = np.maximum(b[j], lo[span])
        stop = np.minimum(b[j + 1], hi[span])
        if split is not None:
            sp = np.asarray(split, dtype=float)[span]
            cut = (start < sp) & (sp < stop)
            rep = np.where(cut, 2, 1)
            idx = np.repeat(np.arange(span.size), rep)
            second = np.r_[False, idx[1:] == idx[:-1]]
            span, j, sp = span[idx], j[idx], sp[idx]
            new_start = np.where(second, sp, start[idx])
            new_stop = np.where(cut[idx] & ~second, sp, stop[idx])
            start, stop = new_start, new_stop
            after = start >= sp
        else:
            after = np.zeros(span.size, dtype=bool)
        cust = owner[span]
        X = self.values(cust, j)
        length = stop - start
        keep = length > 0
        span, cust, start, length, after, X = span[keep], cust[keep], start[keep], length[keep], after[keep], X[keep]
        if merge and span.size > 1:
            same = ((span[1:] == span[:-1]) & (after[1:] == after[:-1])
                    & np.all((X[1:] == X[:-1]) | (np.isnan(X[1:]) & np.isnan(X[:-1])), axis=1))
            head = np.flatnonzero(np.r_[True, ~same])
            length = np.add.reduceat(length, head)
            span, cust, start, after, X = span[head], cust[head], start[head], after[head], X[head]
        return Pieces(span, cust, start, length, after, X)

    def calibration_pieces(self) -> Pieces:
        """The pieces of every customer's calibration span [first purchase, end], split at her last purchase."""
        if "calibration" not in self._cache:
            n = len(self.customers)
            self._cache["calibration"] = self.pieces(self.birth, np.full(n, self.end), np.arange(n), split=self.last,
                                                     check=False)
        return self._cache["calibration"]

    def repeat_rows(self) -> np.ndarray:
        """Covariate rows at each repeat purchase (purchases x columns)."""
        if "repeat" not in self._cache:
            self._cache["repeat"] = self.values(self.repeat_customer, self.period_of(self.repeat_time))
        return self._cache["repeat"]

    def with_covariates(self, varying=None, static=None) -> "TimeVaryingPanel":
        """The same customers with other covariate values: a scenario (a campaign in some weeks) or the
        covariate path of the periods after the calibration.

        Parameters
        ----------
        varying : DataFrame or array, optional
            a dated table as in :func:`time_varying_panel` (``period_start``, the same columns, optionally
            ``customer_id``): its periods replace the panel's from its first period on (a table that starts
            after the calibration end is a future path; one that starts with the panel replaces everything);
            or an array on the panel's own periods, as in :meth:`from_times`.
        static : DataFrame, optional
            time-invariant covariates indexed by customer id, with the same columns.
        """
        V, bounds = self.varying, self.boundaries
        if varying is not None:
            if isinstance(varying, pd.DataFrame) and PERIOD_COL in varying.columns:
                if self.origin is None:
                    raise DataError("this panel was built from times, not dates: give the covariates as an array on "
                                    "its periods")
                V2, cols, b2 = _dated_varying(varying, self.customers, self.origin, self.time_unit)
                if b2[0] <= bounds[0] + 1e-9:
                    V, bounds = V2, b2
                else:
                    k = int(np.searchsorted(bounds, b2[0] - 1e-9))
                    if k >= bounds.size or abs(bounds[k] - b2[0]) > 1e-9:
                        raise DataError(f"time-varying covariates: the new table starts on {self._date(b2[0])}, which "
                                        "is not the start of one of the panel's periods")
                    if V.ndim != V2.ndim:
                        n = len(self.customers)
                        V = V if V.ndim == 3 else np.broadcast_to(V, (n,) + V.shape)
                        V2 = V2 if V2.ndim == 3 else np.broadcast_to(V2, (n,) + V2.shape)
                    V = np.concatenate([V[:, :k] if V.ndim == 3 else V[:k], V2], axis=1 if V.ndim == 3 else 0)
                    bounds = np.r_[bounds[:k], b2]
            else:
                V, cols = self._varying_array(varying, self.boundaries.size - 1, len(self.customers),
                                              self.varying_columns)
            if list(cols) != list(self.varying_columns):
                raise DataError(f"time-varying covariates: columns {list(cols)}, the panel has {list(self.varying_columns)}")
        S = self.static
        if static is not None:
            S, cols = self._static_array(static, self.customers)
            if cols != list(self.static_columns):
                raise DataError(f"static covariates: columns {cols}, the panel has {list(self.static_columns)}")
        return replace(self, varying=np.asarray(V, dtype=float), boundaries=bounds, static=S, _cache={})

    def subset(self, positions) -> "TimeVaryingPanel":
        """The panel of some customers (positions), e.g. one segment or a fold of a cross-validation."""
        pos = np.asarray(positions, dtype=np.int64)
        new_index = np.full(len(self.customers), -1, dtype=np.int64)
        new_index[pos] = np.arange(pos.size)
        keep = new_index[self.repeat_customer] >= 0
        rc = new_index[self.repeat_customer[keep]]
        order = np.lexsort((self.repeat_time[keep], rc))
        V = self.varying[pos] if self.varying.ndim == 3 else self.varying
        return replace(self, customers=self.customers[pos], birth=self.birth[pos], last=self.last[pos],
                       repeat_customer=rc[order], repeat_time=self.repeat_time[keep][order], varying=V,
                       static=self.static[pos], _cache={})


# -------------------------------------------------------------------------------------- from dates
def _period_grid(starts: np.ndarray) -> np.ndarray:
    """Period starts (days) and the end of the last period: its start plus the most common spacing."""
    if starts.size < 2:
        raise DataError("time-varying covariates: give at least two periods (the period length is their spacing)")
    steps = np.diff(starts)
    vals, counts = np.unique(steps, return_counts=True)
    return np.r_[starts, starts[-1] + vals[np.argmax(counts)]]


def _dated_varying(table: pd.DataFrame, customers: pd.Index, origin: float, unit: TimeUnit):
    """A dated covariate table to (array, columns, boundaries in model time)."""
    if PERIOD_COL not in table.columns:
        raise DataError(f"time-varying covariates: missing column {PERIOD_COL!r} (the first day of each period)")
    days = day_numbers(table[PERIOD_COL]).astype(float)
    if np.any(days == np.iinfo("int64").min):
        raise DataError(f"time-varying covariates: column {PERIOD_COL!r} has missing dates")
    cols = [c for c in table.columns if c not in (PERIOD_COL, CUSTOMER_COL)]
    bad = [c for c in cols if not (pd.api.types.is_numeric_dtype(table[c]) or pd.api.types.is_bool_dtype(table[c]))]
    if bad:
        raise DataError(f"time-varying covariates: column(s) {bad} are not numeric; code categories as 0/1 columns")
    starts = np.unique(days)
    bounds = _period_grid(starts)
    per = np.searchsorted(starts, days)
    values = table[cols].to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        rows = np.flatnonzero(~np.isfinite(values).all(axis=1))[:5]
        raise DataError(f"time-varying covariates: missing or infinite values (rows {', '.join(str(r) for r in rows)})")
    if CUSTOMER_COL in table.columns:
        pos = customers.get_indexer(table[CUSTOMER_COL])
        known = pos >= 0
        key = pos[known] * starts.size + per[known]
        if np.unique(key).size != key.size:
            raise DataError("time-varying covariates: a customer has two rows for one period")
        V = np.full((len(customers), starts.size, len(cols)), np.nan)
        V[pos[known], per[known]] = values[known]
    else:
        if np.unique(per).size != per.size:
            raise DataError("time-varying covariates: two rows for one period (add a customer_id column for values "
                            "per customer)")
        V = values[np.argsort(per)]
    return V, [str(c) for c in cols], (bounds - origin) / unit.days


@checked(transactions=dataframe(), covariates=dataframe(none=True), static=dataframe(none=True))
def time_varying_panel(transactions: pd.DataFrame, calibration_end, covariates: pd.DataFrame | None = None,
                       static: pd.DataFrame | None = None, *, time_unit, customer_col: str = CUSTOMER_COL,
                       date_col: str = "date") -> TimeVaryingPanel:
    """A :class:`TimeVaryingPanel` from a transaction log and dated covariate tables.

    Parameters
    ----------
    transactions : DataFrame
        the transaction log (``customer_col``, ``date_col``); purchases on one calendar day are one purchase
        occasion; purchases after ``calibration_end`` are ignored (a holdout stays out of the fit).
    calibration_end : date-like
        the last day of the calibration (inclusive).
    covariates : DataFrame, optional
        time-varying covariates: ``period_start`` (the first day of each period; a period lasts to the next
        start, the last one as long as the most common spacing) and numeric columns, the same for everybody,
        or with a ``customer_id`` column for values per customer and period. May run past the calibration:
        the later periods are the covariate path of the predictions.
    static : DataFrame, optional
        time-invariant covariates indexed by customer id (e.g. gender, channel as 0/1 columns).
    time_unit : str or TimeUnit
        the model's time unit (the dataset's ``time_unit``).
    customer_col, date_col : str
        column names of ``transactions``.
    """
    unit = as_time_unit(time_unit)
    log = day_log(transactions, customer_col, date_col)
    end_day = float(day_numbers([calibration_end])[0])
    if covariates is not None:
        if not isinstance(covariates, pd.DataFrame):
            raise DataError("time-varying covariates: give a DataFrame with a period_start column")
        origin = float(day_numbers(covariates[PERIOD_COL]).min()) if PERIOD_COL in covariates.columns else None
        if origin is None:
            raise DataError(f"time-varying covariates: missing column {PERIOD_COL!r} (the first day of each period)")
    else:
        origin = float(log.day.min())
    keep = log.day <= end_day
    ids = pd.Index(log.ids, name=CUSTOMER_COL)
    used = np.unique(log.code[keep])
    if used.size == 0:
        raise DataError("time-varying panel: no purchase on or before the calibration end")
    remap = np.full(len(ids), -1, dtype=np.int64)
    remap[used] = np.arange(used.size)
    codes = remap[log.code[keep]]
    ids = ids[used]
    t = (log.day[keep].astype(float) - origin) / unit.days
    end = (end_day - origin) / unit.days
    if covariates is not None:
        V, vcols, bounds = _dated_varying(covariates, ids, origin, unit)
    else:
        bounds = np.array([0.0, max(end, float(t.max())) + 1.0])
        V, vcols = np.zeros((1, 0)), []
    panel = TimeVaryingPanel._assemble(ids, codes, t, end, bounds, V, static, unit, origin, vcols)
    return panel
