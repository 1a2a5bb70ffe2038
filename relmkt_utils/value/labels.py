"""Plain names of the delivered-value quantities a reader meets in tables and figures.

The survey's constructs and outcomes, the relationship levels, the Cox model's terms and the
attributes of the choice experiments that ship with the suite (the electricity supplier study of
Revelt & Train 2000) are named here once, in the words of the course (Kotler's components of
customer delivered value, 客户让渡价值), so that no table shows a column key such as
``product_value`` or ``loc``. :func:`label` falls back to the key with its underscores as spaces.

:func:`attribute_phrase` says what one unit of an attribute is ("one level more of service value",
"a local supplier", "one year more of contract length"), for sentences about willingness to pay.
"""
from __future__ import annotations

import re

from ..data.tables import CONSTRUCTS, COST_CONSTRUCTS

#: key -> the plain name a student reads
LABELS: dict[str, str] = {
    "product_value": "product value", "service_value": "service value", "personnel_value": "personnel value",
    "image_value": "image value", "monetary_cost": "monetary cost", "time_cost": "time cost",
    "energy_cost": "energy cost", "psychic_cost": "psychic cost",
    "total_value": "total customer value", "total_cost": "total customer cost", "delivered_value": "delivered value",
    "satisfaction": "satisfaction", "repurchase_intent": "repurchase intent", "nps": "NPS answer (0-10)",
    "financial": "financial", "social": "social", "structural": "structural",
    "price": "price",
    # the electricity supplier experiment (data/electricity)
    "cl": "contract length", "loc": "local supplier", "wk": "well-known supplier", "tod": "time-of-day rates",
    "seas": "seasonal rates",
    # offers of the simulator
    "ours": "our offer", "premium": "premium rival", "budget": "budget rival", "local_utility": "local utility",
    "time_of_day_plan": "time-of-day plan",
}

#: what one unit of an attribute is, where "one unit more of <label>" would not say it
UNITS: dict[str, str] = {"cl": "one year more of contract length", "loc": "a local supplier",
                         "wk": "a well-known supplier", "tod": "time-of-day rates instead of a fixed price",
                         "seas": "seasonal rates instead of a fixed price"}


def label(key) -> str:
    """The plain name of ``key`` (a construct, outcome, level, attribute, offer or Cox term)."""
    text = str(key)
    if text in LABELS:
        return LABELS[text]
    m = re.fullmatch(r"relationship_level\[(?P<level>.+)\]", text)
    if m:
        return f"{label(m['level'])} level (against financial)"
    return text.replace("_", " ")


def labels(keys) -> list[str]:
    """:func:`label` of each key."""
    return [label(k) for k in keys]


def is_cost(attribute: str) -> bool:
    """A cost component of Kotler's total customer cost (one level *less* of it is an improvement)."""
    return attribute in COST_CONSTRUCTS or str(attribute).endswith("_cost")


def is_kotler(attribute: str) -> bool:
    """One of the eight value and cost components of Kotler's delivered value."""
    return attribute in CONSTRUCTS


def unit_word(attributes) -> str:
    """"level" when every attribute is a survey component (1-5 or 1-7 levels), else "unit"."""
    return "level" if all(is_kotler(a) for a in attributes) else "unit"


def attribute_phrase(attribute: str, step: float = 1.0) -> str:
    """What ``step`` units of an attribute are, in words: "one level more of service value", "one
    level less of time cost", "a local supplier", "one unit more of x"."""
    if attribute in UNITS and step == 1:
        return UNITS[attribute]
    amount = {1: "one", 2: "two", 3: "three"}.get(abs(step), f"{abs(step):g}")
    unit = "level" if attribute in CONSTRUCTS else "unit"
    unit = unit if abs(step) == 1 else unit + "s"
    return f"{amount} {unit} {'more' if step > 0 else 'less'} of {label(attribute)}"
