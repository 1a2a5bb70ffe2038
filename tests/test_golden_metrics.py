"""Regressions in numbers: the metrics the notebooks record equal the committed golden values.

Notebooks are stored without outputs, so nbval (``--nbval-lax``) only proves that they run. This
test runs the batch over ``tests/golden/runs.yml`` and compares every recorded metric with
``tests/golden/<run>.json``: strings and integers exactly, floats to a relative 1e-6 (the runs are
seeded, so only floating-point noise across platforms is tolerated). Set
``RELMKT_UPDATE_GOLDEN=1`` to rewrite the golden files after an intended change.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from relmkt_utils import batch

GOLDEN = Path(__file__).resolve().parent / "golden"
ROOT = GOLDEN.parent.parent


@pytest.fixture(scope="module")
def golden_run(tmp_path_factory):
    config = batch.load_config(GOLDEN / "runs.yml")
    config.notebooks_dir = ROOT / "notebooks"
    config.output_dir = tmp_path_factory.mktemp("golden")
    return {r.name: r for r in batch.run_batch(config, jobs=2, progress=False)}


RUNS = [r.name for r in batch.load_config(GOLDEN / "runs.yml").runs]


@pytest.mark.parametrize("name", RUNS)
def test_recorded_metrics_match_golden(golden_run, name):
    result = golden_run[name]
    assert result.status == "ok", result.error
    path = GOLDEN / f"{name}.json"
    if os.environ.get("RELMKT_UPDATE_GOLDEN"):
        path.write_text(json.dumps(result.metrics, indent=2, sort_keys=True) + "\n")
    expected = json.loads(path.read_text())
    assert set(result.metrics) == set(expected)
    for key, want in expected.items():
        got = result.metrics[key]
        if isinstance(want, float) and isinstance(got, (int, float)):
            assert math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9), f"{key}: {got} != {want}"
        else:
            assert got == want, f"{key}: {got!r} != {want!r}"
