"""Run the notebooks of a config (:mod:`.config`) with papermill and write the reports folder.

**Before it runs**, every run is checked: its notebook must be readable with a valid
``parameters`` cell, its parameters must be declared there with the default's type
(:mod:`.params`), and its ``dataset`` must be valid (each dataset folder is validated once per
batch). The runs are checked one by one while the warm pool imports (:mod:`.pool`), the longest first
(by the durations of the earlier index), and each starts as soon as it has passed and a place is
free. A run that fails a check is not started; it is reported with the sentence that says why (a
user mistake: the command exits 2). Each valid run
executes in its own process (``python -m relmkt_utils.pipeline.worker``), ``jobs`` at a time, with a
per-notebook timeout; a run that fails never stops the others (exit 1).

**The output folder is relmkt's or it is not used.** It carries relmkt's marker (``.relmkt-reports``)
once relmkt has written there. A new or empty folder (a ``.gitkeep`` aside) is taken and marked; a
folder of an earlier relmkt (its ``index.json`` and run folders, nothing else) too; a folder that
holds anything else (a website, a repository) is refused with exit 2 and the names of what is
there, unless ``force=True`` (``relmkt run --force``), which says which ``index.html`` and
``index.json`` it replaces. ``/`` and the home folder are always refused. ``index.html``,
``index.json``, the marker and the lock must not be symbolic links (refused, never followed). Two
batches cannot write to one output folder at once: the first holds a lock (``.relmkt.lock``, opened
without following links) and the second exits 2 naming the process that holds it.

**A run folder holds only relmkt's files.** A run writes into a fresh staging folder inside the
output folder; when it is done its record (``.relmkt-run``: name, notebook, status, error,
parameters, metrics, warnings, and the size and SHA-256 of every file it wrote) is written last and
the staging folder is swapped with ``<output_dir>/<run>`` in one step (``renameat2``). The swap
happens only when the old folder holds nothing but the files its record lists (a folder of an
earlier relmkt without a record: only files a run writes); a file of the user's found there stops
the run with a sentence before anything is removed.

**A failed, interrupted or refused run keeps the last report.** When a run that reached the kernel
fails, times out or is interrupted and the previous report of that run finished ok, the previous
report stays; the attempt is recorded beside it (``.relmkt-attempt``) and the index shows the
attempt's status and error with a link to the kept report. Without an earlier good report the
partial one is published (what ran before the failure is kept).

**The index is rebuilt from the run folders**, never trusted from an older ``index.json``: every
entry's status, links, metrics and warnings come from the run's own record (the runs of this batch
from their results); only durations are carried over from the older index. It is rewritten
(atomically) after every run that finishes, so a kill leaves at most the entry of one run behind,
and the next batch rebuilds it whole.

**Ctrl-C and SIGTERM** stop the batch within seconds: no queued run starts, every worker and its
kernel are terminated (the whole process tree), the index marks the unfinished runs
``interrupted`` and the command exits 130 (SIGINT) or 143 (SIGTERM). **kill -9** of the batch ends
its workers and kernels too (see :mod:`.processes`), and the next batch on the folder reaps anything
left and removes the staging folders.

Output per run: ``<notebook>.ipynb`` (executed, or partial on failure), ``<notebook>.html``
(reader's version, code hidden), ``<notebook>.code.html`` (full version), ``metrics.json``,
``warnings.json``, the CSV tables the notebook saved, and the record; then ``index.json`` and
``index.html`` for all runs. Reruns with the same inputs give the same bytes (only the index's time
stamp differs).
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..core.errors import ConfigError, DataError, ParameterError
from ..core.files import (PathError, PathLock, atomic_write, describe_kind, exchange, file_record, os_error_sentence,
                          read_regular, refuse_link, rename_noreplace)
from ..data.datasets import read_meta, validate
from .config import DEFAULT_CONFIG, NAME, Config, Run, load_config  # noqa: F401  (re-exported for callers)
from .params import check_parameters
from .processes import BATCH_PID_ENV, GRACE_S, OUTPUT_ENV, POLL_S, descendants, reap, stop_tree  # noqa: F401

MARKER = ".relmkt-run"                 # a run folder's record (JSON, written last)
ATTEMPT = ".relmkt-attempt"            # the last attempt that did not replace the run's report
OUTPUT_MARKER = ".relmkt-reports"      # an output folder relmkt has written
LOCK = ".relmkt.lock"
#: Files a repository keeps in an otherwise empty folder; they do not make the folder someone else's.
PLACEHOLDERS = (".gitkeep", ".keep")
#: The pages relmkt writes at the top of an output folder (beside its marker, lock and run folders).
OUTPUT_PAGES = ("index.html", "index.json", "glossary.html")
RECORD = "relmkt run record"
RECORD_VERSION = 1
MAX_RECORD_BYTES = 20_000_000
STATUSES = ("ok", "failed", "invalid", "interrupted", "unverified")
#: Errors raised in a kernel that are the user's mistake (exit 2), not a failure of the notebook.
USER_MISTAKES = ("ParameterError", "ConfigError")
#: Files a run of an earlier relmkt (before records) wrote: the notebook, its pages, metrics, tables.
#: A file name a record may list: one name in the run folder, never a path.
PLAIN_NAME = re.compile(r"^(?!\.\.?$)[^/\\\x00]{1,255}$")
LEGACY_FILE = re.compile(r"^[A-Za-z0-9_-]+\.(ipynb|html|code\.html)$|^(metrics|warnings|skipped|findings)\.json$|"
                         r"^[A-Za-z_][A-Za-z0-9_]*\.csv$")


@dataclass
class RunResult:
    name: str
    notebook: str
    status: str                      # ok | failed | invalid | interrupted | unverified
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
    #: when this attempt did not replace the run's report: the status of the report that was kept
    #: (the links and metrics are that report's), else None
    kept_report: str | None = None
    #: CPU seconds of the run's worker and kernel (the worker's own count; None when it did not say)
    cpu_s: float | None = None


class BatchInterrupted(Exception):
    """The batch was stopped by a signal; ``signum`` is SIGINT or SIGTERM."""

    def __init__(self, signum: int, results: list[RunResult]):
        self.signum = signum
        self.results = results
        super().__init__(f"interrupted by {signal.Signals(signum).name}")


def preflight(run: Run, config: Config, validated: dict | None = None) -> str | None:
    """The sentence that stops a run before execution, or None when it may run. ``validated`` keeps the
    problems found per dataset folder, so that runs on the same dataset validate it once."""
    path = config.notebook_path(run)
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            return f"notebook {path.name} is {describe_kind(mode)}, not a regular file; relmkt reads only regular files"
    except OSError:
        pass                          # check_parameters says that it does not exist
    try:
        check_parameters(path, run.parameters)
    except ParameterError as err:
        return str(err)
    if "dataset" in run.kernel_parameters:
        folder = run.kernel_parameters["dataset"]
        if validated is None:
            problems = validate(folder)
        else:
            if str(folder) not in validated:
                validated[str(folder)] = validate(folder)
            problems = validated[str(folder)]
        if problems:
            return str(DataError(problems, dataset=str(run.parameters["dataset"])))
    return None


# ------------------------------------------------------------------------------------ output folder

def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _is_relmkt_index(folder: Path) -> bool:
    try:
        doc = json.loads(read_regular(folder / "index.json", limit=MAX_RECORD_BYTES))
    except (OSError, ValueError, DataError):
        return False
    return isinstance(doc, dict) and set(doc) == {"generated", "runs"} and isinstance(doc["runs"], list)


def _looks_like_run_folder(path: Path) -> bool:
    """A folder an earlier relmkt wrote for a run: its marker, or (before markers) ``metrics.json``
    and nothing but files a run writes."""
    if path.is_symlink() or not path.is_dir():
        return False
    if _regular(path / MARKER):
        return True
    try:
        entries = list(os.scandir(path))
    except OSError:
        return False
    return _regular(path / "metrics.json") and all(
        e.is_file(follow_symlinks=False) and LEGACY_FILE.match(e.name) for e in entries)


def foreign_entries(folder: Path) -> list[str]:
    """What ``folder`` (an output folder without relmkt's marker) holds that relmkt did not write."""
    index_ours = _is_relmkt_index(folder)
    out = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        n, path = entry.name, Path(entry.path)
        regular = entry.is_file(follow_symlinks=False)
        if regular and n in (*PLACEHOLDERS, LOCK, OUTPUT_MARKER):
            continue
        if regular and n in OUTPUT_PAGES and index_ours:
            continue
        if n.startswith((".staging-", ".old-")) and entry.is_dir(follow_symlinks=False) and _regular(path / MARKER):
            continue
        if NAME.match(n) and _looks_like_run_folder(path):
            continue
        out.append(f"{n} (a symbolic link)" if entry.is_symlink() else n)
    return out


def prepare_output_dir(path: Path, force: bool = False) -> list[str]:
    """Check (and create) the output folder, or say in a sentence why it cannot be used. Returns
    notes for the user: what ``force`` makes relmkt replace."""
    path = Path(path)
    try:
        home = Path.home().resolve()
    except (RuntimeError, KeyError, OSError):
        home = None
    if path == Path(path.anchor) or (home is not None and path == home):
        what = "the root folder" if path == Path(path.anchor) else "your home folder"
        raise ConfigError(f"the output folder {path} is {what}; relmkt writes its reports only into a folder of their "
                          "own: choose another output_dir")
    if path.is_symlink() and not path.exists():
        raise ConfigError(f"the output folder {path} is a symbolic link to nothing; remove it or choose another output_dir")
    if path.exists() and not path.is_dir():
        raise ConfigError(f"the output folder {path} is a file; choose another output_dir")
    notes: list[str] = []
    if path.is_dir() and not _regular(path / OUTPUT_MARKER):
        foreign = foreign_entries(path)
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            if not force:
                raise ConfigError(f"the output folder {path} holds files relmkt did not write ({shown}); relmkt writes "
                                  "only into a new or empty folder or one it wrote before: choose another output_dir, "
                                  "or pass --force to use this one (relmkt then writes index.html, index.json and "
                                  "one folder per run there)")
            replaced = [n for n in OUTPUT_PAGES if n in foreign]   # links are refused below
            notes.append(f"--force: using {path}, which holds files relmkt did not write ({shown})"
                         + (f"; replacing its {' and '.join(replaced)}" if replaced else ""))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(os_error_sentence(exc, f"the output folder {path}", "create")) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"the output folder {path} is not writable")
    return notes


