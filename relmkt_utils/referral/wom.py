"""Word-of-mouth balance (口碑): promoters' positive reach against detractors' negative reach.

The source material claims that a satisfied customer leads to about 8 potential deals and a
dissatisfied one reaches about 25 people (no primary source is known; Chinese texts attribute it
to a US car-industry survey). These are parameters here, with a sensitivity range, not findings.
Evidence points the other way on incidence: across 15 studies, positive word of mouth outnumbers
negative by about 3 to 1 (East, Hammond & Wright 2007, "The relative incidence of positive and
negative word of mouth: a multi-category study", International Journal of Research in Marketing
24(2), 175-184).

  net WOM impressions = promoters x positive_reach - detractors x negative_reach
  per customer        = net / customers
  break-even reach ratio: net = 0 when positive_reach / negative_reach = detractors / promoters.

Promoters answer 9-10 and detractors 0-6 on the 0-10 recommendation question (NPS, Reichheld 2003).

Beside the evidence (:func:`wom_summary`): the claimed reaches imply a ratio of positive to negative
impressions R = promoters x positive_reach / (detractors x negative_reach) for the customer base at
hand; East, Hammond & Wright's incidence ratio E = 3 (positive WOM about three times as common as
negative) is matched by the reach ratio E x detractors / promoters.

Reference groups (:func:`reference_groups`): the source material cites INFO-PLANT, 35% of buyers
influenced by their family and 17% of internet users by online communities (亲人 / 网络社区影响);
claims, shown beside the share of purchases a dataset records by influence.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.checks import TEXT, checked, dataframe, number, numbers
from ..core.errors import require_columns
from ..core.time import to_dates
from .funnel import nps_group

SOURCE_POSITIVE_REACH = 8.0
SOURCE_NEGATIVE_REACH = 25.0
#: Positive to negative word of mouth across 15 studies: about 3 to 1 (East, Hammond & Wright 2007).
EAST_POSITIVE_TO_NEGATIVE = 3.0
#: The reaches of the sensitivity grid (people per promoter, per detractor), around the claimed 8 and 25.
POSITIVE_REACH_GRID = (2.0, 4.0, 8.0, 12.0)
NEGATIVE_REACH_GRID = (3.0, 9.0, 15.0, 25.0)
#: The source material's reference-group claims (INFO-PLANT), by the influence they name.
SOURCE_INFLUENCE = {"family": 0.35, "online_community": 0.17}


@checked(n_promoters=number(0), n_detractors=number(0), positive_reach=number(0), negative_reach=number(0),
         n_customers=number(0, none=True))
def wom_balance(n_promoters: float, n_detractors: float, positive_reach: float = SOURCE_POSITIVE_REACH,
                negative_reach: float = SOURCE_NEGATIVE_REACH, n_customers: float | None = None) -> dict:
    """Positive, negative and net WOM impressions, and net per customer (module doc).

    Parameters
    ----------
    n_promoters : float
        number of promoters (NPS 9-10).
    n_detractors : float
        number of detractors (NPS 0-6).
    positive_reach : float, default 8.0
        people a promoter tells (the source material: about 8).
    negative_reach : float, default 25.0
        people a detractor tells (the source material: about 25).
    n_customers : float or None, default None
        customers, for the net impressions per customer.
    """
    if min(n_promoters, n_detractors, positive_reach, negative_reach) < 0:
        raise ValueError("counts and reaches must be >= 0")
    pos, neg = n_promoters * positive_reach, n_detractors * negative_reach
    n = n_customers if n_customers is not None else n_promoters + n_detractors
    return {"promoters": n_promoters, "detractors": n_detractors, "customers": n,
            "positive_reach": positive_reach, "negative_reach": negative_reach,
            "positive_impressions": pos, "negative_impressions": neg, "net_impressions": pos - neg,
            "net_per_customer": (pos - neg) / n if n else np.nan,
            "break_even_reach_ratio": n_detractors / n_promoters if n_promoters else np.inf}


@checked(survey=dataframe())
def nps_counts(survey: pd.DataFrame) -> dict:
    """Promoters, passives, detractors and NPS (% promoters - % detractors) of the latest answers.

    Parameters
    ----------
    survey : DataFrame
        the canonical survey table (``customer_id``, ``date``, ``nps``, Likert items ``<construct>_<k>``,
        ...).
    """
    require_columns(survey, "survey", ("customer_id", "nps"))
    s = survey
    if "date" in s.columns:
        s = s.assign(_d=to_dates(s["date"])).sort_values("_d")
    latest = s.groupby("customer_id").tail(1)
    g = nps_group(latest["nps"]).value_counts()
    n = int(g.sum())
    pro, pas, det = (int(g.get(k, 0)) for k in ("promoter", "passive", "detractor"))
    return {"customers": n, "promoters": pro, "passives": pas, "detractors": det,
            "nps": 100 * (pro - det) / n if n else np.nan}


@checked(survey=dataframe(), positive_reach=number(0), negative_reach=number(0))
def wom_from_survey(survey: pd.DataFrame, positive_reach: float = SOURCE_POSITIVE_REACH,
                    negative_reach: float = SOURCE_NEGATIVE_REACH) -> dict:
    """:func:`wom_balance` on the survey's latest NPS answer per customer (plus the NPS itself).

    Parameters
    ----------
    survey : DataFrame
        the canonical survey table (``customer_id``, ``date``, ``nps``, Likert items ``<construct>_<k>``,
        ...).
    positive_reach : float, default 8.0
        people a promoter tells (the source material: about 8).
    negative_reach : float, default 25.0
        people a detractor tells (the source material: about 25).
    """
    c = nps_counts(survey)
    out = wom_balance(c["promoters"], c["detractors"], positive_reach, negative_reach, c["customers"])
    out["nps"] = c["nps"]
    return out


@checked(n_promoters=number(0), n_detractors=number(0), n_customers=number(0, low_open=True),
         positive_reach=numbers(0), negative_reach=numbers(0))
def wom_sensitivity(n_promoters: float, n_detractors: float, n_customers: float,
                    positive_reach=(2, 4, 8, 12), negative_reach=(3, 9, 15, 25)) -> pd.DataFrame:
    """Net WOM impressions per customer over a grid of reaches (rows: positive, columns: negative).

    Parameters
    ----------
    n_promoters : float
        number of promoters (NPS 9-10).
    n_detractors : float
        number of detractors (NPS 0-6).
    n_customers : float
        customers, for the net impressions per customer, > 0.
    positive_reach : sequence of float, default (2, 4, 8, 12)
        reaches of a promoter (rows).
    negative_reach : sequence of float, default (3, 9, 15, 25)
        reaches of a detractor (columns).
    """
    pr = np.asarray(positive_reach, float)[:, None]
    nr = np.asarray(negative_reach, float)[None, :]
    net = (n_promoters * pr - n_detractors * nr) / n_customers
    return pd.DataFrame(net, index=pd.Index(positive_reach, name="positive_reach"),
                        columns=pd.Index(negative_reach, name="negative_reach"))


@dataclass
class WomSummary:
    """The word-of-mouth balance of a survey at assumed reaches, beside the evidence (module docstring).

    ``counts`` (:func:`nps_counts`), ``balance`` (:func:`wom_balance` at the assumed reaches),
    ``sensitivity`` (net per respondent over the reach grid), ``implied_ratio`` R, ``east_reach_ratio``
    the reach ratio that gives East et al.'s 3:1."""

    counts: dict
    balance: dict
    sensitivity: pd.DataFrame
    implied_ratio: float
    east_reach_ratio: float

    def grid_range(self) -> dict:
        """The reaches the grid spans and its highest net balance: pos_low, pos_high, neg_low, neg_high
        (people per promoter and per detractor) and high (net people per respondent)."""
        pos, neg = self.sensitivity.index.to_numpy(float), self.sensitivity.columns.to_numpy(float)
        return {"pos_low": pos.min(), "pos_high": pos.max(), "neg_low": neg.min(), "neg_high": neg.max(),
                "high": self.net_range[1]}

    @property
    def net_range(self) -> tuple[float, float]:
        """The lowest and highest net impressions per respondent over the grid."""
        v = self.sensitivity.to_numpy(float)
        return float(v.min()), float(v.max())


