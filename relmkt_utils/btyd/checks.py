"""Model-checking tables for fitted BTYD models (the figures of Fader, Hardie & Lee 2005).

Every function returns a tidy DataFrame; ``relmkt_utils.plots.btyd`` draws them. The fitted model must
be in the same time unit as ``freq`` (weeks for ``"W"``, days for ``"D"``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.errors import DataError, ParameterError

from .summary import FREQS, _customer_periods, _days, _period_codes, _period_start, _runs, _scalar_day


def repeat_transactions_over_time(transactions: pd.DataFrame, results, freq: str = "W", observation_end=None,
                                  calibration_end=None, customer_col: str = "customer_id",
                                  date_col: str = "date", freq_multiplier: int = 1) -> pd.DataFrame:
    r"""Actual vs expected repeat transactions, period by period (FHL 2005, Figures 2 and 3).

    Purchases are cut to periods of ``freq`` and merged within a period, as in :func:`rfm_summary`;
    a customer's first period is her birth period :math:`b_i` and her later periods are repeat
    transactions. By period :math:`k` (counted from the first period of the log; a customer born in
    period :math:`b_i` then has :math:`T = k - b_i`, as in :func:`rfm_summary`) the model
    expects :math:`\sum_i E[X(k - b_i)]` cumulative repeat transactions, with :math:`E[X(t)]` the
    unconditional expectation for a new customer (``results.expected_purchases_new_customer``),
    summed over all customers born by then.

    With ``freq_multiplier`` :math:`m` (as in :func:`rfm_summary`) the model's time unit is :math:`m`
    periods: the expectation is evaluated at :math:`(k - b_i)/m` and the rows are blocks of :math:`m`
    periods (``freq="D", freq_multiplier=7``: weeks of the log, counted from its first day, as in the paper).

    Returns one row per period or block (index ``period``: its start date) with columns ``k``
    (periods since the first), ``actual``, ``model`` (incremental), ``actual_cum``, ``model_cum``
    and ``calibration`` (True for periods on or before ``calibration_end``).
    """
    if freq not in FREQS:
        raise ParameterError(f"repeat_transactions_over_time: freq must be one of {FREQS}")
    if int(freq_multiplier) != freq_multiplier or freq_multiplier < 1:
        raise ParameterError(f"repeat_transactions_over_time: freq_multiplier must be a whole number >= 1, got {freq_multiplier!r}")
    m = int(freq_multiplier)
    days = _days(transactions[date_col])
    codes, _ = pd.factorize(transactions[customer_col])
    period = _period_codes(days, freq)
    end_day = int(days.max()) if observation_end is None else _scalar_day(observation_end)
    end_p = _period_codes(np.array([end_day]), freq)[0]
    keep = period <= end_p
    c, p, _ = _customer_periods(codes[keep], period[keep], None)
    starts = _runs(c)
    is_first = np.zeros(c.size, dtype=bool)
    is_first[starts] = True
    p0 = int(p.min())
    K = int(end_p - p0) + 1
    actual = np.bincount(p[~is_first] - p0, minlength=K)[:K].astype(float)
    births = np.bincount(p[starts] - p0, minlength=K)[:K].astype(float)
    k = np.arange(K)
    # cumulative expectation at the end of period k: sum_b n_b E[X(k - b)]
    ex = np.asarray(results.expected_purchases_new_customer(k.astype(float) / m), dtype=float)
    model_cum = np.convolve(births, ex)[:K]
    actual_cum = np.cumsum(actual)
    ends = np.unique(np.r_[np.arange(m - 1, K, m), K - 1])  # last period of each block (the last may be shorter)
    block_starts = np.r_[0, ends[:-1] + 1]
    out = pd.DataFrame({
        "k": np.arange(ends.size),
        "actual": np.diff(np.r_[0.0, actual_cum[ends]]),
        "model": np.diff(np.r_[0.0, model_cum[ends]]),
        "actual_cum": actual_cum[ends],
        "model_cum": model_cum[ends],
    }, index=pd.DatetimeIndex([_period_start(p0 + i, freq) for i in block_starts], name="period"))
    if calibration_end is not None:
        cal_p = _period_codes(np.array([_scalar_day(calibration_end)]), freq)[0]
        out["calibration"] = (p0 + ends) <= cal_p
    else:
        out["calibration"] = True
    return out


def calibration_vs_holdout(summary: pd.DataFrame, results, max_frequency: int = 7) -> pd.DataFrame:
    r"""Mean holdout purchases by calibration frequency: actual vs the model's conditional expectation
    :math:`E[Y(t^*) \mid x, t_x, T]` with :math:`t^*` = ``duration_holdout`` (FHL 2005, Figure 4).

    ``summary`` is :func:`rfm_summary` with ``calibration_end`` (columns frequency, recency, T,
    frequency_holdout, duration_holdout). Frequencies above ``max_frequency`` are pooled into one row
    labelled ``max_frequency`` (read it as "max_frequency or more").

    Returns index ``frequency`` with ``n_customers``, ``actual`` and ``model``."""
    need = {"frequency", "recency", "T", "frequency_holdout", "duration_holdout"}
    if not need <= set(summary.columns):
        raise DataError(f"calibration_vs_holdout: summary lacks columns {sorted(need - set(summary.columns))}")
    t_star = summary["duration_holdout"].to_numpy(float)
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    expected = np.empty(len(summary))
    for t in np.unique(t_star):
        sel = t_star == t
        expected[sel] = np.asarray(results.expected_purchases(t, x[sel], tx[sel], T[sel]), dtype=float)
    group = np.minimum(x, max_frequency).astype(int)
    df = pd.DataFrame({"frequency": group, "actual": summary["frequency_holdout"].to_numpy(float), "model": expected})
    out = df.groupby("frequency").agg(n_customers=("actual", "size"), actual=("actual", "mean"), model=("model", "mean"))
    return out


def p_alive_matrix(results, T: float, max_frequency: int | None = None, max_recency: float | None = None) -> pd.DataFrame:
    """P(alive) for every whole frequency 0..max_frequency (rows) and recency 0..max_recency (columns)
    of a customer observed for ``T`` periods. Cells with frequency 0 and recency > 0 cannot occur and are NaN."""
    return _matrix(lambda x, tx, TT: results.p_alive(x, tx, TT), results, T, max_frequency, max_recency)


def expected_purchases_matrix(results, t: float, T: float, max_frequency: int | None = None,
                              max_recency: float | None = None) -> pd.DataFrame:
    """Conditional expected purchases in the next ``t`` periods over the frequency x recency grid
    (rows frequency, columns recency) for customers observed for ``T`` periods."""
    return _matrix(lambda x, tx, TT: results.expected_purchases(t, x, tx, TT), results, T, max_frequency, max_recency)


def _matrix(fn, results, T, max_frequency, max_recency):
    T = float(T)
    if max_frequency is None:
        max_frequency = int(max(1, np.quantile(results.model.frequency, 0.99)))
    if max_recency is None:
        max_recency = T
    rec = np.arange(0, int(np.floor(min(max_recency, T))) + 1, dtype=float)
    freqs = np.arange(0, int(max_frequency) + 1, dtype=float)
    X, R = np.meshgrid(freqs, rec, indexing="ij")
    valid = ~((X == 0) & (R > 0))
    vals = np.full(X.shape, np.nan)
    vals[valid] = np.asarray(fn(X[valid], R[valid], np.full(valid.sum(), T)), dtype=float)
    return pd.DataFrame(vals, index=pd.Index(freqs.astype(int), name="frequency"), columns=pd.Index(rec, name="recency"))


def p_alive_summary(p_alive, frequency) -> dict:
    """Mean P(alive) read with its caveat: under the BG/NBD a customer without a repeat purchase is
    alive with probability 1 (she can only drop out right after a repeat purchase), so the mean over
    all customers is pulled up by the one-time buyers. Returns the mean over all customers, over the
    repeat buyers, and the share of customers without a repeat purchase."""
    p = np.asarray(p_alive, dtype=float)
    x = np.asarray(frequency, dtype=float)
    repeat = x > 0
    return {"p_alive_mean": float(p.mean()),
            "p_alive_mean_repeat_buyers": float(p[repeat].mean()) if repeat.any() else float("nan"),
            "one_time_buyer_share": float(1 - repeat.mean())}
