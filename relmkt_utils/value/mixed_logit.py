r"""Mixed logit (random-coefficient logit) with normal coefficients and a panel of choices per respondent.

Model (Revelt & Train 1998; Train 2009, *Discrete Choice Methods with Simulation*, 2nd ed., ch. 6).
Respondent n has her own coefficients :math:`\beta_n`, drawn once from the population and kept for
all her choice tasks; coefficient k is normal, :math:`\beta_{nk} = b_k + s_k \xi_{nk}`,
:math:`\xi_{nk} \sim N(0, 1)` independent (a coefficient named fixed has :math:`s_k = 0`). Given
:math:`\beta_n`, the choices of her tasks t are independent logits, so

.. math::

    L_n(\theta) = \int \prod_t \frac{\exp(x_{n t c_{nt}}'\beta)}{\sum_j \exp(x_{ntj}'\beta)}\,
    \phi(\beta \mid b, s)\, d\beta \approx \frac1R \sum_{r=1}^R P_{nr},
    \qquad P_{nr} = \prod_t \mathrm{logit}_{n t c_{nt}}(\beta_{nr}),

with :math:`\beta_{nr} = b + s \odot \xi_{nr}` (panel structure: the same R draws for every task of
a respondent). The simulated log-likelihood :math:`\sum_n \ln \frac1R\sum_r P_{nr}` is maximized
(maximum simulated likelihood, Train ch. 10). Its analytic gradient, with the weights
:math:`w_{nr} = P_{nr} / \sum_{r'} P_{nr'}` and
:math:`g_{nr} = \sum_t \sum_j (y_{ntj} - p_{ntj}(\beta_{nr}))\, x_{ntj}`, is

.. math::  \partial \ell / \partial b = \sum_n \sum_r w_{nr} g_{nr}, \qquad
           \partial \ell / \partial s_k = \sum_n \sum_r w_{nr} g_{nrk} \xi_{nrk}.

Everything is vectorized over respondents x draws (tasks padded to the longest panel with a single
"chosen" dummy alternative, which contributes exactly 0). The fit is the suite's optimizer
(:func:`relmkt_utils.core.optimize.newton_fit` with ``positive`` = the standard deviations: means are
real-valued, standard deviations fitted as log s, so they are positive; Newton steps use forward
differences of the analytic gradient and the covariance central differences at the optimum).
Reported ``sd:<attr>`` is :math:`|s_k|` by construction; its interval is the log-scale Wald interval.

Draws. Halton sequences (Halton 1960; ``scipy.stats.qmc.Halton``, :func:`halton`): the k-th random coefficient
uses the k-th prime (2, 3, 5, ...), the first ``skip`` points (10) are dropped, and each dimension is
shifted modulo 1 by a seeded uniform (Cranley & Patterson 1976) before the inverse normal CDF;
respondent n takes points nR..nR+R-1 of one long sequence (Train 2000; Train 2009 sec. 9.3.3). The
same seed gives the same draws and the same estimates. ``seed=None, skip=100`` gives the plain
sequence of R's mlogit (Croissant 2020), whose estimates it then reproduces.

Willingness to pay (cents, euros ... of the price column per unit of the attribute) at the
population means: :math:`WTP_a = -b_a / b_{price}`; intervals by the delta method (Hole 2007) and by
Krinsky & Robb (1986) draws of the estimates from their asymptotic normal distribution. (The ratio of
two normal coefficients has no mean when the price coefficient is random, so the population WTP is
reported at the means; its distribution across respondents comes from the conditional means below.)

Individual-level coefficients (Revelt & Train 2000; Train 2009 ch. 11): the mean of :math:`\beta`
among people who made respondent n's choices,
:math:`E[\beta_n \mid y_n] = \sum_r w_{nr} \beta_{nr}`; the WTP distribution across respondents is
:math:`-E[\beta_{na} \mid y_n] / E[\beta_{n,price} \mid y_n]`.

Shares of a set of offers are simulated by averaging the logit probabilities over draws from the
population distribution: :math:`s_j = \frac1R \sum_r \exp(x_j'\beta_r) / \sum_l \exp(x_l'\beta_r)`
(no IIA: an offer takes share mostly from offers similar to it).

Published check: Train & Croissant's mlogit exercise 3 (Electricity, all six coefficients normal,
100 Halton draws): means pf -0.973, cl -0.206, loc 2.076, wk 1.476, tod -9.053, seas -9.104;
standard deviations 0.220, 0.378, 1.483, 1.000, 2.289, 1.181. With mlogit's draws
(``attributes=["price", "cl", "loc", "wk", "tod", "seas"], seed=None, skip=100``) the fit from the
default start returns these to 3 decimals (simulated log-likelihood -3952.49;
tests/test_value_mixed_logit.py). A simulated likelihood with 100 draws has more than one maximum:
from standard deviations started at 0.1 the same draws reach -3946.0 with sd(seas) = 0, and other
draw sets (shifted Halton, other seeds) move the means by up to ~9% and the standard deviations by
up to ~25%. Read R = 100 estimates with that simulation error in mind; more draws (R = 500-1000)
move loc, tod and seas further from zero (loc ~2.35, tod ~ -9.7, seas ~ -9.9).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special
from scipy.stats import qmc

from ..core.checks import ALPHA, COUNT, SEED, TEXT, checked, dataframe, instance, number
from ..core.errors import DataError, ParameterError
from ..core.estimate import Estimate
from ..core.optimize import newton_fit
from ..core.results import MLEResults, make_summary
from .choice import _prepare, fit_clogit_arrays, wtp_delta


# ---------------------------------------------------------------------------- draws

@checked(n_points=number(0, integer=True), dims=COUNT, seed=number(0, integer=True, none=True),
         skip=number(0, integer=True))
def halton(n_points: int, dims: int, seed: int | None = 0, skip: int = 10) -> np.ndarray:
    """``n_points`` x ``dims`` Halton points in (0, 1): the radical inverses in the first ``dims`` primes of
    the indices skip .. skip+n_points-1 (``scipy.stats.qmc.Halton`` without scrambling), each dimension
    shifted by a seeded uniform modulo 1 (``seed=None``: not shifted, the plain sequence that mlogit uses
    with skip=100).

    Parameters
    ----------
    n_points : int
        number of points.
    dims : int
        number of dimensions (one per random coefficient).
    seed : int or None, default 0
        seed of the shift modulo 1; None for the plain sequence.
    skip : int, default 10
        number of initial Halton points dropped.
    """
    sequence = qmc.Halton(d=int(dims), scramble=False)
    sequence.fast_forward(int(skip))
    out = sequence.random(int(n_points))
    if seed is not None:
        out = (out + np.random.default_rng(seed).uniform(size=dims)) % 1.0
    return np.clip(out, 1e-12, 1 - 1e-12)


@checked(n_points=number(0, integer=True), dims=COUNT, seed=number(0, integer=True, none=True),
         skip=number(0, integer=True))
def halton_normal(n_points: int, dims: int, seed: int | None = 0, skip: int = 10) -> np.ndarray:
    """Standard normal draws from :func:`halton` points (inverse normal CDF).

    Parameters
    ----------
    n_points : int
        number of points.
    dims : int
        number of dimensions (one per random coefficient).
    seed : int or None, default 0
        seed of the shift modulo 1; None for the plain sequence.
    skip : int, default 10
        number of initial Halton points dropped.
    """
    return special.ndtri(halton(n_points, dims, seed, skip))


# ---------------------------------------------------------------------------- data

@dataclass
class _Panel:
    """The choices as padded arrays: respondents x task slots x alternatives."""

    X: np.ndarray          # (N, S, K) attributes, S = T_max * J_max slots (zeros where padded)
    y: np.ndarray          # (N, S) 1 for the chosen slot (padded tasks: one chosen dummy)
    avail: np.ndarray      # (N, S) slot holds an alternative (or the dummy of a padded task)
    chosen_X: np.ndarray   # (N, T, K) attributes of the chosen alternative of each task (0: padded)
    log_avail: np.ndarray | None  # (N, S, 1) 0 where available, -inf elsewhere (None: all available)
    n_tasks: int           # real tasks
    t_max: int
    j_max: int
    respondents: pd.Index  # respondent ids, in array order


def _panel(data: pd.DataFrame, X: np.ndarray, y: np.ndarray) -> _Panel:
    resp = pd.factorize(data["respondent_id"], sort=False)
    n_idx, respondents = resp[0], pd.Index(resp[1], name="respondent_id")
    task_key = data.groupby(["respondent_id", "task"], sort=False).ngroup().to_numpy()
    # task position within respondent, alternative position within task
    first_task = pd.Series(task_key).groupby(n_idx).transform("min").to_numpy()
    t_idx = task_key - first_task
    j_idx = pd.Series(np.arange(len(data))).groupby(task_key).cumcount().to_numpy()
    N, T, J, K = respondents.size, int(t_idx.max()) + 1, int(j_idx.max()) + 1, X.shape[1]
    Xa = np.zeros((N, T, J, K))
    ya = np.zeros((N, T, J))
    av = np.zeros((N, T, J), dtype=bool)
    Xa[n_idx, t_idx, j_idx] = X
    ya[n_idx, t_idx, j_idx] = y
    av[n_idx, t_idx, j_idx] = True
    pad = ~av.any(axis=2)                         # tasks a respondent did not answer
    av[..., 0] |= pad
    ya[..., 0] += pad
    chosen_X = np.einsum("ntj,ntjk->ntk", ya, Xa)
    log_avail = None if av.all() else np.where(av, 0.0, -np.inf).reshape(N, T * J, 1)
    return _Panel(Xa.reshape(N, T * J, K), ya.reshape(N, T * J), av.reshape(N, T * J), chosen_X, log_avail,
                  int(np.unique(task_key).size), T, J, respondents)


# ---------------------------------------------------------------------------- model

#: Numbers per array of a block of respondents x slots x draws in the likelihood (about 16 MB).
CHUNK_ELEMENTS = 2_000_000


class MixedLogit:
    """Mixed logit with independent normal coefficients and panel draws; ``fit()`` -> :class:`MixedLogitResults`.

    Parameters
    ----------
    choices : a canonical choices table (respondent_id, task, alternative, chosen, price, attributes).
    attributes : attribute columns (default: every numeric attribute, as ``choice.choice_attributes``);
        the variables are the attributes and then the price, unless ``attributes`` lists the price
        too, which then fixes its position (the k-th random variable gets the k-th prime's sequence).
    price : the price column; it is a coefficient like the others (random unless listed in ``fixed``).
    fixed : variables whose coefficient is the same for everyone (only ``mean:<v>`` is estimated).
    n_draws : Halton draws per respondent (R).
    seed : seed of the random shift of the Halton sequence; ``None`` for the plain sequence.
    skip : leading Halton points dropped (10 by default; mlogit drops 100).
    """

    model_name = "mixed logit"

    def __init__(self, choices: pd.DataFrame, attributes=None, price: str = "price", fixed=(), n_draws: int = 100,
                 seed: int | None = 0, skip: int = 10):
        order = list(attributes) if attributes is not None and price in list(attributes) else None
        if order is not None:
            attributes = [a for a in order if a != price]
        data, X, y, _, attrs = _prepare(choices, attributes, price)
        self.price = price
        self.variables = order if order is not None else list(attrs) + [price]
        X = X[self.variables]
        unknown = [v for v in fixed if v not in self.variables]
        if unknown:
            raise ParameterError(f"fixed names variables that are not in the model: {', '.join(map(str, unknown))}")
        self.random = [v for v in self.variables if v not in set(fixed)]
        if int(n_draws) < 1:
            raise ParameterError(f"n_draws must be a whole number >= 1, got {n_draws!r}")
        self.n_draws, self.seed, self.skip = int(n_draws), None if seed is None else int(seed), int(skip)
        self.panel = _panel(data, X.to_numpy(dtype=float), y)
        self.ridx = np.array([self.variables.index(v) for v in self.random], dtype=int)
        N, R = self.panel.respondents.size, self.n_draws
        self.draws = halton_normal(N * R, len(self.random), seed=self.seed, skip=self.skip).reshape(N, R, len(self.random))
        self._draws_full = np.zeros((N, R, len(self.variables)))        # xi in the columns of the random ones
        self._draws_full[..., self.ridx] = self.draws
        P = self.panel
        K = len(self.variables)
        self._xi = np.ascontiguousarray(self._draws_full.transpose(0, 2, 1))   # (N, K, R) for the blocks
        self._chosen_sum = P.chosen_X.sum(axis=1)                               # (N, K) sum_t x of the chosen
        self._x4 = P.X.reshape(N, P.t_max, P.j_max, K)
        self._xx = P.X[:, :, :, None] * P.X[:, :, None, :]                    # (N, S, K, K)
        # z_a z_c of two parameters is 1, xi_k or xi_k xi_l: the index of each pair among those products
        Kr = self.ridx.size
        pairs = [(i, j) for i in range(Kr) for j in range(i, Kr)]
        which = [-1] * K + list(range(Kr))                                   # parameter -> its draw (-1: a mean)
        def product(a, c):
            i, j = sorted((which[a], which[c]))
            return 0 if j < 0 else 1 + j if i < 0 else 1 + Kr + pairs.index((i, j))
        n_par = K + Kr
        self._zz_index = np.array([[product(a, c) for c in range(n_par)] for a in range(n_par)])
        self._zz_pairs = np.array(pairs, dtype=int).reshape(-1, 2)
        self.param_names = [f"mean:{v}" for v in self.variables] + [f"sd:{v}" for v in self.random]
        self.positive = np.array([False] * len(self.variables) + [True] * len(self.random))
        self.nobs = float(self.panel.n_tasks)

    # -- likelihood ---------------------------------------------------------------------------

    def _coefficients(self, theta: np.ndarray, draws: np.ndarray | None = None) -> np.ndarray:
        """beta_nr = b + s * xi_nr, shape draws.shape[:-1] + (K,); ``draws`` (..., K_random) default the model's."""
        K = len(self.variables)
        s_full = np.zeros(K)
        s_full[self.ridx] = theta[K:]
        if draws is None:
            return theta[:K] + s_full * self._draws_full
        full = np.zeros(draws.shape[:-1] + (K,))
        full[..., self.ridx] = draws
        return theta[:K] + s_full * full

    def _chunks(self) -> list[slice]:
        """Blocks of respondents whose arrays (respondents x slots x draws) hold about
        :data:`CHUNK_ELEMENTS` numbers: the work stays in the processor's cache and the memory small
        whatever the number of draws."""
        N, S = self.panel.X.shape[:2]
        widest = max(S, (self.panel.t_max + 1) * len(self.param_names))     # slots, or tasks x parameters (Hessian)
        size = max(1, int(CHUNK_ELEMENTS // (widest * self.n_draws)))
        return [slice(i, min(N, i + size)) for i in range(0, N, size)]

    def _zz(self, xi: np.ndarray) -> np.ndarray:
        """The distinct products z_a z_c of a block's draws xi (n, Kr, R): 1, each xi_k and each
        xi_k xi_l (k <= l), as (n, R, 1 + Kr + Kr (Kr + 1) / 2) in the order of ``_zz_index``."""
        n, _, R = xi.shape
        i, j = self._zz_pairs[:, 0], self._zz_pairs[:, 1]
        return np.concatenate([np.ones((n, 1, R)), xi, xi[:, i] * xi[:, j]], axis=1).transpose(0, 2, 1)

    def _block(self, theta: np.ndarray, sl: slice):
        """Coefficients (n, K, R), the log probability of each respondent's choices per draw (n, R) and
        the unnormalized exponentials with their sums (for the choice probabilities) of a block."""
        P = self.panel
        K = len(self.variables)
        s_full = np.zeros(K)
        s_full[self.ridx] = theta[K:]
        beta = theta[:K, None] + s_full[:, None] * self._xi[sl]               # (n, K, R)
        V = P.X[sl] @ beta                                                   # (n, S, R)
        if P.log_avail is not None:
            V += P.log_avail[sl]
        n, R = V.shape[0], V.shape[2]
        V4 = V.reshape(n, P.t_max, P.j_max, R)
        m = V4.max(axis=2)                                                   # (n, T, R)
        e = np.exp(V4 - m[:, :, None, :])
        den = e.sum(axis=2)
        lnP = np.einsum("nk,nkr->nr", self._chosen_sum[sl], beta) - (m + np.log(den)).sum(axis=1)
        return beta, lnP, e, den

    def _simulate(self, theta: np.ndarray) -> np.ndarray:
        """log P_nr of each respondent's choices at each of her draws (N, R)."""
        return np.concatenate([self._block(theta, sl)[1] for sl in self._chunks()], axis=0)

    def _loglike_parts(self, theta: np.ndarray, order: int):
        """(ll,), (ll, gradient) or (ll, gradient, Hessian) of the simulated log-likelihood (order 0, 1, 2).

        With z_nr = (1, ..., 1, xi_nr) the derivative of beta_nr along each parameter (kmap: its column),
        g_nr = sum (y - p) x and H_nr = -sum_t (sum_j p x x' - xbar xbar') the logit gradient and Hessian
        in beta, and G_n = sum_r w_nr z_nr * g_nr[kmap]:
        d ll = sum_n G_n;  d2 ll = sum_n sum_r w_nr z z' * (H_nr + g_nr g_nr')[kmap, kmap] - G_n G_n'.
        Computed block by block of respondents (:meth:`_chunks`).
        """
        P = self.panel
        K, ridx = len(self.variables), self.ridx
        n_par = K + ridx.size
        kmap = np.concatenate([np.arange(K), ridx])                          # the column of beta of each parameter
        ll, grad, hess = 0.0, np.zeros(n_par), np.zeros((n_par, n_par))
        for sl in self._chunks():
            beta, lnP, e, den = self._block(theta, sl)
            lse = special.logsumexp(lnP, axis=1)
            ll += float(lse.sum() - lnP.shape[0] * np.log(self.n_draws))
            if order == 0:
                continue
            n, R = lnP.shape
            w = np.exp(lnP - lse[:, None])                                   # (n, R) weights P_nr / sum_r P_nr
            e /= den[:, :, None, :]                                          # choice probabilities (n, T, J, R)
            prob = e.reshape(n, -1, R)
            X = P.X[sl]
            g = self._chosen_sum[sl][:, :, None] - X.transpose(0, 2, 1) @ prob  # (n, K, R) logit gradient in beta
            xi = self._xi[sl][:, ridx, :]                                     # (n, Kr, R)
            wg = w[:, None, :] * g
            Gn = np.concatenate([wg.sum(axis=2), (wg[:, ridx, :] * xi).sum(axis=2)], axis=1)   # per-respondent score
            grad += Gn.sum(axis=0)
            if order == 1:
                continue
            # H_nr + g g' = sum_t xbar_t xbar_t' + g g' - sum_tj p x x': the outer products weighted by
            # w z_a z_c directly, and the last term with the draws summed first (sum_r w z_a z_c p)
            T = P.t_max
            Zo = np.empty((n, T + 1, n_par, R))                              # z_a times xbar_t (t < T) or g (t = T)
            np.matmul(self._x4[sl].transpose(0, 1, 3, 2), e, out=Zo[:, :T, :K])
            Zo[:, T, :K] = g
            np.multiply(Zo[:, :, ridx], xi[:, None], out=Zo[:, :, K:])
            hess += np.matmul(Zo * w[:, None, None, :], Zo.swapaxes(-1, -2)).sum(axis=(0, 1))
            q = prob @ np.ascontiguousarray(w[:, :, None] * self._zz(xi))   # (n, S, distinct z_a z_c)
            hess -= np.einsum("nsac,nsac->ac", self._xx[sl][:, :, kmap][:, :, :, kmap], q[:, :, self._zz_index],
                              optimize=True)
            hess -= Gn.T @ Gn
        if order == 0:
            return (ll,)
        if order == 1:
            return ll, grad
        return ll, grad, 0.5 * (hess + hess.T)

    def simulation_score_variance(self, params) -> np.ndarray:
        """Variance of the simulated score that the draws add, as for independent random draws:
        S = sum_n sum_r w_nr^2 (zg_nr - G_n)(zg_nr - G_n)', with zg_nr = z_nr * g_nr[kmap] the score of
        draw r and G_n = sum_r w_nr zg_nr the respondent's simulated score (the linearized ratio
        estimator of Train 2009, sec. 10.5.1). Halton draws are more even than random ones, so this
        overstates their simulation error (see :meth:`MixedLogitResults.simulation_cov`)."""
        theta = np.asarray(params, dtype=float)
        P = self.panel
        K, ridx = len(self.variables), self.ridx
        out = np.zeros((K + ridx.size, K + ridx.size))
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for sl in self._chunks():
                _, lnP, e, den = self._block(theta, sl)
                n, R = lnP.shape
                w = np.exp(lnP - special.logsumexp(lnP, axis=1, keepdims=True))
                prob = (e / den[:, :, None, :]).reshape(n, -1, R)
                g = self._chosen_sum[sl][:, :, None] - P.X[sl].transpose(0, 2, 1) @ prob    # (n, K, R)
                zg = np.concatenate([g, g[:, ridx] * self._xi[sl][:, ridx]], axis=1)        # (n, P, R)
                d = (zg - (w[:, None, :] * zg).sum(axis=2, keepdims=True)) * w[:, None, :]
                out += np.einsum("npr,nqr->pq", d, d)
        return out

    def loglike(self, params) -> float:
        """Simulated log-likelihood at ``params`` (means, then standard deviations, as ``param_names``)."""
        return self._loglike_parts(np.asarray(params, dtype=float), 0)[0]

    def score(self, params) -> np.ndarray:
        """Analytic gradient of :meth:`loglike`."""
        return self._loglike_parts(np.asarray(params, dtype=float), 1)[1]

    def hessian(self, params) -> np.ndarray:
        """Analytic Hessian of :meth:`loglike`."""
        return self._loglike_parts(np.asarray(params, dtype=float), 2)[2]

    def _objective(self, theta, order):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = self._loglike_parts(np.asarray(theta, dtype=float), order)
        return -out[0] if order == 0 else tuple(-x for x in out)

    def start_params(self) -> np.ndarray:
        """Conditional-logit estimates for the means; standard deviations start at max(0.05, |mean| / 10)
        (a local optimizer: try other starts when a standard deviation runs to 0, see the module docstring)."""
        P = self.panel
        keep = P.avail.ravel()              # a padded task's single dummy alternative adds nothing
        groups = np.repeat(np.arange(P.X.shape[0] * P.t_max), P.j_max)
        b, _, _ = fit_clogit_arrays(P.X.reshape(-1, P.X.shape[2])[keep], P.y.ravel()[keep], groups[keep])
        return np.concatenate([b, np.maximum(0.05, 0.1 * np.abs(b[self.ridx]))])

    def fit(self, start_params=None, maxiter: int = 100) -> "MixedLogitResults":
        """Maximum simulated likelihood by the suite's Newton optimizer (see the module docstring)."""
        x0 = self.start_params() if start_params is None else np.asarray(start_params, dtype=float)
        if x0.shape != (len(self.param_names),):
            raise ParameterError(f"start_params must hold {len(self.param_names)} values ({', '.join(self.param_names)})")
        x0 = x0.copy()
        x0[self.positive] = np.abs(x0[self.positive])
        return newton_fit(self._objective, x0, self.param_names, results_cls=MixedLogitResults, model=self,
                          nobs=self.nobs, model_name=self.model_name, analytic_hessian=True, maxiter=maxiter,
                          positive=self.positive)


@dataclass(repr=False)
class MixedLogitResults(MLEResults):
    """Fitted :class:`MixedLogit`: the results protocol plus WTP, individual coefficients and shares."""

    @property
    def means(self) -> pd.Series:
        """Population mean b of every coefficient, by variable."""
        v = self.model.variables
        return pd.Series(self.params[[f"mean:{x}" for x in v]].to_numpy(), index=v, name="mean")

    @property
    def sds(self) -> pd.Series:
        """Population standard deviation |s| of every coefficient, by variable (0 when fixed)."""
        out = pd.Series(0.0, index=self.model.variables, name="sd")
        for v in self.model.random:
            out[v] = abs(float(self.params[f"sd:{v}"]))
        return out

    def summary(self, alpha: float = 0.05):
        m = self.model
        return make_summary(
            f"{self.model_name} results (maximum simulated likelihood)",
            [["Model:", self.model_name, "Log-likelihood:", f"{self.llf:.4f}"],
             ["Respondents:", f"{m.panel.respondents.size}", "AIC:", f"{self.aic:.4f}"],
             ["Choice tasks:", f"{self.nobs:g}", "BIC:", f"{self.bic:.4f}"],
             ["Halton draws:", f"{m.n_draws} per respondent, " + ("unshifted" if m.seed is None else f"shift seed {m.seed}"), "Converged:", str(bool(self.converged))]],
            self.params, self.bse, self.conf_int(alpha), alpha,
            ["mean:<v> is the population mean of the coefficient of v, sd:<v> its standard deviation (normal).",
             "Means have Wald intervals, standard deviations Wald intervals on the log scale."] + list(self.warnings))

    # -- willingness to pay -------------------------------------------------------------------

    def _theta(self, params) -> np.ndarray:
        return self._params_or(params)

    def simulation_cov(self) -> pd.DataFrame:
        r"""Covariance that the simulation adds to the estimates (natural scale), as for independent
        random draws: :math:`V_{sim} = C\,S\,C` with :math:`C` the covariance of the estimates (the
        inverse information) and :math:`S` the variance of the simulated score
        (:meth:`MixedLogit.simulation_score_variance`; Train 2009, sec. 10.5.1, the MSL estimator's
        simulation noise). On Electricity with 100 and 500 shifted Halton draws it matched the spread
        of the estimates over eight draw sets within a factor 0.6-1.5 (the draws of a panel of 12
        tasks are weighted very unevenly, so Halton draws do little better than random ones here)."""
        if getattr(self, "_simulation_cov", None) is None:
            C = self.cov_params().to_numpy()
            S = self.model.simulation_score_variance(self.params.to_numpy())
            self._simulation_cov = pd.DataFrame(C @ S @ C, index=self.params.index, columns=self.params.index)
        return self._simulation_cov

    def _means_cov(self, simulation_error: bool) -> pd.DataFrame:
        names = [f"mean:{v}" for v in self.model.variables]
        cov = self.cov_params().loc[names, names]
        if simulation_error:
            cov = cov + self.simulation_cov().loc[names, names]
        return pd.DataFrame(cov.to_numpy(), index=self.model.variables, columns=self.model.variables)

    def wtp(self, alpha: float = 0.05, method: str = "delta", n_draws: int = 5000, seed: int = 0,
            simulation_error: bool = False) -> pd.DataFrame:
        """WTP at the population means, -b_a / b_price, per attribute, with a (1 - alpha) interval.

        ``method="delta"``: delta-method se and Wald interval (as ``choice.wtp_delta``);
        ``method="krinsky-robb"``: percentile interval of ``n_draws`` draws of the estimates from their
        asymptotic normal distribution (seeded), se = sd of the draws. With ``simulation_error`` the
        covariance of the means adds :meth:`simulation_cov`, so the interval covers the simulation
        error of the draws besides the sampling error of the estimates. Columns: ``attribute, wtp, se,
        lower, upper, method``; units: price units per unit of the attribute.
        """
        price = self.model.price
        means = self.means
        if means[price] == 0:
            raise DataError("the mean price coefficient is zero; willingness to pay is undefined")
        attrs = [v for v in self.model.variables if v != price]
        if method == "delta":
            out = wtp_delta(means, self._means_cov(simulation_error), price=price, alpha=alpha)
            out["method"] = "delta"
            return out[["attribute", "wtp", "se", "lower", "upper", "method"]]
        if method != "krinsky-robb":
            raise ValueError("method must be 'delta' or 'krinsky-robb'")
        if simulation_error:
            draws = pd.DataFrame(np.random.default_rng(seed).multivariate_normal(
                means.to_numpy(), self._means_cov(True).to_numpy(), size=n_draws, method="eigh"),
                columns=[f"mean:{v}" for v in self.model.variables])
        else:
            draws = pd.DataFrame(self.param_draws(n_draws, seed), columns=self.params.index)
        rows = []
        for a in attrs:
            d = -draws[f"mean:{a}"] / draws[f"mean:{price}"]
            e = Estimate.from_draws(-means[a] / means[price], d.to_numpy(), alpha=alpha, method="Krinsky-Robb")
            rows.append({"attribute": a, "wtp": e.value, "se": e.se, "lower": e.lower, "upper": e.upper,
                         "method": "krinsky-robb"})
        return pd.DataFrame(rows)

    def wtp_estimates(self, alpha: float = 0.05, method: str = "delta", n_draws: int = 5000, seed: int = 0,
                      simulation_error: bool = False) -> dict[str, Estimate]:
        """:meth:`wtp` as :class:`~relmkt_utils.core.estimate.Estimate` s by attribute."""
        tab = self.wtp(alpha=alpha, method=method, n_draws=n_draws, seed=seed, simulation_error=simulation_error)
        return {r.attribute: Estimate(float(r.wtp), float(r.lower), float(r.upper), float(r.se), r.method, alpha)
                for r in tab.itertuples()}

    # -- individual level ---------------------------------------------------------------------

    def individual_coefficients(self, params=None) -> pd.DataFrame:
        """E[beta_n | choices of n] per respondent (Revelt & Train 2000): rows respondent_id, columns variables."""
        m = self.model
        theta = self._theta(params)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            lnP = m._simulate(theta)
        w = np.exp(lnP - special.logsumexp(lnP, axis=1, keepdims=True))      # (N, R)
        beta = m._coefficients(theta)                                        # (N, R, K)
        cond = np.einsum("nr,nrk->nk", w, beta)
        return pd.DataFrame(cond, index=m.panel.respondents, columns=m.variables)

    def wtp_distribution(self, params=None) -> pd.DataFrame:
        """Each respondent's WTP from her conditional coefficients: -E[beta_a | y_n] / E[beta_price | y_n].

        Rows respondent_id, columns the attributes. A respondent whose conditional price coefficient is
        not negative has no WTP (NaN)."""
        c = self.individual_coefficients(params)
        price = self.model.price
        bp = c[price].where(c[price] < 0)
        return c.drop(columns=price).apply(lambda col: -col / bp)

    # -- shares -------------------------------------------------------------------------------

    def predict_shares(self, offers: pd.DataFrame, params=None, n_draws: int = 2000, seed: int = 0) -> pd.DataFrame:
        """Simulated shares of a set of offers: logit probabilities averaged over ``n_draws`` draws of the
        coefficients from the population distribution (Halton, seeded).

        ``offers`` has one row per offer and a column per variable of the model (attributes and price).
        Returns a copy with ``share`` added (shares sum to 1)."""
        m = self.model
        missing = [v for v in m.variables if v not in offers.columns]
        if missing:
            raise ValueError(f"offers lack column(s) for the coefficients: {', '.join(missing)}")
        if len(offers) == 0:
            raise ValueError("offers is empty")
        theta = self._theta(params)
        xi = halton_normal(int(n_draws), len(m.random), seed=seed)
        beta = m._coefficients(theta, xi)                                    # (R, K)
        V = offers[m.variables].astype(float).to_numpy() @ beta.T            # (J, R)
        prob = np.exp(V - special.logsumexp(V, axis=0, keepdims=True))
        out = offers.copy()
        out["share"] = prob.mean(axis=1)
        return out

    def simulate_offer(self, offers: pd.DataFrame, offer, changes: dict, params=None, n_draws: int = 2000,
                       seed: int = 0) -> pd.DataFrame:
        """Shares before and after changing offer ``offer`` (an index label of ``offers``) by ``changes``
        (variable -> new value), against the other offers unchanged. One row per offer:
        ``share_before, share_after, share_change``; the same draws before and after."""
        if offer not in offers.index:
            raise ValueError(f"offer {offer!r} is not an index label of offers")
        changed = offers.copy()
        for var, value in changes.items():
            if var not in changed.columns:
                raise ValueError(f"offers have no column '{var}'")
            changed[var] = changed[var].astype(float)
            changed.loc[offer, var] = float(value)
        before = self.predict_shares(offers, params, n_draws, seed)["share"]
        after = self.predict_shares(changed, params, n_draws, seed)["share"]
        out = pd.DataFrame({"share_before": before, "share_after": after}, index=offers.index)
        out["share_change"] = out["share_after"] - out["share_before"]
        out.attrs.update({"offer": offer, "changes": dict(changes)})
        return out


@checked(choices=dataframe(), price=TEXT, n_draws=COUNT, seed=number(0, integer=True, none=True),
         skip=number(0, integer=True))
def fit_mixed_logit(choices: pd.DataFrame, attributes=None, price: str = "price", fixed=(), n_draws: int = 100,
                    seed: int | None = 0, skip: int = 10, start_params=None) -> MixedLogitResults:
    """``MixedLogit(choices, ...).fit()`` in one call (see :class:`MixedLogit`).

    Parameters
    ----------
    choices : DataFrame
        the canonical choices table (``respondent_id``, ``task``, ``alternative``, ``chosen``, ``price`` and
        attribute columns).
    attributes : list of str or None
        attribute columns; default: every numeric column but the ids, ``chosen`` and ``price``
        (:func:`choice_attributes`).
    price : str, default 'price'
        name of the price column (its coefficient is the price part-worth).
    fixed : sequence of str, default ()
        attributes whose coefficient is fixed (no standard deviation).
    n_draws : int, default 100
        Halton draws per respondent (R).
    seed : int or None, default 0
        seed of the shift of the Halton draws; None for the plain sequence (mlogit's).
    skip : int, default 10
        number of initial Halton points dropped.
    start_params : array-like or None
        starting values (means, then standard deviations); default from the conditional logit.
    """
    return MixedLogit(choices, attributes, price, fixed, n_draws, seed, skip).fit(start_params=start_params)


# ---------------------------------------------------------------------------- simulation

@checked(means=instance(dict, text='a dict of mean coefficients'),
         sds=instance(dict, text='a dict of standard deviations'), n_respondents=COUNT, n_tasks=COUNT,
         n_alternatives=number(2, integer=True), seed=SEED, price=TEXT)
def simulate_mixed_logit(means: dict, sds: dict, n_respondents: int = 300, n_tasks: int = 10,
                         n_alternatives: int = 3, seed: int = 0, price: str = "price") -> pd.DataFrame:
    """A choices table drawn from a mixed logit with known means and standard deviations (seeded).

    Every variable of ``means`` (one of them ``price``) is an attribute; levels are independent uniform
    integers 0..4 (price: 1..9); respondent n draws beta_n ~ N(means, diag(sds^2)) once and answers
    ``n_tasks`` tasks of ``n_alternatives`` alternatives with Gumbel errors.

    Parameters
    ----------
    means : dict
        population mean of each coefficient (one of them the price's).
    sds : dict
        population standard deviation of each coefficient.
    n_respondents : int, default 300
        number of respondents.
    n_tasks : int, default 10
        choice tasks per respondent.
    n_alternatives : int, default 3
        alternatives per task (>= 2).
    seed : int, default 0
        seed of the random draws (>= 0); the same seed gives the same numbers.
    price : str, default 'price'
        name of the price variable.
    """
    if price not in means:
        raise ParameterError(f"means must include the price coefficient '{price}'")
    rng = np.random.default_rng(seed)
    names = list(means)
    b = np.array([means[v] for v in names], dtype=float)
    s = np.array([sds.get(v, 0.0) for v in names], dtype=float)
    N, T, J, K = int(n_respondents), int(n_tasks), int(n_alternatives), len(names)
    beta = b + s * rng.standard_normal((N, K))
    X = rng.integers(0, 5, size=(N, T, J, K)).astype(float)
    X[..., names.index(price)] = rng.integers(1, 10, size=(N, T, J))
    U = np.einsum("ntjk,nk->ntj", X, beta) + rng.gumbel(size=(N, T, J))
    chosen = (U == U.max(axis=2, keepdims=True)).astype(int)
    n, t, j = np.meshgrid(np.arange(N), np.arange(T), np.arange(J), indexing="ij")
    out = pd.DataFrame({"respondent_id": [f"R{i:04d}" for i in n.ravel()], "task": (t.ravel() + 1).astype(str),
                        "alternative": (j.ravel() + 1).astype(str), "chosen": chosen.ravel()})
    for k, v in enumerate(names):
        out[v] = X[..., k].ravel()
    return out


def published_electricity() -> pd.DataFrame:
    """Train & Croissant's mlogit exercise 3 on Electricity (all six coefficients normal, 100 Halton draws,
    panel): the published means and standard deviations, by the names of ``data/electricity``
    (``price`` = pf)."""
    names = ["price", "cl", "loc", "wk", "tod", "seas"]
    return pd.DataFrame({"mean": [-0.973, -0.206, 2.076, 1.476, -9.053, -9.104],
                         "sd": [0.220, 0.378, 1.483, 1.000, 2.289, 1.181]}, index=pd.Index(names, name="variable"))


# ---------------------------------------------------------------------------- report tables

@checked(alpha=ALPHA)
def mixed_logit_table(mxl: MixedLogitResults, clogit=None, published: pd.DataFrame | None = None,
                      alpha: float = 0.05) -> pd.DataFrame:
    """One row per coefficient: the population mean and standard deviation with their intervals, the
    share of customers whose coefficient has the opposite sign to the mean, and beside them the
    conditional logit's coefficient (``clogit``, a fit with ``params``) and a published estimate
    (``published``, a frame indexed by variable with ``mean`` and ``sd`` columns, as
    :func:`published_electricity`).

    Share of opposite sign: with :math:`\\beta_k \\sim N(b_k, s_k^2)`, :math:`\\Phi(-|b_k| / s_k)`
    (0 for a fixed coefficient). Columns: ``mean, mean_lower, mean_upper, sd, sd_lower, sd_upper,
    opposite_sign`` then ``conditional_logit`` and ``published_mean, published_sd`` when given.

    Parameters
    ----------
    mxl : MixedLogitResults
        fitted mixed logit.
    clogit : results or None, default None
        a conditional logit fit to set beside (its ``params``).
    published : DataFrame or None, default None
        published estimates indexed by variable with ``mean`` and ``sd`` (:func:`published_electricity`).
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    """
    from scipy import stats

    ci = mxl.conf_int(alpha)
    rows = []
    for x in mxl.model.variables:
        mean, sd = float(mxl.means[x]), float(mxl.sds[x])
        row = {"variable": x, "mean": mean, "mean_lower": float(ci.loc[f"mean:{x}", "lower"]),
               "mean_upper": float(ci.loc[f"mean:{x}", "upper"]), "sd": sd, "sd_lower": np.nan, "sd_upper": np.nan,
               "opposite_sign": float(stats.norm.cdf(-abs(mean) / sd)) if sd > 0 else 0.0}
        if x in mxl.model.random:
            lo, hi = sorted(abs(float(ci.loc[f"sd:{x}", c])) for c in ("lower", "upper"))
            row["sd_lower"], row["sd_upper"] = lo, hi
        if clogit is not None:
            row["conditional_logit"] = float(clogit.params[x]) if x in clogit.params.index else np.nan
        if published is not None:
            row["published_mean"] = float(published["mean"].get(x, np.nan))
            row["published_sd"] = float(published["sd"].get(x, np.nan))
        rows.append(row)
    return pd.DataFrame(rows).set_index("variable")


@checked(alpha=ALPHA, n_draws=number(2, integer=True), seed=SEED)
def mixed_logit_wtp(mxl: MixedLogitResults, clogit_wtp: pd.DataFrame | None = None, alpha: float = 0.05,
                    n_draws: int = 5000, seed: int = 0) -> pd.DataFrame:
    """WTP at the population means with both intervals side by side, by attribute.

    Columns ``wtp, lower, upper`` (delta method, Hole 2007), ``kr_lower, kr_upper`` (Krinsky & Robb 1986,
    ``n_draws`` seeded draws) and, when ``clogit_wtp`` (a :func:`~relmkt_utils.value.choice.willingness_to_pay`
    table) is given, ``conditional_logit_wtp`` for comparison.

    Parameters
    ----------
    mxl : MixedLogitResults
        fitted mixed logit.
    clogit_wtp : DataFrame or None, default None
        a :func:`willingness_to_pay` table to set beside.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, in (0, 1); 0.05 gives 95% intervals.
    n_draws : int, default 5000
        Krinsky-Robb draws of the estimates, >= 2.
    seed : int, default 0
        seed of the random draws (>= 0); the same seed gives the same numbers.
    """
    delta = mxl.wtp(alpha=alpha, method="delta").set_index("attribute")
    kr = mxl.wtp(alpha=alpha, method="krinsky-robb", n_draws=n_draws, seed=seed).set_index("attribute")
    out = delta[["wtp", "lower", "upper"]].join(kr[["lower", "upper"]].rename(columns=lambda c: f"kr_{c}"))
    if clogit_wtp is not None:
        out["conditional_logit_wtp"] = clogit_wtp.set_index("attribute")["wtp"].reindex(out.index)
    out.index.name = "attribute"
    return out
