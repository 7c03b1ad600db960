"""The encoded corpus (int32 ids + sentence offsets) the trainer runs on, and how text becomes one.

:func:`scan` counts the vocabulary and encodes the corpus in a single pass over the text (read by
:mod:`skipgram.reading`, counted by :mod:`skipgram.counting`; a second pass only when the distinct words
outgrow the counting memory bound); with ``cache_dir`` the ids go to files that the trainer reads back with
positioned reads, so a corpus larger than RAM trains with a small resident size.

Examples
--------
>>> vocab, encoded = scan([["the", "cat"], ["the", "dog", "the"]], min_count=2)
>>> vocab.words, encoded.ids.tolist(), encoded.offsets.tolist()
(['the'], [0, 0, 0], [0, 1, 3])
"""

from __future__ import annotations

import json
import logging
import mmap
import os
import shutil
import sys
import tempfile
import weakref
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise, repeat
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_write
from ._leftovers import cache_prefix
from .counting import _move_down, _remap_sentences, _sentence_lengths, _sentences, count_words
from .errors import CorpusError
from .reading import LineCorpus, PathLike, _plain_bytes, _token_batches, as_sentences
from .vocab import Vocabulary

# LineCorpus and as_sentences live in reading.py; they are re-exported because a corpus is where
# users look for them.
__all__ = ["EncodedCorpus", "LineCorpus", "as_sentences", "encode", "scan"]

logger = logging.getLogger(__name__)


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


