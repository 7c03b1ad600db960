"""gensim 4 names on top of skipgram: change the import, keep the script.

``from skipgram.gensim import Word2Vec, KeyedVectors`` replaces ``from gensim.models import Word2Vec,
KeyedVectors``. The classes take gensim's arguments and return gensim's kinds of answers, and each call
is translated to the native API (:class:`skipgram.Word2Vec`, :class:`skipgram.KeyedVectors`), which
does the work. Where skipgram cannot do what gensim does, the call raises or warns with one line
saying how it differs. Differences worth knowing:

- ``save``/``load`` write and read skipgram's native format, never a pickle (loading a pickle runs
  code). gensim's own ``.save()`` files are pickles: export them from gensim with
  ``model.wv.save_word2vec_format("vectors.bin", binary=True)`` and load that.
- ``get_latest_training_loss()`` is the exact float64 sum of the loss of every prediction made by the
  latest ``train()`` call (so far, inside callbacks). gensim sums in float32 per worker, which stops
  growing on large corpora; the numbers are of the same kind, but ours do not saturate.
- ``hs=1`` with ``negative > 0`` trains both objectives in gensim; skipgram trains hierarchical
  softmax only (it warns).
- ``build_vocab(corpus, update=True)`` takes effect at the next ``train()``, which counts the corpus
  given to ``train`` into the vocabulary.

Examples
--------
>>> from skipgram.gensim import Word2Vec
>>> texts = [["human", "interface", "computer"], ["graph", "trees", "minors"]] * 20
>>> model = Word2Vec(sentences=texts, vector_size=8, window=2, min_count=1, workers=1, epochs=2)
>>> model.wv["computer"].shape, len(model.wv)
((8,), 6)
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable, Sequence
from numbers import Integral
from typing import Any

import numpy as np

from . import vectors as _vectors
from .errors import FormatError, ParameterError
from .model import Word2Vec as _NativeWord2Vec

__all__ = [
    "RULE_DEFAULT",
    "RULE_DISCARD",
    "RULE_KEEP",
    "CallbackAny2Vec",
    "KeyedVectors",
    "LineSentence",
    "PathLineSentences",
    "Text8Corpus",
    "Word2Vec",
]

logger = logging.getLogger(__name__)

# gensim's trim_rule answers (gensim.utils.RULE_*), the same values as skipgram.vocab's.
RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2

_CALLBACK_EVENTS = (
    "on_train_begin",
    "on_train_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_batch_begin",
    "on_batch_end",
)


def _differs(message: str) -> None:
    warnings.warn(f"skipgram.gensim: {message}", UserWarning, stacklevel=3)


# ---------------------------------------------------------------------------------------------------
# corpora


def LineSentence(source: str | os.PathLike, max_sentence_length: int = 10000, limit: int | None = None):
    """gensim's ``LineSentence``: one sentence per line, tokens split on whitespace.

    Longer lines are split into pieces of ``max_sentence_length`` words (gensim drops nothing either).
    ``.gz``/``.bz2``/``.xz`` are read by suffix. Returns a :class:`skipgram.LineCorpus`.
    """
    from .reading import LineCorpus

    if limit is not None:
        raise ParameterError("LineSentence(limit=...) is not supported by skipgram; cut the file instead")
    return LineCorpus(source, max_sentence_length=max_sentence_length)


def Text8Corpus(fname: str | os.PathLike, max_sentence_length: int = 1000):
    """gensim's ``Text8Corpus``: a one-line corpus cut into sentences of ``max_sentence_length`` words."""
    from .reading import LineCorpus

    return LineCorpus(fname, max_sentence_length=max_sentence_length)


def PathLineSentences(source: str | os.PathLike, max_sentence_length: int = 10000, limit: int | None = None):
    """gensim's ``PathLineSentences``: every file of a folder (not recursive), in name order."""
    return LineSentence(source, max_sentence_length=max_sentence_length, limit=limit)


class CallbackAny2Vec:
    """Base class of gensim callbacks (``gensim.models.callbacks.CallbackAny2Vec``): override any of
    ``on_train_begin``, ``on_epoch_begin``, ``on_batch_begin``, ``on_batch_end``, ``on_epoch_end``,
    ``on_train_end``; each gets the model. gensim's own callback objects work as well."""

    def on_epoch_begin(self, model: Any) -> None:
        pass

    def on_epoch_end(self, model: Any) -> None:
        pass

    def on_batch_begin(self, model: Any) -> None:
        pass

    def on_batch_end(self, model: Any) -> None:
        pass

    def on_train_begin(self, model: Any) -> None:
        pass

    def on_train_end(self, model: Any) -> None:
        pass


# ---------------------------------------------------------------------------------------------------
# KeyedVectors


