"""Buy-till-you-die (BTYD) models of customer-base analysis (客户存活与购买次数模型).

* :func:`rfm_summary` — transaction log to (frequency, recency, T, monetary_value) per customer,
  with Lifetimes 0.11.3's conventions, vectorized; from a DataFrame, Parquet/CSV files (DuckDB, out of
  core) or a Spark DataFrame (:mod:`.engines`), and :func:`compress_summary` (distinct rows + weights).
  The summary records its period (``attrs``: ``freq``, ``freq_multiplier``, ``time_unit``), and models
  built from it keep it, so no prediction needs a time unit of its own (:mod:`.base`);
* :class:`BetaGeo` (BG/NBD), :class:`ParetoNBD`, :class:`GammaGamma` — statsmodels-style models whose
  ``fit()`` returns results (``params``, ``bse``, ``conf_int()``, ``llf``, ``aic``, ``summary()``) with
  the predictions: ``expected_purchases``, ``p_alive``, ``expected_purchases_new_customer``,
  ``expected_spend``, ``clv`` (calendar horizon, annual discount rate), each also at given ``params``;
* :class:`ModifiedBetaGeo` (MBG/NBD, Batislam et al. 2007) and :class:`BetaGeoBetaBinom` (BG/BB, discrete
  opportunities, Fader, Hardie & Shang 2010); every model's results also give ``pmf``, ``conditional_pmf``
  and ``dert`` (:mod:`.distributions`), and ``save(path)`` / :func:`load_results` (:mod:`.persistence`);
* :class:`BetaGeoCovariates` and :class:`ParetoNBDCovariates` (time-invariant covariates, Fader & Hardie
  2007), likelihood-ratio tests :func:`lr_test` and :func:`segment_lr_test` (:mod:`.covariates`), and
  :func:`customer_value`: each customer's P(alive), expected purchases, spend and CLV with an interval (:mod:`.value`);
* simulators with seeds (:mod:`.simulate`) and model-checking tables (:mod:`.checks`: tracking, calibration vs
  holdout, period-transactions histogram with its chi-square, tracking MAPE, P(alive) history, the
  Gamma-Gamma independence check);
* the published CDNOW fits and a side-by-side comparison (:mod:`.published`);
* models for regular buyers and age-dependent dropout (issue 26): :class:`BetaGeoCNBD` and
  :class:`ModifiedBetaGeoCNBD` (Erlang-k inter-purchase times, :mod:`.cnbd`), :class:`ParetoGGG` (gamma
  inter-purchase times with varying regularity, Gibbs sampler, :mod:`.paretoggg`), :class:`GammaGompertzNBD`
  (Gompertz lifetimes, :mod:`.ggomnbd`), with :func:`regularity_summary` for their ``litt`` statistic;
* fits at a boundary of the parameter space (:mod:`.boundary`): :class:`NBD` (Poisson-gamma purchases without
  dropout, :mod:`.nbd`), the model the latent-attrition models reduce to when the data show no dropout;
  :func:`dropout_check` says whether a fit ends at that edge and which model scores the customers, with the
  boundary likelihood-ratio test :func:`boundary_lr_test` (Self & Liang 1987);

* time-varying covariates (issue 26): :class:`TimeVaryingPanel` / :func:`time_varying_panel`
  (:mod:`.covariate_panel`) and :class:`ParetoNBDTimeVarying`, :class:`BetaGeoTimeVarying` with
  :func:`simulate_time_varying` (:mod:`.timevarying`, Bachmann, Meierer & Naef 2021);
* covariates for the Gamma-Gamma (:class:`GammaGammaCovariates`, :mod:`.spend_covariates`) and the BG/BB
  (:class:`BetaGeoBetaBinomCovariates`, :mod:`.bgbb_covariates`); CLVTools' ridge penalties
  (:func:`fit_penalized`, :func:`choose_penalty`, :mod:`.regularized`); many small segments pooled by a
  penalized random effect (:func:`segment_fit`, :class:`PooledSegments`, :mod:`.segments`); correlated
  purchase and dropout rates (:class:`ParetoNBDCorrelated`, :mod:`.correlated`, CLVTools' ``use.cor``).

Every model registers itself when it is defined (:mod:`.registry`); ``MODELS``, ``NAMES`` and ``DISCRETE``
(:mod:`.choose`) are views of that registry. :class:`Registered` is the base of a registered model (the
retention package's beta-discrete-Weibull registers itself too, so that its saved results load).
"""
from . import boundary, published, workflow
from .boundary import BoundaryLRTest, DropoutCheck, boundary_lr_test, dropout_check
from .bgbb import BetaGeoBetaBinom, BetaGeoBetaBinomResults, simulate_bgbb
from .bgnbd import BetaGeo, BetaGeoResults
from .checks import (calibration_vs_holdout, chi_square_fit, expected_purchases_matrix, model_check_summary,
                     p_alive_history, p_alive_matrix, p_alive_summary, period_transactions,
                     repeat_transactions_over_time, spend_frequency_check, tracking_mape)
