"""Issue 24: ``relmkt import`` on exports nobody tuned to -- strict dates and a reconciliation from the
file's own totals.

The exports are made by :func:`exports.online_retail` (the quirks of the UCI Online Retail file:
month-first dates ``12/1/2010 8:26``, a quarter of the lines without a customer, cancellations as
negative "C" invoices, ids ``12346.0``, 40 countries). What the import must make of them is computed here
from the file with ``csv``, ``datetime`` and ``Decimal``, not with the importer's pandas code.
"""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relmkt_utils.core.errors import DataError
from relmkt_utils.data.export_dates import read_dates
from relmkt_utils.data.importer import import_orders
from relmkt_utils.data.reconciliation import line_amounts

from exports import file_lines, online_retail

RETAIL = dict(customer_col="CustomerID", date_col="InvoiceDate", order_col="InvoiceNo", quantity_col="Quantity",
              price_col="UnitPrice", attributes=["Country"], currency="GBP")
CLI = ("--customer-col", "CustomerID", "--date-col", "InvoiceDate", "--order-col", "InvoiceNo", "--quantity-col",
       "Quantity", "--price-col", "UnitPrice", "--attribute", "Country", "--currency", "GBP")


def relmkt(*args, **kw):
    return subprocess.run([sys.executable, "-m", "relmkt_utils", *map(str, args)], capture_output=True, text=True,
                          timeout=300, **kw)


def one_sentence(res) -> str:
    """The CLI's message on a user mistake: exit 2, no traceback, one ``relmkt:`` line."""
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    lines = [line for line in res.stderr.splitlines() if line.startswith("relmkt:")]
    assert len(lines) == 1, res.stderr
    return lines[0]


def readings(text: str) -> tuple[date | None, date | None]:
    """The day of ``m/d/yyyy h:mm`` read month first and read day first (None where it is no date)."""
    m, d, y = (int(x) for x in text.split()[0].split("/"))

    def day(year, month, dom):
        try:
            return date(year, month, dom)
        except ValueError:
            return None
    return day(y, m, d), day(y, d, m)


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    path, truth = online_retail(tmp_path_factory.mktemp("export") / "online_retail.csv", seed=5)
    return path, truth, file_lines(path)


# ================================================================================================ dates

def test_month_first_dates_under_dayfirst_are_refused_with_file_column_lines_values(export, tmp_path):
    path, _, lines = export
    wrong = [i + 2 for i, line in enumerate(lines) if readings(line["InvoiceDate"])[1] is None
             and readings(line["InvoiceDate"])[0] is not None]              # a date month first only
    assert len(wrong) > 1000
    message = one_sentence(relmkt("import", path, "--out", tmp_path / "shop", *CLI, "--dayfirst"))
    assert (f"relmkt: online_retail.csv, column 'InvoiceDate': {len(wrong):,} values are not dates when read day "
            "first (--dayfirst)") in message
    assert f"lines {', '.join(map(str, wrong[:5]))} and {len(wrong) - 5} more" in message
    assert f'values "{lines[wrong[0] - 2]["InvoiceDate"]}"' in message
    assert "(valid only month first: the file's dates are not day first; give --monthfirst" in message
    assert not (tmp_path / "shop").exists()
    with pytest.raises(DataError, match=r"values are not dates when read with the format %d/%m/%Y %H:%M \(valid "
                                        r"with day and month swapped \(%m/%d/%Y %H:%M\)"):
        import_orders(path, tmp_path / "shop", **RETAIL, date_format="%d/%m/%Y %H:%M")


