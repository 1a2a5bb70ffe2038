r"""Projecting a contract business's cohorts: each retention model fitted to the first periods, checked on the rest.

Fader & Hardie (2007, "How to project customer retention", *J. Interactive Marketing* 21(1)) fit
the shifted-beta-geometric model to years 0-7 of two cohorts and compare its projection of years
8-12 with what happened, beside the naive constant retention rate. :func:`cohort_projections` does
this for a dataset's own ``cohorts`` table, or for Fader & Hardie's published cohorts when the
dataset has none (the notebook's illustration), with every model of :data:`MODELS`.

Value of a contract customer (Fader & Hardie 2010, *Marketing Science* 29(1)): with the margin at
each renewal, the first at acquisition, and discount rate d per period, a new customer brings
:math:`\mathrm{DEL}` periods of margin and one who has renewed n times :math:`\mathrm{DERL}(n)`
(:func:`relmkt_utils.retention.sbg_del`, :func:`~relmkt_utils.retention.sbg_derl`); both are in
*periods of margin* here (years of margin for yearly renewals), so CLV = margin per period x DEL.
DERL(0) < DEL (the first margin of a new customer is paid at once, a customer valued just before her
first renewal has yet to decide), while DERL(n) rises with n (the customers still there are those
with a low churn probability): :meth:`CohortProjections.renewals_to_exceed_new` says after how many
renewals a customer is worth more than a new one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.checks import Rule, checked, instance
from ..core.clv import clv
from ..core.time import TimeUnit, calendar_period
from ..data.dataset import Dataset
from . import published
from .cohorts import survivor_curves
from .bdw import BetaDiscreteWeibull
from .sbg import GeometricRetention, ShiftedBetaGeometric, sbg_del, sbg_derl

#: The retention models compared on cohorts: key -> (label, fit of one survivor curve). Each fit
#: returns results with ``expected_survivors(t)`` and ``retention_rate(t)``. A new model (the
#: beta-discrete-Weibull of Fader, Hardie, Liu, Davin & Steenburgh 2018) joins the comparison of
#: notebook 04's section 2 by an entry here.
MODELS: dict = {
    "sbg": ("shifted-beta-geometric (sBG)", lambda survivors: ShiftedBetaGeometric(survivors).fit()),
    "bdw": ("beta-discrete-Weibull (BdW)", lambda survivors: BetaDiscreteWeibull(survivors).fit()),
    "constant": ("constant retention", lambda survivors: GeometricRetention(survivors).fit()),
}
#: The calibration periods a model needs (the BdW has three parameters); the default comparison leaves a
#: model out where the cohorts are shorter.
MIN_CALIBRATION = {"bdw": 3}
#: Renewals at which the residual value of a customer is shown beside a new customer's.
RENEWALS = (0, 1, 3, 7)


def _model_keys(value) -> str:
    """Why ``value`` is not a list of keys of :data:`MODELS` ("" when it is; read when called, so that a
    model added to :data:`MODELS` is accepted)."""
    if value is None:
        return ""
    if not isinstance(value, (list, tuple)) or not value:
        return "fails"
    unknown = [k for k in value if not isinstance(k, str) or k not in MODELS]
    return f"unknown: {', '.join(map(repr, unknown))}" if unknown else ""


#: The argument rule of ``models``: a non-empty list of keys of :data:`MODELS`, or None for all of them.
MODEL_KEYS = Rule("a list of keys of MODELS (" + ", ".join(map(repr, MODELS)) + ") or None", _model_keys)


@dataclass
class CohortProjections:
    """Every model of :data:`MODELS` fitted to periods 0..``calibration`` of each cohort and projected
    over its observed periods (module docstring). ``frames[cohort]`` has one row per period:
    ``actual``, ``calibration`` (bool), per model its expected survivors, ``<model>_error_pct``
    (100 (projection - actual)/actual) and ``<model>_retention``, and ``actual_retention``."""

    own: bool
    source: str
    unit: TimeUnit
    calibration: int
    curves: dict
    fits: dict
    frames: dict
    models: tuple = ("sbg", "constant")
    published: dict = field(default_factory=dict)

    @property
    def period(self) -> str:
        return self.unit.name

    @property
    def last(self) -> int:
        """The last period any cohort is observed at."""
        return max(len(c) for c in self.curves.values()) - 1

    def label(self, model: str) -> str:
        return MODELS[model][0]

    def holdout_error(self, model: str = "sbg", signed: bool = False) -> float:
        """Mean absolute percentage error of ``model`` over every held-out period of every cohort (the mean
        signed error with ``signed=True``: negative when the model projects too few survivors)."""
        errors = np.concatenate([f.loc[~f["calibration"], f"{model}_error_pct"].to_numpy() for f in self.frames.values()])
        errors = errors[np.isfinite(errors)]
        if not errors.size:
            return float("nan")
        return float(errors.mean() if signed else np.abs(errors).mean())

    def duration_dependence(self) -> dict | None:
        """The beta-discrete-Weibull's evidence of duration dependence (Fader, Hardie, Liu, Davin & Steenburgh
        2018): per cohort its shape ``c`` (c < 1: a customer's own churn probability falls with tenure; c > 1:
        it rises; c = 1 is the sBG) and the likelihood-ratio test of c = 1; the cohort with the smallest
        p-value is ``strongest``. None when the BdW was not fitted."""
        if "bdw" not in self.models:
            return None
        out = {}
        for name, fits in self.fits.items():
            test = fits["bdw"].lr_test_c1()
            out[name] = {"c": float(fits["bdw"].params["c"]), "pvalue": test["pvalue"], "statistic": test["statistic"]}
        strongest = min(out, key=lambda k: out[k]["pvalue"])
        return {"cohorts": out, "strongest": strongest, **out[strongest]}

    def cohort_error(self, cohort: str, model: str = "sbg") -> float:
        f = self.frames[cohort]
        return float(f.loc[~f["calibration"], f"{model}_error_pct"].abs().mean())

    def metrics(self) -> dict:
        """Per-cohort numbers for the record (cohorts named in lower-case words only): the sBG's
        ``sbg_<cohort>_alpha``, ``_beta``, ``_holdout_mape`` and ``constant_r_<cohort>_holdout_mape``."""
        out = {}
        for name, fits in self.fits.items():
            key = name.replace(" ", "_")
            if not re.fullmatch(r"[a-z_]+", key):
                continue
            out.update({f"sbg_{key}_alpha": fits["sbg"].alpha, f"sbg_{key}_beta": fits["sbg"].beta,
                        f"sbg_{key}_holdout_mape": self.cohort_error(name, "sbg"),
                        f"constant_r_{key}_holdout_mape": self.cohort_error(name, "constant")})
        return out

    def comparison(self) -> pd.DataFrame:
        """The fitted parameters beside the published ones (where the cohorts are Fader & Hardie's), the
        survivors of the last period and each model's projection of them, and the holdout errors;
        rows are quantities, columns cohorts."""
        rows = {}
        for name, f in self.frames.items():
            last = f.index.max()
            sbg = self.fits[name]["sbg"]
            a_pub, b_pub = self.published.get(name, (np.nan, np.nan))
            rows[name] = {"α (sBG)": sbg.alpha, "α published": a_pub, "β (sBG)": sbg.beta, "β published": b_pub,
                          "constant retention rate": self.fits[name]["constant"].retention,
                          f"survivors in {self.period} {last}": f.loc[last, "actual"],
                          **{f"{self.label(m)}: projection for {self.period} {last}": f.loc[last, m] for m in self.models},
                          **{f"{self.label(m)}: holdout error": self.cohort_error(name, m) for m in self.models}}
        table = pd.DataFrame(rows)
        table.attrs["decimals"] = "row"
        table.attrs["row_kinds"] = {"constant retention rate": "share",
                                    **{r: "count" for r in table.index if r.startswith(("survivors", *(
                                        f"{self.label(m)}: projection" for m in self.models)))},
                                    **{r: "percent" for r in table.index if r.endswith("holdout error")}}
        return table

    def lifetimes(self, discount_rate: float) -> pd.DataFrame:
        """Discounted periods of margin of a new customer (DEL) and of one who has renewed n times
        (DERL(n), n in :data:`RENEWALS`), beside a new customer's under the constant rate; one row per
        cohort, at ``discount_rate`` per period (Fader & Hardie 2010)."""
        rows = {}
        for name, fits in self.fits.items():
            a, b = fits["sbg"].alpha, fits["sbg"].beta
            rows[name] = {"new customer": sbg_del(a, b, discount_rate),
                          **{f"after {n} renewal{'s' if n != 1 else ''}": sbg_derl(a, b, discount_rate, n) for n in RENEWALS},
                          "new customer, constant rate": clv(1.0, fits["constant"].retention, discount_rate)}
        out = pd.DataFrame(rows).T.rename_axis("cohort")
        out.attrs["kinds"] = {c: "number" for c in out.columns}
        return out

    def new_customer(self, discount_rate: float) -> tuple[float, float, str]:
        """The first cohort's DEL (periods of margin a new customer brings, discounted), what one
        constant retention rate fitted to the same periods says, and the cohort's name."""
        name = next(iter(self.fits))
        fits = self.fits[name]
        return sbg_del(fits["sbg"].alpha, fits["sbg"].beta, discount_rate), clv(1.0, fits["constant"].retention,
                                                                               discount_rate), name

    def residual_ratio(self, discount_rate: float, renewals: int | None = None) -> tuple[float, str, int]:
        """DERL(n)/DEL of the first cohort for n = ``renewals`` (default: the calibration periods):
        how many times a new customer's value one who has renewed n times is worth. Returns
        (ratio, cohort, n)."""
        name = next(iter(self.fits))
        n = self.calibration if renewals is None else int(renewals)
        a, b = self.fits[name]["sbg"].alpha, self.fits[name]["sbg"].beta
        return sbg_derl(a, b, discount_rate, n) / sbg_del(a, b, discount_rate), name, n

    def renewals_to_exceed_new(self, discount_rate: float, limit: int = 100) -> int | None:
        """The fewest renewals after which a customer of the first cohort is worth more than a new
        one (DERL(n) > DEL); None when that takes more than ``limit``."""
        a, b = self.fits[next(iter(self.fits))]["sbg"].alpha, self.fits[next(iter(self.fits))]["sbg"].beta
        new = sbg_del(a, b, discount_rate)
        return next((n for n in range(limit + 1) if sbg_derl(a, b, discount_rate, n) > new), None)


def project(survivors, calibration: int, models=("sbg", "constant")) -> tuple[pd.DataFrame, dict]:
    """Fit each model to periods 0..``calibration`` of one cohort and project all its periods."""
    s = np.asarray(survivors, dtype=float)
    fits = {m: MODELS[m][1](s[: calibration + 1]) for m in models}
    t = np.arange(s.size)
    out = pd.DataFrame({"actual": s, "calibration": t <= calibration}, index=pd.Index(t, name="period"))
    out["actual_retention"] = np.r_[np.nan, s[1:] / s[:-1]]
    for m, f in fits.items():
        out[m] = f.expected_survivors(t)
        out[f"{m}_error_pct"] = 100 * (out[m] - out["actual"]) / out["actual"]
        out[f"{m}_retention"] = np.r_[np.nan, f.retention_rate(t[1:])]
    return out, fits


@checked(ds=instance(Dataset, text="a Dataset (loaded by relmkt_utils.data.datasets.load)", none=True),
         models=MODEL_KEYS)
def cohort_projections(ds=None, models=None) -> CohortProjections:
    """The projections of the dataset's own ``cohorts`` table, or of Fader & Hardie's (2007) two
    published cohorts when ``ds`` has none (``own`` says which). Own cohorts are fitted to the
    calibration years of ``source_figures`` in dataset.yml where it gives them, else to the first two
    thirds of their periods; periods are the dataset's time unit.

    Parameters
    ----------
    ds : Dataset or None, default None
        the dataset whose ``cohorts`` table (survivors per cohort and period) is projected; None, or a
        dataset without that table, projects Fader & Hardie's published cohorts.
    models : list of str or None, default None
        keys of :data:`MODELS` to fit (``'sbg'``, ``'constant'``); None for all of them. The tables and
        lifetimes of :class:`CohortProjections` read the ``'sbg'`` and ``'constant'`` fits.
    """
    own = ds is not None and getattr(ds, "cohorts", None) is not None
    if own:
        curves = survivor_curves(ds.cohorts)
        longest = max(len(c) for c in curves.values()) - 1
        figures = ds.meta.get("source_figures") or {}
        calibration = int(figures.get("calibration_years", max(2, round(2 * longest / 3))))
        unit, source = ds.time_unit, f"the dataset {ds.name}"
    else:
        curves = {name: np.asarray(s, dtype=float) for name, s in published.SURVIVORS.items()}
        calibration, unit, source = published.CALIBRATION_YEARS, calendar_period("year"), "Fader & Hardie (2007)"
    if models is None:                              # every model the calibration periods can identify
        models = tuple(m for m in MODELS if calibration >= MIN_CALIBRATION.get(m, 1))
    models = tuple(models)
    frames, fits = {}, {}
    for name, curve in curves.items():
        frames[name], fits[name] = project(curve, calibration, models)
    known = published.PARAMS if (not own or ds.name == published.DATASET) else {}
    return CohortProjections(own, source, unit, calibration, curves, fits, frames, models, dict(known))
