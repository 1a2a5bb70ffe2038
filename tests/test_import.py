"""`relmkt import` on raw order exports with the quirks of real shops: every count and total reconciles.

The exports are made by :func:`raw_export`, which writes an Online-Retail-style order-line file and
keeps, record by record, what a correct import must make of it; the expectations are computed here
with plain Python loops, independently of the importer's pandas code.
"""
from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from relmkt_utils.core.errors import DataError
from relmkt_utils.data import datasets
from relmkt_utils.data.importer import import_orders, normalize_ids

from exports import online_retail

#: The README's import of an Online-Retail-style export (no date option: the order is inferred).
RETAIL = ("--customer-col", "CustomerID", "--date-col", "InvoiceDate", "--order-col", "InvoiceNo", "--quantity-col",
          "Quantity", "--price-col", "UnitPrice", "--attribute", "Country", "--currency", "GBP")

COUNTRIES = ("United Kingdom", "France", "Germany", "EIRE")


def raw_export(path: Path, seed: int, n_customers: int = 120, fmt: str = "csv"):
    """Order lines with the quirks of an ordinary export. Returns (file, truth) where truth lists the
    clean purchase lines and returns the importer must keep, and the lines it must drop, by reason."""
    rng = np.random.default_rng(seed)
    rows, truth = [], defaultdict(list)
    base = datetime(2011, 1, 3, 8, 0)
    invoice = 536000
    for c in range(n_customers):
        cid = 12000 + c
        country = COUNTRIES[c % 4]
        for _ in range(int(rng.integers(1, 6))):
            invoice += 1
            when = base + timedelta(days=int(rng.integers(0, 330)), minutes=int(rng.integers(0, 600)))
            missing = rng.random() < 0.12
            for _ in range(int(rng.integers(1, 4))):
                qty, price = int(rng.integers(1, 12)), float(rng.choice([0.0, 0.85, 1.25, 2.95, 4.15], p=[0.04, .24, .24, .24, .24]))
                ctry = country if rng.random() > 0.05 else COUNTRIES[(c + 1) % 4]
                date_text = when.strftime("%d/%m/%Y %H:%M")
                if rng.random() < 0.01:
                    date_text = "31/02/2011 10:00"
                rows.append({"InvoiceNo": str(invoice), "StockCode": f"S{int(rng.integers(100, 999))}",
                             "Quantity": str(qty), "InvoiceDate": date_text, "UnitPrice": f"{price:.2f}",
                             "CustomerID": "" if missing else f"{cid}.0", "Country": ctry})
                rec = (str(cid), when.date(), qty * price, str(invoice), ctry)
                if missing:
                    truth["missing_customer_id"].append(rec)
                elif date_text.startswith("31/02"):
                    truth["unparseable_date"].append(rec)
                elif price == 0:
                    truth["zero_amount"].append(rec)
                else:
                    truth["purchase"].append(rec)
            if rng.random() < 0.15 and not missing:        # a return of one line of this order, days later
                invoice += 1
                qty, price = int(rng.integers(1, 4)), 2.95
                later = when + timedelta(days=int(rng.integers(0, 20)))
                rows.append({"InvoiceNo": f"C{invoice}", "StockCode": "S500", "Quantity": str(-qty),
                             "InvoiceDate": later.strftime("%d/%m/%Y %H:%M"), "UnitPrice": f"{price:.2f}",
                             "CustomerID": f"{cid}.0", "Country": country})
                truth["return"].append((str(cid), later.date(), -qty * price, f"C{invoice}", country))
    frame = pd.DataFrame(rows)
    file = path / f"export.{fmt}"
    frame.to_csv(file, index=False) if fmt == "csv" else frame.to_parquet(file)
    return file, truth


SETTINGS = dict(customer_col="CustomerID", date_col="InvoiceDate", dayfirst=True, order_col="InvoiceNo",
                quantity_col="Quantity", price_col="UnitPrice", attributes=["Country"], currency="GBP")


