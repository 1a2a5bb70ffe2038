"""Referrals (member get member) with a randomized program/holdout experiment.

Each customer, while alive (from acquisition to dropout, or to observation_end), makes
invitations as a Poisson process with rate per year

    invite_rate[group] * exp(value_link * z_value - value_link^2 / 2)

(the factor has mean 1 and ties referral propensity to delivered value). An invitation is made on
a uniform day of the active span, converts with probability ``conversion_prob`` after
floor(Exponential(time_to_convert_mean_days)) days, and is only seen converted when that day is not
after observation_end.

* program customers' invitations are all recorded (a tracked referral link); converted ones carry
  reward_referrer and reward_referee, unconverted ones have empty referee_id and converted_at and
  rewards 0;
* holdout customers' word of mouth is only seen when it converts (the new customer names the
  referrer at sign-up): those rows have rewards 0; invited_at is the contact day the referee reports.

Converted referees become customers (channel referral, acquired_at = converted_at, acquisition
cost = rewards paid), are randomized into program/holdout again independently of their referrer,
and refer in turn (generations, until none converts inside the window).
"""
from __future__ import annotations

import numpy as np

DAYS_PER_YEAR = 365.25


def rate_multiplier(z_value: np.ndarray, link: float) -> np.ndarray:
    return np.exp(link * np.asarray(z_value) - 0.5 * link * link)


def simulate(rng: np.random.Generator, group: np.ndarray, z_value: np.ndarray, start_day: np.ndarray,
             active_end: np.ndarray, end_day: int, t: dict) -> dict[str, np.ndarray]:
    """Invitations of a batch of referrers; rows are kept as described in the module docstring.

    Returns arrays ``owner`` (index into the batch), ``invited_day``, ``converted`` (bool),
    ``converted_day`` (-1 when not converted), ``program`` (bool).
    """
    ref = t["referrals"]
    program = np.asarray(group) == "program"
    base = np.where(program, ref["invite_rate"]["program"], ref["invite_rate"]["holdout"])
    rate = base * rate_multiplier(z_value, ref["value_link"]) / DAYS_PER_YEAR
    span = np.asarray(active_end) - np.asarray(start_day) + 1
    n_inv = rng.poisson(rate * span)
    owner = np.repeat(np.arange(len(span)), n_inv)
    invited = np.asarray(start_day)[owner] + np.floor(rng.random(owner.size) * span[owner]).astype(np.int64)
    converts = rng.random(owner.size) < ref["conversion_prob"]
    delay = np.floor(rng.exponential(ref["time_to_convert_mean_days"], owner.size)).astype(np.int64)
    conv_day = invited + delay
    converted = converts & (conv_day <= end_day)
    prog = program[owner]
    keep = prog | converted
    order = np.lexsort((invited[keep], owner[keep]))
    return {
        "owner": owner[keep][order],
        "invited_day": invited[keep][order],
        "converted": converted[keep][order],
        "converted_day": np.where(converted, conv_day, -1)[keep][order],
        "program": prog[keep][order],
    }


def expected_converted(rate_per_year: np.ndarray, start_day: np.ndarray, active_end: np.ndarray, end_day: int,
                       conversion_prob: float, mean_days: float) -> np.ndarray:
    """Expected converted referrals seen inside the window, given each customer's active span.

    sum over active days d of rate/365.25 * conversion_prob * P(floor(Exp) <= end_day - d), where
    P(floor(Exp(mean)) <= j) = 1 - exp(-(j + 1) / mean).
    """
    s = np.asarray(start_day, dtype=float)
    e = np.asarray(active_end, dtype=float)
    span = e - s + 1
    q = np.exp(-1.0 / mean_days)
    # sum_{d=s}^{e} exp(-(end - d + 1)/mean) = q^(end-e+1) * (1 - q^span) / (1 - q)
    tail = q ** (end_day - e + 1) * (1 - q ** span) / (1 - q)
    return np.asarray(rate_per_year) / DAYS_PER_YEAR * conversion_prob * (span - tail)
