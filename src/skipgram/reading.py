"""Reading training text: files, folders, compressed files and iterables, as sentences of tokens.

Text is streamed in blocks of bytes, so a 100 MB one-line file never sits in memory as one string or
one list; lines longer than ``max_sentence_length`` words are split into pieces, no word dropped.
Undecodable bytes stop with the file, line and byte offset (or are replaced on request).

Examples
--------
>>> sentences = as_sentences([["the", "cat"], ["sat"]])
>>> [s for s in sentences]
[['the', 'cat'], ['sat']]
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import queue
import re
import threading
import zlib
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from ._params import constraints
from ._validation import Options, validate_params
from .errors import CorpusError, ParameterError

T = TypeVar("T")

__all__ = ["LineCorpus", "as_sentences"]

PathLike = str | os.PathLike

# Bytes read per block. Small enough that a block's words (about 60 bytes of Python object per
# word) stay a few tens of MB; large enough that per-block overhead is nil. Tests make it tiny.
_BLOCK_BYTES = 1 << 21
# Tokens per batch when encoding a user's iterable of token lists.
_BATCH_TOKENS = 1 << 19
# A token longer than this (bytes of UTF-8) stops reading with a CorpusError: a corpus "word" with no
# whitespace at all (a binary file, /dev/zero) would otherwise grow without limit.
_MAX_WORD_BYTES = 1 << 20
# ASCII whitespace bytes: never part of a multi-byte UTF-8 character, so cutting after one is safe.
_CUT_BYTES = (b"\n", b" ", b"\t", b"\r", b"\x0b", b"\x0c")

# Whitespace that str.split() splits on beyond ASCII, as UTF-8: only used to cut an over-long run of
# bytes with no ASCII whitespace (rare). In valid UTF-8 these lead bytes only ever start characters.
_MULTIBYTE_SPACE = re.compile(
    rb"\xc2[\x85\xa0]|\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xa8\xa9\xaf]|\xe2\x81\x9f|\xe3\x80\x80"
)

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}

_CORPUS_CONSTRAINTS = {
    **constraints("max_sentence_length"),  # Word2Vec's, from the parameter table
    "errors": [Options(("strict", "replace"))],
}


def _source_files(source: PathLike | Iterable[PathLike]) -> list[Path]:
    """The files of ``source``: a file, a folder (its non-hidden files, by name) or a list."""
    items = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    if not items:
        raise CorpusError("the corpus is empty: no files were given")
    files: list[Path] = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise ParameterError(f"a corpus source must be a path or a list of paths; got {item!r}")
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            if not found:
                raise CorpusError(f"corpus folder {str(path)!r} has no files")
            files.extend(found)
        elif path.exists():
            files.append(path)
        elif (
            not isinstance(source, (str, os.PathLike))
            and all(isinstance(p, str) for p in items)
            and any(c.isspace() for c in item)
            and not any(Path(p).exists() for p in items)
        ):  # fit(["the cat sat"]): text where paths were expected
            raise CorpusError(
                f"the corpus is a list of strings, but none is an existing file (the first is "
                f"{_shorten(item)}); give sentences as lists of words, e.g. [['the', 'cat', 'sat']], "
                "or paths of existing files"
            )
        elif any(c.isspace() for c in str(item)):
            raise FileNotFoundError(
                f"corpus file {_shorten(item)} does not exist; to train on text, give sentences as "
                "lists of words, e.g. [['the', 'cat', 'sat']]"
            )
        else:
            raise FileNotFoundError(f"corpus file {str(path)!r} does not exist")
    return files


def _shorten(item: PathLike, limit: int = 60) -> str:
    text = str(item)
    return repr(text if len(text) <= limit else text[:limit] + "...")


class LineCorpus:
    """Sentences from text files: one sentence per line, words separated by whitespace.

    Restartable: each ``iter()`` reads the files again from the start.

    Parameters
    ----------
    source : path or list of paths
        A file, a folder (all its regular, non-hidden files, sorted by name, not recursive), or a
        list of those. Files ending in ``.gz``, ``.bz2`` or ``.xz`` are decompressed.
    max_sentence_length : int, default 10000
        Longer lines are split into consecutive pieces of at most this many words (none dropped).
    errors : {"strict", "replace"}
        Undecodable UTF-8 raises :class:`CorpusError` (naming the file and byte offset in the
        decompressed text) or, with ``"replace"``, becomes U+FFFD.

    Notes
    -----
    Words are split as ``str.split()`` splits (any Unicode whitespace); lines end at ``"\\n"`` only.
    Lines with no words yield no sentence. A UTF-8 byte-order mark starting a file is dropped.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "text.txt")
    >>> _ = open(path, "w").write("the cat sat\\n\\n on the mat \\n")
    >>> list(LineCorpus(path, max_sentence_length=2))
    [['the', 'cat'], ['sat'], ['on', 'the'], ['mat']]
    """

    def __init__(
        self,
        source: PathLike | Iterable[PathLike],
        *,
        max_sentence_length: int = 10000,
        errors: str = "strict",
    ) -> None:
        validate_params(
            {"max_sentence_length": max_sentence_length, "errors": errors},
            _CORPUS_CONSTRAINTS,
            "LineCorpus",
        )
        self.paths = _source_files(source)
        self.max_sentence_length = max_sentence_length
        self.errors = errors

    def __repr__(self) -> str:
        first = str(self.paths[0])
        more = f" and {len(self.paths) - 1} more" if len(self.paths) > 1 else ""
        return f"LineCorpus({first!r}{more})"

    def __iter__(self) -> Iterator[list[str]]:
        for tokens, lengths in self._token_batches():
            start = 0
            for n in lengths:
                yield tokens[start : start + n]
                start += n

    def _token_batches(self) -> Iterator[tuple[list[str], list[int]]]:
        """Per block of text: (its tokens, the lengths of its sentences), no empty sentence."""
        for path in self.paths:
            yield from self._file_batches(path)

    def _file_batches(self, path: Path) -> Iterator[tuple[list[str], list[int]]]:
        limit = self.max_sentence_length
        pending: list[str] = []  # words of the line still open at the end of the last block
        for text in self._file_texts(path):
            tokens, lengths, open_len = pending, [], len(pending)
            pieces = text.split("\n")
            last = len(pieces) - 1
            for i, piece in enumerate(pieces):
                words = piece.split()
                if words:
                    tokens += words
                    open_len += len(words)
                    while open_len >= limit:  # emit full pieces as soon as they exist
                        lengths.append(limit)
                        open_len -= limit
                if i < last and open_len:  # a newline ends the open sentence
                    lengths.append(open_len)
                    open_len = 0
            # The open line continues in the next block: carry its words over.
            pending = tokens[len(tokens) - open_len :]
            del tokens[len(tokens) - open_len :]
            if lengths:
                yield tokens, lengths
        if pending:
            yield pending, [len(pending)]

    def _file_texts(self, path: Path) -> Iterator[str]:
        """The decoded text of ``path`` in blocks, each cut just after a whitespace character."""
        for part, consumed in _file_parts(path):
            try:
                text = part.decode("utf-8", self.errors)
            except UnicodeDecodeError:
                _raise_decode_error(path, part, consumed)
            if consumed == 0 and text.startswith("\ufeff"):
                text = text[1:]
            if text:
                yield text


def _file_parts(path: Path) -> Iterator[tuple[bytes, int]]:
    """``(part, consumed)``: the (decompressed) bytes of ``path`` in blocks of about ``_BLOCK_BYTES``,
    each ending just after a whitespace character (or at the end of the file), with the bytes before
    it. A word longer than ``_MAX_WORD_BYTES`` stops with an error.
    """
    for part, consumed in _file_views(path):
        yield bytes(part), consumed


def _file_views(path: Path, buffers: int = 1) -> Iterator[tuple[memoryview, int]]:
    """As :func:`_file_parts`, but each part is a view into one of ``buffers`` buffers used in turn
    for the whole file: it is valid only until ``buffers`` more parts are asked for. Used by the
    counter, which is done with a block's bytes before it asks for the next (with 2 buffers, the next
    part can be read while the caller works on this one: :func:`_read_ahead`). No fresh block, no
    copies (they cost more than the read).
    """
    block_bytes = _BLOCK_BYTES
    slots = [bytearray(2 * block_bytes) for _ in range(buffers)]
    slot = 0
    buffer = slots[0]
    consumed = 0  # bytes of the (decompressed) stream before ``buffer``
    held = 0  # bytes at the front of ``buffer`` carried over from the last read (an unfinished word)
    with _open_binary(path) as handle:
        while True:
            if len(buffer) - held < block_bytes:  # a long word: make room (only the rare path copies)
                buffer = slots[slot] = bytearray(buffer[:held]) + bytearray(2 * block_bytes)
            view = memoryview(buffer)
            got = _readinto(handle, view[held : held + block_bytes], path)
            at_end = got == 0
            total = held + got
            if at_end:
                cut = total
            else:
                cut = _after_last_space(buffer, total)
                if cut == 0 and total > _MAX_WORD_BYTES:
                    cut = _after_last_wide_space(bytes(view[:total]))
                    if cut == 0:
                        _raise_long_word(path, consumed)
                if cut == 0:  # no whitespace yet: one long word, keep reading
                    held = total
                    continue
            yield view[:cut], consumed
            consumed += cut
            held = total - cut
            slot = (slot + 1) % buffers
            following = slots[slot]
            if len(following) < held + block_bytes:  # (never resized: a view of it may be alive)
                following = slots[slot] = bytearray(held + 2 * block_bytes)
            following[:held] = buffer[cut:total]
            buffer = following
            if at_end:
                return


def _read_ahead(items: Generator[T, None, None]) -> Iterator[T]:
    """``items``, each one made on a thread while the caller works on the one before.

    The next item is asked for only once the caller asked for this one, so the producer never holds
    more than two: with :func:`_file_views` on 2 buffers, a file is read while its last block is
    counted. Errors reach the caller in order; closing this generator stops the thread.
    """
    requests: queue.SimpleQueue = queue.SimpleQueue()
    answers: queue.SimpleQueue = queue.SimpleQueue()

    def produce() -> None:
        try:
            while requests.get():
                try:
                    answers.put(("item", next(items)))
                except StopIteration:
                    answers.put(("end", None))
                    return
                except BaseException as exc:  # handed to the caller, raised there
                    answers.put(("error", exc))
                    return
        finally:
            items.close()

    thread = threading.Thread(target=produce, name="skipgram-read", daemon=True)
    thread.start()
    requests.put(True)
    try:
        while True:
            kind, value = answers.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            requests.put(True)  # the caller is done with the item before this one
            yield value
    finally:
        requests.put(False)
        thread.join()


def _after_last_space(data: bytes | bytearray, end: int | None = None) -> int:
    """Just after the last ASCII whitespace byte of ``data[:end]``, or 0; looks at the tail first (a
    full reverse scan for each of the six bytes would read a block six times)."""
    end = len(data) if end is None else end
    tail = max(0, end - 4096)
    cut = max(data.rfind(b, tail, end) for b in _CUT_BYTES)
    if cut < 0 and tail:
        cut = max(data.rfind(b, 0, tail) for b in _CUT_BYTES)
    return cut + 1


def _line_of(path: Path, offset: int) -> int:
    """The line (1-based) of byte ``offset`` of the (decompressed) text: for error messages only."""
    newlines, done = 0, 0
    with _open_binary(path) as handle:
        while done < offset:
            chunk = _read(handle, min(1 << 20, offset - done), path)
            if not chunk:
                break
            newlines += chunk.count(b"\n")
            done += len(chunk)
    return newlines + 1


def _after_last_wide_space(data: bytes) -> int:
    """Just after the last whitespace character outside ASCII (str.split() splits on them), or 0."""
    ends = [m.end() for m in _MULTIBYTE_SPACE.finditer(data)]
    ascii_like = max(data.rfind(bytes([b])) for b in (0x1C, 0x1D, 0x1E, 0x1F))
    return max(ends[-1] if ends else 0, ascii_like + 1)


def _raise_decode_error(path: Path, part: bytes, consumed: int) -> None:
    """Raise the CorpusError naming where ``part`` (which starts at byte ``consumed``) is not UTF-8."""
    try:
        part.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = "decompressed " if path.suffix.lower() in _OPENERS else ""
        line = _line_of(path, consumed + exc.start)
        raise CorpusError(
            f"{str(path)!r} is not valid UTF-8: byte offset {consumed + exc.start} of "
            f"the {where}text (line {line}) cannot be decoded ({exc.reason}); "
            "pass errors='replace' to replace undecodable bytes"
        ) from None
    raise AssertionError(f"{str(path)!r}: a block was reported as invalid UTF-8 but decodes")


def _raise_long_word(path: Path, offset: int) -> None:
    line = _line_of(path, offset)
    where = "decompressed " if path.suffix.lower() in _OPENERS else ""
    raise CorpusError(
        f"{str(path)!r} has a word longer than {_MAX_WORD_BYTES} bytes (no whitespace) at byte offset "
        f"{offset} of the {where}text (line {line}): is it a text file? words are limited to "
        f"{_MAX_WORD_BYTES} bytes"
    )


def _plain_bytes(paths: list[Path]) -> int | None:
    """The bytes of these files as read, when none is compressed (else None: unknown until read)."""
    if any(path.suffix.lower() in _OPENERS for path in paths):
        return None
    try:
        return sum(path.stat().st_size for path in paths)
    except OSError:
        return None


def _open_binary(path: Path) -> BinaryIO:
    opener = _OPENERS.get(path.suffix.lower(), open)
    try:
        return opener(path, "rb")
    except FileNotFoundError:
        raise FileNotFoundError(f"corpus file {str(path)!r} does not exist") from None


# What reading a corrupt or truncated (compressed) file raises.
_READ_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error)


def _readinto(handle: BinaryIO, target: memoryview, path: Path) -> int:
    """Fill as much of ``target`` as the stream gives (0 at its end)."""
    done = 0
    try:
        while done < len(target):
            got = handle.readinto(target[done:])
            if not got:
                break
            done += got
    except _READ_ERRORS as exc:
        raise CorpusError(f"cannot read corpus file {str(path)!r}: {exc}") from None
    return done


def _read(handle: BinaryIO, size: int, path: Path) -> bytes:
    try:
        return handle.read(size)
    except _READ_ERRORS as exc:
        raise CorpusError(f"cannot read corpus file {str(path)!r}: {exc}") from None


class _CheckedSentences:
    """A user's restartable iterable of token lists: checked, and long sentences split."""

    def __init__(self, sentences: Iterable[Any], max_sentence_length: int) -> None:
        self.sentences = sentences
        self.max_sentence_length = max_sentence_length

    def __iter__(self) -> Iterator[list[str]]:
        limit = self.max_sentence_length
        for number, sentence in enumerate(self.sentences):
            if isinstance(sentence, (str, bytes)):
                raise CorpusError(
                    f"sentence {number} of the corpus is a string, not a list of words; "
                    "give a list of token lists such as [['the', 'cat'], ...], or a path"
                )
            if not isinstance(sentence, list):
                try:
                    sentence = list(sentence)
                except TypeError:
                    raise CorpusError(
                        f"sentence {number} of the corpus is not a list of words: {sentence!r}"
                    ) from None
            if set(map(type, sentence)) - {str}:
                bad = next((t for t in sentence if not isinstance(t, str)), None)
                if bad is not None:
                    raise CorpusError(
                        f"sentence {number} of the corpus has a token that is not a string: "
                        f"{bad!r} ({type(bad).__name__})"
                    )
            if len(sentence) <= limit:
                yield sentence
            else:
                for start in range(0, len(sentence), limit):
                    yield sentence[start : start + limit]


