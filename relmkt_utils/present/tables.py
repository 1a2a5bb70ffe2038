"""Tables for people: one formatting of numbers for every table of every report.

:func:`table_html` turns a DataFrame into an HTML table a student can read:

* **integers as integers** (a float column whose values are all whole numbers, e.g. counts after a
  join) with thousands separators: ``5,919``, never ``5,919.000``;
* **money** with the dataset's currency and two decimals (none above 100,000): ``1,234.50 EUR``;
* **shares** (columns named like share, rate, retention, probability, uplift, ROI, ...) as percentages;
* **p-values** as ``< 0.001`` or three decimals;
* **intervals** folded into their estimate: ``12.4 (9.1 to 15.6)`` when a column has ``lower`` and
  ``upper`` companions (``lower``/``upper`` next to ``estimate``/``value``/``coef``/..., or ``x_lower``,
  ``x_upper`` next to ``x``);
* one **missing-value mark**, ``—``, for None, NaN and NaT; booleans as yes/no;
* **human column labels** (``p_alive`` -> "P(alive)", ``n_customers`` -> "customers") and no
  meaningless index column (a default 0..n-1 index is dropped; a named index becomes the first column);
* wide tables scroll inside their box instead of widening the page (the report's CSS);
* **tables whose rows differ** say so in ``df.attrs``: ``row_kinds`` maps a row's label to its kind
  (a P&L with counts, money and a ROI in one column), and ``decimals="row"`` gives each row its own
  decimals over ``row_columns`` (estimates beside their truth, from 0.17 to 520.9).

Which columns are money, shares or counts is read from their names (:data:`KINDS`); a notebook can
say it explicitly with ``kinds={"column": "money"}``. :func:`use` makes this the HTML of every
DataFrame and Series a notebook displays.
"""
from __future__ import annotations

import html
import math
import re

import numpy as np
import pandas as pd

MISSING = "—"

#: Column-name patterns (regular expressions, searched in the lower-case name) and the kind they mean;
#: the first that matches wins.
KINDS: tuple[tuple[str, str], ...] = (
    (r"(^|_)(p|p_?value|pvalue)$", "p"),
    (r"(^|_)(z|t|chi2|statistic|df|alpha|beta|gamma|delta|r|a|b|s|q|k_[ar]|ceiling_[ar]|coef|se|llf|aic|bic|hazard_ratio|odds_ratio|odds|z_score)$", "number"),
    (r"_pct$|percent", "percent"),
    (r"uplift|(^|_)roi($|_)|change|growth|premium|incremental_share|difference_pct|contribution", "change"),
    (r"share|rate|retention|churn|probab|p_alive|conversion|cannibal|gini|top20", "share"),
    (r"(^|_)(n|count|customers|orders|transactions|respondents|tasks|events|n_risk|n_events|buyers|cohorts|"
     r"lines|periods|purchase_days|invitations|conversions|referrers|new_customers|rows)(_|$)", "count"),
    (r"revenue|margin|clv|crv|cost|spend|amount|price|reward|equity|aov|value_per|wtp|profit|cac|income|sales", "money"),
)

LABELS = {
    "p_alive": "P(alive)", "nps": "NPS", "clv": "CLV", "crv": "CRV", "aov": "AOV", "llf": "log-likelihood",
    "aic": "AIC", "bic": "BIC", "se": "std. error", "p_value": "p", "pvalue": "p", "wtp": "WTP", "roi": "ROI",
    "cac": "CAC", "del": "DEL", "derl": "DERL", "coef": "coefficient", "n": "n", "df": "df", "mape": "MAPE",
    "hazard_ratio": "hazard ratio", "top20_share": "top-20% share", "km": "Kaplan-Meier", "pct": "%",
}


def label(name) -> str:
    """A column name as a reader should see it."""
    text = str(name)
    if text in LABELS:
        return LABELS[text]
    words = [LABELS.get(w, w) for w in text.split("_")]
    out = " ".join(words).strip()
    return re.sub(r"^n ", "", out) if out.startswith("n ") else out


def kind_of(name, values: pd.Series) -> str:
    """The kind of a column: p, number, percent, share, count, money, integer, text or bool."""
    if pd.api.types.is_bool_dtype(values):
        return "bool"
    if not pd.api.types.is_numeric_dtype(values):
        return "text"
    text = str(name).lower()
    head = text.split("_per_")[0]         # "reward_per_conversion" is money, "orders_per_year" a count
    for candidate in dict.fromkeys((head, text)):
        for pattern, kind in KINDS:
            if re.search(pattern, candidate):
                if kind == "count" and not _integral(values):
                    continue
                return kind
    return "integer" if _integral(values) else "number"


