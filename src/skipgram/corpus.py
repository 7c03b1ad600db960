"""Reading training text, and the encoded corpus (int32 ids + sentence offsets) the trainer runs on.

Text is streamed in blocks of bytes, so a 100 MB one-line file never sits in memory as one string;
:func:`scan` counts the vocabulary and encodes the corpus in a single pass over the text.

Examples
--------
>>> vocab, encoded = scan([["the", "cat"], ["the", "dog", "the"]], min_count=2)
>>> vocab.words, encoded.ids.tolist(), encoded.offsets.tolist()
(['the'], [0, 0, 0], [0, 1, 3])
"""

from __future__ import annotations

import bz2
import gzip
import json
import logging
import lzma
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterable, Iterator
from itertools import repeat
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ._atomic import atomic_write
from ._memory import fresh_strings
from ._validation import Interval, Options, validate_params
from .errors import CorpusError, ParameterError
from .vocab import Vocabulary, _ProvisionalIds

__all__ = ["EncodedCorpus", "LineCorpus", "as_sentences", "encode", "scan"]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike

# Bytes read per block. Small enough that a block's words (about 60 bytes of Python object per
# word) stay a few tens of MB; large enough that per-block overhead is nil. Tests make it tiny.
_BLOCK_BYTES = 1 << 21
# Tokens per batch when encoding a user's iterable of token lists.
_BATCH_TOKENS = 1 << 19
# ASCII whitespace bytes: never part of a multi-byte UTF-8 character, so cutting after one is safe.
_CUT_BYTES = (b"\n", b" ", b"\t", b"\r", b"\x0b", b"\x0c")

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}

