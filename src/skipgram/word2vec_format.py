"""The word2vec C tool's vector formats, text and binary (also fastText ``.vec`` and GloVe text).

Layout (what ``word2vec.c`` writes, and gensim and fastText read)::

    "V D\\n"                                   header: vector count, dimension (ASCII)
    text:   "word v1 v2 ... vD\\n"             one line per word (fastText adds a trailing space)
    binary: "word " + D float32 LE + "\\n"     one record per word (gensim omits the "\\n")

Reading never loops in Python per number: binary records are located with one ``find`` per word
on a memory map and copied as raw bytes; text numbers are parsed by one ``np.fromstring`` call over
the whole body. Everything is checked before a result is returned, and problems raise
:class:`~skipgram.errors.FormatError` naming the file and the line or byte offset.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import logging
import mmap
import os
import zlib
from collections.abc import Sequence

import numpy as np

from ._atomic import atomic_write
from .errors import FormatError

logger = logging.getLogger(__name__)

# A word longer than this (in bytes) means we are reading float bytes as text: a wrong header.
_MAX_WORD_BYTES = 4096
GZIP_MAGIC = b"\x1f\x8b"
# Characters that may follow the first word of a text-format line; anything else means binary.
_TEXT_BYTES = frozenset(b"0123456789.-+eEnaNifINF \t\r")
_ROWS_PER_WRITE = 8192
# No embedding has a million dimensions; a bigger header value is corruption (and would allocate GBs).
_MAX_DIM = 1_000_000
# Decompressed bytes read at a time from a .gz file: memory stays this plus the result.
_STREAM_BLOCK = 1 << 22


def write_word2vec(
    path: str | os.PathLike, words: Sequence[str], vectors: np.ndarray, *, binary: bool = True
) -> None:
    """Write ``words`` and ``vectors`` in word2vec format (atomic; ``.gz`` suffix → gzip).

    Text numbers use ``%.9g``, which round-trips float32 exactly.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> p = os.path.join(tempfile.mkdtemp(), "v.bin")
    >>> write_word2vec(p, ["hi"], np.array([[1.0, -2.0]]))
    >>> open(p, "rb").read()
    b'1 2\\nhi \\x00\\x00\\x80?\\x00\\x00\\x00\\xc0\\n'
    """
    matrix = np.ascontiguousarray(vectors, dtype="<f4")
    if matrix.ndim != 2 or len(matrix) != len(words):
        raise ValueError("vectors must be a 2-D array with one row per word")
    for word in words:
        if not word or " " in word or "\n" in word:
            raise ValueError(
                f"word {word!r} cannot be stored in word2vec format (empty, or contains a space "
                "or newline); save in the native format instead"
            )
    count, dim = matrix.shape
    with atomic_write(path, "wb") as raw_handle:
        gzipped = os.fspath(path).endswith(".gz")
        handle = gzip.GzipFile(fileobj=raw_handle, mode="wb") if gzipped else raw_handle
        handle.write(f"{count} {dim}\n".encode())
        row_format = " ".join(["%.9g"] * dim)
        row_bytes = 4 * dim
        flat = memoryview(matrix.reshape(-1)).cast("B")
        for start in range(0, count, _ROWS_PER_WRITE):
            stop = min(count, start + _ROWS_PER_WRITE)
            if binary:
                parts = []
                for i in range(start, stop):
                    parts += [words[i].encode("utf-8"), b" "]
                    parts += [flat[i * row_bytes : (i + 1) * row_bytes], b"\n"]
                handle.write(b"".join(parts))
            else:
                rows = matrix[start:stop].astype(np.float64).tolist()
                chunk = zip(words[start:stop], rows, strict=True)
                lines = [f"{w} {row_format % tuple(r)}\n" for w, r in chunk]
                handle.write("".join(lines).encode("utf-8"))
        if gzipped:
            handle.close()
    logger.info("wrote %d vectors to %s (%s)", count, path, "binary" if binary else "text")


@contextlib.contextmanager
def _file_bytes(path: str | os.PathLike):
    """The file's bytes: a read-only memory map (no copy). ``.gz`` files are streamed instead."""
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            yield b""
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            # Read-ahead for the one sequential pass: about 3x faster than plain page faults.
            if hasattr(mapped, "madvise"):
                with contextlib.suppress(OSError):
                    mapped.madvise(mmap.MADV_SEQUENTIAL)
                    mapped.madvise(mmap.MADV_WILLNEED)
            yield mapped