def test_the_inferred_order_is_stated_with_its_reason_range_and_examples(export, tmp_path):
    path, _, lines = export
    res = relmkt("import", path, "--out", tmp_path / "shop", *CLI)
    assert res.returncode == 0, res.stderr
    only_month = sum(1 for line in lines if readings(line["InvoiceDate"])[1] is None
                     and readings(line["InvoiceDate"])[0] is not None)
    both = sum(1 for line in lines if None not in readings(line["InvoiceDate"]))
    assert (f"dates: read month first, inferred: {only_month:,} lines with a date that reads only month first (e.g. "
            in res.stdout)
    assert f"none only day first; the {both:,} lines that read either way are read month first too" in res.stdout
    days = [readings(line["InvoiceDate"])[0] for line in lines if readings(line["InvoiceDate"])[0]]
    range_line = next(line for line in res.stdout.splitlines() if line.startswith(f"  {min(days)} to {max(days)}; e.g. "))
    shown = re.findall(r'"([^"]+)" -> (\d{4}-\d\d-\d\d)', range_line)
    assert len(shown) == 3 and all(readings(raw)[0].isoformat() == day for raw, day in shown)
    assert any(readings(raw)[1] is None for raw, _ in shown)                  # one example shows the order
    # every transaction is on its order's month-first day
    first_day = {}
    for line in lines:
        if line["customer"] and Decimal(line["UnitPrice"]) > 0 and not line["InvoiceNo"].startswith("C"):
            first_day.setdefault(line["InvoiceNo"], readings(line["InvoiceDate"])[0])
    tx = pd.read_csv(tmp_path / "shop" / "transactions.csv", dtype=str)
    assert all(first_day[o].isoformat() == d for o, d in zip(tx["order_id"], tx["date"]))
    assert "dates read month first (inferred)" in (tmp_path / "shop" / "dataset.yml").read_text()


def test_all_ambiguous_dates_are_refused_and_the_order_asked_for(tmp_path):
    path, _ = online_retail(tmp_path / "export.csv", seed=6, country_sizes=[("France", 20), ("EIRE", 5)],
                            date_style="ambiguous")
    message = one_sentence(relmkt("import", path, "--out", tmp_path / "shop", *CLI))
    assert "column 'InvoiceDate': the order of day and month cannot be told" in message
    assert "give --dayfirst, --monthfirst or --date-format, e.g. --date-format '%d/%m/%Y %H:%M' or '%m/%d/%Y %H:%M'" \
        in message
    assert re.search(r'lines 2, 3, 4, 5, 6 and \d+ more; values "\d+/\d+/20\d\d \d+:\d\d"', message)
    res = relmkt("import", path, "--out", tmp_path / "shop", *CLI, "--monthfirst")
    assert res.returncode == 0 and "dates: read month first, as given" in res.stdout, res.stderr


def test_dates_that_point_both_ways_are_refused_with_examples_of_both(export, tmp_path):
    path, _, lines = export
    text = path.read_text().splitlines()
    k = next(i for i, line in enumerate(lines) if readings(line["InvoiceDate"])[1] is None and i > 50)
    text[k + 1] = text[k + 1].replace(lines[k]["InvoiceDate"], "13/1/2011 9:05")       # one day-first line
    (tmp_path / "mixed.csv").write_text("\n".join(text) + "\n")
    message = one_sentence(relmkt("import", tmp_path / "mixed.csv", "--out", tmp_path / "shop", *CLI))
    assert "the dates are day first in some lines and month first in others" in message
    assert f'1 line with a date that reads only day first (line {k + 2}: "13/1/2011 9:05")' in message
    assert re.search(r'lines with one that reads only month first \(lines \d+, \d+, \d+: "\d+/\d+/\d{4} \d+:\d\d"', message)
    message = one_sentence(relmkt("import", tmp_path / "mixed.csv", "--out", tmp_path / "shop", *CLI, "--monthfirst"))
    assert "1 value is not a date when read month first (--monthfirst) (valid only day first" in message
    assert f'line {k + 2}; values "13/1/2011 9:05"' in message


def test_a_date_option_of_the_command_replaces_the_mapping_files(export, tmp_path):
    path, _, _ = export
    (tmp_path / "map.yml").write_text("customer_col: CustomerID\ndate_col: InvoiceDate\ndayfirst: true\n"
                                      "order_col: InvoiceNo\nquantity_col: Quantity\nprice_col: UnitPrice\n")
    assert "read day first" in one_sentence(relmkt("import", path, "--out", tmp_path / "a", "--mapping", tmp_path / "map.yml"))
    res = relmkt("import", path, "--out", tmp_path / "b", "--mapping", tmp_path / "map.yml", "--monthfirst")
    assert res.returncode == 0 and "dates: read month first, as given" in res.stdout, res.stderr
    (tmp_path / "map2.yml").write_text("customer_col: CustomerID\ndate_col: InvoiceDate\nmonthfirst: true\n"
                                       "order_col: InvoiceNo\nquantity_col: Quantity\nprice_col: UnitPrice\n")
    res = relmkt("import", path, "--out", tmp_path / "c", "--mapping", tmp_path / "map2.yml")
    assert res.returncode == 0 and "dates: read month first, as given" in res.stdout, res.stderr
    message = one_sentence(relmkt("import", path, "--out", tmp_path / "d", *CLI, "--dayfirst", "--monthfirst"))
    assert "not allowed with argument" in message
    with pytest.raises(DataError, match="give one of date_format .* not several"):
        import_orders(path, tmp_path / "e", **RETAIL, dayfirst=True, monthfirst=True)


