"""The vocabulary: words sorted by corpus count, with the word <-> id mapping.

Examples
--------
>>> vocab = Vocabulary.build([["the", "cat"], ["the", "dog"]], min_count=1)
>>> vocab.words, vocab.counts.tolist(), vocab.raw_total
(['the', 'cat', 'dog'], [2, 1, 1], 4)
>>> vocab.id("dog"), "bird" in vocab
(2, False)
>>> vocab.ids(["dog", "bird", "the"]).tolist()
[2, 0]
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from itertools import repeat
from typing import Any

import numpy as np

from ._params import constraints
from ._suggest import unknown_word_message
from ._validation import NONE, Interval, validate_params
from .datasets import DATA_DIR
from .errors import CorpusError, ParameterError

__all__ = ["Vocabulary", "load_stop_words"]

logger = logging.getLogger(__name__)

_CONSTRAINTS = {
    **constraints("min_count", "max_vocab_size"),  # Word2Vec's, from the parameter table
    "workers": [Interval(int, 1, None)],
    "count_memory_mb": [NONE, Interval(float, 0, None, closed="right")],
}


def load_stop_words(stop_words: str | Iterable[str] | None) -> frozenset[str]:
    """The set of stop words for ``stop_words``: ``None``, ``"english"`` or an iterable of words.

    ``"english"`` is the bundled list (the 179 lower-case words of NLTK's English list). Matching is
    exact and case-sensitive, so lower-case the corpus if it is cased.

    Examples
    --------
    >>> sorted(load_stop_words(["a", "an"])), "the" in load_stop_words("english")
    (['a', 'an'], True)
    """
    if stop_words is None:
        return frozenset()
    if isinstance(stop_words, str):
        if stop_words != "english":
            raise ParameterError(
                "The 'stop_words' parameter must be None, 'english' or an iterable of words; "
                f"got {stop_words!r}."
            )
        text = (DATA_DIR / "stopwords-english.txt").read_text(encoding="utf-8")
        return frozenset(text.split())
    words = frozenset(stop_words)
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        raise ParameterError(f"stop words must be strings; got {bad[0]!r}.")
    return words


class Vocabulary:
    """Words sorted by count (descending, ties by the word), their counts and ids.

    Parameters
    ----------
    words : sequence of str
        In vocabulary order: count descending, ties broken by the word (Python string order).
    counts : array of int, shape (V,)
        Corpus count of each word, stored as int64.
    raw_total : int
        Tokens in the corpus before pruning (rare words and stop words included), for reporting.

    Attributes
    ----------
    words : list of str
    counts : numpy.ndarray of int64
    raw_total : int
    index : dict of str to int
        Word -> id (its position in ``words``).

    Examples
    --------
    >>> v = Vocabulary(["a", "b"], np.array([3, 1]), raw_total=5)
    >>> len(v), v.index
    (2, {'a': 0, 'b': 1})
    """

    def __init__(self, words: Sequence[str], counts: np.ndarray, raw_total: int) -> None:
        self.words: list[str] = list(words)
        self.counts: np.ndarray = np.asarray(counts, dtype=np.int64).reshape(-1)
        self.raw_total = int(raw_total)
        if len(self.words) != len(self.counts):
            raise ValueError(f"{len(self.words)} words but {len(self.counts)} counts")
        self.index: dict[str, int] = {word: i for i, word in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("the vocabulary has duplicate words")

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} words, {int(self.counts.sum())} of {self.raw_total} tokens)"

    def id(self, word: str) -> int:
        """The id of ``word``; ``KeyError`` naming it and close spellings when it is unknown."""
        try:
            return self.index[word]
        except KeyError:
            raise KeyError(unknown_word_message(word, self.words)) from None

    def ids(self, tokens: Iterable[str]) -> np.ndarray:
        """int32 ids of ``tokens`` in order; unknown words are dropped.

        Examples
        --------
        >>> Vocabulary(["a", "b"], np.array([2, 1]), 3).ids(["b", "zz", "a"]).tolist()
        [1, 0]
        """
        tokens = tokens if isinstance(tokens, (list, tuple)) else list(tokens)
        ids = np.fromiter(map(self.index.get, tokens, repeat(-1)), dtype=np.int32, count=len(tokens))
        return ids[ids >= 0]

    @classmethod
    def build(
        cls,
        sentences: Any,
        *,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        stop_words: str | Iterable[str] | None = None,
        workers: int = 1,
        count_memory_mb: float | None = 256,
    ) -> Vocabulary:
        """Count the words of a corpus and keep the frequent ones.

        Parameters
        ----------
        sentences : path, list of paths, LineCorpus or restartable iterable of token lists
            Anything :func:`skipgram.corpus.as_sentences` accepts.
        min_count : int, default 5
            Drop words that occur fewer times.
        max_vocab_size : int or None
            Keep at most this many words, the most frequent; among words with the same count as the
            last one kept, the alphabetically first (Python string order) are kept.
        stop_words : None, "english" or iterable of str
            Words to leave out of the vocabulary (and so out of training).
        workers : int, default 1
            Threads that split, hash and count the text; any number gives the same vocabulary.
        count_memory_mb : float or None, default 256
            Memory bound (MiB) for counting distinct words exactly in one pass. A corpus with more
            distinct words than fit (tens of millions of typos, hashes, ids) is counted with a
            count-min sketch of half that size, then a second pass counts exactly the words the
            sketch says may reach ``min_count``. Either way the vocabulary and its counts are exactly
            those of an unbounded count (a sketch never underestimates). ``None``: no bound.

        Raises
        ------
        CorpusError
            The corpus has no words, or no word occurs ``min_count`` times.

        Examples
        --------
        >>> Vocabulary.build([["a", "b", "a"]], min_count=2).words
        ['a']
        """
        from .counting import count_words

        cls._validate(min_count, max_vocab_size, workers, count_memory_mb)
        counted = count_words(
            sentences, min_count=min_count, workers=workers, count_memory_mb=count_memory_mb
        )
        vocab, _, _ = cls._from_word_counts(
            counted, min_count=min_count, max_vocab_size=max_vocab_size, stop_words=stop_words
        )
        return vocab

    @classmethod
    def _from_word_counts(
        cls,
        counted: Any,
        *,
        min_count: int,
        max_vocab_size: int | None,
        stop_words: str | Iterable[str] | None,
    ) -> tuple[Vocabulary, list[str], np.ndarray]:
        """The vocabulary from :class:`skipgram.counting.WordCounts`, with the words it was given and
        their provisional ids (for remapping an encoded corpus)."""
        words, counts, provisional = counted.frequent(min_count)
        params = {"min_count": min_count, "max_vocab_size": max_vocab_size, "stop_words": stop_words}
        if counted.raw_total and not cls._keeps_any(words, counts, min_count, stop_words):
            # Nothing kept: raise the message an unbounded count gives, from the words it names.
            all_words, all_counts, _ = counted.frequent(1) if not counted.pruned else counted.most_frequent()
            cls.from_counts(all_words, all_counts, raw_total=counted.raw_total, **params)
        vocab = cls.from_counts(words, counts, raw_total=counted.raw_total, **params)
        return vocab, words, provisional

    @staticmethod
    def _keeps_any(words: Sequence[str], counts: np.ndarray, min_count: int, stop_words: Any) -> bool:
        stop = load_stop_words(stop_words)
        return any(c >= min_count and w not in stop for w, c in zip(words, counts.tolist(), strict=True))

    @classmethod
    def from_counts(
        cls,
        words: Sequence[str],
        counts: np.ndarray,
        *,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        stop_words: str | Iterable[str] | None = None,
        raw_total: int | None = None,
    ) -> Vocabulary:
        """The vocabulary from raw word counts (any order): prune, then sort.

        ``raw_total`` defaults to ``counts.sum()``. Parameters and errors as in :meth:`build`.

        Examples
        --------
        >>> Vocabulary.from_counts(["b", "a", "c"], np.array([2, 2, 1]), min_count=2).words
        ['a', 'b']
        """
        cls._validate(min_count, max_vocab_size)
        stop = load_stop_words(stop_words)
        counts = np.asarray(counts, dtype=np.int64)
        total = int(counts.sum()) if raw_total is None else int(raw_total)
        if total == 0 or len(words) == 0:
            raise CorpusError("the corpus is empty: it has no words")
        keep = counts >= min_count
        if stop:
            keep &= np.fromiter((w not in stop for w in words), dtype=bool, count=len(words))
        kept = np.flatnonzero(keep)
        if kept.size == 0:
            raise CorpusError(cls._nothing_kept_message(words, counts, min_count, stop))
        # Sort by word first, then stably by count descending: ties end up in word order.
        by_word = sorted(kept.tolist(), key=words.__getitem__)
        order = np.asarray(by_word, dtype=np.int64)
        order = order[np.argsort(-counts[order], kind="stable")]
        if max_vocab_size is not None:
            order = order[:max_vocab_size]
        vocab = cls([words[i] for i in order], counts[order], total)
        logger.info(
            "vocabulary: %d words of %d distinct (min_count=%d), %d of %d tokens kept",
            len(vocab),
            len(words),
            min_count,
            int(vocab.counts.sum()),
            total,
        )
        return vocab

    @staticmethod
    def _validate(
        min_count: int, max_vocab_size: int | None, workers: int = 1, count_memory_mb: float | None = None
    ) -> None:
        validate_params(
            {
                "min_count": min_count,
                "max_vocab_size": max_vocab_size,
                "workers": workers,
                "count_memory_mb": count_memory_mb,
            },
            _CONSTRAINTS,
            "Vocabulary",
        )

    @staticmethod
    def _nothing_kept_message(
        words: Sequence[str], counts: np.ndarray, min_count: int, stop: frozenset[str]
    ) -> str:
        candidates = np.flatnonzero(np.fromiter((w not in stop for w in words), dtype=bool, count=len(words)))
        if candidates.size == 0:
            return "every word of the corpus is a stop word: the vocabulary would be empty"
        top = candidates[np.argmax(counts[candidates])]
        top_count = int(counts[top])
        return (
            f"no word occurs at least min_count={min_count} times: the most frequent word, "
            f"{words[top]!r}, occurs {top_count} time{'' if top_count == 1 else 's'}; "
            f"use a lower --min-count (min_count) or a larger corpus"
        )
