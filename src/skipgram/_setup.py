"""From parameters, a vocabulary and an encoded corpus to the :class:`TrainingSetup` an engine trains on.

Used by ``Word2Vec`` and by anything else that drives an engine directly (benchmarks, tests), so that
sampling tables, initial matrices, Huffman codes and engine options are made one way only.

Examples
--------
>>> from skipgram._params import resolve_params
>>> from skipgram.corpus import scan
>>> vocab, corpus = scan([["a", "b", "a", "c"]] * 3, min_count=1)
>>> setup = make_setup(resolve_params({"vector_size": 8, "workers": 1}), vocab, corpus)
>>> setup.input_vectors.shape, setup.loss, setup.batch_size
((3, 8), 'negative', 256)
"""

from __future__ import annotations

import logging
from dataclasses import fields

import numpy as np

from . import sampling
from .engines import get_engine
from .engines.base import LearningRateSchedule, TrainingSetup
from .engines.distributed import DistributedOptions
from .errors import ParameterError

logger = logging.getLogger("skipgram.model")

# An epoch predicted to take longer than this is refused unless the user insists (allow_slow_softmax).
SLOW_EPOCH_SECONDS = 3600.0


def initial_matrices(n_words: int, dim: int, seed: int, output_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The C tool's initialisation: W uniform in [-0.5/D, 0.5/D), W' zero."""
    rng = np.random.default_rng(seed)
    w_in = ((rng.random((n_words, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)
    return w_in, np.zeros((output_rows, dim), dtype=np.float32)


def output_rows(n_words: int, loss: str) -> int:
    """Rows of W': one per word, or one per inner node of the Huffman tree for hierarchical softmax."""
    return max(1, n_words - 1) if loss == "hierarchical" else n_words


def make_setup(params: dict, vocab, corpus, resumed=None) -> TrainingSetup:
    """The engine's setup for resolved ``params`` (see :func:`skipgram._params.resolve_params`).

    ``resumed`` is a :class:`~skipgram.checkpoint.Checkpoint` whose matrices continue training; otherwise
    the matrices are initialised afresh from ``params["seed"]``. Raises :class:`ParameterError` when the
    predicted epoch time is hopeless (full softmax over a large vocabulary) unless
    ``allow_slow_softmax``.
    """
    spec = get_engine(params["backend"])
    counts = vocab.counts
    n_words, dim, loss = len(vocab), params["vector_size"], params["loss"]
    if resumed is not None:
        w_in, w_out = resumed.input_vectors, resumed.output_vectors
    else:
        w_in, w_out = initial_matrices(n_words, dim, params["seed"], output_rows(n_words, loss))
    noise = sampling.noise_probabilities(counts, params["ns_exponent"])
    alias_prob, alias_index = sampling.alias_table(noise)
    batch_size = params.get("batch_size") or spec.capabilities.default_batch_size or 1
    setup = TrainingSetup(
        corpus=corpus,
        counts=counts,
        keep_prob=sampling.keep_probabilities(counts, params["sample"]),
        noise_prob=noise,
        alias_prob=alias_prob,
        alias_index=alias_index,
        input_vectors=w_in,
        output_vectors=w_out,
        schedule=LearningRateSchedule(params["lr"], params["min_lr"], params["epochs"] * len(corpus)),
        architecture=params["architecture"],
        loss=loss,
        window=params["window"],
        negative=params["negative"],
        shrink_windows=params["shrink_windows"],
        epochs=params["epochs"],
        batch_words=params["batch_words"],
        workers=params["workers"],
        seed=params["seed"],
        batch_size=int(batch_size),
        shared_negatives=params["shared_negatives"],
        device=params.get("device"),
        lock_factor=getattr(resumed, "lock_factor", None),
        options=spec.options_from_params(params),
        distributed=DistributedOptions(
            **{f.name: params[f.name] for f in fields(DistributedOptions) if params.get(f.name) is not None}
        ),
    )
    if loss == "hierarchical":
        from .huffman import build_huffman

        setup.hs_codes, setup.hs_points, setup.hs_lengths = build_huffman(counts)
    _refuse_hopeless(spec, setup, params)
    return setup


def _refuse_hopeless(spec, setup: TrainingSetup, params: dict) -> None:
    if spec.epoch_seconds_estimate is None:
        return
    seconds = spec.epoch_seconds_estimate(setup)
    if seconds is None:
        return
    logger.info("%s engine: about %.0f s per epoch (%d words)", spec.name, seconds, setup.vocab_size)
    if seconds > SLOW_EPOCH_SECONDS and not params.get("allow_slow_softmax"):
        raise ParameterError(
            f"loss={setup.loss!r} costs O(vocabulary) per pair: with {setup.vocab_size} words one epoch "
            f"would take about {seconds / 3600:.1f} hours. Use loss='negative' (or 'hierarchical'), a "
            "smaller vocabulary (min_count, max_vocab_size), or allow_slow_softmax=True "
            "(--allow-slow-softmax) to insist."
        )
