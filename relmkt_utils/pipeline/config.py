"""A batch configuration: which notebooks run, with which parameters, and where the reports go.

A config is a YAML file::

    output_dir: reports          # optional; relative to the config file's folder
    notebooks_dir: notebooks     # optional; relative to the config file's folder
    timeout: 600                 # optional, seconds per notebook
    runs:
      - name: loyalty_cdnow      # unique; letters, digits, - and _; becomes <output_dir>/<name>/
        notebook: 01_loyalty_measurement   # a notebook of notebooks_dir, by name
        parameters: {dataset: cdnow, calibration_end: "1997-09-30"}

**Paths, resolved once here and nowhere else.** ``output_dir`` and ``notebooks_dir`` are relative to
the config file's folder (``--output-dir`` on the command line is relative to the current folder). A
run's notebook is a bare name inside ``notebooks_dir``; a path that leaves it (``../x``, ``/abs/x``)
is refused. A ``dataset`` parameter that is a bare name (no ``/``) is a dataset of the project's
``data/`` folder (or ``$RELMKT_DATA``); one with a ``/`` is a folder relative to the config file.
A bare name that is not a dataset of ``data/`` is tried as a folder next to the config file. The
kernel receives the absolute folder, so the check before the run and the notebook read the same
dataset, whatever the current folder holds.

**Parameter values** must be JSON values (strings, numbers, booleans, null, lists, mappings). A
YAML date (``calibration_end: 1997-09-30`` without quotes) is accepted as its ISO string. Text must
be text: a lone surrogate (``"\udc80"``) is refused, and names and paths (notebook, folders,
dataset) must not hold a NUL byte.

**Bounded.** The config must be a regular file (a named pipe is refused, never opened for reading
until it blocks) of at most 16 MB, and its YAML is parsed within :mod:`relmkt_utils.core.bounded_yaml`'s
bounds: an alias bomb is refused in milliseconds.

Every problem is a :class:`~relmkt_utils.core.errors.ConfigError` sentence (exit 2 on the command line).
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..core.bounded_yaml import MAX_BYTES, YAMLLimitError, load_yaml
from ..core.errors import ConfigError
from ..core.files import PathError, check_path_text, check_text, read_regular
from ..data.datasets import data_dir

PROJECT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = PROJECT / "reports.yml"
DEFAULT_TIMEOUT = 600.0
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MAX_PARAMETER_BYTES = 1_000_000
RUN_KEYS = {"name", "notebook", "parameters"}
CONFIG_KEYS = {"runs", "output_dir", "notebooks_dir", "timeout"}


@dataclass
class Run:
    """One notebook run: ``parameters`` as the user wrote them (ISO strings for dates) and
    ``kernel_parameters``, the same with the dataset resolved to an absolute folder."""

    name: str
    notebook: str
    parameters: dict = field(default_factory=dict)
    kernel_parameters: dict = field(default_factory=dict)


@dataclass
class Config:
    runs: list[Run]
    output_dir: Path
    notebooks_dir: Path
    timeout: float
    path: Path | None = None

    def notebook_path(self, run: Run) -> Path:
        return self.notebooks_dir / f"{run.notebook}.ipynb"


def check_timeout(value, where: str) -> float:
    """A positive, finite number of seconds; a ConfigError otherwise."""
    try:
        t = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: the timeout must be a number of seconds, got {value!r}") from None
    if not math.isfinite(t) or t <= 0:
        raise ConfigError(f"{where}: the timeout must be a positive, finite number of seconds, got {value!r}")
    return t


def _text(value: str, where: str, path: bool = False) -> str:
    try:
        (check_path_text if path else check_text)(value, where)
    except PathError as err:
        raise ConfigError(str(err)) from None
    return value


def plain_value(value, where: str):
    """A parameter value as JSON data: YAML dates become ISO strings; anything else that JSON cannot
    hold (sets, binary, custom tags) or text that is not text (a lone surrogate) is a ConfigError."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return _text(value, where + ": a parameter value")
    if isinstance(value, dict):
        return {_text(str(k), where + ": a parameter name"): plain_value(v, where) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_value(v, where) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where}: parameter values must be finite numbers, got {value!r}")
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise ConfigError(f"{where}: a parameter value must be text, a number, true/false, null, a list or a mapping; "
                      f"got {type(value).__name__}")


