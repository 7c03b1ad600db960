"""Atomic file writes: write to a temporary file beside the target, fsync, then rename into place.

A crash or Ctrl-C halfway leaves either the old file or the new one, never half of one.

What the target may be:

- a regular file or a new name: replaced atomically;
- a **symlink**: written *through* — the file it points to is replaced atomically and the link
  stays a link (replacing the link itself would leave its target with the old content, which is
  never what a user who linked an output meant);
- a folder, device node, FIFO or socket: refused with one line (:class:`~skipgram.errors.OutputPathError`),
  so nothing is ever written over ``/dev/full`` or through a pipe.

Temporary files are named ``.{name}.{pid}.{random}.tmp``. Those of this process are removed at
exit (also after an error); those left by a process that no longer exists (kill -9, power loss)
are removed the next time the same target is written.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ._leftovers import pid_is_alive
from .errors import OutputPathError

# Temporary files of this process still on disk (removed at exit if a write never finished).
_PENDING: set[str] = set()
# (folder, name) pairs already swept for stale temporaries in this process.
_SWEPT: set[tuple[str, str]] = set()


def resolve_output(path: str | os.PathLike[str]) -> Path:
    """The file a write to ``path`` replaces: symlinks followed; special files refused.

    Examples
    --------
    >>> resolve_output("/dev/null")
    Traceback (most recent call last):
    ...
    skipgram.errors.OutputPathError: cannot write '/dev/null': it is a character device, not a regular file
    """
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise OutputPathError(f"cannot write {os.fspath(path)!r}: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise OutputPathError(f"cannot write {os.fspath(path)!r}: it is {_kind(mode)}, not a regular file")
    return target


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb", **open_kwargs) -> Iterator[IO]:
    """Open a temporary file next to ``path``; on success it replaces ``path`` atomically.

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_write(target, "w") as f:
    ...     _ = f.write("hello")
    >>> open(target).read()
    'hello'
    """
    target = resolve_output(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write {os.fspath(path)!r}: folder {str(directory)!r} does not exist")
    sweep_stale_temporaries(directory, target.name)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise _naming(exc, path) from None
    _PENDING.add(tmp_name)
    try:
        try:
            with os.fdopen(fd, mode, **open_kwargs) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            # mkstemp creates the file 0600; give it the mode a plain open() would (or the old file's).
            os.chmod(tmp_name, _final_mode(target))
            os.replace(tmp_name, target)
        except OSError as exc:
            raise _naming(exc, path) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    finally:
        _PENDING.discard(tmp_name)


def _naming(exc: OSError, path: str | os.PathLike[str]) -> OSError:
    """The same OSError, with a message that names the file being written (a full disk names none)."""
    if isinstance(exc, OutputPathError) or os.fspath(path) in str(exc):
        return exc
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        reason += " (the disk or quota is full; the previous file, if any, is unchanged)"
    new = type(exc)(exc.errno, f"cannot write {os.fspath(path)!r}: {reason}") if exc.errno else None
    return new if new is not None else OSError(f"cannot write {os.fspath(path)!r}: {reason}")


_TMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")


def sweep_stale_temporaries(directory: Path, name: str) -> list[Path]:
    """Remove ``.{name}.{pid}.*.tmp`` files beside a target whose writing process is dead."""
    key = (os.fspath(directory), name)
    if key in _SWEPT:
        return []
    _SWEPT.add(key)
    removed = []
    prefix = f".{name}."
    try:
        candidates = [entry for entry in os.scandir(directory) if entry.name.startswith(prefix)]
    except OSError:
        return []
    for entry in candidates:
        match = _TMP_NAME.match(entry.name)
        if match is None or match["name"] != name or pid_is_alive(int(match["pid"])):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


@atexit.register
def _remove_pending() -> None:
    for name in list(_PENDING):
        with contextlib.suppress(OSError):
            os.unlink(name)
    _PENDING.clear()


def _final_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
