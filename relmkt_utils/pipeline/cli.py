"""The ``relmkt`` command: ``validate`` a dataset, ``import`` a raw order export, ``run`` the notebook
batch, list ``datasets``.

Exit codes: 0 success; 1 a batch ran but a notebook failed while running; 2 a user mistake (invalid
dataset, bad config, parameter or option, a run that could not start, an output folder that cannot
be used, a file that cannot be written: a full disk, a read-only file system, a file-size limit);
130 interrupted by Ctrl-C (SIGINT); 143 stopped by SIGTERM. User mistakes print plain sentences,
never a traceback; text that cannot be printed as it is (a file name with undecodable bytes) is
printed with backslash escapes. SIGTERM during ``import`` or ``summarize`` removes what was staged
(nothing half-written is left) and exits 143.
"""
from __future__ import annotations

import argparse
import math
import signal
import sys

from ..core.errors import ConfigError, RelmktError


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that ``finally`` blocks remove what was staged."""


def _validate(args) -> int:
    from ..data.datasets import validate

    from .summarize import is_summary, summary_problems

    if is_summary(args.path):
        problems = summary_problems(args.path)
        print(f"{args.path}: valid" if not problems else f"{args.path}: {problems[0]}")
        return 0 if not problems else 2
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
        results = run_batch(config, only=args.only, jobs=args.jobs, progress=not args.quiet, force=args.force)
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
        if r.kept_report:
            print("        the run's last report is kept")
        for w in r.warnings:
            print(f"        warning: {w}")
    ok = sum(r.status == "ok" for r in results)
    print(f"{ok} of {len(results)} runs ok; index: {config.output_dir / 'index.html'}")


def _import(args) -> int:
    from ..data.importer import import_orders, read_mapping

    settings = read_mapping(args.mapping) if args.mapping else {}
    for key in ("customer_col", "date_col", "order_col", "amount_col", "quantity_col", "price_col",
                "returns", "currency", "time_unit", "name", "encoding"):
        value = getattr(args, key)
        if value is not None:
            settings[key] = value
    if args.date_format or args.dayfirst or args.monthfirst:     # a date option given here replaces the mapping's
        for key in ("date_format", "dayfirst", "monthfirst"):
            settings.pop(key, None)
        if args.date_format:
            settings["date_format"] = args.date_format
        settings["dayfirst"], settings["monthfirst"] = bool(args.dayfirst), bool(args.monthfirst)
    if args.attribute:
        settings["attributes"] = args.attribute
    missing = [k for k in ("customer_col", "date_col") if k not in settings]
    if missing:
        raise ConfigError("relmkt import needs " + " and ".join(f"--{k.replace('_', '-')}" for k in missing)
                          + " (or a --mapping file with them)")
    report = import_orders(args.source, args.out, **settings)
    print(report.text())
    print(f"{report.path}: valid")
    return 0


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
    r.add_argument("--force", action="store_true", help="use an output folder that holds files relmkt did not write "
                   "(relmkt says which index.html/index.json it replaces; /, the home folder and other people's run "
                   "folders are still refused)")
    r.set_defaults(func=_run)
    i = sub.add_parser("import", help="turn a raw order export (CSV or Parquet) into a dataset folder")
    i.add_argument("source", help="the export: a CSV or Parquet file with one row per order line or order")
    i.add_argument("--out", required=True, help="the dataset folder to write (must not exist, be empty, or be an "
                   "unchanged earlier relmkt import, which is then replaced)")
    i.add_argument("--mapping", help="a YAML file with the settings below as keys (options given here win)")
    i.add_argument("--customer-col", dest="customer_col", help="column of the customer id")
    i.add_argument("--date-col", dest="date_col", help="column of the order date")
    dates = i.add_mutually_exclusive_group()
    dates.add_argument("--date-format", dest="date_format", help="strftime format every date must match, e.g. "
                       "%%d/%%m/%%Y %%H:%%M (default: the order the dates show, stated in the printout)")
    dates.add_argument("--dayfirst", action="store_true", help="dates are day first (31/01/2024); a date that reads "
                       "only month first is an error")
    dates.add_argument("--monthfirst", action="store_true", help="dates are month first (1/31/2024); a date that "
                       "reads only day first is an error")
    i.add_argument("--order-col", dest="order_col", help="column of the order (invoice) number: one transaction per order")
    i.add_argument("--amount-col", dest="amount_col", help="column of the line amount")
    i.add_argument("--quantity-col", dest="quantity_col", help="column of the quantity (with --price-col)")
    i.add_argument("--price-col", dest="price_col", help="column of the unit price (with --quantity-col)")
    i.add_argument("--returns", choices=("drop", "net", "keep"), help="lines with a negative amount: drop them, net them "
                   "against the customer's purchases, or keep them in a separate returns table (default drop)")
    i.add_argument("--attribute", action="append", help="a customer attribute column to carry over (repeatable)")
    i.add_argument("--currency", help="currency of the amounts (default EUR)")
    i.add_argument("--time-unit", dest="time_unit", choices=("day", "week", "month"), help="model time unit (default week)")
    i.add_argument("--name", help="dataset name (default: the folder name)")
    i.add_argument("--encoding", help="text encoding of a CSV (default: UTF-8, else Windows-1252, else Latin-1)")
    i.set_defaults(func=_import)
    d = sub.add_parser("datasets", help="list the datasets in data/")
    d.set_defaults(func=_datasets)
    from .summarize import add_summarize_parser  # relmkt summarize (pipeline/summarize.py)

    add_summarize_parser(sub)
    return parser


def _terminate(signum, frame):
    raise Terminated()


def main(argv=None) -> int:
    from .startup import skip_unused_slow_imports

    skip_unused_slow_imports()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass
    previous = signal.getsignal(signal.SIGTERM)
    try:
        args = build_parser().parse_args(argv)
        if args.command != "run":          # the batch has its own SIGTERM handling
            try:
                signal.signal(signal.SIGTERM, _terminate)
            except ValueError:             # not the main thread: leave SIGTERM alone
                pass
        return args.func(args)
    except RelmktError as err:
        print(f"relmkt: {err}", file=sys.stderr)
        return 2
    except OSError as exc:                 # the environment, not the program: a sentence, not a traceback
        from ..core.files import os_error_sentence

        print(f"relmkt: {os_error_sentence(exc, exc.filename, 'read or write')}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("relmkt: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("relmkt: stopped by SIGTERM; nothing half-written was left", file=sys.stderr)
        return 143
    finally:
        try:
            signal.signal(signal.SIGTERM, previous)
        except (TypeError, ValueError):
            pass


if __name__ == "__main__":
    sys.exit(main())
