"""Regressions in numbers: the metrics the notebooks record equal the committed golden values.

Notebooks are stored without outputs, so nbval (``--nbval-lax``) only proves that they run. This
test runs the batch over ``tests/golden/runs.yml`` and compares every recorded metric with
``tests/golden/<run>.json``: strings and integers exactly, floats to a relative 1e-6 (the runs are
seeded, so only floating-point noise across platforms is tolerated).

Set ``RELMKT_UPDATE_GOLDEN=1`` to rewrite the golden files after an intended change: a run whose
metrics differ from the committed file writes the new file, prints every changed, added and removed
metric (old -> new) and *fails*, as pytest-regressions does, so a regeneration is always seen and
the next run (without the variable) checks the new values.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from relmkt_utils.pipeline import batch

GOLDEN = Path(__file__).resolve().parent / "golden"
ROOT = GOLDEN.parent.parent


@pytest.fixture(scope="module")
def golden_run(tmp_path_factory):
    config = batch.load_config(GOLDEN / "runs.yml")
    config.notebooks_dir = ROOT / "notebooks"
    config.output_dir = tmp_path_factory.mktemp("golden")
    return {r.name: r for r in batch.run_batch(config, jobs=2, progress=False)}


RUNS = [r.name for r in batch.load_config(GOLDEN / "runs.yml").runs]


def _same(want, got) -> bool:
    if isinstance(want, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9)
    return got == want


def metric_changes(old: dict, new: dict) -> list[str]:
    """Lines ``key: old -> new`` for every metric that changed, appeared or disappeared."""
    lines = []
    for key in sorted(set(old) | set(new)):
        if key not in new:
            lines.append(f"  - {key}: {old[key]!r} (removed)")
        elif key not in old:
            lines.append(f"  + {key}: {new[key]!r} (added)")
        elif not _same(old[key], new[key]):
            lines.append(f"  ~ {key}: {old[key]!r} -> {new[key]!r}")
    return lines


def test_metric_changes_lists_every_difference():
    old = {"a": 1.0, "b": "x", "c": 2, "d": None}
    new = {"a": 1.0 + 1e-9, "b": "y", "d": 0.5, "e": True}
    assert metric_changes(old, new) == ["  ~ b: 'x' -> 'y'", "  - c: 2 (removed)", "  ~ d: None -> 0.5",
                                        "  + e: True (added)"]
    assert metric_changes(old, old) == []


@pytest.mark.parametrize("name", RUNS)
def test_recorded_metrics_match_golden(golden_run, name):
    result = golden_run[name]
    assert result.status == "ok", result.error
    path = GOLDEN / f"{name}.json"
    if os.environ.get("RELMKT_UPDATE_GOLDEN"):
        old = json.loads(path.read_text()) if path.exists() else {}
        changes = metric_changes(old, result.metrics)
        if changes:
            path.write_text(json.dumps(result.metrics, indent=2, sort_keys=True) + "\n")
            pytest.fail(f"{path.name} rewritten ({len(changes)} changes):\n" + "\n".join(changes), pytrace=False)
    expected = json.loads(path.read_text())
    changes = metric_changes(expected, result.metrics)
    assert not changes, f"{name} differs from {path.name} (RELMKT_UPDATE_GOLDEN=1 rewrites it):\n" + "\n".join(changes)