@pytest.mark.parametrize("seed, fmt", [(1, "csv"), (2, "csv"), (3, "parquet")])
def test_import_reconciles_every_line_and_total(tmp_path, seed, fmt):
    file, truth = raw_export(tmp_path, seed, fmt=fmt)
    report = import_orders(file, tmp_path / "shop", **SETTINGS)
    c = report.counts
    assert c["lines_read"] == sum(len(v) for v in truth.values())
    for reason in ("missing_customer_id", "unparseable_date", "zero_amount"):
        assert c[f"dropped_{reason}"] == len(truth[reason]), reason
    assert c["dropped_unparseable_amount"] == 0
    assert c["return_lines"] == len(truth["return"]) and c["lines_kept"] == len(truth["purchase"])
    assert c["lines_read"] == c["lines_kept"] + c["return_lines"] + sum(v for k, v in c.items() if k.startswith("dropped"))
    assert report.examples["dropped_unparseable_date"] == ('"31/02/2011 10:00"',) or not truth["unparseable_date"]
    # one transaction per order; customers = buyers; totals to the cent
    orders = defaultdict(float)
    for cid, day, amount, inv, _ in truth["purchase"]:
        orders[(cid, inv)] += amount
    ds = datasets.load(tmp_path / "shop")
    assert len(ds.transactions) == report.transactions == len(orders)
    assert ds.transactions["amount"].sum() == pytest.approx(sum(orders.values()), abs=1e-6)
    recon = report.reconciliation                     # returns dropped (the default): file - steps = written
    recon.check()
    assert float(recon.transactions[-1].amount) == pytest.approx(sum(orders.values()), abs=1e-6)
    assert recon.lines[0].lines == c["lines_read"] and recon.lines[-1].lines == c["lines_kept"]
    file_line = next(line for line in report.text().splitlines() if line.strip().startswith("the file"))
    assert file_line.split()[2] == f"{c['lines_read']:,}"                    # a count, not "768.00"
    assert set(ds.customers["customer_id"]) == {cid for cid, _ in orders}
    assert not ds.customers["customer_id"].str.contains(r"\.").any()          # 12346.0 -> 12346
    # the most frequent country of each customer
    by_customer = defaultdict(Counter)
    for cid, *_, country in truth["purchase"]:
        by_customer[cid][country] += 1
    got = ds.customers.set_index("customer_id")["country"]
    for cid, counter in by_customer.items():
        top = max(counter.values())
        assert counter[got[cid]] == top
    meta = ds.meta
    assert "sha256" in meta["provenance"] and "returns=drop" in meta["provenance"] and meta["currency"] == "GBP"
    assert meta["observation_start"] == min(d for _, d, *_ in truth["purchase"]).isoformat()


def test_returns_net_and_keep(tmp_path):
    file, truth = raw_export(tmp_path, 4)
    net = import_orders(file, tmp_path / "net", **{**SETTINGS, "returns": "net"})
    keep = import_orders(file, tmp_path / "keep", **{**SETTINGS, "returns": "keep"})
    returned = -sum(r[2] for r in truth["return"])
    written_keep = float(keep.reconciliation.lines[-1].amount)
    unmatched = sum(float(r.return_amount) for r in net.reconciliation.lines if r.what.startswith("return amount with"))
    assert float(net.reconciliation.lines[-1].amount) == pytest.approx(written_keep - returned + unmatched, abs=1e-6)
    rows = {r.what: r for r in net.reconciliation.lines}     # kept - netted - unmatched = written
    kept, written = rows["lines kept"], net.reconciliation.lines[-1]
    assert (kept.amount + rows["returns netted against purchases"].amount
            + rows["return amount with nothing to net against"].amount == written.amount)
    kept = datasets.load(tmp_path / "keep").extras["returns"]
    assert kept["amount"].sum() == pytest.approx(returned) and (kept["amount"] > 0).all()
    assert (datasets.load(tmp_path / "net").transactions["amount"] > 0).all()


