"""The published evidence on referred customers (data/referral_published, relmkt_utils.referral.published).

Sources of the literal numbers below (typed once in data/make_referral_published.py, read back here
through the dataset):
* SSV 2011 JM -- Schmitt, Skiera & Van den Bulte (2011), Journal of Marketing 75(1), 46-59, abstract p. 46:
  "at least 16% higher" value of a referred customer.
* SSV 2013 MIR -- the authors' summary, GfK Marketing Intelligence Review 5(1), 8-11: p. 8, an average
  CLV difference of EUR 40 over six years, a EUR 25 reward, "roughly 60 %" return; p. 9, margins of
  30 cents a day (non-referred) and 7.6 cents a day more (referred), "about 25 %".
* SSV 2011 HBR -- the authors' summary, Harvard Business Review, June 2011: about 18% less churn, the
  margin gap gone after about two and a half years, EUR 80 (age 26-35) and EUR 58 (36-55).
* W&G 2019 JMB -- Wolters & Gedenk (2019), Journal of Marketing Behavior 3(4), 335-353, abstract p. 335:
  directions only.
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relmkt_utils.core.clv import clv
from relmkt_utils.core.errors import ParameterError
from relmkt_utils.core.time import time_unit
from relmkt_utils.data import datasets
from relmkt_utils.referral import published as pb
from relmkt_utils.referral import published_gap

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "data" / "referral_published"


def _script():
    spec = importlib.util.spec_from_file_location("make_referral_published", ROOT / "data" / "make_referral_published.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def ds():
    return datasets.load("referral_published")


# ---------------------------------------------------------------------------- the dataset

def test_cli_says_valid():
    res = subprocess.run([sys.executable, "-m", "relmkt_utils", "validate", "referral_published"],
                         capture_output=True, text=True)
    assert res.returncode == 0 and "valid" in res.stdout, res.stdout + res.stderr


def test_the_make_script_regenerates_the_committed_files(tmp_path):
    _script().main(tmp_path)
    for f in ("dataset.yml", "figures.csv", "findings.csv", "segments.csv", "sources.csv"):
        assert (tmp_path / f).read_bytes() == (FOLDER / f).read_bytes(), f


def test_every_number_names_its_source_place_and_wording(ds):
    fig, sources = ds.extras["figures"], ds.extras["sources"].set_index("source")
    for name in ("figures", "findings", "segments"):
        t = ds.extras[name]
        assert t["source"].isin(sources.index).all(), name
        assert t[["location", "wording", "source_kind"]].notna().all().all(), name
        assert (t["source_kind"] == t["source"].map(sources["kind"])).all(), name
    assert fig["id"].is_unique and fig["value"].notna().all()
    # every number is in dataset.yml's provenance with its place
    prov = ds.meta["provenance"]
    for _, row in fig.iterrows():
        assert f"{row['id']} = {row['value']:g} {row['unit']} ({row['source']}, {row['location']})" in prov
    # W&G enters with directions only: its numbers are not in a stored source, and the dataset says so
    assert (fig["study"] == pb.SSV).all()
    assert set(ds.extras["findings"]["study"]) == {pb.SSV, pb.WG}
    assert "every number of W&G 2019" in ds.meta["description"] and "every number of W&G 2019" in prov
    # the value difference has no interval in a stored source: no column pretends one
    assert not any("lower" in c or "upper" in c for c in fig.columns)


def test_the_printed_numbers_are_read_back(ds):
    p = pb.ssv_inputs(ds)
    assert (p.margin_per_day, p.margin_gap_per_day, p.gap_months) == (0.30, 0.076, 30)
    assert (p.churn_reduction, p.hazard_ratio, p.horizon_years) == (0.18, 0.82, 6)
    assert (p.clv_difference, p.uplift, p.reward, p.reward_roi) == (40, 0.16, 25, 0.60)
    assert p.clv_nonreferred == pytest.approx(250)
    with pytest.raises(ParameterError, match="known: customers_total"):
        pb.figure("clv_of_everyone", ds)


# ---------------------------------------------------------------------------- the published premium

def test_published_return_and_margin_premium_recomputed_within_the_printed_rounding(ds):
    """SSV 2013 MIR p. 8: EUR 40 difference on a EUR 25 reward is "roughly 60 %"; p. 9: 7.6 cents a day on 30
    is "about 25 %" (both printed as whole percent)."""
    p = pb.ssv_inputs(ds)
    roi = pb.reward_roi(p.clv_difference, p.reward)
    assert roi == pytest.approx(0.60) and round(100 * roi) == round(100 * p.reward_roi)
    assert round(100 * p.margin_gap_per_day / p.margin_per_day) == pb.figure("margin_gap_pct", ds) == 25
    # the break-even reward of the authors' reading is the printed difference: EUR 40 (s = 0)
    assert pb.break_even_reward(p.clv_difference) == pytest.approx(40)
    assert pb.max_share_anyway(p.clv_difference, p.reward) == pytest.approx(0.375)


@pytest.mark.parametrize("timing", ["start", "end"])
def test_published_premium_at_least_16_percent_recomputed_from_margins_and_churn(ds, timing):
    """SSV 2011 JM p. 46: "at least 16% higher". Recomputed with core.clv from the printed margins (MIR p. 9),
    the margin gap fading by month 30 and 18% less churn (HBR) over six years (MIR p. 8):
    * with a non-referred customer worth the EUR 250 the printed EUR 40 and 16% imply, the uplift is at
      least 16% (to the printed whole percent), and the difference at least the printed EUR 40;
    * the three base-retention anchors bracket 16%, and the retention that gives exactly 16% lies between
      the level anchor and the third party's 79.2%-after-33-months."""
    table = pb.ssv_recomputation(ds, timing=timing)
    level, exact, third = (table.loc[k] for k in ("level", "uplift", "third party"))
    assert level["clv_nonreferred"] == pytest.approx(250, abs=1e-6)
    assert round(100 * level["uplift"]) >= 16
    assert 40 <= level["clv_difference"] < 1.5 * 40
    assert exact["uplift"] == pytest.approx(0.16, abs=1e-9)
    assert level["annual_retention"] < exact["annual_retention"] < third["annual_retention"]
    assert third["uplift"] < 0.16 < level["uplift"]
    assert third["annual_retention"] == pytest.approx(0.792 ** (12 / 33))
    assert (table["break_even_reward"] == table["clv_difference"]).all()         # s = 0


