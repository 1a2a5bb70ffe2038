"""Files relmkt writes and reads: never lose or overwrite what is not relmkt's (DESIGN, "Writing files").

**Writing.** :func:`atomic_output` (and :func:`atomic_write` for bytes or text) writes to a new
temporary file *beside* the target (same folder, so the final rename cannot cross file systems),
created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` and flushed to disk, and only then renames it over
the target. Until that rename the old file is untouched: a failure (a full disk, a file-size limit,
a read-only file system, a kill) leaves the previous version as it was and no half-written file. A
target that is a symbolic link is refused (:class:`PathError`): renaming over it would replace the
user's link, and opening it would write wherever it points. Folders are published the same way
(:func:`rename_noreplace`, :func:`exchange`: Linux ``renameat2`` with ``RENAME_NOREPLACE`` /
``RENAME_EXCHANGE``, so a folder is swapped in one step and never replaces one that appeared meanwhile).

**Reading.** :func:`open_regular` opens only regular files: it opens with ``O_NONBLOCK`` (so a named
pipe cannot block the open), checks with ``fstat`` and refuses a FIFO, socket, device or folder
with a sentence. :func:`read_regular` also bounds the size. :func:`detect_encoding` names the
encoding of a byte-order mark (UTF-8, UTF-16, UTF-32) and recognizes UTF-16 without one.

**Locks.** :class:`PathLock` is an exclusive ``flock`` on a lock file opened with ``O_NOFOLLOW``
(a symbolic link planted under the lock's name is refused, never followed or truncated). POSIX
only, as the rest of the batch (it reads ``/proc``); ``filelock`` is not used because its Unix lock
opens the path with ``O_TRUNC`` and follows a link.

**Records.** :func:`file_record` and :func:`check_files` write and check the sizes and SHA-256 of
the files of an output, relmkt's marker of completeness: an output whose files do not match their
record is incomplete (stopped while writing) or was changed since.

Every problem a user can cause is a :class:`PathError` (a :class:`~.errors.DataError`: one
sentence, exit code 2 on the command line), and an ``OSError`` while writing is turned into one by
:func:`os_error_sentence` (the disk is full, the file-size limit, a read-only file system).
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import os
import secrets
import stat
from contextlib import contextmanager
from pathlib import Path

from .errors import DataError

#: Prefix of the temporary files written beside a target (hidden; removed on failure).
TEMP_PREFIX = ".relmkt-tmp-"

_ERRNO_SENTENCES = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file would be larger than the file-size limit (ulimit -f)",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "the operation is not permitted",
    errno.ELOOP: "it is a symbolic link, which relmkt does not follow",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "it is a folder",
    errno.ENOENT: "it does not exist",
    errno.EEXIST: "it already exists",
}


class PathError(DataError):
    """A path relmkt may not or cannot read or write (one sentence naming the path and why)."""


def os_error_sentence(exc: OSError, path=None, action: str = "write") -> str:
    """``cannot write PATH: the disk is full`` for an OSError (its errno in plain words)."""
    where = path if path is not None else (exc.filename or "a file")
    why = _ERRNO_SENTENCES.get(exc.errno) or (exc.strerror or type(exc).__name__).lower()
    return f"cannot {action} {where}: {why}"


def describe_kind(mode: int) -> str:
    """The kind of a file mode in words (regular file, folder, named pipe (FIFO), ...)."""
    for test, word in ((stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"),
                       (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return word
    return "not a regular file"


def check_path_text(text: str, what: str) -> None:
    """A path or name given by the user must be one a file system can hold: no NUL byte, and no lone
    surrogate other than those that stand for undecodable bytes of a file name (``surrogateescape``)."""
    if "\x00" in text:
        raise PathError(f"{what} contains a NUL byte (\\x00), which no file or folder name can hold: {text!r}")
    try:
        os.fsencode(text)
    except UnicodeEncodeError:
        raise PathError(f"{what} contains a lone surrogate, which is not text: {text!r}") from None


def check_text(text: str, what: str) -> None:
    """Text that relmkt will write (into a notebook, a page, a CSV) must be encodable as UTF-8: a lone
    surrogate (``"\\udc80"`` in YAML) is not text."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PathError(f"{what} contains a lone surrogate {exc.object[exc.start:exc.end]!r}, which is not text "
                        "and cannot be written as UTF-8") from None


# --------------------------------------------------------------------------------------- reading

