"""Small seeded simulators with known truth, for the tests, the coverage study and demonstrations.

* ``simulate_choices``: a choice-based conjoint (conditional logit with Gumbel errors) with known
  part-worths; attributes named after the designable constructs, integer levels, price in EUR.
* ``simulate_survey``: Likert items ``<construct>_<k>`` (1-7) from latent construct levels, and
  satisfaction, repurchase intent and NPS from known weights on the construct scores.
* ``simulate_retention``: customers, a survey and transactions in which the dropout hazard depends
  on delivered value and relationship level with known hazard ratios.

Every simulator takes a seed; the same arguments give the same tables.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.checks import COUNT, SEED, checked, number
from ..data.tables import CONSTRUCTS, LIKERT_HI, LIKERT_LO, RELATIONSHIP_LEVELS

#: Part-worths per attribute level (utility units) and of price (per EUR) of the default world.
DEFAULT_PART_WORTHS = {
    "product_value": 0.60,
    "service_value": 0.40,
    "personnel_value": 0.30,
    "image_value": 0.25,
    "time_cost": -0.35,
    "energy_cost": -0.20,
    "psychic_cost": -0.30,
    "price": -0.04,
}

#: Weights of the construct scores in the latent satisfaction (1-7 scale) of the default world.
DEFAULT_WEIGHTS = {
    "product_value": 0.35,
    "service_value": 0.25,
    "personnel_value": 0.15,
    "image_value": 0.10,
    "monetary_cost": -0.30,
    "time_cost": -0.15,
    "energy_cost": -0.10,
    "psychic_cost": -0.10,
}
DEFAULT_MEANS = {
    "product_value": 5.0, "service_value": 4.6, "personnel_value": 4.8, "image_value": 4.2,
    "monetary_cost": 4.0, "time_cost": 3.4, "energy_cost": 3.0, "psychic_cost": 2.8,
}


@checked(n_respondents=COUNT, n_tasks=COUNT, n_alternatives=number(2, integer=True), seed=SEED)
def simulate_choices(
    n_respondents: int = 200,
    n_tasks: int = 8,
    n_alternatives: int = 3,
    part_worths: dict | None = None,
    levels=(1, 2, 3),
    prices=(10.0, 20.0, 30.0, 40.0),
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.Series]:
    """A choices table drawn from a conditional logit with known part-worths.

    Each alternative gets independent uniform draws of the attribute levels and the price;
    U_j = x_j'beta + beta_price p_j + eps_j with eps_j ~ Gumbel(0, 1); the alternative with the
    largest U_j is chosen. Returns ``(choices, truth)``: columns ``respondent_id, task,
    alternative, chosen, <attributes>, price``, and the true part-worths as a Series.

    Parameters
    ----------
    n_respondents : int, default 200
        number of respondents.
    n_tasks : int, default 8
        choice tasks per respondent.
    n_alternatives : int, default 3
        alternatives per task (>= 2).
    part_worths : dict or None
        true part-worths by attribute and price; default the module's.
    levels : sequence, default (1, 2, 3)
        attribute levels drawn uniformly.
    prices : sequence, default (10.0, 20.0, 30.0, 40.0)
        prices drawn uniformly.
    seed : int, default 0
        seed of the random draws (>= 0); the same seed gives the same numbers.
    """
    pw = dict(DEFAULT_PART_WORTHS if part_worths is None else part_worths)
    if "price" not in pw:
        raise ValueError("part_worths needs a 'price' entry")
    attrs = [a for a in pw if a != "price"]
    rng = np.random.default_rng(seed)
    n = n_respondents * n_tasks * n_alternatives
    data = {
        "respondent_id": np.repeat([f"r{i:04d}" for i in range(n_respondents)], n_tasks * n_alternatives),
        "task": np.tile(np.repeat(np.arange(1, n_tasks + 1), n_alternatives), n_respondents),
        "alternative": np.tile(np.arange(1, n_alternatives + 1), n_respondents * n_tasks),
    }
    for a in attrs:
        data[a] = rng.choice(np.asarray(levels), size=n).astype(int)
    data["price"] = rng.choice(np.asarray(prices, dtype=float), size=n)
    df = pd.DataFrame(data)
    beta = np.array([pw[a] for a in attrs] + [pw["price"]])
    u = df[attrs + ["price"]].to_numpy(dtype=float) @ beta + rng.gumbel(size=n)
    best = u.reshape(-1, n_alternatives).argmax(axis=1)
    chosen = np.zeros((n_respondents * n_tasks, n_alternatives), dtype=int)
    chosen[np.arange(best.size), best] = 1
    df.insert(3, "chosen", chosen.ravel())
    return df, pd.Series(beta, index=attrs + ["price"], name="truth")


def _likert(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), LIKERT_LO, LIKERT_HI).astype(int)


@checked(n=number(2, integer=True), items_per_construct=COUNT, item_noise=number(0), outcome_noise=number(0), seed=SEED)
def simulate_survey(
    n: int = 500,
    weights: dict | None = None,
    items_per_construct: int = 3,
    item_noise: float = 0.8,
    outcome_noise: float = 0.6,
    shift: np.ndarray | None = None,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict]:
    """A survey table with Likert items and outcomes driven by known weights.

    Latent construct level c_i = mean_c + shift_i * sign_c + 0.5 g_i + 0.8 u_ci (g a common
    factor, sign_c = +1 for value and -1 for cost constructs); item = round(c_i + N(0, item_noise))
    clipped to 1..7. With s_c the observed construct score (mean of the items),
    satisfaction* = a + sum_c w_c s_c + N(0, outcome_noise), satisfaction = round, clipped to 1..7;
    repurchase intent uses 0.8 w; NPS* = 1.5 (satisfaction* - 1) + N(0, 0.5), rounded, clipped to 0..10.
    Returns ``(survey, truth)``; ``truth`` has the weights per outcome and the intercept.

    Parameters
    ----------
    n : int, default 500
        number of respondents, >= 2.
    weights : dict or None
        true driver weights by construct; default the module's.
    items_per_construct : int, default 3
        Likert items per construct, >= 1.
    item_noise : float, default 0.8
        standard deviation of an item around its construct, >= 0.
    outcome_noise : float, default 0.6
        standard deviation of the outcomes' noise, >= 0.
    shift : ndarray or None
        a shift of each respondent's construct levels; default none.
    seed : int, default 0
        seed of the random draws (>= 0); the same seed gives the same numbers.
    """
    w = dict(DEFAULT_WEIGHTS if weights is None else weights)
    rng = np.random.default_rng(seed)
    shift = np.zeros(n) if shift is None else np.asarray(shift, dtype=float)
    g = rng.normal(size=n)
    survey = pd.DataFrame({
        "customer_id": [f"c{i:05d}" for i in range(n)],
        "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 60, n), unit="D"),
    })
    scores = {}
    for c in CONSTRUCTS:
        sign = -1.0 if c.endswith("_cost") else 1.0
        latent = DEFAULT_MEANS[c] + sign * shift + 0.5 * g + 0.8 * rng.normal(size=n)
        items = _likert(latent[:, None] + item_noise * rng.normal(size=(n, items_per_construct)))
        for k in range(items_per_construct):
            survey[f"{c}_{k + 1}"] = items[:, k]
        scores[c] = items.mean(axis=1)
    lin = sum(w.get(c, 0.0) * scores[c] for c in CONSTRUCTS)
    centre = np.mean(lin)
    intercept = 4.5 - centre
    sat_star = intercept + lin + outcome_noise * rng.normal(size=n)
    rep_star = 4.5 + 0.8 * (lin - centre) + outcome_noise * rng.normal(size=n)
    nps_star = 1.5 * (sat_star - 1) + 0.5 * rng.normal(size=n)
    survey.insert(2, "nps", np.clip(np.rint(nps_star), 0, 10).astype(int))
    survey.insert(3, "satisfaction", _likert(sat_star))
    survey.insert(4, "repurchase_intent", _likert(rep_star))
    truth = {
        "satisfaction": pd.Series(w).reindex(CONSTRUCTS, fill_value=0.0),
        "repurchase_intent": 0.8 * pd.Series(w).reindex(CONSTRUCTS, fill_value=0.0),
        "intercept": float(intercept),
    }
    return survey, truth


@checked(n=COUNT, log_hr_dv=number(), base_hazard_per_week=number(0, low_open=True),
         purchases_per_week=number(0, low_open=True), weeks=number(0, low_open=True), seed=SEED)
def simulate_retention(
    n: int = 800,
    log_hr_dv: float = np.log(0.7),
    log_hr_level: dict | None = None,
    base_hazard_per_week: float = 0.012,
    purchases_per_week: float = 0.5,
    weeks: float = 104.0,
    level_probs=(0.5, 0.3, 0.2),
    seed: int = 0,
) -> dict:
    """Customers, survey and transactions with a known dropout hazard.

    Relationship level ~ multinomial(level_probs) over financial/social/structural; the survey's
    value constructs are shifted up by 0.4 (social) and 0.8 (structural) points. True dropout time
    after the survey date ~ Exponential(h_0 exp(b_DV (DV - mean DV) + b_level)), with DV the delivered-value
    index computed from the survey items. Purchases follow a Poisson process with rate
    ``purchases_per_week`` from the survey date until dropout or the observation end, which is
    ``weeks`` after 2024-01-01. Returns a dict with ``customers, survey, transactions,
    observation_end, truth`` (truth: Series of the true log hazard ratios, named like
    ``fit_dropout_cox``'s terms).

    Parameters
    ----------
    n : int, default 800
        number of customers, >= 1.
    log_hr_dv : float, default np.float64(-0.35667494393873245)
        true log hazard ratio per point of delivered value.
    log_hr_level : dict or None
        true log hazard ratio of each relationship level; default the module's.
    base_hazard_per_week : float, default 0.012
        baseline dropout hazard per week, > 0.
    purchases_per_week : float, default 0.5
        purchase rate of alive customers per week, > 0.
    weeks : float, default 104.0
        length of the observation in weeks, > 0.
    level_probs : sequence of 3 floats, default (0.5, 0.3, 0.2)
        shares of the financial, social and structural levels.
    seed : int, default 0
        seed of the random draws (>= 0); the same seed gives the same numbers.
    """
    from .scores import value_scores

    rng = np.random.default_rng(seed)
    lvl_hr = {"social": np.log(0.8), "structural": np.log(0.5)} if log_hr_level is None else log_hr_level
    level = rng.choice(np.array(RELATIONSHIP_LEVELS), size=n, p=np.asarray(level_probs))
    shift = np.select([level == "social", level == "structural"], [0.4, 0.8], 0.0)
    survey, _ = simulate_survey(n=n, shift=shift, seed=int(rng.integers(2**31)))
    dv = value_scores(survey)["delivered_value"].to_numpy()
    lin = log_hr_dv * (dv - dv.mean()) + np.array([lvl_hr.get(str(x), 0.0) for x in level])
    t_drop = rng.exponential(1.0 / (base_hazard_per_week * np.exp(lin)))
    start = pd.to_datetime(survey["date"])
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(round(weeks * 7)))
    horizon = np.minimum(t_drop, (end - start).dt.days.to_numpy() / 7.0)
    counts = rng.poisson(purchases_per_week * horizon)
    owner = np.repeat(np.arange(n), counts)
    weeks_after = rng.uniform(0.0, 1.0, size=owner.size) * horizon[owner]
    dates = start.to_numpy()[owner] + pd.to_timedelta(np.floor(weeks_after * 7), unit="D").to_numpy()
    transactions = pd.DataFrame({"customer_id": survey["customer_id"].to_numpy()[owner], "date": dates,
                                 "amount": np.round(rng.gamma(2.0, 20.0, size=owner.size), 2)})
    transactions = transactions.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
    customers = pd.DataFrame({"customer_id": survey["customer_id"], "acquired_at": start - pd.Timedelta(days=30),
                              "channel": "organic", "relationship_level": level})
    truth = pd.Series({"delivered_value": log_hr_dv,
                       **{f"relationship_level[{k}]": v for k, v in lvl_hr.items()}}, name="log_hazard_ratio")
    return {"customers": customers, "survey": survey, "transactions": transactions, "observation_end": end,
            "truth": truth}
