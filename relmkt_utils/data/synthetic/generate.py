"""Assemble the synthetic world: customers -> purchases -> referrals (generations) -> survey, etc.

:func:`simulate` returns a :class:`World` (the dataset plus the hidden per-customer traits, for
tests and teaching); :func:`synthesize` returns only the :class:`~relmkt_utils.data.dataset.Dataset`.

Random streams (see ``_rng``): acquired customers, their latent traits and purchases use generation-0
streams; each referral generation g uses its own invitation stream and generation-(g+1) streams
for the new referees' attributes, traits and purchases; survey, choices and spend have one stream
each. Changing the conjoint, spend, survey-link or word-of-mouth parameters therefore leaves all
other tables unchanged; changing purchase, value or referral parameters changes who refers and
who is referred, and with it the set of customers that the survey samples.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import integrate, stats

from ...core.checks import COUNT, SEED, checked
from ... import __version__
from ..dataset import Dataset
from ...core.errors import ParameterError
from ..tables import CONSTRUCTS, RELATIONSHIP_LEVELS
from . import choices as _choices
from . import customers as _customers
from . import purchases as _purchases
from . import referrals as _referrals
from . import spend as _spend
from . import survey as _survey
from ._rng import stream
from .truth import plain, resolve

LICENCE = "CC0-1.0 (public-domain dedication): synthetic data, no real persons or firms."


@dataclass
class World:
    """A synthetic dataset with its hidden per-customer traits (``latent``, one row per customer)."""

    dataset: Dataset
    latent: pd.DataFrame

    @property
    def truth(self) -> dict:
        return self.dataset.meta["truth"]


@checked(seed=SEED, n_customers=COUNT)
def synthesize(seed: int = 2024, n_customers: int = 5000, **truth_overrides) -> Dataset:
    """Generate the six behavioural canonical tables of the synthetic world (all but cohorts) from documented parameters.

    ``seed`` fixes every random draw (same seed and overrides -> byte-identical files after
    :func:`relmkt_utils.data.dataset.save`). ``n_customers`` is the number of customers acquired
    through the organic and paid channels; referral-channel customers (converted referees) come
    on top of them. ``truth_overrides`` change parameters of
    :data:`relmkt_utils.data.synthetic.DEFAULT_TRUTH`: ``bgnbd={"r": 0.3}``, ``bgnbd__r=0.3`` or a
    unique leaf name ``alpha=5.0`` (see :mod:`relmkt_utils.data.synthetic.truth`).
    """
    return simulate(seed, n_customers, **truth_overrides).dataset


def _check_args(seed, n_customers) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a whole number >= 0, got {seed!r}")
    if isinstance(n_customers, bool) or not isinstance(n_customers, (int, np.integer)) or n_customers < 1:
        raise ParameterError(f"n_customers must be a whole number >= 1, got {n_customers!r}")


@checked(seed=SEED, n_customers=COUNT)
def simulate(seed: int = 2024, n_customers: int = 5000, **truth_overrides) -> World:
    """Like :func:`synthesize`, but also return the hidden per-customer traits."""
    _check_args(seed, n_customers)
    seed, n_customers = int(seed), int(n_customers)
    t = resolve(truth_overrides)
    start = pd.Timestamp(t["window"]["observation_start"])
    end = pd.Timestamp(t["window"]["observation_end"])
    end_day = int((end - start).days)
    if end_day < 1 or t["customers"]["acquisition_window_days"] > end_day + 1:
        raise ParameterError("the observation window must be longer than customers.acquisition_window_days")
    ref = t["referrals"]

    # ---------------------------------------------------------------- generation 0: acquired customers
    cust = _customers.draw_base_customers(stream(seed, "customers", 0), n_customers, t)
    cust["generation"] = 0
    lat = pd.DataFrame(_customers.draw_latent(stream(seed, "latent", 0), n_customers, t))
    lat["p"] = lat["p_base"]
    batches_c, batches_l, batches_tx, batches_ref = [cust], [lat], [], []
    offset = 0
    g = 0
    while True:
        pur, pc = _purchases.simulate(stream(seed, "purchases", g), cust["day"].to_numpy(), end_day,
                                      lat["lam"].to_numpy(), lat["p"].to_numpy(), lat["nu"].to_numpy(), t)
        for k, v in pc.items():
            lat[k] = v
        pur["owner"] = pur["owner"] + offset
        batches_tx.append(pur)
        if g >= ref["max_generations"]:
            break
        inv = _referrals.simulate(stream(seed, "referrals", g), cust["referral_group"].to_numpy(),
                                  lat["z_value"].to_numpy(), cust["day"].to_numpy(), lat["active_end"].to_numpy(),
                                  end_day, t)
        conv = inv["converted"]
        m = int(conv.sum())
        next_offset = offset + len(cust)
        referee = np.full(conv.size, -1, dtype=np.int64)
        referee[conv] = next_offset + np.arange(m)
        rewarded = conv & inv["program"]
        batches_ref.append({
            "referrer": inv["owner"] + offset,
            "invited_day": inv["invited_day"],
            "referee": referee,
            "converted_day": inv["converted_day"],
            "reward_referrer": np.where(rewarded, float(ref["rewards"]["referrer"]), 0.0),
            "reward_referee": np.where(rewarded, float(ref["rewards"]["referee"]), 0.0),
        })
        if m == 0:
            break
        g += 1
        offset = next_offset
        rng_c = stream(seed, "customers", g)
        cost = np.where(inv["program"][conv], float(ref["rewards"]["referrer"] + ref["rewards"]["referee"]), 0.0)
        cust = pd.DataFrame({
            "day": inv["converted_day"][conv],
            "channel": np.full(m, "referral", dtype=object),
            "acquisition_cost": cost,
            "referral_group": _customers.draw_groups(rng_c, m, t),
            **_customers.draw_free_attributes(rng_c, m, t),
        })
        cust["generation"] = g
        lat = pd.DataFrame(_customers.draw_latent(stream(seed, "latent", g), m, t))
        lat["p"] = lat["p_base"] * ref["referee_dropout_multiplier"]
        batches_c.append(cust)
        batches_l.append(lat)

    # ---------------------------------------------------------------- customer ids (by acquisition day)
    allc = pd.concat(batches_c, ignore_index=True)
    alll = pd.concat(batches_l, ignore_index=True)
    n_all = len(allc)
    order = np.lexsort((np.arange(n_all), allc["day"].to_numpy()))
    rank = np.empty(n_all, dtype=np.int64)
    rank[order] = np.arange(n_all)
    width = max(5, len(str(n_all)))
    ids_by_rank = np.array([f"C{i + 1:0{width}d}" for i in range(n_all)], dtype=object)
    cid = ids_by_rank[rank]  # id of each global index

    def date(day) -> pd.Series:
        return pd.Series(start + pd.to_timedelta(np.asarray(day, dtype=np.int64), unit="D")).astype("datetime64[ns]")

    level_names = np.asarray(RELATIONSHIP_LEVELS, dtype=object)
    customers = pd.DataFrame({
        "customer_id": cid,
        "acquired_at": date(allc["day"]),
        "channel": allc["channel"].to_numpy(),
        "acquisition_cost": allc["acquisition_cost"].to_numpy(dtype=float),
        "relationship_level": level_names[alll["level"].to_numpy()],
        "referral_group": allc["referral_group"].to_numpy(),
        "age_band": allc["age_band"].to_numpy(),
        "region": allc["region"].to_numpy(),
    }).iloc[order].reset_index(drop=True)

    latent = alll.copy()
    latent.insert(0, "customer_id", cid)
    latent.insert(1, "generation", allc["generation"].to_numpy())
    latent["relationship_level"] = level_names[alll["level"].to_numpy()]
    latent = latent.drop(columns=["level"]).iloc[order].reset_index(drop=True)

    tx = {k: np.concatenate([b[k] for b in batches_tx]) for k in batches_tx[0]}
    transactions = pd.DataFrame({
        "customer_id": cid[tx["owner"]],
        "date": date(tx["day"]),
        "amount": tx["amount"],
        "influence": tx["influence"],
    }).sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)

    rf = {k: np.concatenate([b[k] for b in batches_ref]) for k in batches_ref[0]} if batches_ref else None
    referrals = None
    if rf is not None and rf["referrer"].size:
        conv = rf["referee"] >= 0
        referrals = pd.DataFrame({
            "referrer_id": cid[rf["referrer"]],
            "invited_at": date(rf["invited_day"]),
            "referee_id": np.where(conv, cid[np.maximum(rf["referee"], 0)], None).astype(object),
            "converted_at": date(np.where(conv, rf["converted_day"], 0)).where(conv),
            "reward_referrer": rf["reward_referrer"],
            "reward_referee": rf["reward_referee"],
        }).sort_values(["referrer_id", "invited_at"], kind="stable").reset_index(drop=True)

    # ---------------------------------------------------------------- survey (customers in id order)
    last_purchase = latent["last_day"].to_numpy()
    acq_day = (customers["acquired_at"] - start).dt.days.to_numpy()
    sv = _survey.simulate(stream(seed, "survey"), latent, acq_day, last_purchase, end_day, t)
    survey = pd.concat([
        pd.DataFrame({"customer_id": customers["customer_id"].to_numpy()[sv["idx"].to_numpy()], "date": date(sv["day"])}),
        sv.drop(columns=["idx", "day"]),
    ], axis=1)

    choices = _choices.simulate(stream(seed, "choices"), t)
    spend = _spend.simulate(stream(seed, "spend"), t, start)

    tables = {"customers": customers, "transactions": transactions, "survey": survey, "referrals": referrals,
              "choices": choices, "spend": spend}
    empty = [k for k, v in tables.items() if v is None or len(v) == 0]
    if empty:
        raise ParameterError(f"the synthetic world came out with empty table(s) {', '.join(empty)}; "
                             "use more customers (n_customers) or larger rates")

    truth = derive_truth(t, seed, n_customers, truth_overrides, customers, transactions, latent, end_day, tables)
    meta = {
        "name": "synthetic",
        "description": (
            "A synthetic relationship-marketing world with known truth: BG/NBD purchases with gamma-gamma "
            "spend, Kotler delivered value driving survey answers, dropout and referrals, Berry's "
            "relationship levels, a randomized referral program with a holdout group, a choice-based "
            "conjoint and Blattberg-Deighton acquisition/retention response curves. The generating "
            "parameters and the true values estimators should recover are under 'truth'."
        ),
        "currency": "EUR",
        "time_unit": "week",
        "observation_start": str(start.date()),
        "observation_end": str(end.date()),
        "provenance": (
            f"Generated by relmkt_utils.data.synthetic.synthesize(seed={seed}, n_customers={n_customers}"
            + "".join(f", {k}={v!r}" for k, v in truth_overrides.items())
            + f") (relmkt {__version__}); regenerate with: python data/make_synthetic.py"
        ),
        "licence": LICENCE,
        "truth": truth,
    }
    ds = Dataset(name="synthetic", meta=meta, **tables)
    return World(dataset=ds, latent=latent)


# ---------------------------------------------------------------------------- derived true values

def level_mean_dropout(t: dict) -> dict[str, float]:
    """E[p | relationship level] for p ~ Beta(a, b) under the copula (before the referee multiplier).

    E[p | level] = int BetaPPF(Phi(z)) phi(z) P(level | z_p = z) dz / P(level), with
    P(lo < s <= hi | z) = Phi((hi + z) / sd) - Phi((lo + z) / sd); Simpson's rule on a fine grid.
    """
    from scipy.special import betaincinv, ndtr

    a, b = t["bgnbd"]["a"], t["bgnbd"]["b"]
    sd = t["relationship_levels"]["noise_sd"]
    cuts = np.concatenate([[-np.inf], _customers.level_cutpoints(t), [np.inf]])
    z = np.linspace(-10.0, 10.0, 40001)
    pz = betaincinv(a, b, ndtr(z))
    dens = stats.norm.pdf(z)
    out = {}
    for j, lv in enumerate(RELATIONSHIP_LEVELS):
        band = ndtr((cuts[j + 1] + z) / sd) - ndtr((cuts[j] + z) / sd)
        out[lv] = float(integrate.simpson(pz * dens * band, x=z) / integrate.simpson(dens * band, x=z))
    return out


def derive_truth(t, seed, n_customers, overrides, customers, transactions, latent, end_day, tables) -> dict:
    bg, gg, ref = t["bgnbd"], t["gamma_gamma"], t["referrals"]
    mean_amount = gg["p"] * gg["gamma"] / (gg["q"] - 1)
    H = ref["clv_horizon_weeks"]
    ex_base = _purchases.expected_repeat_scaled(H, bg["r"], bg["alpha"], bg["a"], bg["b"], 1.0)
    ex_ref = _purchases.expected_repeat_scaled(H, bg["r"], bg["alpha"], bg["a"], bg["b"], ref["referee_dropout_multiplier"])
    w = _customers.driver_weights(t)
    dv_sd = _customers.delivered_value_sd(t)
    sv = t["survey"]

    # referral experiment: expected converted referrals seen in the window, per customer, if every
    # customer of the realized base were in each group (conditional on their active spans)
    mult = _referrals.rate_multiplier(latent["z_value"].to_numpy(), ref["value_link"])
    acq = (customers["acquired_at"] - pd.Timestamp(t["window"]["observation_start"])).dt.days.to_numpy()
    exp_conv = {
        g: float(np.mean(_referrals.expected_converted(ref["invite_rate"][g] * mult, acq, latent["active_end"].to_numpy(),
                                                        end_day, ref["conversion_prob"], ref["time_to_convert_mean_days"])))
        for g in ("program", "holdout")
    }
    rate_conv = {g: ref["invite_rate"][g] * ref["conversion_prob"] for g in ("program", "holdout")}

    rev = transactions.groupby("customer_id")["amount"].sum().sort_values(ascending=False).to_numpy()
    k = int(np.ceil(0.2 * len(rev)))
    top20 = float(rev[:k].sum() / rev.sum())

    derived = {
        "bgnbd": {
            "mean_dropout_probability": bg["a"] / (bg["a"] + bg["b"]),
            "mean_purchase_rate_per_week": bg["r"] / bg["alpha"],
            "expected_repeat_purchases_52_weeks": float(_purchases.expected_repeat(52.0, bg["r"], bg["alpha"], bg["a"], bg["b"])),
            "applies_to": "organic and paid customers; referral-channel customers have dropout probability "
                          "p * referrals.referee_dropout_multiplier (same lambda, same spend)",
            "first_purchase": "at acquired_at (time 0); repeat purchases on distinct later days",
        },
        "gamma_gamma": {"mean_amount": mean_amount},
        "delivered_value": {
            "driver_weights": w,
            "sd": dv_sd,
            "z_value": "delivered value / sd, standard normal per customer",
        },
        "relationship_levels": {
            "cutpoints": _customers.level_cutpoints(t),
            "mean_dropout_probability": level_mean_dropout(t),
        },
        "survey": {
            "cronbach_alpha_latent": _survey.cronbach_alpha_latent(sv["likert_loadings"]),
            **{q: {"cutpoints": _survey.probit_cutpoints(sv[q]["beta"], sv[q]["shares"]),
                   "construct_coefficients": {c: sv[q]["beta"] * w[c] / dv_sd for c in CONSTRUCTS}}
               for q in ("satisfaction", "repurchase_intent", "nps")},
        },
        "referrals": {
            "converted_referrals_per_customer_year": rate_conv,
            "incremental_referrals_per_customer_year": rate_conv["program"] - rate_conv["holdout"],
            "cannibalization_share": rate_conv["holdout"] / rate_conv["program"] if rate_conv["program"] > 0 else None,
            "expected_converted_referrals_per_customer_in_window": exp_conv,
            "incremental_referred_customers_per_program_customer": exp_conv["program"] - exp_conv["holdout"],
            "expected_repeat_purchases_over_horizon": {"non_referred": ex_base, "referred": ex_ref},
            "expected_revenue_over_horizon": {"non_referred": (1 + ex_base) * mean_amount,
                                              "referred": (1 + ex_ref) * mean_amount},
            "true_clv_uplift": (1 + ex_ref) / (1 + ex_base) - 1,
            "clv_uplift_definition": "undiscounted expected revenue over clv_horizon_weeks from acquisition "
                                     "(first purchase + E[repeat purchases] * mean amount), referred vs non-referred; "
                                     "E[X(t)|p] integrated over p ~ Beta(a, b) numerically",
        },
        "choices": {"wtp_per_level": _choices.wtp(t)},
        "spend": _spend.optimum(t),
    }
    realized = {
        "realized_top20_revenue_share": top20,
        "n_customers_acquired": int(n_customers),
        "n_customers_by_channel": {k: int(v) for k, v in customers["channel"].value_counts().sort_index().items()},
        "n_referral_generations": int(latent["generation"].max()),
        "table_rows": {k: int(len(v)) for k, v in tables.items()},
        "mean_dropout_probability_by_level": {
            lv: float(latent.loc[latent["relationship_level"] == lv, "p_base"].mean()) for lv in RELATIONSHIP_LEVELS
        },
        "dead_share_by_level": {
            lv: float(latent.loc[latent["relationship_level"] == lv, "dead"].mean()) for lv in RELATIONSHIP_LEVELS
        },
    }
    truth: dict = {"seed": seed, "n_customers": n_customers, "overrides": overrides}
    for section, params in t.items():
        truth[section] = dict(params)
        if section in derived:
            truth[section]["derived"] = derived[section]
    truth["realized"] = realized
    return plain(truth)
