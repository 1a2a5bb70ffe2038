"""The programme's estimates beside the truth of the synthetic world they were generated from.

``relmkt_utils.data`` writes the truth of the referral world into the synthetic dataset's
``truth["referrals"]`` (its ``derived`` block holds the quantities an estimator should recover: the
converted referrals per customer in the window for program and holdout, the incremental referred
customers per program customer, the cannibalization share kappa = holdout / program, and the expected
revenue of a new referred and non-referred customer over ``clv_horizon_weeks``). :func:`programme_recovery`
sets the notebook's estimates beside them with :func:`relmkt_utils.core.estimate.recovery_table`
(covered: truth inside the 95% interval; z: distance in standard errors). Incremental customers are
the per-customer truth times the realized program size; shares are shown in percent.
"""
from __future__ import annotations

import pandas as pd

from ..core.checks import COUNT, checked, instance
from ..core.estimate import Estimate, recovery_table
from .value import BtydValueComparison

_ESTIMATE = instance(Estimate, text="an Estimate")


@checked(truth=instance(dict, text='a dict (the dataset\'s truth["referrals"])'), viral_k=_ESTIMATE, lift=_ESTIMATE,
         cannibalization=_ESTIMATE, incremental=_ESTIMATE, n_program=COUNT,
         value=instance(BtydValueComparison, attributes=("table", "revenue", "revenue_uplift"),
                        text="a BtydValueComparison", none=True))
def programme_recovery(truth: dict, *, viral_k: Estimate, lift: Estimate, cannibalization: Estimate,
                       incremental: Estimate, n_program: int, value=None) -> pd.DataFrame:
    """The recovery table of notebook 03 (module docstring). ``value``: a
    :class:`~relmkt_utils.referral.value.BtydValueComparison`; its revenues are compared only when its
    horizon is the truth's ``clv_horizon_weeks`` within 1% (36 months are 157 whole weeks, the truth 156).

    Parameters
    ----------
    truth : dict
        the synthetic dataset's ``truth["referrals"]`` (its ``derived`` block and ``clv_horizon_weeks``).
    viral_k : Estimate
        the viral coefficient K of the programme group
        (:func:`~relmkt_utils.referral.viral.viral_coefficient`).
    lift : Estimate
        new customers per programme customer minus per holdout customer
        (``incrementality_test(...).new_per_customer_diff``).
    cannibalization : Estimate
        share of the programme's referrals that would have come anyway, kappa, as a share (shown in
        percent; :func:`~relmkt_utils.referral.incrementality.cannibalization`).
    incremental : Estimate
        incremental customers caused by the programme
        (:func:`~relmkt_utils.referral.incrementality.incremental_customers`).
    n_program : int
        customers in the programme group, >= 1 (the truth per customer is scaled by it).
    value : BtydValueComparison or None, default None
        the model-based value of referred and other customers
        (:func:`~relmkt_utils.referral.value.btyd_value_comparison`); None leaves the revenue rows out.
    """
    d = truth["derived"]
    per_customer = d["incremental_referred_customers_per_program_customer"]
    estimates = {"viral coefficient K, programme group": viral_k,
                 "lift: new customers per programme customer": lift,
                 "referrals that would have come anyway (%)": cannibalization.scaled(100),
                 "incremental customers": incremental}
    truths = {"viral coefficient K, programme group": d["expected_converted_referrals_per_customer_in_window"]["program"],
              "lift: new customers per programme customer": per_customer,
              "referrals that would have come anyway (%)": 100 * d["cannibalization_share"],
              "incremental customers": per_customer * n_program}
    weeks = truth["clv_horizon_weeks"]
    if value is not None and value.table.attrs.get("time_unit") == "week" \
            and abs(value.table.attrs.get("horizon_periods", 0) - weeks) <= 0.01 * weeks:
        revenue = d["expected_revenue_over_horizon"]
        estimates.update({"revenue of a new other customer": value.revenue("other"),
                          "revenue of a new referred customer": value.revenue("referred"),
                          "revenue uplift of referred customers (%)": value.revenue_uplift.scaled(100)})
        truths.update({"revenue of a new other customer": revenue["non_referred"],
                       "revenue of a new referred customer": revenue["referred"],
                       "revenue uplift of referred customers (%)": 100 * d["true_clv_uplift"]})
    return recovery_table(estimates, truths)
