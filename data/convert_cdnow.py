"""Convert the CDNOW data of Fader & Hardie into relmkt's canonical tables (run once; output committed).

Source: the raw files as distributed inside the ``Lifetimes==0.11.3`` wheel on PyPI (MIT licence):
``lifetimes/datasets/CDNOW_master.txt``, ``CDNOW_sample.txt`` and
``cdnow_customers_summary_with_transactions.csv``. Nothing in relmkt imports lifetimes.

Usage::

    python data/convert_cdnow.py            # downloads the wheel with pip into a temp dir
    python data/convert_cdnow.py WHEEL.whl  # uses a wheel you already have
"""
from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pandas as pd

from relmkt_utils.data.dataset import write_meta

sys.path.insert(0, str(Path(__file__).resolve().parent))  # data/source_wheel.py, beside this script
from source_wheel import wheel_from_pypi  # noqa: E402

HERE = Path(__file__).resolve().parent
WHEEL = "Lifetimes==0.11.3"

COMMON = {
    "currency": "USD",
    "time_unit": "week",
    "observation_start": "1997-01-01",
    "observation_end": "1998-06-30",
    "provenance": (
        "CDNOW online music retailer, 1997-01 to 1998-06, as distributed by Bruce Hardie "
        "(brucehardie.com) and redistributed in the Lifetimes 0.11.3 wheel on PyPI "
        "(lifetimes/datasets). Converted by data/convert_cdnow.py."
    ),
    "licence": "Redistributed under the MIT licence of Lifetimes 0.11.3; academic use, cite Fader & Hardie.",
    # the raw log records one line per purchase record: a customer buying two identical CDs on one day
    # in two records gives two identical lines (255 in the full cohort, 21 in the sample), real purchases
    "allow_duplicate_transactions": True,
}


def _read_wheel(path: Path) -> dict[str, bytes]:
    names = {
        "master": "lifetimes/datasets/CDNOW_master.txt",
        "sample": "lifetimes/datasets/CDNOW_sample.txt",
        "summary": "lifetimes/datasets/cdnow_customers_summary_with_transactions.csv",
    }
    with zipfile.ZipFile(path) as zf:
        return {k: zf.read(v) for k, v in names.items()}



def _tables(raw: pd.DataFrame, id_width: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    tx = pd.DataFrame(
        {
            "customer_id": raw["id"].astype(int).map(lambda i: f"{i:0{id_width}d}"),
            "date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
            "amount": raw["dollars"].astype(float),
            "quantity": raw["cds"].astype(int),
        }
    )
    tx = tx.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
    customers = tx.groupby("customer_id", as_index=False)["date"].min().rename(columns={"date": "acquired_at"})
    return customers, tx


def _write(folder: Path, meta: dict, tables: dict[str, pd.DataFrame]) -> None:
    write_meta(folder, meta)
    for name, df in tables.items():
        out = df.copy()
        for c in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[c]):
                out[c] = out[c].dt.strftime("%Y-%m-%d")
        out.to_csv(folder / f"{name}.csv", index=False, float_format="%.10g", lineterminator="\n")


def main() -> None:
    raw = _read_wheel(wheel_from_pypi(WHEEL))
    master = pd.read_csv(io.BytesIO(raw["master"]), sep=r"\s+", skiprows=1, header=None, names=["id", "date", "cds", "dollars"])
    customers, tx = _tables(master, 5)
    _write(
        HERE / "cdnow",
        {
            "name": "cdnow",
            "description": (
                "Full CDNOW cohort: the 23,570 customers who made their first purchase at CDNOW in the "
                "first quarter of 1997, and all their 69,659 purchase records to the end of June 1998."
            ),
            **COMMON,
        },
        {"customers": customers, "transactions": tx},
    )

    sample = pd.read_csv(io.BytesIO(raw["sample"]), sep=r"\s+", header=None, names=["master_id", "id", "date", "cds", "dollars"])
    s_customers, s_tx = _tables(sample, 4)
    ids = sample.drop_duplicates("id").set_index("id")["master_id"]
    s_customers["cdnow_master_id"] = s_customers["customer_id"].astype(int).map(ids).map(lambda i: f"{i:05d}")
    summary = pd.read_csv(io.BytesIO(raw["summary"]))
    summary = pd.DataFrame(
        {
            "customer_id": summary["ID"].map(lambda i: f"{i:04d}"),
            "frequency": summary["x"],
            "recency": summary["t_x"],
            "T": summary["T"],
            "monetary_value": summary["zbar"],
        }
    )
    _write(
        HERE / "cdnow_sample",
        {
            "name": "cdnow_sample",
            "description": (
                "The 1/10 systematic sample of the CDNOW cohort (2,357 customers, 6,919 purchase records) used "
                "by Fader, Hardie & Lee (2005), 'Counting your customers the easy way', Marketing Science 24(2). "
                "calibration_summary holds the paper's 39-week calibration summary (to 1997-09-30) in weeks."
            ),
            **COMMON,
            "calibration_end": "1997-09-30",
            "extras": {
                "calibration_summary": (
                    "Per customer: frequency (repeat purchases, x), recency (t_x) and T in weeks of the 39-week "
                    "calibration period, and monetary_value (mean repeat-purchase spend, zbar) in USD; as in the paper."
                )
            },
        },
        {"customers": s_customers, "transactions": s_tx, "calibration_summary": summary},
    )
    print(f"cdnow: {len(customers):,} customers, {len(tx):,} transactions")
    print(f"cdnow_sample: {len(s_customers):,} customers, {len(s_tx):,} transactions, {len(summary):,} summary rows")


if __name__ == "__main__":
    main()
