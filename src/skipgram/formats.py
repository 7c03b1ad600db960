"""The vector file formats, in one table: name, file-name suffixes, how a file is recognised, read, written.

Every reader and writer of vectors goes through it: ``skipgram train -o``, ``convert``, the query
commands, ``plot --loss``. So a suffix means the same format everywhere, and a file is recognised by its
first bytes in one place.

- ``native``: skipgram's own container (:mod:`skipgram.io`): no pickle, memory-mappable, with metadata.
- ``word2vec-binary`` / ``word2vec-text``: the C tool's formats, read and written by gensim and fastText
  (``.vec``); a ``.gz`` suffix means gzip-compressed.
- ``projector``: write-only; the path is a prefix for ``PREFIX_vectors.tsv`` and ``PREFIX_metadata.tsv``.

Examples
--------
>>> format_from_suffix("vectors.txt.gz"), format_from_suffix("vectors.bin"), format_from_suffix("v.out")
('word2vec-text', 'word2vec-binary', 'native')
>>> import tempfile, os
>>> from skipgram import KeyedVectors
>>> path = os.path.join(tempfile.mkdtemp(), "v.vec")
>>> [p.name for p in write(KeyedVectors(["a", "b"], [[1, 2], [3, 4]]), path)]
['v.vec']
>>> sniff(path), read(path)["b"].tolist()
('word2vec-text', [3.0, 4.0])
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ParameterError
from .word2vec_format import GZIP_MAGIC, looks_binary, read_header

if TYPE_CHECKING:
    from .vectors import KeyedVectors

__all__ = ["FORMATS", "VectorFormat", "check_readable", "format_from_suffix", "read", "sniff", "write"]

_HEAD_BYTES = 8192  # enough for the word2vec header, a first word and the start of its vector


@dataclass(frozen=True)
class VectorFormat:
    """One vector file format."""

    name: str
    summary: str
    suffixes: tuple[str, ...]  # lower-case file-name endings that mean this format, e.g. ".txt.gz"
    write: Callable[[KeyedVectors, Path], list[Path]]  # returns the files written
    read: Callable[[Path, bool], KeyedVectors] | None = None  # (path, mmap); None: write-only


def _read_native(path: Path, mmap: bool) -> KeyedVectors:
    from .vectors import KeyedVectors

    return KeyedVectors.load(path, mmap=mmap)


def _read_word2vec(path: Path, mmap: bool) -> KeyedVectors:
    from .vectors import KeyedVectors

    return KeyedVectors.load_word2vec_format(path, binary=None)  # the reader tells text from binary


def _write_native(wv: KeyedVectors, path: Path) -> list[Path]:
    wv.save(path)
    return [path]


def _write_word2vec(binary: bool) -> Callable[[KeyedVectors, Path], list[Path]]:
    def write_word2vec(wv: KeyedVectors, path: Path) -> list[Path]:
        wv.save_word2vec_format(path, binary=binary)
        return [path]

    return write_word2vec


def _write_projector(wv: KeyedVectors, prefix: Path) -> list[Path]:
    return list(wv.save_projector(prefix))


FORMATS: dict[str, VectorFormat] = {
    f.name: f
    for f in (
        VectorFormat(
            "native", "skipgram's own file: safe to load (no pickle), memory-mappable", (".skipgram",),
            _write_native, _read_native,
        ),
        VectorFormat(
            "word2vec-binary", "the C tool's binary format (gensim: load_word2vec_format(binary=True))",
            (".bin", ".bin.gz"), _write_word2vec(True), _read_word2vec,
        ),
        VectorFormat(
            "word2vec-text", 'the C tool\'s text format: "word v1 v2 ..." lines (fastText .vec)',
            (".txt", ".vec", ".txt.gz", ".vec.gz"), _write_word2vec(False), _read_word2vec,
        ),
        VectorFormat(
            "projector", "OUT is a prefix: OUT_vectors.tsv and OUT_metadata.tsv for "
            "https://projector.tensorflow.org", (), _write_projector,
        ),
    )
}  # fmt: skip

DEFAULT_FORMAT = "native"  # a file name with no known suffix


def format_from_suffix(path: str | os.PathLike) -> str:
    """The format a file name's suffix means (the longest match), else :data:`DEFAULT_FORMAT`."""
    name = Path(path).name.lower()
    matches = [(len(s), f.name) for f in FORMATS.values() for s in f.suffixes if name.endswith(s)]
    return max(matches)[1] if matches else DEFAULT_FORMAT


def suffix_rule() -> str:
    """The suffix rule in words, for help texts (``".bin, .bin.gz word2vec-binary; ..."``)."""
    parts = [
        f"{', '.join(f.suffixes)} {f.name}"
        for f in FORMATS.values()
        if f.suffixes and f.name != DEFAULT_FORMAT
    ]
    return "; ".join(parts) + f"; anything else {DEFAULT_FORMAT}"


def check_readable(path: str | os.PathLike) -> Path:
    """Fail with one clear line (not a bare errno message) when ``path`` is not a readable file."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such file: {str(p)!r}")
    if p.is_dir():
        raise IsADirectoryError(f"{str(p)!r} is a folder, not a file")
    return p


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        head = handle.read(_HEAD_BYTES)
    if head.startswith(GZIP_MAGIC):  # look at what it holds
        try:
            with gzip.open(path, "rb") as handle:
                return handle.read(_HEAD_BYTES)
        except (OSError, EOFError):
            return head
    return head


def sniff(path: str | os.PathLike) -> str | None:
    """The format of an existing file from its first bytes: a readable format's name, or None.

    Raises ``FileNotFoundError`` / ``IsADirectoryError`` with one clear line when there is no such file.
    """
    from .io import MAGIC

    head = _head(check_readable(path))
    if head.startswith(MAGIC):
        return "native"
    start = read_header(head)
    if start is None:
        return None
    return "word2vec-binary" if looks_binary(head, start) else "word2vec-text"


def read(path: str | os.PathLike, *, format: str | None = None, mmap: bool = False) -> KeyedVectors:
    """Load vectors of any readable format; ``format=None`` recognises it from the file's first bytes.

    A file that is none of them goes to the native reader, whose error says what the file looks like
    instead (a pickle, a .npy file...). Native files can be memory-mapped (``mmap=True``).
    """
    name = format or sniff(path) or DEFAULT_FORMAT
    reader = _get(name).read
    if reader is None:
        raise ParameterError(f"the {name} format cannot be read back; read its .tsv files with another tool")
    return reader(Path(path), mmap)


def write(wv: KeyedVectors, path: str | os.PathLike, format: str | None = None) -> list[Path]:
    """Write ``wv`` in ``format`` (default: what the suffix means); return the files written."""
    return _get(format or format_from_suffix(path)).write(wv, Path(path))


def _get(name: str) -> VectorFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise ParameterError(
            f"unknown vectors format {name!r}; choose one of: {', '.join(FORMATS)}"
        ) from None
