"""``Word2Vec``: the estimator. Parameters in, ``fit(corpus)``, vectors out.

The model owns the schedule around training — vocabulary and corpus encoding, sampling tables, parameter
initialisation, epochs, learning-rate decay, progress, loss reporting, callbacks, checkpoints — and hands
the training step to a backend (:mod:`skipgram._cpu_trainer` by default, :mod:`skipgram.torch_backend`
with ``backend="torch"``, wrapped by :mod:`skipgram.distributed` under ``torchrun``). It follows the
scikit-learn contract: ``__init__`` only stores parameters, ``fit`` validates them and returns ``self``,
learned state ends in ``_``.
"""

from __future__ import annotations

import inspect
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import sampling
from ._backend import LearningRateSchedule, TrainingSetup
from ._memory import release_free_memory
from ._params import PARAMETER_CONSTRAINTS, TRAINING_KEYS, check_consistency
from ._progress import TrainingMonitor, deferred_interrupt
from ._validation import validate_params
from .checkpoint import Checkpoint, TrainingState, load_checkpoint, save_checkpoint
from .errors import CorpusError, ParameterError, TrainingError

logger = logging.getLogger(__name__)

EpochCallback = Callable[["Word2Vec", dict], Any]


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
    phrases : Phrases, path or None
        Join learned phrases ("new_york") on the fly while reading the corpus: a fitted
        :class:`skipgram.phrases.Phrases` or the path of one saved with ``Phrases.save``.

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
        phrases: Any = None,
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
        self.phrases = phrases

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
            params["lr"] = 0.05 if params["architecture"] == "cbow" else 0.025
        if params["min_lr"] is None:
            params["min_lr"] = params["lr"] * 1e-4
        if params["workers"] is None:
            params["workers"] = _available_cores()
        if params["batch_size"] is None:
            params["batch_size"] = 4096 if params["backend"] == "torch" else 256
        if params["cache_dir"] is not None:
            params["cache_dir"] = os.fspath(params["cache_dir"])
        return params

    # --- training ------------------------------------------------------------------------------
    def fit(
        self,
        corpus: Any,
        *,
        checkpoint: str | os.PathLike | None = None,
        checkpoint_interval: float = 600.0,
        callbacks: Sequence[EpochCallback] = (),
    ) -> Word2Vec:
        """Build the vocabulary from ``corpus`` and train.

        Parameters
        ----------
        corpus : path, list of paths, LineCorpus, or restartable iterable of token lists
            Read twice at most (vocabulary + encoding happen in one pass, then training runs on the
            encoded ids).
        checkpoint : path, optional
            Save both matrices, vocabulary, parameters and position here every ``checkpoint_interval``
            seconds, at each epoch end and on Ctrl-C. If the file exists, training resumes from it.
        callbacks : sequence of callables ``f(model, info) -> bool``
            Called after each epoch with the epoch's record (loss, speed...); return True to stop.

        Returns
        -------
        self
        """
        from .corpus import as_sentences, encode, scan

        params = self._resolved_params()
        phrases = params.pop("phrases")  # an object, not a JSON value: kept out of saved parameters
        sentences = as_sentences(corpus, max_sentence_length=params["max_sentence_length"])
        if phrases is not None:  # phrases joined while scanning: no phrased copy of the corpus
            from .phrases import phrases_from

            sentences = phrases_from(phrases).transform(sentences)
        cache_dir = params["cache_dir"] or tempfile.gettempdir()
        resumed = None
        if checkpoint is not None and Path(checkpoint).exists():
            resumed = load_checkpoint(checkpoint)
            _check_resumable(resumed.params, params, checkpoint)
            vocab = resumed.vocab
            encoded = encode(sentences, vocab, cache_dir=cache_dir)
            _check_same_corpus(resumed.corpus, encoded, checkpoint)
            logger.info("resuming from %s at epoch %d", checkpoint, resumed.state.epoch + 1)
        else:
            start = time.perf_counter()
            vocab, encoded = scan(
                sentences,
                min_count=params["min_count"],
                max_vocab_size=params["max_vocab_size"],
                stop_words=params["stop_words"],
                cache_dir=cache_dir,
            )
            release_free_memory()
            logger.info(
                "vocabulary: %d words from %d tokens (%d kept for training) in %.1f s",
                len(vocab), encoded.raw_words, len(encoded), time.perf_counter() - start,
            )  # fmt: skip
        if len(encoded) == 0:
            raise CorpusError("no word of the corpus is in the vocabulary: nothing to train on")
        try:
            setup = self._make_setup(params, vocab, encoded, resumed)
            self.vocab_ = vocab
            self.params_ = params
            self._train(setup, params, encoded, resumed, checkpoint, checkpoint_interval, callbacks)
        finally:
            encoded.close()
        return self

    def _make_setup(self, params, vocab, encoded, resumed: Checkpoint | None) -> TrainingSetup:
        counts = vocab.counts
        n_vocab, dim = len(vocab), params["vector_size"]
        hs = params["loss"] == "hierarchical"
        if resumed is not None:
            w_in, w_out = resumed.input_vectors, resumed.output_vectors
        else:
            # The C tool's initialisation: small uniform input vectors, zero output vectors.
            rng = np.random.default_rng(params["seed"])
            w_in = ((rng.random((n_vocab, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)
            w_out = np.zeros((max(1, n_vocab - 1) if hs else n_vocab, dim), dtype=np.float32)
        noise = sampling.noise_probabilities(counts, params["ns_exponent"])
        alias_prob, alias_index = sampling.alias_table(noise)
        setup = TrainingSetup(
            corpus=encoded,
            counts=counts,
            keep_prob=sampling.keep_probabilities(counts, params["sample"]),
            noise_prob=noise,
            alias_prob=alias_prob,
            alias_index=alias_index,
            input_vectors=w_in,
            output_vectors=w_out,
            schedule=LearningRateSchedule(params["lr"], params["min_lr"], params["epochs"] * len(encoded)),
            architecture=params["architecture"],
            loss=params["loss"],
            window=params["window"],
            negative=params["negative"],
            shrink_windows=params["shrink_windows"],
            epochs=params["epochs"],
            batch_words=params["batch_words"],
            workers=params["workers"],
            seed=params["seed"],
            batch_size=params["batch_size"],
            device=params["device"],
            extra={"shared_negatives": params["shared_negatives"]},
        )
        if hs:
            from .huffman import build_huffman

            setup.hs_codes, setup.hs_points, setup.hs_lengths = build_huffman(counts)
        if params["loss"] == "softmax":
            _check_softmax_cost(setup, params)
        return setup

    def _train(self, setup, params, encoded, resumed, checkpoint, checkpoint_interval, callbacks) -> None:
        from .backends import is_main_process, make_backend

        backend = make_backend(setup, params["backend"])
        state = resumed.state if resumed is not None else TrainingState()
        words_per_epoch = len(encoded)
        corpus_info = {
            "words": int(words_per_epoch),
            "raw_words": int(encoded.raw_words),
            "sentences": int(encoded.n_sentences),
        }
        writes = is_main_process()
        self.corpus_info_ = corpus_info

        def save(epoch: int, position: int) -> None:
            if checkpoint is None or not writes:
                return
            monitor.flush_curve()
            state.epoch, state.position = epoch, position
            ck = Checkpoint(
                params, self.vocab_, setup.input_vectors, setup.output_vectors, state, corpus_info
            )
            save_checkpoint(checkpoint, ck)
            monitor.checkpoint_saved()
            logger.info("checkpoint saved to %s (epoch %d, word %d)", checkpoint, epoch + 1, position)
            if monitor.interrupted:
                logger.warning("checkpoint saved to %s; run again with it to resume", checkpoint)

        monitor = TrainingMonitor(
            total_words=params["epochs"] * words_per_epoch,
            words_done=state.epoch * words_per_epoch + state.position,
            progress=params["progress"] and writes,
            checkpoint_interval=checkpoint_interval if checkpoint is not None else None,
            on_checkpoint=lambda epoch, position: (backend.pull(), save(epoch, position)),
            loss_curve=state.loss_curve,
        )
        self.training_log_ = state.training_log
        self.loss_curve_ = state.loss_curve
        try:
            with deferred_interrupt(monitor):
                self._run_epochs(backend, setup, params, state, monitor, save, callbacks, checkpoint)
        finally:
            monitor.close()
        backend.pull()
        self.input_vectors_ = setup.input_vectors
        self.output_vectors_ = setup.output_vectors
        self.loss_history_ = [entry["loss"] for entry in state.training_log]
        self.wv_ = self._vectors(params)

    def _run_epochs(self, backend, setup, params, state, monitor, save, callbacks, save_to) -> None:
        """The epoch loop: train, record, check, checkpoint, call back."""
        words_per_epoch = len(setup.corpus)
        for epoch in range(state.epoch, params["epochs"]):
            start_position = state.position if epoch == state.epoch else 0
            began = time.perf_counter()
            result = backend.train_epoch(epoch, start_position, monitor)
            seconds = time.perf_counter() - began
            monitor.flush_curve()
            if result.position < words_per_epoch:  # the backend stopped at a safe point on request
                backend.pull()
                save(epoch, result.position)
                if monitor.interrupted:
                    logger.warning("interrupted at epoch %d, word %d", epoch + 1, result.position)
                    if save_to is None:
                        logger.warning("no checkpoint was requested, so this run cannot be resumed")
                    raise KeyboardInterrupt
                return
            if result.n_predictions == 0 and start_position == 0:
                raise CorpusError(
                    f"epoch {epoch + 1} made no training pairs: no sentence has two words left after "
                    f"subsampling (sample={params['sample']}); use a lower sample or a larger corpus"
                )
            info = _epoch_record(epoch, result, seconds, setup.corpus, start_position, words_per_epoch)
            info["lr"] = setup.schedule.at((epoch + 1) * words_per_epoch)
            state.training_log.append(info)
            logger.info(
                "epoch %d/%d: loss %.4f, %.0f words/s (%.0f effective), %.1f s",
                epoch + 1, params["epochs"], info["loss"], info["words_per_second"],
                info["effective_words_per_second"], seconds,
            )  # fmt: skip
            if not np.isfinite(info["loss"]):
                raise TrainingError(
                    f"training diverged in epoch {epoch + 1} (loss is {info['loss']}); "
                    f"try a smaller lr than {params['lr']}"
                )
            backend.pull()
            self.input_vectors_, self.output_vectors_ = setup.input_vectors, setup.output_vectors
            save(epoch + 1, 0)
            if any(bool(callback(self, info)) for callback in callbacks):
                logger.info("a callback stopped training after epoch %d", epoch + 1)
                return

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
                self.params_, self.vocab_, self.input_vectors_, self.output_vectors_, state, corpus_info
            ),
        )

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


def _check_resumable(saved: dict, requested: dict, path) -> None:
    different = [
        f"{key}={saved.get(key)!r} (now {requested.get(key)!r})"
        for key in TRAINING_KEYS
        if key not in ("epochs",) and saved.get(key) != requested.get(key)
    ]
    if different:
        raise ParameterError(
            f"checkpoint {os.fspath(path)} was made with other parameters: {', '.join(different)}; "
            "use the same parameters to resume, or another checkpoint path to start afresh"
        )


def _check_same_corpus(saved: dict, encoded, path) -> None:
    now = {"words": len(encoded), "raw_words": int(encoded.raw_words)}
    if any(saved.get(k) != v for k, v in now.items()):
        raise CorpusError(
            f"checkpoint {os.fspath(path)} was made on another corpus "
            f"({saved.get('raw_words')} tokens, now {now['raw_words']}); resume with the same corpus"
        )


def _check_softmax_cost(setup: TrainingSetup, params: dict) -> None:
    from ._softmax import softmax_epoch_seconds_estimate

    effective = float(np.dot(setup.counts, setup.keep_prob))
    pairs = effective * (params["window"] + 1 if params["shrink_windows"] else 2 * params["window"])
    seconds = softmax_epoch_seconds_estimate(int(pairs), setup.vocab_size, setup.vector_size)
    logger.info(
        "full softmax: about %.0f s per epoch (%d pairs x %d words)", seconds, pairs, setup.vocab_size
    )
    if seconds > 3600 and not params["allow_slow_softmax"]:
        raise ParameterError(
            f"loss='softmax' costs O(vocabulary) per pair: with {setup.vocab_size} words one epoch "
            f"would take about {seconds / 3600:.1f} hours. Use loss='negative' (or 'hierarchical'), a "
            "smaller vocabulary (min_count, max_vocab_size), or allow_slow_softmax=True "
            "(--allow-slow-softmax) to insist."
        )
