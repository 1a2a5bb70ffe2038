"""Measuring value and cost with a survey: the scales' reliability and the delivered-value index, as a
report shows them.

* :func:`scale_table` -- one row per component: its items, Cronbach's alpha with Feldt's 95% interval
  and the weakest corrected item-total correlation (:mod:`.reliability`), with plain names;
* :func:`weakest_scale` -- the component with the lowest alpha and its :class:`~.reliability.AlphaResult`;
* :func:`mean_delivered_value` -- the mean delivered-value index DV = TV - TC (:mod:`.scores`) with its
  t interval, mean +/- t_{n-1} sd / sqrt(n), and the share of customers with DV > 0;
* :func:`item_table` -- every item's mean, sd, corrected item-total r and alpha if deleted.

Kotler's survey components are the canonical constructs ``<component>_<k>`` of the survey table
(:data:`relmkt_utils.data.tables.CONSTRUCTS`); :func:`kotler_components` finds which of them a
survey measures (a survey of other constructs, such as the ECSI model's, measures none).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..core.errors import DataError
from ..core.estimate import Estimate
from ..data.tables import COST_CONSTRUCTS, VALUE_CONSTRUCTS
from .labels import label
from .reliability import cronbach_alpha, detect_constructs, item_analysis, reliability_table


def kotler_components(survey: pd.DataFrame | None) -> dict[str, list[str]]:
    """The value and cost components of Kotler's delivered value that ``survey`` has items for:
    ``{"value": [...], "cost": [...]}`` (empty lists when it has none, or no survey)."""
    if survey is None:
        return {"value": [], "cost": []}
    found = detect_constructs(survey.columns)
    return {"value": [c for c in VALUE_CONSTRUCTS if c in found], "cost": [c for c in COST_CONSTRUCTS if c in found]}


def scale_table(survey: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Reliability of each component's scale, for readers: ``component`` (plain name), ``items``,
    ``Cronbach's alpha`` with ``lower``/``upper`` (Feldt interval) and ``weakest item-total r``."""
    rel = reliability_table(survey, alpha=alpha)
    return pd.DataFrame({"component": [label(c) for c in rel["construct"]], "items": rel["k"].astype(int),
                         "Cronbach's alpha": rel["alpha"], "lower": rel["lower"], "upper": rel["upper"],
                         "weakest item-total r": rel["min_item_total_r"]})


def weakest_scale(survey: pd.DataFrame, alpha: float = 0.05):
    """``(component, AlphaResult)`` of the component whose scale has the lowest Cronbach's alpha."""
    groups = {c: cols for c, cols in detect_constructs(survey.columns).items() if len(cols) >= 2}
    if not groups:
        raise DataError("the survey has no scale of two or more items '<construct>_<k>'")
    results = {c: cronbach_alpha(survey[cols], alpha=alpha) for c, cols in groups.items()}
    worst = min(results, key=lambda c: results[c].value)
    return worst, results[worst]


def item_table(survey: pd.DataFrame) -> pd.DataFrame:
    """Every item of every component: ``component, item`` (item 1, 2, ... in the order of the survey's
    columns ``<component>_<k>``), ``mean, sd, item-total r, alpha if deleted``."""
    frames = []
    for construct, cols in detect_constructs(survey.columns).items():
        if len(cols) < 2:
            continue
        items = item_analysis(survey[cols])
        items["item"] = [f"item {k}" for k in range(1, len(cols) + 1)]
        items.insert(0, "component", label(construct))
        frames.append(items)
    out = pd.concat(frames, ignore_index=True)
    return out.rename(columns={"item_total_r": "item-total r", "alpha_if_deleted": "alpha if deleted"})


def mean_delivered_value(scores: pd.DataFrame, alpha: float = 0.05) -> tuple[Estimate, float, int]:
    """The mean delivered-value index with its t interval, the share of customers whose DV is above 0
    and the number of customers: ``(Estimate, share_positive, n)``."""
    dv = pd.to_numeric(scores["delivered_value"], errors="coerce").dropna().to_numpy(dtype=float)
    n = dv.size
    if n < 2:
        raise DataError(f"the mean delivered value needs at least two customers with a score, got {n}")
    mean, se = float(dv.mean()), float(dv.std(ddof=1) / np.sqrt(n))
    t = float(stats.t.ppf(1 - alpha / 2, n - 1))
    est = Estimate(mean, mean - t * se, mean + t * se, se, "t interval", alpha)
    return est, float((dv > 0).mean()), int(n)


def beside_truth(survey: pd.DataFrame, truth: dict) -> pd.DataFrame:
    """:func:`scale_table` with the generator's alpha of the continuous answers (before they are cut
    into seven categories; ``truth["survey"]["derived"]["cronbach_alpha_latent"]`` of a synthetic
    dataset) beside each estimate."""
    out = scale_table(survey)[["component", "Cronbach's alpha", "lower", "upper"]]
    out["true alpha (continuous answers)"] = float(truth["survey"]["derived"]["cronbach_alpha_latent"])
    return out
