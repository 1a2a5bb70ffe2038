"""Fader & Hardie's (2007) published cohorts and sBG estimates, and the side-by-side table of a refit.

Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. *Journal of Interactive
Marketing* 21(1), 76-90: two cohorts of 1,000 customers ("regular" and "high end") and the number
still customers at the start of years 0-12; the sBG fitted to years 0-7 gives alpha = 0.704,
beta = 1.182 (regular) and alpha = 0.668, beta = 3.806 (high end), and the paper projects years 8-12
as a holdout. Values as printed.

The numbers live in one place, the dataset ``data/fader_hardie_2007`` (cohorts table plus the printed
estimates under ``source_figures``; written by ``data/make_fader_hardie_2007.py``). ``SURVIVORS``,
``PARAMS`` and ``CALIBRATION_YEARS`` are read from it on first use (:func:`dataset`).
"""
from __future__ import annotations

import functools

import pandas as pd

from ..data import datasets
from .cohorts import survivor_curves
from .sbg import compare_projections

#: The dataset holding the published cohorts and estimates.
DATASET = "fader_hardie_2007"
_COHORT_KEYS = {"regular": "regular", "high end": "high_end"}


@functools.cache
def dataset():
    """The validated dataset ``data/fader_hardie_2007`` of the project (read once)."""
    return datasets.load(datasets.PROJECT_DATA / DATASET)


def _survivors() -> dict[str, tuple[int, ...]]:
    """Customers alive at the start of years 0..12, by cohort (Fader & Hardie 2007, Table 1)."""
    curves = survivor_curves(dataset().cohorts)
    return {name: tuple(int(v) for v in curve) for name, curve in curves.items()}


def _params() -> dict[str, tuple[float, float]]:
    """(alpha, beta) fitted to years 0-7, as published, 3 decimals."""
    fig = dataset().meta["source_figures"]
    return {name: (float(fig[f"alpha_{key}"]), float(fig[f"beta_{key}"])) for name, key in _COHORT_KEYS.items()}


_LAZY = {
    "SURVIVORS": _survivors,                                                        # years 0..12 by cohort
    "PARAMS": _params,                                                              # (alpha, beta), years 0-7
    "CALIBRATION_YEARS": lambda: int(dataset().meta["source_figures"]["calibration_years"]),   # 7: years 8-12 are the holdout
}


def __getattr__(name: str):
    # SURVIVORS, PARAMS and CALIBRATION_YEARS are read from the dataset on first use (PEP 562); the
    # functions below call __getattr__ themselves, since a module's own global lookups bypass it
    if name in globals():
        return globals()[name]
    if name in _LAZY:
        value = _LAZY[name]()
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def projections(horizon: int = 12) -> dict[str, pd.DataFrame]:
    """Both cohorts fitted on years 0-7 and projected to ``horizon`` (:func:`.sbg.compare_projections`)."""
    calibration = __getattr__("CALIBRATION_YEARS")
    return {name: compare_projections(list(s), calibration_periods=calibration, horizon=horizon)
            for name, s in __getattr__("SURVIVORS").items()}


def comparison(fits: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The refit beside the published estimates, with the year-12 projections and holdout errors.

    Rows: one per quantity; columns: the two cohorts. ``fits`` defaults to :func:`projections`; for a
    cohort the paper does not have (another dataset's cohorts table) the published columns are NaN."""
    fits = projections() if fits is None else fits
    published, calibration = __getattr__("PARAMS"), __getattr__("CALIBRATION_YEARS")
    rows = {}
    for name, c in fits.items():
        last = c.index.max()
        calibration = c.attrs.get("calibration_periods", calibration)
        a_pub, b_pub = published.get(name, (float("nan"), float("nan")))
        rows[name] = {
            "alpha": c.attrs["alpha"], "alpha (F&H 2007)": a_pub,
            "beta": c.attrs["beta"], "beta (F&H 2007)": b_pub,
            "same to printed decimals": round(c.attrs["alpha"], 3) == a_pub and round(c.attrs["beta"], 3) == b_pub,
            "constant retention r": c.attrs["retention"],
            f"year-{last} survivors, actual": c.loc[last, "actual"], f"year-{last}, sBG": c.loc[last, "sbg"],
            f"year-{last}, constant r": c.loc[last, "geometric"],
            "holdout error sBG (mean abs %)": c.loc[calibration + 1:, "sbg_error_pct"].abs().mean(),
            "holdout error constant r (mean abs %)": c.loc[calibration + 1:, "geometric_error_pct"].abs().mean(),
        }
    table = pd.DataFrame(rows)
    table.attrs["row_kinds"] = {"constant retention r": "share", "holdout error sBG (mean abs %)": "percent",
                                "holdout error constant r (mean abs %)": "percent",     # the rest: plain numbers
                                **{row: "count" for row in table.index if row.endswith("survivors, actual")}}
    return table
