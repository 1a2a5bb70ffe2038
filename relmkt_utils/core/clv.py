r"""Customer lifetime value (客户终身价值): the one implementation of the suite, used by the BTYD
models, the referral value and the retention economics.

Notation: margin :math:`m` per period (contribution, currency of the data), retention rate
:math:`r` (share of the customers alive at one renewal who are still customers at the next),
discount rate :math:`i` per period, :math:`x = r/(1+i)`.

Two timing conventions, both used in the literature, differ only in *when* a period's margin arrives:

``timing="start"`` -- margin at the **start** of each period, the first one at acquisition (t = 0),
undiscounted and certain (Berger & Nasr 1998, "Customer lifetime value: marketing models and
applications", *J. Interactive Marketing* 12(1), Case 1; Fader & Hardie 2010's DEL):

.. math:: \mathrm{CLV} = \sum_{t=0}^{\infty} \frac{m\,r^t}{(1+i)^t} = m\,\frac{1+i}{1+i-r}.

``timing="end"`` -- margin at the **end** of each period, paid only by customers retained to that
point, so the first margin is :math:`m r/(1+i)` (Gupta & Lehmann 2003, "Customers as assets",
*J. Interactive Marketing* 17(1); Gupta & Lehmann 2005, *Managing Customers as Investments*):

.. math:: \mathrm{CLV} = \sum_{t=1}^{\infty} \frac{m\,r^t}{(1+i)^t} = m\,\frac{r}{1+i-r},

where :math:`r/(1+i-r)` is Gupta & Lehmann's *margin multiplier* (it runs from 0.6/0.56 = 1.07 at
r = 60%, i = 16% to 0.9/0.2 = 4.5 at r = 90%, i = 10%). The two differ by a factor: end = start x r/(1+i).

A finite horizon of :math:`T` periods keeps the first :math:`T` margins: t = 0..T-1 (start) or
t = 1..T (end); with :math:`x = r/(1+i)`,
start :math:`= m (1-x^T)/(1-x)`, end :math:`= m\,x (1-x^T)/(1-x)`.

Margins growing by :math:`g` per period of tenure (Reichheld & Sasser's "profit per customer
rises with tenure") replace :math:`r` by :math:`r(1+g)` in the margin stream
(start: :math:`m(1+i)/(1+i-r(1+g))`), which needs :math:`r(1+g) < 1+i` for an infinite horizon.

Any stream of expected margins :math:`a_1, \dots, a_H` of periods 1..H (expected purchases times spend
for the BTYD models, :math:`m S(t)` for a survival curve) has the present value :func:`present_value`:
end :math:`\sum_k a_k/(1+i)^k`, start :math:`\sum_k a_k/(1+i)^{k-1}`.

Any survival curve :math:`S(t)` (probability of still being a customer at time t, S(0) = 1), e.g.
the shifted-beta-geometric one, gives :func:`clv_from_survival`:
start :math:`= \sum_{t=0}^{T-1} m_t S(t)/(1+i)^t`, end :math:`= \sum_{t=1}^{T} m_t S(t)/(1+i)^t`;
with :math:`S(t) = r^t` it equals :func:`clv` with horizon T.
"""
from __future__ import annotations

import numpy as np

from .checks import COUNT, PROBABILITY, RATE, SEED, checked, number, numbers, one_of
from .errors import ParameterError

TIMINGS = ("start", "end")


def check_timing(timing: str) -> str:
    if timing not in TIMINGS:
        raise ParameterError(f"timing must be 'start' (margin at the start of each period, Berger & Nasr) "
                             f"or 'end' (at the end, Gupta & Lehmann); got {timing!r}")
    return timing