def read_word2vec(
    path: str | os.PathLike,
    *,
    binary: bool | None = None,
    limit: int | None = None,
    errors: str = "strict",
    no_header: bool = False,
) -> tuple[list[str], np.ndarray]:
    """Read a word2vec text or binary file; return ``(words, vectors)`` (float32).

    Parameters
    ----------
    binary : bool or None
        None detects the layout from the bytes after the first word.
    limit : int, optional
        Read only the first ``limit`` vectors.
    errors : {"strict", "replace"}
        What to do with words that are not valid UTF-8. With "replace", words that become equal
        after replacement keep their first occurrence (with a warning), as gensim does.
    no_header : bool
        Text files without the "V D" line (GloVe); the dimension comes from the first line.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "v.vec")
    >>> _ = open(p, "w").write("2 2\\nhi 1 2 \\nyo 3 4 \\n")
    >>> words, vectors = read_word2vec(p)
    >>> words, vectors.tolist()
    (['hi', 'yo'], [[1.0, 2.0], [3.0, 4.0]])
    """
    name = os.fspath(path)
    if errors not in ("strict", "replace"):
        raise ValueError(f"errors must be 'strict' or 'replace'; got {errors!r}")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0; got {limit}")
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == GZIP_MAGIC  # by the bytes, as skipgram.formats recognises files
    if gzipped:
        try:
            with gzip.open(path, "rb") as raw:
                handle = io.BufferedReader(raw, buffer_size=_STREAM_BLOCK)
                words, vectors, binary = _read_stream(handle, binary, limit, errors, no_header, name)
        except (OSError, EOFError, zlib.error) as exc:
            raise FormatError(f"{name}: cannot decompress: {exc}") from None
        return _drop_duplicates(words, vectors, errors, name, binary)
    with _file_bytes(path) as data:
        if not len(data):
            raise FormatError(f"{name}: the file is empty")
        if no_header:
            if binary:
                raise ValueError("no_header=True is only for text files")
            words, vectors = _read_text(data, 0, None, None, limit, errors, name)
        else:
            start, count, dim = _read_header(data, name)
            if binary is None:
                binary = looks_binary(data, start)
            reader = _read_binary if binary else _read_text
            words, vectors = reader(data, start, count, dim, limit, errors, name)
    return _drop_duplicates(words, vectors, errors, name, binary)


def read_header(data) -> int | None:
    """Where the rows start if ``data`` begins with a word2vec file's ``"V D"`` header line, else None."""
    end = data.find(b"\n", 0, 256)
    parts = data[: max(end, 0)].split()
    if end < 0 or len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return end + 1


def _read_header(data, name: str) -> tuple[int, int, int]:
    start = read_header(data)
    if start is None:
        end = data.find(b"\n", 0, 256)
        line = data[: end if end >= 0 else 64]
        raise FormatError(
            f"{name}: line 1: expected the header 'V D' (vector count and dimension), got "
            f"{bytes(line[:64])!r}; for a GloVe-style text file without a header, pass "
            "no_header=True"
        )
    count, dim = (int(part) for part in data[: start - 1].split())
    if not 1 <= dim <= _MAX_DIM:
        raise FormatError(f"{name}: line 1: the header's dimension must be in [1, {_MAX_DIM}]; got {dim}")
    return start, count, dim


def looks_binary(data, start: int) -> bool:
    """Whether the first row (from ``start``) holds raw float bytes rather than text numbers."""
    space = data.find(b" ", start, start + _MAX_WORD_BYTES)
    if space < 0:
        return False
    # Text: the rest of the first line is numbers. Binary: raw float bytes, almost surely not.
    sample = bytes(data[space + 1 : space + 65]).split(b"\n", 1)[0]
    return not sample or not set(sample) <= _TEXT_BYTES


def _read_binary(data, start, count, dim, limit, errors, name):
    row_bytes = 4 * dim
    n = count if limit is None else min(count, limit)
    size = len(data)
    if start + n * (row_bytes + 2) > size + n:  # each record: word (>= 1 byte), space, floats
        raise FormatError(
            f"{name}: the header promises {count} vectors of {dim} float32 values, but the file "
            f"has only {size - start} bytes after it: truncated, or the header is wrong"
        )
    out = np.empty((n, dim), dtype="<f4")
    target = memoryview(out.reshape(-1)).cast("B")
    words: list[str] = []
    find = data.find
    pos, i = start, 0
    with memoryview(data) as source:
        try:
            for i in range(n):
                if pos < size and data[pos] == 10:  # the C tool ends each record with "\n"
                    pos += 1
                space = find(b" ", pos, pos + _MAX_WORD_BYTES)
                if space < 0 or space + 1 + row_bytes > size:
                    raise FormatError(
                        f"{name}: byte offset {pos}: the file ends inside vector #{i} of "
                        f"{count} (truncated, or the header's count or dimension is wrong)"
                    )
                raw_word = data[pos:space]
                if not raw_word or b"\n" in raw_word:
                    raise FormatError(
                        f"{name}: byte offset {pos}: vector #{i} has an empty or multi-line "
                        f"word; the header's dimension ({dim}) is probably wrong"
                    )
                words.append(raw_word.decode("utf-8", errors))
                pos = space + 1 + row_bytes
                target[i * row_bytes : (i + 1) * row_bytes] = source[space + 1 : pos]
        except UnicodeDecodeError as exc:
            raise FormatError(
                f"{name}: byte offset {pos + exc.start}: the word of vector #{i} is not valid "
                "UTF-8 (pass errors='replace' to accept it)"
            ) from None
    if n == count and bytes(data[pos : pos + 4096]).strip():
        raise FormatError(
            f"{name}: byte offset {pos}: data continues after the {count} vectors the header "
            "announces (the header's count or dimension is wrong)"
        )
    _check_finite(out, name, lambda row: f"vector #{row} ({words[row]!r})")
    return words, out


