"""The presentation layer: numbers for people (relmkt_utils.present)."""
import numpy as np
import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from relmkt_utils.present import escape, fmt, key_numbers, p_text, table_html
from relmkt_utils.present.tables import formatted, kind_of


def test_kinds_from_names_and_values():
    assert kind_of("customers", pd.Series([5919.0, 12.0])) == "count"
    assert kind_of("repeat_rate", pd.Series([0.3])) == "share"
    assert kind_of("p_value", pd.Series([0.2])) == "p"
    assert kind_of("revenue", pd.Series([1.5])) == "money"
    assert kind_of("whatever", pd.Series([1.0, 2.0])) == "integer"
    assert kind_of("whatever", pd.Series([1.5])) == "number"
    # "X per Y" is of X's kind: a reward per conversion is money, not a conversion rate
    assert kind_of("reward_per_conversion", pd.Series([40.0])) == "money"
    assert kind_of("orders_per_year", pd.Series([3.0, 5.0])) == "count"
    assert kind_of("value_per_customer", pd.Series([12.5])) == "money"


def test_cells_read_like_a_report():
    df = pd.DataFrame({"customers": [5919.0, 12.0], "share": [0.2345, 0.5], "revenue": [1234.5, np.nan],
                       "p_value": [0.0001, 0.2], "estimate": [1.5, 2.0], "lower": [1.0, 1.5], "upper": [2.0, 2.5],
                       "converged": [True, False]})
    out = formatted(df, "EUR")
    assert out["customers"].tolist() == ["5,919", "12"]
    assert out["share"].tolist() == ["23.4%", "50.0%"]
    assert out["revenue"].tolist() == ["1,234.50 EUR", "—"]
    assert out["p"].tolist() == ["< 0.001", "0.200"]
    assert out["estimate (95% CI)"].tolist() == ["1.50 (1.00 to 2.00)", "2.00 (1.50 to 2.50)"]
    assert out["converged"].tolist() == ["yes", "no"]
    assert "lower" not in out and "upper" not in out


def test_no_index_column_unless_it_means_something():
    assert list(formatted(pd.DataFrame({"a": [1]})).columns) == ["a"]
    named = pd.DataFrame({"n": [3]}, index=pd.Index(["social"], name="relationship_level"))
    assert list(formatted(named).columns) == ["relationship level", "n"]


def test_html_is_escaped_and_numbers_right_aligned():
    html = table_html(pd.DataFrame({"group": ["<script>x</script>"], "customers": [3.0]}))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<td class=num>3</td>" in html


def test_sentences_and_summaries():
    assert p_text(0.0) == "< 0.001" and p_text(0.0421) == "= 0.042"
    rows = key_numbers([("customers", 5919.0, "count"), ("ROI", -0.28, "share"), ("CLV", None, "money")], "EUR").df
    assert rows["value"].tolist() == ["5,919", "−28.0%", "—"]
    assert fmt(-0.0001, "share") == "0.0%"


def test_escape_shows_values_as_typed():
    from nbconvert.filters.markdown_mistune import markdown2html_mistune as md

    for value in ("<script>alert(1)</script>", "*bold* `code` $x$", "[l](javascript:x)", "Q&A_1"):
        rendered = md(escape(value))
        assert "<script" not in rendered and "<em>" not in rendered and "<code>" not in rendered and "<a " not in rendered


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.none()), min_size=1, max_size=20))
def test_every_number_becomes_text_without_none_or_nan(values):
    shares = [v if v is None or not math.isfinite(v) else abs(v) % 1 for v in values]   # a share lies in [0, 1]
    out = formatted(pd.DataFrame({"value": values, "share": shares, "revenue": values}), "EUR")
    cells = out.to_numpy().ravel().tolist()
    assert all(isinstance(c, str) and c not in ("None", "nan", "NaN") for c in cells)
    # a whole number is not shown as "5.000", and a nonzero number never as zero
    shown = out["value"].tolist()
    for x, text in zip(values, shown):
        if x is not None and math.isfinite(x) and x == round(x) and abs(x) < 1e15:
            assert not text.endswith(".000"), (x, text)
        if x is not None and math.isfinite(x) and x != 0:
            assert text.strip("-0.,") != "", (x, text)


def test_rows_of_their_own_kind_and_decimals():
    """A P&L mixes counts, money and a ROI in one column; a recovery table sets 0.17 beside 520.9.
    Each row is read as what it is (the referral report printed "ROI -0.28 EUR" and "0.2 (0.2 to 0.2)")."""
    from relmkt_utils.core.estimate import Estimate, recovery_table
    from relmkt_utils.referral import program_pnl
    from relmkt_utils.referral.incrementality import incrementality_test

    pnl = formatted(program_pnl(520.88, 46.87, 723, 25, 15, 5000).set_index("line"), "EUR")
    amounts = dict(zip(pnl["line"], pnl["amount"]))
    assert amounts["ROI"] == "−28.0%" and amounts["incremental customers"] == "521"
    assert amounts["rewarded conversions (including those that would have come anyway)"] == "723" and amounts["total cost"] == "33,920.00 EUR"
    rec = formatted(recovery_table({"lift": Estimate(0.1732, 0.1521, 0.1943, 0.0107),
                                    "customers": Estimate(520.88, 457.9, 583.8, 32.1)},
                                   {"lift": 0.1475, "customers": 443.9}))
    est = dict(zip(rec[""], rec["estimate (95% CI)"]))
    assert est["lift"] == "0.173 (0.152 to 0.194)" and est["customers"] == "520.9 (457.9 to 583.8)"
    assert dict(zip(rec[""], rec["truth"]))["lift"] == "0.147"
    rng = np.random.default_rng(1)
    outcomes = pd.DataFrame({"program": np.repeat([1, 0], 200), "any_new": rng.integers(0, 2, 400)})
    outcomes["new_customers"] = outcomes["any_new"] * rng.integers(1, 3, 400)
    inc = formatted(incrementality_test(outcomes).table)
    cells = dict(zip(inc[""], inc["program"]))
    assert cells["customers"] == "200" and cells["share with >= 1 new customer"].endswith("%")


def test_a_share_above_one_is_refused_not_printed_as_8500_percent():
    """Issue 21: the Reichheld & Sasser table printed 85% as 8,500% (a share multiplied by 100 twice)."""
    import pytest

    with pytest.raises(ValueError, match="share but holds 85"):
        formatted(pd.DataFrame({"profit share": [85.0, 50.0]}))
    assert formatted(pd.DataFrame({"profit change": [0.85, 1.6]}))["profit change"].tolist() == ["+85.0%", "+160.0%"]
    assert formatted(pd.DataFrame({"uplift": [-0.05]}))["uplift"].tolist() == ["−5.0%"]
