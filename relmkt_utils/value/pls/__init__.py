"""PLS path modeling (PLS-PM) of survey constructs, and the customer-satisfaction index model (ECSI).

* ``model``: the path model (blocks, paths, modes) and Lohmoeller's algorithm (why it is written here:
  see that module's docstring)
* ``quality``: reliability (Cronbach's alpha, rho_c, rho_A), AVE and HTMT, with the usual thresholds
* ``effects``: direct, indirect and total effects, specific indirect effects, IPMA scores
* ``results``: ``fit_pls`` with bootstrap inference; ``PLSResults`` (the suite's results protocol)
* ``ecsi``: the ECSI model and ``ecsi_analysis``, the tables and headline numbers of notebook 02
* ``tables``: the ECSI section of notebook 02 as readers see it (plain names, thresholds in the
  headings) and the numbers of its findings
* ``published``: R plspm's and SEMinR's published estimates of the two survey datasets, beside the
  suite's under the same settings
"""
from .ecsi import CONSTRUCT_LABELS, ECSI_CONSTRUCTS, ECSI_PATHS, ECSIReport, ecsi_analysis, ecsi_model
from .effects import effects_frame, total_effects
from .model import SCHEMES, PathModel, PLSFit, fit_once
from .published import published_comparison
from .quality import THRESHOLDS, composite_reliability, htmt_matrix, pc_loadings, rho_a
from .results import PLSResults, fit_pls
from .tables import (
    effect_table, fit_metrics, htmt_table, ipma_summary, ipma_table, item_table, measurement_summary, mediation_table, path_table,
    reliability_table,
)

__all__ = [
    "CONSTRUCT_LABELS", "ECSI_CONSTRUCTS", "ECSI_PATHS", "ECSIReport", "PLSFit", "PLSResults", "PathModel", "SCHEMES",
    "THRESHOLDS", "composite_reliability", "ecsi_analysis", "ecsi_model", "effects_frame", "fit_once", "fit_pls",
    "htmt_matrix", "pc_loadings", "rho_a", "total_effects",
    "effect_table", "fit_metrics", "htmt_table", "ipma_summary", "ipma_table", "item_table", "measurement_summary", "mediation_table",
    "path_table", "published_comparison", "reliability_table",
]
