"""The ``relmkt`` command: ``validate`` a dataset, ``run`` the notebook batch, list ``datasets``.

Exit codes: 0 success; 1 a batch ran but a notebook failed while running; 2 a user mistake (invalid
dataset, bad config, parameter or option, a run that could not start, an output folder that cannot
be used); 130 interrupted by Ctrl-C (SIGINT); 143 stopped by SIGTERM. User mistakes print plain
sentences, never a traceback.
"""
from __future__ import annotations

import argparse
import math
import signal
import sys

from ..core.errors import ConfigError, RelmktError


def _validate(args) -> int:
    from ..data.datasets import validate

    problems = validate(args.path)
    if not problems:
        print(f"{args.path}: valid")
        return 0
    print(f"{args.path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
    for p in problems:
        print(f"  - {p.sentence()}")
    return 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive, finite number of seconds, got {text!r}")
    return value


def _run(args) -> int:
    from pathlib import Path

    from .batch import BatchInterrupted, run_batch
    from .config import DEFAULT_CONFIG, load_config

    config = load_config(args.config or DEFAULT_CONFIG)
    if args.output_dir:
        config.output_dir = Path(args.output_dir).resolve()
    if args.timeout:
        config.timeout = args.timeout
    try:
        results = run_batch(config, only=args.only, jobs=args.jobs, progress=not args.quiet)
    except BatchInterrupted as stop:
        _print_results(stop.results, config)
        print(f"relmkt: {stop}; unfinished runs are marked 'interrupted' in the index", file=sys.stderr)
        return 130 if stop.signum == signal.SIGINT else 143
    _print_results(results, config)
    if any(r.status == "invalid" for r in results):
        return 2
    return 1 if any(r.status != "ok" for r in results) else 0


def _print_results(results, config) -> None:
    marks = {"ok": "ok    ", "failed": "FAILED", "invalid": "NOTRUN", "interrupted": "STOPPED"}
    for r in results:
        print(f"{marks.get(r.status, r.status):<7} {r.name:<32} {r.duration_s:7.1f} s")
        if r.error:
            print("        " + r.error.replace("\n", "\n        "))
        for w in r.warnings:
            print(f"        warning: {w}")
    ok = sum(r.status == "ok" for r in results)
    print(f"{ok} of {len(results)} runs ok; index: {config.output_dir / 'index.html'}")


def _datasets(args) -> int:
    from ..data.datasets import available

    for name in available():
        print(name)
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option as a plain sentence and exit code 2 (its own default)."""

    def error(self, message):
        self.print_usage(sys.stderr)
        raise ConfigError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="relmkt", description="Relationship-marketing research notebooks.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    v = sub.add_parser("validate", help="check a dataset folder against the canonical tables")
    v.add_argument("path", help="dataset folder or name in data/")
    v.set_defaults(func=_validate)
    r = sub.add_parser("run", help="run the notebooks of a batch config with papermill")
    r.add_argument("--config", help="YAML config (default: reports.yml of the project)")
    r.add_argument("--only", action="append", help="run only this run or notebook name (repeatable)")
    r.add_argument("--jobs", type=_positive_int, default=2, help="notebooks run at once (default 2)")
    r.add_argument("--output-dir", help="write reports here instead of the config's output_dir")
    r.add_argument("--timeout", type=_seconds, help="seconds per notebook (default from config, else 600)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=_run)
    d = sub.add_parser("datasets", help="list the datasets in data/")
    d.set_defaults(func=_datasets)
    return parser


def main(argv=None) -> int:
    from .startup import skip_unused_slow_imports

    skip_unused_slow_imports()
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except RelmktError as err:
        print(f"relmkt: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("relmkt: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
