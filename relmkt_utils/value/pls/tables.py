"""The customer-satisfaction index model (ECSI) as notebook 02 shows it: tables with plain names for
readers and researchers, and the numbers its findings state.

Every function takes the :class:`~relmkt_utils.value.pls.ecsi.ECSIReport` of
:func:`~relmkt_utils.value.pls.ecsi.ecsi_analysis`:

* :func:`reliability_table` -- per construct Cronbach's alpha, composite reliability rho_c, rho_A, AVE
  and the smallest loading, each column headed by its usual bar, and the bars a construct misses
  (the thresholds and their sources: :mod:`relmkt_utils.value.pls.quality`);
* :func:`item_table` -- each item's loading with its bootstrap interval and outer weight, beside the
  item's wording from dataset.yml;
* :func:`htmt_table` -- the heterotrait-monotrait ratio of every pair of constructs with its interval
  and a verdict against 0.85 and 0.90 (Henseler, Ringle & Sarstedt 2015);
* :func:`path_table`, :func:`effect_table`, :func:`mediation_table` -- path coefficients, total and
  indirect effects, and how much of each construct's effect on loyalty runs through each mediator;
* :func:`ipma_table` -- the importance-performance map (Ringle & Sarstedt 2016);
* :func:`measurement_summary`, :func:`ipma_summary` -- the numbers of the section's findings.

Construct names are the course's words (:func:`relmkt_utils.value.labels.label`: "perceived value").
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...core.checks import checked, instance
from ...core.estimate import Estimate
from ..labels import label
from .ecsi import ECSIReport
from .quality import THRESHOLDS

REPORT = instance(ECSIReport, text="the ECSIReport of ecsi_analysis")
ARROW = " → "
#: a loading below this barely measures its construct (Hair, Risher, Sarstedt & Ringle 2019: drop it)
DROP_LOADING = 0.40


def _bar(key: str) -> str:
    op, value = THRESHOLDS[key]
    return f"{'≥' if op == '>=' else '<'} {value:.2f}" if round(value, 2) == value else f"{'≥' if op == '>=' else '<'} {value:g}"


def _missed(row) -> str:
    if row["items"] < 2:
        return "one item: not measured"
    words = {"alpha": "Cronbach's α", "rho_c": "composite reliability", "rho_a": "ρA", "ave": "AVE",
             "loading": "smallest loading"}
    missed = [words[k] for k in words if not bool(row[f"meets_{k}"])]
    return ", ".join(missed) if missed else "none"


@checked(report=REPORT)
def reliability_table(report: ECSIReport) -> pd.DataFrame:
    """One row per construct (plain name and number of items): Cronbach's α, composite reliability
    ρc, ρA, AVE and the smallest loading, each column headed by its usual bar, and ``below the usual
    bar`` (the criteria the construct misses; a one-item construct has no reliability to measure).

    Parameters
    ----------
    report : ECSIReport
        The ECSI analysis of a survey.
    """
    m = report.measurement
    out = pd.DataFrame({
        "construct": [f"{label(c)} ({k} item{'s' if k != 1 else ''})" for c, k in zip(m["construct"], m["items"])],
        f"Cronbach's α ({_bar('alpha')})": m["alpha"].to_numpy(dtype=float),
        f"composite reliability ρc ({_bar('rho_c')})": m["rho_c"].to_numpy(dtype=float),
        f"ρA ({_bar('rho_a')})": m["rho_a"].to_numpy(dtype=float),
        f"AVE ({_bar('ave')})": m["ave"].to_numpy(dtype=float),
        # cut, not rounded, to 3 decimals: a loading of 0.70797 reads 0.707, below the bar of 0.708 it misses
        f"smallest loading ({_bar('loading')})": np.floor(1000 * m["min_loading"].to_numpy(dtype=float)) / 1000,
        "below the usual bar": [_missed(row) for _, row in m.iterrows()],
    })
    single = (m["items"] < 2).to_numpy()
    out.loc[single, out.columns[2:6]] = float("nan")          # a one-item block: ρc = ρA = AVE = 1 by definition
    return out


@checked(report=REPORT)
def item_table(report: ECSIReport) -> pd.DataFrame:
    """One row per item: ``construct``, ``item`` (its number in the construct: 1, 2, ...), ``wording`` (the item's question from
    dataset.yml; a wording given for the whole construct is shown on its first item only),
    ``loading`` with its percentile interval (``loading_lower``/``loading_upper``) and the outer ``weight``.

    Parameters
    ----------
    report : ECSIReport
        The ECSI analysis of a survey.
    """
    ld = report.loadings
    items = report.results.model.blocks
    wording = ld["wording"].astype(str).tolist()
    for k in range(1, len(ld)):                              # the construct's wording once, not on every item
        if ld["construct"].iloc[k] == ld["construct"].iloc[k - 1] and wording[k] == ld["wording"].iloc[k - 1]:
            wording[k] = ""
    return pd.DataFrame({                                    # to 3 decimals: an end of -0.0003 reads as 0
        "construct": [label(c) for c in ld["construct"]],
        "item": [list(items[c]).index(i) + 1 for c, i in zip(ld["construct"], ld["item"])],
        "wording": wording,
        "loading": ld["loading"].to_numpy(dtype=float).round(3), "loading_lower": ld["lower"].to_numpy(dtype=float).round(3),
        "loading_upper": ld["upper"].to_numpy(dtype=float).round(3), "weight": ld["weight"].to_numpy(dtype=float),
    })


def _htmt_verdict(row) -> str:
    if not row["below_085"] and not row["below_090"]:
        return "not distinct (≥ 0.90)"
    if not row["below_085"]:
        return "distinct only if close in meaning (0.85 to 0.90)"
    return "distinct (< 0.85)"


@checked(report=REPORT)
def htmt_table(report: ECSIReport) -> pd.DataFrame:
    """One row per pair of constructs, the least distinct first: ``constructs``, ``HTMT`` with its
    percentile interval and ``verdict`` (distinct below 0.85; below 0.90 only for constructs close in
    meaning; not distinct from 0.90 on).

    Parameters
    ----------
    report : ECSIReport
        The ECSI analysis of a survey.
    """
    h = report.htmt.sort_values("htmt", ascending=False)
    return pd.DataFrame({
        "constructs": [f"{label(a)} / {label(b)}" for a, b in zip(h["construct_1"], h["construct_2"])],
        "HTMT": h["htmt"].to_numpy(dtype=float), "HTMT_lower": h["lower"].to_numpy(dtype=float),
        "HTMT_upper": h["upper"].to_numpy(dtype=float), "verdict": [_htmt_verdict(r) for _, r in h.iterrows()],
    })


@checked(report=REPORT)
def path_table(report: ECSIReport) -> pd.DataFrame:
    """One row per path of the model: ``path`` ("image → satisfaction"), the standardized
    ``coefficient`` with its percentile interval, the bootstrap ``se`` and ``t`` (estimate / se), and
    whether the interval excludes 0.

    Parameters
    ----------
    report : ECSIReport
        The ECSI analysis of a survey.
    """
    p = report.paths
    return pd.DataFrame({
        "path": [f"{label(a)}{ARROW}{label(b)}" for a, b in zip(p["from"], p["to"])],
        "coefficient": p["estimate"].to_numpy(dtype=float), "coefficient_lower": p["lower"].to_numpy(dtype=float),
        "coefficient_upper": p["upper"].to_numpy(dtype=float), "se": p["se"].to_numpy(dtype=float),
        "t": p["t"].to_numpy(dtype=float), "interval excludes 0": p["significant"].astype(bool).to_numpy(),
    })


@checked(report=REPORT, targets=instance(tuple, list, text="a list of construct names"))
def effect_table(report: ECSIReport, targets=("satisfaction", "loyalty")) -> pd.DataFrame:
    """The effects on each of ``targets``: one row per construct with an effect on it, ``effect of``,
    ``on``, the ``direct`` effect (the path coefficient; NaN, shown as the missing mark, where the model
    has no such path), the ``indirect`` effect (NaN where no indirect path exists) and the ``total``
    effect, each of the last two with its percentile interval.

    Parameters
    ----------
    report : ECSIReport
        The ECSI analysis of a survey.
    targets : tuple of str
        The constructs whose causes are listed.
    """
    e = report.effects[report.effects["to"].isin(list(targets))]
    e = e.assign(_t=e["to"].map({t: i for i, t in enumerate(targets)})).sort_values(["_t", "total"],
                                                                                     ascending=[True, False])
    paths = set(report.results.model.paths)
    has_path = [(a, b) in paths for a, b in zip(e["from"], e["to"])]
    direct_only = [p and ind == 0 for p, ind in zip(has_path, e["indirect"])]
    nan = float("nan")
    return pd.DataFrame({
        "effect of": [label(c) for c in e["from"]], "on": [label(c) for c in e["to"]],
        "direct": [d if p else nan for d, p in zip(e["direct"].astype(float), has_path)],
        **{f"indirect{end}": [nan if only else v for v, only in zip(e[f"indirect{end}"].astype(float), direct_only)]
           for end in ("", "_lower", "_upper")},
        "total": e["total"].to_numpy(dtype=float), "total_lower": e["total_lower"].to_numpy(dtype=float),
        "total_upper": e["total_upper"].to_numpy(dtype=float),
    })


@checked(report=REPORT)
def mediation_table(report: ECSIReport) -> pd.DataFrame:
    """How much of each construct's total effect on the target (loyalty) runs through each other
    construct: ``effect of``, ``through``, the specific indirect effect ``via`` T[x, m] T[m, y] with
    its percentile interval, the ``total effect`` T[x, y] and ``% of the total effect`` (x100, so
    that a ratio outside 0-1, possible when paths have opposite signs, is shown as it is).

    Parameters
    ----------
    report : ECSIReport
        The ECSI analysis of a survey.
    """
    m = report.mediation
    return pd.DataFrame({
        "effect of": [label(c) for c in m["source"]], "through": [label(c) for c in m["via"]],
        "via": m["through"].to_numpy(dtype=float), "via_lower": m["through_lower"].to_numpy(dtype=float),
        "via_upper": m["through_upper"].to_numpy(dtype=float), "total effect": m["total"].to_numpy(dtype=float),
        "% of the total effect": 100 * m["share"].to_numpy(dtype=float),
    })


@checked(report=REPORT)
def ipma_table(report: ECSIReport) -> pd.DataFrame:
    """The importance-performance map of the target (loyalty): ``construct``, ``importance`` (target
    points per point of the construct's 0-100 performance, the unstandardized total effect) and
    ``performance`` (mean score, 0-100), each with its percentile interval, the ``quadrant`` and
    whether it is the construct to ``improve first``.

    Parameters
    ----------
    report : ECSIReport
        The ECSI analysis of a survey.
    """
    i = report.ipma
    return pd.DataFrame({
        "construct": [label(c) for c in i["construct"]],
        "importance": i["importance"].to_numpy(dtype=float), "importance_lower": i["importance_lower"].to_numpy(dtype=float),
        "importance_upper": i["importance_upper"].to_numpy(dtype=float),
        "performance": i["performance"].to_numpy(dtype=float),
        "performance_lower": i["performance_lower"].to_numpy(dtype=float),
        "performance_upper": i["performance_upper"].to_numpy(dtype=float),
        "quadrant": i["quadrant"].astype(str).to_numpy(), "improve first": i["improve_first"].astype(bool).to_numpy(),
    })


def _num(x: float, decimals: int) -> str:
    """A number in a sentence, with the typographic minus of the reports."""
    return f"{x:.{decimals}f}".replace("-", "−")


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@checked(report=REPORT)
def measurement_summary(report: ECSIReport) -> dict:
    """The numbers of the measurement findings.

    Keys: ``constructs`` (constructs measured by two or more items), ``reliable`` (how many of them
    reach Cronbach's alpha and composite reliability 0.70 and AVE 0.50), ``unreliable`` (those that do
    not, with the values that miss, in words; "" when none) and ``unreliable_names`` (their names only),
    ``weakest_item`` ("item 2 of loyalty"),
    ``weakest_wording`` (its question, "" when dataset.yml gives none for the item),
    ``weakest_loading`` (an Estimate), ``htmt_pair`` ("perceived quality and satisfaction"),
    ``htmt_max`` (the largest HTMT, an Estimate), ``not_distinct`` (the pairs with HTMT >= 0.90, in
    words: "image from satisfaction and satisfaction from loyalty") and ``not_distinct_count``.

    Parameters
    ----------
    report : ECSIReport
        The ECSI analysis of a survey.
    """
    m = report.measurement[report.measurement["items"] >= 2]
    short, names = [], []
    for row in m.itertuples():
        missed = [f"{word} {_num(getattr(row, key), 2)}" for key, word in (("alpha", "Cronbach's α"),
                                                                      ("rho_c", "composite reliability"), ("ave", "AVE"))
                  if not bool(getattr(row, f"meets_{key}"))]
        if missed:
            short.append(f"{label(row.construct)} ({', '.join(missed)})")
            names.append(label(row.construct))
    ld = report.loadings.reset_index(drop=True)
    weakest = ld.loc[ld["loading"].idxmin()]
    item_no = list(report.results.model.blocks[weakest["construct"]]).index(weakest["item"]) + 1
    wording = "" if _construct_wording(ld, weakest) else str(weakest["wording"])
    alpha = _alpha(report)
    h = report.htmt.reset_index(drop=True)
    top = h.loc[h["htmt"].idxmax()]
    close = h[~h["below_090"]]
    return {
        "constructs": int(len(m)), "reliable": int(len(m) - len(short)), "unreliable": _and(short) if short else "",
        "unreliable_names": _and(names) if names else "",
        "weakest_item": f"item {item_no} of {label(weakest['construct'])}", "weakest_wording": wording,
        "weakest_loading": Estimate(float(weakest["loading"]), float(weakest["lower"]), float(weakest["upper"]),
                                    method="percentile bootstrap", alpha=alpha),
        "htmt_pair": f"{label(top['construct_1'])} and {label(top['construct_2'])}",
        "htmt_max": Estimate(float(top["htmt"]), float(top["lower"]), float(top["upper"]),
                             method="percentile bootstrap", alpha=alpha),
        "not_distinct": _and([f"{label(a)} from {label(b)}" for a, b in zip(close["construct_1"], close["construct_2"])])
        if len(close) else "",
        "not_distinct_count": int(len(close)),
    }


def _construct_wording(ld: pd.DataFrame, row) -> bool:
    """Whether ``row``'s wording is its construct's (the same text on every item of the construct)."""
    same = ld[ld["construct"] == row["construct"]]["wording"]
    return len(same) > 1 and same.nunique() == 1


def _alpha(report: ECSIReport) -> float:
    """The interval level of the report's tables: 1 - alpha, read back from the headline's Estimates."""
    return float(getattr(report.headline.get("r2_satisfaction"), "alpha", 0.05))


@checked(report=REPORT)
def ipma_summary(report: ECSIReport) -> dict:
    """The numbers of the importance-performance findings.

    Keys: ``construct`` (to improve first, None when no construct performs below the median),
    ``quadrant`` (its quadrant: "concentrate here" when it is also important), ``importance`` and
    ``performance`` (Estimates), ``importance_median`` and ``performance_median`` (the map's
    crosshairs), ``most_important`` (the construct with the largest importance) and
    ``most_important_importance`` (an Estimate), ``clear`` and ``reason``: the choice is clear when the
    construct lies in "concentrate here" with both intervals on their side of the crosshairs (the
    lower end of its importance at or above the median importance, the upper end of its performance
    below the median performance); otherwise another sample of customers could move it across a line,
    and ``reason`` says which in a sentence ("" when clear or when it is not in "concentrate here").

    Parameters
    ----------
    report : ECSIReport
        The ECSI analysis of a survey.
    """
    i = report.ipma.reset_index(drop=True)
    alpha = _alpha(report)

    def est(row, key):
        return Estimate(float(row[key]), float(row[f"{key}_lower"]), float(row[f"{key}_upper"]),
                        method="percentile bootstrap", alpha=alpha)

    first = i[i["improve_first"]]
    top = i.loc[i["importance"].idxmax()]
    m_imp, m_perf = float(i["importance"].median()), float(i["performance"].median())
    out = {"construct": None, "quadrant": None, "importance": None, "performance": None,
           "importance_median": m_imp, "performance_median": m_perf, "most_important": str(top["construct"]),
           "most_important_importance": est(top, "importance"), "clear": False, "reason": ""}
    if first.empty:
        return out
    row = first.iloc[0]
    imp, perf = est(row, "importance"), est(row, "performance")
    out.update(construct=str(row["construct"]), quadrant=str(row["quadrant"]), importance=imp, performance=perf)
    if out["quadrant"] != "concentrate here":
        return out
    crossing = [f"its importance interval ({_num(imp.lower, 2)} to {_num(imp.upper, 2)}) reaches below the median "
                f"importance of the constructs ({_num(m_imp, 2)})"] if imp.lower < m_imp else []
    if perf.upper >= m_perf:
        crossing.append(f"its performance interval ({_num(perf.lower, 1)} to {_num(perf.upper, 1)}) reaches the "
                        f"median performance ({_num(m_perf, 1)})")
    out["clear"] = not crossing
    if crossing:
        out["reason"] = (" and ".join(crossing) + ": another sample of customers could place it in another quadrant")
    return out


@checked(report=REPORT)
def fit_metrics(report: ECSIReport) -> dict:
    """The fit's numbers for the run's metrics (and the golden tests): each path coefficient
    (``ecsi_path_<from>_to_<to>``) with its bootstrap standard error (``..._se``), each R²
    (``ecsi_r_squared_<construct>``), each construct's composite reliability and AVE (``ecsi_rho_c_<construct>``,
    ``ecsi_ave_<construct>``), and the resamples kept (``ecsi_n_boot``).

    Parameters
    ----------
    report : ECSIReport
        The ECSI analysis of a survey.
    """
    out = {}
    for row in report.paths.itertuples(index=False):
        key = f"ecsi_path_{row[0]}_to_{row[1]}"
        out[key], out[f"{key}_se"] = float(row.estimate), float(row.se)
    out.update({f"ecsi_r_squared_{c}": float(v) for c, v in zip(report.r_squared["construct"], report.r_squared["r_squared"])})
    for row in report.measurement.itertuples(index=False):
        out[f"ecsi_rho_c_{row.construct}"], out[f"ecsi_ave_{row.construct}"] = float(row.rho_c), float(row.ave)
    out["ecsi_n_boot"] = int(report.results.n_boot)
    return out
