"""Phrases: join frequent collocations ("new york" -> "new_york") before training, as word2phrase does.

A phrase candidate is two words ``a``, ``b`` that follow each other in a sentence, with only connector
words (``connector_words``, e.g. "of" in "bank_of_america") between them. A candidate becomes a phrase
when it occurs at least ``min_count`` times and its score exceeds ``threshold``:

- ``scoring="original"`` (Mikolov et al. 2013, the C tool's ``word2phrase``):
  ``(count(ab) - min_count) * N / (count(a) * count(b))`` with ``N`` the number of tokens in the corpus;
- ``scoring="npmi"`` (Bouma 2009, as in gensim): ``ln(p(ab) / (p(a) p(b))) / -ln(p(ab))``, in [-1, 1].

Phrases are applied greedily from left to right without overlap (the C tool's and gensim's rule):
in "a b c" with both "a b" and "b c" phrases, the result is "a_b c". ``passes=2`` learns a second
layer on the phrased text, so "new_york" and "times" can form "new_york_times".

Counting is done on integer ids with numba (unigrams by :meth:`Vocabulary.build`, candidates as packed
int64 keys in an open-addressing table) in bounded memory: when the table holds more than
``max_vocab_size`` candidates, the rarest are pruned and the pruned counts are bounded (see
:class:`Phrases`, "Counting guarantee").

Examples
--------
>>> sentences = [["i", "live", "in", "new", "york"], ["new", "york", "is", "big"]] * 20
>>> phrases = Phrases(min_count=2, threshold=1.0).fit(sentences)
>>> phrases.apply(["new", "york", "is", "new"])
['new_york', 'is', 'new']
>>> round(phrases.export_phrases()["new_york"], 3)  # (40 - 2) * 180 / (40 * 40)
4.275
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from ._validation import Interval, Options, validate_params
from .datasets import DATA_DIR
from .errors import FormatError, ParameterError
from .reading import _token_batches, as_sentences

__all__ = [
    "PhrasedCorpus",
    "Phrases",
    "load_connector_words",
    "npmi_score",
    "original_score",
    "write_phrased",
]

logger = logging.getLogger(__name__)

#: Default threshold per scorer: the C tool's 100 for "original"; 0.5 for NPMI (range [-1, 1]).
DEFAULT_THRESHOLDS = {"original": 100.0, "npmi": 0.5}
FORMAT_NAME = "skipgram-phrases"
FORMAT_VERSION = 1
_MAX_LOAD = 0.7  # fill factor of the candidate table before it grows

_CONSTRAINTS = {
    "min_count": [Interval(int, 1, None)],
    "threshold": [Interval(float, None, None)],
    "scoring": [Options(("original", "npmi"))],
    "passes": [Interval(int, 1, 16)],
    "max_vocab_size": [Interval(int, 1, None)],
    "max_sentence_length": [Interval(int, 1, None)],
}


def load_connector_words(connector_words: str | Iterable[str] | None) -> frozenset[str]:
    """The connector words for ``connector_words``: None, ``"english"`` or an iterable of words.

    ``"english"`` is the bundled list of 15 articles, prepositions and conjunctions ("a", "an", "the",
    "of", "and", ...). Connector words never start or end a phrase but may stand inside one.

    Examples
    --------
    >>> "of" in load_connector_words("english"), len(load_connector_words(None))
    (True, 0)
    """
    if connector_words is None:
        return frozenset()
    if isinstance(connector_words, str):
        if connector_words != "english":
            raise ParameterError(
                "The 'connector_words' parameter of Phrases must be None, 'english' or an iterable of "
                f"words; got {connector_words!r}."
            )
        return frozenset((DATA_DIR / "connectors-english.txt").read_text(encoding="utf-8").split())
    words = frozenset(connector_words)
    bad = next((w for w in words if not isinstance(w, str) or not w or w != w.strip()), None)
    if bad is not None:
        raise ParameterError(f"connector words must be non-empty strings without spaces; got {bad!r}.")
    return words


def original_score(count_a, count_b, count_ab, min_count: int, total_words: int) -> np.ndarray:
    """The C tool's score ``(count_ab - min_count) / count_a / count_b * total_words``, in float32.

    Computed in the C tool's order and precision (``float``), so a threshold decides exactly as
    ``word2phrase`` does.

    Examples
    --------
    >>> float(original_score(100, 200, 50, 5, 1_000_000))
    2250.0
    """
    f = np.float32
    a, b = np.asarray(count_a), np.asarray(count_b)
    return (np.asarray(count_ab - min_count).astype(f) / a.astype(f) / b.astype(f)) * f(total_words)


def npmi_score(count_a, count_b, count_ab, total_words: int) -> np.ndarray:
    """Normalised pointwise mutual information ``ln(p(ab) / (p(a) p(b))) / -ln(p(ab))``, in float64.

    ``p(x) = count(x) / total_words``; a candidate that is the whole corpus (p(ab) = 1) scores 1.

    Examples
    --------
    >>> round(float(npmi_score(10, 10, 10, 1000)), 6)
    1.0
    """
    n = float(total_words)
    pab = np.asarray(count_ab, dtype=np.float64) / n
    pa = np.asarray(count_a, dtype=np.float64) / n
    pb = np.asarray(count_b, dtype=np.float64) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.log(pab / (pa * pb)) / -np.log(pab)
    return np.where(pab >= 1.0, 1.0, score)


def _run_limits(n_connectors: int) -> tuple[int, int]:
    """(base, max_run): connector runs are base-``n+1`` numbers of at most ``max_run`` digits in 62 bits."""
    if n_connectors == 0:
        return 1, 0
    base, run, value = n_connectors + 1, 0, 1
    while value * base < 2**62:
        value *= base
        run += 1
    return base, run


@dataclass
class PhraseLayer:
    """What one pass learned: its vocabulary (words with at least ``min_count`` tokens) and phrases.

    ``first``/``last`` are vocabulary ids, ``code`` the connector run between them (base-``len(
    connectors) + 1`` digits of 1-based indices into ``connectors``; 0 = none).
    """

    words: list[str]
    counts: np.ndarray  # int64, per word
    total_words: int  # tokens in the corpus this pass read (N)
    connectors: list[str]  # connector words present in ``words``, sorted
    first: np.ndarray  # int32
    code: np.ndarray  # int64
    last: np.ndarray  # int32
    count: np.ndarray  # int64, exact count of each phrase
    score: np.ndarray  # float64
    pruning_bound: int = 0  # sum of the counts thresholds pruned while counting (0: nothing pruned)
    texts: list[str] = field(default_factory=list)
    _index: dict[str, int] | None = None
    _lookup: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    _connector_codes: np.ndarray | None = None

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.words)}
        return self._index

    @property
    def connector_codes(self) -> np.ndarray:
        """int32 per word: its 1-based connector index, 0 for a content word."""
        if self._connector_codes is None:
            codes = np.zeros(len(self.words), dtype=np.int32)
            for k, word in enumerate(self.connectors, start=1):
                codes[self.index[word]] = k
            self._connector_codes = codes
        return self._connector_codes

    @property
    def limits(self) -> tuple[int, int]:
        return _run_limits(len(self.connectors))

    def make_texts(self, delimiter: str, where: str = "phrases") -> None:
        """The joined text of every phrase, decoding the connector runs (validates them)."""
        base, max_run = self.limits
        texts = []
        words, connectors = self.words, self.connectors
        for a, code, b in zip(self.first.tolist(), self.code.tolist(), self.last.tolist(), strict=True):
            middle: list[str] = []
            while code:
                code, digit = divmod(code, base)
                if not 1 <= digit <= len(connectors) or len(middle) >= max_run:
                    raise FormatError(f"{where}: a phrase has an invalid connector code")
                middle.append(connectors[digit - 1])
            texts.append(delimiter.join([words[a], *reversed(middle), words[b]]))
        self.texts = texts

    def lookup(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """An open-addressing table of the phrases' keys -> phrase number, for the numba kernel."""
        if self._lookup is None:
            from . import _phrase_kernels as kernels

            n = len(self.first)
            capacity = 1 << max(4, math.ceil(math.log2(max(1, 2 * n))))
            keys1 = np.full(capacity, kernels.KEY_EMPTY, dtype=np.int64)
            keys2 = np.zeros(capacity, dtype=np.int64)
            values = np.zeros(capacity, dtype=np.int64)
            packed = (self.first.astype(np.int64) << 32) | self.last.astype(np.int64)
            kernels.rehash(
                packed, self.code.astype(np.int64), np.arange(n, dtype=np.int64), keys1, keys2, values
            )
            self._lookup = (keys1, keys2, values)
        return self._lookup

    def apply_batch(self, tokens: list[str], lengths: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Join this layer's phrases in a batch of sentences; returns the new tokens and lengths."""
        if not len(self.first) or not tokens:
            return tokens, lengths
        from . import _phrase_kernels as kernels

        ids = np.fromiter(map(self.index.get, tokens, repeat(-1)), dtype=np.int32, count=len(tokens))
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        keys1, keys2, values = self.lookup()
        base, max_run = self.limits
        room = len(tokens) // 2 + 1
        starts = np.empty(room, dtype=np.int64)
        stops = np.empty(room, dtype=np.int64)
        which = np.empty(room, dtype=np.int64)
        found = kernels.find_phrases(
            ids, offsets, self.connector_codes, base, max_run, keys1, keys2, values, starts, stops, which
        )
        if not found:
            return tokens, lengths
        starts, stops, which = starts[:found], stops[:found], which[:found]
        texts = self.texts
        out: list[str] = []
        previous = 0
        for start, stop, phrase in zip(starts.tolist(), stops.tolist(), which.tolist(), strict=True):
            out += tokens[previous:start]
            out.append(texts[phrase])
            previous = stop
        out += tokens[previous:]
        sentence = np.searchsorted(offsets, starts, side="right") - 1
        removed = np.bincount(sentence, weights=stops - starts - 1, minlength=len(lengths))
        return out, np.asarray(lengths, dtype=np.int64) - removed.astype(np.int64)


class _CandidateTable:
    """Counts of phrase candidates in an open-addressing table with a bound on its size.

    When a batch could push the table past ``max_size`` keys, every key with a count ``<= t`` is
    dropped, ``t`` the smallest value leaving at most ``max_size // 2`` keys; ``bound`` sums these ``t``.
    A candidate that is missing at the end, or whose count is short, lost at most ``bound`` occurrences
    (each pruning dropped at most ``t`` of them), so every candidate occurring more than ``bound``
    times is in the table; a second pass (:meth:`recount`) makes the survivors' counts exact.
    """

    def __init__(self, max_size: int) -> None:
        from . import _phrase_kernels as kernels

        self.kernels = kernels
        self.max_size = max_size
        self.bound = 0
        self.prunings = 0
        self.used = 0
        self._allocate(1 << 16)

    def _allocate(self, capacity: int) -> None:
        self.keys1 = np.full(capacity, self.kernels.KEY_EMPTY, dtype=np.int64)
        self.keys2 = np.zeros(capacity, dtype=np.int64)
        self.counts = np.zeros(capacity, dtype=np.int64)

    def _rebuild(self, keep: np.ndarray, capacity: int, zero: bool = False) -> None:
        old = (self.keys1[keep], self.keys2[keep], self.counts[keep])
        self.keys1 = self.keys2 = self.counts = None  # free the old table before the new one exists
        self._allocate(capacity)
        counts = np.zeros_like(old[2]) if zero else old[2]
        self.kernels.rehash(old[0], old[1], counts, self.keys1, self.keys2, self.counts)
        self.used = len(old[0])

    def _capacity_for(self, n: int) -> int:
        return 1 << max(16, math.ceil(math.log2(n / _MAX_LOAD + 1)))

    def reserve(self, n_new: int) -> None:
        """Make room for ``n_new`` more keys: prune when past the bound, grow when too full."""
        if self.used + n_new > self.max_size and self.used:
            self.prune()
        if self.used + n_new > _MAX_LOAD * len(self.keys1):
            self._rebuild(self.keys1 != self.kernels.KEY_EMPTY, self._capacity_for(self.used + n_new))

    def prune(self) -> None:
        live = self.keys1 != self.kernels.KEY_EMPTY
        counts = self.counts[live]
        target = self.max_size // 2
        if len(counts) <= target:
            return
        cut = int(np.partition(counts, len(counts) - target - 1)[len(counts) - target - 1])
        keep = live & (self.counts > cut)
        self.bound += cut
        self.prunings += 1
        self._rebuild(keep, len(self.keys1))
        logger.info(
            "phrase candidates: pruned counts <= %d, %d kept (bound now %d)", cut, self.used, self.bound
        )

    def add(self, ids: np.ndarray, offsets: np.ndarray, connector: np.ndarray, limits, insert=True) -> None:
        if insert:
            self.reserve(len(ids))
        base, max_run = limits
        self.used += self.kernels.count_candidates(
            ids, offsets, connector, base, max_run, self.keys1, self.keys2, self.counts, insert
        )

    def start_recount(self, min_count: int) -> None:
        """Keep the candidates that can still reach ``min_count``, with counts zeroed, for a second pass."""
        keep = (self.keys1 != self.kernels.KEY_EMPTY) & (self.counts + self.bound >= min_count)
        self._rebuild(keep, self._capacity_for(int(keep.sum())), zero=True)

    def items(self, min_count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(first, code, last, count) of the candidates counted at least ``min_count`` times."""
        keep = (self.keys1 != self.kernels.KEY_EMPTY) & (self.counts >= min_count)
        key1 = self.keys1[keep]
        return (
            (key1 >> 32).astype(np.int32),
            self.keys2[keep].copy(),
            (key1 & 0xFFFFFFFF).astype(np.int32),
            self.counts[keep].copy(),
        )


def _id_batches(
    sentences: Iterable[list[str]], index: dict[str, int]
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(int32 ids with -1 for words outside ``index``, int64 sentence offsets) per batch."""
    get = index.get
    for tokens, lengths in _token_batches(sentences):
        ids = np.fromiter(map(get, tokens, repeat(-1)), dtype=np.int32, count=len(tokens))
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        yield ids, offsets


class Phrases:
    """Learn phrases from a corpus and join them in sentences (word2phrase / gensim ``Phrases``).

    Parameters
    ----------
    min_count : int, default 5
        Words and phrase candidates rarer than this are never joined (the C tool's and gensim's 5).
    threshold : float or None
        A candidate becomes a phrase when its score is above this; default 100 for ``"original"``
        (the C tool's default; higher means fewer phrases) and 0.5 for ``"npmi"``.
    scoring : {"original", "npmi"}
        The C tool's score ``(count(ab) - min_count) * N / (count(a) count(b))`` with N the corpus'
        token count (gensim's "original" scorer multiplies by its vocabulary size instead, so its
        thresholds are about N / vocabulary-size times smaller), or normalised PMI.
    connector_words : None, "english" or iterable of str
        Words that may stand inside a phrase but never start or end one ("bank_of_america").
        ``"english"`` is the bundled list (articles, common prepositions, "and", "or").
    passes : int, default 1
        Layers of phrases: pass k learns on the output of passes 1..k-1, so ``passes=2`` finds
        phrases of up to four words ("new_york_times").
    max_vocab_size : int, default 10,000,000
        Most phrase candidates held while counting (about 40 bytes each); see "Counting guarantee".
    delimiter : str, default "_"
        Joins the words of a phrase.
    max_sentence_length : int, default 10000
        Longer lines are read as consecutive pieces of this many words (as training reads them).

    Attributes
    ----------
    layers_ : list of PhraseLayer
        One per pass: vocabulary, phrases, their exact counts and scores.

    Notes
    -----
    Counting guarantee: unigram counts come from :meth:`skipgram.Vocabulary.build`. Candidates are
    counted exactly unless the table outgrows ``max_vocab_size``; then the rarest are pruned, the
    pruned counts are bounded by ``pruning_bound`` (logged, and kept in each layer), and a second
    pass recounts the survivors exactly. So every reported count is exact, and every phrase that
    occurs more than ``pruning_bound`` times is found: when ``pruning_bound < min_count`` (always the
    case without pruning) the result is the same as with unbounded memory.

    Examples
    --------
    >>> text = [["bank", "of", "america", "said"], ["the", "bank", "of", "america"]] * 10
    >>> p = Phrases(min_count=3, threshold=1.0, connector_words="english").fit(text)
    >>> p.apply(["the", "bank", "of", "america"])
    ['the', 'bank_of_america']
    """

    def __init__(
        self,
        *,
        min_count: int = 5,
        threshold: float | None = None,
        scoring: str = "original",
        connector_words: str | Iterable[str] | None = None,
        passes: int = 1,
        max_vocab_size: int = 10_000_000,
        delimiter: str = "_",
        max_sentence_length: int = 10000,
    ) -> None:
        self.min_count = min_count
        self.threshold = threshold
        self.scoring = scoring
        self.connector_words = connector_words
        self.passes = passes
        self.max_vocab_size = max_vocab_size
        self.delimiter = delimiter
        self.max_sentence_length = max_sentence_length

    def __repr__(self) -> str:
        learned = (
            f", {sum(len(layer.first) for layer in self.layers_)} phrases" if hasattr(self, "layers_") else ""
        )
        return (
            f"Phrases(min_count={self.min_count}, threshold={self._threshold()}, scoring={self.scoring!r}, "
            f"passes={self.passes}{learned})"
        )

    def _threshold(self) -> float:
        if self.threshold is None:
            return DEFAULT_THRESHOLDS.get(self.scoring, 0.0)
        return self.threshold  # validated by _validate

    def _validate(self) -> frozenset[str]:
        params = {
            "min_count": self.min_count,
            "threshold": self._threshold(),
            "scoring": self.scoring,
            "passes": self.passes,
            "max_vocab_size": self.max_vocab_size,
            "max_sentence_length": self.max_sentence_length,
        }
        validate_params(params, _CONSTRAINTS, "Phrases")
        if self.scoring == "npmi" and not -1.0 <= params["threshold"] <= 1.0:
            raise ParameterError(
                "The 'threshold' parameter of Phrases must be in [-1, 1] for scoring='npmi' (NPMI's range); "
                f"got {params['threshold']!r}."
            )
        if (
            not isinstance(self.delimiter, str)
            or not self.delimiter
            or self.delimiter.split() != [self.delimiter]
        ):
            raise ParameterError(
                f"The 'delimiter' parameter of Phrases must be a non-empty string without spaces; "
                f"got {self.delimiter!r}."
            )
        return load_connector_words(self.connector_words)

    # --- learning ------------------------------------------------------------------------------
    def fit(self, corpus: Any) -> Phrases:
        """Learn ``passes`` layers of phrases from ``corpus`` (anything training accepts).

        Reads the corpus twice per pass (unigrams, then candidates), three times when the candidate
        table had to be pruned; pass k reads it through the phrases of passes 1..k-1.
        """
        connectors = self._validate()
        sentences = as_sentences(corpus, max_sentence_length=self.max_sentence_length)
        self.layers_: list[PhraseLayer] = []
        for number in range(self.passes):
            source = PhrasedCorpus(sentences, self) if self.layers_ else sentences
            layer = self._learn_layer(source, connectors)
            logger.info(
                "phrases pass %d: %d phrases from %d tokens", number + 1, len(layer.first), layer.total_words
            )
            self.layers_.append(layer)
        return self

    def _learn_layer(self, sentences: Iterable[list[str]], connector_words: frozenset[str]) -> PhraseLayer:
        from .vocab import Vocabulary

        vocab = Vocabulary.build(sentences, min_count=self.min_count)
        connectors = sorted(w for w in connector_words if w in vocab.index)
        layer = PhraseLayer(
            words=vocab.words,
            counts=vocab.counts,
            total_words=vocab.raw_total,
            connectors=connectors,
            first=np.zeros(0, np.int32),
            code=np.zeros(0, np.int64),
            last=np.zeros(0, np.int32),
            count=np.zeros(0, np.int64),
            score=np.zeros(0, np.float64),
        )
        layer._index = vocab.index
        connector, limits = layer.connector_codes, layer.limits
        index = self._viable_index(layer)
        table = _CandidateTable(self.max_vocab_size)
        for ids, offsets in _id_batches(sentences, index):
            table.add(ids, offsets, connector, limits)
        if table.bound:
            logger.info(
                "phrase candidates were pruned %d times (bound %d): recounting the %s survivors exactly",
                table.prunings, table.bound, table.used,
            )  # fmt: skip
            if table.bound >= self.min_count:
                logger.warning(
                    "phrase counting pruned candidates with up to %d occurrences (min_count=%d): phrases "
                    "that rare may be missed; raise max_vocab_size to count them",
                    table.bound, self.min_count,
                )  # fmt: skip
            table.start_recount(self.min_count)
            for ids, offsets in _id_batches(sentences, index):
                table.add(ids, offsets, connector, limits, insert=False)
        first, code, last, count = table.items(self.min_count)
        layer.pruning_bound = table.bound
        del table
        score = self._score(layer.counts[first], layer.counts[last], count, layer.total_words)
        keep = score > self._threshold_for_scores()
        order = np.lexsort((last[keep], first[keep], -score[keep]))  # best first, ties by ids
        layer.first, layer.code, layer.last = first[keep][order], code[keep][order], last[keep][order]
        layer.count, layer.score = count[keep][order], score[keep][order].astype(np.float64)
        layer.make_texts(self.delimiter)
        return layer

    def _viable_index(self, layer: PhraseLayer) -> dict[str, int]:
        """The vocabulary minus the content words too frequent to be in any phrase.

        With the original score, a candidate with word ``w`` scores below ``N / count(w)`` whatever its
        partner (``count(ab) <= min(count(a), count(b))``), so words with ``count(w) >= N / threshold``
        ("the", "was" on Wikipedia at the default threshold) can neither start nor end a phrase.
        Treating them as breaks changes no result and skips most candidates, and so most of the table.
        """
        threshold = self._threshold()
        if self.scoring != "original" or threshold <= 0:
            return layer.index
        frequent = layer.counts * threshold >= layer.total_words * (1 + 1e-6)  # margin for float32 scores
        frequent &= layer.connector_codes == 0
        if not frequent.any():
            return layer.index
        return {w: i for w, i in layer.index.items() if not frequent[i]}

    def _threshold_for_scores(self):
        # The C tool compares its float score with a float threshold.
        threshold = self._threshold()
        return np.float32(threshold) if self.scoring == "original" else threshold

    def _score(self, count_a, count_b, count_ab, total_words) -> np.ndarray:
        if self.scoring == "original":
            return original_score(count_a, count_b, count_ab, self.min_count, total_words)
        return npmi_score(count_a, count_b, count_ab, total_words)

    # --- applying ------------------------------------------------------------------------------
    def _require_fitted(self) -> None:
        if not hasattr(self, "layers_"):
            raise ParameterError("this Phrases is not fitted yet: call fit(corpus) or Phrases.load(path)")

    def apply_batch(self, tokens: list[str], lengths: Any) -> tuple[list[str], np.ndarray]:
        """Join the phrases of every layer in a batch: ``tokens`` of sentences of ``lengths`` words."""
        self._require_fitted()
        lengths = np.asarray(lengths, dtype=np.int64)
        for layer in self.layers_:
            tokens, lengths = layer.apply_batch(tokens, lengths)
        return tokens, lengths

    def apply(self, sentence: Iterable[str]) -> list[str]:
        """``sentence`` (a list of words) with its phrases joined.

        Examples
        --------
        >>> p = Phrases(min_count=1, threshold=0.5).fit([["hot", "dog", "stand"]] * 3 + [["dog"], ["hot"]])
        >>> p.apply(["a", "hot", "dog"])
        ['a', 'hot_dog']
        """
        words = list(sentence)
        if isinstance(sentence, str) or any(not isinstance(w, str) for w in words):
            raise ParameterError("apply() takes one sentence: a list of words (strings)")
        return self.apply_batch(words, [len(words)])[0] if words else []

    __getitem__ = apply  # gensim spells it phrases[sentence]

    def transform(self, corpus: Any) -> PhrasedCorpus:
        """A restartable corpus that yields the sentences of ``corpus`` with phrases joined."""
        self._require_fitted()
        return PhrasedCorpus(as_sentences(corpus, max_sentence_length=self.max_sentence_length), self)

    def export_phrases(self, with_counts: bool = False) -> dict[str, Any]:
        """Every phrase learned (all passes), best score first: ``{phrase: score}``.

        With ``with_counts=True`` the values are ``(score, count)``; counts are exact.
        """
        self._require_fitted()
        out: dict[str, Any] = {}
        for layer in self.layers_:
            scores, counts = layer.score.tolist(), layer.count.tolist()
            for text, score, count in zip(layer.texts, scores, counts, strict=True):
                out[text] = (score, count) if with_counts else score
        return out

    # --- files ---------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Save to one native skipgram file (kind ``"phrases"``; JSON header, raw arrays, no pickle)."""
        from .io import encode_words, write_container

        self._require_fitted()
        arrays: dict[str, np.ndarray] = {}
        layers = []
        for i, layer in enumerate(self.layers_):
            arrays[f"{i}.words"] = encode_words(layer.words)
            arrays[f"{i}.counts"] = layer.counts.astype(np.int64)
            for name in ("first", "code", "last", "count", "score"):
                arrays[f"{i}.{name}"] = getattr(layer, name)
            layers.append(
                {
                    "n_words": len(layer.words),
                    "total_words": int(layer.total_words),
                    "connectors": list(layer.connectors),
                    "pruning_bound": int(layer.pruning_bound),
                }
            )
        metadata = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "params": self.get_params(),
            "layers": layers,
        }
        write_container(path, "phrases", arrays, metadata)

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters (connector words as a sorted list)."""
        connectors = self.connector_words
        if connectors is not None and not isinstance(connectors, str):
            connectors = sorted(connectors)
        return {
            "min_count": self.min_count,
            "threshold": self._threshold(),
            "scoring": self.scoring,
            "connector_words": connectors,
            "passes": self.passes,
            "max_vocab_size": self.max_vocab_size,
            "delimiter": self.delimiter,
            "max_sentence_length": self.max_sentence_length,
        }

    @classmethod
    def load(cls, path: str | os.PathLike) -> Phrases:
        """Load a file written by :meth:`save`; a damaged or foreign file raises ``FormatError``."""
        from .io import decode_words, read_container

        meta, arrays = read_container(path, expect_kind="phrases")
        where = os.fspath(path)
        if meta.get("format") != FORMAT_NAME or not isinstance(meta.get("version"), int):
            raise FormatError(f"{where}: not a skipgram phrases file")
        if meta["version"] > FORMAT_VERSION:
            raise FormatError(f"{where}: written by a newer skipgram (phrases format {meta['version']})")
        try:
            phrases = cls(**meta["params"])
            phrases._validate()
            layers = []
            for i, info in enumerate(meta["layers"]):
                words = decode_words(arrays[f"{i}.words"], int(info["n_words"]), f"{where}: layer {i} words")
                layer = PhraseLayer(
                    words=words,
                    counts=np.asarray(arrays[f"{i}.counts"], dtype=np.int64),
                    total_words=int(info["total_words"]),
                    connectors=[str(w) for w in info["connectors"]],
                    first=np.asarray(arrays[f"{i}.first"], dtype=np.int32),
                    code=np.asarray(arrays[f"{i}.code"], dtype=np.int64),
                    last=np.asarray(arrays[f"{i}.last"], dtype=np.int32),
                    count=np.asarray(arrays[f"{i}.count"], dtype=np.int64),
                    score=np.asarray(arrays[f"{i}.score"], dtype=np.float64),
                    pruning_bound=int(info.get("pruning_bound", 0)),
                )
                _check_layer(layer, where, i)
                layer.make_texts(phrases.delimiter, where)
                layers.append(layer)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError(f"{where}: damaged phrases file ({type(exc).__name__}: {exc})") from None
        phrases.layers_ = layers
        return phrases


def _check_layer(layer: PhraseLayer, where: str, i: int) -> None:
    """Refuse arrays that would send the kernels out of bounds."""
    n = len(layer.words)
    sizes = {len(layer.first), len(layer.code), len(layer.last), len(layer.count), len(layer.score)}
    if len(layer.counts) != n or len(sizes) != 1:
        raise FormatError(f"{where}: layer {i} has arrays of different lengths")
    for name in ("first", "last"):
        ids = getattr(layer, name)
        if ids.size and (ids.min() < 0 or ids.max() >= n):
            raise FormatError(f"{where}: layer {i} has a phrase word id outside its vocabulary")
    if layer.code.size and layer.code.min() < 0:
        raise FormatError(f"{where}: layer {i} has a negative connector code")
    if len(set(layer.words)) != n:
        raise FormatError(f"{where}: layer {i} has duplicate words")
    unknown = [w for w in layer.connectors if w not in layer.index]
    if unknown or len(set(layer.connectors)) != len(layer.connectors):
        raise FormatError(f"{where}: layer {i} lists connector words not in its vocabulary")


class PhrasedCorpus:
    """A corpus read through learned phrases: restartable, phrases joined on the fly.

    Yields what ``sentences`` yields, with the phrases of every layer of ``phrases`` joined; reading
    (and :func:`skipgram.corpus.scan`) consume it in batches, so no phrased copy is ever written.

    Examples
    --------
    >>> p = Phrases(min_count=1, threshold=0.5).fit([["hot", "dog"]] * 3 + [["dog"], ["hot"]])
    >>> list(p.transform([["hot", "dog", "hot"]]))
    [['hot_dog', 'hot']]
    """

    def __init__(self, sentences: Iterable[list[str]], phrases: Phrases) -> None:
        self.sentences = sentences
        self.phrases = phrases

    def __repr__(self) -> str:
        return f"PhrasedCorpus({self.sentences!r}, {self.phrases!r})"

    def _token_batches(self) -> Iterator[tuple[list[str], list[int]]]:
        for tokens, lengths in _token_batches(self.sentences):
            tokens, lengths = self.phrases.apply_batch(tokens, lengths)
            yield tokens, lengths.tolist()

    def __iter__(self) -> Iterator[list[str]]:
        for tokens, lengths in self._token_batches():
            start = 0
            for n in lengths:
                yield tokens[start : start + n]
                start += n


def phrases_from(value: Any) -> Phrases:
    """A fitted :class:`Phrases` from a ``Phrases`` object or the path of a saved phrases file."""
    if isinstance(value, Phrases):
        value._require_fitted()
        return value
    if isinstance(value, (str, os.PathLike)):
        if not Path(value).exists():
            raise FileNotFoundError(f"phrases file {os.fspath(value)!r} does not exist")
        return Phrases.load(value)
    raise ParameterError(
        f"The 'phrases' parameter must be a fitted Phrases or the path of a saved phrases file; got "
        f"{type(value).__name__}."
    )


def write_phrased(phrases: Phrases, corpus: Any, path: str | os.PathLike) -> dict[str, int]:
    """Write ``corpus`` with its phrases joined to ``path``, one sentence per line, atomically.

    Streams batch by batch (memory does not grow with the corpus); a path ending in ``.gz`` is
    gzip-compressed. Returns ``{"sentences", "tokens_in", "tokens_out"}``.

    Examples
    --------
    >>> import tempfile, os
    >>> p = Phrases(min_count=1, threshold=0.5).fit([["hot", "dog"]] * 3 + [["dog"], ["hot"]])
    >>> out = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> write_phrased(p, [["a", "hot", "dog"]], out)["tokens_out"], open(out).read()
    (2, 'a hot_dog\\n')
    """
    import gzip
    import io

    from ._atomic import atomic_write

    phrases._require_fitted()
    source = as_sentences(corpus, max_sentence_length=phrases.max_sentence_length)
    stats = {"sentences": 0, "tokens_in": 0, "tokens_out": 0}
    with atomic_write(path, "wb") as raw:
        packed = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if str(path).endswith(".gz") else None
        text = io.TextIOWrapper(packed or raw, encoding="utf-8", newline="\n", write_through=False)
        try:
            for tokens, lengths in _token_batches(source):
                stats["tokens_in"] += len(tokens)
                tokens, new_lengths = phrases.apply_batch(tokens, lengths)
                lines, start = [], 0
                for n in new_lengths.tolist():
                    lines.append(" ".join(tokens[start : start + n]))
                    start += n
                text.write("\n".join(lines))
                text.write("\n")
                stats["sentences"] += len(lines)
                stats["tokens_out"] += len(tokens)
            text.flush()
        finally:
            text.detach()
            if packed is not None:
                packed.close()
    return stats