def test_netting_by_hand(tmp_path):
    pd.DataFrame({"cust": ["a", "a", "a", "b"], "day": ["2024-01-01", "2024-01-10", "2024-01-12", "2024-01-05"],
                  "amount": [30.0, 20.0, -25.0, -5.0]}).to_csv(tmp_path / "x.csv", index=False)
    r = import_orders(tmp_path / "x.csv", tmp_path / "o", customer_col="cust", date_col="day", amount_col="amount",
                      returns="net")
    tx = datasets.load(tmp_path / "o").transactions
    # the return of 25 on 01-12 eats the 20 of 01-10, then 5 of the 30 of 01-01; b's return has no purchase
    rows = {row.what: row for row in r.reconciliation.lines}
    assert tx["amount"].tolist() == [25.0] and rows["return amount with nothing to net against"].amount == 5
    assert rows["returns netted against purchases"].return_amount == 25
    assert [(o.transactions, o.customers) for o in r.reconciliation.transactions] == [(2, 1), (-1, 0), (1, 1)]


def test_ids_are_normalized():
    got = normalize_ids(pd.Series([" 12346.0 ", "12346", "00123", "A-7", "", None, "12.5"])).tolist()
    assert got == ["12346", "12346", "00123", "A-7", None, None, "12.5"]


def test_user_mistakes_are_sentences(tmp_path):
    file, _ = raw_export(tmp_path, 5, n_customers=10)
    with pytest.raises(DataError, match="found InvoiceDate"):
        import_orders(file, tmp_path / "o1", **{**SETTINGS, "date_col": "Date"})
    with pytest.raises(DataError, match="either amount_col, or quantity_col and price_col"):
        import_orders(file, tmp_path / "o2", customer_col="CustomerID", date_col="InvoiceDate")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "mine.txt").write_text("keep")
    with pytest.raises(DataError, match="not empty; nothing is overwritten"):
        import_orders(file, tmp_path / "busy", **SETTINGS)
    assert (tmp_path / "busy" / "mine.txt").read_text() == "keep"
    with pytest.raises(DataError, match=r"no value is a date when read with the format %Y-%m-%d.*values \"\d"):
        import_orders(file, tmp_path / "o3", **{**SETTINGS, "dayfirst": False, "date_format": "%Y-%m-%d"})
    assert not (tmp_path / "o3").exists()


def test_cli_import_with_a_mapping_file_and_validate(tmp_path):
    file, truth = raw_export(tmp_path, 6)
    mapping = tmp_path / "mapping.yml"
    mapping.write_text("customer_col: CustomerID\ndate_col: InvoiceDate\ndate_format: '%d/%m/%Y %H:%M'\n"
                       "order_col: InvoiceNo\nquantity_col: Quantity\nprice_col: UnitPrice\nreturns: keep\n"
                       "attributes: [Country]\ncurrency: GBP\n")
    res = subprocess.run([sys.executable, "-m", "relmkt_utils", "import", str(file), "--out", str(tmp_path / "shop"),
                          "--mapping", str(mapping)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "the file" in res.stdout and "- no customer id" in res.stdout and "valid" in res.stdout
    assert "dates: read with the format %d/%m/%Y %H:%M, as given" in res.stdout
    assert subprocess.run([sys.executable, "-m", "relmkt_utils", "validate", str(tmp_path / "shop")],
                          capture_output=True, text=True).returncode == 0
    res = subprocess.run([sys.executable, "-m", "relmkt_utils", "import", str(file), "--out", str(tmp_path / "x"),
                          "--customer-col", "Customer"], capture_output=True, text=True)
    assert res.returncode == 2 and "Traceback" not in res.stderr and "date-col" in res.stderr


def test_rfm_summary_refuses_negative_amounts_with_the_customers_named():
    from relmkt_utils.btyd import rfm_summary

    tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "date": ["2024-01-01", "2024-02-01", "2024-01-05", "2024-01-07"],
                       "amount": [10.0, -4.0, 0.0, -1.0]})
    with pytest.raises(DataError, match=r"negative amounts.*customers a, c.*relmkt import --returns"):
        rfm_summary(tx)
    ok = rfm_summary(tx[tx["amount"] >= 0])          # zero amounts are purchases worth nothing
    assert ok.loc["b", "frequency"] == 0 and ok.loc["a", "monetary_value"] == 0.0