def test_segment_values_are_consistent_with_the_overall_premium(ds):
    """HBR: about EUR 80 (26-35) and EUR 58 (36-55), slightly negative over 55; with a third party's
    percentages (+35.5%, +22.7%) each implies a non-referred value, and the overall EUR 40 / 16% = EUR 250
    lies between them. Over 55 no positive reward pays; in the two younger segments EUR 25 does."""
    seg = pb.segment_table(ds).set_index("segment")
    assert seg.loc["26 to 35 years", "clv_nonreferred_implied"] == pytest.approx(80 / 0.355)
    assert seg.loc["26 to 35 years", "clv_nonreferred_implied"] < 250 < seg.loc["36 to 55 years", "clv_nonreferred_implied"]
    assert seg["reward_pays"].tolist() == [True, True, False, None]
    assert seg.loc["36 to 55 years", "reward_roi"] == pytest.approx(58 / 25 - 1)
    assert np.isnan(seg.loc["over 55 years", "break_even_reward"]) and seg.loc["over 55 years", "direction"] == -1
    half = pb.segment_table(ds, share_anyway=0.5).set_index("segment")
    assert half.loc["26 to 35 years", "break_even_reward"] == pytest.approx(40)


# ---------------------------------------------------------------------------- closed forms

def _closed(m, r_annual, i_annual, H, timing):
    """m (1 - x^H)/(1 - x) (start) or m x (1 - x^H)/(1 - x) (end), x = r_month / (1 + i_month)."""
    rm, im = r_annual ** (1 / 12), (1 + i_annual) ** (1 / 12) - 1
    x = rm / (1 + im)
    s = (1 - x ** H) / (1 - x)
    return m * s if timing == "start" else m * x * s


