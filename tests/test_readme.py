"""The README's examples run: its DuckDB snippet, taken from README.md itself (so the test fails when the
README drifts), on a small generated Parquet log; its side-by-side table of the customer-base models names
only calls that exist and has a row for every model of ``btyd.MODELS``."""
import re
from pathlib import Path

import numpy as np
import pytest

from relmkt_utils import btyd, retention
from relmkt_utils.plots import btyd as plots_btyd

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(after_heading: str) -> list[str]:
    """The ```python blocks of README.md after the heading ``after_heading`` and before the next heading
    of the same level."""
    text = README.read_text(encoding="utf-8")
    level = after_heading.split(" ", 1)[0]
    start = text.index(after_heading + "\n")
    nxt = re.search(rf"^{re.escape(level)} ", text[start + len(after_heading):], flags=re.MULTILINE)
    section = text[start: start + len(after_heading) + (nxt.start() if nxt else len(text))]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_duckdb_snippet_runs_on_a_parquet_log(tmp_path, monkeypatch):
    pytest.importorskip("duckdb")
    blocks = [b for b in python_blocks("### Logs that do not fit in memory (DuckDB) and clusters (Spark)")
              if 'rfm_summary("logs/*.parquet"' in b]
    assert len(blocks) == 1
    code = blocks[0]
    assert '"/scratch/duck"' in code                   # a cluster's scratch disk: here a temporary folder
    code = code.replace('"/scratch/duck"', repr(str(tmp_path / "duck")))
    tx = btyd.simulate_transactions(800, r=0.5, alpha=10.0, a=0.8, b=2.5, start="2024-01-01", end="2024-12-31",
                                    acquisition_days=120, seed=3)
    (tmp_path / "logs").mkdir()
    half = tx["customer_id"] < tx["customer_id"].iloc[len(tx) // 2]          # two files, as a real log
    tx[half].to_parquet(tmp_path / "logs" / "part-0.parquet")
    tx[~half].to_parquet(tmp_path / "logs" / "part-1.parquet")
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(code, "README.md (DuckDB snippet)", "exec"), ns)
    s, c, fit = ns["s"], ns["c"], ns["fit"]
    assert "frequency_holdout" in s.columns and int(c["weight"].sum()) == len(s)
    assert fit.converged and fit.time_unit.name == "week"
    same = btyd.BetaGeo.from_summary(s).fit()         # "same fit as on s"
    np.testing.assert_allclose(fit.params, same.params, rtol=1e-6)
    assert fit.llf == pytest.approx(same.llf, rel=1e-9)


def test_no_readme_example_fits_on_the_transpose():
    """``c.T`` is pandas' transpose, not the column T."""
    text = README.read_text(encoding="utf-8")
    for block in re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL):
        assert not re.search(r"\b[a-z_]+\.T\b", block), block


BTYD_SECTION = "### Customer-base analysis (`relmkt_utils.btyd`), for Lifetimes and CLVTools users"
COLUMNS = ["task", "Lifetimes 0.11.3", "CLVTools (R)", "BTYDplus (R)", "relmkt"]
PACKAGES = {"btyd": btyd, "retention": retention, "plots.btyd": plots_btyd}
# a package name not itself part of a longer dotted name (``plots.btyd.x`` is not ``btyd.x``)
RELMKT_NAME = re.compile(r"(?<![\w.])(plots\.btyd|btyd|retention)\.([A-Za-z_]\w*)")


def btyd_table() -> list[list[str]]:
    """The side-by-side table of the customer-base section: its header, then one list of cells per row."""
    text = README.read_text(encoding="utf-8")
    start = text.index(BTYD_SECTION + "\n")
    section = text[start: start + len(BTYD_SECTION) + re.search(r"^### ", text[start + len(BTYD_SECTION):],
                                                                 flags=re.MULTILINE).start()]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    assert rows and set(rows[1].replace("|", "")) <= set("-: "), "the section has no table"
    return [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows[:1] + rows[2:]]


def test_the_side_by_side_table_has_its_five_columns():
    header, *rows = btyd_table()
    assert header == COLUMNS
    assert len(rows) >= 30
    for row in rows:
        assert len(row) == len(COLUMNS), row
        assert all(row), row                                  # every cell says something, "—" at least
        assert row[-1] not in ("—", "-", "MISSING"), row      # relmkt has every task of its own table


def test_every_model_of_the_registry_has_its_row_naming_its_class():
    rows = {row[0]: row for row in btyd_table()[1:]}
    for key, name in btyd.NAMES.items():
        assert name in rows, f"no row for {name} ({key}) in the README's table"
        assert f"`btyd.{btyd.MODELS[key].__name__}(" in rows[name][-1], rows[name]


def test_every_relmkt_name_of_the_table_exists():
    cells = [row[-1] for row in btyd_table()[1:]]
    found = [m.groups() for cell in cells for m in RELMKT_NAME.finditer(cell)]
    assert len(found) >= 40
    missing = sorted({f"{pkg}.{name}" for pkg, name in found if not hasattr(PACKAGES[pkg], name)})
    assert not missing, f"the README's table names calls relmkt does not have: {missing}"


def test_the_table_check_catches_a_misnamed_call():
    """The pattern the test relies on finds a name of the table and would see it misspelled."""
    found = [m.groups() for m in RELMKT_NAME.finditer("`btyd.BetaGeoCNBDD(f, r, T, litt).fit()` → "
                                                            "`plots.btyd.plot_period_transactions`")]
    assert found == [("btyd", "BetaGeoCNBDD"), ("plots.btyd", "plot_period_transactions")]
    assert not hasattr(btyd, "BetaGeoCNBDD") and hasattr(plots_btyd, "plot_period_transactions")