def test_batch_runs_notebooks_00_01_04_on_an_imported_export_with_many_small_countries(tmp_path):
    """Issue 24: a real-shaped export (40 countries, 30 with fewer than 30 customers, a quarter of the lines
    without a customer, cancellations, month-first dates) imported as the README says and run through
    notebooks 00, 01 and 04 with ``segment: country``: every run ok, the small countries pooled, no
    "Singular matrix" and no Python warning text in any page, customer_scores.csv written."""
    import yaml

    file, truth = online_retail(tmp_path / "online_retail.csv", seed=11)
    res = subprocess.run([sys.executable, "-m", "relmkt_utils", "import", str(file), "--out", str(tmp_path / "shop"),
                          *RETAIL, "--returns", "net"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "dates: read month first, inferred" in res.stdout
    sizes = pd.read_csv(tmp_path / "shop" / "customers.csv", dtype=str)["country"].value_counts()
    assert len(sizes) == 40 and int((sizes < 30).sum()) == 30
    kept = sizes[sizes >= 50].index[:7]                 # Dataset.pool_segments with segment_min_size 50
    pooled = f"other ({len(sizes) - len(kept)} groups, {int(sizes.drop(kept).sum()):,} customers)"
    root = Path(__file__).resolve().parent.parent
    cfg = tmp_path / "b.yml"
    params = {"dataset": "./shop", "segment": "country"}
    cfg.write_text(yaml.safe_dump({"notebooks_dir": str(root / "notebooks"), "output_dir": "out", "timeout": 600, "runs": [
        {"name": "overview_shop", "notebook": "00_data_overview", "parameters": params},
        {"name": "loyalty_shop", "notebook": "01_loyalty_measurement", "parameters": params},
        {"name": "retention_shop", "notebook": "04_retention_vs_acquisition", "parameters": params},
        {"name": "typo", "notebook": "01_loyalty_measurement", "parameters": {"dataset": "./shop", "segment": "countyr"}}]}))
    res = subprocess.run([sys.executable, "-m", "relmkt_utils", "run", "--config", str(cfg), "--quiet"],
                         capture_output=True, text=True, timeout=900, cwd=tmp_path)
    runs = json.loads((tmp_path / "out" / "index.json").read_text())["runs"]
    assert [r["status"] for r in runs] == ["ok", "ok", "ok", "invalid"], res.stdout + res.stderr
    assert res.returncode == 2                                    # the typo is the user's mistake
    assert "did you mean 'country'" in runs[3]["error"]
    assert runs[0]["metrics"]["n_customers"] == int(sizes.sum())
    warning_text = re.compile(r"\b[A-Z]\w*(?:Warning|Error): |/tmp/ipykernel_|warnings\.warn|Traceback")
    for run, notebook in (("overview_shop", "00_data_overview"), ("loyalty_shop", "01_loyalty_measurement"),
                          ("retention_shop", "04_retention_vs_acquisition")):
        page = (tmp_path / "out" / run / f"{notebook}.html").read_text()
        assert "Singular matrix" not in page, run
        assert not warning_text.search(page), (run, warning_text.search(page).group(0))
        assert pooled in html.unescape(page), run
    scores = pd.read_csv(tmp_path / "out" / "loyalty_shop" / "customer_scores.csv", dtype={"customer_id": str})
    assert set(scores["customer_id"]) == set(pd.read_csv(tmp_path / "shop" / "customers.csv", dtype=str)["customer_id"])