def claim_output_dir(path: Path) -> None:
    """Under the lock: refuse links where relmkt writes, and mark the folder as relmkt's."""
    for name in (*OUTPUT_PAGES, OUTPUT_MARKER):
        refuse_link(path / name, str(path / name))
        if (path / name).exists() and not _regular(path / name):
            raise PathError(f"{path / name} is {describe_kind(os.stat(path / name).st_mode)}; relmkt writes a file "
                            "there: remove it or choose another output_dir")
    if not _regular(path / OUTPUT_MARKER):
        atomic_write(path / OUTPUT_MARKER, "reports of relmkt run: relmkt writes index.html, index.json and one "
                                           "folder per run here, and replaces only what it wrote\n")


class OutputLock(PathLock):
    """An exclusive lock on the output folder for the whole batch (``flock`` on ``.relmkt.lock``,
    opened without following a symbolic link)."""

    def __init__(self, folder: Path):
        folder = Path(folder)
        super().__init__(folder / LOCK, lambda holder: f"another relmkt batch is writing to {folder} ({holder}); "
                                                       "wait for it to finish or choose another output folder")


# -------------------------------------------------------------------------------- run folders

def run_files(notebook: str) -> set[str]:
    """The files a run of ``notebook`` writes (besides the CSV tables it saves)."""
    return {f"{notebook}.ipynb", f"{notebook}.html", f"{notebook}.code.html", "metrics.json", "warnings.json",
            "skipped.json", "findings.json", MARKER}


