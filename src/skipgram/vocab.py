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
import os
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from typing import Any

import numpy as np

from ._params import constraints
from ._suggest import unknown_word_message
from ._validation import NONE, Interval, validate_params
from .datasets import DATA_DIR
from .errors import CorpusError, FormatError, ParameterError

__all__ = ["RULE_DEFAULT", "RULE_DISCARD", "RULE_KEEP", "Vocabulary", "load_stop_words"]

# What a trim rule ``rule(word, count, min_count)`` returns (gensim's values, so gensim rules work here).
RULE_DEFAULT = 0  # decide by min_count
RULE_DISCARD = 1  # leave the word out whatever its count
RULE_KEEP = 2  # keep the word whatever its count

TrimRule = Callable[[str, int, int], int]

logger = logging.getLogger(__name__)

_CONSTRAINTS = {
    **constraints("min_count", "max_vocab_size"),  # Word2Vec's, from the parameter table
    "workers": [Interval(int, 1, None)],
    "count_memory_mb": [NONE, Interval(float, 0, None, closed="right")],
    "max_final_vocab": [NONE, Interval(int, 1, None)],
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
        trim_rule: TrimRule | None = None,
        max_final_vocab: int | None = None,
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
        trim_rule : callable ``rule(word, count, min_count) -> int``, optional
            gensim's rule: return :data:`RULE_KEEP` to keep the word whatever its count,
            :data:`RULE_DISCARD` to drop it, :data:`RULE_DEFAULT` to let ``min_count`` decide. Stop words
            are dropped whatever the rule says.
        max_final_vocab : int or None
            Raise ``min_count`` to the smallest value that leaves at most this many words (gensim's rule:
            one more than the count of the word ranked ``max_final_vocab + 1`` among all distinct words;
            words with equal counts go together, so fewer may remain, and words a trim rule keeps are
            kept on top).

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
        if trim_rule is None and max_final_vocab is None:
            counted = count_words(
                sentences, min_count=min_count, workers=workers, count_memory_mb=count_memory_mb
            )
            vocab, _, _ = cls._from_word_counts(
                counted, min_count=min_count, max_vocab_size=max_vocab_size, stop_words=stop_words
            )
            return vocab
        # A trim rule may keep words below min_count: count every word exactly (no bound).
        counted = count_words(sentences, min_count=1, workers=workers, count_memory_mb=None)
        words, counts, _ = counted.frequent(1)
        return cls.from_counts(
            words, counts, min_count=min_count, max_vocab_size=max_vocab_size, stop_words=stop_words,
            raw_total=counted.raw_total, trim_rule=trim_rule, max_final_vocab=max_final_vocab,
        )  # fmt: skip

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
        trim_rule: TrimRule | None = None,
        max_final_vocab: int | None = None,
    ) -> Vocabulary:
        """The vocabulary from raw word counts (any order): prune, then sort.

        ``raw_total`` defaults to ``counts.sum()``. Parameters and errors as in :meth:`build`.

        Examples
        --------
        >>> Vocabulary.from_counts(["b", "a", "c"], np.array([2, 2, 1]), min_count=2).words
        ['a', 'b']
        >>> keep_c = lambda word, count, min_count: RULE_KEEP if word == "c" else RULE_DEFAULT
        >>> Vocabulary.from_counts(["b", "a", "c"], np.array([2, 2, 1]), min_count=2, trim_rule=keep_c).words
        ['a', 'b', 'c']
        >>> Vocabulary.from_counts(["b", "a", "c"], np.array([3, 2, 1]), min_count=1, max_final_vocab=2).words
        ['b', 'a']
        """
        cls._validate(min_count, max_vocab_size, max_final_vocab=max_final_vocab)
        if trim_rule is not None and not callable(trim_rule):
            raise ParameterError(
                f"The 'trim_rule' parameter must be None or a callable rule(word, count, min_count); "
                f"got {trim_rule!r}."
            )
        stop = load_stop_words(stop_words)
        counts = np.asarray(counts, dtype=np.int64)
        total = int(counts.sum()) if raw_total is None else int(raw_total)
        if total == 0 or len(words) == 0:
            raise CorpusError("the corpus is empty: it has no words")
        min_count = max(min_count, _min_count_for_final_size(counts, max_final_vocab))
        keep = counts >= min_count
        if trim_rule is not None:
            keep = _apply_trim_rule(trim_rule, words, counts, min_count, keep)
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
        vocab = cls([words[i] for i in order.tolist()], counts[order], total)
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
        min_count: int,
        max_vocab_size: int | None,
        workers: int = 1,
        count_memory_mb: float | None = None,
        max_final_vocab: int | None = None,
    ) -> None:
        validate_params(
            {
                "min_count": min_count,
                "max_vocab_size": max_vocab_size,
                "workers": workers,
                "count_memory_mb": count_memory_mb,
                "max_final_vocab": max_final_vocab,
            },
            _CONSTRAINTS,
            "Vocabulary",
        )

    def save(self, path: str | os.PathLike) -> None:
        """Write ``word count`` lines, most frequent first, as ``word2vec -save-vocab`` does.

        The first line is ``</s> 0`` (the C tool's sentence-end token, which it expects first; this
        library has no such token), so ``word2vec -read-vocab`` reads the file; :meth:`load` skips it.
        The write is atomic.

        Examples
        --------
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "vocab.txt")
        >>> Vocabulary(["the", "cat"], np.array([5, 2]), 9).save(path)
        >>> open(path).read()
        '</s> 0\\nthe 5\\ncat 2\\n'
        >>> Vocabulary.load(path).words
        ['the', 'cat']
        """
        from ._atomic import atomic_write

        bad = next((w for w in self.words if not w or any(c.isspace() for c in w)), None)
        if bad is not None:
            raise ParameterError(
                f"cannot write the vocabulary to {os.fspath(path)}: the word {bad!r} is empty or has "
                "whitespace, which the 'word count' line format cannot hold"
            )
        with atomic_write(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(f"{SENTENCE_END} 0\n")
            for word, count in zip(self.words, self.counts.tolist(), strict=True):
                handle.write(f"{word} {count}\n")

    @classmethod
    def load(cls, path: str | os.PathLike, *, min_count: int = 1) -> Vocabulary:
        """Read a ``word count`` file (:meth:`save`'s, the C tool's ``-save-vocab``, gensim's
        ``save_word2vec_format(fvocab=...)``); words below ``min_count`` are dropped.

        A leading ``</s>`` line (the C tool's sentence end) is skipped. Lines in any order are sorted
        by count; ``raw_total`` is the sum of the counts read. A malformed line raises
        :class:`~skipgram.errors.FormatError` naming the file and the line.
        """
        name = os.fspath(path)
        words: list[str] = []
        counts: list[int] = []
        try:
            handle = open(path, encoding="utf-8", newline="")
        except OSError as exc:
            raise FormatError(f"cannot read the vocabulary file {name}: {exc.strerror or exc}") from None
        with handle:
            try:
                for number, line in enumerate(handle, start=1):
                    fields = line.split()
                    if not fields:
                        continue
                    if len(fields) != 2 or not fields[1].isdigit():
                        raise FormatError(
                            f"{name}, line {number}: expected 'word count' (a word and a non-negative "
                            f"integer); got {line.rstrip()[:80]!r}"
                        )
                    if fields[0] == SENTENCE_END and not words:
                        continue
                    words.append(fields[0])
                    counts.append(int(fields[1]))
            except UnicodeDecodeError as exc:
                raise FormatError(f"{name}: not UTF-8 text near byte {exc.start}") from None
        if len(set(words)) != len(words):
            seen: set[str] = set()
            duplicate = next(w for w in words if w in seen or seen.add(w))
            raise FormatError(f"{name}: the word {duplicate!r} appears twice")
        if not words:
            raise FormatError(f"{name}: the vocabulary file has no words")
        return cls.from_counts(words, np.asarray(counts, dtype=np.int64), min_count=min_count)

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


SENTENCE_END = "</s>"  # the C tool's token for a line end, first in its vocabulary files


def _min_count_for_final_size(counts: np.ndarray, max_final_vocab: int | None) -> int:
    """gensim's ``max_final_vocab``: 1 + the count of the word ranked ``max_final_vocab + 1``."""
    if max_final_vocab is None or max_final_vocab >= counts.size:
        return 1
    ranked = -np.partition(-counts, max_final_vocab)[max_final_vocab]
    return int(ranked) + 1


def _apply_trim_rule(rule: TrimRule, words: Sequence[str], counts: np.ndarray, min_count: int, keep):
    """``keep`` with the rule's KEEP/DISCARD verdicts applied (RULE_DEFAULT leaves min_count's)."""
    keep = keep.copy()
    for i, (word, count) in enumerate(zip(words, counts.tolist(), strict=True)):
        verdict = rule(word, count, min_count)
        if verdict == RULE_KEEP:
            keep[i] = True
        elif verdict == RULE_DISCARD:
            keep[i] = False
        elif verdict != RULE_DEFAULT:
            raise ParameterError(
                f"trim_rule returned {verdict!r} for the word {word!r}; it must return RULE_KEEP (2), "
                "RULE_DISCARD (1) or RULE_DEFAULT (0) from skipgram.vocab"
            )
    return keep