def resolve_dataset(value, base: Path) -> str:
    """The absolute folder of a ``dataset`` parameter (see the module docstring). A value that names
    no folder still becomes an absolute path, and the dataset check before the run reports it."""
    text = str(value)
    if "/" not in text and "\\" not in text:
        named = data_dir() / text
        if named.is_dir():
            return str(named.resolve())
    p = Path(text).expanduser()
    p = p if p.is_absolute() else base / p
    return str(p.resolve())


def _run(item, i: int, label: str, base: Path, notebooks_dir: Path, seen: set) -> Run:
    if not isinstance(item, dict) or not {"name", "notebook"} <= set(item):
        raise ConfigError(f"{label}: run {i} needs 'name' and 'notebook'")
    name = item["name"]
    if not isinstance(name, str) or not NAME.match(name):
        shown = repr(name) if len(str(name)) <= 40 else repr(str(name)[:40] + "...")
        raise ConfigError(f"{label}: run name {shown} must be 1 to 64 letters, digits, - or _, starting with a "
                          "letter or digit")
    if name in seen:
        raise ConfigError(f"{label}: run name {name!r} is used twice")
    seen.add(name)
    extra = set(item) - RUN_KEYS
    if extra:
        raise ConfigError(f"{label}: run {name!r} has unknown keys {sorted(extra)}; a run has {sorted(RUN_KEYS)}")
    notebook = _text(str(item["notebook"]).removesuffix(".ipynb"), f"{label}: run {name!r}: the notebook", path=True)
    path = (notebooks_dir / f"{notebook}.ipynb").resolve()
    if "/" in notebook or "\\" in notebook or path.parent != notebooks_dir:
        raise ConfigError(f"{label}: run {name!r}: the notebook must be a name in {notebooks_dir} "
                          f"(got {item['notebook']!r}); notebooks outside it are not run")
    params = item.get("parameters") or {}
    if not isinstance(params, dict):
        raise ConfigError(f"{label}: parameters of run {name!r} must be a mapping")
    params = plain_value(params, f"{label}: run {name!r}")
    size = len(json.dumps(params))
    if size > MAX_PARAMETER_BYTES:
        raise ConfigError(f"{label}: the parameters of run {name!r} take {size:,} bytes; at most "
                          f"{MAX_PARAMETER_BYTES:,} are allowed (put large inputs in a dataset)")
    kernel = dict(params)
    if "dataset" in kernel and kernel["dataset"] is not None:
        _text(str(kernel["dataset"]), f"{label}: run {name!r}: the dataset", path=True)
        kernel["dataset"] = resolve_dataset(kernel["dataset"], base)
    return Run(name, notebook, params, kernel)


def load_config(path: str | Path = DEFAULT_CONFIG) -> Config:
    """Read and check a batch config; a ConfigError names what is wrong."""
    path = Path(_text(str(path), "the config path", path=True))
    if not path.exists():
        raise ConfigError(f"config file {path} does not exist")
    try:
        raw = read_regular(path, limit=MAX_BYTES, what=f"config file {path}")
        doc = load_yaml(raw.decode("utf-8"))
    except PathError as err:
        raise ConfigError(str(err)) from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path.name} is not UTF-8 text") from None
    except YAMLLimitError as exc:
        raise ConfigError(f"{path.name}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"{path.name} is not valid YAML{where}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list) or not doc["runs"]:
        raise ConfigError(f"{path.name} must be a mapping with a non-empty list 'runs'")
    unknown = set(doc) - CONFIG_KEYS
    if unknown:
        raise ConfigError(f"{path.name}: unknown keys {sorted(unknown)}; a config has {sorted(CONFIG_KEYS)}")
    base = path.resolve().parent
    for key in ("output_dir", "notebooks_dir"):
        if key in doc and not isinstance(doc[key], str):
            raise ConfigError(f"{path.name}: {key} must be a folder name, got {type(doc[key]).__name__} {doc[key]!r}")
        if key in doc:
            _text(doc[key], f"{path.name}: {key}", path=True)
    notebooks_dir = (base / str(doc.get("notebooks_dir", "notebooks"))).resolve()
    seen: set = set()
    runs = [_run(item, i, path.name, base, notebooks_dir, seen) for i, item in enumerate(doc["runs"], 1)]
    if not notebooks_dir.is_dir():
        raise ConfigError(f"{path.name}: notebooks_dir {notebooks_dir} is not a folder")
    return Config(
        runs=runs,
        output_dir=(base / str(doc.get("output_dir", "reports"))).resolve(),
        notebooks_dir=notebooks_dir,
        timeout=check_timeout(doc.get("timeout", DEFAULT_TIMEOUT), path.name),
        path=path.resolve(),
    )
