"""Run the notebooks of a YAML config with papermill and write ``reports/``.

A config lists runs::

    output_dir: reports          # optional, relative to the config file's folder
    timeout: 600                 # optional, seconds per notebook
    runs:
      - name: loyalty_cdnow      # unique, becomes reports/<name>/
        notebook: 01_loyalty_measurement
        parameters: {dataset: cdnow, freq: W}

For each run, before execution: the notebook must exist, the parameters must be declared in its
``parameters`` cell with the default's type, and a ``dataset`` parameter must name a valid dataset.
A run that fails these checks is reported as failed without starting a kernel. Each valid run
executes in its own process group (``python -m relmkt_utils.worker``) so that a per-notebook
timeout can stop the kernel too. Runs go ``jobs`` at a time; a failing run never stops the others.

Output per run: ``<notebook>.ipynb`` (executed, or partial on failure), ``<notebook>.html`` (reader's
version, code hidden), ``<notebook>.code.html`` (full version) and ``metrics.json``. Then
``index.json`` and ``index.html`` for all runs.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from ..data.datasets import validate
from ..core.errors import ConfigError, DataError, ParameterError
from .params import check_parameters

PROJECT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = PROJECT / "reports.yml"
DEFAULT_TIMEOUT = 600


@dataclass
class Run:
    name: str
    notebook: str
    parameters: dict = field(default_factory=dict)


@dataclass
class RunResult:
    name: str
    notebook: str
    status: str
    duration_s: float
    parameters: dict
    metrics: dict
    html: str | None
    html_full: str | None
    ipynb: str | None
    error: str | None


@dataclass
class Config:
    runs: list[Run]
    output_dir: Path
    notebooks_dir: Path
    timeout: float


def load_config(path: str | Path = DEFAULT_CONFIG) -> Config:
    """Read and check a batch config; a ConfigError names what is wrong."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file {path} does not exist")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path.name} is not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list) or not doc["runs"]:
        raise ConfigError(f"{path.name} must be a mapping with a non-empty list 'runs'")
    runs, seen = [], set()
    for i, item in enumerate(doc["runs"], 1):
        if not isinstance(item, dict) or not {"name", "notebook"} <= set(item):
            raise ConfigError(f"{path.name}: run {i} needs 'name' and 'notebook'")
        extra = set(item) - {"name", "notebook", "parameters"}
        if extra:
            raise ConfigError(f"{path.name}: run {item['name']!r} has unknown keys {sorted(extra)}")
        params = item.get("parameters") or {}
        if not isinstance(params, dict):
            raise ConfigError(f"{path.name}: parameters of run {item['name']!r} must be a mapping")
        name = str(item["name"])
        if name in seen or not name.replace("_", "").replace("-", "").isalnum():
            raise ConfigError(f"{path.name}: run name {name!r} must be unique and use letters, digits, - and _")
        seen.add(name)
        runs.append(Run(name, str(item["notebook"]).removesuffix(".ipynb"), params))
    base = path.resolve().parent
    return Config(
        runs=runs,
        output_dir=(base / doc.get("output_dir", "reports")).resolve(),
        notebooks_dir=(base / doc.get("notebooks_dir", "notebooks")).resolve(),
        timeout=float(doc.get("timeout", DEFAULT_TIMEOUT)),
    )


def preflight(run: Run, notebooks_dir: Path) -> str | None:
    """The error message that stops a run before execution, or None when it may run."""
    nb = notebooks_dir / f"{run.notebook}.ipynb"
    if not nb.exists():
        return f"notebook {nb.name} does not exist in {notebooks_dir}"
    try:
        check_parameters(nb, run.parameters)
    except ParameterError as err:
        return str(err)
    if "dataset" in run.parameters:
        problems = validate(run.parameters["dataset"])
        if problems:
            return str(DataError(problems, dataset=str(run.parameters["dataset"])))
    return None


def _execute(run: Run, config: Config) -> RunResult:
    out = config.output_dir / run.name
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        old.unlink()
    start = time.perf_counter()
    error = preflight(run, config.notebooks_dir)
    if error is None:
        job = {
            "input": str(config.notebooks_dir / f"{run.notebook}.ipynb"),
            "output_dir": str(out),
            "notebook": run.notebook,
            "parameters": run.parameters,
            "cwd": str(config.notebooks_dir),
        }
        error = _run_worker(job, config.timeout)
    duration = time.perf_counter() - start
    metrics_path = out / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    if not metrics_path.exists():
        metrics_path.write_text("{}\n")

    def rel(name):
        p = out / name
        return str(p.relative_to(config.output_dir)) if p.exists() else None

    return RunResult(
        name=run.name,
        notebook=run.notebook,
        status="ok" if error is None else "failed",
        duration_s=round(duration, 2),
        parameters=run.parameters,
        metrics=metrics,
        html=rel(f"{run.notebook}.html"),
        html_full=rel(f"{run.notebook}.code.html"),
        ipynb=rel(f"{run.notebook}.ipynb"),
        error=error,
    )


def _run_worker(job: dict, timeout: float) -> str | None:
    env = dict(os.environ, JUPYTER_PREFER_ENV_PATH="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "relmkt_utils.pipeline.worker", json.dumps(job)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return f"timed out after {timeout:g} s"
    lines = [ln for ln in stdout.splitlines() if ln.startswith("RELMKT_RESULT ")]
    if not lines:
        tail = "\n".join(stderr.strip().splitlines()[-5:])
        return f"the worker stopped unexpectedly (exit {proc.returncode}): {tail}"
    return json.loads(lines[-1].removeprefix("RELMKT_RESULT "))["error"]


def run_batch(config: Config, only: list[str] | None = None, jobs: int = 2, progress: bool = True) -> list[RunResult]:
    """Execute the runs (all, or those whose name or notebook is in ``only``) and write the index."""
    runs = config.runs
    if only:
        runs = [r for r in runs if r.name in only or r.notebook in only]
        if not runs:
            raise ConfigError(f"no run is named {', '.join(only)}; runs: {', '.join(r.name for r in config.runs)}")
    config.output_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, RunResult] = {}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(runs), unit="notebook", desc="relmkt run", file=sys.stderr)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(_execute, r, config): r for r in runs}
        for fut in as_completed(futures):
            res = fut.result()
            results[res.name] = res
            if bar is not None:
                bar.set_postfix_str(f"{res.name}: {res.status}")
                bar.update(1)
    if bar is not None:
        bar.close()
    ordered = [results[r.name] for r in runs]
    write_index(config, _merge_previous(config, ordered))
    return ordered


def _merge_previous(config: Config, fresh: list[RunResult]) -> list[RunResult]:
    """With ``--only``, keep the other runs' previous entries in the index."""
    index = config.output_dir / "index.json"
    if not index.exists():
        return fresh
    try:
        previous = {r["name"]: r for r in json.loads(index.read_text())["runs"]}
    except (ValueError, KeyError, TypeError):
        return fresh
    by_name = {r.name: r for r in fresh}
    merged = []
    for run in config.runs:
        if run.name in by_name:
            merged.append(by_name[run.name])
        elif run.name in previous:
            p = previous[run.name]
            merged.append(RunResult(**{k: p.get(k) for k in RunResult.__dataclass_fields__}))
    return merged


def write_index(config: Config, results: list[RunResult]) -> None:
    from .index import index_html

    doc = {"runs": [asdict(r) for r in results]}
    (config.output_dir / "index.json").write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    (config.output_dir / "index.html").write_text(index_html(results), encoding="utf-8")
