"""Loading and validating datasets: the shipped data, the tiny valid set and the malformed corpus."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from relmkt_utils.data import datasets
from relmkt_utils.core.errors import DataError

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "datasets"
CASES = yaml.safe_load((CORPUS / "malformed" / "cases.yml").read_text())


def test_corpus_is_large_enough():
    assert len(CASES) >= 15


def test_valid_tiny_dataset_loads_with_types():
    ds = datasets.load(CORPUS / "valid")
    assert set(ds.tables()) == {"customers", "transactions", "survey", "referrals", "choices", "spend", "cohorts"}
    assert ds.cohorts["period"].dtype == np.int64 and ds.cohorts["survivors"].dtype == float
    assert ds.cohorts["segment"].isna().sum() == 2   # the optional segment may be empty
    assert pd.api.types.is_datetime64_any_dtype(ds.transactions["date"])
    assert ds.transactions["amount"].dtype == float
    assert ds.survey["nps"].dtype == np.int64
    assert ds.survey["time_cost_1"].dtype == np.int64
    # the unconverted invitation keeps empty referee and conversion date
    assert ds.referrals["referee_id"].isna().sum() == 1
    assert ds.referrals["converted_at"].isna().sum() == 1
    # free attributes are kept
    assert "region" in ds.customers.columns


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_dataset_names_rule_file_and_column(case):
    expected = CASES[case]
    with pytest.raises(DataError) as info:
        datasets.load(CORPUS / "malformed" / case)
    problems = info.value.problems
    assert [p.code for p in problems] == [expected["code"]], info.value
    p = problems[0]
    assert p.file == expected["file"]
    assert p.column == expected["column"]
    message = str(info.value)
    assert expected["file"] in message
    if expected["column"]:
        assert f"'{expected['column']}'" in message
    if "values" in expected:
        assert p.values == tuple(expected["values"])
        assert ", ".join(expected["values"]) in message
    if "detail" in expected:
        assert p.detail == expected["detail"]


def test_problem_names_offending_lines():
    with pytest.raises(DataError) as info:
        datasets.load(CORPUS / "malformed" / "negative_amount")
    # the changed value sits on line 3 of transactions.csv (header is line 1)
    assert info.value.problems[0].rows == (3,)
    assert "line 3" in str(info.value)


def test_at_most_five_rows_are_listed(tmp_path):
    folder = tmp_path / "many"
    shutil.copytree(CORPUS / "valid", folder)
    lines = ["customer_id,date,amount"] + [f"C1,2024-01-{d:02d},-1" for d in range(1, 9)]
    (folder / "transactions.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as info:
        datasets.load(folder)
    p = info.value.problems[0]
    assert p.rows == (2, 3, 4, 5, 6) and p.n_rows == 8
    assert "and 3 more" in p.sentence()


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    folder = tmp_path / "two"
    shutil.copytree(CORPUS / "valid", folder)
    tx = (folder / "transactions.csv").read_text().replace("C1,2024-03-01,12", "C9,2024-03-01,-12")
    (folder / "transactions.csv").write_text(tx)
    codes = {p.code for p in datasets.validate(folder)}
    assert codes == {"foreign_key", "finite_nonnegative"}


def test_parquet_tables_are_read_and_validated(tmp_path):
    folder = tmp_path / "pq"
    shutil.copytree(CORPUS / "valid", folder)
    tx = pd.read_csv(folder / "transactions.csv")
    (folder / "transactions.csv").unlink()
    tx.loc[1, "amount"] = -5.0
    tx.to_parquet(folder / "transactions.parquet")
    problems = datasets.validate(folder)
    assert [p.code for p in problems] == ["finite_nonnegative"]
    assert problems[0].rows == (2,)  # 1-based row of the Parquet table
    assert problems[0].file == "transactions.parquet"


def test_absent_tables_are_none():
    ds = datasets.load("cdnow_sample")
    assert ds.survey is None and ds.referrals is None and ds.choices is None and ds.spend is None
    assert ds.missing("survey", "customers") == ["survey"]


def test_cdnow_matches_published_sizes():
    ds = datasets.load("cdnow")
    assert len(ds.customers) == 23_570
    assert len(ds.transactions) == 69_659
    assert ds.transactions["date"].min() == pd.Timestamp("1997-01-01")
    assert ds.transactions["date"].max() <= pd.Timestamp("1998-06-30")
    # every customer's first purchase is in the first quarter of 1997
    assert ds.customers["acquired_at"].max() < pd.Timestamp("1997-04-01")


def test_cdnow_sample_carries_the_papers_calibration_summary():
    ds = datasets.load("cdnow_sample")
    assert len(ds.customers) == 2_357 and len(ds.transactions) == 6_919
    summary = ds.extras["calibration_summary"]
    assert len(summary) == 2_357
    # Fader, Hardie & Lee (2005): 39-week calibration, T up to 38.86 weeks
    assert summary["T"].max() == pytest.approx(38.86)
    assert set(summary["customer_id"]) == set(ds.customers["customer_id"])


def test_unknown_dataset_is_a_data_error():
    with pytest.raises(DataError) as info:
        datasets.load("no_such_dataset_anywhere")
    assert "no such dataset" in str(info.value)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "relmkt_utils", *args], capture_output=True, text=True)


@pytest.mark.parametrize("case", sorted(CASES)[:: max(1, len(CASES) // 8)])
def test_cli_validate_exits_2_without_traceback(case):
    res = _cli("validate", str(CORPUS / "malformed" / case))
    assert res.returncode == 2
    out = res.stdout + res.stderr
    assert "Traceback" not in out
    assert CASES[case]["file"] in out


@pytest.mark.parametrize("name", ["cdnow", "cdnow_sample", "synthetic"])
def test_cli_validate_shipped_datasets_exit_0(name):
    if not (datasets.data_dir() / name).exists():
        pytest.skip(f"data/{name} not generated")
    res = _cli("validate", name)
    assert res.returncode == 0, res.stdout


def test_free_columns_are_typed_but_ids_keep_leading_zeros():
    ds = datasets.load("cdnow_sample")
    assert ds.customers["cdnow_master_id"].iloc[0] == "00004"
    tiny = datasets.load(CORPUS / "valid")
    assert tiny.customers["region"].iloc[0] == "north"
    assert ds.transactions["quantity"].dtype == float


def _valid_copy(tmp_path, name="ds"):
    folder = tmp_path / name
    shutil.copytree(CORPUS / "valid", folder)
    return folder


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_problems_quote_the_offending_values(tmp_path):
    folder = _valid_copy(tmp_path)
    tx = folder / "transactions.csv"
    _edit(tx, "C1,2024-03-01,12,2", "C1,31/02/2024,twelve,2")
    _edit(tx, "C2,2024-02-01,40", "C2,yesterday,forty")
    _edit(tx, "C3,2024-03-10,15.25", "C3,31/02/2024,twelve")
    _edit(folder / "customers.csv", "C2,2024-02-01,paid", "C2,2024-02-01,tv")
    problems = {(p.file, p.code): p for p in datasets.validate(folder)}
    assert set(problems) == {("transactions.csv", "date_format"), ("transactions.csv", "number"), ("customers.csv", "category")}
    assert problems["transactions.csv", "date_format"].sentence() == (
        "transactions.csv, column 'date': dates must be ISO dates (YYYY-MM-DD); lines 3, 4, 5; "
        'values "31/02/2024", "yesterday".'
    )
    assert problems["transactions.csv", "number"].values == ('"twelve"', '"forty"')
    assert problems["customers.csv", "category"].values == ('"tv"',)
    assert 'values "tv"' in problems["customers.csv", "category"].sentence()


def test_dates_with_utc_offsets_are_converted_to_naive_utc(tmp_path):
    folder = _valid_copy(tmp_path)
    tx = folder / "transactions.csv"
    _edit(tx, "C1,2024-03-01,12", "C1,2024-03-01T10:00:00+01:00,12")
    _edit(tx, "C2,2024-02-01,40", "C2,2024-02-01T10:00:00Z,40")
    _edit(tx, "C3,2024-03-10,15.25", "C3,2024-03-10T10:00:00+02:00,15.25")
    ds = datasets.load(folder)  # mixed offsets and naive dates in one column: no crash, no problem
    dates = ds.transactions["date"]
    assert dates.dt.tz is None
    assert list(dates) == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-03-01 09:00"),
                           pd.Timestamp("2024-02-01 10:00"), pd.Timestamp("2024-03-10 08:00")]


def test_duplicate_transactions_are_accepted_when_the_dataset_says_so(tmp_path):
    folder = tmp_path / "dup"
    shutil.copytree(CORPUS / "malformed" / "duplicate_transaction", folder)
    problem = datasets.validate(folder)[0]
    assert problem.rows == (5,) and problem.sentence().startswith("transactions.csv: a transaction must not repeat")
    _edit(folder / "dataset.yml", "allow_duplicate_transactions: false", "allow_duplicate_transactions: true")
    assert len(datasets.load(folder).transactions) == 5


def test_unknown_key_suggests_the_closest_known_key(tmp_path):
    folder = _valid_copy(tmp_path)
    _edit(folder / "dataset.yml", "currency: EUR", "curency: EUR")
    sentences = [p.sentence() for p in datasets.validate(folder)]
    assert "dataset.yml, column 'curency': unknown key (did you mean 'currency'?)." in sentences
    assert "dataset.yml, column 'currency': a required key is missing from dataset.yml." in sentences


def test_free_columns_that_look_like_codes_stay_text(tmp_path):
    folder = _valid_copy(tmp_path)
    cust = folder / "customers.csv"
    rows = cust.read_text().splitlines()
    extra = [",postcode,house,score,ratio", ",01234,12,0,-0.3", ",20095,7,3,0.5", ",80331,1,5,1"]
    cust.write_text("\n".join(r + e for r, e in zip(rows, extra)) + "\n")
    c = datasets.load(folder).customers
    assert list(c["postcode"]) == ["01234", "20095", "80331"]  # a leading zero: a code, not a number
    assert c["house"].dtype == np.int64 and c["score"].dtype == np.int64  # 0 alone is a number
    assert c["ratio"].dtype == float


def test_missing_required_column_suggests_a_likely_column(tmp_path):
    folder = _valid_copy(tmp_path)
    _edit(folder / "transactions.csv", "customer_id,date,amount", "Client ID,Order Date,Sales Price")
    found = {p.column: p.detail for p in datasets.validate(folder) if p.code == "missing_column"}
    assert found == {"customer_id": "found Client ID", "date": "found Order Date", "amount": "found Sales Price"}


def test_unreadable_files_become_problems_not_exceptions(tmp_path, monkeypatch):
    folder = _valid_copy(tmp_path)
    (folder / "survey.csv").unlink()
    (folder / "survey.csv").mkdir()  # a folder where a table should be
    problems = datasets.validate(folder)
    assert [(p.code, p.file) for p in problems] == [("unreadable", "survey.csv")]
    assert problems[0].detail  # the first line of the error

    def broken(chk, window):
        raise RuntimeError("something unexpected\nsecond line")

    monkeypatch.setattr(datasets, "check_table", broken)
    problems = datasets.validate(CORPUS / "valid")
    assert {p.code for p in problems} == {"unreadable"} and len(problems) == 7   # one per table
    assert problems[0].detail == "something unexpected"


def test_gross_margin_is_margin_over_revenue_or_none():
    """Dataset.gross_margin(): the transactions' margin over their amount (Ta Feng's sales price minus cost
    over sales price), None when the data cannot give it."""
    from relmkt_utils.data.dataset import Dataset

    tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05"]),
                       "amount": [100.0, 50.0, 250.0], "margin": [20.0, -5.0, 45.0]})
    assert Dataset("x", {}, transactions=tx).gross_margin() == pytest.approx(60.0 / 400.0)
    assert Dataset("x", {}, transactions=tx.drop(columns="margin")).gross_margin() is None
    assert Dataset("x", {}).gross_margin() is None
    assert Dataset("x", {}, transactions=tx.assign(amount=0.0)).gross_margin() is None
