r"""Where should the next unit of money go? A spend table through Blattberg & Deighton's customer equity test.

:func:`cost_table` sets what a retained and a new customer cost on average (the source material's
"5-25 times" is such a ratio); :func:`spending_optimum` fits the response curves to the spend table
(:func:`relmkt_utils.retention.fit_response_curves`) and finds the acquisition spend per prospect
:math:`A^*` and retention spend per customer and period :math:`R^*` that maximize customer equity per
prospect (:func:`relmkt_utils.retention.optimal_spend`, Blattberg & Deighton 1996), with two 95%
intervals (delta method; parametric bootstrap of the spend table's binomial counts) that cover the
sampling error of the response curves, not the choice of their shape. At the optimum the marginal
cost of a customer, new or kept, equals the value she brings (Pfeifer 2005): the table of
:meth:`SpendingOptimum.costs` shows average and marginal costs side by side.

Every table here has plain labels (``attrs["kinds"]`` or ``attrs["row_kinds"]`` give each value's
kind), never the parameter keys of the model.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.checks import RATE, SEED, checked, dataframe, number, one_of
from ..core.estimate import Estimate
from .allocation import (PARAMS, ResponseCurves, average_and_marginal_costs, customer_equity_per_prospect,
                         equity_surface, fit_response_curves, optimal_spend)
from .cohorts import PERIODS, retention_vs_acquisition_cost

#: Plain names of the response curves' parameters (Blattberg & Deighton 1996).
PARAMETER_LABELS = {"ceiling_a": "acquisition ceiling cₐ (most prospects spending can win)",
                    "k_a": "acquisition efficiency kₐ (per unit of spend per prospect)",
                    "ceiling_r": "retention ceiling cᵣ (most customers spending can keep)",
                    "k_r": "retention efficiency kᵣ (per unit of spend per customer)"}
OPTIMUM_LABELS = {"acquisition_spend": "acquisition spend per prospect, A*",
                  "retention_spend": "retention spend per customer and period, R*",
                  "equity_per_prospect": "customer equity per prospect, CE*",
                  "value_per_customer": "value of an acquired customer, V"}


@checked(spend=dataframe(none=True), customers=dataframe(none=True), period=one_of(*PERIODS))
def cost_table(spend: pd.DataFrame | None, customers: pd.DataFrame | None, period: str = "month") -> pd.DataFrame:
    """What keeping and winning a customer cost on average (:func:`relmkt_utils.retention.retention_vs_acquisition_cost`),
    one row per cost with a plain description; ``attrs["ratio"]`` is the spend table's acquisition
    cost per new customer over its retention cost per retained customer (None without a spend table).

    Parameters
    ----------
    spend : DataFrame or None
        the spend table (acquisition and retention spend, new and retained customers per period); None
        when the dataset has none.
    customers : DataFrame or None
        the customers table (an ``acquisition_cost`` column per customer where it has one); None when
        the dataset has none.
    period : {'month', 'quarter', 'year'}, default 'month'
        calendar period of one row of the spend table, as the descriptions say it.
    """
    c = retention_vs_acquisition_cost(spend, customers)
    what = [(f"keeping a customer one more {period}" if k == "retention" else "winning a new customer")
            + (f": {ch}" if ch != "all" else "") + (" (spend table)" if s == "spend" else " (customers table)")
            for k, s, ch in zip(c["kind"], c["source"], c["channel"])]
    out = pd.DataFrame({"cost": what, "customers": c["customers"], "total cost": c["total_cost"],
                        "cost per customer": c["cost_per_customer"],
                        "times the cost of keeping a customer": c["ratio_to_retention"]})
    out.attrs["kinds"] = {"customers": "count", "total cost": "money", "cost per customer": "money",
                          "times the cost of keeping a customer": "ratio"}
    spend_rows = c[(c["kind"] == "acquisition") & (c["source"] == "spend")]["ratio_to_retention"]
    out.attrs["ratio"] = float(spend_rows.iloc[0]) if len(spend_rows) and np.isfinite(spend_rows.iloc[0]) else None
    return out


@dataclass
class SpendingOptimum:
    """The customer equity optimum of a spend table (module docstring). ``margin`` is per customer
    and spend-table period, ``discount`` the discount rate per period."""

    fit: object
    margin: float
    discount: float
    optimum: object
    delta: pd.DataFrame
    bootstrap: pd.DataFrame
    n_boot: int

    @property
    def mean_spend(self) -> tuple[float, float]:
        """The firm's mean acquisition spend per prospect and retention spend per customer."""
        return float(np.mean(self.fit.data["A"])), float(np.mean(self.fit.data["R"]))

    @property
    def equity_at_mean(self) -> float:
        A, R = self.mean_spend
        return float(customer_equity_per_prospect(A, R, self.fit.curves, self.margin, self.discount))

    @property
    def gain(self) -> float:
        """Customer equity per prospect at the optimum relative to the firm's mean spends, minus one."""
        return self.optimum.equity_per_prospect / self.equity_at_mean - 1

    def direction(self, what: str, band: float = 0.1) -> str:
        """How the optimum's spend on ``what`` ("acquisition" or "retention") compares with the firm's mean
        spend: "more", "less" or "about as much" (within ``band`` of it)."""
        mean = self.mean_spend[0 if what == "acquisition" else 1]
        best = getattr(self.optimum, f"{what}_spend")
        return "about as much" if abs(best - mean) <= band * mean else ("more" if best > mean else "less")

    def surface(self, n: int = 61) -> pd.DataFrame:
        """Customer equity per prospect over a grid of spends that holds both the optimum and the firm's
        mean spends (:func:`relmkt_utils.retention.equity_surface`)."""
        A, R = self.mean_spend
        top_a = 1.25 * max(2 * self.optimum.acquisition_spend, A) or self.margin
        top_r = 1.25 * max(2 * self.optimum.retention_spend, R) or self.margin
        return equity_surface(self.fit.curves, self.margin, self.discount, np.linspace(0, top_a, n), np.linspace(0, top_r, n))

    def estimate(self, key: str) -> Estimate:
        """``key`` of the optimum (acquisition_spend, retention_spend, equity_per_prospect,
        value_per_customer) with its delta-method interval."""
        row = self.delta.loc[key]
        return Estimate(float(row["estimate"]), float(row["lower"]), float(row["upper"]), float(row["se"]), "delta method")

    def parameters(self, truth: dict | None = None) -> pd.DataFrame:
        """The response curves' parameters with 95% intervals (t quantiles), beside the true curves of a
        synthetic world (``truth``: a dataset's truth, whose ``spend`` entry holds them; None on real data)."""
        truth = (truth or {}).get("spend")
        ci = self.fit.conf_int()
        out = pd.DataFrame({"estimate": self.fit.params, "lower": ci["lower"], "upper": ci["upper"]})
        if truth:
            out["truth"] = ResponseCurves.from_mapping(truth).as_series()
        out = out.rename(index=PARAMETER_LABELS).rename_axis("parameter")
        out.attrs["row_kinds"] = {PARAMETER_LABELS[k]: ("share" if k.startswith("ceiling") else "number") for k in PARAMS}
        return out

    def intervals(self, truth: dict | None = None) -> pd.DataFrame:
        """The optimum with its delta-method and bootstrap 95% intervals (and the true optimum of a
        synthetic world's curves, at the same margin and discount rate; ``truth`` as in :meth:`parameters`)."""
        truth = (truth or {}).get("spend")
        out = pd.DataFrame({"delta method": self.delta["estimate"], "delta method_lower": self.delta["lower"],
                            "delta method_upper": self.delta["upper"], "bootstrap": self.bootstrap["estimate"],
                            "bootstrap_lower": self.bootstrap["lower"], "bootstrap_upper": self.bootstrap["upper"]})
        if truth:
            true = optimal_spend(ResponseCurves.from_mapping(truth), self.margin, self.discount)
            out["truth"] = [getattr(true, k) for k in out.index]
        out = out.rename(index=OPTIMUM_LABELS).rename_axis("at the optimum")
        out.attrs["kinds"] = {c: "money" for c in out.columns}
        return out

    def costs(self, period: str = "month") -> pd.DataFrame:
        """Average and marginal cost of a new and of a retained customer at the optimum."""
        c = average_and_marginal_costs(self.fit.curves, self.optimum.acquisition_spend, self.optimum.retention_spend)
        out = pd.DataFrame({"spend per head": c["spend"], "rate it buys": c["rate"],
                            "average cost per customer": c["average_cost"],
                            "marginal cost of one more customer": c["marginal_cost"]})
        out.index = ["winning a new customer", f"keeping a customer one more {period}"]
        out.attrs["kinds"] = {"spend per head": "money", "rate it buys": "share", "average cost per customer": "money",
                              "marginal cost of one more customer": "money"}
        return out.rename_axis("")


@checked(spend=dataframe(), margin=number(), discount=RATE, n_boot=number(2, integer=True), seed=SEED)
def spending_optimum(spend: pd.DataFrame, margin: float, discount: float, n_boot: int = 300,
                     seed: int = 0) -> SpendingOptimum:
    """Fit the response curves to ``spend`` and find the optimum at ``margin`` per customer and period
    and ``discount`` per period, with delta-method and bootstrap (``n_boot`` redraws, ``seed``) intervals.

    Parameters
    ----------
    spend : DataFrame
        the spend table (:func:`relmkt_utils.retention.fit_response_curves` names its columns).
    margin : float
        margin per customer and period of the spend table, in the currency of the data.
    discount : float
        discount rate per period of the spend table, > -1.
    n_boot : int, default 300
        parametric bootstrap redraws of the spend table for the bootstrap interval, >= 2.
    seed : int, default 0
        seed of the bootstrap, >= 0.
    """
    fit = fit_response_curves(spend)
    return SpendingOptimum(fit, float(margin), float(discount), fit.optimum(margin, discount),
                           fit.optimum_conf_int(margin, discount),
                           fit.optimum_conf_int(margin, discount, method="bootstrap", n_boot=n_boot, seed=seed), n_boot)
