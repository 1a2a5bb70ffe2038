"""The customer-satisfaction index model (ECSI; Fornell 1992, Fornell et al. 1996 for the ACSI) and the
one call notebook 02 makes for a survey dataset that declares its constructs.

The ECSI structural model (Tenenhaus, Esposito Vinzi, Chatelin & Lauro 2005, Fig. 3; the model of R
plspm's ``satisfaction`` example and of SEMinR's ECSI demo):

    image        -> expectations, satisfaction, loyalty
    expectations -> perceived_quality, perceived_value, satisfaction
    perceived_quality -> perceived_value, satisfaction
    perceived_value   -> satisfaction
    satisfaction -> complaints, loyalty
    complaints   -> loyalty

Paths to or from a construct the survey does not measure are left out (the ``satisfaction`` data have
no complaints item, which gives plspm's model exactly). Every block is reflective (mode A).

In Kotler's terms (客户让渡价值, customer delivered value) perceived quality is the total customer
value received and perceived value sets it against the price paid (the total customer cost), so the
chain quality -> value -> satisfaction -> loyalty is delivered value and the loyalty it earns.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ...core.checks import ALPHA, SEED, TEXT, checked, instance, number, one_of
from ...core.errors import DataError
from ...core.estimate import Estimate
from .model import PathModel
from .results import ARROW, PLSResults, fit_pls

ECSI_CONSTRUCTS = ("image", "expectations", "perceived_quality", "perceived_value", "satisfaction", "complaints",
                   "loyalty")
ECSI_PATHS = (
    ("image", "expectations"), ("image", "satisfaction"), ("image", "loyalty"),
    ("expectations", "perceived_quality"), ("expectations", "perceived_value"), ("expectations", "satisfaction"),
    ("perceived_quality", "perceived_value"), ("perceived_quality", "satisfaction"),
    ("perceived_value", "satisfaction"),
    ("satisfaction", "complaints"), ("satisfaction", "loyalty"),
    ("complaints", "loyalty"),
)
#: constructs the model cannot do without
ECSI_REQUIRED = ("image", "expectations", "perceived_quality", "perceived_value", "satisfaction", "loyalty")
#: names for tables and figures
CONSTRUCT_LABELS = {"image": "Image", "expectations": "Expectations", "perceived_quality": "Perceived quality",
                    "perceived_value": "Perceived value", "satisfaction": "Satisfaction", "complaints": "Complaints",
                    "loyalty": "Loyalty"}


@checked(blocks=instance(dict, text="a mapping of construct to item columns"))
def ecsi_model(blocks: dict) -> PathModel:
    """The ECSI path model over the constructs of ``blocks`` (construct -> item columns, e.g. a
    dataset's ``survey_items.constructs``); other constructs are ignored. A DataError names the ECSI
    constructs that are missing.

    Parameters
    ----------
    blocks : dict
        Construct name -> the item columns that measure it.
    """
    missing = [c for c in ECSI_REQUIRED if c not in blocks]
    if missing:
        raise DataError(f"dataset.yml survey_items: the ECSI model needs the construct(s) {', '.join(missing)} "
                        f"(declared: {', '.join(blocks) or 'none'})")
    present = [c for c in ECSI_CONSTRUCTS if c in blocks]
    return PathModel({c: tuple(blocks[c]) for c in present},
                     tuple(p for p in ECSI_PATHS if p[0] in present and p[1] in present))


@dataclass
class ECSIReport:
    """Everything notebook 02's satisfaction-index section shows, as plain tables (see
    :func:`ecsi_analysis` for the columns) and ``headline`` numbers; ``results`` is the fitted model."""

    results: PLSResults
    measurement: pd.DataFrame
    loadings: pd.DataFrame
    htmt: pd.DataFrame
    paths: pd.DataFrame
    r_squared: pd.DataFrame
    effects: pd.DataFrame
    mediation: pd.DataFrame
    ipma: pd.DataFrame
    headline: dict = field(default_factory=dict)


def _strongest(results: PLSResults, target: str, alpha: float) -> tuple[str, Estimate]:
    eff = results.effects_table(alpha)
    eff = eff[eff["to"] == target]
    row = eff.loc[eff["total"].abs().idxmax()]
    return str(row["from"]), results.estimate(row["from"] + ARROW + target, "total", alpha)


@checked(dataset=instance(attributes=("survey", "survey_items"), text="a loaded dataset"), n_boot=number(0, integer=True),
         seed=SEED, alpha=ALPHA, scheme=one_of("path", "centroid", "factorial"), target=TEXT)
def ecsi_analysis(dataset, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05, scheme: str = "path",
                  target: str = "loyalty") -> ECSIReport:
    """Fit the ECSI model to a loaded survey dataset (``datasets.load("satisfaction")``) and return the
    tables and headline numbers of the section.

    The dataset needs a survey table and a ``survey_items`` declaration in dataset.yml (the item scale
    and the constructs, :mod:`relmkt_utils.data.survey_items`). Standardized items, path weighting,
    ``n_boot`` bootstrap resamples drawn with ``seed``; intervals at level 1 - ``alpha``.

    Tables (columns):

    * ``measurement``: construct, label, items, alpha, rho_c, rho_a, ave, min_loading, meets_alpha,
      meets_rho_c, meets_rho_a, meets_ave, meets_loading (thresholds in
      :data:`relmkt_utils.value.pls.THRESHOLDS`; NA for a one-item construct);
    * ``loadings``: construct, item, wording (from dataset.yml, item or construct level), weight,
      loading, lower, upper, meets_loading;
    * ``htmt``: construct_1, construct_2, htmt, lower, upper, below_085, upper_below_085, below_090,
      upper_below_090;
    * ``paths``: from, to, estimate, se, lower, upper, t, significant;
    * ``r_squared``: construct, r_squared, r_squared_adj, lower, upper;
    * ``effects``: from, to, direct, indirect, total, indirect_lower/upper, total_lower/upper;
    * ``mediation``: for ``target``, source, via, target, through, through_lower/upper, total, share,
      share_lower/upper;
    * ``ipma``: for ``target``, over the constructs a firm acts on (every construct with an effect on
      ``target`` except satisfaction, the outcome they work through): construct, importance,
      importance_lower/upper, performance, performance_lower/upper, total_effect, quadrant,
      improve_first, target.

    ``headline``: ``n``, ``n_boot``, ``seed``, ``satisfaction_driver`` with
    ``satisfaction_driver_effect`` (the construct with the largest total effect on satisfaction, an
    Estimate), ``loyalty_driver`` / ``loyalty_driver_effect`` (the same for ``target``), ``r2_satisfaction``,
    ``r2_loyalty`` (Estimates), ``image_loyalty_total``, ``image_loyalty_via_satisfaction`` and
    ``share_via_satisfaction`` (the part of image's total effect on loyalty that runs through
    satisfaction: Estimates), ``improve_first`` (the IPMA's construct to improve first, or None when
    none is below the median performance) with ``improve_first_quadrant``, ``improve_first_importance``
    and ``improve_first_performance`` (Estimates), ``weak_measurement`` (list of "construct: criterion"
    that miss their threshold, and pairs with HTMT >= 0.90).

    Parameters
    ----------
    dataset : Dataset
        A loaded survey dataset with ``survey_items`` in its dataset.yml.
    n_boot : int
        Bootstrap resamples (0: no intervals).
    seed : int
        Seed of the resamples.
    alpha : float
        1 - the level of the intervals.
    scheme : str
        The inner weighting scheme: "path", "centroid" or "factorial".
    target : str
        The construct whose drivers the mediation and the importance-performance map explain.
    """
    items = dataset.survey_items
    if dataset.survey is None or items is None:
        raise DataError(f"{dataset.name}: the ECSI model needs a survey table and survey_items in dataset.yml "
                        "(the item scale and which items measure which construct)")
    model = ecsi_model(items.constructs)
    res = fit_pls(dataset.survey, model, scheme=scheme, n_boot=n_boot, seed=seed, scale=items.scale)

    rel = res.reliability()
    measurement = rel[["construct", "items", "alpha", "rho_c", "rho_a", "ave", "min_loading", "meets_alpha",
                       "meets_rho_c", "meets_rho_a", "meets_ave", "meets_loading"]].copy()
    measurement.insert(1, "label", measurement["construct"].map(CONSTRUCT_LABELS))
    loadings = res.loadings_table(alpha)
    loadings.insert(2, "wording", [items.wording.get(i, items.wording.get(c, ""))
                                   for c, i in zip(loadings["construct"], loadings["item"])])
    mediation = res.mediation(target, alpha)
    ipma = res.ipma(target, alpha=alpha, constructs=[c for c in model.constructs if c not in ("satisfaction", target)])

    sat_driver, sat_eff = _strongest(res, "satisfaction", alpha)
    loy_driver, loy_eff = _strongest(res, target, alpha)
    via = mediation[(mediation["source"] == "image") & (mediation["via"] == "satisfaction")].iloc[0]
    share = Estimate(float(via["share"]), float(via["share_lower"]), float(via["share_upper"]),
                     method="percentile bootstrap", alpha=alpha)
    through = Estimate(float(via["through"]), float(via["through_lower"]), float(via["through_upper"]),
                       method="percentile bootstrap", alpha=alpha)
    first = ipma[ipma["improve_first"]]
    weak = [f"{row.construct}: {crit}" for row in measurement.itertuples()
            for crit in ("alpha", "rho_c", "rho_a", "ave", "loading")
            if not pd.isna(getattr(row, f"meets_{crit}")) and not bool(getattr(row, f"meets_{crit}"))]
    weak += [f"{r.construct_1} / {r.construct_2}: HTMT >= 0.90" for r in res.htmt_table(alpha).itertuples()
             if not r.below_090]
    headline = {
        "n": int(res.nobs), "n_boot": res.n_boot, "seed": seed,
        "satisfaction_driver": sat_driver, "satisfaction_driver_effect": sat_eff,
        "loyalty_driver": loy_driver, "loyalty_driver_effect": loy_eff,
        "r2_satisfaction": res.estimate("satisfaction", "r_squared", alpha),
        "r2_loyalty": res.estimate(target, "r_squared", alpha),
        "image_loyalty_total": res.estimate("image" + ARROW + target, "total", alpha),
        "image_loyalty_via_satisfaction": through,
        "share_via_satisfaction": share,
        "improve_first": None if first.empty else str(first["construct"].iloc[0]),
        "improve_first_importance": None if first.empty else Estimate(
            float(first["importance"].iloc[0]), float(first["importance_lower"].iloc[0]),
            float(first["importance_upper"].iloc[0]), method="percentile bootstrap", alpha=alpha),
        "improve_first_quadrant": None if first.empty else str(first["quadrant"].iloc[0]),
        "improve_first_performance": None if first.empty else Estimate(
            float(first["performance"].iloc[0]), float(first["performance_lower"].iloc[0]),
            float(first["performance_upper"].iloc[0]), method="percentile bootstrap", alpha=alpha),
        "weak_measurement": weak,
    }
    return ECSIReport(res, measurement, loadings, res.htmt_table(alpha), res.paths_table(alpha),
                      res.r_squared_table(alpha), res.effects_table(alpha), mediation, ipma, headline)
