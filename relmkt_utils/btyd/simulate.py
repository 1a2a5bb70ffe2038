"""Seeded simulators of the BTYD models (same seed, same numbers, byte for byte).

Summaries are drawn exactly, without generating every purchase: given N purchases of a Poisson
process on [0, S], their times are S times sorted uniforms, so the time of the k-th of them is
S * Beta(k, N - k + 1).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.checks import checked, number, numbers, TEXT

POSITIVE = numbers(0, low_open=True)
CUSTOMERS = number(1, integer=True)
SEED = number(0, integer=True)
SPAN = numbers(0)


def _T_array(n: int, T) -> np.ndarray:
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    if np.any(T < 0):
        raise ValueError("simulate: T must be >= 0")
    return T


def _order_stat(rng, k: np.ndarray, n: np.ndarray, span: np.ndarray) -> np.ndarray:
    """span * (k-th smallest of n uniforms), 0 where k = 0."""
    out = np.zeros(k.shape)
    pos = k > 0
    out[pos] = span[pos] * rng.beta(k[pos], n[pos] - k[pos] + 1)
    return out


@checked(n=CUSTOMERS, r=POSITIVE, alpha=POSITIVE, a=POSITIVE, b=POSITIVE, T=SPAN, seed=SEED)
def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, T=52.0, seed: int = 0) -> pd.DataFrame:
    r"""Customers of a BG/NBD world (FHL 2005): :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`,
    :math:`p \sim \mathrm{Beta}(a, b)`, Poisson purchases at rate :math:`\lambda`, dropout with probability
    :math:`p` right after each repeat purchase.

    The number of repeat purchases a customer would make before dropping out is
    :math:`J \sim \mathrm{Geometric}(p)` on 1, 2, ...; with :math:`N \sim \mathrm{Poisson}(\lambda T)`
    purchases of the unstopped process, :math:`x = \min(N, J)` and :math:`t_x` is the x-th of N sorted
    uniform times on [0, T].

    Returns a DataFrame (index ``customer_id`` 0..n-1) with frequency, recency, T and the latent
    ``lambda_``, ``p``, ``alive`` (still alive at T)."""
    rng = np.random.default_rng(seed)
    T = _T_array(n, T)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    N = rng.poisson(lam * T)
    J = rng.geometric(np.clip(p, 1e-300, 1.0))
    x = np.minimum(N, J)
    tx = _order_stat(rng, x, N, T)
    alive = N < J
    return pd.DataFrame({"frequency": x.astype(float), "recency": tx, "T": T, "lambda_": lam, "p": p, "alive": alive},
                        index=pd.RangeIndex(n, name="customer_id"))


@checked(n=CUSTOMERS, r=POSITIVE, alpha=POSITIVE, T=SPAN, seed=SEED)
def simulate_nbd(n: int, r: float, alpha: float, T=52.0, seed: int = 0) -> pd.DataFrame:
    r"""Customers of an NBD world (Ehrenberg 1959): :math:`\lambda \sim \mathrm{Gamma}(r, \alpha)`, Poisson
    purchases at rate :math:`\lambda` on [0, T] and no dropout, so :math:`x \sim \mathrm{Poisson}(\lambda T)`
    and :math:`t_x` is the last of x uniform times on [0, T] (:mod:`relmkt_utils.btyd.nbd`).

    Parameters
    ----------
    n : int
        number of customers.
    r, alpha : float
        shape and rate of the gamma distribution of purchase rates.
    T : float or array
        time each customer is observed (one value, or one per customer).
    seed : int
        seed of the random draws.

    Returns a DataFrame (index ``customer_id`` 0..n-1) with frequency, recency, T and the latent ``lambda_``
    and ``alive`` (True for everyone)."""
    rng = np.random.default_rng(seed)
    T = _T_array(n, T)
    lam = rng.gamma(r, 1.0 / alpha, n)
    x = rng.poisson(lam * T)
    tx = _order_stat(rng, x, x, T)
    return pd.DataFrame({"frequency": x.astype(float), "recency": tx, "T": T, "lambda_": lam,
                         "alive": np.ones(n, dtype=bool)}, index=pd.RangeIndex(n, name="customer_id"))


@checked(n=CUSTOMERS, r=POSITIVE, alpha=POSITIVE, s=POSITIVE, beta=POSITIVE, T=SPAN, seed=SEED)
def simulate_paretonbd(n: int, r: float, alpha: float, s: float, beta: float, T=52.0, seed: int = 0) -> pd.DataFrame:
    r"""Customers of a Pareto/NBD world: :math:`\lambda \sim \mathrm{Gamma}(r,\alpha)`, lifetime
    :math:`\tau \sim \mathrm{Exp}(\mu)`, :math:`\mu \sim \mathrm{Gamma}(s,\beta)`; x ~ Poisson(lambda min(tau, T)),
    t_x the last of x uniform times on [0, min(tau, T)]."""
    rng = np.random.default_rng(seed)
    T = _T_array(n, T)
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    tau = rng.exponential(1.0 / mu)
    span = np.minimum(tau, T)
    x = rng.poisson(lam * span)
    tx = _order_stat(rng, x, x, span)
    return pd.DataFrame({"frequency": x.astype(float), "recency": tx, "T": T, "lambda_": lam, "mu": mu, "alive": tau > T},
                        index=pd.RangeIndex(n, name="customer_id"))


@checked(frequency=numbers(0), p=POSITIVE, q=POSITIVE, gamma=POSITIVE, seed=SEED)
def simulate_gammagamma(frequency, p: float, q: float, gamma: float, seed: int = 0) -> pd.DataFrame:
    r"""Mean spend of each customer's ``frequency`` transactions in a Gamma-Gamma world:
    :math:`\nu \sim \mathrm{Gamma}(q, \gamma)`, each value :math:`\mathrm{Gamma}(p, \nu)`, so the mean of
    x values is :math:`\mathrm{Gamma}(px, x\nu)`. ``monetary_value`` is 0 where frequency is 0."""
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=float)
    nu = rng.gamma(q, 1.0 / gamma, x.shape)
    m = np.zeros(x.shape)
    pos = x > 0
    m[pos] = rng.gamma(p * x[pos], 1.0 / (nu[pos] * x[pos]))
    return pd.DataFrame({"frequency": x, "monetary_value": m, "nu": nu})


@checked(n=CUSTOMERS, r=POSITIVE, alpha=POSITIVE, a=POSITIVE, b=POSITIVE, acquisition_days=number(1, integer=True), seed=SEED,
         id_prefix=TEXT)
def simulate_transactions(n: int, r: float, alpha: float, a: float, b: float, start="2020-01-01",
                          end="2021-12-31", acquisition_days: int = 90, spend=(6.0, 4.0, 15.0),
                          seed: int = 0, id_prefix: str = "C") -> pd.DataFrame:
    """A BG/NBD transaction log in days: customers are acquired uniformly over the first
    ``acquisition_days`` days after ``start`` and buy at the rates of the model (in purchases per day)
    until ``end``; amounts follow a Gamma-Gamma with ``spend = (p, q, gamma)``.

    Returns columns customer_id (strings ``C0000001``...), date (datetime64, daily), amount."""
    rng = np.random.default_rng(seed)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    horizon = float((end - start).days + 1)
    birth = rng.integers(0, acquisition_days, n).astype(float) + rng.random(n)
    T = horizon - birth
    lam = rng.gamma(r, 1.0 / alpha, n)
    pdrop = rng.beta(a, b, n)
    N = rng.poisson(lam * T)
    J = rng.geometric(np.clip(pdrop, 1e-300, 1.0))
    x = np.minimum(N, J)
    # all N uniform times per customer, sorted, keep the first x of them
    owner = np.repeat(np.arange(n), N)
    u = rng.random(owner.size) * T[owner]
    order = np.lexsort((u, owner))
    u = u[order]
    rank = np.arange(owner.size) - np.repeat(np.cumsum(N) - N, N)
    keep = rank < x[owner]
    cust = np.r_[np.arange(n), owner[keep]]
    t = np.r_[birth, birth[owner[keep]] + u[keep]]
    pp, qq, gg = spend
    nu = rng.gamma(qq, 1.0 / gg, n)
    amount = np.round(rng.gamma(pp, 1.0 / nu[cust]), 2)
    o = np.lexsort((t, cust))
    width = max(7, len(str(n)))
    ids = np.char.add(id_prefix, np.char.zfill(np.arange(n).astype(str), width))
    days = np.floor(t[o]).astype("int64")
    return pd.DataFrame({
        "customer_id": ids[cust[o]],
        "date": np.datetime64(start.normalize().date(), "D") + days.astype("timedelta64[D]"),
        "amount": amount[o],
    })
