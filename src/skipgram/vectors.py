"""KeyedVectors: the trained word vectors, their queries, and their files.

Queries work on cosine similarity: rows are unit-normalised once (lazily, cached) and every query
is a matrix-vector or matrix-matrix product over that float32 matrix.
"""

from __future__ import annotations

import logging
import numbers
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._suggest import unknown_word_message
from .errors import FormatError, ParameterError

logger = logging.getLogger(__name__)

# Levy & Goldberg (2014) use this epsilon in 3CosMul to avoid dividing by zero.
COSMUL_EPSILON = 1e-3
# Rows per block when scanning big matrices, so temporaries stay at a few tens of MB.
_ROWS_PER_BLOCK = 65536
# Scores per block (queries × candidates) in batched queries: 16M float32 = 64 MB.
_SCORES_PER_BLOCK = 1 << 24
# Columns per chunk in the top-k search of batched queries (see _top_k_rows).
_CHUNK = 64

Term = str | np.ndarray


class UnknownWordError(KeyError):
    """A word is not in the vocabulary; the message names it and close spellings."""

    def __init__(self, word: str, message: str):
        super().__init__(message)
        self.word = word

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0])


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float32); all-zero rows stay zero instead of becoming NaN."""
    out = np.empty(vectors.shape, dtype=np.float32)
    for start in range(0, len(vectors), _ROWS_PER_BLOCK):
        block = np.asarray(vectors[start : start + _ROWS_PER_BLOCK], dtype=np.float32)
        norms = np.sqrt(np.einsum("ij,ij->i", block, block, dtype=np.float64))
        norms[norms == 0] = 1.0
        out[start : start + len(block)] = block / norms[:, None].astype(np.float32)
    return out


def _top_k_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``scores``, the columns of the ``k`` largest values and those values, best first.

    A full ``argpartition`` of every row costs more than the matrix product that made it. Instead:
    the k chunks (of ``_CHUNK`` columns) with the largest maxima hold at least k values >= the k-th
    largest maximum, so they contain the k best; only those columns and the ragged tail are searched.
    """
    rows, n = scores.shape
    chunks = n // _CHUNK
    if chunks < 4 * k:
        best = np.argpartition(scores, n - k, axis=1)[:, n - k :]
    else:
        chunk_max = scores[:, : chunks * _CHUNK].reshape(rows, chunks, _CHUNK).max(axis=2)
        top_chunks = np.argpartition(chunk_max, chunks - k, axis=1)[:, chunks - k :]
        columns = (top_chunks[:, :, None] * _CHUNK + np.arange(_CHUNK)).reshape(rows, -1)
        tail = np.arange(chunks * _CHUNK, n)
        columns = np.concatenate([columns, np.broadcast_to(tail, (rows, len(tail)))], axis=1)
        values = np.take_along_axis(scores, columns, axis=1)
        pick = np.argpartition(values, values.shape[1] - k, axis=1)[:, values.shape[1] - k :]
        best = np.take_along_axis(columns, pick, axis=1)
    values = np.take_along_axis(scores, best, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    return np.take_along_axis(best, order, axis=1), np.take_along_axis(values, order, axis=1)


def _check_finite(vectors: np.ndarray, words: Sequence[str]) -> None:
    for start in range(0, len(vectors), _ROWS_PER_BLOCK):
        ok = np.isfinite(vectors[start : start + _ROWS_PER_BLOCK]).all(axis=1)
        if not ok.all():
            row = start + int(np.argmin(ok))
            raise ValueError(f"the vector of {words[row]!r} (row {row}) contains NaN or infinity")


def _check_restrict_vocab(restrict_vocab: Any) -> None:
    """None, or a count of candidate rows >= 1 (a negative one would silently drop the *last* rows)."""
    if restrict_vocab is None:
        return
    if (
        isinstance(restrict_vocab, bool)
        or not isinstance(restrict_vocab, (int, np.integer))
        or restrict_vocab < 1
    ):
        raise ParameterError(
            "The 'restrict_vocab' parameter must be None or an int in the range [1, inf); "
            f"got {restrict_vocab!r}."
        )


def _check_query_vector(vector: np.ndarray, what: str = "a query vector") -> None:
    """A query vector must be finite and not zero: a zero one has no direction, NaN matches nothing."""
    if not np.isfinite(vector).all():
        raise ValueError(f"{what} contains NaN or infinity")
    if not vector.any():
        raise ValueError(f"{what} is the zero vector: it has no direction to compare by cosine")


def _check_batch_queries(queries: Any) -> None:
    """``most_similar_batch("the")`` would query the letters t, h, e: refuse a bare string."""
    if isinstance(queries, (str, bytes)):
        raise ParameterError(
            f"most_similar_batch needs a list of words or a 2-D matrix; got the string {queries!r} "
            f"(use most_similar({queries!r}) for one word, or most_similar_batch([{queries!r}]))"
        )
    if isinstance(queries, np.ndarray) and queries.ndim == 2 and not np.isfinite(queries).all():
        raise ValueError("a query matrix row contains NaN or infinity")


def _is_pair(item: Any) -> bool:
    """A weighted query term: ``(word or vector, weight)``."""
    return (
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], (str, np.ndarray))
        and isinstance(item[1], numbers.Real)
        and not isinstance(item[1], bool)
    )


