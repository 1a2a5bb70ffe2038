"""PLS path modeling (PLS-PM) of survey constructs, and the customer-satisfaction index model (ECSI).

* ``model``: the path model (blocks, paths, modes) and Lohmoeller's algorithm (why it is written here:
  see that module's docstring)
* ``quality``: reliability (Cronbach's alpha, rho_c, rho_A), AVE and HTMT, with the usual thresholds
* ``effects``: direct, indirect and total effects, specific indirect effects, IPMA scores
* ``results``: ``fit_pls`` with bootstrap inference; ``PLSResults`` (the suite's results protocol)
* ``ecsi``: the ECSI model and ``ecsi_analysis``, the tables and headline numbers of notebook 02
"""
from .ecsi import CONSTRUCT_LABELS, ECSI_CONSTRUCTS, ECSI_PATHS, ECSIReport, ecsi_analysis, ecsi_model
from .effects import effects_frame, total_effects
from .model import SCHEMES, PathModel, PLSFit, fit_once
from .quality import THRESHOLDS, composite_reliability, htmt_matrix, pc_loadings, rho_a
from .results import PLSResults, fit_pls

__all__ = [
    "CONSTRUCT_LABELS", "ECSI_CONSTRUCTS", "ECSI_PATHS", "ECSIReport", "PLSFit", "PLSResults", "PathModel", "SCHEMES",
    "THRESHOLDS", "composite_reliability", "ecsi_analysis", "ecsi_model", "effects_frame", "fit_once", "fit_pls",
    "htmt_matrix", "pc_loadings", "rho_a", "total_effects",
]
