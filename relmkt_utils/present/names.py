"""One registry of the quantities the reports show: what each is called, what kind of number it is,
its unit and the course's term for it (English and Chinese).

Every finding, index card and table label reads its name here, so a quantity is called the same,
formatted the same and linked to the same glossary entry wherever it appears. A quantity is a
:class:`Name`:

* ``label`` -- the plain words a student reads ("repeat-purchase rate");
* ``kind`` -- how its value is written (:data:`KINDS`): a ``share`` in [0, 1] as a percentage
  (never above 100%), a ``change`` of a quantity as a signed percentage (may exceed 100%), ``points``
  (percentage points of a share, signed), ``money`` in the dataset's currency, ``count``,
  ``number`` (with its ``unit`` when it has one), ``ratio`` ("1.6×"), ``p`` ("< 0.001") or ``text``;
* ``unit`` -- for a ``number``: days, weeks, purchases, points of NPS, US cents per kWh, ...;
  money takes the dataset's currency instead;
* ``zh`` -- the Chinese term of the source material where the course uses one (GLOSSARY.md);
* ``term`` -- the glossary entry (:mod:`.glossary`) that explains it.

Names of a family are made by a rule (:data:`FAMILIES`): ``bgnbd_r`` is "BG/NBD r",
``wtp_loc`` "willingness to pay for a local supplier". :func:`name` returns the registered or
derived name and raises ``KeyError`` for a key it cannot name, so no raw key reaches a reader.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

#: The kinds of number a reader meets and how each is written (see :func:`relmkt_utils.present.fmt`).
KINDS = ("share", "change", "points", "money", "count", "number", "ratio", "p", "text", "percent")


@dataclass(frozen=True)
class Name:
    """A quantity as readers see it (module docstring)."""

    key: str
    label: str
    kind: str = "number"
    unit: str = ""
    zh: str = ""
    term: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.key}: kind {self.kind!r} is not one of {KINDS}")


def _names(*rows: tuple) -> dict[str, Name]:
    return {row[0]: Name(*row) for row in rows}


#: key, label, kind, unit, Chinese term, glossary entry
NAMES: dict[str, Name] = _names(
    # the data (00, 01)
    ("n_customers", "customers", "count", "", "客户", ""),
    ("n_transactions", "transactions", "count", "", "", ""),
    ("n_purchase_days", "purchase days", "count", "", "", ""),
    ("repeat_rate", "repeat-purchase rate", "share", "", "重复购买率", "repeat_rate"),
    ("median_gap_days", "median time between purchases", "number", "days", "", ""),
    ("top20_revenue_share", "revenue share of the top 20% of customers", "share", "", "80:20定理", "pareto"),
    ("gini", "Gini coefficient of revenue", "number", "", "", "gini"),
    ("pareto_gap_points", "top-20% share minus the 80% of the rule", "points", "", "", "pareto"),
    ("published_pareto_median", "median published top-20% share", "share", "", "", "pareto"),
    ("tables_absent", "canonical tables absent from the dataset", "count", "", "", ""),
    ("gap_q75_days", "75th percentile of the time between purchases", "number", "days", "", ""),
    ("group_revenue_share", "revenue share of the group that earns most per customer", "share", "", "", ""),
    ("group_customer_share", "customer share of the group that earns most per customer", "share", "", "", ""),
    # loyalty (01)
    ("nps", "Net Promoter Score", "number", "points", "净推荐值", "nps"),
    ("promoter_share", "promoters (9-10)", "share", "", "推荐者", "nps"),
    ("detractor_share", "detractors (0-6)", "share", "", "贬损者", "nps"),
    ("true_loyalty_share", "truly loyal customers (Dick & Basu)", "share", "", "真正忠诚", "dick_basu"),
    ("spurious_loyalty_share", "spuriously loyal customers (Dick & Basu)", "share", "", "虚假忠诚", "dick_basu"),
    ("km_active_share", "customers still active a year after acquisition", "share", "", "", "survival"),
    ("n_lapsed", "customers who lapsed", "count", "", "客户流失", "churn"),
    ("loyalty_index", "attitudinal loyalty index", "number", "points out of 100", "忠诚度指数", "loyalty"),
    ("loyalty_items_alpha", "Cronbach's alpha of the loyalty items", "number", "", "克朗巴哈系数", "cronbach_alpha"),
    ("n_won_back", "lapsed customers who bought again later", "count", "", "", "churn"),
    ("longest_relationship_level", "relationship level that keeps customers longest", "text", "", "关系营销的三个层次",
     "berry_levels"),
    ("nps_group_difference", "difference in NPS between the highest and the lowest group", "number", "points", "", "nps"),
    ("published_summary_gap", "largest difference from the published summary", "number", "", "", ""),
    ("customers_scored", "customers scored", "count", "", "", ""),
    ("p_alive_mean", "mean P(alive), all customers", "share", "", "", "p_alive"),
    ("p_alive_mean_repeat_buyers", "mean P(alive) of repeat buyers", "share", "", "", "p_alive"),
    ("one_time_buyer_share", "customers without a repeat purchase", "share", "", "", ""),
    ("clv_mean", "mean CLV per customer", "money", "", "客户终身价值", "clv"),
    ("clv_total", "value of the customer base", "money", "", "客户资产", "customer_equity"),
    ("expected_purchases_mean", "expected purchases per customer", "number", "purchases", "", "btyd"),
    ("dert_mean", "discounted expected residual transactions per customer", "number", "purchases", "", "dert"),
    ("holdout_purchases_mae", "mean absolute error of holdout purchases per customer", "number", "purchases", "", ""),
    ("holdout_error", "error of the predicted holdout purchases", "change", "", "", "holdout"),
    ("histogram_p", "p-value of the purchase-count check", "p", "", "", ""),
    ("covariates_lr_chi2", "likelihood-ratio statistic of the group covariates", "number", "", "", "lr_test"),
    ("btyd_model", "purchase model", "text", "", "", "btyd"),
    ("clv_horizon_months", "CLV horizon", "number", "months", "", "clv"),
    ("dropout_identified", "dropout process identified", "text", "", "", ""),
    ("dropout_detected", "detectable dropout in the calibration window", "text", "", "客户流失", "nbd"),
    ("dropout_lr_p", "p-value of the boundary likelihood-ratio test for dropout", "p", "", "", "nbd"),
    # delivered value (02)
    ("delivered_value_mean", "mean delivered value (−6 to 6)", "number", "points", "客户让渡价值", "delivered_value"),
    ("delivered_value_positive_share", "customers who perceive more value than cost", "share", "", "", "delivered_value"),
    ("cronbach_alpha_min", "lowest Cronbach's alpha of the scales", "number", "", "克朗巴哈系数", "cronbach_alpha"),
    ("ols_r2", "outcome explained by the value and cost components (R²)", "share", "", "", "driver_analysis"),
    ("ols_r2_dv_only", "outcome explained by the equal-weight delivered value alone (R²)", "share", "", "",
     "driver_analysis"),
    ("top_driver", "component the outcome moves with most", "text", "", "", "driver_analysis"),
    ("top_driver_ordered", "component the outcome moves with most (ordered logit)", "text", "", "", "driver_analysis"),
    ("top_improvement_driver", "component to improve first", "text", "", "", "ipa"),
    ("wtp_most_valued", "willingness to pay for the attribute customers value most", "money", "", "支付意愿", "wtp"),
    *[(f"{prefix}wtp_{short}", f"willingness to pay for {what}" + (" (mixed logit)" if prefix else ""), "money", "",
       "支付意愿", "wtp")
      for prefix in ("", "mxl_")
      for short, what in (("product", "product value"), ("service", "service value"),
                          ("personnel", "personnel value"), ("image", "image value"), ("monetary", "monetary cost"),
                          ("time", "time cost"), ("energy", "energy cost"), ("psychic", "psychic cost"),
                          ("cl", "contract length (per year)"), ("loc", "a local supplier"),
                          ("wk", "a well-known supplier"), ("tod", "time-of-day rates"), ("seas", "seasonal rates"))],
    ("true_wtp_covered", "true WTPs inside their 95% intervals", "count", "", "", "wtp"),
    ("choice_hit_rate", "choices the logit predicts correctly", "share", "", "", "hit_rate"),
    ("choice_chance_rate", "choices a random pick predicts correctly", "share", "", "", "hit_rate"),
    ("true_hit_rate", "choices the generator's own part-worths predict correctly", "share", "", "", "hit_rate"),
    ("simulated_attribute", "attribute changed in the simulator", "text", "", "", "share_simulator"),
    ("simulated_share_change", "change in our offer's choice share (logit)", "points", "", "", "share_simulator"),
    ("simulated_revenue_change", "change in our offer's revenue", "change", "", "", "share_simulator"),
    ("best_lever", "one-unit change of our offer that gains most share", "text", "", "", "share_simulator"),
    ("best_lever_share_change", "share our offer gains from its best one-unit change", "points", "", "",
     "share_simulator"),
    ("levers_lowering", "one-unit changes that lower our offer's share", "text", "", "", "share_simulator"),
    ("levers_lowering_count", "one-unit changes that lower our offer's share", "count", "", "", "share_simulator"),
    ("kotler_levers", "value and cost components among the experiment's attributes", "count", "", "", "delivered_value"),
    ("mxl_simulated_share_change", "change in our offer's choice share (mixed logit)", "points", "", "",
     "mixed_logit"),
    ("mxl_lr_p", "p-value of the test that all customers have the same tastes", "p", "", "", "mixed_logit"),
    ("mxl_opposite_most_valued", "customers whose taste for the most valued attribute has the other sign", "share",
     "", "", "mixed_logit"),
    ("dropout_share", "surveyed customers who dropped out", "share", "", "客户流失", "churn"),
    ("dropout_never_bought_share", "dropouts without a purchase after the survey", "share", "", "", "churn"),
    ("hr_delivered_value", "dropout hazard ratio per point of delivered value", "ratio", "", "风险比", "hazard_ratio"),
    ("hr_social", "dropout hazard ratio of the social level (against financial)", "ratio", "", "社会层次",
     "hazard_ratio"),
    ("hr_structural", "dropout hazard ratio of the structural level (against financial)", "ratio", "", "结构层次",
     "hazard_ratio"),
    ("dv_level_gap", "delivered value of structural over financial customers", "number", "points", "结构层次 / 财务层次",
     "berry_levels"),
    # delivered value on a real survey: the customer-satisfaction index model (02, section 5)
    ("ecsi_constructs_measured", "constructs measured by two or more items", "count", "", "", "pls_pm"),
    ("ecsi_constructs_reliable", "constructs that meet the usual bars of reliability and AVE", "count", "", "信度",
     "composite_reliability"),
    ("ecsi_unreliable", "constructs below the usual bars of reliability or AVE", "text", "", "信度",
     "composite_reliability"),
    ("ecsi_loading_min", "smallest loading of an item on its construct", "number", "", "因子载荷", "pls_pm"),
    ("ecsi_weakest_item", "item with the smallest loading", "text", "", "", "pls_pm"),
    ("ecsi_htmt_max", "largest heterotrait-monotrait ratio (HTMT) of two constructs", "number", "", "区别效度", "htmt"),
    ("ecsi_not_distinct", "pairs of constructs with an HTMT of 0.90 or more", "text", "", "区别效度", "htmt"),
    ("ecsi_not_distinct_count", "pairs of constructs with an HTMT of 0.90 or more", "count", "", "区别效度", "htmt"),
    ("ecsi_satisfaction_driver", "construct with the largest total effect on satisfaction", "text", "", "顾客满意度",
     "ecsi"),
    ("ecsi_satisfaction_driver_effect", "total effect of the strongest driver on satisfaction (sd per sd)", "number",
     "", "总效应", "total_effect"),
    ("ecsi_loyalty_driver", "construct with the largest total effect on loyalty", "text", "", "顾客忠诚", "ecsi"),
    ("ecsi_loyalty_driver_effect", "total effect of the strongest driver on loyalty (sd per sd)", "number", "",
     "总效应", "total_effect"),
    ("ecsi_r2_satisfaction", "differences in satisfaction the model explains (R²)", "share", "", "", "pls_pm"),
    ("ecsi_r2_loyalty", "differences in loyalty the model explains (R²)", "share", "", "", "pls_pm"),
    ("ecsi_path_expectations_satisfaction", "direct path from expectations to satisfaction (sd per sd)", "number", "",
     "顾客期望", "pls_pm"),
    ("ecsi_image_loyalty_total", "total effect of image on loyalty (sd per sd)", "number", "", "企业形象",
     "total_effect"),
    ("ecsi_share_via_satisfaction", "part of image's effect on loyalty that runs through satisfaction", "share", "",
     "中介效应", "total_effect"),
    ("ecsi_improve_first", "construct to improve first for loyalty", "text", "", "重要性-绩效分析", "ipma"),
    ("ecsi_improve_first_quadrant", "quadrant of the construct to improve first", "text", "", "", "ipma"),
    ("ecsi_improve_first_importance", "importance for loyalty of the construct to improve first", "number",
     "points of loyalty", "", "ipma"),
    ("ecsi_improve_first_performance", "performance of the construct to improve first", "number", "of 100", "", "ipma"),
    ("ecsi_importance_median", "median importance for loyalty on the map", "number", "points of loyalty", "", "ipma"),
    ("ecsi_performance_median", "median performance on the map", "number", "of 100", "", "ipma"),
    ("ecsi_most_important", "construct most important for loyalty", "text", "", "", "ipma"),
    ("ecsi_most_important_importance", "importance for loyalty of the most important construct", "number",
     "points of loyalty", "", "ipma"),
    # referral (03)
    ("referral_roi", "return on the referral programme", "change", "", "", "roi"),
    ("incremental_customers", "customers the programme caused", "count", "", "", "incrementality"),
    ("viral_coefficient", "new customers per programme customer (K)", "number", "", "病毒系数", "viral_k"),
    ("breakeven_reward", "break-even reward per conversion", "money", "", "", "roi"),
    ("crv_mean", "mean customer referral value", "money", "", "客户推荐价值", "crv"),
    ("referred_clv_uplift", "value of a new referred customer compared with a new other customer", "change", "",
     "成员带动成员", "member_get_member"),
    ("reward_per_conversion", "reward paid per conversion (referrer and new customer)", "money", "", "", "roi"),
    ("referrer_share", "programme customers who sent at least one invitation", "share", "", "", "referral_funnel"),
    ("invitations_per_referrer", "invitations per referrer", "number", "invitations", "", "referral_funnel"),
    ("conversion_rate", "invitations that became customers", "share", "", "推荐漏斗", "referral_funnel"),
    ("time_to_convert_days", "median time from invitation to new customer", "count", "days", "", "referral_funnel"),
    ("promoter_referral_rate", "promoters who sent an invitation", "share", "", "推荐者", "nps"),
    ("detractor_referral_rate", "detractors who sent an invitation", "share", "", "贬损者", "nps"),
    ("referred_churn_hazard_ratio", "dropout hazard of referred over other customers", "ratio", "", "", "hazard_ratio"),
    ("clv_referred", "value of a new referred customer", "money", "", "客户终身价值", "clv"),
    ("clv_other", "value of a new customer won otherwise", "money", "", "客户终身价值", "clv"),
    ("referral_lift_per_customer", "new customers per programme customer caused by the programme", "number",
     "customers", "", "incrementality"),
    ("cannibalization_share", "rewarded referrals that would have come anyway", "share", "", "", "incrementality"),
    ("top_referrers_missed_share", "top referrers a ranking by CLV alone would miss", "share", "", "", "crv"),
    ("wom_net_per_respondent", "net word-of-mouth impressions per respondent at the assumed reaches", "number",
     "people", "口碑", "word_of_mouth"),
    ("wom_positive_negative_ratio", "positive over negative word-of-mouth impressions at the assumed reaches",
     "ratio", "", "口碑", "word_of_mouth"),
    ("wom_assumed_reach_ratio", "assumed reach of a promoter over that of a detractor", "ratio", "", "",
     "word_of_mouth"),
    ("wom_east_reach_ratio", "reach ratio that gives East, Hammond & Wright's 3 positive per negative", "ratio",
     "", "", "word_of_mouth"),
    ("wom_net_low", "lowest net impressions per respondent over the reach grid", "number", "people", "",
     "word_of_mouth"),
    ("wom_net_high", "highest net impressions per respondent over the reach grid", "number", "people", "",
     "word_of_mouth"),
    ("family_influence_share", "purchases influenced by family", "share", "", "亲人影响", "reference_groups"),
    # referral (03), the published evidence: Schmitt, Skiera & Van den Bulte 2011 (ssv), Wolters & Gedenk 2019 (wg)
    ("ssv_value_premium", "value premium of referred customers as published (Schmitt, Skiera & Van den Bulte 2011)",
     "change", "", "成员带动成员", "member_get_member"),
    ("ssv_value_difference", "value difference per referred customer over six years as published", "money", "",
     "", "clv"),
    ("ssv_clv_uplift", "value premium of referred customers, recomputed (bank study, Schmitt et al. 2011)", "change",
     "", "成员带动成员", "member_get_member"),
    ("ssv_clv_difference", "value difference per referred customer recomputed", "money", "", "", "clv"),
    ("ssv_clv_uplift_low", "lowest recomputed premium over the base-retention assumptions", "change", "", "",
     "member_get_member"),
    ("ssv_clv_uplift_high", "highest recomputed premium over the base-retention assumptions", "change", "", "",
     "member_get_member"),
    ("ssv_reward", "reward per referred customer at the bank", "money", "", "", "roi"),
    ("ssv_breakeven_reward", "break-even referral reward at the bank", "money", "", "", "roi"),
    ("ssv_breakeven_reward_anyway", "break-even referral reward at the bank with the assumed share who would have "
     "come anyway", "money", "", "", "roi"),
    ("ssv_max_share_anyway", "largest share of referrals who may have come anyway before the bank's reward stops "
     "paying", "share", "", "", "incrementality"),
    ("ssv_reward_roi", "return on the referral reward (bank study, Schmitt et al. 2011)", "change", "", "", "roi"),
    ("ssv_value_difference_26_35", "value difference of referred customers aged 26 to 35", "money", "", "", "clv"),
    ("ssv_value_difference_36_55", "value difference of referred customers aged 36 to 55", "money", "", "", "clv"),
    ("ssv_value_over_55", "value difference of referred customers over 55", "text", "", "", "clv"),
    ("wg_value_direction", "value of new customers referred by email compared with non-referred ones "
     "(Wolters & Gedenk 2019)", "text", "", "成员带动成员", "member_get_member"),
    ("wg_breakeven_reward", "break-even referral reward for email referrals (Wolters & Gedenk 2019)", "text", "",
     "", "roi"),
    ("wg_margin_deficit_offset", "largest margin deficit a churn advantage like the bank's makes up", "share", "",
     "", "member_get_member"),
    ("wg_clv_difference", "value difference per referred customer (Wolters & Gedenk 2019)", "money", "", "", "clv"),
    # retention (04)
    ("clv", "CLV of a new customer", "money", "", "客户终身价值", "clv"),
    ("customer_equity", "customer equity", "money", "", "客户资产", "customer_equity"),
    ("acquisition_to_retention_cost_ratio", "acquisition cost over retention cost per customer", "ratio", "",
     "维持老客户 / 吸引新客户", "acquisition_vs_retention"),
    ("clv_structural_vs_financial", "CLV of structural over financial bonds", "ratio", "", "结构层次 / 财务层次",
     "berry_levels"),
    ("clv_paid_vs_organic", "CLV of paid-channel over organic customers", "ratio", "", "", "clv"),
    ("clv_best_vs_worst_group", "CLV of the most valuable group over the least valuable", "ratio", "", "", "clv"),
    ("profit_change_5pt_retention", "change in steady-state profit from 5 more points of annual retention", "change",
     "", "", "reichheld_sasser"),
    ("value_of_5pt_retention", "change in customer equity from 5 more points of annual retention", "change", "", "",
     "reichheld_sasser"),
    ("clv_change_5pt_retention", "change in a new customer's CLV from 5 more points of annual retention", "change",
     "", "", "reichheld_sasser"),
    ("break_even_retention_spend", "break-even retention spend per customer and period", "money", "", "",
     "acquisition_vs_retention"),
    ("break_even_one_off_spend", "break-even one-off retention spend per new customer", "money", "", "",
     "acquisition_vs_retention"),
    ("optimal_acquisition_spend", "optimal acquisition spend per prospect", "money", "", "", "blattberg_deighton"),
    ("optimal_retention_spend", "optimal retention spend per customer and period", "money", "", "",
     "blattberg_deighton"),
    ("optimal_equity_per_prospect", "customer equity per prospect at the optimum", "money", "", "", "blattberg_deighton"),
    ("optimal_value_per_customer", "value of an acquired customer at the optimum", "money", "", "", "blattberg_deighton"),
    ("mean_acquisition_spend", "the firm's mean acquisition spend per prospect", "money", "", "", "blattberg_deighton"),
    ("mean_retention_spend", "the firm's mean retention spend per customer and period", "money", "", "",
     "blattberg_deighton"),
    ("mean_equity_per_prospect", "customer equity per prospect at the firm's mean spends", "money", "", "",
     "blattberg_deighton"),
    ("cohort_period", "cohort period", "text", "", "", ""),
    ("sbg_holdout_error", "error of the sBG on the held-out periods (mean absolute %)", "percent", "", "", "holdout"),
    ("bdw_holdout_error", "error of the beta-discrete-Weibull on the held-out periods (mean absolute %)", "percent", "",
     "", "bdw"),
    ("published_bdw_holdout_error", "error of the beta-discrete-Weibull on Fader & Hardie's held-out years (mean "
     "absolute %)", "percent", "", "", "bdw"),
    ("bdw_shape", "shape c of the beta-discrete-Weibull (1: no duration dependence)", "number", "", "", "bdw"),
    ("published_bdw_shape", "shape c of the beta-discrete-Weibull on Fader & Hardie's cohorts", "number", "", "", "bdw"),
    ("bdw_shape_p", "p-value of the test of no duration dependence (c = 1)", "p", "", "", "bdw"),
    ("published_bdw_shape_p", "p-value of the test of no duration dependence (c = 1) on Fader & Hardie's cohorts",
     "p", "", "", "bdw"),
    ("constant_r_holdout_error", "constant-retention error on the held-out periods (mean absolute %)", "percent", "",
     "", "holdout"),
    ("published_sbg_holdout_error", "error of the sBG on Fader & Hardie's held-out years (mean absolute %)",
     "percent", "", "", "holdout"),
    ("constant_r_holdout_bias", "mean signed error of the constant rate on the held-out periods (%)", "percent", "",
     "", "holdout"),
    ("published_constant_r_holdout_bias", "mean signed error of the constant rate on Fader & Hardie's held-out years "
     "(%)", "percent", "", "", "holdout"),
    ("published_constant_r_holdout_error", "constant-retention error on Fader & Hardie's held-out years "
     "(mean absolute %)", "percent", "", "", "holdout"),
    ("renewals_to_exceed_new", "renewals after which a customer is worth more than a new one", "count", "", "",
     "del"),
    ("published_renewals_to_exceed_new", "renewals after which a customer of Fader & Hardie's cohort is worth more "
     "than a new one", "count", "", "", "del"),
    ("residual_value_ratio", "value of a long-standing customer relative to a new one", "ratio", "", "", "del"),
    ("del_new_customer", "discounted periods of margin a new customer brings (DEL)", "number", "", "", "del"),
    ("published_del_new_customer", "discounted years of margin a new customer of Fader & Hardie's cohort brings",
     "number", "", "", "del"),
    ("published_residual_value_ratio", "value of a long-standing customer of Fader & Hardie's cohort relative to a "
     "new one", "ratio", "", "", "del"),
    ("annual_retention", "annual retention rate (equivalent, from the sBG)", "share", "", "客户保持率",
     "retention_rate"),
    ("example_clv_start", "CLV of the worked example, first margin at acquisition", "money", "", "客户终身价值", "clv"),
    ("example_clv_end", "CLV of the worked example, margins at the end of each year", "money", "", "客户终身价值",
     "clv"),
    ("active_share", "customers still active at the end of the data", "share", "", "", "churn"),
    ("n_active_now", "customers active now", "count", "", "", "churn"),
    ("survival_horizon_days", "horizon of the survival comparison", "number", "days", "", "survival"),
    ("survival_structural_vs_financial", "still active: structural minus financial bond", "points", "",
     "结构层次 / 财务层次", "berry_levels"),
    ("survival_paid_vs_organic", "still active: paid minus organic channel", "points", "", "", "survival"),
    ("survival_best_vs_worst_group", "still active: best minus worst group", "points", "", "", "survival"),
    ("survival_structural_vs_financial_p", "p-value of the log-rank test by relationship level", "p", "", "",
     "survival"),
    ("survival_paid_vs_organic_p", "p-value of the log-rank test by channel", "p", "", "", "survival"),
    ("survival_best_vs_worst_group_p", "p-value of the log-rank test by group", "p", "", "", "survival"),
    ("retention_first_period", "retention in the first period after acquisition", "share", "", "客户保持率",
     "retention_rate"),
    ("retention_later_period", "retention per period from the second period on", "share", "", "客户保持率",
     "retention_rate"),
    ("pooled_sbg_holdout_error", "error of the sBG on the held-out periods of the acquisition cohorts "
     "(mean absolute %)", "percent", "", "", "holdout"),
    ("pooled_constant_r_holdout_error", "constant-retention error on the held-out periods of the acquisition "
     "cohorts (mean absolute %)", "percent", "", "", "holdout"),
    ("pooled_sbg_holdout_bias", "mean signed error of the sBG on the held-out periods (%)", "percent", "", "",
     "holdout"),
    ("holdout_calibration_periods", "periods the holdout check fits on", "count", "", "", "holdout"),
    ("observed_periods", "periods of renewals the cohorts are observed for", "count", "", "", "sbg"),
    ("margin_per_period", "margin per active customer and period", "money", "", "", "clv"),
    ("del_periods", "discounted expected lifetime of a new customer, in periods of margin", "number", "", "", "del"),
    ("acquisition_cost_per_customer", "acquisition cost per new customer", "money", "", "", "acquisition_vs_retention"),
    ("equity_future_share", "share of customer equity from customers still to come", "share", "", "",
     "customer_equity"),
    ("current_value_by_tenure", "value of the customers active now, by their tenure", "money", "", "",
     "customer_equity"),
    ("current_value_vs_new", "customers active now valued by tenure, relative to valuing them as new", "change", "",
     "", "del"),
)

#: Model families whose parameters are named ``<model>_<parameter>``.
MODELS = {"bgnbd": "BG/NBD", "nbd": "NBD", "pnbd": "Pareto/NBD", "paretonbd": "Pareto/NBD", "mbgnbd": "MBG/NBD", "bgbb": "BG/BB",
          "sbg": "sBG", "sbg_regular": "sBG (regular cohort)", "sbg_high_end": "sBG (high-end cohort)",
          "gg": "Gamma-Gamma", "bgcnbd": "BG/CNBD-k", "mbgcnbd": "MBG/CNBD-k", "ggomnbd": "GGom/NBD",
          "pggg": "Pareto/GGG", "bdw": "beta-discrete-Weibull"}
PARAMETERS = {"r", "alpha", "a", "b", "s", "beta", "gamma", "delta", "k", "p", "q", "c", "llf"}

#: Attributes of the choice experiments and the survey, for the names of their families.
ATTRIBUTES = {"price": "price", "cl": "contract length (per year)", "loc": "a local supplier",
              "wk": "a well-known supplier", "tod": "time-of-day rates", "seas": "seasonal rates",
              "product": "product value", "service": "service value", "personnel": "personnel value",
              "image": "image value", "monetary": "monetary cost", "time": "time cost", "energy": "energy cost",
              "psychic": "psychic cost"}

#: Derived names: (pattern, function of the match giving a Name). The first that matches wins.
FAMILIES: tuple = (
    (re.compile(r"^(?P<model>[a-z_]+?)_(?P<param>r|alpha|a|b|s|beta|gamma|delta|k|p|q|c|llf)$"),
     lambda m: Name(m.string, f"{MODELS[m['model']]} {'log-likelihood' if m['param'] == 'llf' else m['param']}",
                    "number", term="btyd" if not m["model"].startswith("sbg") else "sbg")
     if m["model"] in MODELS else None),
    (re.compile(r"^logrank_p_(?P<column>[a-z0-9_]+)$"),
     lambda m: Name(m.string, f"p-value of the log-rank test by {m['column'].replace('_', ' ')}", "p", term="survival")),
    (re.compile(r"^(?P<key>.+)_ci_(?P<end>low|high)$"),
     lambda m: (lambda base: replace(base, key=m.string, label=f"{base.label}, {'lower' if m['end'] == 'low' else 'upper'} "
                                                               f"end of the 95% interval"))(name(m["key"]))),
    (re.compile(r"^(?P<mxl>mxl_)?wtp_(?P<attr>[a-z]+)(?:_kr_(?P<end>low|high))?$"),
     lambda m: Name(m.string, f"willingness to pay for {ATTRIBUTES.get(m['attr'], m['attr'])}"
                              + (" (mixed logit)" if m["mxl"] else "")
                              + (f", {'lower' if m['end'] == 'low' else 'upper'} end of the Krinsky-Robb interval"
                                 if m["end"] else ""), "number", "", "支付意愿", "wtp")),
    (re.compile(r"^mxl_(?P<stat>mean|sd)_(?P<attr>[a-z]+)$"),
     lambda m: Name(m.string, f"mixed-logit {'mean' if m['stat'] == 'mean' else 'standard deviation'} of the "
                              f"coefficient of {ATTRIBUTES.get(m['attr'], m['attr'])}", "number", term="mixed_logit")),
    (re.compile(r"^(?P<model>sbg|constant_r)_(?P<cohort>[a-z_]+)_holdout_mape$"),
     lambda m: Name(m.string, f"{'sBG' if m['model'] == 'sbg' else 'constant-retention'} forecast error, "
                              f"{m['cohort'].replace('_', '-')} cohort (mean absolute % error)", "percent", term="sbg")),
)


def name(key: str) -> Name:
    """The :class:`Name` of ``key``: registered, else derived by a family rule; ``KeyError`` otherwise."""
    if key in NAMES:
        return NAMES[key]
    for pattern, make in FAMILIES:
        m = pattern.match(key)
        if m:
            found = make(m)
            if found is not None:
                return found
    raise KeyError(f"{key!r} has no name in relmkt_utils.present.names: register it there")


def label(key: str) -> str:
    """The plain label of ``key`` (see :func:`name`)."""
    return name(key).label


def known(key: str) -> bool:
    """Whether ``key`` has a registered or derived name."""
    try:
        name(key)
    except KeyError:
        return False
    return True