def _reserve(store: np.ndarray, size: int) -> None:
    """Grow ``store`` in place to hold at least ``size`` values.

    ``ndarray.resize`` is a realloc (mremap for large arrays), not a copy into a second array, so
    the ids never exist twice in memory; growing by a quarter bounds the unused tail.
    """
    if size > len(store):
        store.resize(max(size, len(store) + len(store) // 4, 1024), refcheck=False)


# Linux's MAP_NORESERVE (Python's mmap names it from 3.13): the reservation is address space only.
_MAP_NORESERVE = getattr(mmap, "MAP_NORESERVE", 0x4000 if sys.platform.startswith("linux") else 0)


def _reserved_ids(n: int) -> np.ndarray | None:
    """Room for ``n`` int32 ids as address space only (an anonymous private map), or None.

    Unlike growing an array (``resize`` zero-fills every new part on the thread that grows it),
    a page of the map is allocated when a counting worker first writes to it, on that worker: the
    pages are faulted in side by side, and the ones never written cost nothing.
    """
    if n <= 0 or not hasattr(mmap, "MAP_ANONYMOUS"):
        return None
    try:
        space = mmap.mmap(-1, 4 * n, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _MAP_NORESERVE)
    except (OSError, OverflowError, ValueError):
        return None
    return np.frombuffer(space, dtype=np.int32)


def _trim(store: np.ndarray, n: int) -> np.ndarray:
    """``store[:n]``, giving back what lies beyond: a realloc for an array, the pages for a map."""
    if store.flags.owndata:
        store.resize(n, refcheck=False)
        return store
    root = store
    while isinstance(root, np.ndarray):
        root = root.base
    if isinstance(root, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        first = -(-4 * n // mmap.PAGESIZE) * mmap.PAGESIZE
        if first < len(root):
            root.madvise(mmap.MADV_DONTNEED, first, len(root) - first)
    return store[:n]


def _append(store: np.ndarray, used: int, ids: np.ndarray) -> np.ndarray:
    """Write ``ids`` at ``store[used:]``, growing ``store`` in place when full."""
    _reserve(store, used + len(ids))
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
            self.folder = Path(tempfile.mkdtemp(prefix=cache_prefix("corpus"), dir=cache_dir))
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

    def add_known(self, ids: np.ndarray, lengths: np.ndarray | list[int]) -> None:
        """Append the ids >= 0 of sentences with ``lengths``; sentences left empty are dropped."""
        keep = ids >= 0
        kept = _kept_lengths(keep, lengths)
        self.add(ids[keep], kept[kept > 0])

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
            sink.add_known(ids, lengths)
        return sink.finish(raw_words)
    except BaseException:
        sink.abort()
        raise


def _remap_in_place(
    store: np.ndarray, lengths: np.ndarray, final: np.ndarray, raw_words: int, workers: int = 1
) -> EncodedCorpus:
    """Replace provisional ids by final ones, dropping -1s and compacting ``store`` from the front.

    The sentences are cut into ``workers`` runs of about equal ids, remapped side by side (numba
    releases the GIL), then moved down to close the gaps the dropped ids left between the runs.
    """
    ends = np.cumsum(lengths)
    cuts = np.searchsorted(ends, np.linspace(0, len(store), workers + 1)[1:-1], side="right")
    sentence_cuts = [0, *np.unique(cuts).tolist(), len(lengths)]
    runs = [(a, b, int(ends[a - 1]) if a else 0) for a, b in pairwise(sentence_cuts) if b > a]
    kept = np.empty(len(lengths), dtype=np.int64)

    def remap(run: tuple[int, int, int]) -> int:
        return int(_remap_sentences(store, final, lengths, run[0], run[1], run[2], kept))

    if len(runs) > 1:
        with ThreadPoolExecutor(len(runs), thread_name_prefix="skipgram-remap") as pool:
            written = list(pool.map(remap, runs))
    else:
        written = [remap(r) for r in runs]
    if any(n < 0 for n in written):  # the stored ids and the counts disagree: a bug, never user input
        raise AssertionError("a provisional id lies outside the id space of the counts")
    total = 0
    for (_, _, start), n in zip(runs, written, strict=True):
        if start != total:
            _move_down(store, start, total, n)
        total += n
    store = _trim(store, total)
    kept = kept[kept > 0]
    return EncodedCorpus(store, np.concatenate([[0], np.cumsum(kept)]).astype(np.int64), raw_words)


class _ProvisionalStore:
    """The scan's provisional ids (one growing array, or a scratch file under ``cache_dir``) and the
    lengths of the sentences they form, for the final remap to vocabulary ids."""

    # Tokens per remap step: whole sentences, about this many ids at a time.
    CHUNK = 1 << 20

    def __init__(self, cache_dir: PathLike | None, max_sentence_length: int) -> None:
        self.limit = max_sentence_length
        self.scratch = self.folder = None
        if cache_dir is not None:
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix=cache_prefix("scan"), dir=cache_dir))
            self.scratch = open(self.folder / "provisional.int32", "w+b")
        self.reset()

    def reset(self) -> None:
        """Forget everything stored (the first pass stopped being exact)."""
        self.store = np.empty(0, dtype=np.int32)
        self.used = 0
        self.lengths: list[np.ndarray] = []
        self.open = np.zeros(2, dtype=np.int64)  # the open sentence: [raw tokens, kept tokens]
        self.out = np.empty(0, dtype=np.int64)  # reused per block: sentence lengths
        self.buffer = np.empty(0, dtype=np.int32)  # reused per block: kept ids on their way to the file
        if self.scratch is not None:
            self.scratch.seek(0)
            self.scratch.truncate()

    def expect(self, most_tokens: int) -> None:
        """The corpus has at most ``most_tokens`` tokens: reserve room for them (see _reserved_ids)."""
        if self.scratch is None and self.used == 0:
            reserved = _reserved_ids(most_tokens)
            if reserved is not None:
                self.store = reserved

    def target(self, n: int) -> np.ndarray:
        if self.scratch is not None:
            if len(self.buffer) < n:
                self.buffer = np.empty(n, dtype=np.int32)
            return self.buffer
        if self.used + n > len(self.store) and not self.store.flags.owndata:
            self.store = self.store[: self.used].copy()  # outgrew a reservation: grow as an array
        _reserve(self.store, self.used + n)  # the ids go straight to the end of the store
        return self.store[self.used :]

    def _block_lengths(self, n: int) -> np.ndarray:
        if len(self.out) < n + 1:
            self.out = np.empty(n + 1, dtype=np.int64)
        return self.out

    def _stored(self, k: int, n: int) -> None:
        self.lengths.append(self.out[:k].copy())
        if self.scratch is not None:
            self.scratch.write(self.buffer[:n].astype("<i4", copy=False).tobytes())
        self.used += int(n)

    def add_all(self, tokens: Any) -> None:
        out = self._block_lengths(tokens.n)
        self._stored(
            _sentence_lengths(tokens.nl, tokens.reg_start, tokens.reg_n, self.open, self.limit, out), tokens.n
        )

    def add(self, tokens: Any, ids: np.ndarray) -> None:
        out = self._block_lengths(tokens.n)
        target = self.target(tokens.n)
        self._stored(
            *_sentences(tokens.nl, ids, tokens.reg_start, tokens.reg_n, self.open, self.limit, out, target)
        )

    def end_of_file(self) -> None:
        if self.open[1] > 0:
            self.lengths.append(self.open[1:2].copy())
        self.open[:] = 0

    def _lengths(self) -> np.ndarray:
        lengths = np.concatenate([np.zeros(0, np.int64), *self.lengths])
        self.lengths = []
        return lengths

    def _batches(self, lengths: np.ndarray) -> list[tuple[int, np.ndarray]]:
        ends = np.cumsum(lengths)
        cuts = np.searchsorted(ends, np.arange(self.CHUNK, self.used, self.CHUNK), side="right")
        bounds = np.unique(np.concatenate([[0], cuts, [len(lengths)]]))
        starts = np.concatenate([[0], ends])
        return [(int(starts[a]), lengths[a:b]) for a, b in pairwise(bounds) if b > a]

    def remap(
        self, final: np.ndarray, raw_words: int, cache_dir: PathLike | None, workers: int = 1
    ) -> EncodedCorpus:
        """The encoded corpus: provisional ids replaced by ``final[id]``, -1 dropped."""
        lengths = self._lengths()
        if self.scratch is None:
            store, self.store = self.store, np.empty(0, dtype=np.int32)
            return _remap_in_place(_trim(store, self.used), lengths, final, raw_words, workers)
        sink = _Sink(cache_dir)
        try:
            for start, chunk in self._batches(lengths):
                self.scratch.seek(4 * start)
                sink.add_known(
                    final.take(np.fromfile(self.scratch, dtype="<i4", count=int(chunk.sum()))), chunk
                )
            return sink.finish(raw_words)
        except BaseException:
            sink.abort()
            raise

    def close(self) -> None:
        if self.scratch is not None:
            self.scratch.close()
            shutil.rmtree(self.folder, ignore_errors=True)


def scan(
    sentences: Any,
    *,
    min_count: int = 5,
    max_vocab_size: int | None = None,
    stop_words: str | Iterable[str] | None = None,
    cache_dir: PathLike | None = None,
    workers: int = 1,
    count_memory_mb: float | None = 256,
) -> tuple[Vocabulary, EncodedCorpus]:
    """Build the vocabulary and encode the corpus, reading the text once when it fits the bound.

    Gives the same result as ``Vocabulary.build`` followed by :func:`encode`. Each word gets a
    provisional id while counting (:mod:`skipgram.counting`); the provisional int32 ids are kept (in
    memory, or in a file under ``cache_dir``) and finally remapped to vocabulary ids, dropping
    pruned words. When the distinct words outgrow ``count_memory_mb``, the stored ids are dropped and
    a second pass counts and encodes only the words that can reach ``min_count``; the vocabulary,
    its counts and the encoded corpus are the same either way.

    Parameters
    ----------
    sentences : anything :func:`as_sentences` accepts
    min_count, max_vocab_size, stop_words
        As in :meth:`Vocabulary.build`.
    cache_dir : path, optional
        As in :func:`encode`.
    workers : int, default 1
        Threads that split, hash and count (any number gives the same result).
    count_memory_mb : float or None, default 256
        As in :meth:`Vocabulary.build`: the bound on the exact word tables of the first pass.

    Returns
    -------
    (Vocabulary, EncodedCorpus)
    """
    Vocabulary._validate(min_count, max_vocab_size, workers, count_memory_mb)
    sentences = as_sentences(sentences)
    limit = sentences.max_sentence_length if isinstance(sentences, LineCorpus) else 2**62
    store = _ProvisionalStore(cache_dir, limit)
    plain = _plain_bytes(sentences.paths) if isinstance(sentences, LineCorpus) else None
    if plain is not None:  # a token takes a byte and a separator; each file and range may round up
        store.expect(plain // 2 + len(sentences.paths) + 64 * max(1, workers))
    try:
        counted = count_words(
            sentences,
            min_count=min_count,
            workers=workers,
            count_memory_mb=count_memory_mb,
            store=store,
        )
        vocab, words, provisional = Vocabulary._from_word_counts(
            counted, min_count=min_count, max_vocab_size=max_vocab_size, stop_words=stop_words
        )
        # provisional id -> final id, or -1 for a pruned word
        final = counted.id_map(
            provisional, np.fromiter(map(vocab.index.get, words, repeat(-1)), np.int32, len(words))
        )
        del counted, words, provisional
        encoded = store.remap(final, vocab.raw_total, cache_dir, workers)
    finally:
        store.close()
    logger.info(
        "scanned %d tokens: %d words in the vocabulary, %d ids in %d sentences",
        vocab.raw_total,
        len(vocab),
        len(encoded),
        encoded.n_sentences,
    )
    return vocab, encoded