@settings(max_examples=60, deadline=None)
@given(days=st.lists(st.integers(0, 3000), min_size=1, max_size=30), dayfirst=st.booleans(), sep=st.sampled_from("/.-"),
       pad=st.booleans(), clock=st.sampled_from(["", " 8:26", " 23:59:59", " 11:05 PM"]))
def test_dates_come_back_in_the_order_written(days, dayfirst, sep, pad, clock):
    """Property: dates written in one order are read back exactly, given that order; inferred when one
    of them has a day above 12; refused in the other order exactly when one of them has a day above 12."""
    when = [date(2009, 1, 1) + timedelta(days=d) for d in days]
    f = "{:02d}" if pad else "{}"
    text = pd.Series([(f.format(w.day) + sep + f.format(w.month) if dayfirst else f.format(w.month) + sep + f.format(w.day))
                      + f"{sep}{w.year}{clock}" for w in when])
    expected = [pd.Timestamp(w) for w in when]
    given_order = read_dates(text, dayfirst=dayfirst, monthfirst=not dayfirst)
    assert given_order.dates.tolist() == expected
    if any(w.day > 12 for w in when):
        inferred = read_dates(text)
        assert inferred.dates.tolist() == expected and inferred.order == ("day first" if dayfirst else "month first")
        with pytest.raises(DataError, match="(values are not dates|value is not a date) when read"):
            read_dates(text, dayfirst=not dayfirst, monthfirst=dayfirst)
    elif any(w.day != w.month for w in when):
        with pytest.raises(DataError, match="the order of day and month cannot be told"):
            read_dates(text)


def test_year_first_and_named_months_need_no_order_and_zones_count_on_the_utc_day():
    r = read_dates(pd.Series(["2010-12-01", "2010-12-01T23:30:00-05:00", "1 Dec 2010", "Dec 3, 2010 08:00",
                              "2010/12/05 8:00", "n/a", "", None]))
    assert r.order == "year first or with the month's name" and "one reading only" in r.reason
    assert [d.date().isoformat() if d is not pd.NaT else None for d in r.dates] == \
        ["2010-12-01", "2010-12-02", "2010-12-01", "2010-12-03", "2010-12-05", None, None, None]
    with pytest.raises(DataError, match=r'no value is a date in any form relmkt reads.*values "n/a", "soon"'):
        read_dates(pd.Series(["n/a", "soon"]))


# ================================================================================================ reconciliation

def _signed(rows) -> dict:
    p = [r for r in rows if r["amount"] > 0]
    n = [r for r in rows if r["amount"] < 0]
    return dict(purchase_lines=len(p), purchase_amount=sum((r["amount"] for r in p), Decimal(0)),
                return_lines=len(n), return_amount=sum((r["amount"] for r in n), Decimal(0)))


def _printed(text: str, first: str, last: str) -> list[tuple[str, list[Decimal]]]:
    """The kind (start, step, total) and numbers of the printed rows from the row ``first`` to the row ``last``."""
    rows, inside = [], False
    for line in text.splitlines():
        body = line.strip()
        label = body.lstrip("-= ")
        inside = inside or label.startswith(first)
        found = re.fullmatch(r"(.*?)\s{2,}([-+\d,.\s]+)", label)
        if inside and found:
            rows.append(({"-": "step", "=": "total"}.get(body[:1], "start"),
                         [Decimal(x.replace(",", "")) for x in found.group(2).split()]))
            if label.startswith(last):
                return rows
    raise AssertionError(f"no rows {first}..{last} in\n{text}")


def _adds_up(rows) -> bool:
    running = None
    for kind, numbers in rows:
        if kind == "start":
            running = numbers
        elif kind == "step":
            running = [a + b for a, b in zip(running, numbers)]
        elif numbers != running:
            return False
    return True


