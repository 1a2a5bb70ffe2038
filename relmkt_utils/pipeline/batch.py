"""Run the notebooks of a config (:mod:`.config`) with papermill and write the reports folder.

**Before anything runs**, every run is checked: its notebook must be readable with a valid
``parameters`` cell, its parameters must be declared there with the default's type
(:mod:`.params`), and its ``dataset`` must be valid. A run that fails a check is not started; it is
reported with the sentence that says why (a user mistake: the command exits 2). Each valid run
executes in its own process (``python -m relmkt_utils.pipeline.worker``), ``jobs`` at a time, with a
per-notebook timeout; a run that fails never stops the others (exit 1).

**Nothing of the user's is lost.** A run writes into a fresh staging folder inside the output folder
and only then replaces ``<output_dir>/<run>``, and only if that folder was written by relmkt before
(it holds the marker file ``.relmkt-run``); a folder of the user's with the run's name is left alone
and the run fails with a sentence. Two batches cannot write to one output folder at once: the first
holds a lock (``.relmkt.lock``) and the second exits 2 naming the process that holds it.

**Ctrl-C and SIGTERM** stop the batch within seconds: no queued run starts, every worker and its
kernel are terminated (the whole process tree), the index marks the unfinished runs
``interrupted`` and the command exits 130 (SIGINT) or 143 (SIGTERM).

Output per run: ``<notebook>.ipynb`` (executed, or partial on failure), ``<notebook>.html``
(reader's version, code hidden), ``<notebook>.code.html`` (full version), ``metrics.json`` and
``warnings.json``; then ``index.json`` and ``index.html`` for all runs. Reruns with the same inputs
give the same bytes (only the index's time stamp differs).
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..core.errors import ConfigError, DataError, ParameterError
from ..data.datasets import validate
from .config import DEFAULT_CONFIG, Config, Run, load_config  # noqa: F401  (re-exported for callers)
from .params import check_parameters

MARKER = ".relmkt-run"
LOCK = ".relmkt.lock"
GRACE_S = 3.0
#: Errors raised in a kernel that are the user's mistake (exit 2), not a failure of the notebook.
USER_MISTAKES = ("ParameterError", "ConfigError")
POLL_S = 0.05


@dataclass
class RunResult:
    name: str
    notebook: str
    status: str                      # ok | failed | invalid | interrupted
    duration_s: float
    parameters: dict
    metrics: dict
    html: str | None
    html_full: str | None
    ipynb: str | None
    error: str | None
    warnings: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    dataset: str | None = None
    currency: str | None = None
    tables: list = field(default_factory=list)   # CSV files the run wrote beside its report (record.save_table)
    cell_seconds: list = field(default_factory=list)   # {cell, first_line, seconds} per code cell (worker)
    findings: list = field(default_factory=list)   # the run's findings (findings.json; Report.find)


class BatchInterrupted(Exception):
    """The batch was stopped by a signal; ``signum`` is SIGINT or SIGTERM."""

    def __init__(self, signum: int, results: list[RunResult]):
        self.signum = signum
        self.results = results
        super().__init__(f"interrupted by {signal.Signals(signum).name}")


def preflight(run: Run, config: Config) -> str | None:
    """The sentence that stops a run before execution, or None when it may run."""
    try:
        check_parameters(config.notebook_path(run), run.parameters)
    except ParameterError as err:
        return str(err)
    if "dataset" in run.kernel_parameters:
        problems = validate(run.kernel_parameters["dataset"])
        if problems:
            return str(DataError(problems, dataset=str(run.parameters["dataset"])))
    return None


# ------------------------------------------------------------------------------------ output folder

def prepare_output_dir(path: Path) -> None:
    """Create the output folder, or say in a sentence why it cannot be used."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"the output folder {path} is a file; choose another output_dir")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"the output folder {path} cannot be created ({exc.strerror})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"the output folder {path} is not writable")


