"""Published PLS estimates of the two survey datasets, and the suite's estimates under the same settings.

Source: the reference outputs kept beside the data in GoogleCloudPlatform/plspm-python, commit
addf58434532dc63320589c4cc2f341009d588b0, folder ``tests/data`` (copied verbatim, with their SHA-256, to
``tests/reference/plspm_python/``; tests/test_value_pls.py compares every number of those files):

* ``satisfaction``: R plspm (Sanchez, Trinchera & Russolillo), ``plspm(satisfaction, sat_path,
  sat_blocks, scaled = FALSE)`` -- the ECSI model of :func:`relmkt_utils.value.pls.ecsi.ecsi_model`
  with the centroid scheme, centred items and plspm's stopping rule (tol 1e-6). The path coefficients
  are the ``direct`` column of ``satisfaction.effects.csv``, the R^2 the ``r_squared`` column of
  ``satisfaction.inner-summary.csv``, printed to 15 significant digits.
* ``mobi``: SEMinR (Ray, Danks & Calero Valdez), ``estimate_pls`` of a smaller model than the ECSI
  model -- image -> expectations; expectations, perceived quality (formative, mode B) and complaints
  -> loyalty -- with path weighting (``seminr-mobi-basic-paths.csv``).

:func:`published_comparison` refits the published model with the published settings and sets the
suite's numbers beside the published ones: the algorithm of the report, checked on the report's data.
The report's own estimates use other settings (path weighting, standardized items; for mobi the
whole ECSI model), so they differ from these in the second decimal.
"""
from __future__ import annotations

import pandas as pd

from ...core.checks import checked, instance
from ..labels import label
from .ecsi import ecsi_model
from .model import PathModel, fit_once

SOURCE = ("GoogleCloudPlatform/plspm-python, commit addf58434532dc63320589c4cc2f341009d588b0, tests/data/")

#: R plspm on satisfaction (satisfaction.effects.csv, direct; satisfaction.inner-summary.csv, r_squared)
PLSPM_SATISFACTION = {
    "paths": {
        ("image", "expectations"): 0.57895912845279,
        ("image", "satisfaction"): 0.200724200280665,
        ("image", "loyalty"): 0.275149575748467,
        ("expectations", "perceived_quality"): 0.8483444083796,
        ("expectations", "perceived_value"): 0.105477649519747,
        ("expectations", "satisfaction"): -0.00275399457916834,
        ("perceived_quality", "perceived_value"): 0.676655529105984,
        ("perceived_quality", "satisfaction"): 0.122144565609107,
        ("perceived_value", "satisfaction"): 0.589330650016017,
        ("satisfaction", "loyalty"): 0.495479322090817,
    },
    "r_squared": {
        "expectations": 0.335193672418813,
        "perceived_quality": 0.719688235228933,
        "perceived_value": 0.59008437279849,
        "satisfaction": 0.707320949544597,
        "loyalty": 0.509922562050087,
    },
}

#: SEMinR on mobi, its basic model (seminr-mobi-basic-paths.csv)
SEMINR_MOBI = {
    "paths": {
        ("image", "expectations"): 0.512876954138615,
        ("expectations", "loyalty"): 0.124534792831633,
        ("perceived_quality", "loyalty"): 0.405693671851465,
        ("complaints", "loyalty"): 0.176081956818542,
    },
    "r_squared": {},
}


def seminr_mobi_model(constructs: dict) -> PathModel:
    """SEMinR's basic model of mobi over a dataset's declared constructs (construct -> items)."""
    blocks = {c: tuple(constructs[c]) for c in ("image", "expectations", "perceived_quality", "complaints", "loyalty")}
    return PathModel(blocks, tuple(SEMINR_MOBI["paths"]), {"perceived_quality": "B"})


@checked(dataset=instance(attributes=("survey", "survey_items"), text="a loaded dataset"))
def published_comparison(dataset) -> pd.DataFrame | None:
    """The published estimates of ``dataset`` (``satisfaction`` or ``mobi``, by its name) beside the
    suite's under the published model and settings: one row per path coefficient and R^2 with
    ``estimate`` ("image → loyalty", "R² of loyalty"), ``published``, ``this suite`` and ``difference``;
    ``attrs["source"]`` names the published software and settings. None for another dataset.

    Parameters
    ----------
    dataset : Dataset
        A loaded survey dataset with ``survey_items`` in its dataset.yml.
    """
    constructs = dataset.survey_items.constructs if dataset.survey_items is not None else {}
    if dataset.name == "satisfaction":
        published, source = PLSPM_SATISFACTION, ("R plspm (centroid scheme, centred items, tolerance 1e-6), "
                                                 "reference outputs in " + SOURCE)
        fit = fit_once(dataset.survey, ecsi_model(constructs), scheme="centroid", scaled=False, tol=1e-6)
    elif dataset.name == "mobi":
        published, source = SEMINR_MOBI, ("SEMinR (path weighting, standardized items; its basic model with "
                                          "perceived quality formative), reference outputs in " + SOURCE)
        fit = fit_once(dataset.survey, seminr_mobi_model(constructs), scheme="path", scaled=True)
    else:
        return None
    rows = [(f"{label(a)} → {label(b)}", value, float(fit.paths.loc[a, b])) for (a, b), value in published["paths"].items()]
    rows += [(f"R² of {label(c)}", value, float(fit.r_squared[c])) for c, value in published["r_squared"].items()]
    out = pd.DataFrame(rows, columns=["estimate", "published", "this suite"])
    out["difference"] = out["this suite"] - out["published"]
    out.attrs["source"] = source
    return out
