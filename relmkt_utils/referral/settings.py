"""The settings behind notebook 03's numbers, as (name, plain text) pairs for the report's header box
(``Report.setting``): the rewards, costs, margin, horizon, discount rate, lapse rule and intervals of a
programme; the assumptions of the recomputation on the published evidence."""
from __future__ import annotations

from ..core.checks import PROBABILITY, RATE, SEED, TEXT, checked, instance, number
from ..data.dataset import Dataset
from . import published


@checked(currency=TEXT, reward_referrer=number(0), reward_referee=number(0), fixed_cost=number(0), margin=PROBABILITY,
         horizon_months=number(0, low_open=True), annual_discount_rate=RATE, inactivity_days=number(0, low_open=True),
         bootstrap=number(2, integer=True), seed=SEED)
def programme_settings(currency: str, reward_referrer: float, reward_referee: float, fixed_cost: float, margin: float,
                       horizon_months: int, annual_discount_rate: float, inactivity_days: int, bootstrap: int,
                       seed: int, **_) -> list[tuple[str, str]]:
    """The settings of the programme analysis.

    Parameters
    ----------
    currency : str
        currency of the data (e.g. ``'EUR'``).
    reward_referrer : float
        reward per converted referral paid to the referrer, >= 0.
    reward_referee : float
        reward per converted referral paid to the new customer, >= 0.
    fixed_cost : float
        fixed programme cost over the window, >= 0.
    margin : float
        contribution margin as a share of revenue, in [0, 1].
    horizon_months : int
        months of customer value counted (the CLV horizon), > 0.
    annual_discount_rate : float
        discount rate per year of customer value, > -1.
    inactivity_days : int
        days without a purchase after which a customer has lapsed, > 0.
    bootstrap : int
        bootstrap resamples and parameter draws of the intervals, >= 2.
    seed : int
        seed of every random draw (>= 0).
    **_
        the notebook's other parameters, ignored.
    """
    reward = reward_referrer + reward_referee
    return [
        ("rewards", (f"{reward:,.2f} {currency} per conversion ({reward_referrer:,.2f} to the referrer, "
                     f"{reward_referee:,.2f} to the new customer); fixed cost {fixed_cost:,.2f} {currency}")),
        ("customer value", (f"margin {margin:.0%} of revenue (a parameter: the data carry no costs), "
                            f"{horizon_months} months, discount rate {annual_discount_rate:.0%} a year")),
        ("lapse rule and intervals", (f"lapsed after {inactivity_days} days without a purchase; 95% intervals "
                                      f"from {bootstrap} resamples, seed {seed}")),
    ]


@checked(annual_discount_rate=RATE, share_anyway=PROBABILITY)
def published_settings(annual_discount_rate: float, share_anyway: float, **_) -> list[tuple[str, str]]:
    """The assumptions of the recomputation of the published evidence.

    Parameters
    ----------
    annual_discount_rate : float
        discount rate per year of the recomputed customer values, > -1.
    share_anyway : float
        assumed share of rewarded referrals who would have come anyway, in [0, 1].
    **_
        the notebook's other parameters, ignored.
    """
    return [("recomputation", (f"discount rate {annual_discount_rate:.0%} a year; {share_anyway:.0%} of rewarded "
                               "referrals assumed to have come anyway (neither is in the sources we could read); "
                               "horizon six years, as published"))]


@checked(ds=instance(Dataset, text="a Dataset (loaded by relmkt_utils.data.datasets.load)"))
def report_settings(ds, **parameters) -> list[tuple[str, str]]:
    """The settings of the part of notebook 03 that ``ds`` supports: the published evidence
    (:func:`relmkt_utils.referral.published.is_evidence`) or a programme on customer records.

    Parameters
    ----------
    ds : Dataset
        the dataset of the notebook (:func:`relmkt_utils.data.datasets.load`).
    **parameters
        the notebook's parameters (:func:`programme_settings` or :func:`published_settings` reads those
        it needs).
    """
    if published.is_evidence(ds):
        return published_settings(**parameters)
    return programme_settings(ds.currency, **parameters)