class KeyedVectors(_vectors.KeyedVectors):
    """:class:`skipgram.KeyedVectors` with gensim 4's names, arguments and return kinds.

    ``KeyedVectors(vector_size)`` makes an empty set to fill with :meth:`add_vectors` (gensim's
    constructor); ``KeyedVectors(words, vectors, counts)`` is the native one.

    Examples
    --------
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["a", "b"], np.array([[1.0, 0.0], [0.6, 0.8]]))
    >>> kv.most_similar("a", topn=1), kv.key_to_index["b"], kv.get_index(1)
    ([('b', 0.6000000238418579)], 1, 1)
    """

    def __init__(
        self,
        words: Any = None,
        vectors: Any = None,
        counts: Any = None,
        metadata: dict[str, Any] | None = None,
        *,
        vector_size: int | None = None,
        count: int = 0,
        dtype: Any = np.float32,
        mapfile_path: Any = None,
    ):
        if isinstance(words, Integral):  # gensim: KeyedVectors(vector_size, count=0, dtype=REAL)
            vector_size, words = int(words), None
        if vector_size is not None and words is None:
            if count:
                raise ParameterError(
                    "KeyedVectors(vector_size, count=N) preallocates empty slots in gensim; skipgram has "
                    "no empty slots: start with count=0 and call add_vectors"
                )
            if mapfile_path is not None:
                raise ParameterError("mapfile_path is not supported; use KeyedVectors.load(path, mmap='r')")
            _check_dtype(dtype)
            words, vectors = [], np.zeros((0, int(vector_size)), dtype=np.float32)
        elif words is None or vectors is None:
            raise ParameterError("KeyedVectors needs a vector size (gensim) or words and their vectors")
        super().__init__(words, vectors, counts, metadata)
        self.norms: np.ndarray | None = None

    @classmethod
    def _from_native(cls, wv: _vectors.KeyedVectors) -> KeyedVectors:
        return cls(wv.words, wv.vectors, wv.counts, wv.metadata)

    # -- gensim 3 names that gensim 4 removed: the same error gensim gives ---------------------------
    @property
    def vocab(self):
        raise AttributeError(
            "The vocab attribute was removed from KeyedVector in Gensim 4.0.0. Use KeyedVector's "
            ".key_to_index dict, .index_to_key list, and methods .get_vecattr(key, attr) and "
            ".set_vecattr(key, attr, new_val) instead."
        )

    @property
    def index2word(self):
        raise AttributeError("The index2word attribute has been replaced by index_to_key since Gensim 4.0.0.")

    @property
    def vectors_norm(self):
        raise AttributeError(
            "The `.vectors_norm` attribute is computed dynamically since Gensim 4.0.0. "
            "Use `.get_normed_vectors()` instead."
        )

    # -- keys ---------------------------------------------------------------------------------------
    def get_index(self, key: Any, default: int | None = None) -> int:
        """Row of ``key``; an int within range is its own row; ``default`` when unknown if given."""
        row = self.key_to_index.get(key, -1) if isinstance(key, str) else -1
        if row >= 0:
            return row
        if isinstance(key, Integral) and 0 <= int(key) < len(self):
            return int(key)
        if default is not None:
            return default
        return self.index(key)  # raises UnknownWordError (a KeyError) naming close spellings

    def has_index_for(self, key: Any) -> bool:
        return self.get_index(key, -1) >= 0

    def __getitem__(self, key_or_keys: Any) -> np.ndarray:
        if isinstance(key_or_keys, (str, Integral)):
            return self.vectors[self.get_index(key_or_keys)]
        return self.vectors[[self.get_index(k) for k in key_or_keys]]

    def get_vector(self, key: Any, norm: bool = False) -> np.ndarray:
        row = self.get_index(key)
        return self.unit_vectors[row] if norm else self.vectors[row]

    def word_vec(self, key: Any, norm: bool = False) -> np.ndarray:
        """Deprecated alias of :meth:`get_vector` (as in gensim)."""
        return self.get_vector(key, norm=norm)

    def get_vecattr(self, key: Any, attr: str) -> int:
        """Only ``"count"`` is kept: the corpus count of ``key``."""
        if attr != "count":
            raise ParameterError(f"skipgram keeps only the 'count' attribute of a word; got {attr!r}")
        if self.counts is None:
            raise ParameterError("these vectors have no counts (they were loaded without a vocabulary file)")
        return int(self.counts[self.get_index(key)])

    def set_vecattr(self, key: Any, attr: str, val: int) -> None:
        if attr != "count":
            raise ParameterError(f"skipgram keeps only the 'count' attribute of a word; got {attr!r}")
        counts = np.zeros(len(self), dtype=np.int64) if self.counts is None else self.counts.copy()
        counts[self.get_index(key)] = int(val)
        self.counts = counts

    # -- norms --------------------------------------------------------------------------------------
    def fill_norms(self, force: bool = False) -> None:
        """Compute :attr:`norms` (the row lengths), if not done yet or ``force``."""
        if self.norms is None or force or len(self.norms) != len(self):
            self.norms = np.linalg.norm(self.vectors, axis=1)

    def get_normed_vectors(self) -> np.ndarray:
        """Rows scaled to unit length (zero rows stay zero)."""
        return self.unit_vectors

    def init_sims(self, replace: bool = False) -> None:
        """Deprecated in gensim 4; unit vectors are computed on demand. ``replace=True`` normalises
        the vectors in place."""
        if replace:
            self.unit_normalize_all()

    def unit_normalize_all(self) -> None:
        """Scale every vector to unit length (destroys the lengths; as in gensim)."""
        self.vectors = self.unit_vectors.copy()
        self.norms = None

    def add_vectors(self, keys: Any, weights: Any, extras: Any = None, replace: bool = False) -> None:
        """Append keys and vectors; a key already present keeps its vector unless ``replace``."""
        if extras:
            raise ParameterError("add_vectors(extras=...) is not supported: skipgram keeps only counts")
        super().add_vectors(keys, weights, replace=replace)
        self.norms = None

    def add_vector(self, key: str, vector: Any) -> int:
        """Add one key (appended at the end); returns its row."""
        self.add_vectors([key], np.asarray(vector).reshape(1, -1))
        return self.get_index(key)

    def __setitem__(self, keys: Any, weights: Any) -> None:
        if not isinstance(keys, list):
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        self.add_vectors(keys, weights, replace=True)

    def sort_by_descending_frequency(self) -> None:
        """Reorder rows by count, most frequent first (stable)."""
        if self.counts is None:
            raise ParameterError("these vectors have no counts to sort by")
        order = np.argsort(-self.counts, kind="stable")
        fresh = KeyedVectors(
            [self.words[i] for i in order], self.vectors[order], self.counts[order], self.metadata
        )
        self.__dict__.update(fresh.__dict__)

    # -- queries ------------------------------------------------------------------------------------
    def _gensim_terms(self, items: Any, sign: float) -> list:
        """gensim's weighting: a bare term weighs +1 (positive) or -1 (negative); a ``(term, weight)``
        pair uses its weight as given in either list. Returned as native terms of ``most_similar``'s
        positive list."""
        if items is None:
            return []
        if isinstance(items, (str, Integral, np.ndarray)):
            items = [items]
        terms = []
        for item in items:
            if isinstance(item, tuple) and len(item) == 2 and not isinstance(item[1], str):
                key, weight = item
            else:
                key, weight = item, sign
            if isinstance(key, Integral):
                key = self.words[self.get_index(key)]
            terms.append((key, float(weight)))
        return terms

    def most_similar(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        clip_start: int = 0,
        clip_end: int | None = None,
        restrict_vocab: int | None = None,
        indexer: Any = None,
    ):
        """gensim's ``most_similar``: (key, cosine) pairs, or with ``topn=None`` the array of the
        cosines of every key; weighted terms ``("king", 2.0)`` as in gensim."""
        if indexer is not None:
            raise ParameterError(
                "approximate indexers (indexer=...) are not supported; the exact search is used"
            )
        if isinstance(topn, Integral) and topn < 1:
            return []
        terms = self._gensim_terms(positive, 1.0) + self._gensim_terms(negative, -1.0)
        if not terms:
            raise ValueError("cannot compute similarity with no input")
        if restrict_vocab:
            clip_start, clip_end = 0, restrict_vocab
        clip_end = len(self) if clip_end is None else min(int(clip_end), len(self))
        if topn is None or clip_start:
            query = self.get_mean_vector([t for t, _ in terms], [w for _, w in terms], ignore_missing=False)
            scores = self.unit_vectors[clip_start:clip_end] @ _vectors._unit_rows(query[None, :])[0]
            if topn is None:
                return scores
            given = {self.key_to_index[t] for t, _ in terms if isinstance(t, str)}
            order = np.argsort(-scores, kind="stable")
            found = [
                (self.words[i + clip_start], float(scores[i])) for i in order if i + clip_start not in given
            ]
            return found[:topn]
        return super().most_similar(positive=terms, topn=topn, restrict_vocab=clip_end)

    def most_similar_cosmul(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ):
        """gensim's ``most_similar_cosmul`` (3CosMul); ``topn=None`` returns the array of scores."""
        if isinstance(topn, Integral) and topn < 1:
            return []
        if topn is None:
            return np.array([s for _, s in self._cosmul_all(positive, negative, restrict_vocab)])
        return super().most_similar_cosmul(positive, negative, topn=topn, restrict_vocab=restrict_vocab)

    def _cosmul_all(self, positive, negative, restrict_vocab):
        result = super().most_similar_cosmul(positive, negative, topn=None, restrict_vocab=restrict_vocab)
        order = {w: s for w, s in result}
        n = len(self) if restrict_vocab is None else min(restrict_vocab, len(self))
        return [(w, order.get(w, 0.0)) for w in self.words[:n]]

    def similar_by_word(self, word: str, topn: int | None = 10, restrict_vocab: int | None = None):
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word

    def similar_by_vector(self, vector: Any, topn: int | None = 10, restrict_vocab: int | None = None):
        return self.most_similar(positive=[np.asarray(vector)], topn=topn, restrict_vocab=restrict_vocab)

    def distance(self, w1: str, w2: str) -> float:
        """1 - cosine similarity."""
        return 1.0 - self.similarity(w1, w2)

    def words_closer_than(self, word1: str, word2: str) -> list[str]:
        """Deprecated alias of :meth:`closer_than` (as in gensim)."""
        return self.closer_than(word1, word2)

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word furthest from the mean; unknown words are ignored (with a warning), as in gensim."""
        return self.rank_by_centrality(list(words))[-1][1]

    def evaluate_word_analogies(
        self,
        analogies: str | os.PathLike,
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
        similarity_function: str = "most_similar",
    ):
        """``(accuracy, sections)`` like gensim, computed by :func:`skipgram.evaluate.analogy_accuracy`.

        Differs from gensim: each section's ``"correct"`` and ``"incorrect"`` are **counts**, not lists
        of the questions (a one-line warning says so).
        """
        from .evaluate import analogy_accuracy

        method = {"most_similar": "3cosadd", "most_similar_cosmul": "3cosmul"}.get(similarity_function)
        if method is None:
            raise ParameterError(
                "similarity_function must be 'most_similar' or 'most_similar_cosmul'; "
                f"got {similarity_function!r}"
            )
        _differs("evaluate_word_analogies gives counts of correct/incorrect questions per section, not lists")
        result = analogy_accuracy(
            self, analogies, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive, method=method
        )
        sections = []
        for part in [*result.sections, result.overall]:
            asked = part.total + (part.skipped if dummy4unknown else 0)
            name = "Total accuracy" if part is result.overall else part.name
            sections.append({"section": name, "correct": part.correct, "incorrect": asked - part.correct})
        asked = result.total + (result.skipped if dummy4unknown else 0)
        return (result.correct / asked if asked else 0.0), sections

    def evaluate_word_pairs(
        self,
        pairs: str | os.PathLike,
        delimiter: str = "\t",
        encoding: str = "utf8",
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ):
        """``((pearson, p), (spearman, p), oov_percent)`` like gensim, from
        :func:`skipgram.evaluate.similarity_correlation` (p-values need scipy, else NaN)."""
        from .evaluate import similarity_correlation

        if dummy4unknown:
            raise ParameterError(
                "dummy4unknown=True is not supported by evaluate_word_pairs; "
                "pairs with unknown words are skipped"
            )
        if encoding.lower().replace("-", "") != "utf8":
            raise ParameterError(f"only UTF-8 files are read; got encoding={encoding!r}")
        result = similarity_correlation(
            self, pairs, case_insensitive=case_insensitive, restrict_vocab=restrict_vocab
        )
        return (
            (result.pearson, _p_value(result.pearson, result.pairs)),
            (result.spearman, _p_value(result.spearman, result.pairs)),
            100.0 * result.oov_ratio,
        )

    # -- files --------------------------------------------------------------------------------------
    def save(self, fname: str | os.PathLike, *args: Any, **kwargs: Any) -> None:
        """Save in skipgram's native format (not a pickle, unlike gensim); :meth:`load` reads it."""
        if args or kwargs:
            _differs("save() ignores gensim's pickle options: the native format has none")
        super().save(fname)

    @classmethod
    def load(cls, fname: str | os.PathLike, mmap: str | bool | None = None) -> KeyedVectors:
        """Load a file written by :meth:`save` (``mmap="r"`` maps it). gensim's pickles are refused with
        a hint to export them to the word2vec format."""
        return cls._from_native(_vectors.KeyedVectors.load(fname, mmap=bool(mmap)))

    def save_word2vec_format(
        self,
        fname: str | os.PathLike,
        fvocab: str | os.PathLike | None = None,
        binary: bool = False,
        total_vec: int | None = None,
        write_header: bool = True,
        prefix: str = "",
        append: bool = False,
        sort_attr: str = "count",
    ) -> None:
        """gensim's writer: text by default (``binary=False``), ``fvocab`` writes ``word count`` lines."""
        if total_vec is not None or not write_header or prefix or append:
            raise ParameterError(
                "save_word2vec_format supports fname, fvocab and binary; total_vec, write_header, prefix and "
                "append are not supported"
            )
        if sort_attr != "count":
            raise ParameterError(
                "save_word2vec_format writes rows in their order (by count); sort_attr must be 'count'"
            )
        super().save_word2vec_format(fname, binary=binary)
        if fvocab is not None:
            from ._atomic import atomic_write

            counts = self.counts if self.counts is not None else np.zeros(len(self), dtype=np.int64)
            with atomic_write(fvocab, "w", encoding="utf-8") as handle:
                handle.writelines(f"{w} {int(c)}\n" for w, c in zip(self.words, counts.tolist(), strict=True))

    @classmethod
    def load_word2vec_format(
        cls,
        fname: str | os.PathLike,
        fvocab: str | os.PathLike | None = None,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
        limit: int | None = None,
        datatype: Any = np.float32,
        no_header: bool = False,
    ) -> KeyedVectors:
        """gensim's reader: ``binary`` as given (text by default); ``fvocab`` reads counts."""
        if encoding.lower().replace("-", "") != "utf8":
            raise ParameterError(f"only UTF-8 word files are read; got encoding={encoding!r}")
        if unicode_errors not in ("strict", "replace"):
            raise ParameterError(f"unicode_errors must be 'strict' or 'replace'; got {unicode_errors!r}")
        _check_dtype(datatype)
        native = _vectors.KeyedVectors.load_word2vec_format(
            fname, binary=binary, limit=limit, errors=unicode_errors, no_header=no_header
        )
        kv = cls._from_native(native)
        if fvocab is not None:
            kv.counts = _read_counts(fvocab, kv.words)
        return kv