class OutputLock:
    """An exclusive lock on the output folder for the whole batch (``flock`` on ``.relmkt.lock``)."""

    def __init__(self, folder: Path):
        self.path = folder / LOCK
        self.fh = None

    def __enter__(self):
        fh = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise ConfigError(f"another relmkt batch is writing to {self.path.parent} ({holder}); wait for it to "
                              "finish or choose another output folder") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, started {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC\n")
        fh.flush()
        self.fh = fh
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def run_files(notebook: str) -> set[str]:
    """The files a run of ``notebook`` writes."""
    return {f"{notebook}.ipynb", f"{notebook}.html", f"{notebook}.code.html", "metrics.json", "warnings.json",
            "skipped.json", "findings.json", MARKER}


def foreign_folder(target: Path, notebook: str) -> str | None:
    """Why ``target`` may not be replaced by a run (it exists and relmkt did not write it), or None.

    relmkt's folders carry the marker file; a folder of an older relmkt (before the marker) is
    recognized when it holds ``metrics.json`` and nothing but the files a run of ``notebook`` writes."""
    if not target.exists() and not target.is_symlink():
        return None
    ours = target.is_dir() and not target.is_symlink() and (
        (target / MARKER).is_file()
        or ((target / "metrics.json").is_file()
            and all(p.is_file() and not p.is_symlink() and p.name in run_files(notebook) for p in target.iterdir())))
    if ours:
        return None
    return (f"{target} already exists and was not written by relmkt; it is left as it is. Move it, or give the run "
            "another name or the batch another output_dir")


def publish(staging: Path, target: Path) -> None:
    """Replace ``target`` (a previous relmkt run, or nothing) by ``staging`` with two renames."""
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{os.getpid()}")
        target.rename(old)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# ------------------------------------------------------------------------------------- processes

def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...), from ``/proc``."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def stop_tree(proc: subprocess.Popen) -> None:
    """Terminate a worker and everything it started (its kernel runs in its own session): SIGTERM,
    then SIGKILL after :data:`GRACE_S` seconds for what is still running."""
    pids = [proc.pid, *descendants(proc.pid)]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + (GRACE_S if sig == signal.SIGTERM else 5.0)
        while time.monotonic() < deadline:
            alive = [p for p in pids if _alive(p)]
            if not alive:
                break
            proc.poll()
            time.sleep(POLL_S)
        pids = [p for p in pids if _alive(p)]
        if not pids:
            break
    proc.wait()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return False


# ------------------------------------------------------------------------------------------ runs

@dataclass
class _Active:
    run: Run
    proc: subprocess.Popen
    staging: Path
    started: float
    log: object


#: Thread pools of the numerical libraries: a kernel that may use every core beside another kernel
#: doing the same oversubscribes the machine (BLAS threads spinning against each other).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def worker_environment(jobs: int) -> dict:
    """The environment of a worker and its kernel: the user's, with each numerical thread pool limited
    to its share of the cores (cores // jobs, at least 1) unless the user has set it."""
    env = dict(os.environ, JUPYTER_PREFER_ENV_PATH="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    share = str(max(1, (os.cpu_count() or 1) // max(1, jobs)))
    for name in THREAD_VARIABLES:
        env.setdefault(name, share)
    return env


def _start(run: Run, config: Config, jobs: int = 1) -> _Active:
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{run.name}-", dir=config.output_dir))
    staging.chmod(0o755)                    # mkdtemp's 0700 would hide the reports from other readers
    (staging / MARKER).write_text("written by relmkt run; this folder may be replaced by the next run\n")
    job = {
        "input": str(config.notebook_path(run)),
        "output_dir": str(staging),
        "notebook": run.notebook,
        "parameters": run.kernel_parameters,
        "cwd": str(config.notebooks_dir),
        "result": str(staging / ".result.json"),
    }
    job_file = staging / ".job.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")
    env = worker_environment(jobs)
    log = open(staging / ".worker.log", "w", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "relmkt_utils.pipeline.worker", str(job_file)],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    return _Active(run, proc, staging, time.perf_counter(), log)


