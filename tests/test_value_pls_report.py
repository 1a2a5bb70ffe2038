"""The customer-satisfaction index model as notebook 02 shows it (relmkt_utils.value.pls.tables and
.published): the reader's tables say what the fit says, the numbers of the findings follow the usual bars,
and the published estimates are reproduced.

Published numbers: GoogleCloudPlatform/plspm-python, commit addf58434532dc63320589c4cc2f341009d588b0,
tests/data/satisfaction.effects.csv (column ``direct``), satisfaction.inner-summary.csv (``r_squared``) and
seminr-mobi-basic-paths.csv, copied verbatim to tests/reference/plspm_python/ (SHA-256 checked in
tests/test_value_pls.py).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from relmkt_utils.core.errors import ParameterError  # noqa: E402
from relmkt_utils.data import datasets  # noqa: E402
from relmkt_utils.plots import value as pv  # noqa: E402
from relmkt_utils.value import ecsi_analysis, pls  # noqa: E402
from relmkt_utils.value.pls.published import PLSPM_SATISFACTION, SEMINR_MOBI  # noqa: E402

REF = Path(__file__).resolve().parent / "reference" / "plspm_python"
PLSPM = {"IMAG": "image", "EXPE": "expectations", "QUAL": "perceived_quality", "VAL": "perceived_value",
         "SAT": "satisfaction", "LOY": "loyalty"}
SEMINR = {"Image": "image", "Expectation": "expectations", "Quality": "perceived_quality",
          "Complaints": "complaints", "Loyalty": "loyalty"}


@pytest.fixture(scope="module")
def sat():
    return datasets.load("satisfaction")


@pytest.fixture(scope="module")
def mobi():
    return datasets.load("mobi")


@pytest.fixture(scope="module")
def reports(sat, mobi):
    return {"satisfaction": ecsi_analysis(sat, n_boot=200, seed=7), "mobi": ecsi_analysis(mobi, n_boot=200, seed=7)}


# --------------------------------------------------------------------------- published estimates

def test_the_published_numbers_are_those_of_the_reference_files():
    eff = pd.read_csv(REF / "satisfaction.effects.csv", index_col=0)
    direct = {(PLSPM[a], PLSPM[b]): d for a, b, d in zip(eff["from"], eff["to"], eff["direct"]) if d != 0}
    assert PLSPM_SATISFACTION["paths"] == direct
    summ = pd.read_csv(REF / "satisfaction.inner-summary.csv", index_col=0)
    assert PLSPM_SATISFACTION["r_squared"] == {PLSPM[c]: r for c, r in summ["r_squared"].items() if r != 0}
    paths = pd.read_csv(REF / "seminr-mobi-basic-paths.csv", index_col=0)
    published = {(SEMINR[a], SEMINR[b]): paths.loc[a, b] for a in paths.index for b in paths.columns if paths.loc[a, b]}
    assert SEMINR_MOBI["paths"] == published


def test_the_suite_reproduces_plspm_and_seminr_with_their_settings(sat, mobi):
    """plspm prints 15 significant digits (ours agree to 1e-12); SEMinR stops its iteration about 1e-8 from
    the fixed point (ours agree to 1e-8)."""
    for ds, tol, rows in ((sat, 1e-12, 15), (mobi, 1e-8, 4)):
        table = pls.published_comparison(ds)
        assert len(table) == rows and list(table.columns) == ["estimate", "published", "this suite", "difference"]
        assert table["difference"].abs().max() < tol, ds.name
        assert "commit addf58434532dc63320589c4cc2f341009d588b0" in table.attrs["source"]
    assert "image → loyalty" in set(pls.published_comparison(sat)["estimate"])
    assert pls.published_comparison(replace(sat, name="another survey")) is None


# --------------------------------------------------------------------------- tables

def test_the_reliability_table_puts_each_bar_in_its_heading_and_names_what_a_construct_misses(reports):
    for name, r in reports.items():
        table = pls.reliability_table(r)
        assert [c for c in table.columns if "(" in c] == [
            "Cronbach's α (≥ 0.70)", "composite reliability ρc (≥ 0.70)", "ρA (≥ 0.70)", "AVE (≥ 0.50)",
            "smallest loading (≥ 0.708)"]
        m = r.measurement.set_index("construct")
        for construct, row in zip(m.index, table.itertuples(index=False)):
            missed = row[-1]
            if m.loc[construct, "items"] < 2:
                assert missed == "one item: not measured" and np.isnan(row[2])
                continue
            assert ("AVE" in missed) == (not m.loc[construct, "meets_ave"]), (name, construct)
            assert ("Cronbach's α" in missed) == (not m.loc[construct, "meets_alpha"]), (name, construct)
            assert (missed == "none") == bool(m.loc[construct, ["meets_alpha", "meets_rho_c", "meets_rho_a", "meets_ave",
                                                               "meets_loading"]].all())
            # the smallest loading is cut, not rounded: below the bar it never reads as 0.708
            assert (row[5] < 0.708) == (not m.loc[construct, "meets_loading"]), (name, construct)


def test_the_item_table_quotes_each_question_once(reports):
    sat, mobi = pls.item_table(reports["satisfaction"]), pls.item_table(reports["mobi"])
    firsts = sat.groupby("construct", sort=False).head(1)
    assert (firsts["wording"] != "").all() and (sat.drop(firsts.index)["wording"] == "").all()
    assert (mobi["wording"] != "").all() and mobi["wording"].nunique() == len(mobi)
    assert mobi.loc[(mobi["construct"] == "loyalty") & (mobi["item"] == 2), "wording"].str.contains("lowered").all()
    for t in (sat, mobi):
        assert ((t["loading_lower"] <= t["loading"] + 1e-9) & (t["loading"] <= t["loading_upper"] + 1e-9)).all()


def test_the_htmt_table_lists_the_least_distinct_pair_first_with_its_verdict(reports):
    for r in reports.values():
        t = pls.htmt_table(r)
        assert t["HTMT"].is_monotonic_decreasing and len(t) == len(r.htmt)
        verdict = np.where(t["HTMT"] >= 0.90, "not distinct (≥ 0.90)",
                           np.where(t["HTMT"] >= 0.85, "distinct only if close in meaning (0.85 to 0.90)",
                                    "distinct (< 0.85)"))
        assert list(t["verdict"]) == list(verdict)


def test_effects_add_up_and_say_where_there_is_no_path(reports):
    for r in reports.values():
        t = pls.effect_table(r)
        assert set(t["on"]) == {"satisfaction", "loyalty"}
        paths = {(a, b) for a, b in r.results.model.paths}
        labels = {pls.tables.label(c): c for c in r.results.model.blocks}
        for row in t.itertuples(index=False):
            has = (labels[row[0]], labels[row[1]]) in paths
            assert np.isnan(row.direct) != has
            total = (row.direct if has else 0.0) + (0.0 if np.isnan(row.indirect) else row.indirect)
            assert total == pytest.approx(row.total, abs=1e-12)
    sat = pls.effect_table(reports["satisfaction"])
    assert list(sat.loc[sat["on"] == "satisfaction", "effect of"])[0] == "perceived value"   # strongest first


def test_path_mediation_and_ipma_tables_keep_the_fit(reports):
    r = reports["mobi"]
    paths = pls.path_table(r)
    assert list(paths["coefficient"]) == list(r.paths["estimate"])
    assert list(paths["interval excludes 0"]) == [bool(x) for x in r.paths["significant"]]
    med = pls.mediation_table(r)
    row = med[(med["effect of"] == "image") & (med["through"] == "satisfaction")].iloc[0]
    assert row["% of the total effect"] == pytest.approx(100 * r.headline["share_via_satisfaction"].value)
    ipma = pls.ipma_table(r)
    assert ipma["improve first"].sum() == 1 and set(ipma["quadrant"]) <= {"concentrate here", "keep up the good work",
                                                                          "low priority", "possible overkill"}


# --------------------------------------------------------------------------- numbers of the findings

def test_measurement_summary_on_the_two_surveys(reports):
    sat, mobi = (pls.measurement_summary(reports[k]) for k in ("satisfaction", "mobi"))
    assert (sat["constructs"], sat["reliable"], sat["unreliable"]) == (6, 6, "")
    assert (mobi["constructs"], mobi["reliable"]) == (6, 3)           # complaints has one item
    assert mobi["unreliable_names"] == "image, expectations and loyalty"
    assert mobi["unreliable"].startswith("image (AVE 0.48), expectations (Cronbach's α 0.45")
    assert mobi["weakest_item"] == "item 2 of loyalty" and "lowered their fees" in mobi["weakest_wording"]
    assert mobi["weakest_loading"].value == pytest.approx(0.2020, abs=1e-4)
    assert sat["weakest_wording"] == ""                               # the satisfaction data word constructs only
    for s, r in ((sat, reports["satisfaction"]), (mobi, reports["mobi"])):
        assert s["htmt_max"].value == pytest.approx(r.htmt["htmt"].max())
        assert s["not_distinct_count"] == int((r.htmt["htmt"] >= 0.90).sum())
        assert s["not_distinct"].count(" from ") == s["not_distinct_count"]


def test_ipma_summary_says_whether_the_choice_is_clear(reports):
    sat, mobi = (pls.ipma_summary(reports[k]) for k in ("satisfaction", "mobi"))
    assert sat["construct"] == "perceived_value" and sat["quadrant"] == "concentrate here"
    assert not sat["clear"] and "reaches below the median importance" in sat["reason"]
    assert mobi["construct"] == "perceived_value" and mobi["quadrant"] == "low priority"
    assert not mobi["clear"] and mobi["reason"] == "" and mobi["most_important"] == "image"
    # the same map with narrow intervals around the chosen construct: the choice is clear
    r = reports["satisfaction"]
    ipma = r.ipma.copy()
    first = ipma["improve_first"]
    ipma.loc[first, "importance_lower"] = ipma.loc[first, "importance"] - 0.001
    ipma.loc[first, "performance_upper"] = ipma.loc[first, "performance"] + 0.01
    clear = pls.ipma_summary(replace(r, ipma=ipma))
    assert clear["clear"] and clear["reason"] == ""


def test_the_helpers_refuse_what_is_not_an_ecsi_report():
    with pytest.raises(ParameterError, match="report must be the ECSIReport of ecsi_analysis"):
        pls.reliability_table(pd.DataFrame())
    with pytest.raises(ParameterError, match="dataset must be a loaded dataset"):
        pls.published_comparison("satisfaction")


# --------------------------------------------------------------------------- figures

def test_the_ecsi_figures_are_titled_and_labelled(reports):
    r = reports["mobi"]
    diagram = pv.ecsi_path_diagram(r.paths, r.r_squared)
    assert "path" in diagram.get_title() and "dashed" in diagram.get_xlabel()
    arrows = [c for c in diagram.get_children() if type(c).__name__ == "Annotation"]
    assert len(arrows) == len(r.paths)
    texts = [t.get_text() for t in diagram.texts]
    assert "Complaints\nR² 28%" in texts and "0.53" in texts
    for ax in (pv.total_effects_chart(r.effects), pv.ipma_chart(r.ipma)):
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    plt.close("all")


def test_fit_metrics_name_every_path_and_construct_once(reports):
    r = reports["mobi"]
    m = pls.fit_metrics(r)
    assert m["ecsi_path_satisfaction_to_loyalty"] == pytest.approx(r.results.params["satisfaction -> loyalty"])
    assert m["ecsi_path_satisfaction_to_loyalty_se"] == pytest.approx(r.results.bse["satisfaction -> loyalty"])
    assert len(m) == 2 * len(r.paths) + len(r.r_squared) + 2 * len(r.measurement) + 1 and m["ecsi_n_boot"] == 200
    assert m["ecsi_r_squared_loyalty"] == pytest.approx(r.headline["r2_loyalty"].value)