def _read_text(data, start, count, dim, limit, errors, name, first_line=None):
    if first_line is None:
        first_line = 1 if count is None else 2  # line number of the first vector
    body = data[start:]
    if limit is not None:  # cut after `limit` lines so a huge file is not decoded for nothing
        cut = -1
        for _ in range(limit):
            cut = body.find(b"\n", cut + 1)
            if cut < 0:
                break
        body = body[: cut + 1] if cut >= 0 else body
    body = bytes(body)
    try:
        text = body.decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        line = first_line + body.count(b"\n", 0, exc.start)
        raise FormatError(
            f"{name}: line {line} (byte offset {start + exc.start}): invalid UTF-8 "
            "(pass errors='replace' to accept it)"
        ) from None
    del body
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if limit is not None:
        lines = lines[:limit]
    expected = None if count is None else (count if limit is None else min(count, limit))
    if expected is not None and len(lines) < expected:
        raise FormatError(
            f"{name}: line {first_line + len(lines)}: the file ends after {len(lines)} vectors, "
            f"but the header promises {count}"
        )
    if count is not None and len(lines) > count:
        raise FormatError(
            f"{name}: line {first_line + count}: more vectors than the {count} the header announces"
        )
    if dim is None:
        dim = len(lines[0].split()) - 1 if lines else 1
        if dim < 1:
            raise FormatError(f"{name}: line 1: expected a word followed by numbers")
    words, rests = [], []
    for number, line in enumerate(lines, first_line):
        word, _, rest = line.partition(" ")
        rest = rest.rstrip()
        if rest.count(" ") != dim - 1 and len(rest.split()) != dim:
            found = len(rest.split())
            raise FormatError(f"{name}: line {number}: expected {dim} numbers, found {found}")
        words.append(word)
        rests.append(rest)
    try:
        values = np.fromstring("\n".join(rests), dtype=np.float32, sep=" ")
    except ValueError:
        values = None
    if values is None or values.size != len(lines) * dim:
        _raise_bad_number(rests, first_line, name)
    vectors = values.reshape(len(lines), dim)
    _check_finite(vectors, name, lambda row: f"line {first_line + row} ({words[row]!r})")
    return words, vectors


def _read_stream(handle, binary, limit, errors, no_header, name):
    """A compressed file, decompressed through a bounded buffer (never whole: a gzip bomb stops early)."""
    if not handle.peek(1):
        raise FormatError(f"{name}: the file is empty")
    count = dim = None
    first_line = 1
    if not no_header:
        _, count, dim = _read_header(handle.readline(256), name)
        first_line = 2
        if binary is None:
            binary = looks_binary(handle.peek(_MAX_WORD_BYTES + 64), 0)
    elif binary:
        raise ValueError("no_header=True is only for text files")
    if binary:
        words, vectors = _stream_binary(handle, count, dim, limit, errors, name)
    else:
        words, vectors = _stream_text(handle, count, dim, limit, errors, name, first_line)
    return words, vectors, bool(binary)


def _stream_text(handle, count, dim, limit, errors, name, first_line):
    wanted = count if limit is None else (limit if count is None else min(count, limit))
    words: list[str] = []
    blocks: list[np.ndarray] = []
    carry = b""
    line = first_line
    while wanted is None or len(words) < wanted:
        chunk = handle.read(_STREAM_BLOCK)
        buffer = carry + chunk
        cut = buffer.rfind(b"\n") + 1 if chunk else len(buffer)
        if cut == 0:
            if len(buffer) > _max_line_bytes(dim):
                raise FormatError(
                    f"{name}: line {line}: longer than {_max_line_bytes(dim)} bytes: not a vector"
                )
            carry = buffer
            continue
        part, carry = buffer[:cut], buffer[cut:]
        if part.strip():
            left = None if wanted is None else wanted - len(words)
            new_words, vectors = _read_text(part, 0, None, dim, left, errors, name, first_line=line)
            dim = vectors.shape[1]
            words += new_words
            blocks.append(vectors)
            if count is not None and len(words) > count:
                raise FormatError(
                    f"{name}: line {first_line + count}: more vectors than the {count} the header announces"
                )
        line += part.count(b"\n")
        if not chunk:
            break
    if count is not None and limit is None and len(words) == count and (carry + handle.read(4096)).strip():
        raise FormatError(
            f"{name}: line {first_line + count}: more vectors than the {count} the header announces"
        )
    if wanted is not None and len(words) < wanted:
        raise FormatError(
            f"{name}: line {first_line + len(words)}: the file ends after {len(words)} vectors, "
            f"but the header promises {count}"
        )
    if not blocks and wanted == 0:
        return words, np.empty((0, dim), dtype=np.float32)
    if not blocks:
        raise FormatError(f"{name}: line {first_line}: expected a word followed by numbers")
    return words, np.concatenate(blocks) if len(blocks) > 1 else blocks[0]


