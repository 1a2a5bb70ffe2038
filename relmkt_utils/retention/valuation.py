r"""What a dataset's customers are worth: the valuation of notebook 04, from a purchase log to customer equity.

:func:`basis` fixes what the numbers rest on (the period of the acquisition cohorts, the discount
rate per period, the margin rate and where it comes from); :func:`value_customers` values the
customers of a purchase log with the pooled shifted-beta-geometric model of their cohorts:

* margin :math:`m` per alive customer-period = margin rate x revenue per alive customer-period
  (:func:`relmkt_utils.retention.revenue_per_alive_period`, "alive" in the sense of the cohorts);
* the CLV of a new customer :math:`m \times \mathrm{DEL}` (Fader & Hardie 2010), with an interval
  from draws of the sBG's two parameters (it covers their uncertainty only: not the margin, not
  the model); its status follows :func:`relmkt_utils.retention.holdout.projection_caveat`;
* the equivalent constant retention :math:`r_{eq} = (1+i)(1 - 1/\mathrm{DEL})` with the same CLV, for
  the constant-retention tools (uplift, CLV - CAC, break-even spend);
* customer equity (Blattberg, Getz & Thomas 2001; Gupta, Lehmann & Stuart 2004)
  :math:`CE = N_0\,\mathrm{CLV} + \frac{n}{i}(\mathrm{CLV} - c)`, **valued only where the data give
  the acquisition cost c** (a customers column or a spend table): without it every future customer
  would be counted as free. One rule (:attr:`CustomerValue.equity_reason`) decides, and every table
  of the valuation follows it;
* the customers active now valued by their tenure, :math:`m \sum_k \mathrm{DERL}(T_k)`, beside
  :math:`N_0\,\mathrm{CLV}`: a customer valued just after acquisition is worth less than a new one
  (her first margin is paid), one who has stayed a few periods more (Fader & Hardie 2010), so
  :math:`N_0\,\mathrm{CLV}` is not "conservative" in general; :attr:`CustomerValue.current_change`
  says in which direction it errs on the data at hand.

:func:`worked_example`, :func:`monte_carlo_check` and :func:`multiplier_grid` are the closed-form
CLV of section 1 (:mod:`relmkt_utils.core.clv`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from ..core.checks import FLAG, PROBABILITY, RATE, SEED, checked, dataframe, instance, number, numbers, one_of
from ..core.clv import clv, clv_from_survival, equivalent_retention, margin_multiplier, simulate_clv
from ..core.estimate import Estimate
from ..core.time import TimeUnit, calendar_period
from ..data.dataset import Dataset
from .cohorts import PERIODS, acquisition_cost, revenue_per_alive_period
from .equity import break_even_retention_spend, clv_cac_grid, customer_equity, retention_uplift_value
from .holdout import projection_caveat
from .sbg import SBGResults, sbg_derl

#: The argument rule of a dataset.
DATASET = instance(Dataset, text="a Dataset (loaded by relmkt_utils.data.datasets.load)")

TIMINGS = {"start": "first margin at acquisition (Berger & Nasr)", "end": "margins at the end of each year (Gupta & Lehmann)"}


# ---------------------------------------------------------------------------- section 1: closed form

@checked(margin_per_year=number(), retention=PROBABILITY, annual_discount_rate=RATE,
         horizon_years=number(0, integer=True))
def worked_example(margin_per_year: float, retention: float, annual_discount_rate: float,
                   horizon_years: int) -> pd.DataFrame:
    """The closed-form CLV of one customer in both timing conventions: the margin multiplier, the CLV
    over an infinite horizon and over ``horizon_years`` (rows: timing). ``attrs``: ``clv_start``,
    ``clv_end`` and ``kinds`` (the column kinds for a reader's table).

    Parameters
    ----------
    margin_per_year : float
        margin per customer and year, in the currency of the data.
    retention : float
        annual retention rate, in [0, 1].
    annual_discount_rate : float
        discount rate per year (0.1 = 10%), > -1.
    horizon_years : int
        years of the finite-horizon CLV, a whole number >= 0.
    """
    i = annual_discount_rate
    rows = {label: {"margin multiplier (years of margin)": margin_multiplier(retention, i, t),
                    "CLV, infinite horizon": clv(margin_per_year, retention, i, timing=t),
                    f"CLV over {horizon_years} years": clv(margin_per_year, retention, i, horizon=horizon_years, timing=t)}
            for t, label in TIMINGS.items()}
    out = pd.DataFrame(rows).T.rename_axis("timing of the margin")
    out.attrs.update(clv_start=float(out.iloc[0, 1]), clv_end=float(out.iloc[1, 1]),
                     kinds={"margin multiplier (years of margin)": "number", "CLV, infinite horizon": "money",
                            f"CLV over {horizon_years} years": "money"})
    return out


@checked(margin_per_year=number(), retention=PROBABILITY, annual_discount_rate=RATE, seed=SEED,
         n_customers=number(2, integer=True))
def monte_carlo_check(margin_per_year: float, retention: float, annual_discount_rate: float, seed: int,
                      n_customers: int = 10_000) -> pd.DataFrame:
    """The closed forms beside the mean of ``n_customers`` simulated customers with geometric
    lifetimes (:func:`relmkt_utils.core.clv.simulate_clv`, seeded), the simulation's standard error and
    the difference in standard errors (rows: timing).

    Parameters
    ----------
    margin_per_year : float
        margin per customer and year, in the currency of the data.
    retention : float
        annual retention rate, in [0, 1].
    annual_discount_rate : float
        discount rate per year (0.1 = 10%), > -1.
    seed : int
        seed of the simulation, >= 0.
    n_customers : int, default 10000
        simulated customers per timing convention, >= 2 (the standard error needs two).
    """
    rows = {}
    for t, label in TIMINGS.items():
        draws = simulate_clv(margin_per_year, retention, annual_discount_rate, n_customers, seed=seed, timing=t)
        exact = clv(margin_per_year, retention, annual_discount_rate, timing=t)
        se = float(draws.std(ddof=1) / np.sqrt(draws.size))
        rows[label] = {"closed form": exact, "simulated mean": float(draws.mean()), "simulation standard error": se,
                       "difference in standard errors": (float(draws.mean()) - exact) / se}
    out = pd.DataFrame(rows).T.rename_axis("timing of the margin")
    out.attrs["kinds"] = {"closed form": "money", "simulated mean": "money", "simulation standard error": "money",
                          "difference in standard errors": "number"}
    return out


@checked(retention=numbers(0, 1), discount_rates=numbers(-1, low_open=True))
def multiplier_grid(retention=(0.6, 0.7, 0.8, 0.9), discount_rates=(0.08, 0.10, 0.12, 0.14, 0.16)) -> pd.DataFrame:
    """Gupta & Lehmann's margin multiplier r/(1+i-r) (margins at the end of each year) over annual
    retention rates (rows) and discount rates (columns).

    Parameters
    ----------
    retention : array-like, default (0.6, 0.7, 0.8, 0.9)
        annual retention rates of the rows, each in [0, 1].
    discount_rates : array-like, default (0.08, 0.10, 0.12, 0.14, 0.16)
        discount rates per year of the columns, each > -1.
    """
    r, i = np.asarray(retention, float).ravel(), np.asarray(discount_rates, float).ravel()
    out = pd.DataFrame(margin_multiplier(r[:, None], i[None, :]), index=pd.Index(r, name="annual retention"),
                       columns=[f"discount rate {x:.0%}" for x in i])
    out.attrs["kinds"] = {"annual retention": "share", **{c: "number" for c in out.columns}}
    return out


# ---------------------------------------------------------------------------- what the numbers rest on

@dataclass(frozen=True)
class Basis:
    """The settings of a valuation: the cohorts' period and discount rate per period, the margin rate
    and its source, the illustrative margin per month, the spend table's period."""

    period: TimeUnit
    spend_period: TimeUnit
    annual_discount_rate: float
    margin_rate: float
    margin_source: str
    margin_per_month: float
    purchases: bool
    spend: bool = False
    exclude_last: int = 1
    inactivity_days: float = 180
    uplift: float = 0.05

    @property
    def discount(self) -> float:
        """The discount rate per period of the cohorts."""
        return float(self.period.rate_per_period(self.annual_discount_rate))

    @property
    def spend_discount(self) -> float:
        return float(self.spend_period.rate_per_period(self.annual_discount_rate))

    @property
    def spend_margin(self) -> float:
        """The margin per customer per period of the spend table (the illustrative margin)."""
        return self.margin_per_month * self.spend_period.months

    def settings(self, currency: str = "") -> list[tuple[str, str]]:
        """(name, sentence) of each setting, for the report's header box."""
        spend = self.spend
        def rate(unit: TimeUnit) -> str:
            return f"{100 * unit.rate_per_period(self.annual_discount_rate):.3g}% a {unit.name}"
        periods = [u for u in ((self.period if self.purchases else None), (self.spend_period if spend else None))
                   if u is not None and u.name != "year"]
        discount = f"{100 * self.annual_discount_rate:.3g}% a year" + (
            " (" + ", ".join(dict.fromkeys(rate(u) for u in periods)) + ")" if periods else "")
        out = [("Discount rate", discount)]
        if self.purchases:
            p, k = self.period.name, self.exclude_last
            out += [("Margin", f"{100 * self.margin_rate:.1f}% of revenue: {self.margin_source}"),
                    ("Cohorts", f"customers grouped by the {p} of their first purchase"
                                + (f", the last {k} {p}{'s' if k != 1 else ''} of each cohort left out" if k else "")
                                + f"; a customer is alive in a {p} when she buys in it or later"),
                    ("Lapse rule", f"a customer has dropped out after {self.inactivity_days:,.0f} days without a purchase"),
                    ("Retention model", "shifted-beta-geometric (sBG), one pair of parameters for all cohorts"),
                    ("Retention uplift valued", f"{100 * self.uplift:.3g} points of annual retention (section 4a)")]
        money = f"{self.margin_per_month:,.2f} {currency}".strip()
        uses = "the worked example of section 1" + (" and the spend table of section 5" if spend else "")
        out.append(("Illustrative margin", f"{money} a month (parameter margin): {uses}"))
        return out


@checked(ds=DATASET, cohort_period=one_of(*PERIODS), spend_period=one_of(*PERIODS), annual_discount_rate=RATE,
         margin_rate=PROBABILITY, margin_from_data=FLAG, margin=number(), exclude_last=number(0, integer=True),
         inactivity_days=number(0, low_open=True), uplift=number(-1, 1))
def basis(ds, cohort_period: str = "quarter", spend_period: str = "month", annual_discount_rate: float = 0.10,
          margin_rate: float = 0.30, margin_from_data: bool = True, margin: float = 12.0, exclude_last: int = 1,
          inactivity_days: float = 180, uplift: float = 0.05) -> Basis:
    """The :class:`Basis` of a dataset: its gross margin (:meth:`relmkt_utils.data.dataset.Dataset.gross_margin`)
    when ``margin_from_data`` and the transactions carry one, else ``margin_rate``.

    Parameters
    ----------
    ds : Dataset
        the dataset valued (its transactions, customers and spend tables).
    cohort_period : {'month', 'quarter', 'year'}, default 'quarter'
        calendar period of the acquisition cohorts.
    spend_period : {'month', 'quarter', 'year'}, default 'month'
        calendar period of one row of the spend table.
    annual_discount_rate : float, default 0.10
        discount rate per year (0.1 = 10%), > -1; converted to each period.
    margin_rate : float, default 0.30
        share of revenue kept as margin, in [0, 1], where the data give none (or ``margin_from_data`` is False).
    margin_from_data : bool, default True
        use the transactions' own margin over their amount where they have one.
    margin : float, default 12.0
        illustrative margin per customer and month (the worked example, the spend table).
    exclude_last : int, default 1
        last periods of every cohort left out, a whole number >= 0.
    inactivity_days : float, default 180
        days without a purchase after which a customer has lapsed, > 0.
    uplift : float, default 0.05
        rise of annual retention valued (0.05 = 5 points), in [-1, 1].
    """
    own = ds.gross_margin() if margin_from_data else None
    has_margin = ds.transactions is not None and "margin" in ds.transactions.columns
    if own is not None:
        source = "the data's gross margin (the transactions' margin over their amount)"
    elif has_margin:
        source = "a parameter of this run (the data's own margin is switched off)"
    else:
        source = "a parameter of this run (the data carry no costs)"
    purchases = ds.transactions is not None and ds.customers is not None
    return Basis(calendar_period(cohort_period), calendar_period(spend_period), float(annual_discount_rate),
                 float(own if own is not None else margin_rate), source, float(margin), purchases, ds.spend is not None,
                 int(exclude_last), float(inactivity_days), float(uplift))


# ---------------------------------------------------------------------------- section 4: the valuation

def tenures(dropout: pd.DataFrame, period: str, observation_end) -> pd.Series:
    """How many of the customers active at the end of the data (``dropout["active_at_end"]`` of
    :func:`relmkt_utils.loyalty.time_to_dropout`) have each tenure T = whole periods from the
    period of their acquisition to that of the data's end (index T, values counts)."""
    freq = PERIODS[period]
    active = dropout.loc[dropout["active_at_end"] == 1, "start"]
    end = pd.Timestamp(observation_end).to_period(freq)
    t = (end - pd.to_datetime(active).dt.to_period(freq)).map(lambda d: d.n).clip(lower=0)
    return t.value_counts().sort_index().rename("customers").rename_axis("tenure")


@dataclass
class Uplift:
    """What r -> r + ``points`` of annual retention is worth (Reichheld & Sasser 1990): ``table``
    (rows before, after, relative change), the relative changes of CLV, customer equity and
    steady-state profit (None where the acquisition cost is unknown), or ``reason`` why not."""

    points: float
    per_period: float | None = None
    table: pd.DataFrame | None = None
    clv_change: float | None = None
    equity_change: float | None = None
    profit_change: float | None = None
    reason: str = ""

    def changes(self) -> dict:
        """The relative changes by what grows (``clv``, ``equity``, ``profit``), for :func:`~.evidence.reichheld_sasser`."""
        return {"clv": self.clv_change, "equity": self.equity_change, "profit": self.profit_change}

    def status(self, otherwise: dict) -> dict:
        """The status keywords of a finding on the uplift: not estimable with :attr:`reason` when the uplift
        cannot be valued, else ``otherwise`` (the valuation's caveat, or why equity is not valued)."""
        return {"reason": self.reason} if self.reason else otherwise


@dataclass
class CustomerValue:
    """The valuation of a dataset's customers (module docstring)."""

    period: TimeUnit
    discount: float
    revenue: float
    margin_rate: float
    lifetime: float
    alpha: float
    beta: float
    observed_periods: int
    holdout_error: float | None
    clv_draws: np.ndarray
    clv_horizon: float
    horizon_years: int
    r_constant: float
    residual_after_return: float
    active_now: int
    new_per_period: float
    cac: float | None
    cac_source: str
    tenure_counts: pd.Series

    @property
    def margin(self) -> float:
        """Margin m per alive customer-period."""
        return self.margin_rate * self.revenue

    @property
    def clv(self) -> float:
        return self.margin * self.lifetime

    @property
    def clv_estimate(self) -> Estimate:
        """The CLV with the percentile interval of the parameter draws (widened to hold the estimate)."""
        e = Estimate.from_draws(self.clv, self.clv_draws, method="sBG parameter draws")
        return Estimate(e.value, min(e.lower, e.value), max(e.upper, e.value), e.se, e.method, e.alpha)

    @property
    def del_years(self) -> float:
        return self.lifetime / self.period.periods_per_year

    @property
    def r_eq(self) -> float:
        return float(equivalent_retention(self.lifetime, self.discount))

    @property
    def annual_retention(self) -> float:
        return self.r_eq ** self.period.periods_per_year

    @property
    def caveat(self) -> dict:
        """Status and reason of every value built on the sBG (:func:`~.holdout.projection_caveat`)."""
        return projection_caveat(self.observed_periods, self.period.name, self.holdout_error)

    @property
    def cac_reason(self) -> str:
        """Why the acquisition cost is unknown ("" when it is known)."""
        return "" if self.cac is not None else "the dataset has neither acquisition costs per customer nor a spend table"

    @property
    def equity_reason(self) -> str:
        """Why customer equity is not valued ("" when it is): the one rule every table follows."""
        return "" if self.cac is not None else (
            "without the cost of winning a customer (the dataset has neither acquisition costs per customer nor a "
            "spend table) it would count an endless stream of free customers")

    def status(self, what: str = "clv") -> dict:
        """The status keywords of a finding built on the valuation: ``"clv"`` carries the sBG's caveat with
        its full reason; ``"equity"`` is not estimable without an acquisition cost; anything else built on
        the same sBG (``"derived"``) carries its caution with a short reason that points to the CLV's;
        ``"equity_change"`` (a change of equity or profit) says in short why it is not valued."""
        if what == "equity" and self.cac is None:
            return {"reason": self.equity_reason}
        if what == "equity_change" and self.cac is None:
            return {"reason": "without an acquisition cost neither customer equity nor profit is valued (section 4)"}
        if what != "clv" and self.caveat["status"] != "ok":
            return {"status": "caution", "reason": "it rests on the same sBG as the CLV of section 4 (see its caution)"}
        return self.caveat

    @property
    def equity(self) -> pd.Series | None:
        """Customer equity and its parts, or None without an acquisition cost (:attr:`equity_reason`)."""
        if self.cac is None:
            return None
        return customer_equity(self.margin, self.r_eq, self.discount, self.active_now, self.new_per_period, self.cac)

    def equity_parts(self) -> dict:
        """Customer equity and its parts (None each without an acquisition cost): ``customer_equity``,
        ``current`` (N0 x CLV), ``future`` (n/i x CLV), ``cost`` (n/i x c), ``future_share`` (of the
        gross value, current plus future), ``n0``."""
        e = self.equity
        if e is None:
            return {"customer_equity": None, "current": None, "future": None, "cost": None, "future_share": None,
                    "n0": self.active_now}
        gross = e["current_customers_value"] + e["future_customers_value"]
        return {"customer_equity": float(e["customer_equity"]), "current": float(e["current_customers_value"]),
                "future": float(e["future_customers_value"]), "cost": float(e["future_acquisition_cost"]),
                "future_share": float(e["future_customers_value"] / gross), "n0": self.active_now}

    def clv_cac_marker(self, currency: str = "") -> tuple | None:
        """(CAC, retention per period, label) of this dataset for the CLV - CAC figure; None without a CAC."""
        if self.cac is None:
            return None
        return (self.cac, self.r_eq, f"this dataset: retention {100 * self.r_eq:.1f}% a {self.period.name}, "
                                     f"CAC {self.cac:,.2f} {currency}".strip())

    @property
    def current_by_tenure(self) -> float:
        """The customers active now valued by their tenure: m x sum over them of DERL(T)."""
        derl = np.array([sbg_derl(self.alpha, self.beta, self.discount, int(t)) for t in self.tenure_counts.index])
        return float(self.margin * (self.tenure_counts.to_numpy() * derl).sum())

    @property
    def current_change(self) -> float:
        """How far N0 x CLV lies from the value by tenure: by tenure / (N0 CLV) - 1."""
        return self.current_by_tenure / (self.active_now * self.clv) - 1

    def table(self) -> pd.DataFrame:
        """The valuation in one column (rows by label, each of its own kind); customer equity and its
        parts only where it is valued."""
        p = self.period.name
        rows = [(f"revenue per active customer and {p}", self.revenue, "money"),
                (f"margin m per active customer and {p}", self.margin, "money"),
                (f"discounted expected lifetime of a new customer, DEL ({p}s)", self.lifetime, "number"),
                ("CLV of a new customer, m × DEL", self.clv, "money"),
                (f"CLV over the first {self.horizon_years} years", self.clv_horizon, "money"),
                (f"CLV with one constant retention rate ({100 * self.r_constant:.1f}% a {p})",
                 clv(self.margin, self.r_constant, self.discount), "money"),
                ("value of a customer who has come back once, m × DERL(1)", self.residual_after_return, "money"),
                (f"equivalent constant retention per {p}", self.r_eq, "share"),
                ("equivalent annual retention", self.annual_retention, "share"),
                ("customers active now, N0", self.active_now, "count"),
                (f"new customers per {p}, n", self.new_per_period, "count")]
        equity = self.equity
        if equity is None:
            rows.append(("value of the customers active now, N0 × CLV", self.active_now * self.clv, "money"))
        else:
            rows += [("acquisition cost per new customer, c", self.cac, "money"),
                     ("value of the customers active now, N0 × CLV", equity["current_customers_value"], "money"),
                     ("value of the customers still to come, n/i × CLV", equity["future_customers_value"], "money"),
                     ("what winning them costs, n/i × c", equity["future_acquisition_cost"], "money"),
                     ("customer equity", equity["customer_equity"], "money")]
        out = pd.DataFrame({"value": [v for _, v, _ in rows]}, index=pd.Index([r for r, _, _ in rows], name="quantity"))
        out.attrs["row_kinds"] = {r: k for r, _, k in rows}
        return out

    def uplift(self, points: float = 0.05) -> Uplift:
        """The value of ``points`` more annual retention: the per-period rise that lifts the annual
        equivalent rate r_eq^k by ``points``, valued with the constant-retention tools (module
        docstring); customer equity and profit only where the acquisition cost is known."""
        k = self.period.periods_per_year
        annual = self.annual_retention
        if annual + points >= 1:
            return Uplift(points, table=pd.DataFrame(), reason=f"annual retention is already {100 * annual:.1f}%: "
                                                              f"{100 * points:.0f} points more would reach 100%")
        per_period = (annual + points) ** (1 / k) - self.r_eq
        u = retention_uplift_value(self.margin, self.r_eq, self.discount, per_period, acquisition_cost=self.cac or 0.0,
                                   current_customers=self.active_now, new_customers_per_period=self.new_per_period)
        p = self.period.name
        columns = {"clv": "CLV of a new customer"}
        if self.cac is not None:
            columns.update(clv_net_of_cac="CLV minus acquisition cost", customer_equity="customer equity",
                           steady_state_customers="customers in the steady state",
                           steady_state_profit=f"profit per {p} in the steady state")
        table = u.loc[["before", "after"], list(columns)].rename(columns=columns)
        table.insert(0, "annual retention", [annual, annual + points])
        relative = (table.loc["after"] - table.loc["before"]) / table.loc["before"].abs()
        relative["annual retention"] = np.nan                       # a change of a rate is in points (the rows above)
        table.loc["relative change"] = relative
        table = table.rename_axis("")
        table.attrs["row_kinds"] = {"relative change": "change"}
        table.attrs["kinds"] = {"annual retention": "share", "customers in the steady state": "count",
                                **{c: "money" for c in table.columns if c not in ("annual retention",
                                                                                 "customers in the steady state")}}
        change = u.loc["change_pct"] / 100
        known = self.cac is not None
        return Uplift(points, per_period, table, float(change["clv"]),
                      float(change["customer_equity"]) if known else None,
                      float(change["steady_state_profit"]) if known else None)

    def break_even(self, points: float = 0.05) -> pd.DataFrame:
        """What a programme that raises annual retention by ``points`` may cost per customer and still
        pay (:func:`relmkt_utils.retention.break_even_retention_spend`, at the per-period rise of
        :meth:`uplift`); ``attrs["per_period"]`` and ``attrs["one_off"]`` hold the two break-even spends
        (None, with an empty table, when the uplift would reach 100%)."""
        per_period = self.uplift(points).per_period
        if per_period is None:
            out = pd.DataFrame()
            out.attrs.update(per_period=None, one_off=None)
            return out
        s = break_even_retention_spend(self.margin, self.r_eq, per_period, self.discount)
        p = self.period.name
        labels = {"clv_before": "CLV of a new customer now", "clv_after": "CLV of a new customer after the uplift",
                  "per_period": f"break-even spend per customer and {p}",
                  "one_off": "break-even one-off spend per new customer"}
        out = s.rename(labels).to_frame("value").rename_axis("quantity")
        out.attrs.update(row_kinds={v: "money" for v in labels.values()}, per_period=float(s["per_period"]),
                         one_off=float(s["one_off"]))
        return out

    def clv_cac_grid(self) -> pd.DataFrame:
        """CLV - CAC over retention rates per period x acquisition costs around this dataset's."""
        top = max(2 * self.clv, 3 * (self.cac or 0.0))
        return clv_cac_grid(self.margin, self.discount, np.round(np.linspace(0.30, 0.95, 27), 3), np.linspace(0, top, 41))


@checked(ds=DATASET, cohorts=dataframe(), pooled=instance(SBGResults, text="fitted sBG results (SBGResults)"),
         basis=instance(Basis, text="a Basis (retention.basis)"), dropout=dataframe(),
         holdout_error=number(0, none=True), horizon_years=number(0, integer=True), n_draws=number(2, integer=True),
         seed=SEED)
def value_customers(ds, cohorts: pd.DataFrame, pooled, basis: Basis, dropout: pd.DataFrame,
                    holdout_error: float | None = None, horizon_years: int = 10, n_draws: int = 400,
                    seed: int = 0) -> CustomerValue:
    """Value the customers of a purchase log (module docstring) with the pooled sBG ``pooled`` fitted
    to ``cohorts`` (:func:`relmkt_utils.retention.cohort_survivors` by ``basis.period``), the dropout
    table of :func:`relmkt_utils.loyalty.time_to_dropout` (who is active now) and the holdout error of
    the sBG (percent, None when it could not be checked).

    Parameters
    ----------
    ds : Dataset
        the dataset valued: its transactions, customers (acquisition costs), spend table and observation end.
    cohorts : DataFrame
        survivors per acquisition cohort by ``basis.period`` (:func:`relmkt_utils.retention.cohort_survivors`).
    pooled : SBGResults
        the pooled sBG fitted to ``cohorts`` (:func:`relmkt_utils.retention.pooled_fit`).
    basis : Basis
        the settings of the valuation (:func:`basis`): period, discount rate, margin rate.
    dropout : DataFrame
        the table of :func:`relmkt_utils.loyalty.time_to_dropout` (``active_at_end``, ``start``).
    holdout_error : float or None, default None
        the sBG's holdout error in percent, >= 0 (:meth:`relmkt_utils.retention.Holdout.error`); None when
        it could not be checked.
    horizon_years : int, default 10
        years of the finite-horizon CLV, a whole number >= 0 (at least one period is counted).
    n_draws : int, default 400
        draws of the sBG's parameters for the CLV's interval, >= 2.
    seed : int, default 0
        seed of the parameter draws, >= 0.
    """
    from .cohorts import constant_retention

    period, i = basis.period, basis.discount
    revenue = float(revenue_per_alive_period(ds.transactions, ds.customers, period=period.name)["revenue_per_alive_period"])
    life = pooled.discounted_expected_lifetime(i)
    draws = pooled.param_draws(n_draws, seed)
    clv_draws = basis.margin_rate * revenue * special.hyp2f1(1.0, draws[:, 1], draws.sum(axis=1), 1.0 / (1.0 + i))
    horizon = period.whole_periods(years=horizon_years)
    per_customer = ds.customers is not None and "acquisition_cost" in ds.customers.columns
    known = per_customer or ds.spend is not None
    cac, _ = acquisition_cost(ds.customers, ds.spend)
    cac_source = ("the mean of the customers table" if per_customer else "the spend table's acquisition spend per new "
                  "customer") if known else ""
    return CustomerValue(
        period=period, discount=i, revenue=revenue, margin_rate=basis.margin_rate, lifetime=life,
        alpha=pooled.alpha, beta=pooled.beta, observed_periods=int(pooled.model.n_periods), holdout_error=holdout_error,
        clv_draws=np.asarray(clv_draws, float),
        clv_horizon=clv_from_survival(basis.margin_rate * revenue, pooled.survival(np.arange(horizon + 1)), i),
        horizon_years=int(horizon_years), r_constant=constant_retention(cohorts),
        residual_after_return=pooled.residual_clv(basis.margin_rate * revenue, i, 1),
        active_now=int(dropout["active_at_end"].sum()), new_per_period=float(cohorts[0].mean()),
        cac=cac if known else None, cac_source=cac_source,
        tenure_counts=tenures(dropout, period.name, ds.observation_end))