def as_sentences(
    corpus: Any, max_sentence_length: int = 10000, errors: str = "strict"
) -> Iterable[list[str]]:
    """Any accepted corpus as a restartable iterable of token lists.

    Parameters
    ----------
    corpus : path, list of paths, LineCorpus, or restartable iterable of token lists
        A one-shot iterator or generator is refused: training reads the corpus several times.
        A LineCorpus is returned as it is, keeping its own ``max_sentence_length`` and ``errors``.
    max_sentence_length, errors
        As in :class:`LineCorpus`; long token lists from an iterable are split the same way.

    Examples
    --------
    >>> list(as_sentences([["a", "b", "c"]], max_sentence_length=2))
    [['a', 'b'], ['c']]
    >>> as_sentences(iter([["a"]]))
    Traceback (most recent call last):
    ...
    skipgram.errors.CorpusError: the corpus is a one-shot iterator ...
    """
    validate_params(
        {"max_sentence_length": max_sentence_length, "errors": errors},
        _CORPUS_CONSTRAINTS,
        "as_sentences",
    )
    if isinstance(corpus, (LineCorpus, _CheckedSentences)) or _yields_batches(corpus):
        return corpus  # already configured: its own settings win
    if isinstance(corpus, (str, os.PathLike)) or (
        isinstance(corpus, (list, tuple))
        and corpus
        and all(isinstance(p, (str, os.PathLike)) for p in corpus)
    ):
        return LineCorpus(corpus, max_sentence_length=max_sentence_length, errors=errors)
    try:
        iterator = iter(corpus)
    except TypeError:
        raise CorpusError(
            f"the corpus must be a path, a list of paths, a LineCorpus or an iterable of token "
            f"lists; got {type(corpus).__name__}"
        ) from None
    if iterator is corpus:
        raise CorpusError(
            "the corpus is a one-shot iterator (e.g. a generator), but training reads the corpus "
            "several times (vocabulary, then each epoch); pass a list of token lists, a path, or "
            "a LineCorpus, or a class whose __iter__ starts over"
        )
    return _CheckedSentences(corpus, max_sentence_length)


def _token_batches(sentences: Iterable[list[str]]) -> Iterator[tuple[list[str], list[int]]]:
    """(tokens, sentence lengths) in batches; empty sentences are skipped."""
    if isinstance(sentences, LineCorpus) or _yields_batches(sentences):
        yield from sentences._token_batches()
        return
    tokens: list[str] = []
    lengths: list[int] = []
    for sentence in sentences:
        if sentence:
            tokens += sentence
            lengths.append(len(sentence))
            if len(tokens) >= _BATCH_TOKENS:
                yield tokens, lengths
                tokens, lengths = [], []
    if lengths:
        yield tokens, lengths


def _yields_batches(corpus: Any) -> bool:
    """Hook: a source that makes its own checked (tokens, lengths) batches (e.g. a PhrasedCorpus)."""
    return getattr(type(corpus), "_token_batches", None) is not None and not isinstance(corpus, type)
