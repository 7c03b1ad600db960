"""Output-path pre-flight: everything that can be known about an output before any work starts.

:func:`check_outputs` refuses, in one line naming the flag and the path,

- an empty or over-long name, a missing or read-only folder, a folder given as a file;
- a special file (device, FIFO, socket; see :mod:`skipgram._atomic` for symlinks);
- two outputs that are the same file (``-o`` and ``--save-model`` both ``model.bin``);
- an output that *is* one of the inputs (same inode, symlinks and hard links resolved) or lies
  inside a corpus folder (the next run would train on the vectors);

and proves writability by creating and removing a temporary file beside each target. The CLI
(``train``, ``convert``, ``plot``) and ``Word2Vec.fit(checkpoint=...)`` call it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from ._atomic import resolve_output
from .errors import OutputPathError

PathLike = str | os.PathLike


def _name_max(directory: Path) -> int:
    try:
        return int(os.pathconf(directory, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def check_output(label: str, path: PathLike) -> Path:
    """Check one output path; return the file a write will replace (symlinks followed).

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> check_output("-o", os.path.join(folder, "v.bin")).name
    'v.bin'
    >>> check_output("-o", folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skipgram.errors.OutputPathError: -o ...: it is a folder, not a file name
    """
    text = os.fspath(path)
    where = f"{label} {text!r}"
    if not text.strip():
        raise OutputPathError(f"{label}: the output file name is empty")
    if "\0" in text:
        raise OutputPathError(f"{where}: a file name cannot contain a NUL byte")
    candidate = Path(text)
    if text.endswith(os.sep):
        raise OutputPathError(f"{where}: ends with {os.sep!r}, so it names a folder, not a file")
    _check_name_length(where, candidate)
    if candidate.is_dir():
        raise OutputPathError(f"{where}: it is a folder, not a file name")
    target = resolve_output(candidate)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.exists():
        raise OutputPathError(f"{where}: the folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise OutputPathError(f"{where}: {str(folder)!r} is not a folder")
    _check_name_length(where, target)
    _probe_writable(where, folder)
    return target


def _check_name_length(where: str, target: Path) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    limit = _name_max(folder) if folder.is_dir() else 255
    size = len(os.fsencode(target.name))
    # The atomic write's temporary name adds ".", ".{pid}.{random}.tmp": keep room for it.
    if size + 24 > limit:
        raise OutputPathError(
            f"{where}: the file name is {size} bytes; this file system allows {limit} "
            "(and skipgram needs about 24 more for its temporary file)"
        )


def _probe_writable(where: str, folder: Path) -> None:
    """Create and remove a temporary file in ``folder``: the only honest writability test."""
    try:
        fd, name = tempfile.mkstemp(prefix=".skipgram-probe-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputPathError(f"{where}: cannot create a file in {str(folder)!r}: {exc.strerror}") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(name)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def check_outputs(
    outputs: Mapping[str, PathLike | None],
    inputs: Iterable[PathLike] = (),
) -> dict[str, Path]:
    """Check every output (``{label: path}``; None entries are skipped) against the others and the inputs.

    ``inputs`` are files or folders that will be read; a folder's whole tree counts as input.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> corpus = os.path.join(folder, "corpus.txt")
    >>> _ = open(corpus, "w").write("a b c")
    >>> check_outputs({"-o": corpus}, inputs=[corpus])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skipgram.errors.OutputPathError: -o ...corpus.txt' is the input file ...: refusing to overwrite it
    """
    targets: dict[str, Path] = {}
    for label, path in outputs.items():
        if path is None:
            continue
        targets[label] = check_output(label, path)
    resolved = {label: Path(os.path.realpath(target)) for label, target in targets.items()}
    labels = list(resolved)
    for i, first in enumerate(labels):
        for second in labels[i + 1 :]:
            same_inode = _identity(resolved[first]) is not None and _identity(resolved[first]) == _identity(
                resolved[second]
            )
            if resolved[first] == resolved[second] or same_inode:
                raise OutputPathError(
                    f"{first} and {second} are the same file ({os.fspath(outputs[first])!r}); "
                    "give each output its own name"
                )
    for item in inputs:
        source = Path(os.path.realpath(item))
        source_id = _identity(source)
        for label, target in resolved.items():
            where = f"{label} {os.fspath(outputs[label])!r}"
            if source.is_dir():
                if target == source or source in target.parents:
                    raise OutputPathError(
                        f"{where} is inside the corpus folder {os.fspath(item)!r}: the next run "
                        "would read it as text; write it somewhere else"
                    )
            elif target == source or (source_id is not None and _identity(target) == source_id):
                raise OutputPathError(
                    f"{where} is the input file {os.fspath(item)!r}: refusing to overwrite it"
                )
    return targets


def corpus_sources(corpus: object) -> list[PathLike]:
    """The files and folders a corpus argument of ``Word2Vec.fit`` reads (empty for in-memory data)."""
    if isinstance(corpus, (str, os.PathLike)):
        return [corpus]
    sources = getattr(corpus, "sources", None) or getattr(corpus, "paths", None)
    if sources is not None:
        return [s for s in sources if isinstance(s, (str, os.PathLike))]
    if (
        isinstance(corpus, (list, tuple))
        and corpus
        and all(isinstance(s, (str, os.PathLike)) for s in corpus)
    ):
        return list(corpus)
    return []
