"""A choice-based conjoint: respondents choose one of several offers in each task.

Random design: every attribute level (1..5) and price level is drawn independently and uniformly
for every alternative. Utility U = sum_k beta_k x_k + beta_price * price + Gumbel error, the
alternative with the largest utility is chosen, so choice probabilities are the conditional logit
(McFadden 1974) softmax. True willingness to pay per level step: WTP_k = -beta_k / beta_price.
Respondents are a separate conjoint panel ("R0001", ...), not customers.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

ATTRIBUTES = ("product_value", "service_value", "personnel_value", "image_value", "time_cost", "energy_cost",
              "psychic_cost")


def utilities(df: pd.DataFrame, t: dict) -> np.ndarray:
    """Deterministic utilities of the rows of a choices table under the true part-worths."""
    c = t["choices"]
    v = c["beta_price"] * df["price"].to_numpy(dtype=float)
    for k in ATTRIBUTES:
        v = v + c["betas"][k] * df[k].to_numpy(dtype=float)
    return v


def probabilities(df: pd.DataFrame, t: dict) -> np.ndarray:
    """True conditional-logit choice probability of each row within its (respondent, task)."""
    v = utilities(df, t)
    key = df["respondent_id"].astype(str) + "|" + df["task"].astype(str)
    vmax = pd.Series(v).groupby(key.to_numpy()).transform("max").to_numpy()
    ev = np.exp(v - vmax)
    return ev / pd.Series(ev).groupby(key.to_numpy()).transform("sum").to_numpy()


def simulate(rng: np.random.Generator, t: dict) -> pd.DataFrame:
    c = t["choices"]
    nr, nt, na = c["n_respondents"], c["n_tasks"], c["n_alternatives"]
    n = nr * nt * na
    width = max(4, len(str(nr)))
    resp = np.repeat(np.arange(1, nr + 1), nt * na)
    task = np.tile(np.repeat(np.arange(1, nt + 1), na), nr)
    alt = np.tile(np.arange(1, na + 1), nr * nt)
    levels = np.asarray(c["levels"])
    cols = {k: levels[rng.integers(0, levels.size, n)] for k in ATTRIBUTES}
    prices = np.asarray(c["price_levels"])
    price = prices[rng.integers(0, prices.size, n)]
    df = pd.DataFrame({
        "respondent_id": np.char.add("R", np.char.zfill(resp.astype(str), width)).astype(object),
        "task": task.astype(str).astype(object),
        "alternative": alt.astype(str).astype(object),
        **cols,
        "price": price,
    })
    u = (utilities(df, t) + rng.gumbel(size=n)).reshape(nr * nt, na)
    chosen = np.zeros((nr * nt, na), dtype=np.int64)
    chosen[np.arange(nr * nt), u.argmax(axis=1)] = 1
    df["chosen"] = chosen.ravel()
    return df


def wtp(t: dict) -> dict[str, float]:
    c = t["choices"]
    return {k: -c["betas"][k] / c["beta_price"] for k in ATTRIBUTES}
