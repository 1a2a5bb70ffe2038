"""The documented default parameters of the synthetic world, and how overrides are applied.

Every number below is a *generator default*, chosen for a stated reason: calibrated to a published
estimate, set to reproduce a claim of the source material (so that the notebooks can test the
claim), or set so that an estimator has something identifiable to recover. The claims of the source
material (80/20, "8 deals vs 25 people", INFO-PLANT's 35 %/17 %) are used as defaults *because*
they are the source's claims, not because they are facts; see GLOSSARY.md, "Claims to test".

Time is in weeks for the purchase process (``time_unit: week``), in years for referral rates and in
months for the aggregate spend table. Money is in EUR.

Overrides
---------
:func:`relmkt_utils.data.synthetic.synthesize` takes keyword overrides, addressed in three ways:

* a section with a dict: ``bgnbd={"r": 0.3}`` (merged into the section, recursively);
* ``section__key`` with double underscores: ``bgnbd__r=0.3``, ``referrals__rewards__referrer=30``;
* a bare leaf name when it is unique across all sections: ``alpha=5.0``, ``conversion_prob=0.2``
  (an ambiguous or unknown name raises :class:`relmkt_utils.core.errors.ParameterError` that lists the
  full paths it could mean).

Only parameters can be overridden; the derived "true values" that estimators should recover are
recomputed from the parameters on every call and stored beside them in ``dataset.yml``.
"""
from __future__ import annotations

import copy
import math
from typing import Any

from ...core.errors import ParameterError

