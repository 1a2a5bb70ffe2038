"""Referral program analysis (notebook 03_referral_roi): funnel, viral coefficient, value of referred
customers, customer referral value, incrementality from the randomized holdout, ROI and the
word-of-mouth balance. ``simulate`` holds a seeded referral world with known truth.

Typical flow::

    units = experiment_units(customers, group="program", eligible_before=start)
    viral_coefficient(units, referrals)                    # K = i c with CI
    out = acquisition_outcomes(customers, referrals, eligible_before=start)
    incrementality_test(out); cannibalization(out)         # lift and the share that came anyway
    roi_bootstrap(out, clv=..., fixed_cost=...)            # ROI with a bootstrap CI
"""
from . import published
from .published import published_gap
from .crv import (SEGMENTS, ReferralValueSummary, clv_crv_grid, customer_referral_value, referee_value,
                  referral_value_summary, segment_summary, top_decile_missed, with_rewards)
from .funnel import (BREAKDOWNS, NPS_GROUP_ORDER, FunnelSummary, TimeToConvert, conversion_rate, converted,
                     experiment_units, funnel_summary, funnel_table, invitations_per_referrer, nps_group,
                     referral_rate_by, time_to_convert)
from .incrementality import (IncrementalityResult, LogitIncrementality, acquisition_outcomes, cannibalization,
                             effects_table,
                             incremental_customers, incrementality_logit, incrementality_test, lift_table)
from .recovery import programme_recovery
from .settings import programme_settings, published_settings, report_settings
from .roi import (RoiResult, break_even_reward, program_pnl, relative_ranges, roi, roi_bootstrap,
                  roi_sensitivity, roi_tornado)
from .simulate import SimulatedProgram, simulate_referral_program, true_roi
from .value import (BtydValueComparison, ClvComparison, CoxReferral, btyd_value_comparison, clv_comparison, compare_groups, cox_referral,
                    customer_metrics, km_by_group, km_table, referred_flag, referred_ids, METRIC_NAMES,
                    cox_table, group_means)
from .viral import ViralResult, cascade, cascade_total, observed_generations, viral_coefficient
from .wom import (EAST_POSITIVE_TO_NEGATIVE, SOURCE_INFLUENCE, SOURCE_NEGATIVE_REACH, SOURCE_POSITIVE_REACH,
                  WomSummary, nps_counts, reference_groups, wom_balance, wom_from_survey, wom_sensitivity,
                  wom_summary)

__all__ = [
    "published",
    "nps_group", "converted", "experiment_units", "invitations_per_referrer", "conversion_rate", "time_to_convert",
    "TimeToConvert", "referral_rate_by", "funnel_table", "NPS_GROUP_ORDER", "funnel_summary", "FunnelSummary",
    "BREAKDOWNS", "referred_ids", "referral_value_summary", "ReferralValueSummary", "roi_sensitivity", "wom_summary",
    "WomSummary", "reference_groups", "EAST_POSITIVE_TO_NEGATIVE", "SOURCE_INFLUENCE", "programme_recovery", "programme_settings", "published_settings", "report_settings",
    "cox_table", "group_means", "effects_table",
    "viral_coefficient", "ViralResult", "cascade", "cascade_total", "observed_generations",
    "referred_flag", "customer_metrics", "METRIC_NAMES", "compare_groups", "km_by_group", "km_table", "cox_referral",
    "CoxReferral", "clv_comparison", "ClvComparison", "published_gap",
    "btyd_value_comparison", "BtydValueComparison",
    "customer_referral_value", "referee_value", "with_rewards", "clv_crv_grid", "segment_summary", "top_decile_missed", "SEGMENTS",
    "acquisition_outcomes", "incrementality_test", "IncrementalityResult", "incrementality_logit",
    "LogitIncrementality", "cannibalization", "incremental_customers", "lift_table",
    "roi", "break_even_reward", "program_pnl", "roi_bootstrap", "RoiResult", "roi_tornado", "relative_ranges",
    "wom_balance", "wom_from_survey", "wom_sensitivity", "nps_counts", "SOURCE_POSITIVE_REACH",
    "SOURCE_NEGATIVE_REACH",
    "simulate_referral_program", "SimulatedProgram", "true_roi",
]