def _check_dtype(dtype: Any) -> None:
    if np.dtype(dtype) != np.float32:
        _differs(f"vectors are always float32 in skipgram; dtype {np.dtype(dtype)} is ignored")


def _read_counts(path: str | os.PathLike, words: Sequence[str]) -> np.ndarray:
    counts = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].isdigit():
                raise FormatError(
                    f"{os.fspath(path)}, line {number}: expected 'word count', got {line.strip()!r}"
                )
            counts[fields[0]] = int(fields[1])
    return np.array([counts.get(w, 0) for w in words], dtype=np.int64)


def _p_value(r: float, n: int) -> float:
    """Two-sided p-value of a correlation ``r`` over ``n`` pairs (t-test, as scipy); NaN without scipy."""
    try:
        from scipy.stats import t
    except ImportError:
        return float("nan")
    if n < 3 or not np.isfinite(r):
        return float("nan")
    if abs(r) >= 1.0:
        return 0.0
    statistic = r * np.sqrt((n - 2) / (1.0 - r * r))
    return float(2 * t.sf(abs(statistic), n - 2))


# ---------------------------------------------------------------------------------------------------
# Word2Vec


class Word2Vec:
    """gensim 4's ``Word2Vec``: same arguments, trains in the constructor when given a corpus.

    Training runs on skipgram's engine (:class:`skipgram.Word2Vec`); ``model.wv`` is a
    :class:`KeyedVectors`. Defaults are gensim's: CBOW (``sg=0``), ``alpha=0.025``, ``workers=3``.

    Examples
    --------
    >>> texts = [["cat", "sat", "mat"], ["dog", "sat", "log"]] * 30
    >>> model = Word2Vec(vector_size=8, min_count=1, sg=1, workers=1)
    >>> model.build_vocab(texts)
    >>> sorted(model.wv.key_to_index)
    ['cat', 'dog', 'log', 'mat', 'sat']
    >>> _ = model.train(texts, total_examples=model.corpus_count, epochs=2, compute_loss=True)
    >>> model.get_latest_training_loss() > 0
    True
    """

    def __init__(
        self,
        sentences: Iterable[Sequence[str]] | None = None,
        corpus_file: str | os.PathLike | None = None,
        vector_size: int = 100,
        alpha: float = 0.025,
        window: int = 5,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        sample: float = 1e-3,
        seed: int = 1,
        workers: int = 3,
        min_alpha: float = 0.0001,
        sg: int = 0,
        hs: int = 0,
        negative: int = 5,
        ns_exponent: float = 0.75,
        cbow_mean: int = 1,
        hashfxn: Any = hash,
        epochs: int = 5,
        null_word: int = 0,
        trim_rule: Any = None,
        sorted_vocab: int = 1,
        batch_words: int = 10000,
        compute_loss: bool = False,
        callbacks: Sequence[Any] = (),
        comment: str | None = None,
        max_final_vocab: int | None = None,
        shrink_windows: bool = True,
    ):
        if cbow_mean not in (1, True):
            raise ParameterError(
                "cbow_mean=0 (sum of context vectors) is not supported; skipgram's CBOW uses the mean"
            )
        if null_word:
            raise ParameterError("null_word is not supported: skipgram's CBOW never pads windows")
        if hashfxn is not hash:
            _differs("hashfxn is ignored: skipgram seeds its initial vectors from `seed` alone")
        if not sorted_vocab:
            _differs("sorted_vocab=0 is ignored: skipgram always sorts the vocabulary by count")
        if not hs and not negative:
            raise ParameterError("hs=0 and negative=0 leave nothing to train: set negative=5 or hs=1")
        if hs and negative:
            _differs(
                f"hs=1 with negative={negative} trains both objectives in gensim; skipgram trains "
                "hierarchical softmax only (pass negative=0 to silence this)"
            )
        self.vector_size, self.alpha, self.window, self.min_count = vector_size, alpha, window, min_count
        self.max_vocab_size, self.sample, self.seed, self.workers = max_vocab_size, sample, seed, workers
        self.min_alpha, self.sg, self.hs, self.negative = min_alpha, sg, hs, negative
        self.ns_exponent, self.cbow_mean, self.hashfxn, self.epochs = ns_exponent, cbow_mean, hashfxn, epochs
        self.null_word, self.trim_rule, self.sorted_vocab = null_word, trim_rule, sorted_vocab
        self.batch_words, self.compute_loss, self.callbacks = batch_words, compute_loss, tuple(callbacks)
        self.comment, self.max_final_vocab, self.shrink_windows = comment, max_final_vocab, shrink_windows
        self.running_training_loss = 0.0
        self.corpus_count = 0
        self.corpus_total_words = 0
        self._live_wv_stale = False
        self.wv = KeyedVectors(vector_size)
        self._native: _NativeWord2Vec | None = None
        self._vocab = None  # from build_vocab, before the first train()
        self._vocab_corpus = None
        self._update = None  # (corpus, trim_rule) from build_vocab(update=True), for the next train()
        self._loss_sum = 0.0
        if sentences is not None or corpus_file is not None:
            corpus = _one_corpus(sentences, corpus_file)
            self._run_training(corpus, epochs=epochs, callbacks=self.callbacks, fresh=True)

    def __repr__(self) -> str:
        return f"Word2Vec<vocab={len(self.wv)}, vector_size={self.vector_size}, alpha={self.alpha}>"

    # -- parameters -----------------------------------------------------------------------------------
    def _native_params(self) -> dict[str, Any]:
        return {
            "vector_size": self.vector_size,
            "window": self.window,
            "min_count": self.min_count,
            "max_vocab_size": self.max_vocab_size,
            "sample": self.sample,
            "negative": self.negative if self.negative else 5,
            "ns_exponent": self.ns_exponent,
            "loss": "hierarchical" if self.hs else "negative",
            "architecture": "skipgram" if self.sg else "cbow",
            "lr": self.alpha,
            "min_lr": min(self.min_alpha, self.alpha),
            "epochs": self.epochs,
            "workers": self.workers,
            "seed": self.seed,
            "batch_words": self.batch_words,
            "shrink_windows": self.shrink_windows,
            "progress": False,
            **self._growth_params(),
        }

    def _growth_params(self) -> dict[str, Any]:
        """trim_rule and max_final_vocab, passed only when set (they are newer native parameters)."""
        extra = {}
        if self.trim_rule is not None:
            extra["trim_rule"] = self.trim_rule
        if self.max_final_vocab is not None:
            extra["max_final_vocab"] = self.max_final_vocab
        return extra

    # -- vocabulary -----------------------------------------------------------------------------------
    def build_vocab(
        self,
        corpus_iterable: Iterable[Sequence[str]] | None = None,
        corpus_file: str | os.PathLike | None = None,
        update: bool = False,
        progress_per: int = 10000,
        keep_raw_vocab: bool = False,
        trim_rule: Any = None,
        **kwargs: Any,
    ) -> None:
        """Count the corpus and fix the vocabulary (``update=True``: grow it at the next ``train()``)."""
        if kwargs:
            raise ParameterError(f"build_vocab got unexpected arguments: {', '.join(sorted(kwargs))}")
        corpus = _one_corpus(corpus_iterable, corpus_file)
        if update:
            if self._native is None or not hasattr(self._native, "wv_"):
                raise RuntimeError(
                    "You cannot do an online vocabulary-update of a model which has no prior vocabulary. "
                    "First build the vocabulary of your model with a corpus before doing an online update."
                )
            self._update = (corpus, trim_rule)
            return
        from .vocab import Vocabulary

        rule = trim_rule if trim_rule is not None else self.trim_rule
        growth = {"trim_rule": rule} if rule is not None else {}
        if self.max_final_vocab is not None:
            growth["max_final_vocab"] = self.max_final_vocab
        counted = _CountingCorpus(corpus)
        self._vocab = Vocabulary.build(
            counted, min_count=self.min_count, max_vocab_size=self.max_vocab_size, **growth
        )
        self._vocab_corpus = corpus
        self.corpus_count, self.corpus_total_words = counted.sentences, self._vocab.raw_total
        rng = np.random.default_rng(self.seed)
        dim = self.vector_size
        start = ((rng.random((len(self._vocab), dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)
        self.wv = KeyedVectors(self._vocab.words, start, self._vocab.counts)

    def build_vocab_from_freq(
        self,
        word_freq: dict[str, int],
        keep_raw_vocab: bool = False,
        corpus_count: int | None = None,
        trim_rule: Any = None,
        update: bool = False,
    ) -> None:
        """The vocabulary from a ``{word: count}`` dict (min_count and max_vocab_size applied)."""
        from .vocab import Vocabulary

        if update:
            raise ParameterError(
                "build_vocab_from_freq(update=True) is not supported; use build_vocab(corpus, update=True)"
            )
        if trim_rule is not None:
            raise ParameterError(
                "build_vocab_from_freq(trim_rule=...) is not supported; filter the dict instead"
            )
        words = list(word_freq)
        self._vocab = Vocabulary.from_counts(
            words, np.array([word_freq[w] for w in words], dtype=np.int64),
            min_count=self.min_count, max_vocab_size=self.max_vocab_size,
        )  # fmt: skip
        self._vocab_corpus = None
        self.corpus_count = int(corpus_count or 0)
        self.corpus_total_words = self._vocab.raw_total
        self.wv = KeyedVectors(
            self._vocab.words, np.zeros((len(self._vocab), self.vector_size)), self._vocab.counts
        )

    # -- training -------------------------------------------------------------------------------------
    def train(
        self,
        corpus_iterable: Iterable[Sequence[str]] | None = None,
        corpus_file: str | os.PathLike | None = None,
        total_examples: int | None = None,
        total_words: int | None = None,
        epochs: int | None = None,
        start_alpha: float | None = None,
        end_alpha: float | None = None,
        word_count: int = 0,
        queue_factor: int = 2,
        report_delay: float = 1.0,
        compute_loss: bool = False,
        callbacks: Sequence[Any] = (),
        **kwargs: Any,
    ) -> tuple[int, int]:
        """Train on ``corpus_iterable`` or ``corpus_file``; returns (effective words, raw words).

        As in gensim, ``epochs`` and one of ``total_examples``/``total_words`` are required (skipgram
        measures the corpus itself, so their values only need to be given). A fitted or loaded model
        continues training (learning rate from ``start_alpha`` or ``alpha`` down to ``end_alpha`` or
        ``min_alpha`` again).
        """
        if kwargs:
            raise ParameterError(f"train got unexpected arguments: {', '.join(sorted(kwargs))}")
        if self._vocab is None and self._native is None:
            raise RuntimeError("you must first build vocabulary before training the model")
        if epochs is None:
            raise ValueError(
                "You must specify an explicit epochs count. The usual value is epochs=model.epochs."
            )
        if total_examples is None and total_words is None:
            raise ValueError(
                "You must specify either total_examples or total_words, for proper learning-rate and "
                "progress calculations. If you've just built the vocabulary using the same corpus, using the "
                "count cached "
                "in the model is sufficient: total_examples=model.corpus_count."
            )
        # gensim's train() keeps these for later calls, and uses only the callbacks passed to it.
        self.alpha = start_alpha or self.alpha
        self.min_alpha = end_alpha or self.min_alpha
        self.epochs = epochs
        self.compute_loss = bool(compute_loss)
        corpus = _one_corpus(corpus_iterable, corpus_file)
        return self._run_training(
            corpus, epochs=epochs, callbacks=tuple(callbacks), fresh=self._native is None,
            start_alpha=start_alpha, end_alpha=end_alpha,
        )  # fmt: skip

    def _run_training(self, corpus, *, epochs, callbacks, fresh, start_alpha=None, end_alpha=None):
        epoch_callbacks, chunk_callbacks, listeners = self._translate_callbacks(callbacks, epochs)
        self.running_training_loss = 0.0
        self._loss_sum = 0.0
        self._notify(listeners, "on_train_begin")
        self._notify(listeners, "on_epoch_begin")
        self._notify(listeners, "on_batch_begin")
        if fresh:
            params = self._native_params()
            params["epochs"] = int(epochs)
            if start_alpha is not None:
                params["lr"] = start_alpha
            if end_alpha is not None:
                params["min_lr"] = end_alpha
            self._native = _NativeWord2Vec(**params)
            fit_args: dict[str, Any] = {"callbacks": epoch_callbacks, "chunk_callbacks": chunk_callbacks}
            if self._vocab is not None and _accepts(self._native.fit, "vocabulary"):
                fit_args["vocabulary"] = self._vocab
                if self._vocab_corpus is not None and corpus is not self._vocab_corpus:
                    logger.info("training on another corpus than build_vocab counted, with that vocabulary")
            self._native.fit(corpus, **fit_args)
        else:
            update, self._update = self._update, None
            if update is not None and update[0] is not corpus:
                _differs(
                    "build_vocab(update=True) counts the corpus given to train(), "
                    "not the one given to build_vocab"
                )
            # gensim's train() after build_vocab(update=True) is a plain continuation: no blending
            more: dict[str, Any] = {"epochs": int(epochs), "new_words": update is not None, "blend": 0.0}
            if start_alpha is not None:
                more["lr"] = start_alpha
            if end_alpha is not None:
                self._native.set_params(min_lr=end_alpha)
            if update is not None and update[1] is not None:
                self._native.set_params(trim_rule=update[1])
            self._native.fit_more(corpus, callbacks=epoch_callbacks, chunk_callbacks=chunk_callbacks, **more)
        self._sync_from_native()
        self._notify(listeners, "on_train_end")
        log = self._native.training_log_[-int(epochs) :] if self._native.training_log_ else []
        effective = int(sum(e.get("effective_words", 0) for e in log))
        raw = int(sum(e.get("raw_words", 0) for e in log))
        return effective, raw

    def _translate_callbacks(self, callbacks, epochs):
        """gensim callback objects → native epoch and chunk callbacks (plain callables pass through)."""
        listeners, native_epoch = [], []
        for callback in callbacks:
            if any(hasattr(callback, event) for event in _CALLBACK_EVENTS):
                listeners.append(callback)
            elif callable(callback):
                native_epoch.append(callback)
            else:
                raise ParameterError(
                    f"callback {callback!r} is neither a gensim callback (on_epoch_end, ...) nor a callable "
                    "f(model, info)"
                )
        state = {"epoch_words": 0, "epochs_done": 0}

        def epoch_end(native, info) -> bool:
            if info["predictions"]:
                self._loss_sum += float(info["loss"]) * int(info["predictions"])
            self._native = native
            self._live_wv_stale = True
            if self.compute_loss:
                self.running_training_loss = self._loss_sum
            state["epochs_done"] += 1
            state["epoch_words"] = 0
            self._notify(listeners, "on_epoch_end")
            stop = any(bool(f(self, info)) for f in native_epoch)
            if not stop and state["epochs_done"] < epochs:
                self._notify(listeners, "on_epoch_begin")
                self._notify(listeners, "on_batch_begin")
            return stop

        def chunk_end(native, info) -> None:
            state["epoch_words"] += int(info["words"])
            self._native = native
            self._notify(listeners, "on_batch_end")
            per_epoch = int(getattr(native, "corpus_info_", {}).get("words", 0))
            if state["epoch_words"] < per_epoch:
                self._notify(listeners, "on_batch_begin")

        wants_batches = any(hasattr(c, "on_batch_begin") or hasattr(c, "on_batch_end") for c in listeners)
        return [epoch_end], ([chunk_end] if wants_batches else []), listeners

    def _notify(self, listeners, event: str) -> None:
        for callback in listeners:
            method = getattr(callback, event, None)
            if method is not None:
                method(self)

    def _sync_from_native(self) -> None:
        native = self._native
        self.wv = KeyedVectors._from_native(native.wv_)
        self._live_wv_stale = False
        self._vocab = None
        info = getattr(native, "corpus_info_", {})
        self.corpus_count = int(info.get("sentences", self.corpus_count))
        self.corpus_total_words = int(info.get("raw_words", self.corpus_total_words))
        if self.compute_loss:
            self.running_training_loss = self._loss_sum

    @property
    def wv(self) -> KeyedVectors:
        """The word vectors; inside a callback, a copy of the vectors trained so far."""
        if self._live_wv_stale:  # gensim's wv is live during training: show the current state
            native = self._native
            self._wv = KeyedVectors(
                native.vocab_.words, np.array(native.input_vectors_), native.vocab_.counts
            )
            self._live_wv_stale = False
        return self._wv

    @wv.setter
    def wv(self, value: KeyedVectors) -> None:
        self._wv = value

    def get_latest_training_loss(self) -> float:
        """Sum of the loss of every prediction of the latest ``train()`` (0.0 unless ``compute_loss``).

        Exact (float64) where gensim's float32 running sum saturates on large corpora.
        """
        return float(self.running_training_loss)

    # -- model arrays -------------------------------------------------------------------------------
    def _fitted(self) -> _NativeWord2Vec:
        if self._native is None or not hasattr(self._native, "output_vectors_"):
            raise ParameterError("this Word2Vec is not trained yet")
        return self._native

    @property
    def syn1neg(self) -> np.ndarray:
        """The output vectors W' (negative sampling)."""
        if self.hs:
            raise AttributeError("syn1neg exists only with negative sampling (hs=0); see syn1")
        return self._fitted().output_vectors_

    @property
    def syn1(self) -> np.ndarray:
        """The Huffman tree's inner-node vectors (hierarchical softmax)."""
        if not self.hs:
            raise AttributeError("syn1 exists only with hierarchical softmax (hs=1); see syn1neg")
        return self._fitted().output_vectors_

    @property
    def training_log(self) -> list[dict]:
        """skipgram's per-epoch record (loss per prediction, words/s, seconds)."""
        return list(self._fitted().training_log_)

    def predict_output_word(self, context_words_list: Sequence[str], topn: int = 10):
        """Probable centre words for a context: softmax of W'·mean(context), as gensim (negative
        sampling models only); None when no context word is known."""
        native = self._fitted()
        if self.hs:
            raise RuntimeError(
                "We have currently only implemented predict_output_word for the negative sampling scheme, "
                "so you need to have run word2vec with negative > 0 for this to work."
            )
        rows = [self.wv.key_to_index[w] for w in context_words_list if w in self.wv.key_to_index]
        if not rows:
            logger.warning("All the input context words are out-of-vocabulary for the current model.")
            return None
        hidden = native.input_vectors_[rows].astype(np.float64).sum(axis=0) / len(rows)
        scores = native.output_vectors_.astype(np.float64) @ hidden
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        best = np.argsort(-probabilities, kind="stable")[:topn]
        return [(self.wv.words[i], float(probabilities[i])) for i in best]

    # -- files ----------------------------------------------------------------------------------------
    def save(self, fname: str | os.PathLike, *args: Any, **kwargs: Any) -> None:
        """Save the whole model in skipgram's native format (never a pickle); :meth:`load` reads it."""
        if args or kwargs:
            _differs("save() ignores gensim's pickle options: the native format has none")
        self._fitted().save(fname)

    @classmethod
    def load(cls, fname: str | os.PathLike, *args: Any, **kwargs: Any) -> Word2Vec:
        """Load a model saved by :meth:`save`. gensim's own pickled models are refused with a hint to
        export their vectors (``model.wv.save_word2vec_format(path, binary=True)``)."""
        native = _NativeWord2Vec.load(fname)
        p = native.params_
        model = cls(
            vector_size=p["vector_size"], alpha=p["lr"], window=p["window"], min_count=p["min_count"],
            max_vocab_size=p["max_vocab_size"], sample=p["sample"], seed=p["seed"], workers=p["workers"],
            min_alpha=p["min_lr"], sg=int(p["architecture"] == "skipgram"),
            hs=int(p["loss"] == "hierarchical"),
            negative=0 if p["loss"] == "hierarchical" else p["negative"], ns_exponent=p["ns_exponent"],
            epochs=p["epochs"], batch_words=p["batch_words"], shrink_windows=p["shrink_windows"],
        )  # fmt: skip
        model._native = native
        model._loss_sum = 0.0
        model._sync_from_native()
        return model


def _accepts(method: Any, name: str) -> bool:
    import inspect

    return name in inspect.signature(method).parameters


class _CountingCorpus:
    """Wraps a corpus and counts the sentences of the last pass (gensim's ``corpus_count``)."""

    def __init__(self, corpus: Any):
        from .corpus import as_sentences

        self._sentences = as_sentences(corpus)
        self.sentences = 0

    def __iter__(self):
        self.sentences = 0
        for sentence in self._sentences:
            self.sentences += 1
            yield sentence


def _one_corpus(sentences: Any, corpus_file: Any) -> Any:
    if sentences is not None and corpus_file is not None:
        raise TypeError("You must not provide both corpus_iterable and corpus_file.")
    if sentences is None and corpus_file is None:
        raise TypeError("You must provide either corpus_iterable or corpus_file.")
    if corpus_file is not None:
        if not isinstance(corpus_file, (str, os.PathLike)):
            raise TypeError(
                f"Parameter corpus_file must be a valid path to a file, got {corpus_file!r} instead"
            )
        return os.fspath(corpus_file)
    if isinstance(sentences, str):
        raise TypeError(
            "sentences must be a list or a restartable iterable of token lists, not a string; "
            "pass a file name as corpus_file="
        )
    return sentences
