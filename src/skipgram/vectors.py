"""KeyedVectors: the trained word vectors, their queries, and their files.

Queries work on cosine similarity: rows are unit-normalised once (lazily, cached) and every query
is a matrix-vector or matrix-matrix product over that float32 matrix.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
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
    def _terms(self, items: Term | Sequence[Term] | None) -> tuple[list[np.ndarray], list[int]]:
        """Unit vectors of the query terms, and the rows of those given as words."""
        if items is None:
            return [], []
        if isinstance(items, str) or (isinstance(items, np.ndarray) and items.ndim == 1):
            items = [items]
        vectors, rows = [], []
        for item in items:
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

        Terms are words or vectors; words given are never returned. ``restrict_vocab`` limits the
        candidates to the first (most frequent) rows; ``topn=None`` returns every candidate.

        Examples
        --------
        >>> wv = KeyedVectors(["man", "woman", "king", "queen"],
        ...                   [[1, 0, 1], [1, 1, 1], [3, 0, 1], [3, 1, 1]])
        >>> wv.most_similar(positive=["king", "woman"], negative="man", topn=1)[0][0]
        'queen'
        """
        positive_vectors, positive_rows = self._terms(positive)
        negative_vectors, negative_rows = self._terms(negative)
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