def _read_json(path: Path, default):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def _finish(active: _Active, config: Config, error: str | None, status: str | None = None) -> RunResult:
    """Collect a finished (or stopped) worker's files and publish them as the run's folder."""
    active.log.close()
    staging, run = active.staging, active.run
    cell_seconds = []
    if error is None:
        result = _read_json(staging / ".result.json", None)
        if result is None:
            tail = "\n".join((staging / ".worker.log").read_text(errors="replace").strip().splitlines()[-5:])
            error = f"the worker stopped unexpectedly (exit {active.proc.returncode}): {tail}"
        else:
            error, cell_seconds = result["error"], result.get("cell_seconds", [])
    for name in (".result.json", ".job.json", ".worker.log"):
        (staging / name).unlink(missing_ok=True)
    metrics = _read_json(staging / "metrics.json", {})
    if not (staging / "metrics.json").exists():
        (staging / "metrics.json").write_text("{}\n")
    warns = _read_json(staging / "warnings.json", [])
    skipped = [s.get("title", "") for s in _read_json(staging / "skipped.json", [])]
    target = config.output_dir / run.name
    refusal = foreign_folder(target, run.notebook)
    if refusal:
        shutil.rmtree(staging, ignore_errors=True)
        return _result(run, "invalid", time.perf_counter() - active.started, error=refusal)
    publish(staging, target)
    if status is None:
        # a parameter the notebook itself refuses (e.g. a bootstrap of 0 replicates) is a user mistake too
        status = "ok" if error is None else "invalid" if error.startswith(USER_MISTAKES) else "failed"
    done = _result(run, status, time.perf_counter() - active.started, metrics=metrics, warnings=warns, error=error,
                   folder=target, config=config, skipped=skipped)
    done.cell_seconds = cell_seconds
    return done


def dataset_label(run: Run) -> tuple[str | None, str | None]:
    """The name and currency of a run's dataset, read from its ``dataset.yml`` (None when unknown)."""
    folder = run.kernel_parameters.get("dataset")
    if not folder:
        return None, None
    try:
        import yaml

        meta = yaml.safe_load((Path(folder) / "dataset.yml").read_text(encoding="utf-8"))
        return str(meta.get("name") or Path(folder).name), str(meta.get("currency") or "") or None
    except Exception:
        return Path(str(folder)).name, None


def _result(run: Run, status: str, duration: float, metrics=None, warnings=None, error=None, folder=None,
            config=None, skipped=None) -> RunResult:
    def rel(name):
        if folder is None or not (folder / name).exists():
            return None
        return str((folder / name).relative_to(config.output_dir))

    dataset, currency = dataset_label(run)
    return RunResult(name=run.name, notebook=run.notebook, status=status, duration_s=round(duration, 2),
                     parameters=run.parameters, metrics=metrics or {}, html=rel(f"{run.notebook}.html"),
                     html_full=rel(f"{run.notebook}.code.html"), ipynb=rel(f"{run.notebook}.ipynb"),
                     error=error, warnings=list(warnings or []), skipped=list(skipped or []), dataset=dataset,
                     currency=currency,
                     tables=sorted(rel(p.name) for p in folder.glob("*.csv")) if folder is not None else [],
                     findings=_read_json(folder / "findings.json", []) if folder is not None else [])


def select_runs(config: Config, only: list[str] | None) -> list[Run]:
    if not only:
        return config.runs
    runs = [r for r in config.runs if r.name in only or r.notebook in only]
    if not runs:
        raise ConfigError(f"no run is named {', '.join(only)}; runs: {', '.join(r.name for r in config.runs)}")
    return runs