@pytest.mark.parametrize("returns", ["net", "drop", "keep"])
def test_the_reconciliation_starts_from_the_files_own_totals_and_adds_up_to_what_was_written(export, tmp_path, returns):
    path, truth, lines = export
    report = import_orders(path, tmp_path / "shop", **RETAIL, returns=returns)
    recon = report.reconciliation
    rows = {r.what: r for r in recon.lines}
    # the first line is the file: every line, the net amount of every line as the file has it
    start = recon.lines[0]
    assert start.what == "the file" and start.lines == len(lines)
    assert start.amount == sum(line["amount"] for line in lines)
    assert {k: getattr(start, k) for k in _signed(lines)} == _signed(lines)
    # each step on the same basis for purchases and returns (removed: negative)
    no_customer = [line for line in lines if line["customer"] is None]
    rest = [line for line in lines if line["customer"] is not None]
    no_date = [line for line in rest if readings(line["InvoiceDate"])[0] is None]
    rest = [line for line in rest if readings(line["InvoiceDate"])[0] is not None]
    zero = [line for line in rest if line["amount"] == 0]
    kept = [line for line in rest if line["amount"] != 0]
    for what, removed in (("no customer id", no_customer), ("unparseable date", no_date), ("zero amount", zero)):
        got = {k: getattr(rows[what], k) for k in _signed(removed)}
        assert got == {k: -v for k, v in _signed(removed).items()}, what
        assert rows[what].lines == -len(removed), what
    assert len(no_customer) / len(lines) == pytest.approx(0.25, abs=0.03) and no_date and zero
    assert rows["unparseable date"].examples[0].startswith('"2/30/2011 ')
    assert {k: getattr(rows["lines kept"], k) for k in _signed(kept)} == _signed(kept)
    # every total is its start plus the steps above it, exactly (lines and amounts, both blocks)
    for block, keys in ((recon.lines, ("lines", "amount", "purchase_lines", "purchase_amount", "return_lines",
                                       "return_amount")), (recon.transactions, ("transactions", "amount", "customers"))):
        for key in keys:
            running = getattr(block[0], key)
            for row in block[1:]:
                if row.kind == "step":
                    running += getattr(row, key)
                else:
                    assert getattr(row, key) == running, (row.what, key)
    # the last line is what was written, to the last digit
    tx = pd.read_csv(tmp_path / "shop" / "transactions.csv", dtype=str)
    customers = pd.read_csv(tmp_path / "shop" / "customers.csv", dtype=str)
    written = sum((Decimal(a) for a in tx["amount"]), Decimal(0))
    assert recon.lines[-1].amount == recon.transactions[-1].amount == written
    assert recon.transactions[-1].transactions == len(tx) and recon.transactions[-1].customers == len(customers)
    buyers = {line["customer"] for line in kept if line["amount"] > 0}
    assert recon.transactions[0].customers == len(buyers)
    returned = -sum((line["amount"] for line in kept if line["amount"] < 0), Decimal(0))
    purchased = sum((line["amount"] for line in kept if line["amount"] > 0), Decimal(0))
    if returns == "net":
        unmatched = rows["return amount with nothing to net against"]
        assert unmatched.return_amount == sum(truth.orphan_returns) and unmatched.return_lines == -len(truth.orphan_returns)
        assert written == purchased - returned + sum(truth.orphan_returns)
        removed = recon.transactions[1]
        assert removed.what == "orders netted to nothing: removed" and removed.transactions <= -truth.whole_orders_cancelled < 0
        assert removed.customers == len(customers) - len(buyers) <= -truth.customers_cancelled < 0   # nothing left
    else:
        assert written == purchased and len(recon.transactions) == 2
    if returns == "keep":
        kept_apart = pd.read_csv(tmp_path / "shop" / "returns.csv", dtype=str)["amount"]
        assert sum(Decimal(a) for a in kept_apart) == returned
    # the printout adds up the same way: a reader with a calculator gets the last line from the first
    text = report.text()
    block = _printed(text, "the file", "purchase lines into transactions")
    assert block[0] == ("start", [len(lines), start.amount, start.purchase_lines, start.purchase_amount,
                                  start.return_lines, start.return_amount]) and _adds_up(block)
    orders = _printed(text, "purchase lines rolled up", "transactions written")
    assert _adds_up(orders) and orders[-1] == ("total", [len(tx), written, len(customers)])


