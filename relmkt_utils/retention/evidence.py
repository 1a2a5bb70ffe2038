"""The source material's popular figures on retention, as published, beside what a dataset gives.

* **"5% more retention, 25-85% more profit"** (Reichheld, F. F. & Sasser, W. E. (1990). Zero
  defections: quality comes to services. *Harvard Business Review* 68(5), 105-111): the rise in
  profits when defections fall by five points, in industry examples -- 85% for bank branch deposits,
  50% for an insurance brokerage, 30% for an auto service chain. Examples, not a law: the figure
  depends on how high retention already is and on what "profit" counts. The closest quantity a
  dataset gives is the relative change of a customer's lifetime value (and, where acquisition costs
  are known, of customer equity and of steady-state profit).
* **"Acquiring a customer costs 5 to 25 times as much as keeping one"**: a range quoted by Gallo
  (HBR.org, 2014) without a single study behind it; Pfeifer (2005, "The optimal ratio of
  acquisition and retention costs", *J. Targeting, Measurement and Analysis for Marketing* 13(2)) shows that such average-cost ratios say nothing about where
  the next unit of money should go (marginal costs decide: :mod:`relmkt_utils.retention.allocation`).
"""
from __future__ import annotations

import pandas as pd

#: Reichheld & Sasser (1990): (industry, rise in profits from 5 points less defection).
REICHHELD_SASSER = (("bank branch deposits", 0.85), ("insurance brokerage", 0.50), ("auto service chain", 0.30))
#: The quoted range of acquisition cost over retention cost per customer (Gallo 2014).
COST_RATIO_CLAIM = (5.0, 25.0)

#: What each of a dataset's changes measures, in the words of the table.
CHANGES = {"clv": "value of a new customer (CLV)", "clv_net": "CLV minus acquisition cost",
           "equity": "customer equity", "profit": "profit per period in the steady state"}


def reichheld_sasser(changes: dict, dataset: str) -> pd.DataFrame:
    """Reichheld & Sasser's industry examples beside this dataset's relative changes from five more
    points of annual retention (``changes``: ``{"clv": 0.18, "equity": ..., "profit": ...}``; a change
    that is None -- not estimable on these data -- is left out). The increases are relative changes
    (0.85 is +85%): the table says so in ``attrs["kinds"]``."""
    increase = "increase from 5 more points of retention"
    rows = [("Reichheld & Sasser (1990), industry example", industry, value) for industry, value in REICHHELD_SASSER]
    rows += [(f"this dataset ({dataset})", CHANGES[key], value) for key, value in changes.items() if value is not None]
    out = pd.DataFrame(rows, columns=["source", "what grows", increase])
    out.attrs["kinds"] = {"source": "text", "what grows": "text", increase: "change"}
    return out


def within_claim(ratio: float) -> bool:
    """Whether an acquisition-to-retention cost ratio lies in the quoted 5-25 range."""
    low, high = COST_RATIO_CLAIM
    return low <= ratio <= high
