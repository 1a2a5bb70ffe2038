"""A small reader of R's ``.rda`` files (the data of R packages), for the data conversion scripts.

It reads what R packages' data frames are made of: R's XDR serialization, versions 2 and 3, gzip-,
bzip2- or xz-compressed, with logical, integer, double and character vectors, lists, factors, dates,
pairlists, environments and external pointers (skipped), and three "ALTREP" forms of R >= 3.5:
compact integer/real sequences (row names), wrapped vectors and deferred number-to-string conversions. Anything else raises ``ValueError`` naming the type. No R and no extra Python
package is needed.

``read_rda(path)`` returns {object name: value}, a data frame as a ``pandas.DataFrame`` (factors as
their labels, ``Date`` columns as ``datetime64[ns]``).
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import struct
from pathlib import Path

import numpy as np
import pandas as pd

NA_INTEGER = -(2 ** 31)
_NIL, _REF, _GLOBAL, _UNBOUND, _MISSING, _BASENS, _EMPTY, _BASEENV = 254, 255, 253, 252, 251, 247, 242, 241
_SPECIAL = {_NIL, _GLOBAL, _UNBOUND, _MISSING, _BASENS, _EMPTY, _BASEENV}


class _RObj:
    """An R vector with its attributes."""

    def __init__(self, kind, value, attrs=None):
        self.kind, self.value, self.attrs = kind, value, attrs or {}


class _Reader:
    def __init__(self, raw: bytes):
        self.b, self.i, self.refs = raw, 0, []

    def take(self, n):
        out = self.b[self.i:self.i + n]
        self.i += n
        return out

    def int(self):
        return struct.unpack(">i", self.take(4))[0]

    def length(self):
        n = self.int()
        if n == -1:
            hi, lo = self.int(), self.int()
            n = (hi << 32) + lo
        return n

    def string(self):
        flags = self.int()
        if flags & 0xFF != 9:
            raise ValueError(f"rda: expected a string, got type {flags & 0xFF}")
        n = self.int()
        return None if n == -1 else self.take(n).decode("utf-8", errors="replace")

    def attributes(self, flags):
        return self.pairlist_dict(self.item()) if flags & (1 << 9) else {}

    @staticmethod
    def pairlist_dict(pl):
        out = {}
        while isinstance(pl, tuple):
            tag, car, pl = pl
            out[tag] = car
        return out

    def item(self):
        flags = self.int()
        t = flags & 0xFF
        if t in _SPECIAL:
            return None
        if t == _REF:
            idx = flags >> 8
            return self.refs[(idx if idx else self.int()) - 1]
        if t == 1:                                   # symbol
            name = self.string()
            self.refs.append(name)
            return name
        if t in (2, 239, 6, 240):                    # pairlist (and language objects, read alike)
            attrs = self.attributes(flags)
            tag = self.item() if flags & (1 << 10) else None
            car = self.item()
            cdr = self.item()
            del attrs
            return (tag, car, cdr)
        if t == 4:                                   # environment
            env = {}
            self.refs.append(env)
            self.int()
            for _ in range(4):                       # enclosure, frame, hash table, attributes
                self.item()
            return env
        if t == 22:                                  # external pointer
            ptr = object()
            self.refs.append(ptr)
            self.item(), self.item()
            self.attributes(flags)
            return ptr
        if t == 9:                                   # a bare string
            n = self.int()
            return None if n == -1 else self.take(n).decode("utf-8", errors="replace")
        if t in (10, 13):                            # logical, integer
            n = self.length()
            arr = np.frombuffer(self.take(4 * n), dtype=">i4").astype(np.int64)
            return _RObj(t, arr, self.attributes(flags))
        if t == 14:                                  # double
            n = self.length()
            arr = np.frombuffer(self.take(8 * n), dtype=">f8").astype(float)
            return _RObj(t, arr, self.attributes(flags))
        if t == 16:                                  # character
            n = self.length()
            vals = [self.string() for _ in range(n)]
            return _RObj(t, vals, self.attributes(flags))
        if t == 19:                                  # list
            n = self.length()
            vals = [self.item() for _ in range(n)]
            return _RObj(t, vals, self.attributes(flags))
        if t == 238:                                 # ALTREP: class info, state, attributes
            info = self.item()
            state = self.item()
            attrs = self.item()
            cls = info[1] if isinstance(info, tuple) else None
            if cls in ("compact_intseq", "compact_realseq"):
                n, start, step = (float(v) for v in state.value[:3])
                arr = start + step * np.arange(int(n))
                kind = 13 if cls == "compact_intseq" else 14
                return _RObj(kind, arr.astype(np.int64) if kind == 13 else arr, self.pairlist_dict(attrs))
            if cls and cls.startswith("wrap_"):
                inner = state[1] if isinstance(state, tuple) else state.value[0]
                return inner
            if cls == "deferred_string":              # as.character() of a number vector, not yet done
                src = state[1].value if isinstance(state, tuple) else state.value
                strs = [str(int(v)) if float(v).is_integer() else repr(float(v)) for v in src]
                return _RObj(16, strs, self.pairlist_dict(attrs))
            raise ValueError(f"rda: unsupported ALTREP class {cls!r}")
        raise ValueError(f"rda: unsupported R type {t}")


def _open(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    elif raw[:3] == b"BZh":
        raw = bz2.decompress(raw)
    elif raw[:6] == b"\xfd7zXZ\x00":
        raw = lzma.decompress(raw)
    if raw[:5] not in (b"RDX2\n", b"RDX3\n") or raw[5:7] != b"X\n":
        raise ValueError(f"{path.name}: not an XDR .rda file")
    return raw


def _value(obj):
    """Python value of an R object: a DataFrame for a data frame, a Series-like array otherwise."""
    if not isinstance(obj, _RObj):
        return obj
    cls = obj.attrs.get("class")
    cls = cls.value if isinstance(cls, _RObj) else []
    if obj.kind == 19 and "data.frame" in cls:
        names = obj.attrs["names"].value
        return pd.DataFrame({n: _value(col) for n, col in zip(names, obj.value)})
    if obj.kind == 13 and "factor" in cls:
        levels = np.array(obj.attrs["levels"].value, dtype=object)
        codes = obj.value
        return pd.Categorical.from_codes(np.where(codes == NA_INTEGER, -1, codes - 1), categories=levels)
    if obj.kind == 14 and "Date" in cls:
        days = obj.value
        return pd.to_datetime(np.where(np.isnan(days), np.nan, days), unit="D", origin="unix")
    if obj.kind in (10, 13):
        v = obj.value
        return np.where(v == NA_INTEGER, np.nan, v) if (v == NA_INTEGER).any() else v
    if obj.kind == 19:
        return [_value(v) for v in obj.value]
    return obj.value


def read_rda(path) -> dict:
    """The objects saved in an ``.rda`` file, by name (see the module docstring)."""
    path = Path(path)
    r = _Reader(_open(path))
    r.i = 7
    version = r.int()
    r.int(), r.int()
    if version == 3:
        r.take(r.int())                                          # native encoding
    pl = r.item()
    return {name: _value(obj) for name, obj in _Reader.pairlist_dict(pl).items()}
