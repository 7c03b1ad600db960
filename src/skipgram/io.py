"""The native skipgram file format (no pickle, ever), and the embedding-projector TSV export.

Layout of one file::

    b"SKIPGRAM"     8 bytes, magic
    header length   uint64, little-endian
    header          UTF-8 JSON: {"format": "skipgram", "version": 1, "kind": ...,
                      "arrays": {name: {"dtype", "shape", "offset"}}, "metadata": {...}}
    arrays          raw little-endian C-order bytes, each at a 64-byte-aligned absolute
                    offset (so ``mmap=True`` gives aligned, zero-copy arrays)

Only plain numeric dtypes are allowed (see ``_DTYPES``), so reading a file can never run code: the
same safety as ``np.load(allow_pickle=False)``. The word2vec text/binary formats live in
:mod:`skipgram.word2vec_format`.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import os
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_write
from .errors import FormatError
from .word2vec_format import GZIP_MAGIC, read_header

logger = logging.getLogger(__name__)

MAGIC = b"SKIPGRAM"
VERSION = 1
ALIGN = 64
KINDS = ("vectors", "checkpoint", "phrases")
# A header is a few kB; a bigger one means a corrupted length field, not a real header.
_MAX_HEADER = 64 * 1024 * 1024
# dtype strings (as numpy spells little-endian ones) that a file may contain. No object, no strings.
_DTYPES = frozenset(["|b1", "|u1", "|i1", "<u2", "<i2", "<u4", "<i4", "<u8", "<i8", "<f2", "<f4", "<f8"])
_PREFIX = len(MAGIC) + 8
# Limits on a header's shapes: numpy allows 64 dimensions; no real extent is near 2**48.
_MAX_DIMS = 32
_MAX_EXTENT = 2**48

PathLike = str | os.PathLike


def _align(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


def _little_endian(array: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(array)
    dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
    if dtype.str not in _DTYPES:
        raise TypeError(
            f"array {name!r} has dtype {array.dtype}; the skipgram format stores only "
            "bool, integer and float arrays"
        )
    return np.ascontiguousarray(array, dtype=dtype)


def write_container(
    path: PathLike,
    kind: str,
    arrays: Mapping[str, np.ndarray],
    metadata: Mapping[str, Any] | None = None,
) -> None:
    """Write named arrays and a JSON-serialisable ``metadata`` dict to one file, atomically.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> p = os.path.join(tempfile.mkdtemp(), "x.skipgram")
    >>> write_container(p, "vectors", {"a": np.arange(3.0)}, {"note": "hi"})
    >>> meta, arrays = read_container(p)
    >>> meta["note"], arrays["a"].tolist()
    ('hi', [0.0, 1.0, 2.0])
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    prepared = {str(name): _little_endian(a, str(name)) for name, a in arrays.items()}
    # Offsets depend on the header length, which depends on the offsets: lay the arrays out relative
    # to the data start, then fix the data start once the header (with padded digits) is known.
    relative, position = {}, 0
    for name, array in prepared.items():
        relative[name] = position
        position = _align(position + array.nbytes)

    def header_for(data_start: int) -> bytes:
        entries = {
            name: {
                "dtype": array.dtype.str,
                "shape": list(array.shape),
                "offset": data_start + relative[name],
            }
            for name, array in prepared.items()
        }
        header = {
            "format": "skipgram",
            "version": VERSION,
            "kind": kind,
            "arrays": entries,
            "metadata": dict(metadata or {}),
        }
        try:
            return json.dumps(header, allow_nan=False, ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise TypeError(f"metadata must be JSON-serialisable (no NaN, no objects): {exc}") from exc

    data_start = _align(_PREFIX + len(header_for(0)))
    header = header_for(data_start)
    while _PREFIX + len(header) > data_start:  # more digits in the offsets: grow and retry
        data_start = _align(_PREFIX + len(header))
        header = header_for(data_start)
    with atomic_write(path, "wb") as handle:
        handle.write(MAGIC + struct.pack("<Q", len(header)) + header)
        handle.write(b"\0" * (data_start - _PREFIX - len(header)))
        written = data_start
        for name, array in prepared.items():
            start = data_start + relative[name]
            handle.write(b"\0" * (start - written))
            handle.write(memoryview(array.reshape(-1)).cast("B") if array.size else b"")
            written = start + array.nbytes
    logger.debug("wrote %s (%s, %d arrays)", path, kind, len(prepared))


def describe_foreign(start: bytes) -> str:
    """What a file that is not a skipgram container looks like, from its first bytes."""
    if not start:
        return "it is empty"
    if start[:1] == b"\x80" and start[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return (
            "it looks like a Python pickle (for example a gensim model saved with .save()); "
            "skipgram never unpickles files. In gensim, export the vectors with "
            "model.wv.save_word2vec_format(path, binary=True) and load that with "
            "KeyedVectors.load_word2vec_format"
        )
    if start[:6] == b"\x93NUMPY":
        return "it looks like a NumPy .npy file"
    if start[:4] == b"PK\x03\x04":
        return "it looks like a zip archive (for example a NumPy .npz file)"
    if start[:2] == GZIP_MAGIC:
        return "it looks like a gzip-compressed file"
    if read_header(start) is not None:
        return "it looks like a word2vec-format file; load it with KeyedVectors.load_word2vec_format"
    return f"it does not start with the {MAGIC.decode()} magic bytes (starts with {start[:16]!r})"


def _fail(path: PathLike, message: str) -> FormatError:
    return FormatError(f"{os.fspath(path)}: {message}")


def _parse_header(path: PathLike, raw: bytes, file_size: int, data_start: int) -> dict:
    try:
        header = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise _fail(path, "the JSON header is nested too deeply: corrupted or hostile") from None
    except ValueError as exc:  # bad UTF-8, bad JSON, an integer of thousands of digits
        raise _fail(path, f"the JSON header is corrupted ({str(exc)[:200]})") from None
    if not isinstance(header, dict) or header.get("format") != "skipgram":
        raise _fail(path, "the header is not a skipgram header (no 'format': 'skipgram')")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _fail(path, f"the header has an invalid format version {version!r}")
    if version > VERSION:
        raise _fail(
            path,
            f"it was written by a newer skipgram (format version {version}; this version "
            f"reads up to {VERSION}); upgrade skipgram to read it",
        )
    if not isinstance(header.get("kind"), str):
        raise _fail(path, "the header has no 'kind'")
    if not isinstance(header.get("metadata", {}), dict):
        raise _fail(path, "the header's 'metadata' is not a JSON object")
    entries = header.get("arrays")
    if not isinstance(entries, dict):
        raise _fail(path, "the header's 'arrays' is not a JSON object")
    spans = []
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            raise _fail(path, f"array {name!r}: its header entry is not a JSON object")
        dtype, shape, offset = entry.get("dtype"), entry.get("shape"), entry.get("offset")
        if not isinstance(dtype, str) or dtype not in _DTYPES:
            raise _fail(path, f"array {name!r}: dtype {str(dtype)[:40]!r} is not allowed")
        if (
            not isinstance(shape, list)
            or len(shape) > _MAX_DIMS
            or not all(
                isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= _MAX_EXTENT for n in shape
            )
        ):
            raise _fail(path, f"array {name!r}: invalid shape {str(shape)[:80]}")
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < data_start:
            raise _fail(path, f"array {name!r}: invalid offset {offset!r}")
        if offset % ALIGN:
            raise _fail(path, f"array {name!r}: offset {offset} is not {ALIGN}-byte aligned")
        nbytes = int(np.dtype(dtype).itemsize) * math.prod(shape)
        if offset + nbytes > file_size:
            raise _fail(
                path,
                f"array {name!r} ends at byte {offset + nbytes}, beyond the end of the file "
                f"({file_size} bytes): the file is truncated or corrupted",
            )
        spans.append((offset, offset + nbytes, name))
    spans.sort()
    for (_, end, first), (start, _, second) in itertools.pairwise(spans):
        if start < end:
            raise _fail(path, f"arrays {first!r} and {second!r} overlap")
    return header


def read_container(
    path: PathLike, *, mmap: bool = False, expect_kind: str | None = None
) -> tuple[dict, dict[str, np.ndarray]]:
    """Read a file written by :func:`write_container`; return ``(metadata, arrays)``.

    With ``mmap=True`` the arrays are read-only memory maps of the file (read when used).
    Everything is validated first; a bad file raises :class:`~skipgram.errors.FormatError` that
    names the file and says what is wrong; ``expect_kind`` refuses a file of another kind.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> p = os.path.join(tempfile.mkdtemp(), "x.skipgram")
    >>> write_container(p, "checkpoint", {"w": np.ones((2, 2), np.float32)}, {})
    >>> meta, arrays = read_container(p, mmap=True, expect_kind="checkpoint")
    >>> arrays["w"].shape
    (2, 2)
    """
    file_size = Path(path).stat().st_size
    with open(path, "rb") as handle:
        prefix = handle.read(_PREFIX)
        if prefix[: len(MAGIC)] != MAGIC:
            raise _fail(path, f"not a skipgram file: {describe_foreign(prefix + handle.read(56))}")
        if len(prefix) < _PREFIX:
            raise _fail(path, "the file is truncated inside its header")
        (length,) = struct.unpack("<Q", prefix[len(MAGIC) :])
        if length > min(_MAX_HEADER, file_size - _PREFIX):
            raise _fail(path, f"header length {length} is impossible for a {file_size}-byte file")
        header = _parse_header(path, handle.read(length), file_size, _PREFIX + length)
        kind = header["kind"]
        if expect_kind is not None and kind != expect_kind:
            hint = ""
            if kind == "checkpoint":
                hint = " (a saved model or checkpoint: load it with Word2Vec.load; its vectors are .wv_)"
            raise _fail(path, f"it holds a {kind!r}, not a {expect_kind!r}{hint}")
        arrays: dict[str, np.ndarray] = {}
        for name, entry in header["arrays"].items():
            dtype, shape, offset = np.dtype(entry["dtype"]), tuple(entry["shape"]), entry["offset"]
            count = math.prod(shape)
            if mmap and count:
                arrays[name] = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)
                continue
            array = np.empty(shape, dtype=dtype)
            handle.seek(offset)
            if count and handle.readinto(memoryview(array.reshape(-1)).cast("B")) != array.nbytes:
                raise _fail(path, f"array {name!r} is truncated")
            arrays[name] = array
    return dict(header.get("metadata", {})), arrays


def encode_words(words: Sequence[str]) -> np.ndarray:
    """Words as one ``uint8`` array: UTF-8, joined by ``"\\n"`` (words must not contain newlines).

    Examples
    --------
    >>> encode_words(["a", "né"]).tobytes()
    b'a\\nn\\xc3\\xa9'
    """
    for position, word in enumerate(words):
        if not isinstance(word, str) or "\n" in word:
            raise ValueError(f"word #{position} ({word!r}) must be a string without newlines")
    try:
        data = "\n".join(words).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"a word cannot be encoded as UTF-8: {exc}") from None
    return np.frombuffer(data, dtype=np.uint8).copy()


