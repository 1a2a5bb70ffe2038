"""Published BTYD fits, and side-by-side comparisons with relmkt's.

CDNOW 1/10 sample, 39-week calibration summary of 2,357 customers: Fader, P. S., Hardie, B. G. S. &
Lee, K. L. (2005). "Counting your customers" the easy way: an alternative to the Pareto/NBD model.
*Marketing Science* 24(2), 275-284 (BG/NBD and Pareto/NBD); Fader, P. S. & Hardie, B. G. S. (2013).
The gamma-gamma model of monetary value, http://brucehardie.com/notes/025/ (Gamma-Gamma on the same
customers' repeat spend); the MBG/NBD of Batislam, Denizel & Filiztekin (2007) as BTYDplus
(Platzer & Reutterer 2016) estimates it on the same summary (``mbgcnbd.EstimateParameters(k = 1)``).

Donations, 11,104 first-time donors of 1995 over six annual opportunities 1996-2001: Fader, P. S.,
Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a discrete-time noncontractual setting.
*Marketing Science* 29(6), 1086-1108 (BG/BB). Values as printed, with the number of decimals printed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import DataError

from .bgbb import BetaGeoBetaBinom
from .bgnbd import BetaGeo
from .gammagamma import GammaGamma
from .mbgnbd import ModifiedBetaGeo
from .paretonbd import ParetoNBD

#: (model, parameter, published value, decimals printed)
CDNOW_SAMPLE = (
    ("BG/NBD", "r", 0.243, 3), ("BG/NBD", "alpha", 4.414, 3), ("BG/NBD", "a", 0.793, 3),
    ("BG/NBD", "b", 2.426, 3), ("BG/NBD", "log-likelihood", -9582.4, 1),
    ("Pareto/NBD", "r", 0.553, 3), ("Pareto/NBD", "alpha", 10.578, 3), ("Pareto/NBD", "s", 0.606, 3),
    ("Pareto/NBD", "beta", 11.669, 3),
    ("Gamma-Gamma", "p", 6.25, 2), ("Gamma-Gamma", "q", 3.74, 2), ("Gamma-Gamma", "gamma", 15.44, 2),
    ("MBG/NBD", "r", 0.525, 3), ("MBG/NBD", "alpha", 6.183, 3), ("MBG/NBD", "a", 0.891, 3), ("MBG/NBD", "b", 1.614, 3),
)
#: (model, parameter, published value, decimals printed): Fader, Hardie & Shang (2010), donations
DONATIONS = (
    ("BG/BB", "alpha", 1.204, 3), ("BG/BB", "beta", 0.750, 3), ("BG/BB", "gamma", 0.657, 3),
    ("BG/BB", "delta", 2.783, 3), ("BG/BB", "log-likelihood", -33225.6, 1),
)
SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary_value")


def summary_gap(ours: pd.DataFrame, published: pd.DataFrame) -> dict:
    """Largest absolute difference per column between two RFM summaries of the same customers
    (both indexed by customer id; ``ours`` is aligned to ``published``'s customers)."""
    aligned = ours.reindex(published.index)
    return {c: float(np.abs(aligned[c] - published[c]).max()) for c in SUMMARY_COLUMNS}


def _side_by_side(rows, fitted: dict) -> pd.DataFrame:
    table = pd.DataFrame(list(rows), columns=["model", "parameter", "published", "decimals"]).set_index(["model", "parameter"])
    table["relmkt"] = [fitted[m].llf if p == "log-likelihood" else float(fitted[m].params[p]) for m, p in table.index]
    table["relative difference"] = table["relmkt"] / table["published"] - 1
    table["same to printed decimals"] = [round(v, int(d)) == pv for v, d, pv in
                                         zip(table["relmkt"], table["decimals"], table["published"])]
    return table


def compare_with_published(summary: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Fit BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma (repeat buyers) on ``summary`` (the paper's
    calibration summary) and set the estimates beside :data:`CDNOW_SAMPLE`.

    Returns the table (index model x parameter; columns ``published``, ``decimals``, ``relmkt``,
    ``relative difference``, ``same to printed decimals``) and, for the models whose estimates differ
    from the printed ones, their log-likelihood at relmkt's estimates and at the published values
    (``{model: (at relmkt, at published)}``)."""
    repeat = summary[summary["frequency"] > 0]
    fitted = {
        "BG/NBD": BetaGeo(summary["frequency"], summary["recency"], summary["T"]).fit(),
        "Pareto/NBD": ParetoNBD(summary["frequency"], summary["recency"], summary["T"]).fit(),
        "Gamma-Gamma": GammaGamma(repeat["frequency"], repeat["monetary_value"]).fit(),
        "MBG/NBD": ModifiedBetaGeo(summary["frequency"], summary["recency"], summary["T"]).fit(),
    }
    table = _side_by_side(CDNOW_SAMPLE, fitted)
    loglik = {m: (fitted[m].llf, fitted[m].model.loglike(table.loc[m, "published"].to_numpy()))
              for m in ("Pareto/NBD", "Gamma-Gamma")}
    return table, loglik


def compare_bgbb_donations(summary: pd.DataFrame) -> pd.DataFrame:
    """Fit the BG/BB to the donations summary (``frequency, recency, n_periods, donors``) and set the
    estimates and log-likelihood beside :data:`DONATIONS` (the table of :func:`compare_with_published`)."""
    fit = BetaGeoBetaBinom(summary["frequency"], summary["recency"], summary["n_periods"], weights=summary["donors"]).fit()
    return _side_by_side(DONATIONS, {"BG/BB": fit})


def as_printed(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison of :func:`compare_with_published` as text for a report: each published value to
    the decimals the paper printed, relmkt's to two more, the relative difference in %."""
    rows = []
    for (model, parameter), r in table.iterrows():
        d = int(r["decimals"])
        rows.append({"model": model, "parameter": parameter, "published": f"{r['published']:,.{d}f}",
                     "relmkt": f"{r['relmkt']:,.{d + 2}f}", "relative difference": f"{100 * r['relative difference']:+.2f}%",
                     "same to printed decimals": "yes" if r["same to printed decimals"] else "no"})
    return pd.DataFrame(rows)


@dataclass
class Reproduction:
    """The published fits reproduced on a dataset that ships a paper's own data: ``tables`` to show
    (the computed summary against the published one, the estimates side by side, the log-likelihoods)
    and ``summary_gap``, the largest difference between the summary computed from the log and the
    published one (None for a published summary used as it is)."""

    tables: list
    summary_gap: float | None = None


def reproduce(ds, summary: pd.DataFrame) -> Reproduction:
    """The published comparison for ``ds``: the donations' BG/BB (Fader, Hardie & Shang 2010), or, for a
    dataset with the CDNOW calibration summary, the summary computed from the log against the published
    one and the four models' estimates beside Fader, Hardie & Lee (2005) and BTYDplus."""
    if "bgbb_summary" in ds.extras and ds.extras["bgbb_summary"] is summary:
        return Reproduction([as_printed(compare_bgbb_donations(summary))])
    published = ds.extras.get("calibration_summary")
    if published is None:
        raise DataError(f"dataset {ds.name!r} ships no published summary to reproduce")
    pub = published.set_index("customer_id")
    gap = summary_gap(summary, pub)
    table, loglik = compare_with_published(pub)
    plain = {"frequency": "repeat purchases", "recency": "recency", "T": "time observed", "monetary_value": "spend per purchase"}
    gaps = pd.DataFrame({"summary column": [plain.get(c, c) for c in gap], "largest difference": list(gap.values())})
    likelihoods = pd.DataFrame([{"model": m, "log-likelihood at relmkt's estimates": ours,
                                 "log-likelihood at the published estimates": theirs}
                                for m, (ours, theirs) in loglik.items()])
    return Reproduction([gaps, as_printed(table), likelihoods], max(gap.values()))