def read_record(folder: Path) -> dict | None:
    """The record of a run folder (checked for its shape), ``{"legacy": True}`` for the marker of an
    earlier relmkt (plain text), or None."""
    path = folder / MARKER
    if not _regular(path):
        return None
    try:
        raw = read_regular(path, limit=MAX_RECORD_BYTES)
    except (OSError, DataError):
        return None
    try:
        doc = json.loads(raw)
    except ValueError:
        return {"legacy": True} if raw.startswith(b"written by relmkt run") else None
    if not (isinstance(doc, dict) and doc.get("record") == RECORD and isinstance(doc.get("files"), dict)
            and doc.get("status") in STATUSES + ("running",) and isinstance(doc.get("notebook"), str)
            and all(isinstance(n, str) and PLAIN_NAME.match(n) for n in doc["files"])):
        return None
    return doc


def _allowed_names(folder: Path, notebook: str) -> set[str] | None:
    """The names relmkt may find in a run folder it wrote, or None when the folder is not relmkt's."""
    record = read_record(folder)
    if record is not None and not record.get("legacy"):
        return set(record["files"]) | {MARKER, ATTEMPT}
    if record is not None or _looks_like_run_folder(folder):
        return {n.name for n in folder.iterdir() if LEGACY_FILE.match(n.name)} | run_files(notebook) | {ATTEMPT}
    return None


