"""Leftovers of dead processes: ``skipgram-corpus-*`` / ``skipgram-scan-*`` cache folders.

A cache folder is named ``skipgram-{kind}-{pid}-{random}`` by the process that made it (see
:func:`cache_prefix`). Normal exits, errors, Ctrl-C and SIGTERM remove it (finalizers run at exit);
kill -9, a crash or a power cut cannot, so :func:`sweep_stale_caches` removes, at the start of the
next training, the folders whose process no longer exists. Folders of live processes — another
training sharing the cache folder — are never touched; nor are folders in the old naming without a
pid (we cannot tell whether their owner is alive).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

logger = logging.getLogger(__name__)

CACHE_KINDS = ("corpus", "scan")
_CACHE_NAME = re.compile(r"^skipgram-(?:corpus|scan)-(?P<pid>\d+)-[^/]+$")


def cache_prefix(kind: str) -> str:
    """The ``tempfile.mkdtemp`` prefix of a cache folder of this process.

    Examples
    --------
    >>> cache_prefix("corpus") == f"skipgram-corpus-{os.getpid()}-"
    True
    """
    if kind not in CACHE_KINDS:
        raise ValueError(f"kind must be one of {CACHE_KINDS}; got {kind!r}")
    return f"skipgram-{kind}-{os.getpid()}-"


def pid_is_alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine). Unsure means alive.

    Examples
    --------
    >>> pid_is_alive(os.getpid())
    True
    """
    if pid <= 0:
        return True  # 0 and negative ids address process groups: never "dead"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # exists but belongs to someone else, or we cannot tell
    return True


def sweep_stale_caches(cache_dir: str | os.PathLike[str]) -> list[Path]:
    """Remove cache folders under ``cache_dir`` left by processes that no longer exist."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(cache_dir))
    except OSError:
        return removed
    for entry in entries:
        match = _CACHE_NAME.match(entry.name)
        if match is None or pid_is_alive(int(match["pid"])):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
        except OSError:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        if not os.path.exists(entry.path):
            removed.append(Path(entry.path))
    if removed:
        logger.info("removed %d cache folder(s) of dead processes under %s", len(removed), cache_dir)
    return removed