@pytest.mark.parametrize("timing", ["start", "end"])
def test_break_even_reward_against_the_closed_form(timing):
    """A gap that never fades and constant retention: V_j = CLV with constant margin (Berger & Nasr 1998 for
    start, Gupta & Lehmann 2003 for end), so R*(s) = (1 - s)(V_1 - V_0) in closed form."""
    m, g, r, h, i, s = 0.30, 0.05, 0.8, 0.7, 0.08, 0.25
    days = time_unit("month").days
    g_v = pb.group_values(m, g, r, h, gap_months=None, horizon_years=6, annual_discount_rate=i, timing=timing)
    v0 = _closed(m * days, r, i, 72, timing)
    v1 = _closed((m + g) * days, r ** h, i, 72, timing)
    assert g_v.clv_nonreferred == pytest.approx(v0, rel=1e-12)
    assert g_v.clv_referred == pytest.approx(v1, rel=1e-12)
    # ... which is also core.clv.clv with monthly retention and rate
    im = time_unit("month").rate_per_period(i)
    assert v1 == pytest.approx(clv((m + g) * days, r ** (h / 12), im, horizon=72, timing=timing), rel=1e-12)
    assert pb.break_even_reward(g_v.clv_difference, s) == pytest.approx((1 - s) * (v1 - v0), rel=1e-12)
    assert pb.reward_roi(v1 - v0, (1 - s) * (v1 - v0), s) == pytest.approx(0, abs=1e-12)


def test_fading_margin_gap_by_hand():
    """m_1(k) = m + g max(0, 1 - (k-1)/T): with T = 3 months the gap is paid in months 1-3 at 1, 2/3, 1/3."""
    path = pb.margin_path(0.3, 0.06, 5, gap_months=3) / time_unit("month").days
    assert path == pytest.approx([0.36, 0.34, 0.32, 0.30, 0.30])
    g = pb.group_values(0.3, 0.06, 0.9, 1.0, gap_months=3, horizon_years=1, annual_discount_rate=0.0)
    # same survival in both groups, no discounting: the difference is the gap paid times survival at t = 0, 1, 2
    s = 0.9 ** (np.arange(3) / 12)
    assert g.clv_difference == pytest.approx(time_unit("month").days * 0.06 * np.dot([1, 2 / 3, 1 / 3], s))


def test_margin_ratio_that_the_churn_advantage_makes_up():
    """At mu* (module docstring, 4.) a referred customer with constant margins mu* m is worth as much."""
    mu = pb.margin_ratio_break_even(0.75, 0.82, horizon_years=6)
    g = pb.group_values(0.3, (mu - 1) * 0.3, 0.75, 0.82, gap_months=None)
    assert 0 < mu < 1 and g.uplift == pytest.approx(0, abs=1e-12)
    assert pb.margin_ratio_break_even(0.75, 1.0) == pytest.approx(1.0)


def test_bad_parameters_are_parameter_errors():
    with pytest.raises(ParameterError, match="annual_retention"):
        pb.group_values(0.3, 0.07, 1.0, 0.8)
    with pytest.raises(ParameterError, match="hazard_ratio"):
        pb.group_values(0.3, 0.07, 0.8, 0.0)
    with pytest.raises(ParameterError, match="share_anyway"):
        pb.break_even_reward(40, 1.5)
    with pytest.raises(ParameterError, match="base_retention"):
        pb.ssv_values(base_retention="median")
    with pytest.raises(ParameterError, match="timing"):
        pb.group_values(0.3, 0.07, 0.8, 0.8, timing="middle")
    assert pb.retention_for_value(1e6, 0.3) is None                 # more than every month's margin


# ---------------------------------------------------------------------------- properties

rates = st.floats(0.3, 0.97)
hazards = st.floats(0.3, 0.99)


@settings(max_examples=60, deadline=None)
@given(r=rates, h1=hazards, h2=hazards, s=st.floats(0, 0.9), gap=st.floats(-0.1, 0.2), timing=st.sampled_from(["start", "end"]))
def test_break_even_reward_rises_with_the_retention_gap(r, h1, h2, s, gap, timing):
    """A lower hazard ratio (a wider retention gap) always raises R*, whatever the margins and s < 1."""
    if abs(h1 - h2) < 1e-3:
        return
    lo, hi = sorted((h1, h2))
    wide = pb.group_values(0.3, gap, r, lo, timing=timing)
    narrow = pb.group_values(0.3, gap, r, hi, timing=timing)
    assert pb.break_even_reward(wide.clv_difference, s) > pb.break_even_reward(narrow.clv_difference, s)