@checked(survey=dataframe(), positive_reach=number(0), negative_reach=number(0))
def wom_summary(survey: pd.DataFrame, positive_reach: float = SOURCE_POSITIVE_REACH,
                negative_reach: float = SOURCE_NEGATIVE_REACH) -> WomSummary:
    """:func:`wom_balance` of the survey's latest NPS answers at the assumed reaches, the sensitivity over
    :data:`POSITIVE_REACH_GRID` x :data:`NEGATIVE_REACH_GRID` (plus the assumed reaches) and the ratios of
    the module docstring.

    Parameters
    ----------
    survey : DataFrame
        the canonical survey table (``customer_id``, ``date``, ``nps``, Likert items ``<construct>_<k>``,
        ...).
    positive_reach : float, default 8.0
        people a promoter tells (the source material: about 8), >= 0.
    negative_reach : float, default 25.0
        people a detractor tells (the source material: about 25), >= 0.
    """
    c = nps_counts(survey)
    balance = wom_balance(c["promoters"], c["detractors"], positive_reach, negative_reach, c["customers"])
    grid = wom_sensitivity(c["promoters"], c["detractors"], c["customers"],
                           positive_reach=sorted({*POSITIVE_REACH_GRID, float(positive_reach)}),
                           negative_reach=sorted({*NEGATIVE_REACH_GRID, float(negative_reach)}))
    neg = balance["negative_impressions"]
    implied = balance["positive_impressions"] / neg if neg > 0 else np.inf
    east = EAST_POSITIVE_TO_NEGATIVE * c["detractors"] / c["promoters"] if c["promoters"] else np.inf
    return WomSummary(c, balance, grid, float(implied), float(east))


@checked(transactions=dataframe(), column=TEXT)
def reference_groups(transactions: pd.DataFrame, column: str = "influence") -> pd.DataFrame:
    """Share of purchases by the reference group the data record as their influence, beside the
    source material's claims (:data:`SOURCE_INFLUENCE`; missing where it makes none).

    Parameters
    ----------
    transactions : DataFrame
        the canonical transactions table with the column ``column`` (the influence the buyer named).
    column : str, default 'influence'
        name of the column that records the reference group of each purchase.
    """
    require_columns(transactions, "transactions", (column,))
    share = transactions[column].astype(str).value_counts(normalize=True)
    out = pd.DataFrame({"share of purchases": share,
                        "share claimed by the source material": [SOURCE_INFLUENCE.get(k, np.nan) for k in share.index]})
    out.index = [str(k).replace("_", " ") for k in out.index]
    out.index.name = "influence"
    return out