def open_regular(path, what: str | None = None):
    """Open ``path`` for reading as a binary file object, only if it is a regular file (a link to
    a regular file is fine: inputs are the user's). A named pipe never blocks the open."""
    name = what or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except ValueError:          # an embedded NUL byte
        raise PathError(f"{name}: the path contains a NUL byte") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise PathError(f"{name} is {describe_kind(mode)}, not a regular file; relmkt reads only regular files")
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path, limit: int | None = None, what: str | None = None) -> bytes:
    """The bytes of a regular file (see :func:`open_regular`); a PathError when it holds more than
    ``limit`` bytes (read no further than that)."""
    with open_regular(path, what) as fh:
        data = fh.read() if limit is None else fh.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise PathError(f"{what or path} is larger than {limit:,} bytes, the most relmkt reads for this file")
    return data


#: Byte-order marks, longest first (UTF-32 LE starts with the UTF-16 LE mark).
BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"), (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
        (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"), (b"\xff\xfe", "utf-16-le", "UTF-16"),
        (b"\xfe\xff", "utf-16-be", "UTF-16"))


def detect_encoding(raw: bytes) -> tuple[str, str, int] | None:
    """The encoding a byte-order mark announces: (codec, plain name, length of the mark), or, for
    UTF-16 text without a mark (one zero byte in every pair of an ASCII text), (codec, name, 0).
    None when the bytes say nothing."""
    for mark, codec, label in BOMS:
        if raw.startswith(mark):
            return codec, label, len(mark)
    head = raw[:4096]
    if len(head) >= 8 and head.count(0) >= len(head) // 4:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > 0.4 * len(head) / 2 and even == 0:
            return "utf-16-le", "UTF-16 (little-endian, without a byte-order mark)", 0
        if even > 0.4 * len(head) / 2 and odd == 0:
            return "utf-16-be", "UTF-16 (big-endian, without a byte-order mark)", 0
    return None


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_record(folder, names) -> dict:
    """``{name: {"bytes": size, "sha256": hex}}`` of files in ``folder`` (sorted by name)."""
    folder = Path(folder)
    return {n: {"bytes": os.stat(folder / n).st_size, "sha256": file_sha256(folder / n)} for n in sorted(names)}


def check_files(folder, record: dict, digest: bool = True) -> list[str]:
    """Sentences for the files of ``record`` that are missing or differ (size, then SHA-256)."""
    out = []
    folder = Path(folder)
    for name, want in sorted(record.items()):
        path = folder / name
        try:
            st = os.lstat(path)
        except OSError:
            out.append(f"{name} is missing")
            continue
        if not stat.S_ISREG(st.st_mode):
            out.append(f"{name} is {describe_kind(st.st_mode)}")
        elif not isinstance(want, dict) or st.st_size != want.get("bytes"):
            out.append(f"{name} has {st.st_size:,} bytes, not the {want.get('bytes', 0):,} relmkt wrote"
                       if isinstance(want, dict) and isinstance(want.get("bytes"), int) else f"{name} has no valid record")
        elif digest and file_sha256(path) != want.get("sha256"):
            out.append(f"{name} differs from what relmkt wrote (SHA-256)")
    return out


# --------------------------------------------------------------------------------------- writing

def refuse_link(path, what: str | None = None) -> None:
    """A PathError if ``path`` is a symbolic link (dangling or not)."""
    if os.path.islink(path):
        raise PathError(f"{what or path} is a symbolic link; relmkt never writes through a link or over it: "
                        "remove the link or choose another path")


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def new_temp_file(folder, suffix: str = "", mode: int = 0o644) -> Path:
    """Create an empty temporary file in ``folder`` (``O_EXCL | O_NOFOLLOW``) and return its path."""
    folder = Path(folder)
    umask = os.umask(0)
    os.umask(umask)
    for _ in range(100):
        path = folder / f"{TEMP_PREFIX}{secrets.token_hex(6)}{suffix}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode & ~umask)
        except FileExistsError:
            continue
        os.close(fd)
        return path
    raise PathError(f"cannot create a temporary file in {folder}")