_CORPUS_CONSTRAINTS = {
    "max_sentence_length": [Interval(int, 1, None)],
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
        else:
            raise FileNotFoundError(f"corpus file {str(path)!r} does not exist")
    return files


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
        """The decoded text of ``path`` in blocks, each cut just after an ASCII whitespace byte."""
        block_bytes = _BLOCK_BYTES
        where = "decompressed " if path.suffix in _OPENERS else ""
        consumed = 0  # bytes of the (decompressed) stream before ``buffer``
        newlines = 0
        buffer = b""
        with _open_binary(path) as handle:
            while True:
                chunk = _read(handle, block_bytes, path)
                at_end = not chunk
                buffer = buffer + chunk if buffer else chunk
                if at_end:
                    cut = len(buffer)
                else:
                    cut = max(buffer.rfind(b) for b in _CUT_BYTES) + 1
                    if cut == 0:  # no whitespace yet: one huge word, keep reading
                        continue
                part = buffer[:cut]
                try:
                    text = part.decode("utf-8", self.errors)
                except UnicodeDecodeError as exc:
                    line = newlines + part.count(b"\n", 0, exc.start) + 1
                    raise CorpusError(
                        f"{str(path)!r} is not valid UTF-8: byte offset {consumed + exc.start} of "
                        f"the {where}text (line {line}) cannot be decoded ({exc.reason}); "
                        "pass errors='replace' to replace undecodable bytes"
                    ) from None
                if consumed == 0 and text.startswith("\ufeff"):
                    text = text[1:]
                newlines += part.count(b"\n")
                consumed += cut
                buffer = buffer[cut:]
                if text:
                    yield text
                if at_end:
                    return


def _open_binary(path: Path) -> BinaryIO:
    opener = _OPENERS.get(path.suffix.lower(), open)
    try:
        return opener(path, "rb")
    except FileNotFoundError:
        raise FileNotFoundError(f"corpus file {str(path)!r} does not exist") from None


def _read(handle: BinaryIO, size: int, path: Path) -> bytes:
    try:
        return handle.read(size)
    except (OSError, EOFError, lzma.LZMAError) as exc:  # corrupt or truncated compressed file
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
    if isinstance(corpus, (LineCorpus, _CheckedSentences)):
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
    if isinstance(sentences, LineCorpus):
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


class EncodedCorpus:
    """The corpus as int32 word ids, sentence by sentence, ready for the trainer.

    Parameters
    ----------
    ids : numpy.ndarray of int32
        In-vocabulary tokens, all sentences concatenated (a ``numpy.memmap`` when on disk).
    offsets : numpy.ndarray of int64, shape (n_sentences + 1,)
        Sentence ``i`` is ``ids[offsets[i]:offsets[i + 1]]``; ``offsets[0] == 0``,
        ``offsets[-1] == len(ids)``. Sentences left with no word after dropping out-of-vocabulary
        words are removed, so every sentence has at least one id.
    raw_words : int
        Tokens read from the text, dropped ones included (the learning-rate schedule counts these).
    folder : path, optional
        The folder holding ``ids.int32`` and ``offsets.int64`` when disk-backed.

    Examples
    --------
    >>> c = EncodedCorpus(np.array([3, 1, 2], np.int32), np.array([0, 2, 3]), raw_words=5)
    >>> len(c), c.n_sentences, c.slice(1, 3).tolist()
    (3, 2, [1, 2])
    """

    #: File names inside a cache folder: raw little-endian arrays, and a JSON description.
    IDS_FILE, OFFSETS_FILE, META_FILE = "ids.int32", "offsets.int64", "corpus.json"

    def __init__(
        self,
        ids: np.ndarray,
        offsets: np.ndarray,
        raw_words: int,
        *,
        folder: PathLike | None = None,
        remove_folder: bool = False,
    ) -> None:
        self.ids = ids
        self.offsets = offsets
        self.raw_words = int(raw_words)
        self.folder = Path(folder) if folder is not None else None
        if len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(ids):
            raise ValueError("offsets must start at 0 and end at len(ids)")
        self._fd: int | None = None
        if self.folder is not None:
            self._fd = os.open(self.folder / self.IDS_FILE, os.O_RDONLY)
        # Close the file and (for a temporary cache) remove it even if close() is never called.
        self._finalizer = weakref.finalize(self, _release, self._fd, self.folder if remove_folder else None)

    @classmethod
    def open(cls, folder: PathLike) -> EncodedCorpus:
        """Open an encoded corpus that :func:`encode` or :func:`scan` left in ``folder``."""
        folder = Path(folder)
        try:
            meta = json.loads((folder / cls.META_FILE).read_text(encoding="utf-8"))
            n_ids, n_sentences = int(meta["n_ids"]), int(meta["n_sentences"])
        except (OSError, ValueError, KeyError) as exc:
            raise CorpusError(f"{str(folder)!r} is not a complete encoded corpus: {exc}") from None
        ids = _memmap(folder / cls.IDS_FILE, np.int32, n_ids)
        offsets = _memmap(folder / cls.OFFSETS_FILE, np.int64, n_sentences + 1)
        return cls(ids, offsets, int(meta["raw_words"]), folder=folder)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_sentences(self) -> int:
        """Number of sentences."""
        return len(self.offsets) - 1

    def __repr__(self) -> str:
        where = f", folder={str(self.folder)!r}" if self.folder else ""
        return f"EncodedCorpus({len(self)} ids, {self.n_sentences} sentences{where})"

    def slice(self, start: int, stop: int) -> np.ndarray:
        """A new in-memory int32 array with ``ids[start:stop]``.

        For a disk-backed corpus this is a positioned file read (thread-safe), not a touch of the
        memory map, so a trainer streaming a corpus larger than RAM keeps a small resident size.
        """
        start, stop = int(start), int(stop)
        if not 0 <= start <= stop <= len(self.ids):
            raise IndexError(f"slice [{start}, {stop}) is outside the corpus of {len(self.ids)} ids")
        if self._fd is None:
            return np.array(self.ids[start:stop], dtype=np.int32)
        out = np.empty(stop - start, dtype=np.int32)
        view = memoryview(out).cast("B")
        done, offset = 0, start * 4
        while done < len(view):
            n = _pread_into(self._fd, view[done:], offset + done)
            if n <= 0:
                raise CorpusError(f"{str(self.folder)!r}: the ids file is shorter than expected")
            done += n
        return out

    def sentence_offsets(self) -> np.ndarray:
        """The offsets as an in-memory int64 array (a copy when they are memory-mapped)."""
        return np.array(self.offsets, dtype=np.int64)

    def close(self) -> None:
        """Release the files; a temporary cache folder (made by ``cache_dir=``) is removed."""
        self.ids = np.zeros(0, dtype=np.int32)
        self.offsets = np.zeros(1, dtype=np.int64)
        self._fd = None
        self._finalizer()

    def __enter__(self) -> EncodedCorpus:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _pread_into(fd: int, buffer: memoryview, offset: int) -> int:
    """Read into ``buffer`` at ``offset`` without moving a shared file position (thread-safe)."""
    if hasattr(os, "preadv"):
        return os.preadv(fd, [buffer], offset)
    data = os.pread(fd, len(buffer), offset)  # platforms without preadv: one extra copy
    buffer[: len(data)] = data
    return len(data)


def _release(fd: int | None, folder: Path | None) -> None:
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _memmap(path: Path, dtype: type, length: int) -> np.ndarray:
    if length == 0:  # numpy cannot map an empty file
        return np.zeros(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r", shape=(length,))


def _append(store: np.ndarray, used: int, ids: np.ndarray) -> np.ndarray:
    """Write ``ids`` at ``store[used:]``, growing ``store`` in place when full.

    ``ndarray.resize`` is a realloc (mremap for large arrays), not a copy into a second array, so
    the ids never exist twice in memory; growing by a quarter bounds the unused tail.
    """
    if used + len(ids) > len(store):
        store.resize(max(used + len(ids), len(store) + len(store) // 4, 1024), refcheck=False)
    store[used : used + len(ids)] = ids
    return store


class _Sink:
    """Collects encoded batches in memory, or appends them to files in a fresh cache folder."""

    def __init__(self, cache_dir: PathLike | None) -> None:
        self.folder: Path | None = None
        self.n_ids = 0
        self.lengths: list[np.ndarray] = [np.zeros(1, dtype=np.int64)]
        self.ids = np.empty(0, dtype=np.int32)
        if cache_dir is not None:
            cache_dir = Path(cache_dir)
            cache_dir.mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix="skipgram-corpus-", dir=cache_dir))
            self.ids_file = open(self.folder / EncodedCorpus.IDS_FILE, "wb")
            self.offsets_file = open(self.folder / EncodedCorpus.OFFSETS_FILE, "wb")
            self.offsets_file.write(np.zeros(1, np.int64).astype("<i8").tobytes())

    def add(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        """Append ids (int32) of sentences with ``lengths`` (all > 0)."""
        if self.folder is not None:
            self.ids_file.write(ids.astype("<i4", copy=False).tobytes())
            ends = self.n_ids + np.cumsum(lengths, dtype=np.int64)
            self.offsets_file.write(ends.astype("<i8", copy=False).tobytes())
        else:
            self.ids = _append(self.ids, self.n_ids, ids)
            self.lengths.append(lengths)
        self.n_ids += len(ids)

    def finish(self, raw_words: int) -> EncodedCorpus:
        if self.folder is None:
            self.ids.resize(self.n_ids, refcheck=False)
            offsets = np.cumsum(np.concatenate(self.lengths), dtype=np.int64)
            return EncodedCorpus(self.ids, offsets, raw_words)
        n_sentences = (self.offsets_file.tell() // 8) - 1
        self.ids_file.close()
        self.offsets_file.close()
        meta = {
            "format": "skipgram-encoded-corpus",
            "version": 1,
            "n_ids": self.n_ids,
            "n_sentences": n_sentences,
            "raw_words": raw_words,
        }
        # Written last: a folder with corpus.json is complete.
        with atomic_write(self.folder / EncodedCorpus.META_FILE, "w", encoding="utf-8") as f:
            json.dump(meta, f)
        corpus = EncodedCorpus.open(self.folder)
        # This folder is ours alone (mkdtemp); remove it when the corpus is closed or collected.
        corpus._finalizer.detach()
        corpus._finalizer = weakref.finalize(corpus, _release, corpus._fd, self.folder)
        logger.info("encoded corpus cached in %s", self.folder)
        return corpus

    def abort(self) -> None:
        if self.folder is not None:
            self.ids_file.close()
            self.offsets_file.close()
            shutil.rmtree(self.folder, ignore_errors=True)


def _kept_lengths(keep: np.ndarray, lengths: list[int] | np.ndarray) -> np.ndarray:
    """Per sentence, how many of its tokens are kept (sentences are non-empty)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return np.add.reduceat(keep, starts, dtype=np.int64)


def encode(sentences: Any, vocab: Vocabulary, *, cache_dir: PathLike | None = None) -> EncodedCorpus:
    """Encode a corpus with a given vocabulary; out-of-vocabulary words are dropped.

    Parameters
    ----------
    sentences : anything :func:`as_sentences` accepts
    vocab : Vocabulary
    cache_dir : path, optional
        Write ``ids.int32``/``offsets.int64`` into a fresh ``skipgram-corpus-*`` folder under it and
        memory-map them; the folder is removed by :meth:`EncodedCorpus.close` or garbage collection.

    Examples
    --------
    >>> v = Vocabulary(["a", "b"], np.array([2, 1]), 3)
    >>> encode([["a", "x", "b"], ["x"], ["a"]], v).offsets.tolist()
    [0, 2, 3]
    """
    sink = _Sink(cache_dir)
    raw_words = 0
    get = vocab.index.get
    try:
        for tokens, lengths in _token_batches(as_sentences(sentences)):
            raw_words += len(tokens)
            ids = np.fromiter(map(get, tokens, repeat(-1)), dtype=np.int32, count=len(tokens))
            keep = ids >= 0
            kept = _kept_lengths(keep, lengths)
            sink.add(ids[keep], kept[kept > 0])
        return sink.finish(raw_words)
    except BaseException:
        sink.abort()
        raise


def _remap_in_place(
    store: np.ndarray, batches: list[tuple[int, np.ndarray]], final: np.ndarray, raw_words: int
) -> EncodedCorpus:
    """Replace provisional ids by final ones, compacting ``store`` from the front (kept <= read)."""
    written = 0
    lengths_out = [np.zeros(1, dtype=np.int64)]
    for start, lengths in batches:
        ids = final.take(store[start : start + int(lengths.sum())])
        keep = ids >= 0
        ids = ids[keep]
        store[written : written + len(ids)] = ids
        written += len(ids)
        kept = _kept_lengths(keep, lengths)
        lengths_out.append(kept[kept > 0])
    store.resize(written, refcheck=False)
    return EncodedCorpus(store, np.cumsum(np.concatenate(lengths_out)), raw_words)


def scan(
    sentences: Any,
    *,
    min_count: int = 5,
    max_vocab_size: int | None = None,
    stop_words: str | Iterable[str] | None = None,
    cache_dir: PathLike | None = None,
) -> tuple[Vocabulary, EncodedCorpus]:
    """Build the vocabulary and encode the corpus in one pass over the text.

    Gives the same result as ``Vocabulary.build`` followed by :func:`encode`, reading the text once:
    each word gets a provisional id on first sight while counting; the provisional int32 ids are
    kept (in memory, or in a file under ``cache_dir``) and finally remapped to vocabulary ids with
    one ``numpy.take`` per batch, dropping pruned words.

    Parameters
    ----------
    sentences : anything :func:`as_sentences` accepts
    min_count, max_vocab_size, stop_words
        As in :meth:`Vocabulary.build`.
    cache_dir : path, optional
        As in :func:`encode`.

    Returns
    -------
    (Vocabulary, EncodedCorpus)
    """
    Vocabulary._validate(min_count, max_vocab_size)
    counter = _ProvisionalIds()
    batches: list[tuple[int, np.ndarray]] = []  # (start of the batch's provisional ids, lengths)
    # Provisional ids go to one growing array (remapped in place at the end, so the corpus never
    # exists twice in memory), or to a scratch file under cache_dir.
    store = np.empty(0, dtype=np.int32)
    used = 0
    scratch = folder = None
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="skipgram-scan-", dir=cache_dir))
        scratch = open(folder / "provisional.int32", "w+b")
    try:
        for tokens, lengths in _token_batches(as_sentences(sentences)):
            ids = counter.add(tokens)
            batches.append((used, np.asarray(lengths, dtype=np.int32)))
            if scratch is not None:
                scratch.write(ids.astype("<i4", copy=False).tobytes())
            else:
                store = _append(store, used, ids)
            used += len(ids)
        tokens = ids = None  # the last batch's words are no longer needed
        raw_words = used
        words = counter.words()
        vocab = Vocabulary.from_counts(
            words,
            counter.counts(),
            min_count=min_count,
            max_vocab_size=max_vocab_size,
            stop_words=stop_words,
        )
        # provisional id -> final id, or -1 for a pruned word
        final = np.fromiter(map(vocab.index.get, words, repeat(-1)), dtype=np.int32, count=len(words))
        del words, counter
        # Re-allocate the kept words so that the arenas of the freed tokens can go back to the OS.
        vocab = Vocabulary(fresh_strings(vocab.words), vocab.counts, vocab.raw_total)
        if scratch is None:
            encoded = _remap_in_place(store, batches, final, raw_words)
        else:
            sink = _Sink(cache_dir)
            try:
                for start, lengths in batches:
                    scratch.seek(4 * start)
                    ids = final.take(np.fromfile(scratch, dtype="<i4", count=int(lengths.sum())))
                    keep = ids >= 0
                    kept = _kept_lengths(keep, lengths)
                    sink.add(ids[keep], kept[kept > 0])
                encoded = sink.finish(raw_words)
            except BaseException:
                sink.abort()
                raise
    finally:
        if scratch is not None:
            scratch.close()
            shutil.rmtree(folder, ignore_errors=True)
    logger.info(
        "scanned %d tokens: %d words in the vocabulary, %d ids in %d sentences",
        raw_words,
        len(vocab),
        len(encoded),
        encoded.n_sentences,
    )
    return vocab, encoded