def run_folder_problem(target: Path, notebook: str) -> str | None:
    """Why ``target`` may not be replaced by a run, or None (it does not exist, or it holds only
    the files relmkt wrote there)."""
    if not target.exists() and not target.is_symlink():
        return None
    allowed = None if target.is_symlink() or not target.is_dir() else _allowed_names(target, notebook)
    if allowed is None:
        return (f"{target} already exists and was not written by relmkt; it is left as it is. Move it, or give the run "
                "another name or the batch another output_dir")
    strangers = sorted(e.name for e in os.scandir(target) if e.name not in allowed or not e.is_file(follow_symlinks=False))
    if strangers:
        shown = ", ".join(strangers[:3]) + (f" and {len(strangers) - 3} more" if len(strangers) > 3 else "")
        return (f"{target} holds files relmkt did not write ({shown}); they are left as they are and the run is not "
                "started: move them out of the run folder (relmkt replaces a run folder whole)")
    return None


def foreign_folder(target: Path, notebook: str) -> str | None:
    """Kept for callers of earlier versions: :func:`run_folder_problem`."""
    return run_folder_problem(target, notebook)


def publish(staging: Path, target: Path) -> None:
    """Put ``staging`` in the place of ``target`` (a run folder of relmkt's, or nothing) in one step;
    the previous folder is then removed."""
    if target.exists():
        exchange(staging, target)
        shutil.rmtree(staging, ignore_errors=True)
    else:
        rename_noreplace(staging, target)


def _record(run: Run, folder: Path, status: str, error: str | None, metrics: dict, warns: list, skipped: list,
            dataset: str | None, currency: str | None) -> dict:
    names = [p.name for p in folder.iterdir() if p.name not in (MARKER, ATTEMPT) and _regular(p)]
    return {"record": RECORD, "version": RECORD_VERSION, "name": run.name, "notebook": run.notebook,
            "status": status, "error": error, "parameters": run.parameters, "metrics": metrics,
            "warnings": warns, "skipped": skipped, "dataset": dataset, "currency": currency,
            "files": file_record(folder, names)}


def _write_json(path: Path, doc) -> None:
    atomic_write(path, json.dumps(doc, indent=1, sort_keys=True) + "\n")


def _list_of_text(value) -> list:
    return [str(v) for v in value] if isinstance(value, list) else []


