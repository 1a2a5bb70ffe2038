r"""How tastes differ: the mixed logit of a choice experiment as a report uses it.

:func:`fit_tastes` fits the mixed logit (:mod:`.mixed_logit`) in two stages. The first uses R's
mlogit draws (100 plain Halton points per respondent, the first 100 dropped), which on Electricity
reproduce Train & Croissant's published estimates (:func:`.mixed_logit.published_electricity`); it is
the check against the published table and the starting point of the second stage, the report's fit
with ``n_draws`` Halton draws shifted by ``seed``. Started there, the second stage needs about four
Newton steps instead of thirteen.

Simulation error. With R draws the estimates move from one draw set to another. On Electricity the
WTP of a local supplier moved by 0.04 (standard deviation over eight draw sets) at R = 500 and by
0.05 at R = 100, against a sampling half-width of 0.26: no affordable R makes the move less than a
tenth of the half-width (at R = 1,000 the two draw sets tried still differed by 12% to 47% of it), so
the report's WTP intervals add the simulation error instead
(:meth:`.mixed_logit.MixedLogitResults.simulation_cov`, ``simulation_error=True``), and say so.
With fewer than about 500 draws the estimates are also biased (the simulated log-likelihood is
biased downwards): the time-of-day and seasonal WTP moved by 0.2-0.3 cents from R = 250 to R = 2,000,
which is why the default is 500.

:func:`taste_table` sets each attribute's WTP at the means beside the conditional logit's and gives
the share of customers whose coefficient has the opposite sign to the mean, :math:`\Phi(-|b_k|/s_k)`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .labels import label
from .mixed_logit import MixedLogitResults, fit_mixed_logit, mixed_logit_table, published_electricity

#: The mlogit draws of Train & Croissant's exercise: plain Halton points, 100 per respondent, the first 100 dropped.
MLOGIT_DRAWS = {"n_draws": 100, "seed": None, "skip": 100}

#: Published estimates by dataset name (the mixed logit of the dataset's source).
PUBLISHED = {"electricity": published_electricity}


@dataclass
class Tastes:
    """The two stages of :func:`fit_tastes`: ``fit`` (the report's draws) and ``start`` (mlogit's)."""

    fit: MixedLogitResults
    start: MixedLogitResults
    variables: list

    @property
    def n_draws(self) -> int:
        return self.fit.model.n_draws

    def flag(self) -> dict:
        """The status of the report's fit as keywords of a finding: ``{}`` when it converged with every
        standard deviation identified, else ``status="caution"`` and the ``reason`` in a sentence."""
        problems = [str(w) for w in self.fit.warnings]
        if not problems and not self.fit.converged:
            problems = ["the mixed logit did not converge"]
        return {"status": "caution", "reason": "; ".join(problems)} if problems else {}


def fit_tastes(choices: pd.DataFrame, attributes, n_draws: int = 500, seed: int = 0, price: str = "price") -> Tastes:
    """The mixed logit with every coefficient random (normal), price first, in two stages (module
    docstring): mlogit's 100 draws, then ``n_draws`` Halton draws shifted by ``seed`` from there."""
    variables = [price] + [a for a in attributes if a != price]
    start = fit_mixed_logit(choices, attributes=variables, price=price, **MLOGIT_DRAWS)
    fit = fit_mixed_logit(choices, attributes=variables, price=price, n_draws=n_draws, seed=seed, skip=10,
                          start_params=start.params.to_numpy())
    return Tastes(fit, start, variables)


def opposite_sign_share(fit: MixedLogitResults) -> pd.Series:
    """Share of customers whose coefficient has the opposite sign to the population mean, by variable:
    Phi(-|b| / s) (0 for a fixed coefficient)."""
    sds = fit.sds.replace(0.0, np.nan)
    return pd.Series(stats.norm.cdf(-fit.means.abs() / sds), index=fit.means.index).fillna(0.0)


def taste_table(tastes: Tastes, clogit_wtp: pd.DataFrame, wtp: pd.DataFrame) -> pd.DataFrame:
    """For readers, one row per attribute: its plain name, the conditional logit's WTP, the mixed
    logit's WTP at the means with ``lower``/``upper`` (``wtp``: :meth:`MixedLogitResults.wtp` with the
    simulation error) and the share of customers whose taste for it has the other sign."""
    w = wtp.set_index("attribute")
    clogit = clogit_wtp.set_index("attribute")["wtp"]
    opposite = opposite_sign_share(tastes.fit)
    return pd.DataFrame({"attribute": [label(a) for a in w.index],
                         "conditional logit": clogit.reindex(w.index).to_numpy(),
                         "mixed logit": w["wtp"].to_numpy(), "lower": w["lower"].to_numpy(),
                         "upper": w["upper"].to_numpy(),
                         "share with the opposite taste": opposite.reindex(w.index).to_numpy()})