#: Default parameters of the synthetic world (read-only by convention; ``synthesize`` deep-copies it).
DEFAULT_TRUTH: dict[str, Any] = {
    # ------------------------------------------------------------------ observation window
    "window": {
        # Two calendar years: customers are acquired during the first year, so every acquisition
        # cohort is observed for at least one year (enough for BG/NBD calibration/holdout splits).
        "observation_start": "2024-01-01",
        "observation_end": "2025-12-31",
    },
    # ------------------------------------------------------------------ customers (acquired, not referred)
    "customers": {
        # Non-referred customers are acquired uniformly over the first 366 days (2024 is a leap
        # year), i.e. twelve monthly acquisition cohorts of about equal size.
        "acquisition_window_days": 366,
        # Channel shares among non-referred customers; referral-channel customers come only from
        # converted referrals (see "referrals"), so their share is an outcome.
        "channel_shares": {"organic": 0.55, "paid": 0.45},
        # Acquisition cost per customer by channel, EUR, lognormal with this mean and coefficient of
        # variation. Paid search/social acquisition costs several times organic (content/SEO) cost;
        # the levels are illustrative. Referral customers' cost is the rewards paid (0 for
        # word-of-mouth referrals of the holdout group).
        "acquisition_cost": {
            "organic": {"mean": 8.0, "cv": 0.5},
            "paid": {"mean": 45.0, "cv": 0.4},
        },
        # Share of customers randomized into the referral program (the experiment's unit is the
        # customer; converted referees are randomized again, independently of their referrer).
        "program_share": 0.5,
        # Free attributes, independent of everything else (noise columns for profiling).
        "age_band_shares": {"18-24": 0.14, "25-34": 0.27, "35-44": 0.24, "45-54": 0.19, "55+": 0.16},
        "region_shares": {"north": 0.25, "south": 0.30, "east": 0.20, "west": 0.25},
    },
    # ------------------------------------------------------------------ BG/NBD purchase process
    "bgnbd": {
        # Fader, Hardie & Lee (2005, Marketing Science) "Counting your customers the easy way":
        # lambda ~ Gamma(shape r, rate alpha) repeat purchases per week while alive; after each
        # repeat purchase the customer drops out with probability p ~ Beta(a, b). CDNOW estimates
        # are r=0.243, alpha=4.414, a=0.793, b=2.426, which give a top-20% revenue share of only
        # ~0.64 here. To reach the source's 80/20 claim, purchase rates (r) and dropout
        # probabilities (a, b) are made more heterogeneous; the mean dropout a/(a+b) = 0.2 and
        # the mean purchase rate r/alpha = 0.067 per week stay near CDNOW's (0.25, 0.055).
        "r": 0.1,
        "alpha": 1.5,
        "a": 0.4,
        "b": 1.6,
    },
    # ------------------------------------------------------------------ spend per purchase
    "gamma_gamma": {
        # Fader, Hardie & Lee (2005, JMR) "RFM and CLV": nu ~ Gamma(shape q, rate gamma) per
        # customer, amount ~ Gamma(shape p, rate nu) per purchase; CDNOW estimates p=6.25,
        # q=3.74, gamma=15.44 (mean spend p*gamma/(q-1) ~ 35 USD). q is lowered to 2 for a heavier
        # tail of big spenders (towards 80/20) and gamma set to keep the mean spend at 35 EUR.
        # Amounts are rounded to cents.
        "p": 6.25,
        "q": 2.0,
        "gamma": 5.6,
    },
    # ------------------------------------------------------------------ delivered value (Kotler)
    "delivered_value": {
        # Each customer has eight latent construct scores ~ N(0, 1), independent. Kotler's
        # customer delivered value = weighted total value - weighted total cost:
        #   DV = sum(w_value * value scores) - sum(w_cost * cost scores),
        # standardized to z_value = DV / sd(DV). Weights (sum 1) are illustrative: product value
        # weighs most, monetary cost is the largest cost (common findings in value-driver studies).
        "value_weights": {
            "product_value": 0.30,
            "service_value": 0.20,
            "personnel_value": 0.12,
            "image_value": 0.08,
        },
        "cost_weights": {
            "monetary_cost": 0.15,
            "time_cost": 0.06,
            "energy_cost": 0.04,
            "psychic_cost": 0.05,
        },
        # Gaussian copula: the latent dropout score is z_p = -rho * z_value + sqrt(1-rho^2) * e,
        # and p = BetaPPF(Phi(z_p); a, b), so p keeps its Beta(a, b) marginal exactly while
        # customers who get more value drop out less.
        "dropout_value_correlation": 0.5,
    },
    # ------------------------------------------------------------------ Berry's relationship levels
    "relationship_levels": {
        # Level score s = -z_p + noise_sd * e; levels are population quantiles of s with these
        # shares (lowest s = financial). So financial -> social -> structural lowers dropout step by
        # step, with overlap (noise_sd > 0) as bonds are imperfect proxies of loyalty. Shares illustrative:
        # most relationships rest on price incentives only (Berry 1995, Berry & Parasuraman 1991).
        "shares": {"financial": 0.5, "social": 0.3, "structural": 0.2},
        "noise_sd": 1.0,
    },
    # ------------------------------------------------------------------ survey
    "survey": {
        # Share of customers who answer the survey once, on a day drawn uniformly between their
        # acquisition and 30 days after their last purchase (capped at observation_end).
        "response_share": 0.4,
        "days_after_last_purchase": 30,
        # Likert items <construct>_1..3: x* = loading * eta + sqrt(1 - loading^2) * noise, cut at
        # the cutpoints into 1..7. Standardized loadings 0.85/0.80/0.75 give Cronbach's alpha of
        # about 0.84 for the latent responses (a little lower after cutting into 7 categories).
        # Cost items are phrased so that a higher answer means a higher cost.
        "likert_loadings": [0.85, 0.80, 0.75],
        "likert_cutpoints": [-1.8, -1.1, -0.4, 0.4, 1.1, 1.8],
        # Ordered-probit links: y* = beta * z_value + N(0, 1), cut so that the marginal shares of
        # the answers are the given ones (shares illustrative; NPS = 40% - 27% = 13).
        "satisfaction": {"beta": 1.2, "shares": [0.03, 0.05, 0.08, 0.14, 0.25, 0.28, 0.17]},
        "repurchase_intent": {"beta": 1.0, "shares": [0.05, 0.07, 0.10, 0.16, 0.22, 0.24, 0.16]},
        "nps": {
            "beta": 1.3,
            "shares": [0.02, 0.01, 0.02, 0.03, 0.04, 0.07, 0.08, 0.14, 0.19, 0.20, 0.20],
        },
    },
    # ------------------------------------------------------------------ word of mouth
    "word_of_mouth": {
        # Survey columns positive_mentions / negative_mentions ~ Poisson(mean by NPS group). The
        # means 8 (promoters' positive) and 25 (detractors' negative) are the source material's
        # claims ("a satisfied customer leads to ~8 potential deals, a dissatisfied one reaches
        # ~25 people"), used as generator defaults so the notebooks can confront them with East,
        # Hammond & Wright (2007): positive WOM outnumbers negative about 3:1. Not facts.
        "positive_mean": {"promoter": 8.0, "passive": 2.0, "detractor": 0.5},
        "negative_mean": {"promoter": 0.3, "passive": 1.0, "detractor": 25.0},
    },
    # ------------------------------------------------------------------ transactions
    "transactions": {
        # Free attribute "influence" of each purchase: the INFO-PLANT figures of the source
        # (35% influenced by family, 17% by online communities), the rest none; independent draws.
        "influence_shares": {"family": 0.35, "online_community": 0.17, "none": 0.48},
    },
    # ------------------------------------------------------------------ referrals (member get member)
    "referrals": {
        # Invitations per customer-year while the customer is alive (acquisition to dropout, or to
        # observation_end), times exp(value_link * z_value - value_link^2 / 2) (mean 1): customers
        # who get more delivered value refer more. Program customers invite (rewarded) three
        # times as often as holdout customers pass on word of mouth; holdout referrals are only
        # seen when they convert (the new customer names the referrer; no reward).
        "invite_rate": {"program": 0.6, "holdout": 0.2},
        "value_link": 0.5,
        # Probability that an invitation converts, and time to convert ~ Exponential(mean days),
        # rounded down to whole days; conversions after observation_end are not (yet) seen.
        "conversion_prob": 0.3,
        "time_to_convert_mean_days": 14.0,
        # Rewards paid on conversion, EUR (the referee's acquisition cost is their sum).
        "rewards": {"referrer": 25.0, "referee": 15.0},
        # Referred customers are more loyal: their dropout probability is p * multiplier.
        # Schmitt, Skiera & Van den Bulte (2011, JM): referred customers are more loyal and ~16-25%
        # more valuable; 0.5 gives a true expected 3-year revenue uplift of ~19% (derived value
        # referrals.derived.true_clv_uplift). Lambda and spend are not changed.
        "referee_dropout_multiplier": 0.5,
        # Horizon of the "true" expected customer value used for the uplift, weeks (3 years).
        "clv_horizon_weeks": 156,
        # Referees may themselves refer; generations are simulated until none converts in the
        # window (or this cap).
        "max_generations": 10,
    },
    # ------------------------------------------------------------------ choice-based conjoint
    "choices": {
        "n_respondents": 400,
        "n_tasks": 8,
        "n_alternatives": 3,
        # Attribute levels are integers 1..5 (random design, independent uniform draws);
        # price in EUR from the price levels.
        "levels": [1, 2, 3, 4, 5],
        "price_levels": [20, 30, 40, 50, 60],
        # Conditional logit (McFadden 1974): U = sum(beta_k * x_k) + beta_price * price + Gumbel.
        # Part-worths per level step; order mirrors the delivered-value weights. True WTP per
        # level step = -beta_k / beta_price (EUR).
        "betas": {
            "product_value": 0.60,
            "service_value": 0.40,
            "personnel_value": 0.25,
            "image_value": 0.15,
            "time_cost": -0.25,
            "energy_cost": -0.15,
            "psychic_cost": -0.20,
        },
        "beta_price": -0.05,
    },
    # ------------------------------------------------------------------ aggregate spend (Blattberg & Deighton 1996)
    "spend": {
        # 24 monthly periods of an aggregate market table (not tied to the customer table).
        "n_periods": 24,
        "period_unit": "month",
        # Acquisition rate a = ceiling_a * (1 - exp(-k_a * A)), A = acquisition spend per prospect;
        # retention rate r = ceiling_r * (1 - exp(-k_r * R)), R = retention spend per customer at
        # start (Blattberg & Deighton 1996, HBR "Manage marketing by the customer equity test").
        "ceiling_a": 0.08,
        "k_a": 0.5,
        "ceiling_r": 0.92,
        "k_r": 0.4,
        # Spends per head vary across periods (log-uniform) so the curves are identifiable.
        # Ranges give acquisition rates of ~1.8%-7.6% and monthly retention rates of ~0.64-0.91.
        "acquisition_spend_per_prospect_range": [0.5, 6.0],
        "retention_spend_per_customer_range": [3.0, 12.0],
        "prospects_mean": 20000,
        # Near the steady state new / (1 - r) of the middle of the ranges.
        "customers_at_start_first": 5000,
        # Contribution margin per retained customer per period (EUR) and discount rate per period
        # (10% a year, monthly), used for the customer-equity optimum recorded in truth.
        "margin": 12.0,
        "discount_rate": 0.007974140428,
    },
}