def result_from_folder(run: Run, config: Config, record: dict, duration: float = 0.0, cell_seconds=None,
                       attempt: dict | None = None) -> RunResult:
    """The index entry of a run folder, from its own record (and the attempt recorded beside it)."""
    folder = config.output_dir / run.name
    if record.get("legacy"):
        notebook = run.notebook
        files = {p.name for p in folder.iterdir() if LEGACY_FILE.match(p.name) and _regular(p)}
        status, error = "unverified", ("this report was written by an earlier relmkt without a run record; its status "
                                       "is not known: run it again")
        metrics = _read_json(folder / "metrics.json", {})
        warns = _read_json(folder / "warnings.json", [])
        skipped = [s.get("title", "") for s in _read_json(folder / "skipped.json", []) if isinstance(s, dict)]
        parameters, dataset, currency = run.parameters, *dataset_label(run)
    else:
        notebook = record["notebook"]
        files = {n for n in record["files"] if _regular(folder / n)}
        status, error = record["status"], record.get("error")
        metrics = record.get("metrics") if isinstance(record.get("metrics"), dict) else {}
        warns, skipped = _list_of_text(record.get("warnings")), _list_of_text(record.get("skipped"))
        parameters = record.get("parameters") if isinstance(record.get("parameters"), dict) else {}
        dataset, currency = record.get("dataset"), record.get("currency")
        missing = sorted(set(record["files"]) - files)
        if missing:
            status, error = "failed", f"the run folder is incomplete: {', '.join(missing[:3])} missing"

    def rel(name):
        return f"{run.name}/{name}" if name in files else None

    kept = None
    if attempt is not None:
        kept = status
        status, error = attempt["status"], attempt.get("error")
        parameters = attempt.get("parameters") if isinstance(attempt.get("parameters"), dict) else parameters
    return RunResult(name=run.name, notebook=notebook, status=status, duration_s=duration, parameters=parameters,
                     metrics=metrics, html=rel(f"{notebook}.html"), html_full=rel(f"{notebook}.code.html"),
                     ipynb=rel(f"{notebook}.ipynb"), error=error, warnings=warns, skipped=skipped,
                     dataset=None if dataset is None else str(dataset), currency=None if currency is None else str(currency),
                     tables=sorted(rel(n) for n in files if n.endswith(".csv")), cell_seconds=list(cell_seconds or []),
                     kept_report=kept,
                     findings=_read_json(folder / "findings.json", []) if "findings.json" in files else [])


def read_attempt(folder: Path) -> dict | None:
    doc = _read_json(folder / ATTEMPT, None) if _regular(folder / ATTEMPT) else None
    if isinstance(doc, dict) and doc.get("status") in STATUSES:
        return doc
    return None


def keep_previous(run: Run, config: Config, status: str, error: str | None, duration: float,
                  cell_seconds=None) -> RunResult | None:
    """Record an attempt that does not replace the run's report beside that report; the index entry
    (the attempt's status and error, the kept report's links), or None when there is no report of
    relmkt's to keep."""
    folder = config.output_dir / run.name
    if run_folder_problem(folder, run.notebook) is not None:
        return None
    record = read_record(folder)
    if record is None:
        return None
    attempt = {"status": status, "error": error, "parameters": run.parameters}
    _write_json(folder / ATTEMPT, attempt)
    return result_from_folder(run, config, record, duration, cell_seconds, attempt)


def not_started(run: Run, config: Config, status: str, error: str) -> RunResult:
    """The entry of a run that did not start (refused by a check, or queued when the batch stopped)."""
    return keep_previous(run, config, status, error, 0.0) or _bare(run, status, error)


def _bare(run: Run, status: str, error: str | None, duration: float = 0.0) -> RunResult:
    dataset, currency = dataset_label(run)
    return RunResult(name=run.name, notebook=run.notebook, status=status, duration_s=round(duration, 2),
                     parameters=run.parameters, metrics={}, html=None, html_full=None, ipynb=None, error=error,
                     dataset=dataset, currency=currency)


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