@contextmanager
def atomic_output(target, *, suffix: str | None = None, mode: int = 0o644, what: str | None = None):
    """Yield the path of a new temporary file beside ``target``; when the block ends without an
    exception, the file is flushed to disk and renamed over ``target``. On an exception the
    temporary file is removed and ``target`` is untouched; an OSError becomes a PathError sentence.
    ``suffix`` (default: the target's) keeps writers that choose a format by extension happy."""
    target = Path(target)
    name = what or str(target)
    refuse_link(target, name)
    if target.is_dir():
        raise PathError(f"cannot write {name}: it is a folder")
    try:
        tmp = new_temp_file(target.parent, target.suffix if suffix is None else suffix, mode)
    except OSError as exc:
        raise PathError(os_error_sentence(exc, name)) from None
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        refuse_link(target, name)            # a link planted while we wrote is not replaced either
        os.replace(tmp, target)
        _fsync_folder(target.parent)
    except OSError as exc:
        _remove_quietly(tmp)
        raise PathError(os_error_sentence(exc, name) + "; nothing was replaced") from None
    except BaseException:
        _remove_quietly(tmp)
        raise


def atomic_write(target, data, *, mode: int = 0o644, what: str | None = None) -> Path:
    """Write ``data`` (bytes, or text as UTF-8) to ``target`` atomically (:func:`atomic_output`).
    Text that cannot be UTF-8 (a lone surrogate) is refused before anything is written."""
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise PathError(f"cannot write {what or target}: the text holds a lone surrogate "
                            f"{exc.object[exc.start:exc.end]!r}, which is not text; nothing was replaced") from None
    with atomic_output(target, mode=mode, what=what) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
    return Path(target)


def _remove_quietly(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


# ------------------------------------------------------------------------------ renaming folders

RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2
_AT_FDCWD = -100


def _renameat2(src, dst, flags: int) -> bool:
    """Linux renameat2; False when the kernel, libc or file system does not offer it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(dst))


def rename_noreplace(src, dst) -> None:
    """Rename ``src`` to ``dst``, failing with FileExistsError if ``dst`` exists (even an empty folder,
    which a plain rename would replace)."""
    if _renameat2(src, dst, RENAME_NOREPLACE):
        return
    if os.path.lexists(dst):
        raise FileExistsError(errno.EEXIST, "File exists", str(dst))
    os.rename(src, dst)


def exchange(a, b) -> None:
    """Swap two paths in one step (``RENAME_EXCHANGE``); elsewhere with three renames."""
    if _renameat2(a, b, RENAME_EXCHANGE):
        return
    parked = Path(a).with_name(f"{Path(a).name}.swap-{secrets.token_hex(4)}")
    os.rename(b, parked)
    os.rename(a, b)
    os.rename(parked, a)


# -------------------------------------------------------------------------------------- locks

class PathLock:
    """An exclusive, non-blocking lock on ``path`` for as long as the ``with`` block runs.

    ``busy(holder)`` gives the sentence when another process holds it (``holder``: what that
    process wrote into the file, e.g. its pid). ``remove=True`` deletes the lock file on release
    (the lock of one output file); after taking the lock it checks that the path still names the
    file it locked, so a file removed by the previous holder in between is not a false lock."""

    def __init__(self, path, busy, remove: bool = False):
        self.path = Path(path)
        self.busy = busy
        self.remove = remove
        self.fd: int | None = None

    def _open(self) -> int:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                refuse_link(self.path)
            raise PathError(os_error_sentence(exc, self.path, "create the lock file")) from None
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            raise PathError(f"the lock file {self.path} is {describe_kind(mode)}; remove it")
        return fd

    def __enter__(self):
        for _ in range(5):
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 300, 0).decode("utf-8", "replace").strip() or "another process"
                os.close(fd)
                raise PathError(self.busy(holder)) from None
            try:
                same = os.fstat(fd).st_ino == os.lstat(self.path).st_ino
            except OSError:
                same = False
            if same:
                break
            os.close(fd)               # the previous holder removed the file: lock the new one
        else:
            raise PathError(self.busy("another process"))
        from datetime import datetime, timezone

        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC\n".encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is None:
            return
        if self.remove:
            _remove_quietly(self.path)
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None


def output_lock(target, what: str) -> PathLock:
    """The lock of one output (a file or folder): ``.<name>.relmkt-lock`` beside it, removed after."""
    target = Path(target)
    return PathLock(target.with_name(f".{target.name}.relmkt-lock"),
                    lambda holder: f"another relmkt {what} is writing {target} ({holder}); wait for it to finish or "
                                   "choose another output", remove=True)


def same_or_inside(path, others) -> str | None:
    """The first of ``others`` that ``path`` is, or lies inside (by real path); None when none."""
    real = os.path.realpath(path)
    for other in others:
        o = os.path.realpath(other)
        if real == o or real.startswith(o.rstrip(os.sep) + os.sep):
            return str(other)
    return None
