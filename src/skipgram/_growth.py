"""Growing a model: continued training on new text (with new words), starting from existing vectors,
and the vocabulary a run uses (given, read from a file, or counted with a trim rule).

``Word2Vec.fit_more`` continues a fitted model on another corpus. The vocabulary of the continuation is
the old one with counts combined (old + new) plus, unless ``new_words=False``, the words of the new
corpus that reach ``min_count`` there. It is re-sorted by the combined counts, as every vocabulary is,
and the rows of W and W' are permuted with it: a known word keeps its row values, maybe under another
id. New words get rows initialised like a new model (W uniform in [-0.5/D, 0.5/D) from the seed, W'
zero). Sampling tables are rebuilt from the combined counts by ``make_setup``. The continuation is an
ordinary run from epoch 0 with a fresh learning-rate schedule; its checkpoint records a fingerprint of
the model it continues (``continuation["base"]``), so resuming it after a crash refuses another base
and never restarts from scratch.

Hierarchical softmax ties W' to the Huffman tree of the counts: a continuation with it keeps the old
vocabulary and counts (``new_words=True`` is refused).

Training on new text alone forgets some of the old: the continued vectors of known words drift to what
the new text says (gensim's online training shows the same, measured in bench/results/). So at the end
of a continuation the known words' rows are blended with the model it started from (:func:`blend`):
``row = w * before + (1 - w) * after``, with ``w`` (default ``"auto"``) the share of the words the
model was trained on before this continuation, i.e. a weighted average of the stages, weighted by how
much text each saw. New words keep their trained rows. The weight is recorded as
``continuation_["blend"]``; ``blend=0`` keeps the plain continuation.
"""

from __future__ import annotations

import hashlib
import logging
import os
from typing import Any

import numpy as np

from ._setup import initial_matrices, output_rows
from .checkpoint import Checkpoint, TrainingState
from .errors import ParameterError
from .vocab import Vocabulary, _apply_trim_rule, load_stop_words

logger = logging.getLogger("skipgram.model")


# --- parameters that are objects --------------------------------------------------------------------
def describe_rule(rule: Any) -> str | None:
    """A stable name for a trim rule, for the saved parameters (the callable itself is not saved)."""
    if rule is None:
        return None
    describe = getattr(rule, "describe", None)
    if callable(describe):
        return str(describe())
    module = getattr(rule, "__module__", None) or type(rule).__module__
    name = getattr(rule, "__qualname__", None) or type(rule).__qualname__
    return f"{module}.{name}"


def describe_vectors(source: Any) -> str | None:
    """``init_vectors`` as saved in the parameters: the path, or a description of the object."""
    if source is None:
        return None
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return f"<{type(source).__name__}: {len(source)} words, {source.vector_size} dimensions>"


class WordListRule:
    """A trim rule from word lists: ``keep`` words are kept whatever their count, ``drop`` words dropped.

    Examples
    --------
    >>> rule = WordListRule(keep={"rare"}, drop={"the"})
    >>> rule("rare", 1, 5), rule("the", 100, 5), rule("cat", 9, 5)
    (2, 1, 0)
    """

    def __init__(self, keep=(), drop=(), *, sources: tuple[str, ...] = ()):
        self.keep, self.drop, self.sources = frozenset(keep), frozenset(drop), sources

    def __call__(self, word: str, count: int, min_count: int) -> int:
        from .vocab import RULE_DEFAULT, RULE_DISCARD, RULE_KEEP

        if word in self.drop:
            return RULE_DISCARD
        if word in self.keep:
            return RULE_KEEP
        return RULE_DEFAULT

    def describe(self) -> str:
        return f"word lists {', '.join(self.sources) or f'({len(self.keep)} kept, {len(self.drop)} dropped)'}"


def read_word_list(path: str | os.PathLike) -> list[str]:
    """Words from a file, one per line (or several per line, whitespace-separated)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().split()
    except OSError as exc:
        raise ParameterError(f"cannot read the word list {os.fspath(path)}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ParameterError(f"{os.fspath(path)}: not UTF-8 text near byte {exc.start}") from None


# --- the vocabulary of a fresh run ---------------------------------------------------------------
def given_vocabulary(vocabulary: Any, params: dict) -> Vocabulary:
    """``fit(vocabulary=...)``: a Vocabulary or a vocabulary file, pruned with the run's parameters."""
    if isinstance(vocabulary, (str, os.PathLike)):
        vocabulary = Vocabulary.load(vocabulary)
    if not isinstance(vocabulary, Vocabulary):
        raise ParameterError(
            "The 'vocabulary' argument of fit must be a skipgram.vocab.Vocabulary or the path of a "
            f"'word count' vocabulary file; got {type(vocabulary).__name__}."
        )
    return Vocabulary.from_counts(
        vocabulary.words,
        vocabulary.counts,
        min_count=params["min_count"],
        max_vocab_size=params["max_vocab_size"],
        stop_words=params["stop_words"],
        raw_total=vocabulary.raw_total,
        max_final_vocab=params.get("max_final_vocab"),
    )