def worker_environment(jobs: int, output_dir: Path | None = None) -> dict:
    """The environment of a worker and its kernel: the user's, with each numerical thread pool limited
    to its share of the cores (cores // jobs, at least 1) unless the user has set it, and the output
    folder and the batch's pid (so that an orphan can be recognized and reaped, :mod:`.processes`)."""
    env = dict(os.environ, JUPYTER_PREFER_ENV_PATH="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    share = str(max(1, (os.cpu_count() or 1) // max(1, jobs)))
    for name in THREAD_VARIABLES:
        env.setdefault(name, share)
    if output_dir is not None:
        env[OUTPUT_ENV] = str(output_dir)
        env[BATCH_PID_ENV] = str(os.getpid())
    return env


def _start(run: Run, config: Config, jobs: int = 1, pool=None) -> _Active:
    """Start a run's worker: forked from the warm pool (:mod:`.pool`) when there is one, else as a new
    process."""
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{run.name}-", dir=config.output_dir))
    staging.chmod(0o755)                    # mkdtemp's 0700 would hide the reports from other readers
    _write_json(staging / MARKER, {"record": RECORD, "version": RECORD_VERSION, "name": run.name,
                                   "notebook": run.notebook, "status": "running", "files": {}})
    job = {
        "input": str(config.notebook_path(run)),
        "output_dir": str(staging),
        "notebook": run.notebook,
        "parameters": run.kernel_parameters,
        "cwd": str(config.notebooks_dir),
        "result": str(staging / ".result.json"),
    }
    job_file = staging / ".job.json"
    atomic_write(job_file, json.dumps(job))
    log = open(staging / ".worker.log", "w", encoding="utf-8")
    if pool is not None and pool.alive():
        from .pool import PoolError

        try:                                # the first run waits here until the pool has imported everything
            worker = pool.start(job_file, staging / ".worker.log")   # (READY_TIMEOUT_S); the run's own time
            return _Active(run, worker, staging, time.perf_counter(), log)   # and timeout start with its worker
        except PoolError:
            pass                            # the pool is gone: a new process, as without one
    env = worker_environment(jobs, config.output_dir)
    proc = subprocess.Popen([sys.executable, "-m", "relmkt_utils.pipeline.worker", str(job_file)],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    return _Active(run, proc, staging, time.perf_counter(), log)


def _start_pool(jobs: int, output_dir: Path):
    """The warm pool of this batch (:mod:`.pool`), or None where it cannot run (no ``fork``)."""
    if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        return None
    from .pool import Pool

    try:
        return Pool(worker_environment(jobs, output_dir))
    except OSError:
        return None


def _read_json(path: Path, default):
    try:
        return json.loads(read_regular(path, limit=MAX_RECORD_BYTES))
    except (OSError, ValueError, DataError):
        return default


def _finish(active: _Active, config: Config, error: str | None, status: str | None = None) -> RunResult:
    """Collect a finished (or stopped) worker's files and publish them as the run's folder, unless
    the attempt failed and the run's previous report finished ok (that one is kept)."""
    active.log.close()
    staging, run = active.staging, active.run
    duration = round(time.perf_counter() - active.started, 2)
    cell_seconds, cpu = [], None
    if error is None:
        result = _read_json(staging / ".result.json", None)
        if result is None:
            tail = "\n".join((staging / ".worker.log").read_text(errors="replace").strip().splitlines()[-5:])
            error = f"the worker stopped unexpectedly (exit {active.proc.returncode}): {tail}"
        else:
            error, cell_seconds = result["error"], result.get("cell_seconds", [])
            cpu = result.get("cpu_s") if isinstance(result.get("cpu_s"), (int, float)) else None
    for name in (".result.json", ".job.json", ".worker.log"):
        (staging / name).unlink(missing_ok=True)
    if status is None:
        # a parameter the notebook itself refuses (e.g. a bootstrap of 0 replicates) is a user mistake too
        status = "ok" if error is None else "invalid" if error.startswith(USER_MISTAKES) else "failed"
    target = config.output_dir / run.name
    refusal = run_folder_problem(target, run.notebook)
    if refusal:
        shutil.rmtree(staging, ignore_errors=True)
        return _bare(run, "invalid", refusal, duration)
    previous = read_record(target)
    if status != "ok" and previous is not None and (previous.get("status") == "ok" or previous.get("legacy")):
        shutil.rmtree(staging, ignore_errors=True)
        res = keep_previous(run, config, status, error, duration, cell_seconds) or _bare(run, status, error, duration)
        res.cpu_s = cpu
        return res
    metrics = _read_json(staging / "metrics.json", {})
    if not (staging / "metrics.json").exists():
        atomic_write(staging / "metrics.json", "{}\n")
    warns = _read_json(staging / "warnings.json", [])
    skipped = [s.get("title", "") for s in _read_json(staging / "skipped.json", []) if isinstance(s, dict)]
    dataset, currency = dataset_label(run)
    record = _record(run, staging, status, error, metrics if isinstance(metrics, dict) else {},
                     warns if isinstance(warns, list) else [], skipped, dataset, currency)
    _write_json(staging / MARKER, record)
    publish(staging, target)
    res = result_from_folder(run, config, record, duration, cell_seconds)
    res.cpu_s = cpu
    return res


def dataset_label(run: Run) -> tuple[str | None, str | None]:
    """The name and currency of a run's dataset, read from its ``dataset.yml`` (None when unknown)."""
    folder = run.kernel_parameters.get("dataset")
    if not folder:
        return None, None
    try:
        meta, _ = read_meta(Path(folder))
        return str(meta.get("name") or Path(folder).name), str(meta.get("currency") or "") or None
    except Exception:
        return Path(str(folder)).name, None


def select_runs(config: Config, only: list[str] | None) -> list[Run]:
    if not only:
        return config.runs
    runs = [r for r in config.runs if r.name in only or r.notebook in only]
    if not runs:
        raise ConfigError(f"no run is named {', '.join(only)}; runs: {', '.join(r.name for r in config.runs)}")
    return runs


def _tidy(output_dir: Path) -> None:
    """Remove staging folders of relmkt's left by a stopped batch (call under the lock)."""
    for leftover in output_dir.glob(".staging-*"):
        if leftover.is_dir() and not leftover.is_symlink() and _regular(leftover / MARKER):
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in output_dir.glob(".old-*"):                    # an earlier relmkt's two-rename publish
        if leftover.is_dir() and not leftover.is_symlink() and _regular(leftover / MARKER):
            shutil.rmtree(leftover, ignore_errors=True)


def run_batch(config: Config, only: list[str] | None = None, jobs: int = 2, progress: bool = True,
              force: bool = False, pool: bool = True) -> list[RunResult]:
    """Check and execute the runs (all, or those whose name or notebook is in ``only``), write the
    index and return the results in config order. Raises :class:`BatchInterrupted` on SIGINT/SIGTERM
    (after stopping every worker and writing the index). ``force`` uses an output folder that holds
    files relmkt did not write (see the module docstring). ``pool`` forks the workers from a warm
    process that has imported what the runs need (:mod:`.pool`); False starts each as a new process."""
    if jobs < 1:
        raise ConfigError(f"--jobs must be 1 or more, got {jobs}")
    runs = select_runs(config, only)
    for note in prepare_output_dir(config.output_dir, force):
        print(f"relmkt: {note}", file=sys.stderr)
    with OutputLock(config.output_dir):
        claim_output_dir(config.output_dir)
        reaped = reap(config.output_dir)
        if reaped:
            print(f"relmkt: ended {len(reaped)} processes left running by an earlier batch on {config.output_dir}",
                  file=sys.stderr)
        _tidy(config.output_dir)
        results: dict[str, RunResult] = {}
        # longest first, by the durations of the earlier index (a run never timed before comes first, in
        # config order): the short runs come last and both places finish at about the same time
        earlier = _earlier_times(config)
        unchecked = sorted(runs, key=lambda r: -earlier[r.name][0] if r.name in earlier else -math.inf)
        queue = []                                  # runs checked and waiting for a place
        validated: dict = {}
        # the pool imports what the runs need while the runs are checked
        warm = _start_pool(jobs, config.output_dir) if pool and runs else None
        received: list[int] = []
        previous = {s: signal.signal(s, lambda signum, frame: received.append(signum))
                    for s in (signal.SIGINT, signal.SIGTERM)}
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(runs), unit="notebook", desc="relmkt run", file=sys.stderr)
        active: list[_Active] = []
        try:
            while (unchecked or queue or active) and not received:
                # a checked run starts when a place is free, and (while runs are left to check) once the pool is ready
                while (queue and len(active) < jobs and not received
                       and (warm is None or not unchecked or warm.is_ready())):
                    active.append(_start(queue.pop(0), config, jobs, warm))
                if unchecked:
                    run = unchecked.pop(0)
                    reason = (preflight(run, config, validated)
                              or run_folder_problem(config.output_dir / run.name, run.notebook))
                    if reason:
                        results[run.name] = not_started(run, config, "invalid", reason)
                        if bar is not None:
                            bar.set_postfix_str(f"{run.name}: invalid")
                            bar.update(1)
                    else:
                        queue.append(run)
                else:
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
                    try:
                        write_index(config, collect(config, results))
                    except PathError:
                        pass               # a full disk: the runs go on; the final index write says it

                    if bar is not None:
                        bar.set_postfix_str(f"{res.name}: {res.status}")
                        bar.update(1)
            if received:
                for a in active:
                    stop_tree(a.proc)
                    results[a.run.name] = _finish(a, config, f"interrupted by {signal.Signals(received[0]).name}",
                                                  status="interrupted")
                for run in queue + unchecked:
                    results[run.name] = not_started(run, config, "interrupted", "not started: the batch was interrupted")
        finally:
            for a in active:                       # an error mid-batch: no worker outlives it
                if a.proc.poll() is None:
                    stop_tree(a.proc)
            if warm is not None:
                warm.close()
            for s, handler in previous.items():
                signal.signal(s, handler)
            if bar is not None:
                bar.close()
            ordered = [results[r.name] for r in runs if r.name in results]
            try:
                write_index(config, collect(config, results))
            finally:
                _tidy(config.output_dir)
        if received:
            raise BatchInterrupted(received[0], ordered)
        return ordered


# ------------------------------------------------------------------------------------------ index

def _earlier_times(config: Config) -> dict[str, tuple[float, list]]:
    """Durations and cell times of the older index (not trusted for anything else), checked as numbers."""
    doc = _read_json(config.output_dir / "index.json", {})
    out = {}
    for entry in doc.get("runs", []) if isinstance(doc, dict) and isinstance(doc.get("runs"), list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        d = entry.get("duration_s")
        number = isinstance(d, (int, float)) and not isinstance(d, bool)
        duration = float(d) if number and math.isfinite(d) and d >= 0 else 0.0
        cells = []
        for c in entry.get("cell_seconds") or []:
            if isinstance(c, dict) and isinstance(c.get("cell"), int) and isinstance(c.get("seconds"), (int, float)):
                cells.append({"cell": int(c["cell"]), "first_line": str(c.get("first_line", ""))[:80],
                              "seconds": float(c["seconds"])})
        out[entry["name"]] = (duration, cells)
    return out


def collect(config: Config, fresh: dict[str, RunResult]) -> list[RunResult]:
    """The index entries, in config order: the runs of this batch from their results, every other
    run from its folder's own record (a run with no folder of relmkt's is left out)."""
    times = _earlier_times(config)
    out = []
    for run in config.runs:
        if run.name in fresh:
            out.append(fresh[run.name])
            continue
        folder = config.output_dir / run.name
        if run_folder_problem(folder, run.notebook) is not None:
            continue
        record = read_record(folder)
        if record is None and not _looks_like_run_folder(folder):
            continue
        duration, cells = times.get(run.name, (0.0, []))
        out.append(result_from_folder(run, config, record or {"legacy": True}, duration, cells, read_attempt(folder)))
    return out


def write_index(config: Config, results: list[RunResult]) -> None:
    """Write ``glossary.html``, ``index.json`` and ``index.html`` (each atomically: a failure keeps the
    previous one)."""
    from ..present.glossary import glossary_html
    from .html import formula_html
    from .index import index_html

    atomic_write(config.output_dir / "glossary.html", glossary_html(formula_html))

    doc = {"generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "runs": [asdict(r) for r in results]}
    page = index_html(results, doc["generated"], config.notebooks_dir)
    atomic_write(config.output_dir / "index.json", json.dumps(doc, indent=2) + "\n")
    # a value that is not text (a lone surrogate a notebook recorded) is shown escaped, never a failed page
    atomic_write(config.output_dir / "index.html", page.encode("utf-8", "backslashreplace"))