@settings(max_examples=60, deadline=None)
@given(dv=st.floats(1, 500), s1=st.floats(0, 1), s2=st.floats(0, 1), reward=st.floats(1, 100))
def test_break_even_reward_falls_with_the_share_who_would_have_come_anyway(dv, s1, s2, reward):
    lo, hi = sorted((s1, s2))
    assert pb.break_even_reward(dv, lo) >= pb.break_even_reward(dv, hi)
    s_max = pb.max_share_anyway(dv, reward)
    if 0 <= s_max <= 1:
        assert pb.reward_roi(dv, reward, s_max) == pytest.approx(0, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(r=rates, h=hazards)
def test_no_gap_no_uplift_and_churn_alone_raises_value(r, h):
    assert pb.group_values(0.3, 0.0, r, 1.0).uplift == pytest.approx(0, abs=1e-12)
    assert pb.group_values(0.3, 0.0, r, h).uplift > 0


# ---------------------------------------------------------------------------- the notebook's helper

def test_evidence_headlines_per_study(ds):
    e = pb.evidence(ds)
    assert set(e.tables) == {"sources", "figures", "findings", "ssv_groups", "ssv_recomputation", "segments",
                             "comparison", "value_paths", "break_even"}
    ssv, wg = e.headline[pb.SSV], e.headline[pb.WG]
    assert (ssv["clv_difference_published"], ssv["uplift_published"], ssv["reward"]) == (40, 0.16, 25)
    assert ssv["clv_nonreferred"] == pytest.approx(250, abs=1e-6)
    assert ssv["uplift"] == pytest.approx(e.tables["ssv_recomputation"].loc["level", "uplift"])
    assert ssv["uplift_range"][0] < 0.16 < ssv["uplift_range"][1]
    assert ssv["break_even_reward_published"] == 40 and ssv["reward_pays"] and ssv["worth_more"]
    assert ssv["reward_roi"] == pytest.approx(ssv["reward_roi_published"])
    assert ssv["margin_gap_share"] == pytest.approx(0.076 / 0.30) and ssv["churn_hazard_ratio"] == 0.82
    # W&G: no number is invented; the reason is said, and the directions answer the question for email referrals
    assert all(wg[k] is None for k in ("clv_nonreferred", "clv_referred", "clv_difference", "uplift", "break_even_reward"))
    assert "not in a stored source" in wg["why_missing"]
    assert (wg["margin_direction"], wg["churn_direction"], wg["email_referral_value_direction"]) == (-1, -1, -1)
    assert wg["reward_pays"] is False and wg["worth_more"] is False
    assert 0 < wg["margin_deficit_made_up_at_ssv_churn_gap"] < 0.25
    cmp = e.tables["comparison"]
    assert cmp["same_direction"].to_dict() == {"margin": False, "churn": True, "value": False}
    # a share who would have joined anyway lowers the break-even reward proportionally
    half = pb.evidence(ds, share_anyway=0.5).headline[pb.SSV]
    assert half["break_even_reward_published"] == pytest.approx(20) and not half["reward_pays"]
    assert "reward does not pay" in half["reading"] and "reward pays" in ssv["reading"]


def test_published_gap_reads_the_dataset(ds):
    t = published_gap(ds)
    assert t["reported"].str.contains("at least 16%").any() and t["reported"].str.contains("about 60%").any()
    assert t["note"].str.contains("SSV 2011 JM, abstract, p. 46").any()


# ---------------------------------------------------------------------------- what notebook 03 shows

def test_value_paths_accumulate_to_the_group_values(ds):
    g = pb.ssv_values(ds)
    paths = pb.value_paths(g)
    assert len(paths) == 72 and paths.index[0] == 1
    assert paths["non-referred"].iloc[-1] == pytest.approx(g.clv_nonreferred)
    assert paths["referred"].iloc[-1] == pytest.approx(g.clv_referred)
    assert (paths.diff().dropna() > 0).all().all()                     # every month adds margin
    # month 1 by hand (start timing): one month's margin, undiscounted, both groups alive at t = 0
    month = 365.25 / 12
    assert paths["non-referred"].iloc[0] == pytest.approx(0.30 * month)
    assert paths["referred"].iloc[0] == pytest.approx((0.30 + 0.076) * month)
    end = pb.value_paths(pb.ssv_values(ds, timing="end"))
    assert end["referred"].iloc[-1] == pytest.approx(pb.ssv_values(ds, timing="end").clv_referred)


def test_break_even_curves_are_linear_from_the_difference_to_zero(ds):
    e = pb.evidence(ds)
    c = e.tables["break_even"]
    assert c.iloc[0].to_dict() == pytest.approx({"all customers, as published": 40.0,
                                                  "all customers, recomputed": e.headline[pb.SSV]["clv_difference"],
                                                  "aged 26 to 35 years": 80.0, "aged 36 to 55 years": 58.0})
    assert (c.iloc[-1] == 0).all()
    s = c.index.to_numpy()
    assert c["aged 26 to 35 years"].to_numpy() == pytest.approx(80.0 * (1 - s))


def test_reader_tables_fit_a_page_and_show_no_raw_keys(ds):
    e = pb.evidence(ds, share_anyway=0.3)
    views = pb.reader_tables(e)
    for name, t in views.items():
        assert len(t.columns) + 1 <= 7, name
        for label in [*map(str, t.columns), *map(str, t.index), str(t.index.name)]:
            assert "_" not in label, (name, label)
        assert set(t.columns) - set(pb.KINDS) <= {pb.STUDIES[pb.SSV], pb.STUDIES[pb.WG], "same direction"}, name
    values = views["values"]
    assert values.loc["as published", "premium"] == pytest.approx(0.16)
    assert values.loc["recomputed: implied value", "retention a year, non-referred → referred"] == "73.2% → 77.4%"
    assert values.loc["recomputed: the 16%", "premium"] == pytest.approx(0.16, abs=1e-9)
    seg = views["segments"]
    assert seg.loc["aged 26 to 35 years", "break-even reward at the assumed share"] == pytest.approx(56.0)
    assert seg.loc["aged 36 to 55 years", "as the authors state it"] == "EUR 58"
    assert seg.loc["aged over 55 years", "the reward pays at the assumed share"] is False
    assert seg.loc["retail vs private banking", "the reward pays at the assumed share"] is None


def test_printed_numbers_say_each_number_as_printed(ds):
    t = pb.printed_numbers(ds)
    printed = dict(zip(ds.extras["figures"]["id"], t["as printed"]))
    assert printed["value_premium_pct"] == "at least 16%" and printed["value_difference"] == "about EUR 40"
    assert printed["margin_gap"] == "7.6 cents per day" and printed["customers_total"] == "about 10,000 customers"
    assert t["source"].str.contains("third party").sum() == (ds.extras["figures"]["source_kind"] == "third party").sum()


def test_findings_of_each_part_are_named_and_equal_the_headline(ds):
    from relmkt_utils.present.names import known

    e = pb.evidence(ds, share_anyway=0.3)
    ssv = e.headline[pb.SSV]
    got = {key: (value, kw) for part in ("value", "segments", "reward", "studies") for key, value, kw in e.findings(part)}
    assert all(known(k) for k in got)
    assert got["ssv_clv_uplift"][0] == ssv["uplift"] and got["ssv_value_premium"][0] == 0.16
    assert got["ssv_breakeven_reward"][0] == 40 and got["ssv_breakeven_reward_anyway"][0] == pytest.approx(28)
    assert got["ssv_reward_roi"][0] == pytest.approx(0.6) and got["ssv_value_difference_26_35"][0] == 80
    assert got["ssv_value_over_55"][0] == "slightly negative"
    assert got["wg_value_direction"][0] == "lower" and got["wg_breakeven_reward"][0] == "below zero"
    # W&G's value difference is not in a stored source: no number, and the reason goes with it
    assert got["wg_clv_difference"][0] is None and "not in any source we could read" in got["wg_clv_difference"][1]["reason"]
    with pytest.raises(ParameterError):
        e.findings("margins")
