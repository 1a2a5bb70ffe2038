"""A benchmark worker: one long-lived process per library, driven over stdin/stdout.

``python -m bench.worker relmkt`` or ``python -m bench.worker lifetimes`` reads one JSON request per
line::

    {"case": "fit_bgnbd", "input": "bench/_work/fit_100k.npz", "output": ".../out.npz", "options": {...}}

loads the input once (inputs and prepared objects are cached, so only the library call is timed; an
input that is not ``.npz``, such as a Parquet log, is handed to the side as ``{"path": ...}``),
runs the case and answers one JSON line::

    {"ok": true, "seconds": 0.084, "peak_mib": 61.2}

Timing is ``time.perf_counter`` around the call alone. Peak memory is the rise of the process's
peak resident set size over its size just before the call: on Linux the peak (``VmHWM``) is reset
by writing ``5`` to ``/proc/self/clear_refs`` before the call and read from ``/proc/self/status``
after it, so it costs nothing during the call. Where that is impossible ``peak_mib`` is null.

Uses only the standard library, numpy and the side module: it runs under both environments.
"""
from __future__ import annotations

import gc
import importlib
import json
import os
import re
import sys
import time
import traceback

import numpy as np

_STATUS = "/proc/self/status"


def _status_kib(field: str) -> int | None:
    try:
        with open(_STATUS) as fh:
            m = re.search(rf"^{field}:\s+(\d+) kB", fh.read(), re.M)
        return int(m.group(1)) if m else None
    except OSError:
        return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def measure(fn):
    """Run ``fn()`` once; return (result, seconds, peak MiB above the RSS before the call, or None)."""
    gc.collect()
    can_reset = _reset_peak()
    before = _status_kib("VmRSS")
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak = _status_kib("VmHWM")
    peak_mib = (peak - before) / 1024 if can_reset and peak is not None and before is not None else None
    return result, seconds, peak_mib


def serve(side: str, requests, replies) -> None:
    module = importlib.import_module(f"bench.side_{side}")
    loaded: dict = {}
    prepared: dict = {}
    for line in requests:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            key = (req["case"], req["input"], json.dumps(req.get("options", {}), sort_keys=True))
            if req["input"] not in loaded:
                loaded.clear()
                prepared.clear()
                if req["input"].endswith(".npz"):
                    with np.load(req["input"], allow_pickle=False) as npz:
                        loaded[req["input"]] = {k: npz[k] for k in npz.files}
                else:  # a file the library reads itself (the Parquet logs of the DuckDB cases)
                    loaded[req["input"]] = {"path": req["input"]}
            if key not in prepared:
                prepared[key] = module.prepare(req["case"], loaded[req["input"]], req.get("options", {}))
            result, seconds, peak_mib = measure(lambda: module.run(req["case"], prepared[key], req.get("options", {})))
            if req.get("output"):
                np.savez(req["output"], **module.outputs(req["case"], result))
            del result
            reply = {"ok": True, "seconds": seconds, "peak_mib": peak_mib}
        except Exception as exc:  # reported to the driver, which records the case as failed
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] not in ("relmkt", "lifetimes"):
        print("usage: python -m bench.worker relmkt|lifetimes", file=sys.stderr)
        return 2
    sys.stdout.flush()
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything the libraries print (even from C) goes to stderr, not into the replies
    serve(argv[0], sys.stdin, replies)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
