"""The ``relmkt`` command: ``validate`` a dataset, ``run`` the notebook batch, ``datasets`` list.

Exit codes: 0 success; 1 a batch ran but some notebook failed; 2 a user mistake (invalid dataset,
bad config or parameter, unknown run). User mistakes print plain sentences, never a traceback.
"""
from __future__ import annotations

import argparse
import sys

from ..core.errors import RelmktError


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


def _run(args) -> int:
    from .batch import DEFAULT_CONFIG, load_config, run_batch

    config = load_config(args.config or DEFAULT_CONFIG)
    if args.output_dir:
        from pathlib import Path

        config.output_dir = Path(args.output_dir).resolve()
    if args.timeout:
        config.timeout = args.timeout
    results = run_batch(config, only=args.only, jobs=args.jobs, progress=not args.quiet)
    failed = [r for r in results if r.status != "ok"]
    for r in results:
        mark = "ok    " if r.status == "ok" else "FAILED"
        print(f"{mark} {r.name:<32} {r.duration_s:7.1f} s")
        if r.error:
            print("       " + r.error.replace("\n", "\n       "))
    print(f"{len(results) - len(failed)} of {len(results)} runs ok; index: {config.output_dir / 'index.html'}")
    return 1 if failed else 0


def _datasets(args) -> int:
    from ..data.datasets import available

    for name in available():
        print(name)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="relmkt", description="Relationship-marketing research notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check a dataset folder against the canonical tables")
    v.add_argument("path", help="dataset folder or name in data/")
    v.set_defaults(func=_validate)
    r = sub.add_parser("run", help="run the notebooks of a batch config with papermill")
    r.add_argument("--config", help="YAML config (default: reports.yml of the project)")
    r.add_argument("--only", action="append", help="run only this run or notebook name (repeatable)")
    r.add_argument("--jobs", type=int, default=2, help="notebooks run at once (default 2)")
    r.add_argument("--output-dir", help="write reports here instead of the config's output_dir")
    r.add_argument("--timeout", type=float, help="seconds per notebook (default from config, else 600)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=_run)
    d = sub.add_parser("datasets", help="list the datasets in data/")
    d.set_defaults(func=_datasets)
    return parser


def main(argv=None) -> int:
    from .startup import skip_unused_slow_imports

    skip_unused_slow_imports()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except RelmktError as err:
        print(f"relmkt: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("relmkt: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
