"""Construct scores, total customer value, total customer cost and the delivered-value index.

Kotler's customer delivered value (客户让渡价值) is total customer value (客户总价值: product,
service, personnel and image value) minus total customer cost (客户总成本: monetary, time, energy
and psychic cost) (Kotler, *Marketing Management*, ch. "Building customer satisfaction, value and
retention").

Measured on the survey's 1-7 Likert items, the scaling used here is:

* construct score  s_c = mean of the items ``<c>_1 .. <c>_k`` answered by the respondent  (1..7)
* total value      TV  = mean of the value construct scores (product, service, personnel, image)  (1..7)
* total cost       TC  = mean of the cost construct scores (monetary, time, energy, psychic)   (1..7)
* delivered value  DV  = TV - TC                                                            (-6..6)

Means, not sums, keep every quantity on the item scale whatever the number of items or of
constructs present; DV > 0 means the customer perceives more value than cost. A construct score is
the mean of the answered items (NaN if none answered); TV and TC average the constructs present in
the survey (NaN if a respondent has none of them), so a survey without, say, ``energy_cost`` items
still gives a total cost from the other three.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.checks import TEXT, checked, dataframe
from ..core.errors import DataError
from ..data.tables import COST_CONSTRUCTS, LIKERT_HI, LIKERT_LO, VALUE_CONSTRUCTS

from .reliability import detect_constructs

#: Range of the delivered-value index on a 1-7 item scale.
DV_RANGE = (LIKERT_LO - LIKERT_HI, LIKERT_HI - LIKERT_LO)


@checked(survey=dataframe())
def construct_scores(survey: pd.DataFrame, constructs=None) -> pd.DataFrame:
    """Mean item score per construct and respondent (same index as ``survey``).

    s_c,i = (1 / k_i) sum_{j answered} x_{c,j,i}; constructs detected from ``<construct>_<k>`` columns.

    Parameters
    ----------
    survey : DataFrame
        the survey table with Likert items ``<construct>_<k>``.
    constructs : list of str or None
        construct names to keep; default: every ``<construct>_<k>`` prefix found.
    """
    groups = detect_constructs(survey.columns, constructs)
    if not groups:
        raise DataError("no Likert item columns '<construct>_<k>' found in the survey")
    out = pd.DataFrame(index=survey.index)
    for construct, cols in groups.items():
        out[construct] = survey[cols].apply(pd.to_numeric, errors="coerce").mean(axis=1, skipna=True)
    return out


@checked(survey=dataframe())
def value_scores(survey: pd.DataFrame, constructs=None) -> pd.DataFrame:
    """Construct scores plus ``total_value``, ``total_cost`` and ``delivered_value`` (DV = TV - TC).

    Keeps ``customer_id``, ``date`` and the outcomes (``satisfaction``, ``repurchase_intent``, ``nps``)
    when present, so the result is the input of the driver models. See the module docstring for
    the scaling (TV, TC in [1, 7], DV in [-6, 6]).

    Parameters
    ----------
    survey : DataFrame
        the survey table with Likert items ``<construct>_<k>``.
    constructs : list of str or None
        construct names to keep; default: every ``<construct>_<k>`` prefix found.
    """
    scores = construct_scores(survey, constructs)
    keep = [c for c in ("customer_id", "date", "nps", "satisfaction", "repurchase_intent") if c in survey.columns]
    out = pd.concat([survey[keep], scores], axis=1)
    value_cols = [c for c in VALUE_CONSTRUCTS if c in scores.columns]
    cost_cols = [c for c in COST_CONSTRUCTS if c in scores.columns]
    out["total_value"] = scores[value_cols].mean(axis=1) if value_cols else np.nan
    out["total_cost"] = scores[cost_cols].mean(axis=1) if cost_cols else np.nan
    out["delivered_value"] = out["total_value"] - out["total_cost"]
    return out


@checked(construct=TEXT)
def construct_kind(construct: str) -> str:
    """``"cost"`` for the cost constructs (and any name ending in ``_cost``), else ``"value"``.

    Parameters
    ----------
    construct : str
        a construct name such as ``'time_cost'``.
    """
    return "cost" if construct in COST_CONSTRUCTS or str(construct).endswith("_cost") else "value"
