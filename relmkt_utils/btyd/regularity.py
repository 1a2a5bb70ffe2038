r"""The regularity statistic of the BG/CNBD-k, MBG/CNBD-k and Pareto/GGG: each customer's sum of log
inter-purchase times.

Besides recency and frequency, models with gamma (Erlang) inter-purchase times need one more summary
statistic, :math:`\ell = \sum_{i=1}^{x} \log(t_i - t_{i-1})` over the :math:`x` repeat purchases at
:math:`t_1 < \dots < t_x` after the first at :math:`t_0` (BTYDplus' ``litt``, computed by ``elog2cbs``;
Platzer & Reutterer 2016, *Marketing Science* 35(5), eq. 4): the likelihood of gamma inter-purchase
times depends on the times only through :math:`x`, :math:`t_x` and :math:`\ell`.

:func:`regularity_summary` computes it with the conventions of :func:`relmkt_utils.btyd.rfm_summary`
(the same options, checked by :class:`.options.SummaryOptions`: purchases of one ``freq`` period merged
into one, times in periods divided by ``freq_multiplier``, the calibration period up to
``calibration_end``, dates by the suite's day rule), so its rows line up with the RFM summary's: for
CDNOW's "weeks measured in days" use ``freq="D", freq_multiplier=7``, the time unit of BTYDplus's CDNOW
examples. :math:`\ell` is 0 for customers without a repeat purchase. Like the RFM summary it records its
period in ``attrs``, so a model given its ``litt`` checks that it is in the unit of recency and T.
"""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

from ..core.errors import DataError
from .numpy_engine import _factorize_sorted, customer_periods, log_days
from .options import SummaryOptions


def regularity_summary(transactions: pd.DataFrame, observation_end=None, freq: str = "W", calibration_end=None,
                       customer_col: str = "customer_id", date_col: str = "date",
                       freq_multiplier: float = 1) -> pd.DataFrame:
    """One row per customer (index ``customer_id``, sorted, the customers of :func:`rfm_summary` with the
    same arguments) with ``litt``, the sum of the logs of the inter-purchase times up to ``calibration_end``
    (or ``observation_end``, default the last date of the log), in periods of ``freq`` divided by
    ``freq_multiplier``; the period is recorded in ``attrs`` as :func:`rfm_summary` records it.

    Parameters
    ----------
    transactions : a pandas DataFrame with a customer column and a date column (the log of :func:`rfm_summary`).
    observation_end : date, optional; default the last date of the log.
    freq : ``"D"`` or ``"W"``, the periods purchases are merged in (as :func:`rfm_summary`).
    calibration_end : date, optional; only purchases on or before it count.
    customer_col, date_col : the log's column names.
    freq_multiplier : positive number of ``freq`` periods per time unit of the output.
    """
    if not isinstance(transactions, pd.DataFrame):
        raise DataError(f"regularity_summary: transactions must be a pandas DataFrame, got {type(transactions).__name__}")
    o = SummaryOptions.of(freq=freq, freq_multiplier=freq_multiplier, observation_end=observation_end,
                          calibration_end=calibration_end, customer_col=customer_col, date_col=date_col,
                          amount_col=None)
    missing = [c for c in o.columns if c not in transactions.columns]
    if missing:
        raise DataError(f"regularity_summary: transactions has no column(s) {missing}")
    days = log_days(transactions[o.date_col])
    if days.size == 0:
        raise DataError("regularity_summary: the transaction log is empty")
    codes, uniques, order = _factorize_sorted(transactions[o.customer_col], o.customer_col, days)
    if order is not None:                                   # the rows by customer, then day
        days = days[order]
    end = o.calibration_end if o.calibration_end is not None else o.observation_end
    keep = days <= (int(days.max()) if end is None else end)
    if not keep.any():
        raise DataError("regularity_summary: no transaction on or before the end of the period")
    cust, period, _ = customer_periods(codes[keep], o.period.codes(days[keep]), None)
    same = cust[1:] == cust[:-1]
    gaps = (period[1:] - period[:-1])[same] / float(o.multiplier)
    n = len(uniques)
    litt = np.bincount(cust[1:][same], weights=np.log(gaps), minlength=n)
    present = np.bincount(cust, minlength=n) > 0
    return o.stamp(pd.DataFrame({"litt": litt[present]}, index=uniques[present]))


def takes_litt(results) -> bool:
    """Whether a model's predictions use each customer's inter-purchase times (``litt``), not only
    (x, t_x, T): the Pareto/GGG's posterior draws do; the CNBD-k models need litt only to fit k. Such a
    model has no P(alive) matrix by frequency and recency, and its predictions take ``litt=``."""
    return "litt" in inspect.signature(results.expected_purchases).parameters
