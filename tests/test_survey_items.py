"""A survey that declares its own item scale and constructs (``survey_items`` in dataset.yml), and the two
published ECSI surveys converted by data/convert_plspm_surveys.py."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from relmkt_utils.data import datasets

ROOT = Path(__file__).resolve().parents[1]
META = {"name": "s", "description": "d", "currency": "none", "time_unit": "month", "observation_start": "2000-01-01",
        "observation_end": "2000-12-31", "provenance": "p", "licence": "l",
        "survey_items": {"scale": [0, 10], "constructs": {"image": ["image_1", "image_2"], "loyalty": ["loyalty_1"]},
                         "wording": {"image_1": "Reputation.", "loyalty": "Loyalty."}}}
SURVEY = "customer_id,image_1,image_2,loyalty_1\n001,0,10,5\n002,3,4,5\n"


def write(folder: Path, meta: dict, survey: str | None = SURVEY) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dataset.yml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    if survey is not None:
        (folder / "survey.csv").write_text(survey, encoding="utf-8")
    return folder


def codes(folder) -> list[tuple[str, str | None]]:
    return [(p.code, p.column) for p in datasets.validate(folder)]


def test_a_declared_survey_needs_neither_date_nor_nps(tmp_path):
    ds = datasets.load(write(tmp_path / "ok", META))
    assert ds.survey_items.scale == (0, 10) and ds.survey_items.items == ["image_1", "image_2", "loyalty_1"]
    assert ds.survey_items.construct_of("loyalty_1") == "loyalty" and ds.survey_items.wording["loyalty"] == "Loyalty."
    assert ds.survey["image_2"].dtype == np.int64 and ds.survey["customer_id"].tolist() == ["001", "002"]


def test_without_a_declaration_the_canonical_rules_hold(tmp_path):
    meta = {k: v for k, v in META.items() if k != "survey_items"}
    found = codes(write(tmp_path / "plain", meta))
    assert ("missing_column", "nps") in found and ("missing_column", "date") in found


def test_items_are_checked_on_the_declared_scale(tmp_path):
    folder = write(tmp_path / "range", META, SURVEY.replace("002,3,4,5", "002,3,11,5"))
    problems = datasets.validate(folder)
    assert [(p.code, p.column, p.rows, p.values) for p in problems] == [("integer_range", "image_2", (3,), ('"11"',))]
    assert "allowed 0 to 10" in problems[0].sentence()


def test_a_declared_item_must_be_in_the_survey(tmp_path):
    assert codes(write(tmp_path / "gone", META, SURVEY.replace(",loyalty_1", "").replace(",5\n", "\n"))) == [
        ("missing_column", "loyalty_1")]


def test_a_declaration_needs_a_survey_table(tmp_path):
    assert ("survey_items_table", "survey_items") in codes(write(tmp_path / "none", META, survey=None))


@pytest.mark.parametrize("change,words", [
    ({"scale": [10, 1]}, "scale must be two whole numbers"),
    ({"scale": [0.5, 7]}, "scale must be two whole numbers"),
    ({"constructs": {}}, "constructs must map"),
    ({"constructs": {"Image": ["image_1"]}}, "lower-case"),
    ({"constructs": {"image": ["image_1", "image_1"]}}, "listed more than once"),
    ({"constructs": {"image": []}}, "one or more column names"),
    ({"wording": {"image_9": "?"}}, "neither a declared item nor a construct"),
    ({"weights": 1}, "unknown key 'weights'"),
])
def test_malformed_declarations_are_named(tmp_path, change, words):
    meta = {**META, "survey_items": {**META["survey_items"], **change}}
    problems = [p for p in datasets.validate(write(tmp_path / "bad", meta)) if p.code == "yaml_survey_items"]
    assert problems and any(words in p.sentence() for p in problems), [p.sentence() for p in problems]


# --------------------------------------------------------------------------- the shipped surveys

@pytest.mark.parametrize("name", ["satisfaction", "mobi"])
def test_cli_says_valid(name):
    res = subprocess.run([sys.executable, "-m", "relmkt_utils", "validate", name], capture_output=True, text=True)
    assert res.returncode == 0 and "valid" in res.stdout, res.stdout + res.stderr


@pytest.mark.parametrize("name,n_items,constructs,scale", [
    ("satisfaction", 27, ["image", "expectations", "perceived_quality", "perceived_value", "satisfaction", "loyalty"], (0, 10)),
    ("mobi", 24, ["image", "expectations", "perceived_quality", "perceived_value", "satisfaction", "complaints",
                  "loyalty"], (1, 10)),
])
def test_shipped_surveys_match_their_source_figures(name, n_items, constructs, scale):
    ds = datasets.load(name)
    items = ds.survey_items
    assert list(items.constructs) == constructs and items.scale == scale
    assert len(items.items) == n_items == ds.meta["source_figures"]["items"]
    assert len(ds.survey) == ds.meta["source_figures"]["respondents"] == 250
    assert ds.survey["customer_id"].is_unique and "nps" not in ds.survey and "date" not in ds.survey
    values = ds.survey[items.items]
    assert values.min().min() == scale[0] and values.max().max() == 10
    assert "GPL-3.0" in ds.meta["licence"] and "addf58434532dc63320589c4cc2f341009d588b0" in ds.meta["provenance"]


def test_satisfaction_keeps_gender_and_the_first_respondent():
    """Row 1 of satisfaction.csv: imag 8,8,9,5,6 ... loy 9,9,6,6, male."""
    s = datasets.load("satisfaction").survey.set_index("customer_id")
    assert s.loc["001", [f"image_{k}" for k in range(1, 6)]].tolist() == [8, 8, 9, 5, 6]
    assert s.loc["001", [f"loyalty_{k}" for k in range(1, 5)]].tolist() == [9, 9, 6, 6]
    assert s.loc["001", "gender"] == "male" and set(s["gender"]) == {"male", "female"}


# --------------------------------------------------------------------------- the converter

def _converter():
    spec = importlib.util.spec_from_file_location("convert_plspm_surveys", ROOT / "data" / "convert_plspm_surveys.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_converter_renames_items_in_ecsi_order():
    conv = _converter()
    raw = pd.DataFrame({"": [1, 2], "CUSL1": [3, 4], "CUSCO": [5, 6], "IMAG2": [7, 8], "IMAG1": [9, 10],
                        "CUEX1": [1, 1], "PERQ1": [2, 2], "PERV1": [3, 3], "CUSA1": [4, 4]})
    survey, items = conv.convert(raw, "mobi")
    assert list(survey.columns) == ["customer_id", "image_1", "image_2", "expectations_1", "perceived_quality_1",
                                    "perceived_value_1", "satisfaction_1", "complaints_1", "loyalty_1"]
    assert survey["image_1"].tolist() == [9, 10] and survey["customer_id"].tolist() == ["001", "002"]
    assert items["scale"] == [1, 10] and items["constructs"]["complaints"] == ["complaints_1"]


def test_converter_refuses_other_bytes(tmp_path):
    conv = _converter()
    (tmp_path / "tests" / "data").mkdir(parents=True)
    (tmp_path / "tests" / "data" / "mobi.csv").write_text("x\n1\n")
    with pytest.raises(SystemExit, match="SHA-256"):
        conv.read_source(tmp_path, "tests/data/mobi.csv")