def _integral(values: pd.Series) -> bool:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return bool(v.size) and bool(np.all(v == np.round(v))) and bool(np.all(np.abs(v) < 1e15))


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NaT or (x is pd.NA)


def fmt(x, kind: str, currency: str = "", decimals: int | None = None) -> str:
    """One value as text for a reader (see the module docstring); ``decimals`` fixes the decimals of a
    plain number (a table gives every value of a column the same, :func:`decimals_for`). A negative
    number is written with the typographic minus (−), as in the prose, whatever its kind."""
    text = _fmt(x, kind, currency, decimals)
    return "−" + text[1:] if text.startswith("-") and kind != "text" and not isinstance(x, str) else text


def _fmt(x, kind: str, currency: str = "", decimals: int | None = None) -> str:
    if _missing(x):
        return MISSING
    if kind == "bool" or isinstance(x, (bool, np.bool_)):
        return "yes" if bool(x) else "no"
    if kind == "text" and isinstance(x, (float, np.floating)):   # a number in a column of mixed values
        if math.isfinite(x) and float(x).is_integer() and abs(x) < 1e15:
            return f"{x:,.0f}"
        d = decimals_for([x])
        return f"{x:,.{d}f}" if d is not None else f"{x:.2e}"
    if kind == "text" or not isinstance(x, (int, float, np.integer, np.floating)):
        if isinstance(x, pd.Timestamp):
            return x.strftime("%Y-%m-%d") if x == x.normalize() else x.strftime("%Y-%m-%d %H:%M")
        return str(x)
    x = float(x)
    if not math.isfinite(x):
        return "∞" if x > 0 else "−∞"
    if kind == "p":
        return "< 0.001" if x < 0.001 else f"{x:.3f}"
    if kind == "share":
        text = f"{100 * x:.1f}%"
        return "0.0%" if text == "-0.0%" else text
    if kind == "percent":
        return "0.0%" if f"{x:.1f}" == "-0.0" else f"{x:.1f}%"
    if kind == "change":                     # a relative change: signed, and it may exceed 100%
        text = f"{100 * x:+.1f}%" if abs(x) < 10 else f"{100 * x:+,.0f}%"
        return "0.0%" if text in ("+0.0%", "-0.0%") else text.replace("-", "−")
    if kind == "points":                     # a difference of two shares, in percentage points
        text = f"{100 * x:+.1f}"
        return ("0.0" if text in ("+0.0", "-0.0") else text.replace("-", "−")) + " percentage points"
    if kind == "ratio":
        return f"{x:,.2f}×" if abs(x) < 100 else f"{x:,.0f}×"
    if kind in ("count", "integer"):
        return f"{x:,.0f}"
    if kind == "money":
        body = f"{x:,.0f}" if abs(x) >= 1e5 else f"{x:,.2f}"
        return f"{body} {currency}".strip()
    if x == 0:
        return "0"                           # an exact zero, not "0.000" beside 0.500
    d = decimals_for([x]) if decimals is None else decimals
    text = f"{x:,.{d}f}" if d is not None else ""
    if not text.strip("-−0.,"):
        return f"{x:.2e}"                    # tiny, or a nonzero value the column's decimals would show as 0
    return text


def p_text(p: float) -> str:
    """A p-value in a sentence: ``< 0.001`` or ``= 0.042``."""
    text = fmt(p, "p")
    return text if text.startswith("<") or text == MISSING else f"= {text}"


def decimals_for(values) -> int | None:
    """Decimals that show a column of plain numbers to about three significant digits of its largest
    value (0 from 10,000 on, 1 from 100, 2 from 1, 3 below); None for tiny values (scientific)."""
    v = np.abs(np.asarray([x for x in values if not _missing(x)], dtype=float))
    v = v[np.isfinite(v)]
    if v.size == 0 or v.max() == 0:
        return 0
    top = v.max()
    if top >= 1e4:
        return 0
    if top >= 100:
        return 1
    if top >= 1:
        return 2
    if top >= 0.001:
        return 3
    return None


ESTIMATE_NAMES = ("estimate", "value", "coef", "mean", "nps", "wtp", "rate", "hazard_ratio", "share", "clv")


def _interval_groups(columns: list[str]) -> dict[str, tuple[str, str]]:
    """Estimate column -> (lower column, upper column) for the intervals a table carries."""
    cols = [str(c) for c in columns]
    groups = {}
    for c in cols:
        if f"{c}_lower" in cols and f"{c}_upper" in cols:
            groups[c] = (f"{c}_lower", f"{c}_upper")
    if "lower" in cols and "upper" in cols:
        first = next((c for c in ESTIMATE_NAMES if c in cols and c not in groups), None)
        if first is None:
            i = cols.index("lower")
            first = cols[i - 1] if i > 0 and cols[i - 1] not in ("upper", "lower") else None
        if first is not None:
            groups[first] = ("lower", "upper")
    return groups


