"""The README's examples run: its DuckDB snippet, taken from README.md itself (so the test fails when the
README drifts), on a small generated Parquet log."""
import re
from pathlib import Path

import numpy as np
import pytest

from relmkt_utils import btyd

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