# ---------------------------------------------------------------------------- overrides

def _leaves(d: dict, prefix: tuple = ()) -> list[tuple[str, ...]]:
    out = []
    for k, v in d.items():
        if isinstance(v, dict):
            out += _leaves(v, prefix + (k,))
        else:
            out.append(prefix + (k,))
    return out


def _merge(base: dict, new: dict, where: str) -> None:
    for k, v in new.items():
        if k not in base:
            raise ParameterError(f"unknown synthetic-world parameter '{where}{k}'; known: {', '.join(map(str, base))}")
        if isinstance(base[k], dict):
            if not isinstance(v, dict):
                raise ParameterError(f"synthetic-world parameter '{where}{k}' is a section; give a dict")
            _merge(base[k], v, f"{where}{k}.")
        else:
            base[k] = copy.deepcopy(v)


def resolve(overrides: dict[str, Any]) -> dict[str, Any]:
    """DEFAULT_TRUTH with ``overrides`` applied (see the module docstring for the addressing)."""
    params = copy.deepcopy(DEFAULT_TRUTH)
    leaves = _leaves(params)
    for key, value in overrides.items():
        if key in params:
            if isinstance(params[key], dict) and isinstance(value, dict):
                _merge(params[key], value, f"{key}.")
                continue
            raise ParameterError(f"synthetic-world parameter '{key}' is a section; give a dict, e.g. {key}={{...}}")
        if "__" in key:
            path = tuple(key.split("__"))
            if path not in leaves:
                raise ParameterError(f"unknown synthetic-world parameter '{'.'.join(path)}'")
        else:
            matches = [p for p in leaves if p[-1] == key]
            if len(matches) != 1:
                what = "ambiguous" if matches else "unknown"
                hint = "; use one of " + ", ".join("__".join(m) for m in matches) if matches else ""
                raise ParameterError(f"{what} synthetic-world parameter '{key}'{hint}")
            path = matches[0]
        node = params
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = copy.deepcopy(value)
    _check(params)
    return params