def published_for(dataset: str) -> pd.DataFrame | None:
    """The published mixed-logit estimates of a dataset (:data:`PUBLISHED`), or None."""
    make = PUBLISHED.get(str(dataset))
    return None if make is None else make()


def replication_table(tastes: Tastes, published: pd.DataFrame | None = None) -> pd.DataFrame:
    """The two stages side by side, by variable: the means and standard deviations with mlogit's 100
    draws and with the report's draws, and the published estimates when given (they used mlogit's
    draws, so the first stage should reproduce them)."""
    s, f = tastes.start, tastes.fit
    R = f.model.n_draws
    out = pd.DataFrame({"mean, mlogit's draws": s.means, f"mean, {R} draws": f.means,
                        "sd, mlogit's draws": s.sds, f"sd, {R} draws": f.sds}).reindex(tastes.variables)
    if published is not None:
        out.insert(0, "published mean", published["mean"].reindex(out.index))
        out.insert(3, "published sd", published["sd"].reindex(out.index))
    out.index = [label(v) for v in out.index]
    out.index.name = "coefficient of"
    return out


def interval_table(fit: MixedLogitResults, n_draws: int = 5000, seed: int = 0) -> pd.DataFrame:
    """WTP intervals of the mixed logit, for researchers: delta method without and with the simulation
    error, and Krinsky & Robb (``n_draws`` draws of the means) with it; ``simulation share`` is the
    share of the interval's variance that the simulation adds."""
    plain = fit.wtp(method="delta").set_index("attribute")
    total = fit.wtp(method="delta", simulation_error=True).set_index("attribute")
    kr = fit.wtp(method="krinsky-robb", n_draws=n_draws, seed=seed, simulation_error=True).set_index("attribute")
    out = pd.DataFrame({"sampling error only": plain["wtp"], "sampling error only_lower": plain["lower"],
                        "sampling error only_upper": plain["upper"], "with simulation error": total["wtp"],
                        "with simulation error_lower": total["lower"], "with simulation error_upper": total["upper"],
                        "Krinsky-Robb": kr["wtp"], "Krinsky-Robb_lower": kr["lower"], "Krinsky-Robb_upper": kr["upper"],
                        "simulation share of the variance": 1 - (plain["se"] / total["se"]) ** 2})
    out.index = [label(a) for a in out.index]
    out.index.name = "attribute"
    return out


def lr_test(fit: MixedLogitResults, clogit) -> dict:
    """Likelihood-ratio test of equal tastes (every standard deviation 0, the conditional logit) against
    the mixed logit: LR = 2 (ll_mixed - ll_logit) on as many degrees of freedom as random coefficients.
    The null lies on the boundary (s >= 0), so the chi-square p-value is conservative (Self & Liang
    1987: the true null distribution is a mixture of chi-squares with fewer degrees of freedom)."""
    lr = 2.0 * (float(fit.llf) - float(clogit.llf))
    df = len(fit.model.random)
    return {"lr": lr, "df": df, "p": float(stats.chi2.sf(max(lr, 0.0), df))}


def simulate(tastes: Tastes, offers: pd.DataFrame, attribute: str, delta: float, seed: int = 0,
             n_draws: int = 2000, offer: str = "ours") -> pd.DataFrame:
    """Shares before and after changing ``attribute`` of ``offer`` by ``delta`` under the mixed logit
    (:meth:`MixedLogitResults.simulate_offer`, ``n_draws`` draws of the coefficients)."""
    new = float(offers.loc[offer, attribute]) + float(delta)
    return tastes.fit.simulate_offer(offers, offer, {attribute: new}, n_draws=n_draws, seed=seed)


def coefficient_table(tastes: Tastes, clogit) -> pd.DataFrame:
    """:func:`.mixed_logit.mixed_logit_table` with plain names, for researchers: each coefficient's
    population mean and standard deviation with intervals and the conditional logit's coefficient (the
    published estimates are in :func:`replication_table`)."""
    table = mixed_logit_table(tastes.fit, clogit).drop(columns="opposite_sign")
    table.index = [label(v) for v in table.index]
    table.index.name = "coefficient of"
    return table.rename(columns={"conditional_logit": "conditional logit"})