def run_batch(config: Config, only: list[str] | None = None, jobs: int = 2, progress: bool = True) -> list[RunResult]:
    """Check and execute the runs (all, or those whose name or notebook is in ``only``), write the
    index and return the results in config order. Raises :class:`BatchInterrupted` on SIGINT/SIGTERM
    (after stopping every worker and writing the index)."""
    if jobs < 1:
        raise ConfigError(f"--jobs must be 1 or more, got {jobs}")
    runs = select_runs(config, only)
    prepare_output_dir(config.output_dir)
    with OutputLock(config.output_dir):
        results: dict[str, RunResult] = {}
        queue = []
        for run in runs:
            reason = preflight(run, config) or foreign_folder(config.output_dir / run.name, run.notebook)
            if reason:
                results[run.name] = _result(run, "invalid", 0.0, error=reason)
            else:
                queue.append(run)
        received: list[int] = []
        previous = {s: signal.signal(s, lambda signum, frame: received.append(signum))
                    for s in (signal.SIGINT, signal.SIGTERM)}
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(runs), initial=len(results), unit="notebook", desc="relmkt run", file=sys.stderr)
        active: list[_Active] = []
        try:
            while (queue or active) and not received:
                while queue and len(active) < jobs and not received:
                    active.append(_start(queue.pop(0), config, jobs))
                time.sleep(POLL_S)
                for a in list(active):
                    timed_out = time.perf_counter() - a.started > config.timeout
                    if a.proc.poll() is None and not timed_out:
                        continue
                    if timed_out and a.proc.poll() is None:
                        stop_tree(a.proc)
                        res = _finish(a, config, f"timed out after {config.timeout:g} s")
                    else:
                        stop_tree(a.proc)          # nothing may outlive its worker (an orphaned kernel)
                        res = _finish(a, config, None)
                    active.remove(a)
                    results[res.name] = res
                    if bar is not None:
                        bar.set_postfix_str(f"{res.name}: {res.status}")
                        bar.update(1)
            if received:
                for a in active:
                    stop_tree(a.proc)
                    results[a.run.name] = _finish(a, config, f"interrupted by {signal.Signals(received[0]).name}",
                                                  status="interrupted")
                for run in queue:
                    results[run.name] = _result(run, "interrupted", 0.0, error="not started: the batch was interrupted")
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            if bar is not None:
                bar.close()
            ordered = [results[r.name] for r in runs if r.name in results]
            write_index(config, _merge_previous(config, ordered))
            for leftover in config.output_dir.glob(".staging-*"):
                if (leftover / MARKER).is_file():
                    shutil.rmtree(leftover, ignore_errors=True)
        if received:
            raise BatchInterrupted(received[0], ordered)
        return ordered


def _merge_previous(config: Config, fresh: list[RunResult]) -> list[RunResult]:
    """With ``--only``, keep the other runs' previous entries in the index."""
    previous = {}
    doc = _read_json(config.output_dir / "index.json", {})
    if isinstance(doc, dict) and isinstance(doc.get("runs"), list):
        previous = {r.get("name"): r for r in doc["runs"] if isinstance(r, dict)}
    by_name = {r.name: r for r in fresh}
    merged = []
    for run in config.runs:
        if run.name in by_name:
            merged.append(by_name[run.name])
        elif run.name in previous:
            p = previous[run.name]
            lists = ("warnings", "skipped", "tables", "cell_seconds", "findings")   # an older index may lack them
            merged.append(RunResult(**{k: p.get(k) for k in RunResult.__dataclass_fields__ if k not in lists},
                                    **{k: p.get(k) or [] for k in lists}))
    return merged


def write_index(config: Config, results: list[RunResult]) -> None:
    from ..present.glossary import glossary_html
    from .html import formula_html
    from .index import index_html

    (config.output_dir / "glossary.html").write_text(glossary_html(formula_html), encoding="utf-8")

    doc = {"generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "runs": [asdict(r) for r in results]}
    (config.output_dir / "index.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    (config.output_dir / "index.html").write_text(index_html(results, doc["generated"], config.notebooks_dir),
                                                  encoding="utf-8")
