"""Retention vs acquisition (维持老客户 / 吸引新客户): CLV, sBG retention, customer equity, allocation.

* CLV itself (both timing conventions, finite horizons, survival curves, a Monte Carlo check) is the
  suite's one implementation, :mod:`relmkt_utils.core.clv`, re-exported here for the notebooks;
* :mod:`.sbg` -- the shifted-beta-geometric model (Fader & Hardie 2007) with DEL/DERL (Fader & Hardie
  2010), and the naive constant-retention rival.
* :mod:`.equity` -- customer equity (Blattberg, Getz & Thomas 2001; Gupta, Lehmann & Stuart 2004),
  the value of a retention uplift, the CLV - CAC grid, break-even retention spend, relationship levels.
* :mod:`.allocation` -- Blattberg & Deighton's (1996) customer equity test: response curves, the
  optimal acquisition and retention spend, estimation from a spend table with intervals.
* :mod:`.bdw` -- the beta-discrete-Weibull (Fader, Hardie, Liu, Davin & Steenburgh 2018): the sBG with
  duration dependence, its retention-rate curve, DEL/DERL, and :func:`compare_with_sbg`.
* :mod:`.published` -- Fader & Hardie's (2007) cohorts and published sBG estimates;
* :mod:`.cohorts` -- survivors per acquisition cohort from a transaction log or from a dataset's
  cohorts table (``survivor_curves``); retention vs acquisition cost per channel.
* notebook 04's steps, one module each: :mod:`.projection` (a contract business's cohorts projected
  by every retention model), :mod:`.holdout` (the holdout check of pooled acquisition cohorts and the
  caution on values built on them), :mod:`.valuation` (closed-form examples; a purchase log's
  customers valued: CLV, customer equity, uplift, break-even spend), :mod:`.groups` (retention and CLV
  by relationship level, channel or segment), :mod:`.spending` (costs and the customer equity optimum
  of a spend table) and :mod:`.evidence` (the source material's popular figures);
* :mod:`.sbg_covariates` -- the sBG with time-invariant covariates (``dropout_a:``/``dropout_b:``
  coefficients, ridge penalty), from customers or from cohorts' survivor curves.
"""
from .allocation import (AllocationOptimum, average_and_marginal_costs, ResponseCurveResults, ResponseCurves, customer_equity_per_prospect,
                         equity_surface, fit_response_curves, optimal_acquisition_spend, optimal_retention_spend,
                         optimal_spend, retention_value, simulate_spend_table)
from . import published
from ..core.clv import clv, clv_from_survival, equivalent_retention, margin_multiplier, simulate_clv, survival_from_retention
from .bdw import (BdWResults, BetaDiscreteWeibull, bdw_churn_probability, bdw_del, bdw_derl, bdw_retention_rate,
                  bdw_survival, compare_with_sbg, simulate_bdw_survivors)
from .cohorts import (acquisition_cost, cohort_curve, cohort_survivors, constant_retention, fit_cohorts, fit_pooled, pooled_retention,
                      retention_by_group, retention_vs_acquisition_cost, revenue_per_alive_period, sbg_by_group,
                      survivor_curves, survivor_table)
from .equity import (break_even_retention_spend, clv_by_relationship_level, clv_cac_grid, cohort_discount_sum,
                     customer_equity, retention_uplift_value, steady_state_customers)
from . import evidence
from .groups import GroupSurvival, GroupValue, clv_by_group, survival_by_group
from .holdout import (HOLDOUT_FIT_THRESHOLD, Holdout, cohort_fit_table, pooled_fit, pooled_holdout, projection_caveat,
                      retention_over, tenure_retention, tenure_table)
from .projection import MODELS, CohortProjections, cohort_projections
from .spending import SpendingOptimum, cost_table, spending_optimum
from .valuation import (Basis, CustomerValue, Uplift, basis, monte_carlo_check, multiplier_grid, value_customers,
                        worked_example)
from .sbg_covariates import SBGCovariatesResults, ShiftedBetaGeometricCovariates
from .sbg import (GeometricResults, GeometricRetention, PooledShiftedBetaGeometric, SBGResults, ShiftedBetaGeometric,
                  compare_projections, sbg_churn_probability, sbg_del, sbg_derl, sbg_retention_rate, sbg_survival, simulate_survivors)

__all__ = [
    "published",
    "clv", "clv_from_survival", "margin_multiplier", "simulate_clv", "survival_from_retention", "equivalent_retention",
    "ShiftedBetaGeometric", "PooledShiftedBetaGeometric", "SBGResults", "GeometricRetention", "GeometricResults", "compare_projections",
    "sbg_survival", "sbg_churn_probability", "sbg_retention_rate", "sbg_del", "sbg_derl", "simulate_survivors",
    "customer_equity", "cohort_discount_sum", "steady_state_customers", "retention_uplift_value", "clv_cac_grid",
    "break_even_retention_spend", "clv_by_relationship_level",
    "ResponseCurves", "AllocationOptimum", "ResponseCurveResults", "customer_equity_per_prospect", "retention_value",
    "optimal_spend", "optimal_retention_spend", "optimal_acquisition_spend", "equity_surface",
    "simulate_spend_table", "fit_response_curves", "average_and_marginal_costs",
    "acquisition_cost", "cohort_survivors", "cohort_curve", "fit_cohorts", "fit_pooled", "sbg_by_group", "pooled_retention", "constant_retention",
    "retention_by_group", "retention_vs_acquisition_cost", "revenue_per_alive_period",
    "survivor_curves", "survivor_table",
    "evidence", "GroupSurvival", "GroupValue", "clv_by_group", "survival_by_group",
    "HOLDOUT_FIT_THRESHOLD", "Holdout", "cohort_fit_table", "pooled_fit", "pooled_holdout", "projection_caveat",
    "retention_over", "tenure_retention", "tenure_table",
    "MODELS", "CohortProjections", "cohort_projections", "SpendingOptimum", "cost_table", "spending_optimum",
    "Basis", "CustomerValue", "Uplift", "basis", "monte_carlo_check", "multiplier_grid", "value_customers",
    "worked_example",
    "BetaDiscreteWeibull", "BdWResults", "bdw_survival", "bdw_churn_probability", "bdw_retention_rate", "bdw_del",
    "bdw_derl", "simulate_bdw_survivors", "compare_with_sbg",
    "ShiftedBetaGeometricCovariates", "SBGCovariatesResults",
]