def _out(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def _check_rates(retention, discount_rate):
    r = np.asarray(retention, dtype=float)
    i = np.asarray(discount_rate, dtype=float)
    if np.any((r < 0) | (r > 1)) or np.any(~np.isfinite(r)):
        raise ParameterError("retention rate must lie in [0, 1]")
    if np.any(i <= -1) or np.any(~np.isfinite(i)):
        raise ParameterError("discount rate must be a finite number > -1")
    return r, i


@checked(retention=numbers(0, 1), discount_rate=numbers(-1, low_open=True), timing=one_of("start", "end"))
def margin_multiplier(retention, discount_rate, timing: str = "end"):
    """Value of one unit of margin per period over a customer's life (infinite horizon).

    ``timing="end"``: Gupta & Lehmann's (2003, 2005) multiplier :math:`r/(1+i-r)`;
    ``timing="start"``: :math:`(1+i)/(1+i-r)` (Berger & Nasr 1998). numpy-broadcasting.

    Parameters
    ----------
    retention : float or array-like
        retention rate per period, in [0, 1].
    discount_rate : float or array-like
        discount rate per period, > -1.
    timing : {'start', 'end'}, default 'end'
        when a period's margin arrives: ``'start'`` (first margin at acquisition, Berger & Nasr 1998) or
        ``'end'`` (margins of retained customers at the end of each period, Gupta & Lehmann 2003); see
        :mod:`relmkt_utils.core.clv`.
    """
    check_timing(timing)
    r, i = _check_rates(retention, discount_rate)
    if np.any(r >= 1 + i):
        raise ParameterError("an infinite-horizon CLV needs retention < 1 + discount rate")
    num = r if timing == "end" else 1 + i
    return _out(num / (1 + i - r))


@checked(margin=numbers(), retention=numbers(0, 1), discount_rate=numbers(-1, low_open=True),
         horizon=number(0, integer=True, none=True), timing=one_of("start", "end"),
         margin_growth=numbers(-1, low_open=True))
def clv(margin, retention, discount_rate, horizon: int | None = None, timing: str = "start",
        margin_growth=0.0):
    r"""Closed-form CLV with constant retention; numpy-broadcasting in margin, retention and rate.

    ``timing="start"``: :math:`m(1+i)/(1+i-r)` (Berger & Nasr 1998);
    ``timing="end"``: :math:`m\,r/(1+i-r)` (Gupta & Lehmann 2003, 2005).
    ``horizon`` T (periods) keeps the first T margins (see the module docstring);
    ``margin_growth`` g makes the margin of tenure t equal to :math:`m(1+g)^t` (start) /
    :math:`m(1+g)^{t-1}` (end, so the first margin is m in both conventions).

    Parameters
    ----------
    margin : float or array-like
        margin per customer per period, in the currency of the data.
    retention : float or array-like
        retention rate per period, in [0, 1].
    discount_rate : float or array-like
        discount rate per period, > -1.
    horizon : int or None, default None
        number of periods whose margins count; None for an infinite horizon.
    timing : {'start', 'end'}, default 'start'
        when a period's margin arrives: ``'start'`` (first margin at acquisition, Berger & Nasr 1998) or
        ``'end'`` (margins of retained customers at the end of each period, Gupta & Lehmann 2003); see
        :mod:`relmkt_utils.core.clv`.
    margin_growth : float or array-like, default 0.0
        growth of the margin per period of tenure (> -1).
    """
    check_timing(timing)
    r, i = _check_rates(retention, discount_rate)
    m = np.asarray(margin, dtype=float)
    g = np.asarray(margin_growth, dtype=float)
    x = r * (1 + g) / (1 + i)          # ratio of successive discounted expected margins
    if horizon is None:
        if np.any(x >= 1):
            raise ParameterError("an infinite-horizon CLV needs retention x (1 + margin growth) < 1 + discount rate")
        stream = 1 / (1 - x)           # sum_{t>=0} x^t
    else:
        T = int(horizon)
        if T < 0:
            raise ParameterError("horizon must be a whole number of periods >= 0")
        with np.errstate(divide="ignore", invalid="ignore"):
            stream = np.where(np.isclose(x, 1.0), float(T), (1 - x ** T) / (1 - x))
    if timing == "start":
        return _out(m * stream)
    return _out(m * r / (1 + i) * stream)  # first margin m r/(1+i), then the same ratio x


@checked(amounts=numbers(), discount_rate=RATE, timing=one_of("start", "end"))
def present_value(amounts, discount_rate, timing: str = "end"):
    r"""Present value of the amounts :math:`a_1..a_H` of periods 1..H (last axis of ``amounts``).

    ``timing="end"``: each period's amount is paid at its end, :math:`\sum_k a_k (1+i)^{-k}` (the BTYD
    convention: purchases expected during period k are discounted as if paid at its end, as in
    Lifetimes' ``customer_lifetime_value`` and Fader, Hardie & Lee 2005, "RFM and CLV");
    ``timing="start"``: at its start, :math:`\sum_k a_k (1+i)^{-(k-1)}`. ``discount_rate`` is per period.

    Parameters
    ----------
    amounts : array-like
        amounts a_1..a_H of periods 1..H (last axis).
    discount_rate : float
        discount rate per period, > -1.
    timing : {'start', 'end'}, default 'end'
        when a period's margin arrives: ``'start'`` (first margin at acquisition, Berger & Nasr 1998) or
        ``'end'`` (margins of retained customers at the end of each period, Gupta & Lehmann 2003); see
        :mod:`relmkt_utils.core.clv`.
    """
    check_timing(timing)
    a = np.asarray(amounts, dtype=float)
    i = float(discount_rate)
    if i <= -1 or not np.isfinite(i):
        raise ParameterError("discount rate must be a finite number > -1")
    k = np.arange(1, a.shape[-1] + 1) - (1 if timing == "start" else 0)
    return _out(a @ (1 + i) ** -k.astype(float))


@checked(retention_rates=numbers(0, 1))
def survival_from_retention(retention_rates) -> np.ndarray:
    """S(0..T) = (1, r_1, r_1 r_2, ...) from the retention rates r_1..r_T of successive renewals.

    Parameters
    ----------
    retention_rates : array-like
        retention rates r_1..r_T of successive renewals, in [0, 1].
    """
    rr = np.asarray(retention_rates, dtype=float).ravel()
    if np.any((rr < 0) | (rr > 1)):
        raise ParameterError("retention rates must lie in [0, 1]")
    return np.concatenate([[1.0], np.cumprod(rr)])


@checked(margin=numbers(), survival=numbers(0, 1), discount_rate=RATE, timing=one_of("start", "end"))
def clv_from_survival(margin, survival, discount_rate, timing: str = "start") -> float:
    r"""CLV from any survival curve ``survival`` = S(0), S(1), ..., S(T) with S(0) = 1.

    start: :math:`\sum_{t=0}^{T-1} m_{t+1} S(t)/(1+i)^t`; end: :math:`\sum_{t=1}^{T} m_t S(t)/(1+i)^t`
    (periods 1..T in both). ``margin`` is a number or the T margins of periods 1..T. With
    :math:`S(t) = r^t` this equals ``clv(m, r, i, horizon=T, timing=...)``.

    Parameters
    ----------
    margin : float or array-like
        margin per period, one number or the T margins of periods 1..T.
    survival : array-like
        survival curve S(0), S(1), ..., S(T) with S(0) = 1, non-increasing.
    discount_rate : float
        discount rate per period, > -1.
    timing : {'start', 'end'}, default 'start'
        when a period's margin arrives: ``'start'`` (first margin at acquisition, Berger & Nasr 1998) or
        ``'end'`` (margins of retained customers at the end of each period, Gupta & Lehmann 2003); see
        :mod:`relmkt_utils.core.clv`.
    """
    check_timing(timing)
    S = np.asarray(survival, dtype=float).ravel()
    if S.size < 1 or not np.isclose(S[0], 1.0):
        raise ParameterError("survival must start with S(0) = 1")
    if np.any(np.diff(S) > 1e-12) or np.any(S < 0):
        raise ParameterError("survival must be non-increasing and >= 0")
    T = S.size - 1
    m = np.broadcast_to(np.asarray(margin, dtype=float), (T,))
    t = np.arange(T + 1)
    disc = (1 + float(discount_rate)) ** -t
    if timing == "start":
        return float(np.sum(m * S[:-1] * disc[:-1]))
    return float(np.sum(m * S[1:] * disc[1:]))


@checked(margin=number(), retention=PROBABILITY, discount_rate=RATE, n_customers=COUNT, seed=SEED,
         horizon=number(0, integer=True, none=True), timing=one_of("start", "end"))
def simulate_clv(margin: float, retention: float, discount_rate: float, n_customers: int,
                 seed: int, horizon: int | None = None, timing: str = "start") -> np.ndarray:
    """Realized discounted margins of ``n_customers`` simulated customers (seeded Monte Carlo).

    Each customer survives each renewal independently with probability r, so the number of
    renewals survived is L ~ Geometric: P(L >= t) = r^t. A customer pays m at t = 0..L (start) or
    t = 1..L (end), truncated to the horizon; the mean of the draws estimates :func:`clv`.

    Parameters
    ----------
    margin : float
        margin per customer per period.
    retention : float
        retention rate per period, in [0, 1].
    discount_rate : float
        discount rate per period (0.1 = 10%), > -1.
    n_customers : int
        number of simulated customers, >= 1.
    seed : int
        seed of the random draws (>= 0); the same seed gives the same numbers.
    horizon : int or None, default None
        number of periods kept; None for an infinite horizon.
    timing : {'start', 'end'}, default 'start'
        when a period's margin arrives: ``'start'`` (first margin at acquisition, Berger & Nasr 1998) or
        ``'end'`` (margins of retained customers at the end of each period, Gupta & Lehmann 2003); see
        :mod:`relmkt_utils.core.clv`.
    """
    check_timing(timing)
    rng = np.random.default_rng(seed)
    if retention >= 1:
        L = np.full(n_customers, np.iinfo(np.int64).max // 4)
    else:
        L = rng.geometric(1 - retention, size=n_customers) - 1     # renewals survived, P(L>=t) = r^t
    v = 1 / (1 + discount_rate)
    if timing == "start":
        last = L if horizon is None else np.minimum(L, horizon - 1)   # margins at t = 0..last
        n_pay = last + 1
        first = 1.0
    else:
        last = L if horizon is None else np.minimum(L, horizon)       # margins at t = 1..last
        n_pay = last
        first = v
    n_pay = np.maximum(n_pay, 0).astype(float)
    if np.isclose(v, 1.0):
        return margin * first * n_pay
    return margin * first * (1 - v ** n_pay) / (1 - v)


@checked(expected_lifetime=numbers(0), discount_rate=RATE, timing=one_of("start", "end"))
def equivalent_retention(expected_lifetime, discount_rate: float, timing: str = "start"):
    r"""The constant retention rate whose closed-form CLV equals a given discounted expected lifetime.

    ``timing="start"``: solve :math:`(1+i)/(1+i-r) = \mathrm{DEL}` for r, so
    :math:`r = (1+i)(1 - 1/\mathrm{DEL})` (DEL counts the payment at t = 0, as in Fader & Hardie 2010);
    ``timing="end"``: solve :math:`r/(1+i-r) = L`, :math:`r = (1+i) L/(1+L)`. With it, the
    constant-retention tools (customer equity, CLV - CAC grid, uplift value) reproduce the CLV of a
    heterogeneous (e.g. sBG) survival curve. numpy-broadcasting.

    Parameters
    ----------
    expected_lifetime : float or array-like
        discounted expected lifetime in periods (DEL).
    discount_rate : float
        discount rate per period, > -1.
    timing : {'start', 'end'}, default 'start'
        when a period's margin arrives: ``'start'`` (first margin at acquisition, Berger & Nasr 1998) or
        ``'end'`` (margins of retained customers at the end of each period, Gupta & Lehmann 2003); see
        :mod:`relmkt_utils.core.clv`.
    """
    check_timing(timing)
    L = np.asarray(expected_lifetime, dtype=float)
    i = float(discount_rate)
    if timing == "start":
        if np.any(L < 1):
            raise ParameterError("a start-timing discounted expected lifetime is >= 1 (the payment at t = 0)")
        r = (1 + i) * (1 - 1 / L)
    else:
        if np.any(L < 0):
            raise ParameterError("an end-timing discounted expected lifetime is >= 0")
        r = (1 + i) * L / (1 + L)
    if np.any(r > 1):
        raise ParameterError("the lifetime is too long for a constant retention rate <= 1 at this discount rate")
    return _out(r)
