"""Customer delivered value (客户让渡价值): measurement, drivers, choice and behaviour.

Kotler's customer delivered value = total customer value (product, service, personnel, image)
minus total customer cost (monetary, time, energy, psychic). The modules answer four questions:

* ``reliability``: are the survey's Likert scales reliable? (Cronbach's alpha with Feldt CI, item analysis)
* ``scores``: construct scores, total value, total cost and the delivered-value index (scaling documented there)
* ``drivers``: which component drives satisfaction, repurchase intent and NPS? (OLS HC3, ordered logit,
  beta weights, importance-performance map)
* ``choice``: what is a component worth in money? (conditional logit, WTP, share simulator)
* ``mixed_logit``: how do tastes differ across customers? (mixed logit with normal coefficients, panel
  Halton draws, WTP with delta and Krinsky-Robb intervals, individual-level coefficients, simulated shares)
* ``behaviour``: does delivered value keep customers? (Cox model of time to dropout)
* ``pls``: the customer-satisfaction index model (ECSI) by PLS path modeling: measurement quality,
  paths with bootstrap intervals, total and indirect effects, importance-performance map
* ``simulate``: seeded worlds with known truth for the tests and the coverage study

For a report (notebook 02): ``labels`` (plain names of components, attributes and terms),
``measurement`` (scales and the delivered-value index), ``wtp`` (the headline WTP and its tables),
``levers`` (the share simulator with relative revenue and the sign of each lever), ``tastes`` (the
mixed logit in two stages, WTP with the simulation error).
"""
from . import labels, levers, measurement, pls, tastes, wtp
from .behaviour import (
    coefficient_table,
    delivered_value_by_level,
    dropout_summary,
    fit_dropout_cox,
    hazard_ratios,
    hazard_table,
    value_retention_frame,
)
from .choice import (
    bootstrap_wtp,
    check_offers,
    choice_attributes,
    example_offers,
    fit_clogit_arrays,
    fit_conditional_logit,
    hit_rate,
    numeric_attributes,
    part_worths,
    predict_shares,
    simulate_all_components,
    simulate_change,
    willingness_to_pay,
    wtp_delta,
)
from .drivers import (
    OUTCOMES,
    driver_importance,
    driver_table,
    fit_driver_ols,
    fit_driver_ordered,
    importance_performance,
    improve_first,
    improvement_priority,
    ipa_table,
    standardized_coefficients,
    top_driver,
    weight_shares,
)
from .mixed_logit import (
    MixedLogit,
    MixedLogitResults,
    fit_mixed_logit,
    halton,
    halton_normal,
    mixed_logit_table,
    mixed_logit_wtp,
    published_electricity,
    simulate_mixed_logit,
)
from .pls import (
    ECSIReport,
    PathModel,
    PLSResults,
    ecsi_analysis,
    ecsi_model,
    fit_pls,
)
from .reliability import AlphaResult, cronbach_alpha, detect_constructs, item_analysis, reliability_table
from .scores import DV_RANGE, construct_kind, construct_scores, value_scores
from .simulate import simulate_choices, simulate_retention, simulate_survey

__all__ = [
    "OUTCOMES", "AlphaResult", "DV_RANGE", "bootstrap_wtp", "check_offers", "choice_attributes", "construct_kind", "construct_scores",
    "cronbach_alpha", "delivered_value_by_level", "detect_constructs", "driver_importance",
    "example_offers", "fit_clogit_arrays", "fit_conditional_logit", "fit_driver_ols", "fit_driver_ordered",
    "fit_dropout_cox", "hazard_ratios", "hit_rate", "importance_performance", "improve_first", "ipa_table",
    "item_analysis", "numeric_attributes", "part_worths", "predict_shares", "reliability_table",
    "simulate_all_components", "simulate_change", "simulate_choices", "simulate_retention", "simulate_survey",
    "standardized_coefficients", "value_retention_frame", "value_scores", "weight_shares",
    "willingness_to_pay", "wtp_delta",
    "coefficient_table", "driver_table", "dropout_summary", "hazard_table", "improvement_priority", "top_driver",
    "labels", "levers", "measurement", "pls", "tastes", "wtp",
    "MixedLogit", "MixedLogitResults", "fit_mixed_logit", "halton", "halton_normal", "mixed_logit_table", "mixed_logit_wtp", "published_electricity",
    "simulate_mixed_logit",
    "ECSIReport", "PathModel", "PLSResults", "ecsi_analysis", "ecsi_model", "fit_pls",
]