from .choose import DISCRETE, MODELS, NAMES, check_model, fit_model
from .cnbd import BetaGeoCNBD, BetaGeoCNBDResults, ModifiedBetaGeoCNBD, ModifiedBetaGeoCNBDResults, simulate_cnbd
from .covariates import (BetaGeoCovariates, BetaGeoCovariatesResults, LRTest, ParetoNBDCovariates,
                         ParetoNBDCovariatesResults, SegmentLRTest, lr_test, segment_lr_test, simulate_with_covariates)
from .gammagamma import GammaGamma, GammaGammaResults
from .ggomnbd import GammaGompertzNBD, GammaGompertzNBDResults, simulate_ggomnbd
from .mbgnbd import ModifiedBetaGeo, ModifiedBetaGeoResults, simulate_mbgnbd
from .nbd import NBD, NBDResults
from .options import ENGINES
from .paretoggg import ParetoGGG, ParetoGGGResults, simulate_paretoggg
from .paretonbd import ParetoNBD, ParetoNBDResults
from .persistence import SavableResults, load_results
from .registry import REGISTRY, Registered
from .regularity import regularity_summary
from .simulate import simulate_bgnbd, simulate_gammagamma, simulate_nbd, simulate_paretonbd, simulate_transactions
from .summary import calibration_end, compress_summary, rfm_summary
from .value import customer_value
from .covariate_panel import TimeVaryingPanel, time_varying_panel
from .timevarying import (BetaGeoTimeVarying, BetaGeoTimeVaryingResults, ParetoNBDTimeVarying,
                          ParetoNBDTimeVaryingResults, simulate_time_varying)
from .spend_covariates import GammaGammaCovariates, GammaGammaCovariatesResults
from .bgbb_covariates import BetaGeoBetaBinomCovariates, BetaGeoBetaBinomCovariatesResults
from .regularized import choose_penalty, default_grid, fit_penalized
from .segments import PooledSegments, PooledSegmentsResults, segment_fit, separate_fits
from .correlated import ParetoNBDCorrelated, ParetoNBDCorrelatedResults, simulate_correlated

__all__ = [
    "BetaGeoBetaBinom", "BetaGeoBetaBinomResults", "simulate_bgbb", "ModifiedBetaGeo", "ModifiedBetaGeoResults",
    "simulate_mbgnbd", "load_results", "DISCRETE", "MODELS", "NAMES", "REGISTRY", "Registered", "check_model", "fit_model",
    "rfm_summary", "compress_summary", "ENGINES", "calibration_end", "p_alive_summary",
    "BetaGeo", "BetaGeoResults", "ParetoNBD", "ParetoNBDResults", "GammaGamma", "GammaGammaResults",
    "simulate_bgnbd", "simulate_paretonbd", "simulate_gammagamma", "simulate_transactions",
    "published", "repeat_transactions_over_time", "calibration_vs_holdout", "p_alive_matrix", "expected_purchases_matrix",
    "BetaGeoCovariates", "BetaGeoCovariatesResults", "ParetoNBDCovariates", "ParetoNBDCovariatesResults",
    "simulate_with_covariates", "lr_test", "segment_lr_test", "LRTest", "SegmentLRTest", "customer_value",
    "period_transactions", "chi_square_fit", "tracking_mape", "model_check_summary", "p_alive_history",
    "spend_frequency_check", "workflow",
    "BetaGeoCNBD", "BetaGeoCNBDResults", "ModifiedBetaGeoCNBD", "ModifiedBetaGeoCNBDResults", "simulate_cnbd",
    "regularity_summary", "SavableResults", "ParetoGGG", "ParetoGGGResults", "simulate_paretoggg",
    "GammaGompertzNBD", "GammaGompertzNBDResults", "simulate_ggomnbd",
    "NBD", "NBDResults", "simulate_nbd",
    "boundary", "BoundaryLRTest", "DropoutCheck", "boundary_lr_test", "dropout_check",
    "TimeVaryingPanel", "time_varying_panel", "ParetoNBDTimeVarying", "ParetoNBDTimeVaryingResults",
    "BetaGeoTimeVarying", "BetaGeoTimeVaryingResults", "simulate_time_varying",
    "GammaGammaCovariates", "GammaGammaCovariatesResults", "BetaGeoBetaBinomCovariates",
    "BetaGeoBetaBinomCovariatesResults", "fit_penalized", "choose_penalty", "default_grid", "PooledSegments",
    "PooledSegmentsResults", "segment_fit", "separate_fits", "ParetoNBDCorrelated", "ParetoNBDCorrelatedResults",
    "simulate_correlated",
]