# --- starting from existing vectors ----------------------------------------------------------------
def load_init_vectors(source: Any):
    """``init_vectors`` as KeyedVectors: the object itself, or a file in any format we read."""
    from .vectors import KeyedVectors

    if isinstance(source, KeyedVectors):
        return source
    if isinstance(source, (str, os.PathLike)):
        from . import formats

        try:
            return formats.read(source, mmap=True)
        except OSError as exc:
            raise ParameterError(f"cannot read init_vectors {os.fspath(source)}: {exc}") from None
    raise ParameterError(
        "The 'init_vectors' parameter of Word2Vec must be None, a KeyedVectors or the path of a vectors "
        f"file (native, word2vec .bin/.txt/.vec, .gz); got {type(source).__name__}."
    )


def seeded_start(source: Any, lock: bool, params: dict, vocab: Vocabulary) -> Checkpoint:
    """A fresh run's starting point with W's rows of the words ``source`` shares set from it.

    W' is zero as in a new model. With ``lock`` the shared rows get lock factor 0 (never updated).
    """
    vectors = load_init_vectors(source)
    dim = params["vector_size"]
    if vectors.vector_size != dim:
        raise ParameterError(
            f"init_vectors {describe_vectors(source)} has {vectors.vector_size} dimensions but "
            f"vector_size is {dim}; use vector_size={vectors.vector_size} or other vectors"
        )
    w_in, w_out = initial_matrices(len(vocab), dim, params["seed"], output_rows(len(vocab), params["loss"]))
    index = vectors.index if callable(getattr(vectors, "index", None)) else None
    rows = np.fromiter((_find(vectors, w, index) for w in vocab.words), dtype=np.int64, count=len(vocab))
    shared = rows >= 0
    w_in[shared] = np.asarray(vectors.vectors, dtype=np.float32)[rows[shared]]
    logger.info(
        "init_vectors: %d of %d vocabulary words start from %s%s",
        int(shared.sum()), len(vocab), describe_vectors(source), " (locked)" if lock else "",
    )  # fmt: skip
    lock_factor = np.where(shared, 0.0, 1.0).astype(np.float32) if lock else None
    return Checkpoint(params, vocab, w_in, w_out, TrainingState(), {}, lock_factor=lock_factor)


def _find(vectors, word: str, index) -> int:
    if word not in vectors:
        return -1
    return int(index(word))


# --- continuing a fitted model --------------------------------------------------------------------
def _log_words(training_log: list[dict]) -> int:
    """Corpus words trained over the epochs of a training log."""
    return sum(int(entry.get("words", 0)) for entry in training_log)


def words_trained(model) -> int:
    """Corpus words the model was trained on over its whole history, earlier continuations included."""
    own = _log_words(getattr(model, "training_log_", []))
    continuation = getattr(model, "continuation_", None) or {}
    before = continuation.get("words_before")
    if before is None:  # a continuation saved before "words_before" was recorded: its base's own epochs
        before = _log_words(continuation.get("base_training_log", []))
    return own + int(before)  # checked when loaded (checkpoint._continuation_from)


def check_blend(blend: Any) -> float | str:
    """``"auto"`` or a float in [0, 1] (``None`` means ``0.0``: no blending)."""
    from ._validation import NONE, Interval, Options, validate_params

    allowed = [Options(("auto",)), Interval(float, 0.0, 1.0), NONE]
    validate_params({"blend": blend}, {"blend": allowed}, "fit_more")
    return 0.0 if blend is None else blend if blend == "auto" else float(blend)


class Base:
    """What :func:`blend` needs of the model a continuation starts from (references, no copies: the
    continuation trains new matrices, so these stay as they were)."""

    def __init__(self, model) -> None:
        self.vocab = model.vocab_
        self.input_vectors = model.input_vectors_
        self.output_vectors = model.output_vectors_
        self.words = words_trained(model)