def formatted(df: pd.DataFrame, currency: str = "", kinds: dict | None = None) -> pd.DataFrame:
    """The table with every cell as reader's text, intervals folded and labels set (an object frame)."""
    df = df.copy()
    row_kinds = {str(k): v for k, v in (df.attrs.get("row_kinds") or {}).items()}
    by_row = df.attrs.get("decimals") == "row"
    if isinstance(df.columns, pd.MultiIndex):
        df.columns = [" · ".join(str(p) for p in c if str(p)) for c in df.columns]
    if not isinstance(df.index, pd.RangeIndex) or df.index.name is not None:
        unnamed = df.index.name is None and not isinstance(df.index, pd.MultiIndex)
        df = df.reset_index()
        if unnamed:
            df = df.rename(columns={df.columns[0]: ""})
    df.columns = [str(c) for c in df.columns]
    names = df[df.columns[0]].astype(str).tolist() if len(df.columns) else []   # the rows' labels
    row_kind = [row_kinds.get(n) for n in names] if row_kinds else [None] * len(df)
    kinds = {str(k): v for k, v in (kinds or {}).items()}
    kind = {c: kinds.get(c) or kind_of(c, df[c]) for c in df.columns}
    for c in df.columns:                                  # a share outside [0, 1] is a wrong number, not a format
        if kind[c] == "share" and c not in row_kinds:
            v = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            if v.size and (v.max() > 1 + 1e-9 or v.min() < -1e-9):
                raise ValueError(f"column {c!r} is a share but holds {v.max() if v.max() > 1 else v.min():g}: a share "
                                 "lies in [0, 1] (already a percentage? say kinds={..: 'percent'}; a change? 'change')")
    out = pd.DataFrame(index=df.index)
    value_columns = [c for c in df.columns[1:] if kind[c] != "bool"]
    row_columns = [c for c in df.attrs.get("row_columns", value_columns) if c in value_columns]
    row_decimals = [_row_decimals(df.loc[i, row_columns]) for i in df.index] \
        if (by_row or any(row_kind)) else [None] * len(df)
    groups = _interval_groups(list(df.columns))
    folded = {c for pair in groups.values() for c in pair}
    for c in df.columns:
        if c in folded and c not in groups:
            continue
        k = kind[c]
        related = [c, *groups.get(c, ())]
        d = decimals_for(pd.concat([pd.to_numeric(df[r], errors="coerce") for r in related])) \
            if k == "number" else None
        own = [c != df.columns[0] and (bool(row_kind[i]) or (by_row and c in row_columns)) for i in range(len(df))]
        if k == "bool" or not any(own):
            cells = {r: df[r].map(lambda x, k=k, d=d: fmt(x, k, currency, d)) for r in related}
        else:                                         # a row of its own kind, or decimals per row
            cells = {r: pd.Series([_cell(x, row_kind[i] or k, row_decimals[i] if own[i] else d, currency)
                                   for i, x in enumerate(df[r])], index=df.index) for r in related}
        text = cells[c]
        if c in groups:
            lo, hi = groups[c]
            low, high = cells[lo], cells[hi]
            text = [t if lo_t == MISSING and hi_t == MISSING else f"{t} ({lo_t} to {hi_t})"
                    for t, lo_t, hi_t in zip(text, low, high)]
            out[f"{label(c)} (95% CI)" if c not in ("lower", "upper") else label(c)] = text
        else:
            out[label(c)] = text
    return out


def _row_decimals(values) -> int | None:
    """Decimals of a row's plain numbers: none when they are all whole, else :func:`decimals_for`."""
    v = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return 0 if v.size and np.all(v == np.round(v)) else decimals_for(v)


def _cell(x, kind: str, decimals, currency: str) -> str:
    """One cell of a row that has a kind of its own (``attrs["row_kinds"]``) or its own decimals
    (``attrs["decimals"] == "row"``); text and yes/no stay as they are in a column of mixed values."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        return fmt(x, "text", currency)
    return fmt(x, "number" if kind == "text" else kind, currency, decimals)


def describe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame.describe()`` turned so that each column of ``frame`` is a row, with each row's own
    decimals (frequency 0 to 80 beside a spend of 14.29) and the count as a count."""
    out = frame.describe().T
    out.attrs.update(decimals="row", row_columns=[c for c in out.columns if c != "count"])
    return out


def rows_of_kind(df: pd.DataFrame, kinds: dict) -> pd.DataFrame:
    """``df`` (a copy) whose rows, by label, are of the given kinds: a table turned on its side
    (``tenure.T``: customers at risk, retained, retention rate) keeps counts as counts and rates as %."""
    out = df.copy()
    out.attrs["row_kinds"] = {**out.attrs.get("row_kinds", {}), **kinds}
    return out