def decode_words(array: np.ndarray, expected_count: int, source: str = "words array") -> list[str]:
    """Inverse of :func:`encode_words`; checks UTF-8 and the number of words.

    Examples
    --------
    >>> decode_words(encode_words(["a", "né"]), 2)
    ['a', 'né']
    """
    data = np.asarray(array, dtype=np.uint8).tobytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        word_number = data.count(b"\n", 0, exc.start)
        raise FormatError(f"{source}: invalid UTF-8 at byte {exc.start} (word #{word_number})") from None
    words = text.split("\n") if (text or expected_count) else []
    if len(words) != expected_count:
        raise FormatError(f"{source}: holds {len(words)} words, expected {expected_count}")
    return words


def write_projector(
    prefix: PathLike,
    words: Sequence[str],
    vectors: np.ndarray,
    counts: np.ndarray | None = None,
) -> tuple[Path, Path]:
    """Write ``{prefix}_vectors.tsv`` and ``{prefix}_metadata.tsv`` for the TensorBoard projector.

    The metadata file has one word per line, or a ``word<TAB>count`` table with a header row when
    counts are given (the projector's rule: a header only for more than one column). Tabs in words
    become spaces, since a tab would split the column. Returns both paths.
    """
    prefix = os.fspath(prefix)
    vectors_path, metadata_path = Path(f"{prefix}_vectors.tsv"), Path(f"{prefix}_metadata.tsv")
    matrix = np.asarray(vectors, dtype=np.float32)
    # %.9g round-trips float32 exactly.
    row_format = "\t".join(["%.9g"] * matrix.shape[1]) + "\n"
    with atomic_write(vectors_path, "w", encoding="utf-8", newline="\n") as handle:
        for start in range(0, len(matrix), 4096):
            block = matrix[start : start + 4096].astype(np.float64).tolist()
            handle.write("".join(row_format % tuple(row) for row in block))
    cleaned = [w.replace("\t", " ") for w in words]
    with atomic_write(metadata_path, "w", encoding="utf-8", newline="\n") as handle:
        if counts is None:
            handle.write("".join(w + "\n" for w in cleaned))
        else:
            handle.write("word\tcount\n")
            handle.write("".join(f"{w}\t{int(c)}\n" for w, c in zip(cleaned, counts, strict=True)))
    return vectors_path, metadata_path
