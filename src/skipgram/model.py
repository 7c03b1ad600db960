"""``Word2Vec``: the estimator. Parameters in, ``fit(corpus)``, vectors out.

The model owns the schedule around training — vocabulary and corpus encoding, sampling tables, parameter
initialisation, epochs, learning-rate decay, progress, loss reporting, callbacks, checkpoints — and hands
the training step to an engine from :mod:`skipgram.engines` (numba threads by default, PyTorch with
``backend="torch"``, wrapped by the distributed engine under ``torchrun``). It follows the
scikit-learn contract: ``__init__`` only stores parameters, ``fit`` validates them and returns ``self``,
learned state ends in ``_``.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import _growth
from ._dist_env import is_main_process
from ._fingerprint import check_same_corpus, corpus_summary
from ._fit_checks import check_fit_request
from ._memory import release_free_memory
from ._params import (
    DEFAULT_LR,
    MIN_LR_FACTOR,
    PARAMETER_CONSTRAINTS,
    TRAINING_KEYS,
    check_consistency,
    training_differences,
)
from ._progress import TrainingMonitor, deferred_interrupt, describe_position
from ._setup import make_setup
from ._validation import validate_params
from .checkpoint import Checkpoint, TrainingState, load_checkpoint, save_checkpoint
from .engines import get_engine, make_backend
from .errors import CorpusError, ParameterError, TrainingError
from .vocab import Vocabulary

logger = logging.getLogger(__name__)

EpochCallback = Callable[["Word2Vec", dict], Any]
ChunkCallback = Callable[["Word2Vec", dict], Any]


class Word2Vec:
    """Learn word vectors with word2vec (skip-gram or CBOW).

    Parameters
    ----------
    vector_size : int, default 100
        Dimension D of the vectors.
    window : int, default 5
        Maximum distance m between a centre word and a context word (each side).
    min_count : int, default 5
        Words rarer than this are dropped before training.
    max_vocab_size : int or None
        Keep only this many of the most frequent words.
    sample : float, default 1e-3
        Subsampling threshold t: a word of frequency f is kept with probability (sqrt(f/t) + 1)·t/f.
        0 disables subsampling.
    negative : int, default 5
        Noise words per prediction (``loss="negative"``).
    ns_exponent : float, default 0.75
        Noise words are drawn from count**ns_exponent.
    loss : {"negative", "softmax", "hierarchical"}
        Negative sampling (fast, default); the exact softmax over the whole vocabulary with cross-entropy
        (O(V) per pair: for small vocabularies and for teaching); hierarchical softmax (Huffman tree).
    architecture : {"skipgram", "cbow"}
    lr : float or None
        Initial learning rate; default 0.025 for skip-gram, 0.05 for CBOW. Decays linearly to ``min_lr``
        over all words of all epochs.
    min_lr : float or None
        Final learning rate; default ``lr * 1e-4`` (the C tool's floor).
    epochs : int, default 5
    workers : int or None
        Training threads; default all cores. ``workers=1`` with a fixed ``seed`` is bit-reproducible.
    seed : int, default 1
    output : {"input", "average"}
        The vectors you get: W (input vectors), or the average of W and W' (not for hierarchical softmax).
    max_sentence_length : int, default 10000
        Longer lines are split into pieces of this many words (none is dropped).
    stop_words : None, "english" or iterable of str
        Words removed from the vocabulary before training.
    batch_words : int, default 10000
        Words per chunk handed to a worker thread.
    shrink_windows : bool, default True
        Dynamic window: each centre word uses a window drawn uniformly from [1, window].
    shared_negatives : bool, default True
        Skip-gram with negative sampling draws one set of noise words per window and trains the window
        as small dense products (about twice as fast); False draws noise words per pair (the C tool).
    backend : {"numba", "torch"}
        The numba CPU trainer, or the PyTorch trainer (GPU; ``pip install 'skipgram[torch]'``).
    device : str or None
        Torch device (``"cuda"``, ``"cpu"``...); default CUDA when present.
    batch_size : int or None
        Pairs per minibatch for ``loss="softmax"`` (default 256) and for the torch backend
        (default 4096; larger batches need a smaller lr).
    allow_slow_softmax : bool, default False
        Train the full softmax even when the cost model predicts more than an hour per epoch.
    cache_dir : path or None
        Folder for the encoded corpus (memory-mapped); default the system's temporary folder.
    progress : bool, default True
        Show a progress bar (tqdm) on stderr.
    block_words : int or None
        Torch engine: corpus words per pair-generation block; default the engine's choice (by device).
    row_cap : float or None
        Torch engine: cap on the summed updates one row takes per minibatch (opt-in; default no cap).
    precision : {"float32", "bf16"}, default "float32"
        Torch engine: "bf16" computes the full softmax's logits in bfloat16 (on CUDA only).
    sync_words : int, default 16384
        Under ``torchrun``: local corpus words each process trains between two synchronisations (a round).
    sync_hot_rows : int, default 16384
        Under ``torchrun``: the most frequent rows of W and W' are combined at every round's end.
    sync_tail_rounds : int, default 64
        Under ``torchrun``: the other rows are cut into this many blocks, one combined per round, so each
        row at least every ``sync_tail_rounds`` rounds; every row at each epoch's end and before a
        checkpoint. 1 combines every row every round.
    sync_combine : {"sum", "touched", "damped", "average"}, default "sum"
        Under ``torchrun``: a row gets the ranks' summed changes since the last combination ("sum",
        measured best), that sum divided by the ranks that moved it ("touched"), a damped sum
        ("damped"), or their mean ("average", the parameters' mean: a rank's update counts 1/N).
    sync_precision : {"fp32", "bf16", "fp16"}, default "bf16"
        Under ``torchrun``: the number format of the changes on the wire.
    sync_mean_rows : int, default 256
        Under ``torchrun``: the rows of this many most frequent words get the mean of the ranks' changes
        instead of the sum (every rank moves them the same way; summed they overshoot).
    phrases : Phrases, path or None
        Join learned phrases ("new_york") on the fly while reading the corpus: a fitted
        :class:`skipgram.phrases.Phrases` or the path of one saved with ``Phrases.save``.
    trim_rule : callable or None
        gensim's vocabulary rule ``rule(word, count, min_count)`` returning ``skipgram.vocab.RULE_KEEP``,
        ``RULE_DISCARD`` or ``RULE_DEFAULT`` (let ``min_count`` decide). Not saved with the model (its name
        is).
    max_final_vocab : int or None
        Raise ``min_count`` to the smallest value that leaves at most this many words (gensim's rule).
    init_vectors : KeyedVectors, path or None
        Start W from these vectors for the words they share with the vocabulary (any format
        ``skipgram`` reads: native, word2vec .bin/.txt/.vec, .gz); same dimension required. W' starts at
        zero, other rows as in a new model.
    lock_init : bool, default False
        Keep the rows set from ``init_vectors`` fixed during training (a per-row learning-rate factor of 0,
        gensim's ``vectors_lockf``); numba engine only.
    piece_words : int, default 1024
        CUDA engine: corpus words per thread block (windows stop at a piece's cut).
    threads_per_block : int, default 64
        CUDA engine: threads of one thread block.
    pieces_per_launch : int, default 4096
        CUDA engine: pieces per kernel launch (one progress report and safe position per launch).

    A parameter that only some engines use (``device``, ``block_words``, ``row_cap``, ``precision``) must
    keep its default with another ``backend``. The ``sync_*`` parameters apply to every engine under
    ``torchrun`` (which wraps the chosen engine) and change nothing in a single process.
    ``skipgram._params`` holds the table of all of them.

    Examples
    --------
    >>> from skipgram import Word2Vec
    >>> sentences = [["the", "cat", "sat", "on", "the", "mat"]] * 50
    >>> model = Word2Vec(vector_size=16, min_count=1, epochs=2, workers=1, progress=False).fit(sentences)
    >>> model.wv_["cat"].shape
    (16,)
    >>> len(model.loss_history_)
    2
    """

    def __init__(
        self,
        *,
        vector_size: int = 100,
        window: int = 5,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        sample: float = 1e-3,
        negative: int = 5,
        ns_exponent: float = 0.75,
        loss: str = "negative",
        architecture: str = "skipgram",
        lr: float | None = None,
        min_lr: float | None = None,
        epochs: int = 5,
        workers: int | None = None,
        seed: int = 1,
        output: str = "input",
        max_sentence_length: int = 10000,
        stop_words: str | Iterable[str] | None = None,
        batch_words: int = 10000,
        shrink_windows: bool = True,
        shared_negatives: bool = True,
        backend: str = "numba",
        device: str | None = None,
        batch_size: int | None = None,
        allow_slow_softmax: bool = False,
        cache_dir: str | os.PathLike | None = None,
        progress: bool = True,
        block_words: int | None = None,
        row_cap: float | None = None,
        precision: str = "float32",
        sync_words: int = 2**14,
        sync_hot_rows: int = 16384,
        sync_tail_rounds: int = 64,
        sync_combine: str = "sum",
        sync_precision: str = "bf16",
        sync_mean_rows: int = 256,
        phrases: Any = None,
        trim_rule: Callable[[str, int, int], int] | None = None,
        max_final_vocab: int | None = None,
        init_vectors: Any = None,
        lock_init: bool = False,
        piece_words: int = 1024,
        threads_per_block: int = 64,
        pieces_per_launch: int = 4096,
    ):
        self.vector_size = vector_size
        self.window = window
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.sample = sample
        self.negative = negative
        self.ns_exponent = ns_exponent
        self.loss = loss
        self.architecture = architecture
        self.lr = lr
        self.min_lr = min_lr
        self.epochs = epochs
        self.workers = workers
        self.seed = seed
        self.output = output
        self.max_sentence_length = max_sentence_length
        self.stop_words = stop_words
        self.batch_words = batch_words
        self.shrink_windows = shrink_windows
        self.shared_negatives = shared_negatives
        self.backend = backend
        self.device = device
        self.batch_size = batch_size
        self.allow_slow_softmax = allow_slow_softmax
        self.cache_dir = cache_dir
        self.progress = progress
        self.block_words = block_words
        self.row_cap = row_cap
        self.precision = precision
        self.sync_words = sync_words
        self.sync_hot_rows = sync_hot_rows
        self.sync_tail_rounds = sync_tail_rounds
        self.sync_combine = sync_combine
        self.sync_precision = sync_precision
        self.sync_mean_rows = sync_mean_rows
        self.phrases = phrases
        self.trim_rule = trim_rule
        self.max_final_vocab = max_final_vocab
        self.init_vectors = init_vectors
        self.lock_init = lock_init
        self.piece_words = piece_words
        self.threads_per_block = threads_per_block
        self.pieces_per_launch = pieces_per_launch

    # --- parameters ----------------------------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters as a dict (scikit-learn style)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Word2Vec:
        for name, value in params.items():
            if name not in self._param_names():
                raise ParameterError(f"Word2Vec has no parameter {name!r}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            n: p.default for n, p in inspect.signature(type(self).__init__).parameters.items() if n != "self"
        }
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if v != defaults.get(k)]
        return f"Word2Vec({', '.join(changed)})"

    def _resolved_params(self) -> dict[str, Any]:
        params = self.get_params()
        if isinstance(params["stop_words"], Iterable) and not isinstance(params["stop_words"], str):
            params["stop_words"] = sorted(params["stop_words"])
        validate_params(params, PARAMETER_CONSTRAINTS, "Word2Vec")
        check_consistency(params)
        if params["lr"] is None:
            params["lr"] = DEFAULT_LR[params["architecture"]]
        if params["min_lr"] is None:
            params["min_lr"] = params["lr"] * MIN_LR_FACTOR
        if params["workers"] is None:
            params["workers"] = _available_cores()
        if params["batch_size"] is None:
            params["batch_size"] = get_engine(params["backend"]).capabilities.default_batch_size
        if params["cache_dir"] is not None:
            params["cache_dir"] = os.fspath(params["cache_dir"])
        # Objects are saved by name (the parameters go into JSON); the run reads them from the model.
        params["trim_rule"] = _growth.describe_rule(params["trim_rule"])
        params["init_vectors"] = _growth.describe_vectors(params["init_vectors"])
        return params

    # --- training ------------------------------------------------------------------------------
    def fit(
        self,
        corpus: Any,
        *,
        vocabulary: Any = None,
        checkpoint: str | os.PathLike | None = None,
        checkpoint_interval: float = 600.0,
        callbacks: Sequence[EpochCallback] = (),
        chunk_callbacks: Sequence[ChunkCallback] = (),
    ) -> Word2Vec:
        """Build the vocabulary from ``corpus`` and train.

        Parameters
        ----------
        corpus : path, list of paths, LineCorpus, or restartable iterable of token lists
            Read twice at most (vocabulary + encoding happen in one pass, then training runs on the
            encoded ids).
        vocabulary : Vocabulary or path, optional
            Train with this vocabulary (a :class:`~skipgram.vocab.Vocabulary`, or a ``word count`` file
            as written by :meth:`Vocabulary.save` or ``word2vec -save-vocab``) instead of counting;
            ``min_count``, ``max_vocab_size``, ``max_final_vocab`` and ``stop_words`` still apply to its
            counts.
        checkpoint : path, optional
            Save both matrices, vocabulary, parameters and position here every ``checkpoint_interval``
            seconds, at each epoch end and on Ctrl-C. If the file exists, training resumes from it.
        callbacks : sequence of callables ``f(model, info) -> bool``
            Called after each epoch with the epoch's record (loss, speed...); return True to stop.
        chunk_callbacks : sequence of callables ``f(model, info)``
            Called after each chunk of about ``batch_words`` words is trained, in the thread that
            runs ``fit``, with ``info`` = words, effective_words, loss_sum, predictions of that chunk
            (the hook behind gensim's ``on_batch_end`` in :mod:`skipgram.gensim`). Keep them cheap.

        Returns
        -------
        self

        A fit that fails (bad input, a diverged run) leaves the model's fitted attributes as they were.
        """
        params = self._resolved_params()
        check_fit_request(params, corpus, checkpoint, checkpoint_interval)
        phrases = params.pop("phrases")  # an object, not a JSON value: kept out of saved parameters
        if phrases is not None:  # phrases joined while scanning: no phrased copy of the corpus
            from .phrases import PhrasedCorpus, phrases_from
            from .reading import as_sentences

            sentences = as_sentences(corpus, max_sentence_length=params["max_sentence_length"])
            corpus = PhrasedCorpus(sentences, phrases_from(phrases))
        with _restored_on_failure(self):
            run = _Run.prepare(self, params, corpus, checkpoint, checkpoint_interval, vocabulary=vocabulary)
            try:
                run.train(callbacks, chunk_callbacks)
            finally:
                run.close()
        return self

    def fit_more(
        self,
        corpus: Any,
        *,
        epochs: int | None = None,
        new_words: bool = True,
        lr: float | None = None,
        blend: float | str | None = "auto",
        checkpoint: str | os.PathLike | None = None,
        checkpoint_interval: float = 600.0,
        callbacks: Sequence[EpochCallback] = (),
        chunk_callbacks: Sequence[ChunkCallback] = (),
    ) -> Word2Vec:
        """Continue training this fitted (or loaded) model on another corpus.

        Word counts are combined (old + new) and the vocabulary re-sorted by them; words of ``corpus``
        that reach ``min_count`` there join it (unless ``new_words=False``) with rows initialised like a
        new model's. Known words keep their rows (their ids may change with the new order: the rows
        move with them). Sampling tables are rebuilt from the combined counts, and the learning rate
        restarts from ``lr`` (default: the model's starting rate) and decays over this run's ``epochs``
        (default: the model's). With ``loss="hierarchical"`` only ``new_words=False`` is possible, and
        the vocabulary and counts stay as they were (the Huffman tree defines W').

        Training on the new text alone forgets part of the old, so at the end the known words' rows
        of W and W' are blended with this model's: ``blend * before + (1 - blend) * after``.
        ``blend="auto"`` (default) weighs the two by the words each was trained on (the whole
        history before, this run's epochs now), which on the 17M-token benchmark brought the
        continued model from 6.6 to about 1 analogy point of one trained on the whole text (README);
        ``blend=0`` keeps the plain continuation (gensim's behaviour). The weight used is recorded in
        ``continuation_["blend"]``; callbacks and checkpoints during the run see the unblended rows.

        ``checkpoint``, ``callbacks`` and ``chunk_callbacks`` work as in :meth:`fit`: if the checkpoint
        file exists (a checkpoint of a continuation of this very model), training resumes from it.

        Examples
        --------
        >>> model = Word2Vec(vector_size=8, min_count=1, sample=0, epochs=1, workers=1, progress=False)
        >>> _ = model.fit([["the", "cat", "sat"]] * 20)
        >>> _ = model.fit_more([["the", "dog", "sat"]] * 20)
        >>> "dog" in model.wv_, int(model.vocab_.counts[model.vocab_.id("the")])
        (True, 40)
        """
        _require_fitted(self)
        params = _growth.continuation_params(self, self._resolved_params(), epochs, lr)
        weight = _growth.check_blend(blend)
        base = _growth.Base(self)
        with _restored_on_failure(self):
            run = _Run.prepare(
                self, params, corpus, checkpoint, checkpoint_interval, grow={"new_words": bool(new_words)}
            )
            try:
                run.train(callbacks, chunk_callbacks)
            finally:
                run.close()
            used = _growth.blend(self, base, weight)
            self.continuation_ = {**(self.continuation_ or {}), "blend": used}
            if used:  # the rows changed: the vectors run.train made are stale
                logger.info(
                    "blended the known words' vectors with the model before the continuation: %.3f of "
                    "the earlier (%d words trained before)", used, base.words,
                )  # fmt: skip
                self.wv_ = self._vectors(self.params_)
        return self

    def estimate_memory(
        self, vocab_size: int | None = None, corpus_words: int | None = None
    ) -> dict[str, int]:
        """Bytes that training needs, by component (gensim's ``estimate_memory``).

        ``vocab_size`` defaults to the fitted vocabulary's; ``corpus_words`` (ids kept for training)
        adds the encoded corpus when it is held in memory. Keys: ``"W"``, ``"W'"``, ``"tables"``
        (counts, subsampling, noise and alias tables), ``"huffman"`` (hierarchical softmax),
        ``"vocabulary"`` (words and their index), ``"corpus"``, ``"total"``.

        Examples
        --------
        >>> Word2Vec(vector_size=100).estimate_memory(vocab_size=1000)["W"]
        400000
        """
        from ._estimate import estimate_memory

        if vocab_size is None:
            if not hasattr(self, "vocab_"):
                raise ParameterError("estimate_memory needs vocab_size (or a fitted model)")
            vocab_size = len(self.vocab_)
        params = self._resolved_params()
        return estimate_memory(params, int(vocab_size), corpus_words)

    def _vectors(self, params):
        from .vectors import KeyedVectors

        vectors = self.input_vectors_
        if params["output"] == "average":
            vectors = (self.input_vectors_ + self.output_vectors_) / np.float32(2.0)
        metadata = {
            "params": {k: v for k, v in params.items() if k in TRAINING_KEYS},
            "training_log": self.training_log_,
            "loss_curve": self.loss_curve_,
        }
        return KeyedVectors(self.vocab_.words, vectors, counts=self.vocab_.counts, metadata=metadata)

    # --- persistence ---------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Save the whole model (both matrices, vocabulary, parameters, training log) to one file.

        The file is a checkpoint at the end of training: ``Word2Vec.load`` reads it back, and
        ``fit(corpus, checkpoint=path)`` with more ``epochs`` would continue from it.
        """
        _require_fitted(self)
        state = TrainingState(
            epoch=len(self.training_log_), position=0, training_log=self.training_log_,
            loss_curve=self.loss_curve_,
        )  # fmt: skip
        corpus_info = getattr(self, "corpus_info_", {})
        save_checkpoint(
            path,
            Checkpoint(
                self.params_, self.vocab_, self.input_vectors_, self.output_vectors_, state, corpus_info,
                getattr(self, "continuation_", None), getattr(self, "lock_factor_", None),
            ),
        )  # fmt: skip

    @classmethod
    def load(cls, path: str | os.PathLike) -> Word2Vec:
        """Load a model saved with :meth:`save` (or a training checkpoint)."""
        ck = load_checkpoint(path)
        names = set(cls._param_names())
        model = cls(**{k: v for k, v in ck.params.items() if k in names})
        model.params_ = ck.params
        model.vocab_ = ck.vocab
        model.input_vectors_ = ck.input_vectors
        model.output_vectors_ = ck.output_vectors
        model.training_log_ = ck.state.training_log
        model.loss_curve_ = ck.state.loss_curve
        model.corpus_info_ = ck.corpus
        model.continuation_ = ck.continuation
        model.lock_factor_ = ck.lock_factor
        model.loss_history_ = [entry["loss"] for entry in model.training_log_]
        model.wv_ = model._vectors(ck.params)
        return model


def _available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _require_fitted(model: Word2Vec) -> None:
    if not hasattr(model, "wv_"):
        raise ParameterError("this Word2Vec is not fitted yet: call fit(corpus) first")


def _epoch_record(epoch, result, seconds, encoded, start_position, words_per_epoch) -> dict:
    share = (words_per_epoch - start_position) / max(1, words_per_epoch)
    raw_words = encoded.raw_words * share  # corpus tokens, unknown words included, for this run
    seconds = max(seconds, 1e-9)
    return {
        "epoch": epoch + 1,
        "loss": result.loss_sum / result.n_predictions if result.n_predictions else float("nan"),
        "predictions": result.n_predictions,
        "words": result.words,
        "raw_words": int(raw_words),
        "effective_words": result.effective_words,
        "seconds": seconds,
        "words_per_second": raw_words / seconds,
        "effective_words_per_second": result.effective_words / seconds,
    }


def _warn_if_short_of_memory(params: dict, vocab_size: int, corpus_words: int) -> None:
    """Say what training needs before it starts when that exceeds the memory available now."""
    from ._estimate import available_memory, estimate_memory, format_estimate

    free = available_memory()
    if free is None:
        return
    estimate = estimate_memory(params, vocab_size, corpus_words)
    if estimate["total"] > free:
        logger.warning(
            "training needs about %s but only %.0f MB are available: %s",
            f"{estimate['total'] / 2**20:.0f} MB", free / 2**20, format_estimate(estimate),
        )  # fmt: skip


def _check_resumable(saved: dict, requested: dict, path) -> None:
    different = training_differences(saved, requested)
    if different:
        raise ParameterError(
            f"checkpoint {os.fspath(path)} was made with other parameters: {', '.join(different)}; "
            "use the same parameters to resume, or another checkpoint path to start afresh"
        )


@contextlib.contextmanager
def _restored_on_failure(model: Word2Vec) -> Iterator[None]:
    """Put the model's fitted attributes (names ending in ``_``) back as they were if the block fails."""
    before = {k: v for k, v in vars(model).items() if k.endswith("_")}
    try:
        yield
    except BaseException:
        for key in [k for k in vars(model) if k.endswith("_")]:
            delattr(model, key)
        vars(model).update(before)
        raise


class _Run:
    """One training run: setup, engine, state, monitor and checkpoint, from the first epoch to the last.

    ``prepare`` reads the corpus (or resumes a checkpoint) and builds the engine; ``train`` runs the
    epoch loop and publishes the results on the model as it goes (callbacks see the model after each
    epoch); ``save`` writes the checkpoint; ``close`` releases the encoded corpus.
    """

    def __init__(self, model, params, vocab, encoded, resumed, checkpoint, checkpoint_interval):
        self.model, self.params, self.vocab, self.encoded = model, params, vocab, encoded
        self.checkpoint = checkpoint
        self.continuation = resumed.continuation if resumed is not None else None
        _warn_if_short_of_memory(params, len(vocab), len(encoded))  # before the matrices are allocated
        self.setup = make_setup(params, vocab, encoded, resumed)
        self.state = resumed.state if resumed is not None else TrainingState()
        self.words_per_epoch = len(encoded)
        self.corpus_info = corpus_summary(encoded)
        self.writes = is_main_process()
        self.backend = make_backend(self.setup, params["backend"])
        self.monitor = TrainingMonitor(
            total_words=params["epochs"] * self.words_per_epoch,
            words_done=self.state.epoch * self.words_per_epoch + self.state.position,
            progress=params["progress"] and self.writes,
            checkpoint_interval=checkpoint_interval if checkpoint is not None else None,
            on_checkpoint=self._save_current,
            loss_curve=self.state.loss_curve,
        )

    @classmethod
    def prepare(
        cls, model, params, corpus, checkpoint, checkpoint_interval, *, vocabulary=None, grow=None
    ) -> _Run:
        """``grow`` (``{"new_words": bool}``) makes the run a continuation of ``model`` (fit_more)."""
        from .corpus import as_sentences, encode, scan

        sentences = as_sentences(corpus, max_sentence_length=params["max_sentence_length"])
        cache_dir = params["cache_dir"] or tempfile.gettempdir()
        resumed = None
        if checkpoint is not None and Path(checkpoint).exists():
            resumed = load_checkpoint(checkpoint)
            if grow is not None:
                _growth.check_continuation_checkpoint(resumed, model, checkpoint)
            elif resumed.continuation is not None and resumed.state.epoch < resumed.params.get("epochs", 0):
                raise ParameterError(
                    f"checkpoint {os.fspath(checkpoint)} is a continuation (written by fit_more): resume it "
                    "with fit_more on the model it continues"
                )
            _check_resumable(resumed.params, params, checkpoint)
            vocab = resumed.vocab
            encoded = encode(sentences, vocab, cache_dir=cache_dir)
            try:
                check_same_corpus(resumed.corpus, encoded, checkpoint)
            except BaseException:
                encoded.close()
                raise
            where = describe_position(resumed.state.epoch, resumed.state.position, params["epochs"])
            logger.info("resuming from %s (%s)", checkpoint, where)
        elif grow is not None:
            resumed = _growth.start_continuation(model, params, sentences, grow["new_words"], model.trim_rule)
            vocab = resumed.vocab
            encoded = encode(sentences, vocab, cache_dir=cache_dir)
        else:
            start = time.perf_counter()
            if vocabulary is not None:
                vocab = _growth.given_vocabulary(vocabulary, params)
                encoded = encode(sentences, vocab, cache_dir=cache_dir)
            elif model.trim_rule is not None or params["max_final_vocab"] is not None:
                # Two passes (count, then encode): scan() prunes by min_count/max_vocab_size only.
                vocab = Vocabulary.build(
                    sentences,
                    min_count=params["min_count"],
                    max_vocab_size=params["max_vocab_size"],
                    stop_words=params["stop_words"],
                    trim_rule=model.trim_rule,
                    max_final_vocab=params["max_final_vocab"],
                    workers=params["workers"],
                )
                encoded = encode(sentences, vocab, cache_dir=cache_dir)
            else:
                vocab, encoded = scan(
                    sentences,
                    min_count=params["min_count"],
                    max_vocab_size=params["max_vocab_size"],
                    stop_words=params["stop_words"],
                    cache_dir=cache_dir,
                    workers=params["workers"],
                )
            release_free_memory()
            if model.init_vectors is not None:
                resumed = _growth.seeded_start(model.init_vectors, params["lock_init"], params, vocab)
            logger.info(
                "vocabulary: %d words from %d tokens (%d kept for training) in %.1f s",
                len(vocab), encoded.raw_words, len(encoded), time.perf_counter() - start,
            )  # fmt: skip
        try:
            if len(encoded) == 0:
                raise CorpusError("no word of the corpus is in the vocabulary: nothing to train on")
            return cls(model, params, vocab, encoded, resumed, checkpoint, checkpoint_interval)
        except BaseException:
            encoded.close()
            raise

    def close(self) -> None:
        self.monitor.close()
        self.encoded.close()

    # --- checkpoints ---------------------------------------------------------------------------
    def save(self, epoch: int, position: int) -> None:
        """Write the checkpoint (rank 0 only): everything before ``position`` of ``epoch`` is trained."""
        if self.checkpoint is None:
            return
        if not self.writes:  # rank 0 wrote it: restart this rank's clock too, or it asks at every round
            self.monitor.checkpoint_saved()
            return
        self.monitor.flush_curve()
        self.state.epoch, self.state.position = epoch, position
        setup = self.setup
        ck = Checkpoint(
            self.params, self.vocab, setup.input_vectors, setup.output_vectors, self.state, self.corpus_info,
            self.continuation, setup.lock_factor,
        )  # fmt: skip
        save_checkpoint(self.checkpoint, ck)
        self.monitor.checkpoint_saved()
        where = describe_position(epoch, position, self.params["epochs"])
        logger.info("checkpoint saved to %s (%s)", self.checkpoint, where)
        if self.monitor.interrupted:
            logger.warning("checkpoint saved to %s; run again with it to resume", self.checkpoint)

    def _save_current(self, epoch: int, position: int) -> None:
        self.backend.pull()
        self.save(epoch, position)

    # --- the epoch loop ------------------------------------------------------------------------
    def train(
        self, callbacks: Sequence[EpochCallback], chunk_callbacks: Sequence[ChunkCallback] = ()
    ) -> None:
        if chunk_callbacks:
            self.monitor.on_chunk = lambda info: [f(self.model, info) for f in chunk_callbacks]
        self._publish()
        with deferred_interrupt(self.monitor):
            self._epochs(callbacks)
        self.monitor.close()
        self.backend.pull()
        self._publish()
        self.model.wv_ = self.model._vectors(self.params)

    def _publish(self) -> None:
        """The model's fitted attributes, current as of now."""
        model, state = self.model, self.state
        model.vocab_, model.params_, model.corpus_info_ = self.vocab, self.params, self.corpus_info
        model.input_vectors_, model.output_vectors_ = self.setup.input_vectors, self.setup.output_vectors
        model.training_log_, model.loss_curve_ = state.training_log, state.loss_curve
        model.continuation_, model.lock_factor_ = self.continuation, self.setup.lock_factor
        model.loss_history_ = [entry["loss"] for entry in state.training_log]

    def _epochs(self, callbacks: Sequence[EpochCallback]) -> None:
        """Train, record, check, checkpoint, call back."""
        params, state, backend, monitor = self.params, self.state, self.backend, self.monitor
        for epoch in range(state.epoch, params["epochs"]):
            start_position = state.position if epoch == state.epoch else 0
            began = time.perf_counter()
            result = backend.train_epoch(epoch, start_position, monitor)
            seconds = time.perf_counter() - began
            monitor.flush_curve()
            if result.position < self.words_per_epoch:  # the engine stopped at a safe point on request
                backend.pull()
                self.save(epoch, result.position)
                if monitor.interrupted:
                    logger.warning("interrupted at epoch %d, word %d", epoch + 1, result.position)
                    if self.checkpoint is None:
                        logger.warning("no checkpoint was requested, so this run cannot be resumed")
                    raise KeyboardInterrupt
                return
            if result.n_predictions == 0 and start_position == 0:
                # A tiny corpus can lose every pair of one epoch to subsampling (gensim trains on); only
                # a run in which no epoch made a pair is an error.
                if epoch + 1 == params["epochs"] and not any(e["predictions"] for e in state.training_log):
                    raise CorpusError(
                        f"no training pairs in any epoch: no sentence has two words left after "
                        f"subsampling (sample={params['sample']}); use a lower sample or a larger corpus"
                    )
                logger.warning("epoch %d made no training pairs (all lost to subsampling)", epoch + 1)
            info = _epoch_record(epoch, result, seconds, self.encoded, start_position, self.words_per_epoch)
            info["lr"] = self.setup.schedule.at((epoch + 1) * self.words_per_epoch)
            if not result.n_predictions:
                info["loss"] = 0.0  # the sum over no prediction; keeps the record JSON-serialisable
            state.training_log.append(info)
            logger.info(
                "epoch %d/%d: loss %.4f, %.0f words/s (%.0f effective), %.1f s",
                epoch + 1, params["epochs"], info["loss"], info["words_per_second"],
                info["effective_words_per_second"], seconds,
            )  # fmt: skip
            if result.n_predictions and not np.isfinite(info["loss"]):
                raise TrainingError(
                    f"training diverged in epoch {epoch + 1} (loss is {info['loss']}); "
                    f"try a smaller lr than {params['lr']}"
                )
            backend.pull()
            self._publish()
            self.save(epoch + 1, 0)
            if any(bool(callback(self.model, info)) for callback in callbacks):
                logger.info("a callback stopped training after epoch %d", epoch + 1)
                return
