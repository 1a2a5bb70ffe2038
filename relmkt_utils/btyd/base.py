"""Shared plumbing of the BTYD models: input checks, grouping rows into sufficient statistics,
the warm-started fit, the time unit a model takes from its summary, and the per-customer CLV of the
results.

**Time travels with the data.** :func:`~relmkt_utils.btyd.rfm_summary` records its period (``freq``,
``freq_multiplier`` and the ``time_unit``) in the summary's ``attrs``, which pandas hands on to the
summary's columns; a model built from the summary (``BetaGeo.from_summary(summary)``, or
``BetaGeo(summary["frequency"], summary["recency"], summary["T"])``) keeps that period, and so do its
results (``results.period``, ``results.time_unit``; saved and loaded with them). A model built from bare
arrays has no unit unless ``time_unit=`` is given; a prediction that converts calendar terms
(``horizon_months``, ``annual_discount_rate``) then says so (:func:`relmkt_utils.core.time.model_time_unit`).
pandas keeps a summary's attrs on columns computed from it (``s["T"] * 7`` still says "week"): to rescale,
pass numpy arrays (``.to_numpy()``) and ``time_unit=``.
"""
from __future__ import annotations

import warnings
from abc import ABC, abstractmethod

import numpy as np
import pandas as pd
from scipy import special

from ..core.checks import checked, number, numbers
from ..core.clv import present_value
from ..core.errors import DataError
from ..core.optimize import newton_fit
from ..core.results import MLEResults
from ..core.time import Period, model_time_unit, same_unit
from ..core.time import time_unit as as_time_unit
from .persistence import SavableResults
from .registry import Registered

#: Rules of the arguments the predictions share (:mod:`relmkt_utils.core.checks`).
HORIZON = number(0, low_open=True)               # months
ANNUAL_RATE = number(-1, low_open=True)          # per year, e.g. 0.10
MARGIN = number(0)                               # the share of spend that is profit
PERIODS_AHEAD = numbers(0)                       # periods ahead, in the model's time unit


def _text_sample(values) -> str:
    sample = [v for v in pd.unique(pd.Series(np.asarray(values, dtype=object).ravel()).astype(str))][:3]
    return ", ".join(repr(v) for v in sample)


def as_float_array(values, name: str, model: str) -> np.ndarray:
    """``values`` as a 1-d float array of finite numbers; a DataError naming the argument (and the
    column it came from) for text or missing values."""
    column = getattr(values, "name", None)
    where = name if not isinstance(column, str) or column == name else f"{name} (column {column!r})"
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (ValueError, TypeError):
        raise DataError(f"{model}: {where} must hold numbers, but holds text such as {_text_sample(values)}; "
                        "convert it with pandas.to_numeric") from None
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{model}: {where} has missing or infinite values")
    return arr


def check_weights(weights, n: int, model: str) -> np.ndarray | None:
    """Optional weights (the number of customers each row stands for): finite, >= 0, one per row."""
    if weights is None:
        return None
    w = as_float_array(weights, "weights", model)
    if len(w) != n or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise DataError(f"{model}: weights must be finite, non-negative and one per customer ({n})")
    if w.sum() <= 0:
        raise DataError(f"{model}: the weights sum to zero; there is nobody to fit")
    return w


def index_of(values) -> pd.Index | None:
    return values.index if isinstance(values, pd.Series) else None


def check_rft(frequency, recency, T, model: str):
    """Validate (frequency, recency, T): non-negative integer frequency, 0 <= recency <= T, recency = 0 when frequency = 0."""
    x = as_float_array(frequency, "frequency", model)
    t_x = as_float_array(recency, "recency", model)
    T_ = as_float_array(T, "T", model)
    if not (len(x) == len(t_x) == len(T_)):
        raise DataError(f"{model}: frequency, recency and T must have the same length ({len(x)}, {len(t_x)}, {len(T_)})")
    if len(x) == 0:
        raise DataError(f"{model}: no customers")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise DataError(f"{model}: frequency must be a non-negative whole number of repeat purchases")
    if np.any(t_x < 0) or np.any(t_x > T_ + 1e-9 * np.maximum(1, T_)):
        raise DataError(f"{model}: recency must lie between 0 and T")
    if np.any(t_x[x == 0] != 0):
        raise DataError(f"{model}: recency must be 0 for customers with frequency 0")
    if np.all(T_ <= 0):
        raise DataError(f"{model}: every T is 0; nobody has been observed for any time")
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