@dataclass
class SentenceVectors:
    """Sentence (or document) vectors from :meth:`KeyedVectors.sentence_vectors`.

    Attributes
    ----------
    vectors : numpy.ndarray, shape (n_sentences, D), float32
        One row per sentence; all zeros for a sentence without a known word.
    known : numpy.ndarray of int64
        Tokens of each sentence that are in the vocabulary (and so in its vector).
    unknown : numpy.ndarray of int64
        Tokens of each sentence that were skipped because they are not in the vocabulary.
    """

    vectors: np.ndarray
    known: np.ndarray
    unknown: np.ndarray

    @property
    def n_unknown(self) -> int:
        """Unknown tokens skipped, over all sentences."""
        return int(self.unknown.sum())

    @property
    def empty(self) -> np.ndarray:
        """Indices of the sentences with no known word (their vectors are zero)."""
        return np.flatnonzero(self.known == 0)


class KeyedVectors:
    """Words and their vectors, with similarity queries.

    Parameters
    ----------
    words : sequence of str
        Unique, non-empty words without newlines, most frequent first (evaluation relies on it).
    vectors : array-like, shape (len(words), D)
        Finite numbers; stored as float32 (no copy when already float32 and C-contiguous).
    counts : array-like of int, optional
        Corpus frequency of each word.
    metadata : dict, optional
        JSON-serialisable facts about the vectors (training parameters, corpus, ...).

    Examples
    --------
    >>> wv = KeyedVectors(["king", "queen", "apple"], [[1, 0.1], [1, 0.2], [0, 1]])
    >>> wv["queen"].tolist(), "apple" in wv, len(wv), wv.index("apple")
    ([1.0, 0.20000000298023224], True, 3, 2)
    >>> wv.most_similar("king", topn=1)[0][0]
    'queen'
    """

    def __init__(
        self,
        words: Iterable[str],
        vectors: Any,
        counts: Any = None,
        metadata: dict[str, Any] | None = None,
    ):
        self._words = list(words)
        for position, word in enumerate(self._words):
            if not isinstance(word, str) or not word or "\n" in word:
                raise ValueError(f"word #{position} ({word!r}) must be a non-empty string without newlines")
        self._index = {word: i for i, word in enumerate(self._words)}
        if len(self._index) != len(self._words):
            seen: set[str] = set()
            duplicate = next(w for w in self._words if w in seen or seen.add(w))
            raise ValueError(f"word {duplicate!r} appears more than once")
        self._unit: np.ndarray | None = None
        self.vectors = vectors
        self.counts = counts
        self.metadata = dict(metadata or {})

    # -- data --------------------------------------------------------------------------------
    @property
    def words(self) -> list[str]:
        """The words, in row order (do not modify the list)."""
        return self._words

    @property
    def vectors(self) -> np.ndarray:
        """The float32 matrix, one row per word (read-only; assign a new matrix to change it)."""
        return self._vectors

    @vectors.setter
    def vectors(self, value: Any) -> None:
        array = value if isinstance(value, np.memmap) else np.asarray(value)
        if array.ndim != 2 or array.shape[0] != len(self._words):
            raise ValueError(
                f"vectors must be a 2-D array with one row per word ({len(self._words)} rows); "
                f"got shape {array.shape}"
            )
        if array.dtype.kind not in "fiu":
            raise ValueError(f"vectors must be numbers; got dtype {array.dtype}")
        if array.dtype != np.float32 or not array.flags.c_contiguous:
            with np.errstate(over="ignore"):  # overflow becomes inf, reported just below
                array = np.ascontiguousarray(array, dtype=np.float32)
        _check_finite(array, self._words)
        # A read-only view: in-place edits would silently make the cached unit matrix stale.
        view = array.view()
        view.flags.writeable = False
        self._vectors = view
        self._unit = None

    @property
    def counts(self) -> np.ndarray | None:
        """Corpus counts (int64), or None when unknown."""
        return self._counts

    @counts.setter
    def counts(self, value: Any) -> None:
        if value is None:
            self._counts = None
            return
        array = np.asarray(value)
        if array.shape != (len(self._words),) or array.dtype.kind not in "iuf":
            raise ValueError(f"counts must be {len(self._words)} integers; got shape {array.shape}")
        if array.dtype.kind == "f" and not np.array_equal(array, np.round(array)):
            raise ValueError("counts must be whole numbers")
        if (array < 0).any():
            raise ValueError("counts must not be negative")
        self._counts = array.astype(np.int64)

    @property
    def vector_size(self) -> int:
        """Number of dimensions D."""
        return int(self._vectors.shape[1])

    @property
    def unit_vectors(self) -> np.ndarray:
        """Rows scaled to unit length (float32, cached; zero rows stay zero)."""
        if self._unit is None:
            self._unit = _unit_rows(self._vectors)
            self._unit.flags.writeable = False
        return self._unit

    def __len__(self) -> int:
        return len(self._words)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __repr__(self) -> str:
        return f"KeyedVectors({len(self)} words, {self.vector_size} dimensions)"

    def index(self, word: str) -> int:
        """Row of ``word``; :class:`UnknownWordError` (a KeyError) suggesting close spellings."""
        try:
            return self._index[word]
        except (KeyError, TypeError):
            raise UnknownWordError(word, unknown_word_message(word, self._words)) from None

    def __getitem__(self, words: str | Sequence[str]) -> np.ndarray:
        """One word → its vector (D,); a list of words → a matrix (n, D)."""
        if isinstance(words, str) or not isinstance(words, Iterable):  # one word (or a bad key: KeyError)
            return self._vectors[self.index(words)]
        return self._vectors[[self.index(w) for w in words]]

    # -- queries -----------------------------------------------------------------------------
    def _terms(
        self, items: Term | Sequence[Term] | None, *, weighted: bool = False
    ) -> tuple[list[np.ndarray], list[int]]:
        """Unit vectors of the query terms, and the rows of those given as words.

        With ``weighted``, a term may be a ``(word or vector, weight)`` pair and its unit vector is
        scaled by the weight; otherwise such a pair is refused.
        """
        if items is None:
            return [], []
        if isinstance(items, str) or (isinstance(items, np.ndarray) and items.ndim == 1) or _is_pair(items):
            items = [items]
        vectors, rows = [], []
        for item in items:
            if _is_pair(item):
                if not weighted:
                    raise ValueError(f"weighted terms such as {item!r} are only accepted by most_similar")
                (vector,), term_rows = self._terms([item[0]])
                vectors.append(vector * np.float32(item[1]))
                rows.extend(term_rows)
                continue
            if isinstance(item, str):
                rows.append(self.index(item))
                vectors.append(self.unit_vectors[rows[-1]])
                continue
            vector = np.asarray(item, dtype=np.float32)
            if vector.shape != (self.vector_size,):
                raise ValueError(f"a query vector must have shape ({self.vector_size},); got {vector.shape}")
            _check_query_vector(vector)
            vectors.append(_unit_rows(vector[None, :])[0])
        return vectors, rows

    def _candidates(self, restrict_vocab: int | None) -> np.ndarray:
        _check_restrict_vocab(restrict_vocab)
        return self.unit_vectors if restrict_vocab is None else self.unit_vectors[:restrict_vocab]

    def _top(self, scores: np.ndarray, topn: int | None, exclude: Iterable[int]):
        scores = np.array(scores, dtype=np.float32)
        excluded = [i for i in set(exclude) if i < len(scores)]
        scores[excluded] = -np.inf
        available = len(scores) - len(excluded)
        k = available if topn is None else min(int(topn), available)
        if k <= 0:
            return []
        best = np.argpartition(scores, len(scores) - k)[len(scores) - k :]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self._words[i], float(scores[i])) for i in best]

    def most_similar(
        self,
        positive: Term | Sequence[Term] | None = None,
        negative: Term | Sequence[Term] | None = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Nearest words by cosine to the sum of unit ``positive`` minus ``negative`` (3CosAdd).

        Terms are words or vectors, or ``(term, weight)`` pairs that scale a term's unit vector
        (``("king", 2.0)``; a weighted term in ``negative`` is subtracted with that weight). Words
        given are never returned. ``restrict_vocab`` limits the candidates to the first (most
        frequent) rows; ``topn=None`` returns every candidate.

        Examples
        --------
        >>> wv = KeyedVectors(["man", "woman", "king", "queen"],
        ...                   [[1, 0, 1], [1, 1, 1], [3, 0, 1], [3, 1, 1]])
        >>> wv.most_similar(positive=["king", "woman"], negative="man", topn=1)[0][0]
        'queen'
        >>> wv.most_similar(positive=[("king", 2.0), "woman"], negative="man", topn=1)[0][0]
        'queen'
        """
        positive_vectors, positive_rows = self._terms(positive, weighted=True)
        negative_vectors, negative_rows = self._terms(negative, weighted=True)
        if not positive_vectors and not negative_vectors:
            raise ValueError("most_similar needs at least one positive or negative word or vector")
        query = np.sum(positive_vectors, axis=0) if positive_vectors else 0.0
        query = query - (np.sum(negative_vectors, axis=0) if negative_vectors else 0.0)
        query = _unit_rows(np.asarray(query, dtype=np.float32)[None, :])[0]
        scores = self._candidates(restrict_vocab) @ query
        return self._top(scores, topn, positive_rows + negative_rows)

    def most_similar_cosmul(
        self,
        positive: Term | Sequence[Term] | None = None,
        negative: Term | Sequence[Term] | None = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """3CosMul (Levy & Goldberg 2014): ``prod(cos+) / (prod(cos-) + 1e-3)``, cosines in [0, 1].

        Each cosine is shifted to ``(1 + cos) / 2`` so that products stay non-negative. Less
        dominated by one large similarity than :meth:`most_similar`.

        Examples
        --------
        >>> wv = KeyedVectors(["man", "woman", "king", "queen"],
        ...                   [[1, 0, 1], [1, 1, 1], [3, 0, 1], [3, 1, 1]])
        >>> wv.most_similar_cosmul(positive=["king", "woman"], negative="man", topn=1)[0][0]
        'queen'
        """
        positive_vectors, positive_rows = self._terms(positive)
        negative_vectors, negative_rows = self._terms(negative)
        if not positive_vectors:
            raise ValueError("most_similar_cosmul needs at least one positive word or vector")
        candidates = self._candidates(restrict_vocab)
        scores = np.prod((1.0 + candidates @ np.array(positive_vectors).T) / 2.0, axis=1)
        if negative_vectors:
            shifted = (1.0 + candidates @ np.array(negative_vectors).T) / 2.0
            scores = scores / (np.prod(shifted, axis=1) + COSMUL_EPSILON)
        return self._top(scores, topn, positive_rows + negative_rows)

    def similarity(self, first: str, second: str) -> float:
        """Cosine similarity of two words (0.0 when either vector is zero).

        Examples
        --------
        >>> KeyedVectors(["a", "b"], [[1, 0], [1, 1]]).similarity("a", "b")  # doctest: +ELLIPSIS
        0.7071...
        """
        unit = self.unit_vectors
        return float(unit[self.index(first)] @ unit[self.index(second)])

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word least similar to the mean of all the given words.

        Examples
        --------
        >>> KeyedVectors(["a", "b", "c"], [[1, 0], [1, 0.1], [0, 1]]).doesnt_match(["a", "b", "c"])
        'c'
        """
        words = [words] if isinstance(words, str) else list(words)
        if not words:
            raise ValueError("doesnt_match needs at least one word")
        rows = [self.index(w) for w in words]
        chosen = self.unit_vectors[rows]
        mean = _unit_rows(chosen.mean(axis=0, keepdims=True))[0]
        return words[int(np.argmin(chosen @ mean))]

    def analogy(
        self,
        a: str,
        b: str,
        c: str,
        topn: int = 1,
        *,
        method: str = "3cosadd",
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """``a`` is to ``b`` as ``c`` is to ? (``b - a + c``); ``method`` "3cosadd" or "3cosmul".

        Examples
        --------
        >>> wv = KeyedVectors(["man", "woman", "king", "queen"],
        ...                   [[1, 0, 1], [1, 1, 1], [3, 0, 1], [3, 1, 1]])
        >>> wv.analogy("man", "king", "woman")[0][0]
        'queen'
        """
        if method not in ("3cosadd", "3cosmul"):
            raise ValueError(f"method must be '3cosadd' or '3cosmul'; got {method!r}")
        query = self.most_similar if method == "3cosadd" else self.most_similar_cosmul
        return query(positive=[b, c], negative=[a], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_batch(
        self,
        queries: Sequence[str] | np.ndarray,
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[list[tuple[str, float]]]:
        """:meth:`most_similar` for many words (or rows of a query matrix) at once.

        Blocked matrix products with ``np.argpartition``: 1,000 queries over 70,000 × 100 take a
        fraction of a second. A query word is excluded from its own results.

        Examples
        --------
        >>> wv = KeyedVectors(["a", "b", "c"], [[1, 0], [1, 0.1], [0, 1]])
        >>> [r[0][0] for r in wv.most_similar_batch(["a", "c"], topn=1)]
        ['b', 'b']
        """
        _check_batch_queries(queries)
        if isinstance(queries, np.ndarray) and queries.ndim == 2:
            if queries.shape[1] != self.vector_size:
                raise ValueError(f"query vectors must have {self.vector_size} columns")
            query_matrix, rows = _unit_rows(queries), np.full(len(queries), -1)
        else:
            rows = np.array([self.index(w) for w in queries], dtype=np.int64)
            query_matrix = self.unit_vectors[rows] if len(rows) else np.empty((0, 1))
        candidates = self._candidates(restrict_vocab)
        n = len(candidates)
        results: list[list[tuple[str, float]]] = []
        block = max(1, _SCORES_PER_BLOCK // max(n, 1))
        for start in range(0, len(rows), block):
            scores = query_matrix[start : start + block] @ candidates.T
            own = rows[start : start + block]
            inside = (own >= 0) & (own < n)
            scores[np.flatnonzero(inside), own[inside]] = -np.inf
            k = min(int(topn), n)
            if k <= 0:
                results.extend([] for _ in range(len(scores)))
                continue
            best, values = _top_k_rows(scores, k)
            for ids, sims in zip(best.tolist(), values.tolist(), strict=True):
                results.append([(self._words[i], s) for i, s in zip(ids, sims, strict=True) if s != -np.inf])
        return results

    # -- gensim-named queries ------------------------------------------------------------------
    @property
    def key_to_index(self) -> dict[str, int]:
        """Word → row (gensim's name; do not modify the dict)."""
        return self._index

    @property
    def index_to_key(self) -> list[str]:
        """The words in row order (gensim's name for :attr:`words`)."""
        return self._words

    def get_vector(self, word: str, norm: bool = False) -> np.ndarray:
        """The vector of ``word`` (read-only); ``norm=True`` gives it scaled to unit length.

        Examples
        --------
        >>> KeyedVectors(["a"], [[3, 4]]).get_vector("a", norm=True).tolist()
        [0.6000000238418579, 0.800000011920929]
        """
        row = self.index(word)
        return self.unit_vectors[row] if norm else self._vectors[row]

    def get_mean_vector(
        self,
        keys: Sequence[Term],
        weights: Sequence[float] | np.ndarray | None = None,
        pre_normalize: bool = True,
        post_normalize: bool = False,
        ignore_missing: bool = True,
    ) -> np.ndarray:
        """Weighted mean of the vectors of ``keys`` (words or vectors), gensim's rule.

        The sum of ``weight * vector`` is divided by the sum of ``|weight|``. ``pre_normalize`` uses
        unit word vectors, ``post_normalize`` scales the result to unit length. Unknown words are
        skipped (and counted in the log) when ``ignore_missing``, else raise
        :class:`UnknownWordError`; with no known word the result is the zero vector.

        Examples
        --------
        >>> wv = KeyedVectors(["a", "b"], [[2, 0], [0, 4]])
        >>> wv.get_mean_vector(["a", "b", "zz"]).tolist()
        [0.5, 0.5]
        >>> wv.get_mean_vector(["a", "b"], weights=[3, 1], pre_normalize=False).tolist()
        [1.5, 1.0]
        """
        keys = [keys] if isinstance(keys, str) else list(keys)
        if not keys:
            raise ParameterError("get_mean_vector needs at least one word or vector")
        weights = np.ones(len(keys)) if weights is None else np.asarray(weights, dtype=np.float64)
        if weights.shape != (len(keys),):
            raise ParameterError(f"get_mean_vector got {len(keys)} keys but weights of shape {weights.shape}")
        total = np.zeros(self.vector_size, dtype=np.float64)
        weight_sum, unknown = 0.0, 0
        for key, weight in zip(keys, weights.tolist(), strict=True):
            if isinstance(key, str):
                if key not in self._index:
                    if not ignore_missing:
                        self.index(key)  # raises UnknownWordError with close spellings
                    unknown += 1
                    continue
                vector = self.get_vector(key, norm=pre_normalize)
            else:
                vector = np.asarray(key, dtype=np.float32)
                if vector.shape != (self.vector_size,):
                    raise ParameterError(
                        f"a vector given to get_mean_vector must have shape ({self.vector_size},); "
                        f"got {vector.shape}"
                    )
            total += weight * vector
            weight_sum += abs(weight)
        if unknown:
            logger.info("get_mean_vector: skipped %d unknown word(s) of %d", unknown, len(keys))
        if weight_sum > 0:
            total /= weight_sum
        mean = total.astype(np.float32)
        return _unit_rows(mean[None, :])[0] if post_normalize else mean

    def sentence_vectors(
        self,
        sentences: Iterable[Sequence[str]],
        *,
        weighting: str = "mean",
        sif_a: float = 1e-3,
        remove_component: bool | None = None,
        pre_normalize: bool = False,
    ) -> SentenceVectors:
        """One vector per sentence (a list of tokens): the weighted mean of its known words.

        Parameters
        ----------
        sentences : iterable of lists of str
        weighting : {"mean", "sif", "idf"}
            ``"mean"``: every token weighs 1. ``"sif"`` (Arora et al. 2017, smooth inverse
            frequency): a token of corpus frequency p weighs ``sif_a / (sif_a + p)``; needs
            :attr:`counts`. ``"idf"``: ``log((1 + n) / (1 + df)) + 1`` where df is the number of the
            ``n`` given sentences that contain the word (each sentence is one document).
        sif_a : float
            The SIF smoothing constant (1e-3 as in the paper; 1e-4 to 1e-2 are usual).
        remove_component : bool or None
            Subtract each vector's projection on the first principal component of all the sentence
            vectors (the "common discourse" direction of SIF). Default: True for "sif", else False.
        pre_normalize : bool
            Average unit word vectors instead of the raw ones.

        Returns
        -------
        SentenceVectors
            ``vectors`` (n × D, float32), and per sentence the ``known`` tokens used and the
            ``unknown`` tokens skipped (``n_unknown`` in all; also logged).

        Examples
        --------
        >>> wv = KeyedVectors(["a", "b"], [[2, 0], [0, 4]], counts=[10, 1])
        >>> result = wv.sentence_vectors([["a", "b"], ["b", "zz"], ["zz"]])
        >>> result.vectors.tolist(), result.unknown.tolist(), result.empty.tolist()
        ([[1.0, 2.0], [0.0, 4.0], [0.0, 0.0]], [0, 1, 1], [2])
        """
        if weighting not in ("mean", "sif", "idf"):
            raise ParameterError(f"weighting must be 'mean', 'sif' or 'idf'; got {weighting!r}")
        if isinstance(sentences, str):
            raise ParameterError("sentence_vectors takes a list of sentences, each a list of tokens")
        sentences = [[s] if isinstance(s, str) else list(s) for s in sentences]
        rows = [np.array([self._index.get(t, -1) for t in s], dtype=np.int64) for s in sentences]
        token_weights = self._token_weights(weighting, rows, sif_a)
        source = self.unit_vectors if pre_normalize else self._vectors
        out = np.zeros((len(rows), self.vector_size), dtype=np.float32)
        known = np.zeros(len(rows), dtype=np.int64)
        unknown = np.zeros(len(rows), dtype=np.int64)
        for i, ids in enumerate(rows):
            inside = ids[ids >= 0]
            known[i], unknown[i] = len(inside), len(ids) - len(inside)
            if len(inside):
                w = token_weights[inside]
                out[i] = (w @ source[inside].astype(np.float64)) / max(w.sum(), 1e-300)
        if remove_component if remove_component is not None else weighting == "sif":
            used = out[known > 0].astype(np.float64)
            if len(used) >= 2:
                component = np.linalg.svd(used, full_matrices=False)[2][0]
                out[known > 0] = (used - np.outer(used @ component, component)).astype(np.float32)
        result = SentenceVectors(out, known, unknown)
        if result.n_unknown:
            distinct = {
                t
                for s, ids in zip(sentences, rows, strict=True)
                for t, r in zip(s, ids, strict=True)
                if r < 0
            }
            logger.info(
                "sentence_vectors: skipped %d unknown token(s) (%d distinct) in %d sentence(s); "
                "%d sentence(s) have no known word",
                result.n_unknown, len(distinct), int((unknown > 0).sum()), len(result.empty),
            )  # fmt: skip
        return result

    def _token_weights(self, weighting: str, rows: list[np.ndarray], sif_a: float) -> np.ndarray:
        if weighting == "mean":
            return np.ones(len(self), dtype=np.float64)
        if weighting == "sif":
            if self._counts is None or self._counts.sum() == 0:
                raise ParameterError("weighting='sif' needs word counts, and these vectors have none")
            if not sif_a > 0:
                raise ParameterError(f"The 'sif_a' parameter must be a float > 0; got {sif_a!r}.")
            frequency = self._counts / float(self._counts.sum())
            return sif_a / (sif_a + frequency)
        document_frequency = np.zeros(len(self), dtype=np.float64)
        for ids in rows:
            document_frequency[np.unique(ids[ids >= 0])] += 1
        return np.log((1.0 + len(rows)) / (1.0 + document_frequency)) + 1.0

    def n_similarity(self, first: Sequence[str], second: Sequence[str]) -> float:
        """Cosine between the mean vectors of two lists of words (gensim's ``n_similarity``).

        Examples
        --------
        >>> wv = KeyedVectors(["a", "b", "c"], [[1, 0], [0, 1], [1, 1]])
        >>> round(wv.n_similarity(["a", "b"], ["c"]), 4)
        1.0
        """
        if not len(first) or not len(second):
            raise ParameterError("n_similarity needs at least one word in each list")
        means = [
            self.get_mean_vector(ws, pre_normalize=False, ignore_missing=False) for ws in (first, second)
        ]
        unit = _unit_rows(np.array(means))
        return float(unit[0] @ unit[1])

    def similar_by_vector(
        self, vector: np.ndarray, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """Nearest words by cosine to ``vector``.

        Examples
        --------
        >>> KeyedVectors(["a", "b"], [[1, 0], [0, 1]]).similar_by_vector(np.array([0.1, 1]), topn=1)[0][0]
        'b'
        """
        return self.most_similar(positive=[np.asarray(vector)], topn=topn, restrict_vocab=restrict_vocab)

    @staticmethod
    def cosine_similarities(vector: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """Cosine between ``vector`` (D,) and each row of ``vectors`` (n, D); 0 against a zero vector.

        Examples
        --------
        >>> KeyedVectors.cosine_similarities(np.array([1.0, 0]), np.array([[2.0, 0], [0, 3]])).tolist()
        [1.0, 0.0]
        """
        unit = _unit_rows(np.asarray(vector, dtype=np.float32)[None, :])[0]
        return _unit_rows(np.atleast_2d(np.asarray(vectors, dtype=np.float32))) @ unit

    def distances(self, word_or_vector: Term, other_words: Sequence[str] = ()) -> np.ndarray:
        """Cosine distances (1 - cosine) from a word or vector to ``other_words`` (default: all words).

        Examples
        --------
        >>> KeyedVectors(["a", "b"], [[1, 0], [0, 1]]).distances("a").tolist()
        [0.0, 1.0]
        """
        if isinstance(word_or_vector, str):
            query = self.unit_vectors[self.index(word_or_vector)]
        else:
            query = self._terms([word_or_vector])[0][0]
        others = self.unit_vectors if not len(other_words) else self.unit_vectors[self._rows(other_words)]
        return (1.0 - others @ query).astype(np.float32)

    def _rows(self, words: Sequence[str]) -> np.ndarray:
        return np.array([self.index(w) for w in words], dtype=np.int64)

    def closer_than(self, first: str, second: str) -> list[str]:
        """Words (in row order) more similar to ``first`` than ``second`` is.

        Examples
        --------
        >>> KeyedVectors(["a", "b", "c"], [[1, 0], [1, 0.1], [0, 1]]).closer_than("a", "c")
        ['b']
        """
        row, other = self.index(first), self.index(second)
        scores = self.unit_vectors @ self.unit_vectors[row]
        closer = np.flatnonzero(scores > scores[other])
        return [self._words[i] for i in closer.tolist() if i != row]

    def rank(self, first: str, second: str) -> int:
        """Rank of ``second`` among the neighbours of ``first`` (1 = nearest).

        Examples
        --------
        >>> KeyedVectors(["a", "b", "c"], [[1, 0], [1, 0.1], [0, 1]]).rank("a", "c")
        2
        """
        return len(self.closer_than(first, second)) + 1

    def rank_by_centrality(self, words: Sequence[str], use_norm: bool = True) -> list[tuple[float, str]]:
        """``(cosine, word)`` pairs, most similar to the centroid of ``words`` first.

        Unknown words are left out (with a warning in the log).

        Examples
        --------
        >>> wv = KeyedVectors(["a", "b", "c"], [[1, 0], [1, 0.1], [0, 1]])
        >>> [w for _, w in wv.rank_by_centrality(["a", "b", "c"])]
        ['b', 'a', 'c']
        """
        used = [w for w in words if w in self._index]
        if len(used) != len(words):
            logger.warning("rank_by_centrality: ignoring unknown words %s", sorted(set(words) - set(used)))
        if not used:
            raise ParameterError("rank_by_centrality needs at least one known word")
        chosen = self.unit_vectors[self._rows(used)] if use_norm else self._vectors[self._rows(used)]
        mean = _unit_rows(chosen.astype(np.float64).mean(axis=0, keepdims=True))[0]
        scores = _unit_rows(chosen) @ mean
        return sorted(zip(scores.tolist(), used, strict=True), reverse=True)

    def most_similar_to_given(self, word: str, candidates: Sequence[str]) -> str:
        """The word of ``candidates`` most similar to ``word``.

        Examples
        --------
        >>> KeyedVectors(["a", "b", "c"], [[1, 0], [1, 0.1], [0, 1]]).most_similar_to_given("a", ["c", "b"])
        'b'
        """
        if not len(candidates):
            raise ParameterError("most_similar_to_given needs at least one candidate word")
        scores = self.unit_vectors[self._rows(candidates)] @ self.unit_vectors[self.index(word)]
        return candidates[int(np.argmax(scores))]

    def add_vectors(
        self,
        words: str | Sequence[str],
        vectors: Any,
        counts: Any = None,
        replace: bool = False,
    ) -> None:
        """Append words and their vectors (at the end: new rows are not in frequency order).

        A word already present keeps its vector unless ``replace``. ``counts`` (one per word, default
        0) is used when these vectors have counts.

        Examples
        --------
        >>> wv = KeyedVectors(["a"], [[1, 0]])
        >>> wv.add_vectors(["b", "a"], [[0, 1], [5, 5]])
        >>> wv.words, wv["a"].tolist()
        (['a', 'b'], [1.0, 0.0])
        """
        if isinstance(words, str):
            words, vectors = [words], np.asarray(vectors).reshape(1, -1)
            counts = None if counts is None else [counts]
        words = list(words)
        matrix = np.asarray(vectors)
        if matrix.ndim != 2 or matrix.shape != (len(words), self.vector_size):
            raise ParameterError(
                f"add_vectors needs one vector of {self.vector_size} numbers per word "
                f"({len(words)} words); got shape {matrix.shape}"
            )
        if matrix.dtype.kind not in "fiu":
            raise ParameterError(f"add_vectors needs numbers; got dtype {matrix.dtype}")
        _check_finite(np.asarray(matrix, dtype=np.float32), words)
        extra_counts = np.zeros(len(words), dtype=np.int64) if counts is None else np.asarray(counts)
        if extra_counts.shape != (len(words),):
            raise ParameterError(
                f"add_vectors got {len(words)} words but counts of shape {extra_counts.shape}"
            )
        new_rows = {}  # word -> position in `words`; the last one wins when a word repeats
        replaced = []
        for position, word in enumerate(words):
            if not isinstance(word, str) or not word or "\n" in word:
                raise ParameterError(
                    f"word #{position} ({word!r}) must be a non-empty string without newlines"
                )
            if word in self._index:
                replaced.append(position)
            else:
                new_rows[word] = position
        matrix32 = np.asarray(matrix, dtype=np.float32)
        base = np.array(self._vectors, dtype=np.float32)
        if replace and replaced:
            base[[self._index[words[p]] for p in replaced]] = matrix32[replaced]
        added = list(new_rows.values())
        old_counts = self._counts
        self._words = self._words + list(new_rows)
        self._index = {word: i for i, word in enumerate(self._words)}
        self.vectors = np.concatenate([base, matrix32[added]]) if added else base
        if old_counts is not None:
            self._counts = np.concatenate([old_counts, extra_counts[added].astype(np.int64)])

    def wmdistance(self, document1: Sequence[str], document2: Sequence[str], norm: bool = True) -> float:
        """Word Mover's Distance (Kusner et al. 2015) between two token lists.

        Needs POT (``pip install 'skipgram[wmd]'``). Unknown words are dropped (logged); a document
        without a known word is infinitely far (``inf``, as in gensim). ``norm`` uses unit vectors.
        """
        try:
            from ot import emd2
        except ImportError:
            raise ImportError(
                "wmdistance needs the POT optimal-transport library: pip install 'skipgram[wmd]'"
            ) from None
        docs = [[t for t in d if t in self._index] for d in (document1, document2)]
        dropped = len(document1) - len(docs[0]), len(document2) - len(docs[1])
        if any(dropped):
            logger.info("wmdistance: removed %d and %d unknown words from the documents", *dropped)
        if not docs[0] or not docs[1]:
            logger.warning("wmdistance: a document has no known word; the distance is infinite")
            return float("inf")
        masses, points = [], []
        for doc in docs:
            words, frequency = np.unique(np.array(doc, dtype=object), return_counts=True)
            masses.append(frequency / frequency.sum())
            source = self.unit_vectors if norm else self._vectors
            points.append(source[self._rows(list(words))].astype(np.float64))
        difference = points[0][:, None, :] - points[1][None, :, :]
        cost = np.sqrt(np.einsum("ijk,ijk->ij", difference, difference))
        if not cost.any():  # every pair coincides: nothing to move (and emd stalls on an all-zero cost)
            return 0.0
        return float(emd2(masses[0], masses[1], cost))

    # -- files ---------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Save in the native skipgram format (atomic; loads back with :meth:`load`).

        Examples
        --------
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "v.skipgram")
        >>> KeyedVectors(["a", "b"], [[1, 2], [3, 4]], counts=[5, 2]).save(p)
        >>> KeyedVectors.load(p, mmap=True)["b"].tolist()
        [3.0, 4.0]
        """
        from .io import encode_words, write_container

        arrays = {"vectors": self._vectors, "words": encode_words(self._words)}
        if self._counts is not None:
            arrays["counts"] = self._counts
        write_container(path, "vectors", arrays, self.metadata)
        logger.info("saved %d vectors to %s", len(self), path)

    @classmethod
    def load(cls, path: str | os.PathLike, mmap: bool = False) -> KeyedVectors:
        """Load a file written by :meth:`save`; ``mmap=True`` maps the vectors read-only."""
        from .io import decode_words, read_container

        metadata, arrays = read_container(path, mmap=mmap, expect_kind="vectors")
        name = os.fspath(path)
        vectors = arrays.get("vectors")
        if vectors is None or "words" not in arrays or vectors.ndim != 2:
            raise FormatError(f"{name}: a vectors file needs a 2-D 'vectors' and a 'words' array")
        words = decode_words(arrays["words"], vectors.shape[0], source=f"{name}: words")
        try:
            return cls(words, vectors, arrays.get("counts"), metadata)
        except ValueError as exc:
            raise FormatError(f"{name}: {exc}") from None

    def save_word2vec_format(self, path: str | os.PathLike, binary: bool = True) -> None:
        """Save in the word2vec C tool's format (binary or text), readable by gensim and fastText.

        Examples
        --------
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "v.txt")
        >>> KeyedVectors(["a"], [[1.5, 2]]).save_word2vec_format(p, binary=False)
        >>> open(p).read()
        '1 2\\na 1.5 2\\n'
        """
        from .word2vec_format import write_word2vec

        write_word2vec(path, self._words, self._vectors, binary=binary)

    @classmethod
    def load_word2vec_format(
        cls,
        path: str | os.PathLike,
        binary: bool | None = None,
        limit: int | None = None,
        errors: str = "strict",
        no_header: bool = False,
    ) -> KeyedVectors:
        """Load a word2vec text/binary file or a fastText ``.vec`` (``binary=None`` detects which).

        ``limit`` reads only the first rows; ``errors="replace"`` accepts invalid UTF-8 in words;
        ``no_header=True`` reads GloVe-style text files without the ``"V D"`` line. Text files may
        be gzip-compressed (``.gz``). A corrupted file raises
        :class:`~skipgram.errors.FormatError` naming the line or byte offset.
        """
        from .word2vec_format import read_word2vec

        words, vectors = read_word2vec(path, binary=binary, limit=limit, errors=errors, no_header=no_header)
        try:
            return cls(words, vectors, metadata={"source": Path(path).name})
        except ValueError as exc:
            raise FormatError(f"{os.fspath(path)}: {exc}") from None

    def save_projector(self, prefix: str | os.PathLike) -> tuple[Path, Path]:
        """Write ``{prefix}_vectors.tsv`` and ``{prefix}_metadata.tsv`` for
        https://projector.tensorflow.org; returns both paths."""
        from .io import write_projector

        return write_projector(prefix, self._words, self._vectors, self._counts)