def blend(model, base: Base, weight: float | str) -> float:
    """Blend the known words' rows of ``model`` (just continued from ``base``) with ``base``'s rows.

    Returns the weight of ``base`` used: ``"auto"`` takes the share of ``base``'s words trained in the
    two together (this continuation's epochs from ``model.training_log_``).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> before = NS(vocab_=Vocabulary(["a"], np.array([3]), 3), input_vectors_=np.ones((1, 2), np.float32),
    ...             output_vectors_=np.ones((1, 2), np.float32), training_log_=[{"words": 30}])
    >>> after = NS(vocab_=Vocabulary(["a", "b"], np.array([5, 2]), 7), params_={"loss": "negative"},
    ...            input_vectors_=np.full((2, 2), 3, np.float32),
    ...            output_vectors_=np.zeros((2, 2), np.float32), training_log_=[{"words": 10}])
    >>> blend(after, Base(before), "auto"), after.input_vectors_.tolist()
    (0.75, [[1.5, 1.5], [3.0, 3.0]])
    """
    now = _log_words(model.training_log_)
    if weight == "auto":
        weight = base.words / (base.words + now) if base.words + now > 0 else 0.0
    weight = float(weight)
    if weight == 0.0:
        return weight
    source = np.fromiter(
        (base.vocab.index.get(w, -1) for w in model.vocab_.words), np.int64, len(model.vocab_)
    )
    known = np.flatnonzero(source >= 0)
    # before + (1 - w) * (after - before): a row that did not move (a locked one) stays bit-identical
    take = np.float32(1.0 - weight)
    w_in, earlier = model.input_vectors_, base.input_vectors[source[known]]
    w_in[known] = earlier + take * (w_in[known] - earlier)
    w_out = model.output_vectors_
    if model.params_["loss"] == "hierarchical":  # same vocabulary, same tree: W' rows correspond
        if w_out.shape == base.output_vectors.shape:
            w_out[:] = base.output_vectors + take * (w_out - base.output_vectors)
    else:
        earlier = base.output_vectors[source[known]]
        w_out[known] = earlier + take * (w_out[known] - earlier)
    return weight


def fingerprint(model) -> dict:
    """What identifies the model a continuation starts from (vocabulary, W, epochs trained)."""
    vocab = model.vocab_
    digest = hashlib.sha256()
    digest.update("\n".join(vocab.words).encode("utf-8", "surrogatepass"))
    digest.update(np.ascontiguousarray(vocab.counts, dtype="<i8").tobytes())
    words_sha = digest.hexdigest()[:16]
    w_sha = hashlib.sha256(np.ascontiguousarray(model.input_vectors_, dtype="<f4").tobytes()).hexdigest()[:16]
    return {
        "words": len(vocab),
        "vocab_sha256": words_sha,
        "w_sha256": w_sha,
        "epochs": len(model.training_log_),
    }


def continuation_params(model, current: dict, epochs: int | None, lr: float | None) -> dict:
    """The continuation's parameters: the model's, with this run's epochs, rate and runtime settings."""
    saved = model.params_
    fixed = ("vector_size", "loss", "architecture")
    changed = [f"{k}={current[k]!r} (trained with {saved[k]!r})" for k in fixed if current[k] != saved.get(k)]
    if changed:
        raise ParameterError(
            f"fit_more continues the model as trained; these parameters changed: {', '.join(changed)}"
        )
    params = dict(current)
    if epochs is not None:
        from ._validation import Interval, validate_params

        validate_params({"epochs": epochs}, {"epochs": [Interval(int, 1, None)]}, "fit_more")
        params["epochs"] = epochs
    start = saved["lr"] if lr is None else lr
    if lr is not None:
        from ._validation import Interval, validate_params

        validate_params({"lr": lr}, {"lr": [Interval(float, 0.0, 10.0, closed="right")]}, "fit_more")
    params["lr"] = float(start)
    params["min_lr"] = min(float(saved.get("min_lr", start * 1e-4)), float(start))
    if lr is not None and model.min_lr is None:
        params["min_lr"] = float(start) * 1e-4
    return params


def start_continuation(model, params: dict, sentences: Any, new_words: bool, trim_rule) -> Checkpoint:
    """The continuation's starting point: combined vocabulary, grown and permuted matrices."""
    old = model.vocab_
    hierarchical = params["loss"] == "hierarchical"
    if hierarchical and new_words:
        raise ParameterError(
            "fit_more with loss='hierarchical' cannot add words (W' belongs to the Huffman tree of the old "
            "counts); use new_words=False (--no-new-words), which keeps the vocabulary and its counts"
        )
    seen = Vocabulary.build(sentences, min_count=1)
    if hierarchical:
        vocab = old
    else:
        vocab = combined_vocabulary(old, seen, params, new_words, trim_rule)
    w_in, w_out, lock = grow_rows(model, old, vocab, params)
    added = len(vocab) - len(old)
    logger.info(
        "continuing: %d known words (counts combined) and %d new ones from %d new tokens",
        len(old), added, seen.raw_total,
    )  # fmt: skip
    continuation = {
        "base": fingerprint(model),
        "base_training_log": list(model.training_log_),
        "base_corpus": dict(getattr(model, "corpus_info_", {})),
        "new_words": added,
        "words_before": words_trained(model),
        "earlier": list((getattr(model, "continuation_", None) or {}).get("earlier", []))
        + ([_summary(model.continuation_)] if getattr(model, "continuation_", None) else []),
    }
    return Checkpoint(
        params, vocab, w_in, w_out, TrainingState(), {}, continuation=continuation, lock_factor=lock
    )


