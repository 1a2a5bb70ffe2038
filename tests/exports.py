"""Seeded raw order exports with the quirks of a real shop, for the tests of ``relmkt import``.

:func:`online_retail` writes an order-line file in the layout of the UCI Online Retail export (Chen,
Sain & Guo 2012: InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID,
Country) with its quirks: customers in dozens of countries, most of them with a handful of customers;
cancellations as negative lines of an invoice with a "C" prefix (a line or two of an order days later,
a whole order minutes later -- the only order of the last three customers of the first country --, and a
few cancellations of purchases made before the export begins);
about a quarter of the lines without a customer (guest orders); customer ids written as floats
(``12346.0``); month-first dates without leading zeros (``12/1/2010 8:26``); free items (price 0) and
a few dates that are no date in any order (``2/30/2011``).

Customers buy as in the BG/NBD story (Fader, Hardie & Lee 2005): a Poisson rate drawn from a gamma
distribution while alive, and after each purchase a dropout with a probability drawn from a beta
distribution, so that the notebooks find repeat buyers, lapsed ones and a customer base to model. Each
customer has her own basket (lines per order and a quantity scale, gamma distributed), so that spend
per order varies between customers as the Gamma-Gamma model assumes (Fader, Hardie & Lee 2005b).

The generator keeps its own account (:class:`ExportTruth`): the cancellations that have no earlier
purchase to be netted against and the customers of each country, so a test can check the importer
against what was written without the importer's help. The file itself is read back by the tests with
plain ``csv`` and ``Decimal`` (:func:`file_lines`).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

#: 10 countries with 30 customers or more, 30 with fewer (40 in all), as in a shop that sells abroad.
LARGE = (("United Kingdom", 110), ("Germany", 62), ("France", 58), ("EIRE", 56), ("Spain", 36), ("Belgium", 35),
         ("Switzerland", 34), ("Portugal", 33), ("Netherlands", 33), ("Norway", 32))
SMALL = ("Italy", "Finland", "Austria", "Sweden", "Denmark", "Poland", "Japan", "Australia", "Cyprus", "Channel Islands",
         "Iceland", "Singapore", "Israel", "Greece", "Canada", "Malta", "Lithuania", "USA", "Czech Republic",
         "United Arab Emirates", "Lebanon", "Brazil", "Bahrain", "RSA", "Saudi Arabia", "European Community",
         "Hong Kong", "Unspecified", "Korea", "Thailand")
PRICES = (0.42, 0.85, 1.25, 1.65, 2.1, 2.95, 3.75, 4.95, 7.95, 12.75)
START = datetime(2010, 12, 1, 8, 0)
DAYS = 373                                                   # 2010-12-01 to 2011-12-09, as the UCI file


def countries(seed: int = 0) -> list[tuple[str, int]]:
    """The 40 countries and their number of customers: :data:`LARGE`, and each of :data:`SMALL` with 1 to 9."""
    rng = np.random.default_rng(seed)
    return list(LARGE) + [(name, int(rng.integers(1, 10))) for name in SMALL]


@dataclass
class ExportTruth:
    """What the generator knows: the customers of each country, the cancellations written before any
    purchase of their customer (``orphan_returns``, amounts as exact decimals, positive), and the number
    of whole orders cancelled the same day (``customers_cancelled`` of them the only order of a customer)."""

    customers: dict = field(default_factory=dict)
    orphan_returns: list = field(default_factory=list)
    whole_orders_cancelled: int = 0
    customers_cancelled: int = 0


def _stamp(when: datetime, style: str) -> str:
    if style == "month first":
        return f"{when.month}/{when.day}/{when.year} {when.hour}:{when.minute:02d}"
    if style == "day first":
        return f"{when.day:02d}/{when.month:02d}/{when.year} {when.hour:02d}:{when.minute:02d}"
    if style == "ambiguous":                                  # day and month both 12 or less: no order to see
        return f"{when.month}/{min(when.day, 12)}/{when.year} {when.hour}:{when.minute:02d}"
    return when.strftime("%Y-%m-%d %H:%M:%S")


def online_retail(path: Path, seed: int = 1, country_sizes: list[tuple[str, int]] | None = None,
                  date_style: str = "month first", guest_share: float = 0.25) -> tuple[Path, ExportTruth]:
    """Write ``path`` (CSV) and return it with the :class:`ExportTruth`.

    ``date_style``: ``"month first"`` (``12/1/2010 8:26``), ``"day first"`` (``01/12/2010 08:26``),
    ``"ambiguous"`` (month first with every day 12 or less) or ``"iso"``. ``guest_share``: the share of
    lines without a customer (guest orders of the same shape).
    """
    rng = np.random.default_rng(seed)
    sizes = country_sizes if country_sizes is not None else countries(seed)
    truth = ExportTruth()
    rows: list[dict] = []
    invoice = [536365]
    customer = 12346

    def order(cid: str, country: str, when: datetime, bad_date: bool, basket: tuple[float, float]) -> list[dict]:
        invoice[0] += 1
        stamp = f"2/30/2011 {when.hour}:{when.minute:02d}" if bad_date else _stamp(when, date_style)
        lines = []
        for _ in range(min(1 + int(rng.poisson(basket[0])), 15)):
            price = 0.0 if rng.random() < 0.02 else float(rng.choice(PRICES))
            code = int(rng.integers(20000, 90000))
            lines.append({"InvoiceNo": str(invoice[0]), "StockCode": str(code), "Description": f"ITEM {code}",
                          "Quantity": str(max(1, round(int(rng.choice([1, 2, 3, 4, 6, 12])) * basket[1]))),
                          "InvoiceDate": stamp,
                          "UnitPrice": f"{price:g}", "CustomerID": cid, "Country": country, "_t": when})
        return lines

    def cancel(lines: list[dict], when: datetime, whole: bool) -> list[dict]:
        invoice[0] += 1
        chosen = lines if whole else [lines[int(i)] for i in rng.choice(len(lines), size=min(2, len(lines)), replace=False)]
        out = []
        for line in chosen:
            qty = int(line["Quantity"]) if whole else int(rng.integers(1, int(line["Quantity"]) + 1))
            out.append({**line, "InvoiceNo": f"C{invoice[0]}", "Quantity": str(-qty), "InvoiceDate": _stamp(when, date_style),
                        "_t": when})
        return out

    def life(cid: str, country: str, cancel_all: bool = False) -> None:
        rate = rng.gamma(1.3, 1 / 30)                            # purchases per day while alive
        drop = rng.beta(1.0, 5.0)                                # dropout probability after a purchase
        basket = (rng.gamma(2.0, 1.2), rng.gamma(2.0, 0.6))      # her lines per order (- 1) and quantity scale
        when = START + timedelta(days=float(rng.uniform(0, DAYS * 0.75)), hours=float(rng.uniform(0, 9)))
        if cid and rng.random() < 0.03:                          # cancels something bought before the export began
            before = when - timedelta(days=float(rng.uniform(1, 20)))
            if before >= START and before.date() < when.date():
                qty, price = int(rng.integers(1, 5)), float(rng.choice(PRICES))
                invoice[0] += 1
                rows.append({"InvoiceNo": f"C{invoice[0]}", "StockCode": "22423", "Description": "REGENCY CAKESTAND",
                             "Quantity": str(-qty), "InvoiceDate": _stamp(before, date_style), "UnitPrice": f"{price:g}",
                             "CustomerID": cid, "Country": country, "_t": before})
                truth.orphan_returns.append(Decimal(qty) * Decimal(f"{price:g}"))
        while when < START + timedelta(days=DAYS):
            bad = rng.random() < 0.004 and not cancel_all
            lines = order(cid, country, when, bad, basket)
            rows.extend(lines)
            if cancel_all:                                      # one order, cancelled whole: nothing is left
                rows.extend(cancel(lines, when + timedelta(minutes=1), whole=True))
                truth.whole_orders_cancelled += 1
                truth.customers_cancelled += 1
                break
            if not bad and rng.random() < 0.08:                  # a line or two sent back days later
                later = when + timedelta(days=float(rng.uniform(0.5, 20)))
                if later < START + timedelta(days=DAYS):
                    rows.extend(cancel(lines, later, whole=False))
            elif not bad and rng.random() < 0.03:                # the whole order cancelled minutes later
                later = when + timedelta(minutes=float(rng.uniform(5, 30)))
                if later.date() == when.date():
                    rows.extend(cancel(lines, later, whole=True))
                    truth.whole_orders_cancelled += bool(cid)
            if rng.random() < drop:
                break
            when += timedelta(days=float(rng.exponential(1 / rate)), minutes=float(rng.uniform(-60, 60)))

    for country, n in sizes:
        for _ in range(n):
            cid = f"{customer}.0"
            truth.customers.setdefault(country, []).append(str(customer))
            customer += 1
            life(cid, country, cancel_all=country == sizes[0][0] and n - len(truth.customers[country]) < 3)
    n_customer_lines = len(rows)
    guests = int(round(n_customer_lines * guest_share / (1 - guest_share)))
    while guests > 0:                                           # guest orders: no customer id
        before = len(rows)
        life("", str(rng.choice([c for c, _ in sizes])))
        guests -= len(rows) - before
    rows.sort(key=lambda r: r.pop("_t"))                        # in time order, as a shop's system writes them
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path, truth


def file_lines(path: Path) -> list[dict]:
    """The lines of an export as plain dicts, read with ``csv`` (no pandas), with ``amount`` = Quantity x
    UnitPrice as an exact Decimal and ``customer`` the id without a ``.0`` (None when empty)."""
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            cid = row["CustomerID"].strip()
            row["customer"] = (cid[:-2] if cid.endswith(".0") else cid) or None
            row["amount"] = Decimal(row["Quantity"]) * Decimal(row["UnitPrice"])
            out.append(row)
    return out
