"""Fader & Hardie's (2007) published cohorts and sBG estimates, and the side-by-side table of a refit.

Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. *Journal of Interactive
Marketing* 21(1), 76-90: two cohorts of 1,000 customers ("regular" and "high end") and the number
still customers at the start of years 0-12; the sBG fitted to years 0-7 gives alpha = 0.704,
beta = 1.182 (regular) and alpha = 0.668, beta = 3.806 (high end), and the paper projects years 8-12
as a holdout. Values as printed.
"""
from __future__ import annotations

import pandas as pd

from .sbg import compare_projections

#: Customers alive at the start of years 0..12 (Fader & Hardie 2007, Table 1).
SURVIVORS = {
    "regular": (1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173),
    "high end": (1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394),
}
#: (alpha, beta) fitted to years 0-7, as published, 3 decimals.
PARAMS = {"regular": (0.704, 1.182), "high end": (0.668, 3.806)}
#: Years of the calibration period (0..7); years 8-12 are the holdout.
CALIBRATION_YEARS = 7


def projections(horizon: int = 12) -> dict[str, pd.DataFrame]:
    """Both cohorts fitted on years 0-7 and projected to ``horizon`` (:func:`.sbg.compare_projections`)."""
    return {name: compare_projections(list(s), calibration_periods=CALIBRATION_YEARS, horizon=horizon)
            for name, s in SURVIVORS.items()}


def comparison(fits: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The refit beside the published estimates, with the year-12 projections and holdout errors.

    Rows: one per quantity; columns: the two cohorts. ``fits`` defaults to :func:`projections`."""
    fits = projections() if fits is None else fits
    rows = {}
    for name, c in fits.items():
        last = c.index.max()
        rows[name] = {
            "alpha": c.attrs["alpha"], "alpha (F&H 2007)": PARAMS[name][0],
            "beta": c.attrs["beta"], "beta (F&H 2007)": PARAMS[name][1],
            "same to printed decimals": round(c.attrs["alpha"], 3) == PARAMS[name][0]
            and round(c.attrs["beta"], 3) == PARAMS[name][1],
            "constant retention r": c.attrs["retention"],
            f"year-{last} survivors, actual": c.loc[last, "actual"], f"year-{last}, sBG": c.loc[last, "sbg"],
            f"year-{last}, constant r": c.loc[last, "geometric"],
            "holdout error sBG (mean abs %)": c.loc[CALIBRATION_YEARS + 1:, "sbg_error_pct"].abs().mean(),
            "holdout error constant r (mean abs %)": c.loc[CALIBRATION_YEARS + 1:, "geometric_error_pct"].abs().mean(),
        }
    return pd.DataFrame(rows)