def _max_line_bytes(dim: int | None) -> int:
    """Longest plausible text line: a word and ``dim`` numbers of at most 64 characters each."""
    return _MAX_WORD_BYTES + 64 * (dim if dim is not None else 100_000)


def _stream_binary(handle, count, dim, limit, errors, name):
    row_bytes = 4 * dim
    n = count if limit is None else min(count, limit)
    out = np.empty((min(n, max(1, (64 << 20) // row_bytes)), dim), dtype="<f4")
    words: list[str] = []
    buffer = bytearray()
    pos = offset = 0  # offset: bytes of the stream before ``buffer`` (for messages)
    record = _MAX_WORD_BYTES + 2 + row_bytes
    at_end = False
    for i in range(n):
        if len(buffer) - pos < record and not at_end:
            del buffer[:pos]
            offset, pos = offset + pos, 0
            while len(buffer) < record + _STREAM_BLOCK and not at_end:
                chunk = handle.read(_STREAM_BLOCK)
                at_end = not chunk
                buffer += chunk
        if pos < len(buffer) and buffer[pos] == 10:
            pos += 1
        space = buffer.find(b" ", pos, pos + _MAX_WORD_BYTES)
        if space < 0 or space + 1 + row_bytes > len(buffer):
            raise FormatError(
                f"{name}: byte offset {offset + pos}: the file ends inside vector #{i} of {count} "
                "(truncated, or the header's count or dimension is wrong)"
            )
        raw_word = bytes(buffer[pos:space])
        if not raw_word or b"\n" in raw_word:
            raise FormatError(
                f"{name}: byte offset {offset + pos}: vector #{i} has an empty or multi-line word; "
                f"the header's dimension ({dim}) is probably wrong"
            )
        try:
            words.append(raw_word.decode("utf-8", errors))
        except UnicodeDecodeError as exc:
            raise FormatError(
                f"{name}: byte offset {offset + pos + exc.start}: the word of vector #{i} is not valid "
                "UTF-8 (pass errors='replace' to accept it)"
            ) from None
        if i == len(out):
            out.resize((min(n, len(out) + len(out) // 2 + 1), dim), refcheck=False)
        out[i] = np.frombuffer(buffer, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + row_bytes
    if n == count and (bytes(buffer[pos:]) + handle.read(4096)).strip():
        raise FormatError(
            f"{name}: byte offset {offset + pos}: data continues after the {count} vectors the header "
            "announces (the header's count or dimension is wrong)"
        )
    if len(out) != n:
        out.resize((n, dim), refcheck=False)
    _check_finite(out, name, lambda row: f"vector #{row} ({words[row]!r})")
    return words, out


def _raise_bad_number(rests: list[str], first_line: int, name: str):
    """Slow path, only after a parse failure: find the line and token that are not numbers."""
    for number, rest in enumerate(rests, first_line):
        for token in rest.split():
            try:
                float(token)
            except ValueError:
                raise FormatError(f"{name}: line {number}: {token[:40]!r} is not a number") from None
    raise FormatError(f"{name}: the numbers cannot be parsed")


def _check_finite(vectors: np.ndarray, name: str, where) -> None:
    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        raise FormatError(f"{name}: {where(int(np.argmax(bad)))}: the vector has NaN or infinity")


def _drop_duplicates(words, vectors, errors, name, binary):
    if len(set(words)) == len(words):
        return words, vectors
    seen: dict[str, int] = {}
    keep = []
    for row, word in enumerate(words):
        if word in seen:
            where = f"vector #{row}" if binary else f"the vector on line {row + 2}"
            if errors == "strict":
                raise FormatError(f"{name}: {where}: the word {word!r} appears a second time")
            logger.warning("%s: %s repeats %r; keeping the first", name, where, word)
            continue
        seen[word] = row
        keep.append(row)
    return [words[row] for row in keep], vectors[keep]
