r"""Durations to dropout: the one definition of customer churn (客户流失) behind every survival analysis.

In a non-contractual business nobody announces that they have left; dropout is *defined* from the
purchase history by an inactivity window of :math:`W` days (``inactivity_days``), the "lapse" rule
of retail customer management:

* a customer is **active** from her start (acquisition, first purchase or a survey answer, see
  ``origin``) as long as she has a sign of life (a purchase, or the start itself) in the last W days;
* she **drops out (lapses)** the first time W days pass without one: at :math:`L + W`, with
  :math:`L` the last sign of life before that gap. A one-time buyer lapses W days after her only
  purchase, so every survival curve starts at 1 and nobody "drops out at day 0";
* a customer still within W days of a sign of life at the observation end :math:`T_{end}` has not
  lapsed: she is **right-censored** at :math:`T_{end}`. Her lapse, if it comes, is later than
  :math:`T_{end}`.

The lapse time is decided by the history up to it (a stopping time), so censoring at the
observation end is non-informative and the Kaplan-Meier estimator and the Cox model apply as they
are. A customer who lapsed and bought again later counts as lapsed at her first lapse; the share
of such returns is reported (``won_back``), so the reader can judge the window. A longer window
means fewer false dropouts and fewer observed events.

The duration is :math:`\min(L + W, T_{end}) - \text{start}`, in the requested time unit.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .checks import TEXT, checked, dataframe, instance, number
from .errors import ParameterError
from .purchases import CUSTOMER, DATE, NAT, day_log, day_numbers, end_day, to_datetime_days
from .time import time_unit


@checked(inactivity_days=number(0, low_open=True))
def rule_sentence(inactivity_days: float) -> str:
    """The dropout rule in one sentence, for the reports.

    Parameters
    ----------
    inactivity_days : float
        days without a sign of life after which a customer has dropped out, > 0.
    """
    w = f"{inactivity_days:g}"
    return (f"A customer drops out (lapses) once {w} days pass without a purchase; the dropout date is the "
            f"last purchase before that gap plus {w} days, so a one-time buyer drops out {w} days after her "
            f"only purchase. Customers with a purchase in the last {w} days of the data are still active "
            f"(censored at the end of the data).")


@checked(transactions=dataframe(),
         origin=instance(pd.Series, none=True, text='a pandas Series of dates by customer'),
         inactivity_days=number(0, low_open=True), customer_col=TEXT, date_col=TEXT)
def durations(
    transactions: pd.DataFrame,
    origin: pd.Series | None = None,
    observation_end=None,
    inactivity_days: float = 180,
    unit="day",
    customer_col: str = CUSTOMER,
    date_col: str = DATE,
) -> pd.DataFrame:
    """Duration to dropout of every customer under the lapse rule (module docstring).

    Parameters
    ----------
    transactions : DataFrame
        customer_id, date (amounts are not used).
    origin : Series or None, default None
        customer id -> start date (acquisition, survey date, ...). Only these customers are returned, and
        only their activity on or after the start counts; the start itself is a sign of life. Default:
        every buyer, starting at the first purchase.
    observation_end : date-like or None, default None
        end of observation (default: the last transaction date); later rows are ignored.
    inactivity_days : float, default 180
        W, days without a sign of life after which a customer has dropped out, > 0.
    unit : str or TimeUnit, default 'day'
        time unit of ``duration`` (``"day"``, ``"week"``, ... or a :class:`~relmkt_utils.core.time.TimeUnit`).
    customer_col : str, default 'customer_id'
        name of the customer-id column.
    date_col : str, default 'date'
        name of the date column.

    Returns
    -------
    DataFrame indexed by customer id with ``start``, ``last_activity`` (last sign of life before the
    lapse, or before the end), ``end`` (lapse date or observation end), ``duration`` (in ``unit``),
    ``dropped`` (1 = lapsed, 0 = censored), ``won_back`` (1 = bought again after lapsing) and
    ``active_at_end`` (1 = a sign of life in the last W days of the data: a current customer, whether
    or not she lapsed before).
    ``attrs`` hold the rule, the unit and the observation end.
    """
    if not (np.isfinite(inactivity_days) and inactivity_days > 0):
        raise ParameterError(f"inactivity_days must be a positive number of days, got {inactivity_days!r}")
    u = time_unit(unit)
    log = day_log(transactions, customer_col, date_col)
    end = end_day(log, observation_end) if observation_end is not None or len(log) else None
    if end is None:
        raise ParameterError("observation_end is needed when there are no transactions")
    log = log.until(end)
    code, day = log.code.astype("int64"), log.day.astype("int64")
    ids = log.ids
    if origin is None:
        st = log.starts()
        start = pd.Series(day[st], index=pd.Index(ids[code[st]], name=CUSTOMER))
    else:
        o = pd.Series(day_numbers(pd.Series(origin)), index=pd.Index(pd.Series(origin).index, name=CUSTOMER))
        o = o[(o != NAT) & ~o.index.duplicated(keep="first")]
        start = o[o <= end]
    start = start.sort_index()
    # activity: purchase days on or after the customer's start, plus the start itself
    pos = pd.Index(start.index).get_indexer(ids)
    cust = pos[code]
    keep = cust >= 0
    cust, day = cust[keep], day[keep]
    keep = day >= start.to_numpy()[cust]
    cust = np.r_[cust[keep], np.arange(start.size)]
    day = np.r_[day[keep], start.to_numpy()]
    order = np.lexsort((day, cust))
    cust, day = cust[order], day[order]
    first = np.r_[True, (cust[1:] != cust[:-1]) | (day[1:] != day[:-1])]
    cust, day = cust[first], day[first]                   # distinct (customer, day), sorted
    last_of = np.r_[cust[1:] != cust[:-1], True]
    nxt = np.where(last_of, end, np.r_[day[1:], 0])        # next sign of life, or the observation end
    lapse = (nxt - day) > inactivity_days
    n = start.size
    big = np.iinfo("int64").max
    # first lapse per customer: the smallest row index with a lapse
    idx = np.where(lapse, np.arange(day.size), big)
    first_lapse = np.full(n, big)
    np.minimum.at(first_lapse, cust, idx)
    dropped = first_lapse != big
    last_row = np.flatnonzero(last_of)                     # one per customer, in customer order
    row = np.where(dropped, first_lapse, last_row)
    last_activity = day[row]
    stop = np.where(dropped, last_activity + inactivity_days, end).astype(float)
    # bought again after the lapse: a sign of life later than the lapse date
    won_back = dropped & (day[last_row] > last_activity)
    active_at_end = (end - day[last_row]) <= inactivity_days
    s = start.to_numpy()
    out = pd.DataFrame({
        "start": to_datetime_days(s),
        "last_activity": to_datetime_days(last_activity),
        "end": to_datetime_days(np.floor(stop).astype("int64")),
        "duration": (stop - s) / u.days,
        "dropped": dropped.astype("int64"),
        "won_back": won_back.astype("int64"),
        "active_at_end": active_at_end.astype("int64"),
    }, index=start.index)
    out.attrs.update(rule=rule_sentence(inactivity_days), inactivity_days=float(inactivity_days), unit=u.name,
                     observation_end=pd.Timestamp(np.datetime64(int(end), "D")))
    return out