#: Above this share of distinct rows, predictions are evaluated row by row (grouping would not pay).
DISTINCT_MAX_FRACTION = 0.5


def _sample_all_distinct(columns: list[np.ndarray]) -> bool:
    r"""Whether ``m = 4\sqrt{n}`` rows drawn at random (without replacement, fixed seed) are all different:
    a cheap sign that almost every row is distinct (continuous time). When at most half the n rows are
    distinct the chance of no repeat in the sample is about :math:`e^{-m^2/n} = e^{-16}` at most (the
    birthday bound, reached for equally common rows; the draw is random so that the order of the rows
    cannot hide their repeats), so grouping that pays is almost never skipped; a wrong call would cost
    time, never accuracy."""
    n = len(columns[0])
    m = int(4 * np.sqrt(n))
    if m >= n // 2:
        return False
    pick = np.random.default_rng(0).choice(n, m, replace=False)
    _, first = factorize_rows([c[pick] for c in columns])
    return len(first) == m


class DistinctRows:
    """The distinct rows of some columns (:func:`factorize_rows`): a prediction is evaluated once per
    distinct row (on :attr:`values`) and :meth:`expand` hands each row its value back.

    When the distinct rows exceed ``max_fraction`` of the rows (continuous time), or a sample of the rows
    shows no repeat (:func:`_sample_all_distinct`), finding them would cost more than it saves: then
    :attr:`values` are the columns themselves and :meth:`expand` returns its argument (``grouped`` False),
    as :func:`group_rows` does for the likelihood.

    :meth:`derived` keeps quantities computed once from the distinct rows (e.g. the distinct (x, T)
    pairs among them). :meth:`matches` tells whether other columns have exactly these rows, so that
    results can reuse the grouping for the next prediction on the same customers."""

    def __init__(self, columns, max_fraction: float = DISTINCT_MAX_FRACTION):
        cols = [np.asarray(c) for c in columns]
        self.n = len(cols[0])
        self.codes = None
        self._derived: dict = {}
        if self.n > 1 and not _sample_all_distinct(cols):
            key, first = factorize_rows(cols)
            if len(first) <= max_fraction * self.n:
                self.codes = key
                cols = [c[first] for c in cols]
        self.values = cols

    @property
    def grouped(self) -> bool:
        """Whether identical rows were collapsed (else every row is evaluated as it is)."""
        return self.codes is not None

    def expand(self, values):
        """Values of the distinct rows (first axis) as values of all rows."""
        return values if self.codes is None else np.asarray(values)[self.codes]

    def matches(self, columns) -> bool:
        """Whether ``columns`` have exactly these rows: each row equal to the stored values of its
        group, or to the stored row when nothing was grouped (checked elementwise, so columns changed
        in place are found out)."""
        if len(columns) != len(self.values):
            return False
        cols = [np.asarray(c) for c in columns]
        if self.codes is None:
            return all(c.shape == v.shape and np.array_equal(v, c) for c, v in zip(cols, self.values))
        return all(c.shape == self.codes.shape and np.array_equal(v[self.codes], c) for c, v in zip(cols, self.values))

    def derived(self, name: str, make):
        """``make()`` (a function of :attr:`values`), computed once per set of rows."""
        if name not in self._derived:
            self._derived[name] = make()
        return self._derived[name]


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


def period_of(columns, time_unit, who: str) -> Period | None:
    """The period of the data a model is built from: the one rfm_summary recorded (in the ``attrs`` of
    the summary or of its columns), else ``Period.of(time_unit)``, else None. A ``time_unit`` that
    contradicts the recorded one, or columns from summaries of different periods, are a DataError."""
    found = [p for p in (Period.of_attrs(getattr(c, "attrs", None)) for c in columns) if p is not None]
    carried = found[0] if found else None
    if any(not same_unit(p.time_unit, carried.time_unit) for p in found):
        raise DataError(f"{who}: the columns come from summaries in different time units "
                        f"({', '.join(sorted({p.time_unit.name for p in found}))})")
    if time_unit is None:
        return carried
    unit = as_time_unit(time_unit)
    if carried is None:
        return Period.of(unit)
    if not same_unit(unit, carried.time_unit):
        raise DataError(f"{who}: time_unit={str(time_unit)!r} contradicts the summary's time unit "
                        f"({carried.time_unit.name}), which rfm_summary recorded; leave time_unit out")
    return carried