def _check(t: dict) -> None:
    def pos(path: str, x) -> None:
        if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x) or x <= 0:
            raise ParameterError(f"synthetic-world parameter '{path}' must be a positive number, got {x!r}")

    def prob(path: str, x, lo_open=False, hi_open=False) -> None:
        if not isinstance(x, (int, float)) or isinstance(x, bool) or not (0 <= x <= 1) or (lo_open and x == 0) or (hi_open and x == 1):
            raise ParameterError(f"synthetic-world parameter '{path}' must be a probability in [0, 1], got {x!r}")

    for k in ("r", "alpha", "a", "b"):
        pos(f"bgnbd.{k}", t["bgnbd"][k])
    for k in ("p", "q", "gamma"):
        pos(f"gamma_gamma.{k}", t["gamma_gamma"][k])
    if t["gamma_gamma"]["q"] <= 1:
        raise ParameterError("synthetic-world parameter 'gamma_gamma.q' must be > 1 (finite mean spend)")
    rho = t["delivered_value"]["dropout_value_correlation"]
    if not isinstance(rho, (int, float)) or not -1 < rho < 1:
        raise ParameterError("synthetic-world parameter 'delivered_value.dropout_value_correlation' must be in (-1, 1)")
    for section, key in (("customers", "channel_shares"), ("customers", "age_band_shares"),
                         ("customers", "region_shares"), ("relationship_levels", "shares"),
                         ("transactions", "influence_shares")):
        shares = t[section][key]
        if any(not isinstance(v, (int, float)) or v < 0 for v in shares.values()) or abs(sum(shares.values()) - 1) > 1e-9:
            raise ParameterError(f"synthetic-world parameter '{section}.{key}' must be shares >= 0 that sum to 1")
    if set(t["customers"]["channel_shares"]) != {"organic", "paid"}:
        raise ParameterError("'customers.channel_shares' needs exactly organic and paid (referral customers come from referrals)")
    if set(t["relationship_levels"]["shares"]) != {"financial", "social", "structural"}:
        raise ParameterError("'relationship_levels.shares' needs financial, social and structural")
    for q in ("satisfaction", "repurchase_intent", "nps"):
        sh = t["survey"][q]["shares"]
        n = 11 if q == "nps" else 7
        if len(sh) != n or any(v <= 0 for v in sh) or abs(sum(sh) - 1) > 1e-9:
            raise ParameterError(f"'survey.{q}.shares' must be {n} positive shares that sum to 1")
    prob("survey.response_share", t["survey"]["response_share"], lo_open=True)
    prob("customers.program_share", t["customers"]["program_share"])
    prob("referrals.conversion_prob", t["referrals"]["conversion_prob"])
    for g in ("program", "holdout"):
        x = t["referrals"]["invite_rate"][g]
        if not isinstance(x, (int, float)) or x < 0:
            raise ParameterError(f"'referrals.invite_rate.{g}' must be >= 0")
    pos("relationship_levels.noise_sd", t["relationship_levels"]["noise_sd"])
    pos("referrals.referee_dropout_multiplier", t["referrals"]["referee_dropout_multiplier"])
    if t["referrals"]["referee_dropout_multiplier"] > 1:  # p * m must stay a probability
        raise ParameterError("'referrals.referee_dropout_multiplier' must be <= 1")
    pos("referrals.time_to_convert_mean_days", t["referrals"]["time_to_convert_mean_days"])
    if t["choices"]["beta_price"] >= 0:
        raise ParameterError("'choices.beta_price' must be negative (a higher price lowers utility)")
    for k in ("ceiling_a", "ceiling_r"):
        prob(f"spend.{k}", t["spend"][k])
    for k in ("k_a", "k_r", "margin"):
        pos(f"spend.{k}", t["spend"][k])
    for k in ("n_respondents", "n_tasks", "n_alternatives"):
        v = t["choices"][k]
        if not isinstance(v, int) or v < 1 or (k == "n_alternatives" and v < 2):
            raise ParameterError(f"'choices.{k}' must be a positive whole number (alternatives >= 2)")
    if not isinstance(t["spend"]["n_periods"], int) or t["spend"]["n_periods"] < 1:
        raise ParameterError("'spend.n_periods' must be a positive whole number")


def plain(x: Any, digits: int = 10) -> Any:
    """Convert numpy scalars/arrays and tuples to plain Python; round floats to ``digits`` significant digits."""
    import numpy as np

    if isinstance(x, dict):
        return {str(k): plain(v, digits) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [plain(v, digits) for v in (x.tolist() if isinstance(x, np.ndarray) else x)]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if not math.isfinite(x):
            raise ValueError("truth values must be finite")
        return float(f"{x:.{digits}g}")
    return x
