"""Willingness to pay from the conditional logit, as a report shows it.

The WTP of attribute a is -beta_a / beta_price in the unit of the price column per unit of the
attribute (:func:`.choice.willingness_to_pay`, delta-method interval; :func:`.choice.bootstrap_wtp`,
percentile interval over resampled respondents). These helpers pick the headline and lay out the
tables: :func:`most_valued` (the attribute customers would pay most for), :func:`reader_table` (each
attribute's WTP with its interval, plain names) and :func:`interval_table` (delta method beside the
bootstrap, and the generator's truth on synthetic data, for researchers).
"""
from __future__ import annotations

import pandas as pd

from ..core.estimate import Estimate
from .labels import attribute_phrase, label


def most_valued(wtp: pd.DataFrame) -> str | None:
    """The attribute with the largest positive WTP (None when no attribute has one)."""
    positive = wtp[wtp["wtp"] > 0]
    return None if positive.empty else str(positive.loc[positive["wtp"].idxmax(), "attribute"])


def reader_table(wtp: pd.DataFrame, currency: str) -> pd.DataFrame:
    """One row per attribute: its plain name, what one unit of it is, and its WTP in ``currency`` with
    the 95% interval (columns ``willingness to pay (<currency>)``, ``lower``, ``upper``)."""
    head = f"willingness to pay ({currency})"
    return pd.DataFrame({"attribute": [label(a) for a in wtp["attribute"]],
                         "one unit is": [attribute_phrase(a) for a in wtp["attribute"]],
                         head: wtp["wtp"].to_numpy(), "lower": wtp["lower"].to_numpy(),
                         "upper": wtp["upper"].to_numpy()})


def interval_table(wtp: pd.DataFrame, boot: pd.DataFrame | None = None, truth: dict | None = None) -> pd.DataFrame:
    """For researchers, by attribute: the delta-method estimate and interval, the bootstrap mean with its
    percentile interval and standard error, and the generator's true WTP (``true value``) when ``truth`` is given."""
    w = wtp.set_index("attribute")
    out = pd.DataFrame({"delta method": w["wtp"], "delta method_lower": w["lower"], "delta method_upper": w["upper"]})
    if boot is not None:
        b = boot.set_index("attribute").reindex(w.index)
        out["bootstrap"], out["bootstrap_lower"], out["bootstrap_upper"] = b["boot_mean"], b["lower"], b["upper"]
        out["bootstrap se"] = b["boot_se"]
    if truth:
        out["true value"] = pd.Series(truth, dtype=float).reindex(w.index)
    out.index = [label(a) for a in out.index]
    out.index.name = "attribute"
    return out


def key(attribute: str, prefix: str = "") -> str:
    """The report's key of an attribute's WTP: ``wtp_`` and the attribute's first word (``wtp_product``
    for product_value, ``wtp_loc``), after ``prefix`` (``mxl_`` for the mixed logit)."""
    return f"{prefix}wtp_{str(attribute).split('_')[0]}"


def estimates(wtp: pd.DataFrame, alpha: float = 0.05) -> dict[str, Estimate]:
    """Each attribute's WTP as an :class:`~relmkt_utils.core.estimate.Estimate` (value, interval, se)."""
    return {str(r.attribute): Estimate(float(r.wtp), float(r.lower), float(r.upper), float(r.se),
                                       str(getattr(r, "method", "delta")), alpha) for r in wtp.itertuples()}


def headline(wtp: pd.DataFrame) -> tuple[str | None, Estimate | None, str]:
    """The attribute customers would pay most for (:func:`most_valued`), its estimate and what one unit
    of it is in words; ``(None, None, "")`` when no attribute has a positive WTP."""
    top = most_valued(wtp)
    if top is None:
        return None, None, ""
    return top, estimates(wtp)[top], attribute_phrase(top)


def part_worth_table(fit) -> pd.DataFrame:
    """The conditional logit's part-worths for researchers: each term by its plain name, the coefficient
    (utility per unit; the price's per unit of money) with its Wald interval, the standard error and p."""
    ci = fit.conf_int()
    return pd.DataFrame({"term": [label(t) for t in fit.params.index], "coefficient": fit.params.to_numpy(),
                         "lower": ci["lower"].to_numpy(), "upper": ci["upper"].to_numpy(),
                         "std. error": fit.bse.to_numpy(), "p": fit.pvalues.to_numpy()})


def generator_truth(truth: dict) -> tuple[pd.Series, dict]:
    """The synthetic generator's part-worths (attributes and price) and true WTP per level, from a
    dataset's ``truth`` (its ``choices`` block)."""
    block = truth["choices"]
    params = pd.Series({**block["betas"], "price": block["beta_price"]}, dtype=float)
    return params, dict(block["derived"]["wtp_per_level"])


def covered(wtp: pd.DataFrame, truth: dict) -> int:
    """How many of the true WTPs (attribute -> value) lie inside their intervals of ``wtp``."""
    return int(sum(est.covers(truth[a]) for a, est in estimates(wtp).items() if a in truth))
