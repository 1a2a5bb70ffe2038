r"""The share simulator as a report uses it: which offers compete, what one change of our offer does to
its share and its revenue, and which attribute moves the share most.

Shares are logit shares of the offers (:func:`.choice.predict_shares`; a forced choice among them),
:math:`s_j = e^{V_j} / \sum_l e^{V_l}`. Revenue is given as a **relative change**: offer j earns
:math:`p_j s_j M` from a market of M buyers, so its change after a change of our offer,
:math:`p_j' s_j' / (p_j s_j) - 1`, does not depend on M nor on the unit of the price (a price per
item in EUR or a price per kWh in US cents, where "revenue in cents per kWh" would mean nothing).

:func:`lever_effects` changes each attribute of our offer by one unit *in the stated direction*: one
level more of a value component and one level less of a cost component of Kotler's delivered value
(an improvement, by the course's definition), one unit more of any other attribute (the direction a
reader cannot know in advance: a longer contract lowers the share, a local supplier raises it). The
sign of each effect is reported as it is, and the report's readings follow it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.errors import ParameterError
from .choice import check_offers, example_offers, predict_shares, simulate_change
from .labels import attribute_phrase, is_cost, is_kotler, label

OURS = "ours"


def offers_for(dataset_offers: pd.DataFrame | None, choices: pd.DataFrame, columns) -> pd.DataFrame:
    """The offers of the simulator: the dataset's own (``offers`` of dataset.yml, checked) or three built
    from the levels of the experiment (:func:`.choice.example_offers`)."""
    if dataset_offers is not None:
        return check_offers(dataset_offers, columns)
    return example_offers(choices, [c for c in columns if c != "price"])


def check_attribute(attribute: str, columns) -> str:
    """``attribute`` when it is one of ``columns`` (the attributes and the price), else a ParameterError
    naming the parameter ``simulate_attribute`` and its possible values."""
    columns = list(columns)
    if attribute not in columns:
        raise ParameterError(f"parameter simulate_attribute must be one of {', '.join(columns)} for this dataset's "
                             f"choice experiment, got {attribute!r}")
    return attribute


def change_phrase(attribute: str, delta: float, currency: str) -> str:
    """The change in words: "cutting the price by 1 US cent per kWh", "one level more of service value"."""
    if attribute == "price":
        unit = currency.replace("cents", "cent", 1) if abs(delta) == 1 else currency
        return f"{'cutting' if delta < 0 else 'raising'} the price by {abs(delta):g} {unit}".strip()
    return attribute_phrase(attribute, delta)


def simulate(fit, offers: pd.DataFrame, attribute: str, delta: float, offer: str = OURS) -> pd.DataFrame:
    """Every offer's share before and after changing ``attribute`` of ``offer`` by ``delta``, the share
    change (a difference of shares) and the relative change of its revenue. Index: the offers."""
    sim = simulate_change(fit, offers, offer, attribute, delta=delta, market_size=1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        revenue = sim["revenue_after"] / sim["revenue_before"].where(sim["revenue_before"] > 0) - 1
    out = pd.DataFrame({"share_before": sim["share_before"], "share_after": sim["share_after"],
                        "share_change": sim["share_change"], "revenue_change": revenue}, index=offers.index)
    out.attrs.update(sim.attrs)
    return out


def offers_table(offers: pd.DataFrame, shares: pd.Series, currency: str, true_shares: pd.Series | None = None) -> pd.DataFrame:
    """The offers turned on their side for readers: one row per attribute (plain names, levels as
    numbers, the price in ``currency``), then the predicted share (and the true one, when given); one
    column per offer. ``attrs["row_kinds"]`` says which rows are shares."""
    body = offers.T.astype(float)
    body.index = [f"price ({currency})" if c == "price" else label(c) for c in body.index]
    body.loc["predicted share"] = shares.reindex(offers.index).to_numpy()
    kinds = {"predicted share": "share"}
    if true_shares is not None:
        body.loc["true share"] = true_shares.reindex(offers.index).to_numpy()
        kinds["true share"] = "share"
    body.columns = [label(c) for c in offers.index]
    body.index.name = "attribute"
    body.attrs.update(row_kinds=kinds, decimals="row")
    return body


def simulation_table(sim: pd.DataFrame) -> pd.DataFrame:
    """:func:`simulate` for readers: offers by plain name, shares before and after, the change in
    percentage points and the revenue change in %."""
    out = pd.DataFrame({"offer": [label(o) for o in sim.index], "share before": sim["share_before"].to_numpy(),
                        "share after": sim["share_after"].to_numpy(), "change": sim["share_change"].to_numpy(),
                        "revenue change": sim["revenue_change"].to_numpy()})
    return out


def lever_effects(fit, offers: pd.DataFrame, offer: str = OURS, price: str = "price") -> pd.DataFrame:
    """Each attribute of ``offer`` changed by one unit (module docstring), one at a time: ``attribute``,
    ``step`` (+1, or -1 for a cost component), ``change`` (in words), ``share_change`` and
    ``revenue_change`` (relative). Sorted by the share change, largest gain first."""
    params = getattr(fit, "params", fit)
    rows = []
    for a in [n for n in params.index if n != price]:
        step = -1.0 if is_cost(a) else 1.0
        sim = simulate(fit, offers, a, step, offer).loc[offer]
        rows.append({"attribute": a, "step": step, "change": attribute_phrase(a, step),
                     "share_change": sim["share_change"], "revenue_change": sim["revenue_change"]})
    return pd.DataFrame(rows).sort_values("share_change", ascending=False).reset_index(drop=True)


def lowering_levers(levers: pd.DataFrame) -> list[str]:
    """The changes of :func:`lever_effects` that lower the share, in words."""
    return list(levers.loc[levers["share_change"] < 0, "change"])


def lever_summary(levers: pd.DataFrame, attributes) -> dict:
    """What a report says about :func:`lever_effects`: the change that gains most share and its gain, the
    changes that lower the share (their number and, in words, their list) and how many of the
    attributes are Kotler's value and cost components."""
    lowering = lowering_levers(levers)
    return {"best_lever": str(levers.loc[0, "change"]), "best_lever_share_change": float(levers.loc[0, "share_change"]),
            "levers_lowering_count": len(lowering), "levers_lowering": ", ".join(lowering),
            "kotler_levers": int(sum(is_kotler(a) for a in attributes))}


def true_shares(params: pd.Series, offers: pd.DataFrame) -> pd.Series:
    """The shares the generator's part-worths give the offers (synthetic data)."""
    return predict_shares(params, offers)["share"]
