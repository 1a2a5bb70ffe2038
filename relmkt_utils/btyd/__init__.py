"""Buy-till-you-die (BTYD) models of customer-base analysis (客户存活与购买次数模型).

* :func:`rfm_summary` — transaction log to (frequency, recency, T, monetary_value) per customer,
  with Lifetimes 0.11.3's conventions, vectorized;
* :class:`BetaGeo` (BG/NBD), :class:`ParetoNBD`, :class:`GammaGamma` — statsmodels-style models whose
  ``fit()`` returns results (``params``, ``bse``, ``conf_int()``, ``llf``, ``aic``, ``summary()``) with
  the predictions: ``expected_purchases``, ``p_alive``, ``expected_purchases_new_customer``,
  ``expected_spend``, ``clv`` (calendar horizon, annual discount rate), each also at given ``params``;
* simulators with seeds (:mod:`.simulate`) and model-checking tables (:mod:`.checks`);
* the published CDNOW fits and a side-by-side comparison (:mod:`.published`).
"""
from . import published
from .bgnbd import BetaGeo, BetaGeoResults
from .checks import (calibration_vs_holdout, expected_purchases_matrix, p_alive_matrix, p_alive_summary,
                     repeat_transactions_over_time)
from .gammagamma import GammaGamma, GammaGammaResults
from .paretonbd import ParetoNBD, ParetoNBDResults
from .simulate import simulate_bgnbd, simulate_gammagamma, simulate_paretonbd, simulate_transactions
from .summary import calibration_end, rfm_summary

__all__ = [
    "rfm_summary", "calibration_end", "p_alive_summary",
    "BetaGeo", "BetaGeoResults", "ParetoNBD", "ParetoNBDResults", "GammaGamma", "GammaGammaResults",
    "simulate_bgnbd", "simulate_paretonbd", "simulate_gammagamma", "simulate_transactions",
    "published", "repeat_transactions_over_time", "calibration_vs_holdout", "p_alive_matrix", "expected_purchases_matrix",
]