#: Above this, :func:`log_rising` uses Stirling's series instead of a difference of log-gammas.
RISING_STIRLING = 1e5


def log_rising(c, x):
    r"""The log of the rising factorial, :math:`\log\frac{\Gamma(c+x)}{\Gamma(c)}`, accurate for every
    :math:`c > 0` (numpy-broadcasting).

    A difference of two log-gammas loses every digit when :math:`c` is huge (at :math:`c = 10^{11}` each
    log-gamma is :math:`2.5\cdot10^{12}`, its rounding error :math:`10^{-3}`), which is where a BG/NBD runs
    when the data show no dropout (:math:`b \to \infty`): summed over thousands of customers the rounding
    error is a likelihood gain an optimizer can climb. Above :data:`RISING_STIRLING` the difference of
    Stirling's series is used,

    .. math:: (c - \tfrac12)\,\mathrm{log1p}(x/c) + x\log(c+x) - x - \frac{x}{12\,c\,(c+x)},

    whose next term, :math:`\frac{1}{360}(c^{-3} - (c+x)^{-3})`, is below :math:`3\cdot10^{-18}` there."""
    c, x = np.broadcast_arrays(np.asarray(c, dtype=float), np.asarray(x, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        direct = special.gammaln(c + x) - special.gammaln(c)
        big = np.maximum(c, 1.0)
        stirling = (c - 0.5) * np.log1p(x / big) + x * np.log(c + x) - x - x / (12.0 * big * (c + x))
    out = np.where(c > RISING_STIRLING, stirling, direct)
    return float(out) if out.ndim == 0 else out


def discounted_sum(cumulative, spend, margin: float, discount_rate: float) -> np.ndarray:
    r"""CLV as the present value of the expected purchases of each period (the convention of Lifetimes'
    ``customer_lifetime_value``; Fader, Hardie & Lee 2005, "RFM and CLV"):

    .. math:: \mathrm{CLV}_i = m\,\bar s_i \sum_{k=1}^{H} \frac{E[Y_i(k)] - E[Y_i(k-1)]}{(1+d)^k}

    with :math:`E[Y_i(k)]` the conditional expected purchases of customer *i* in the next *k*
    periods (``cumulative``: one row per customer, one column per period k = 1..H; :math:`E[Y_i(0)] = 0`),
    :math:`\bar s_i` the expected spend per purchase, *m* the margin and *d* the discount
    rate per period: the purchases expected in period *k* are discounted as if paid at its end
    (:func:`relmkt_utils.core.clv.present_value`, ``timing="end"``).
    """
    per_period = np.diff(np.asarray(cumulative, dtype=float), axis=-1, prepend=0.0)
    return margin * np.asarray(spend, dtype=float) * present_value(per_period, discount_rate, "end")


def subsample_rows(n_rows: int, size: int, seed: int = 0) -> np.ndarray:
    """Sorted positions of a simple random subsample (for warm starts of big fits)."""
    return np.sort(np.random.default_rng(seed).choice(n_rows, size, replace=False))


class SummaryModel(Registered):
    """Shared part of the BTYD models built from columns of a summary: :meth:`from_summary` (the
    ``summary_columns``, with the period the summary recorded) and the model's :attr:`time_unit`
    (module docstring). A subclass sets ``self.period`` in its constructor (:func:`period_of`)."""

    #: the summary columns the constructor takes first, in order, for :meth:`from_summary`
    summary_columns = ("frequency", "recency", "T")
    period = None

    @classmethod
    def from_summary(cls, summary: pd.DataFrame, weights=None, *, time_unit=None, **kwargs):
        """The model of a summary's ``summary_columns`` (e.g. frequency, recency, T of
        :func:`~relmkt_utils.btyd.rfm_summary`), with the period the summary recorded (or ``time_unit``
        for a summary without one). ``weights``: a column name or one weight per row."""
        if not isinstance(summary, pd.DataFrame):
            raise DataError(f"{cls.model_name}: from_summary needs a summary DataFrame, got {type(summary).__name__}")
        missing = [c for c in cls.summary_columns if c not in summary.columns]
        if missing:
            raise DataError(f"{cls.model_name}: the summary has no column(s) {missing} "
                            f"(found {', '.join(map(str, summary.columns[:8]))})")
        if isinstance(weights, str):
            if weights not in summary.columns:
                raise DataError(f"{cls.model_name}: the summary has no weights column {weights!r}")
            weights = summary[weights]
        period = period_of([summary], time_unit, cls.model_name)
        unit = None if period is None else period.time_unit
        model = cls(*[summary[c] for c in cls.summary_columns], weights=weights, time_unit=unit, **kwargs)
        model.period = period
        return model

    @property
    def time_unit(self):
        """The model's time unit (a :class:`~relmkt_utils.core.time.TimeUnit`), or None when unknown."""
        return None if self.period is None else self.period.time_unit

    def _finish(self, res):
        """The results of a fit or of ``results_at``, carrying the model's period."""
        res.period = self.period
        return res


class CustomerModel(SummaryModel, ABC):
    """Shared part of the BG/NBD and Pareto/NBD models of (frequency, recency, T) per customer.

    The constructor checks the data (and optional ``weights``, the number of customers each row stands
    for) and finds the model's time unit (module docstring: the period recorded on the summary, or
    ``time_unit=``); ``_grouped()`` collapses identical rows once and hands them, with their summed
    weights, to the subclass's ``_sufficient(x, tx, T, w)``; ``fit()`` runs Newton's method on the
    subclass's ``_objective_on(data, theta, order)``, first on a random subsample of ``warm_size`` rows
    when there are more than ``warm_rows`` distinct rows (weights scaled up), then on all rows from there.
    """

    param_names: list[str] = []
    results_cls = MLEResults
    analytic_hessian = True
    warm_rows, warm_size = 200_000, 50_000

    def __init__(self, frequency, recency, T, weights=None, *, time_unit=None):
        self.frequency, self.recency, self.T = check_rft(frequency, recency, T, self.model_name)
        self.index = index_of(frequency)
        self.weights = check_weights(weights, len(self.frequency), self.model_name)
        self.nobs = float(len(self.frequency) if self.weights is None else self.weights.sum())
        self.period = period_of((frequency, recency, T), time_unit, self.model_name)
        self._data = None

    @abstractmethod
    def _sufficient(self, x, tx, T, w) -> dict:
        """The arrays the likelihood needs for the distinct rows (x, tx, T) with weights w."""

    @abstractmethod
    def _objective_on(self, data: dict, theta, order):
        """Negative log-likelihood (and gradient, Hessian up to ``order``) on ``_sufficient``'s arrays."""

    @abstractmethod
    def loglike_obs(self, params) -> np.ndarray:
        """Log-likelihood of each customer (ungrouped) at ``params``."""

    @abstractmethod
    def start_params(self) -> np.ndarray:
        """Starting values of the fit."""

    def _grouped(self) -> dict:
        if self._data is None:
            pos, w = group_rows([self.T, self.frequency, self.recency], self.weights)
            keep = w > 0
            pos, w = pos[keep], w[keep]
            self._data = self._sufficient(self.frequency[pos], self.recency[pos], self.T[pos], w)
        return self._data

    def _objective(self, theta, order):
        return self._objective_on(self._grouped(), theta, order)

    def loglike(self, params) -> float:
        """Total log-likelihood (weighted) at ``params``."""
        ll = self.loglike_obs(params)
        return float(ll.sum() if self.weights is None else ll @ self.weights)

    def results_at(self, params):
        """Results at given parameters, without fitting (statsmodels' "model + params"): every
        prediction and the log-likelihood, e.g. at published or true parameters. The covariance is
        unknown (NaN) and ``converged`` is False."""
        p = np.asarray(params, dtype=float)
        names = self.param_names
        return self._finish(self.results_cls(model=self, params=pd.Series(p, index=names, name="params"),
                                             cov_params_log=pd.DataFrame(np.nan, index=names, columns=names),
                                             llf=self.loglike(p), nobs=self.nobs, converged=False,
                                             model_name=self.model_name,
                                             warnings=["evaluated at given parameters, not fitted"]))

    @checked(maxiter=number(1, integer=True))
    def fit(self, start_params=None, maxiter: int = 200):
        """Maximum likelihood by Newton's method on the log-parameters (:func:`relmkt_utils.core.optimize.newton_fit`)."""
        if not np.any(self.frequency > 0):
            raise DataError(f"{self.model_name}: no customer has a repeat purchase, so the purchase and dropout "
                            "processes cannot be told apart; the model needs repeat buyers")
        x0 = self.start_params() if start_params is None else np.asarray(start_params, dtype=float)
        kw = dict(results_cls=self.results_cls, model=self, nobs=self.nobs, model_name=self.model_name,
                  analytic_hessian=self.analytic_hessian, maxiter=maxiter)
        d = self._grouped()
        if len(d["w"]) > self.warm_rows:
            pick = subsample_rows(len(d["w"]), self.warm_size)
            w = d["w"][pick] * (d["W"] / d["w"][pick].sum())
            sub = self._sufficient(d["x"][pick], d["tx"][pick], d["T"][pick], w)
            with warnings.catch_warnings():  # only a start: the fit on all rows speaks for itself
                warnings.simplefilter("ignore")
                x0 = newton_fit(lambda th, o: self._objective_on(sub, th, o), x0, self.param_names, **kw).params.values
        return self._finish(newton_fit(self._objective, x0, self.param_names, **kw))


class PeriodResults:
    """Results that carry the period of the summary their model was built from (module docstring):
    :attr:`period`, :attr:`time_unit`, saved and loaded with them (:mod:`.persistence`)."""

    model_label = "model"

    @property
    def period(self):
        """The period of the summary the model was fitted to (:class:`~relmkt_utils.core.time.Period`),
        or None when the model was built from bare arrays without ``time_unit=``."""
        if "_period" in self.__dict__:
            return self.__dict__["_period"]
        return getattr(self.model, "period", None)

    @period.setter
    def period(self, value):
        self.__dict__["_period"] = value

    @property
    def time_unit(self):
        """The model's time unit (:class:`~relmkt_utils.core.time.TimeUnit`), or None when unknown."""
        return None if self.period is None else self.period.time_unit

    def _unit(self, given, what: str):
        """The time unit of a calendar conversion (:func:`relmkt_utils.core.time.model_time_unit`)."""
        return model_time_unit(given, self.time_unit, f"{self.model_label} {what}")


class DistinctRowPredictions:
    """Mixin of the results: every prediction per customer is evaluated once per distinct row of the
    customer columns (:class:`DistinctRows`) and expanded back, in the order and with the index given.
    The last few sets of rows are kept and reused while the customer columns match one of them (p_alive,
    then expected purchases, then the periods of a CLV on the same customers, or the draws of an interval,
    which alternate between the customers and their distinct (x, T) pairs, find the distinct rows once,
    or decide once that there are too few repeats to group)."""

    #: how many sets of distinct rows the results keep for reuse
    KEEP_DISTINCT = 4

    def _distinct(self, *columns) -> DistinctRows:
        kept = self.__dict__.setdefault("_distinct_rows", [])
        for rows in kept:
            if rows.matches(columns):
                return rows
        rows = DistinctRows(columns)
        kept.insert(0, rows)
        del kept[self.KEEP_DISTINCT:]
        return rows

    @staticmethod
    def _customer_columns(x, tx, t, X, Z):
        """The customer columns whose distinct rows the predictions of a covariate model are evaluated on:
        (x, t_x, T or n) and every purchase (``X``) and dropout (``Z``) covariate, since each customer's
        parameters depend on her covariates."""
        return [x, tx, t] + list(X.T) + list(Z.T)

    @staticmethod
    def _split_rows(rows, X, Z):
        """(x, t_x, T or n, X, Z) of the distinct rows of :meth:`_customer_columns`."""
        v = rows.values
        kx, m = X.shape[1], len(v[0])
        stack = lambda cols: np.column_stack(cols) if cols else np.zeros((m, 0))     # noqa: E731
        return v[0], v[1], v[2], stack(v[3:3 + kx]), stack(v[3 + kx:])

    def _per_row(self, columns, index, evaluate):
        """``evaluate(rows)`` (values per distinct row of ``columns``, from ``rows.values``) expanded to
        every row, as a Series on ``index`` (or an array without one)."""
        rows = self._distinct(*columns)
        return self._wrap(np.asarray(rows.expand(np.asarray(evaluate(rows), dtype=float)), dtype=float), index)

    @staticmethod
    def _wrap(values, index):
        return pd.Series(values, index=index) if index is not None else values


class CustomerPredictionResults(DistinctRowPredictions, PeriodResults, SavableResults, MLEResults):
    """Shared part of the BG/NBD and Pareto/NBD results: customer arguments default to the fitted data,
    every prediction can be evaluated at other ``params`` (e.g. draws for an interval), and
    :meth:`clv` values the expected purchases over a calendar horizon in the model's time unit."""

    #: whether E[Y(t) | x, t_x, T] = P(alive | x, t_x, T) x a part free of t_x (:mod:`.value` uses it)
    factorizes = False

    @checked(margin=MARGIN, annual_discount_rate=ANNUAL_RATE, horizon_months=HORIZON)
    def clv(self, spend, margin: float = 1.0, annual_discount_rate: float = 0.10, horizon_months: float = 12,
            time_unit=None, frequency=None, recency=None, T=None, monetary_value=None, params=None):
        """Discounted customer lifetime value over ``horizon_months`` (see :func:`discounted_sum`).

        The model's time unit (that of recency and T, taken from the summary it was fitted to; or
        ``time_unit`` for a model built from bare arrays) converts the calendar horizon into whole
        periods and ``annual_discount_rate`` into a rate per period (:mod:`relmkt_utils.core.time`).
        ``spend`` is a fitted Gamma-Gamma (its conditional expected spend for the customers'
        ``monetary_value``) or the expected spend per purchase (scalar or one per customer)."""
        unit = self._unit(time_unit, "clv")
        horizon = unit.whole_periods(months=horizon_months)
        rate = unit.rate_per_period(annual_discount_rate)
        x, tx, T_, idx = self._rft(frequency, recency, T)
        s = spend_per_purchase(spend, x, monetary_value)
        cum = self.cumulative_purchases(np.arange(1, horizon + 1, dtype=float), x, tx, T_, params=params)
        return self._wrap(discounted_sum(cum, s, margin, rate), idx)

    def cumulative_purchases(self, periods, frequency=None, recency=None, T=None, params=None) -> np.ndarray:
        """:meth:`expected_purchases` E[Y(t) | x, t_x, T] of every customer (rows) at every one of ``periods``
        (columns, in the model's time unit): the purchase paths a CLV discounts. Evaluated period by period
        here; a model whose formula broadcasts over t evaluates all periods at once."""
        x, tx, T_, _ = self._rft(frequency, recency, T)
        columns = [np.asarray(self.expected_purchases(float(k), x, tx, T_, params=params), dtype=float)
                   for k in np.asarray(periods, dtype=float).ravel()]
        return np.stack(columns, axis=-1) if columns else np.zeros((len(x), 0))

    def _rft(self, frequency, recency, T):
        m = self.model
        if frequency is None:
            if m is None:
                raise ValueError(f"{self.model_label}: these results carry no customer data (loaded or built "
                                 "without a model); pass frequency, recency and T")
            return m.frequency, m.recency, m.T, m.index
        x, tx, T_ = check_rft(frequency, recency, T, self.model_label)
        return x, tx, T_, index_of(frequency)


def spend_per_purchase(spend, frequency: np.ndarray, monetary_value=None) -> np.ndarray:
    """Expected spend per purchase of each customer: a fitted Gamma-Gamma's conditional expectation
    (for ``monetary_value``, or its own fitted customers), or ``spend`` itself broadcast (numbers >= 0)."""
    if hasattr(spend, "expected_spend"):
        if monetary_value is None:
            m = spend.model
            if m is None:
                raise ValueError("clv: the Gamma-Gamma results carry no customer data; pass monetary_value")
            if len(m.frequency) != len(frequency) or np.any(m.frequency != frequency):
                raise ValueError("clv: the Gamma-Gamma model was fitted on other customers; pass monetary_value")
            return np.asarray(spend.expected_spend(), dtype=float)
        return np.asarray(spend.expected_spend(frequency=frequency, monetary_value=monetary_value), dtype=float)
    numbers(0).check(spend, "spend")
    s = np.asarray(spend, dtype=float)
    if s.ndim and s.size not in (1, frequency.size):
        raise DataError(f"clv: spend has {s.size} values for {frequency.size} customers (give one, or one per customer)")
    return np.broadcast_to(s.ravel() if s.ndim else s, frequency.shape)
