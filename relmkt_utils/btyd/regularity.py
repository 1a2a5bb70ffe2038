r"""The regularity statistic of the BG/CNBD-k, MBG/CNBD-k and Pareto/GGG: each customer's sum of log
inter-purchase times.

Besides recency and frequency, models with gamma (Erlang) inter-purchase times need one more summary
statistic, :math:`\ell = \sum_{i=1}^{x} \log(t_i - t_{i-1})` over the :math:`x` repeat purchases at
:math:`t_1 < \dots < t_x` after the first at :math:`t_0` (BTYDplus' ``litt``, computed by ``elog2cbs``;
Platzer & Reutterer 2016, *Marketing Science* 35(5), eq. 4): the likelihood of gamma inter-purchase
times depends on the times only through :math:`x`, :math:`t_x` and :math:`\ell`.

:func:`regularity_summary` computes it with the conventions of :func:`relmkt_utils.btyd.rfm_summary`
(purchases of one ``freq`` period merged into one, times in periods divided by ``freq_multiplier``,
the calibration period up to ``calibration_end``), so its rows line up with the RFM summary's: for
CDNOW's "weeks measured in days" use ``freq="D", freq_multiplier=7``, the time unit of BTYDplus's CDNOW
examples. :math:`\ell` is 0 for customers without a repeat purchase.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.errors import DataError
from .summary import _customer_periods, _days, _factorize_sorted, _period_codes, _scalar_day, check_options


def regularity_summary(transactions: pd.DataFrame, observation_end=None, freq: str = "D", calibration_end=None,
                       customer_col: str = "customer_id", date_col: str = "date",
                       freq_multiplier: float = 1) -> pd.DataFrame:
    """One row per customer (index ``customer_id``, sorted, the customers of :func:`rfm_summary` with the
    same arguments) with ``litt``, the sum of the logs of the inter-purchase times up to ``calibration_end``
    (or ``observation_end``, default the last date of the log), in periods of ``freq`` divided by
    ``freq_multiplier``."""
    check_options(freq, freq_multiplier)
    missing = [c for c in (customer_col, date_col) if c not in transactions.columns]
    if missing:
        raise DataError(f"regularity_summary: transactions has no column(s) {missing}")
    days = _days(transactions[date_col])
    if days.size == 0:
        raise DataError("regularity_summary: the transaction log is empty")
    codes, uniques = _factorize_sorted(transactions[customer_col], customer_col)
    end = calibration_end if calibration_end is not None else observation_end
    end_day = int(days.max()) if end is None else _scalar_day(end, "calibration_end" if calibration_end is not None
                                                                else "observation_end")
    keep = days <= end_day
    if not keep.any():
        raise DataError("regularity_summary: no transaction on or before the end of the period")
    cust, period, _ = _customer_periods(codes[keep], _period_codes(days[keep], freq), None)
    same = cust[1:] == cust[:-1]
    gaps = (period[1:] - period[:-1])[same] / float(freq_multiplier)
    n = len(uniques)
    litt = np.bincount(cust[1:][same], weights=np.log(gaps), minlength=n)
    present = np.bincount(cust, minlength=n) > 0
    return pd.DataFrame({"litt": litt[present]}, index=uniques[present])