def test_a_file_of_order_totals_and_parquet_floats_reconcile_exactly(tmp_path):
    """Amounts such as 0.1 + 0.2 add up exactly as decimals (0.30000000000000004 as floats), from a CSV
    amount column and from the floats of a Parquet file."""
    frame = pd.DataFrame({"cust": ["a", "a", "b", "b", "c"], "day": ["2024-01-02", "2024-01-02", "2024-01-05",
                                                                       "2024-02-01", "2024-02-03"],
                          "amount": [0.1, 0.2, 0.7, -0.1, 1e-3]})
    frame.to_csv(tmp_path / "o.csv", index=False)
    frame.to_parquet(tmp_path / "o.parquet")
    for name in ("o.csv", "o.parquet"):
        r = import_orders(tmp_path / name, tmp_path / name.replace(".", "_"), customer_col="cust", date_col="day",
                          amount_col="amount", returns="net")
        assert r.reconciliation.lines[0].amount == Decimal("0.901") and r.reconciliation.scale == 3
        assert r.reconciliation.lines[-1].amount == Decimal("0.901")
        assert r.reconciliation.transactions[0].amount == Decimal("0.901")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(-50, 50), st.decimals(min_value=0, max_value=1000, places=3,
                                                            allow_nan=False, allow_infinity=False)),
                min_size=1, max_size=40))
def test_line_amounts_are_exact(pairs):
    """Property: quantity x price summed over any lines is the exact decimal sum; each float is the
    float nearest its exact amount."""
    q = pd.Series([str(a) for a, _ in pairs])
    p = pd.Series([str(b) for _, b in pairs])
    amounts = line_amounts(quantity=q, price=p)
    exact = [Decimal(a) * b for a, b in pairs]
    assert amounts.total() == sum(exact, Decimal(0)) and amounts.known.all()
    assert amounts.floats.tolist() == [float(x) for x in exact]


def test_unreadable_amounts_are_a_step_of_their_own_with_examples(tmp_path):
    pd.DataFrame({"cust": ["a", "a", "b", "b"], "day": ["2024-01-02", "2024-01-03", "2024-01-05", "2024-01-06"],
                  "amount": ["10.50", "12,50", "n/a", "4"]}).to_csv(tmp_path / "o.csv", index=False)
    r = import_orders(tmp_path / "o.csv", tmp_path / "o", customer_col="cust", date_col="day", amount_col="amount")
    rows = {row.what: row for row in r.reconciliation.lines}
    assert rows["the file"].lines == 4 and rows["the file"].amount == Decimal("14.50")
    assert rows["unparseable amount"].lines == -2 and rows["unparseable amount"].amount == 0
    assert rows["unparseable amount"].examples == ('"12,50"', '"n/a"')
    assert "no amount to count" in r.text()
    pd.DataFrame({"cust": ["a", "a", "b"], "day": ["2024-01-02", "2024-01-03", "2024-01-05"], "qty": ["2", "", "1"],
                  "price": ["1.5", "3", ""]}).to_csv(tmp_path / "q.csv", index=False)
    r = import_orders(tmp_path / "q.csv", tmp_path / "q", customer_col="cust", date_col="day", quantity_col="qty",
                      price_col="price")
    rows = {row.what: row for row in r.reconciliation.lines}
    assert rows["the file"].amount == 3 and rows["unparseable amount"].lines == -2
    assert rows["unparseable amount"].examples == ('"(empty) x 3"', '"1 x (empty)"')


def test_amounts_beyond_the_ten_digits_of_the_datasets_csv_are_named(tmp_path):
    pd.DataFrame({"cust": ["a", "b"], "day": ["2024-01-02", "2024-01-03"],
                  "amount": ["12345678.905", "10.5"]}).to_csv(tmp_path / "o.csv", index=False)
    r = import_orders(tmp_path / "o.csv", tmp_path / "o", customer_col="cust", date_col="day", amount_col="amount")
    assert r.reconciliation.lines[-1].amount == Decimal("12345689.405")
    assert "1 transaction amount have more than 10 significant digits" not in r.text()
    assert "note: 1 transaction amount has more than 10 significant digits" in r.text()
