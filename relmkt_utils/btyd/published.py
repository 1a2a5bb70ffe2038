"""The published BTYD fits to the CDNOW 1/10 sample, and a side-by-side comparison with relmkt's.

Sources: Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way:
an alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284 (BG/NBD and Pareto/NBD
estimates on the 39-week calibration summary of 2,357 customers); Fader, P. S. & Hardie, B. G. S.
(2013). The gamma-gamma model of monetary value, http://brucehardie.com/notes/025/ (Gamma-Gamma
on the same customers' repeat spend). Values as printed, with the number of decimals printed.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .bgnbd import BetaGeo
from .gammagamma import GammaGamma
from .paretonbd import ParetoNBD

#: (model, parameter, published value, decimals printed)
CDNOW_SAMPLE = (
    ("BG/NBD", "r", 0.243, 3), ("BG/NBD", "alpha", 4.414, 3), ("BG/NBD", "a", 0.793, 3),
    ("BG/NBD", "b", 2.426, 3), ("BG/NBD", "log-likelihood", -9582.4, 1),
    ("Pareto/NBD", "r", 0.553, 3), ("Pareto/NBD", "alpha", 10.578, 3), ("Pareto/NBD", "s", 0.606, 3),
    ("Pareto/NBD", "beta", 11.669, 3),
    ("Gamma-Gamma", "p", 6.25, 2), ("Gamma-Gamma", "q", 3.74, 2), ("Gamma-Gamma", "gamma", 15.44, 2),
)
SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary_value")


def summary_gap(ours: pd.DataFrame, published: pd.DataFrame) -> dict:
    """Largest absolute difference per column between two RFM summaries of the same customers
    (both indexed by customer id; ``ours`` is aligned to ``published``'s customers)."""
    aligned = ours.reindex(published.index)
    return {c: float(np.abs(aligned[c] - published[c]).max()) for c in SUMMARY_COLUMNS}


def compare_with_published(summary: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Fit BG/NBD, Pareto/NBD and Gamma-Gamma (repeat buyers) on ``summary`` (the paper's calibration
    summary) and set the estimates beside :data:`CDNOW_SAMPLE`.

    Returns the table (index model x parameter; columns ``published``, ``decimals``, ``relmkt``,
    ``relative difference``, ``same to printed decimals``) and, for the models whose estimates differ
    from the printed ones, their log-likelihood at relmkt's estimates and at the published values
    (``{model: (at relmkt, at published)}``)."""
    repeat = summary[summary["frequency"] > 0]
    fitted = {
        "BG/NBD": BetaGeo(summary["frequency"], summary["recency"], summary["T"]).fit(),
        "Pareto/NBD": ParetoNBD(summary["frequency"], summary["recency"], summary["T"]).fit(),
        "Gamma-Gamma": GammaGamma(repeat["frequency"], repeat["monetary_value"]).fit(),
    }
    table = pd.DataFrame(list(CDNOW_SAMPLE), columns=["model", "parameter", "published", "decimals"])
    table = table.set_index(["model", "parameter"])
    table["relmkt"] = [fitted[m].llf if p == "log-likelihood" else float(fitted[m].params[p]) for m, p in table.index]
    table["relative difference"] = table["relmkt"] / table["published"] - 1
    table["same to printed decimals"] = [round(v, int(d)) == pv for v, d, pv in
                                         zip(table["relmkt"], table["decimals"], table["published"])]
    loglik = {m: (fitted[m].llf, fitted[m].model.loglike(table.loc[m, "published"].to_numpy()))
              for m in ("Pareto/NBD", "Gamma-Gamma")}
    return table, loglik