def _summary(continuation: dict) -> dict:
    return {k: continuation[k] for k in ("base", "base_corpus", "new_words") if k in continuation}


def combined_vocabulary(
    old: Vocabulary, seen: Vocabulary, params: dict, new_words: bool, trim_rule
) -> Vocabulary:
    """Old words with old + new counts, plus new words that pass min_count/trim_rule/stop words.

    ``max_vocab_size`` and ``max_final_vocab`` cap the total: old words are never dropped, so at most
    ``cap - len(old)`` new words (the most frequent) are added.

    Examples
    --------
    >>> old = Vocabulary(["a", "b"], np.array([5, 3]), 8)
    >>> seen = Vocabulary(["c", "b", "d"], np.array([4, 2, 1]), 7)
    >>> params = {"min_count": 2, "stop_words": None, "max_vocab_size": None, "max_final_vocab": None}
    >>> v = combined_vocabulary(old, seen, params, True, None)
    >>> v.words, v.counts.tolist(), v.raw_total
    (['a', 'b', 'c'], [5, 5, 4], 15)
    >>> combined_vocabulary(old, seen, params, False, None).words
    ['a', 'b']
    """
    counts = old.counts.copy()
    new_list, new_counts = [], []
    for word, count in zip(seen.words, seen.counts.tolist(), strict=True):
        i = old.index.get(word)
        if i is not None:
            counts[i] += count
        elif new_words:
            new_list.append(word)
            new_counts.append(count)
    new_arr = np.asarray(new_counts, dtype=np.int64)
    keep = new_arr >= params["min_count"]
    if trim_rule is not None and new_list:
        keep = _apply_trim_rule(trim_rule, new_list, new_arr, params["min_count"], keep)
    stop = load_stop_words(params["stop_words"])
    if stop and new_list:
        keep &= np.fromiter((w not in stop for w in new_list), dtype=bool, count=len(new_list))
    kept = np.flatnonzero(keep)
    caps = [c for c in (params.get("max_vocab_size"), params.get("max_final_vocab")) if c is not None]
    if caps:
        room = max(0, min(caps) - len(old))
        order = sorted(kept.tolist(), key=lambda i: (-new_counts[i], new_list[i]))
        kept = np.asarray(order[:room], dtype=np.int64)
    words = old.words + [new_list[i] for i in kept]
    all_counts = np.concatenate([counts, new_arr[kept] if kept.size else np.zeros(0, np.int64)])
    return Vocabulary.from_counts(words, all_counts, min_count=1, raw_total=old.raw_total + seen.raw_total)


def grow_rows(model, old: Vocabulary, vocab: Vocabulary, params: dict):
    """W, W' (and the lock factor) for ``vocab``: known words' rows moved to their new ids, new rows fresh."""
    dim = params["vector_size"]
    n_out = output_rows(len(vocab), params["loss"])
    w_in, w_out = initial_matrices(len(vocab), dim, params["seed"], n_out)
    source = np.fromiter((old.index.get(w, -1) for w in vocab.words), dtype=np.int64, count=len(vocab))
    known = np.flatnonzero(source >= 0)
    w_in[known] = model.input_vectors_[source[known]]
    if params["loss"] == "hierarchical":
        w_out[:] = model.output_vectors_  # same vocabulary, same tree
    else:
        w_out[known] = model.output_vectors_[source[known]]
    lock = None
    old_lock = getattr(model, "lock_factor_", None)
    if old_lock is not None:
        lock = np.ones(len(vocab), dtype=np.float32)
        lock[known] = old_lock[source[known]]
    return w_in, w_out, lock


def check_continuation_checkpoint(resumed: Checkpoint, model, path) -> None:
    """Resuming ``fit_more``: the checkpoint must be a continuation of this very model."""
    if resumed.continuation is None:
        raise ParameterError(
            f"checkpoint {os.fspath(path)} is not a continuation (it was written by fit): resume it with "
            "fit, or give fit_more another checkpoint path"
        )
    base, mine = resumed.continuation.get("base"), fingerprint(model)
    if base != mine:
        raise ParameterError(
            f"checkpoint {os.fspath(path)} continues another model ({base}); this model is {mine}: "
            "resume it from the model it continues, or give fit_more another checkpoint path"
        )
