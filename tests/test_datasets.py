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
    assert set(ds.tables()) == {"customers", "transactions", "survey", "referrals", "choices", "spend"}
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
