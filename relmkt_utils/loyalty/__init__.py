"""Loyalty measurement (客户忠诚度): behavioural and attitudinal loyalty, revenue concentration,
survival of customers.

* :mod:`.concentration` — Lorenz curve, Gini, top-p share (80/20 rule) and published Pareto ratios;
* :mod:`.behaviour` — repeat-purchase rate, inter-purchase times, RFM, cohort retention;
* :mod:`.survival` — time to dropout (the lapse rule of :mod:`relmkt_utils.core.durations`), Kaplan-Meier
  by group, log-rank test;
* :mod:`.nps` — Net Promoter Score with CI, bootstrap, group comparisons;
* :mod:`.attitude` — Dick & Basu (1994) attitude x patronage matrix.
"""
from .attitude import CELLS as DICK_BASU_CELLS
from .attitude import DickBasuResult, dick_basu_cell, dick_basu_matrix, loyalty_index
from .behaviour import (
    RFM_SEGMENT_RULES,
    CohortTable,
    RepeatRate,
    cohort_retention,
    inter_purchase_times,
    quantile_score,
    repeat_purchase_rate,
    rfm_scores,
    rfm_segment_table,
    rfm_segment,
)
from .concentration import (
    PUBLISHED_PARETO_RATIOS,
    customer_revenue,
    gini,
    lorenz_curve,
    pareto_comparison,
    top_share,
)

from .nps import (
    ChiSquareResult,
    GroupNPS,
    NPSDifference,
    NPSResult,
    nps,
    nps_bootstrap,
    nps_interval_check,
    nps_by_group,
    nps_category,
    nps_chi2_test,
    nps_difference_test,
    nps_groups,
    nps_from_counts,
)
from .survival import KaplanMeier, LogRankResult, kaplan_meier, logrank_test, survival_at, survival_estimate, survival_horizon, time_to_dropout

__all__ = [
    "DICK_BASU_CELLS", "DickBasuResult", "dick_basu_cell", "dick_basu_matrix", "loyalty_index",
    "RFM_SEGMENT_RULES", "CohortTable", "RepeatRate", "cohort_retention", "inter_purchase_times",
    "quantile_score", "repeat_purchase_rate", "rfm_scores", "rfm_segment", "rfm_segment_table",
    "PUBLISHED_PARETO_RATIOS", "customer_revenue", "gini", "lorenz_curve", "pareto_comparison",
    "top_share",
    "ChiSquareResult", "GroupNPS", "NPSDifference", "NPSResult", "nps", "nps_bootstrap", "nps_interval_check",
    "nps_by_group", "nps_category", "nps_chi2_test", "nps_difference_test", "nps_from_counts", "nps_groups",
    "KaplanMeier", "LogRankResult", "kaplan_meier", "logrank_test", "survival_at", "survival_estimate", "survival_horizon", "time_to_dropout",
]