def table_html(df, currency: str = "", kinds: dict | None = None, caption: str | None = None) -> str:
    """An HTML table for readers (module docstring); every value is escaped; numbers are right-aligned."""
    if isinstance(df, pd.Series):
        df = df.to_frame(df.name if df.name is not None else "value")
    body = formatted(df, currency, kinds)
    numeric = [bool(body[c].map(lambda v: bool(re.match(r"^[−\-+<]?\s?[\d.,∞]", str(v))) or v == MISSING).all())
               for c in body.columns]
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    head = "".join(f'<th{" class=num" if n else ""}>{html.escape(str(c))}</th>' for c, n in zip(body.columns, numeric))
    rows = "".join("<tr>" + "".join(f'<td{" class=num" if n else ""}>{html.escape(str(v))}</td>'
                                    for v, n in zip(r, numeric)) + "</tr>"
                   for r in body.itertuples(index=False))
    return (f'<div class="relmkt-table"><table class="relmkt">{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></div>")


class Table:
    """A table to display: ``display(Table(df, currency="EUR"))`` renders :func:`table_html`."""

    def __init__(self, df, currency: str = "", kinds: dict | None = None, caption: str | None = None):
        self.df, self.currency, self.kinds, self.caption = df, currency, kinds, caption

    def _repr_html_(self) -> str:
        return table_html(self.df, self.currency, self.kinds, self.caption)

    def __repr__(self) -> str:
        return formatted(self.df if isinstance(self.df, pd.DataFrame) else self.df.to_frame(),
                         self.currency, self.kinds).to_string(index=False)


def use(currency: str = "") -> None:
    """Make :func:`table_html` the HTML of every DataFrame and Series this notebook displays."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["text/html"]
    formatter.for_type(pd.DataFrame, lambda df: table_html(df, currency))
    formatter.for_type(pd.Series, lambda s: table_html(s, currency))


def parameter_label(name) -> str:
    """A model parameter as a reader sees it: ``purchase:channel=paid`` -> "purchase rate: channel = paid",
    ``dropout_a:relationship_level=social`` -> "dropout (a): relationship level = social"; plain names stay."""
    text = str(name)
    part, sep, column = text.partition(":")
    if not sep:
        return text
    what = {"purchase": "purchase rate", "dropout": "dropout", "dropout_a": "dropout (a)", "dropout_b": "dropout (b)",
            "spend": "spend"}.get(part, part.replace("_", " "))
    column, eq, level = column.partition("=")
    return f"{what}: {column.replace('_', ' ')}" + (f" = {level}" if eq else "")


def model_table(results, alpha: float = 0.05) -> Table:
    """A fitted model (the suite's results protocol) as a reader's table: each parameter with its
    (1 - alpha) interval and standard error; the fit statistics and any warning in the caption."""
    ci = results.conf_int(alpha)
    df = pd.DataFrame({"parameter": [parameter_label(p) for p in results.params.index], "estimate": results.params.to_numpy(),
                       "lower": ci["lower"].to_numpy(), "upper": ci["upper"].to_numpy(),
                       "se": results.bse.to_numpy()})
    unidentified = set(getattr(results, "unidentified", ()) or ())
    if unidentified:                                   # an estimate the data do not identify is not a number to read
        df = df.astype({"estimate": object, "lower": object, "upper": object, "se": object})
        rows = df["parameter"].isin({parameter_label(p) for p in unidentified})
        df.loc[rows, "estimate"] = "not identified"
        df.loc[rows, ["lower", "upper", "se"]] = None
    stats = [f"log-likelihood {results.llf:,.1f}" if np.isfinite(results.llf) else None,
             f"AIC {results.aic:,.1f}" if np.isfinite(results.aic) else None,
             f"n = {results.nobs:,.0f}" if np.isfinite(results.nobs) else None,
             None if results.converged else "the optimizer did not converge"]
    name = getattr(results, "model_name", "model")
    level = round(100 * (1 - alpha))
    caption = f"{name}: " + ", ".join(s for s in stats if s) + f"; {level}% intervals"
    kinds = {"estimate": "number", "lower": "number", "upper": "number", "se": "number"}
    return Table(df, kinds=kinds, caption=caption)


def key_numbers(rows, currency: str = "") -> Table:
    """A notebook's summary: ``rows`` of (what, value, kind) with kind count, share, money, number, p or
    text, each value formatted by its own kind (a summary mixes counts, shares and money)."""
    out = [(str(what), fmt(value, kind, currency)) for what, value, kind in rows]
    return Table(pd.DataFrame(out, columns=["quantity", "value"]), kinds={"value": "text"})
