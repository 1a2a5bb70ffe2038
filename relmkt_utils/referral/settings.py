"""The settings behind notebook 03's numbers, as (name, plain text) pairs for the report's header box
(``Report.setting``): the rewards, costs, margin, horizon, discount rate, lapse rule and intervals of a
programme; the assumptions of the recomputation on the published evidence."""
from __future__ import annotations

from . import published


def programme_settings(currency: str, reward_referrer: float, reward_referee: float, fixed_cost: float, margin: float,
                       horizon_months: int, annual_discount_rate: float, inactivity_days: int, bootstrap: int,
                       seed: int, **_) -> list[tuple[str, str]]:
    """The settings of the programme analysis."""
    reward = reward_referrer + reward_referee
    return [
        ("rewards", (f"{reward:,.2f} {currency} per conversion ({reward_referrer:,.2f} to the referrer, "
                     f"{reward_referee:,.2f} to the new customer); fixed cost {fixed_cost:,.2f} {currency}")),
        ("customer value", (f"margin {margin:.0%} of revenue (a parameter: the data carry no costs), "
                            f"{horizon_months} months, discount rate {annual_discount_rate:.0%} a year")),
        ("lapse rule and intervals", (f"lapsed after {inactivity_days} days without a purchase; 95% intervals "
                                      f"from {bootstrap} resamples, seed {seed}")),
    ]


def published_settings(annual_discount_rate: float, share_anyway: float, **_) -> list[tuple[str, str]]:
    """The assumptions of the recomputation of the published evidence."""
    return [("recomputation", (f"discount rate {annual_discount_rate:.0%} a year; {share_anyway:.0%} of rewarded "
                               "referrals assumed to have come anyway (neither is in the sources we could read); "
                               "horizon six years, as published"))]


def report_settings(ds, **parameters) -> list[tuple[str, str]]:
    """The settings of the part of notebook 03 that ``ds`` supports: the published evidence
    (:func:`relmkt_utils.referral.published.is_evidence`) or a programme on customer records."""
    if published.is_evidence(ds):
        return published_settings(**parameters)
    return programme_settings(ds.currency, **parameters)
