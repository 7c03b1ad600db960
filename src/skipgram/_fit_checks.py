"""Checks ``Word2Vec.fit`` runs on its resolved parameters before reading a word of the corpus.

Whatever would otherwise fail (or silently do nothing) after the vocabulary pass or after training
is found here: a checkpoint path that cannot be written or collides with the corpus, a checkpoint
interval that is not a positive number, ``min_lr`` above the resolved ``lr``, a device name torch
does not know, and parameters the chosen loss ignores. Stale cache folders of dead processes are
swept here too, before the new run makes its own.
"""

from __future__ import annotations

import logging
import math
import numbers
import tempfile
from typing import Any

from ._leftovers import sweep_stale_caches
from ._paths import check_outputs, corpus_sources
from .errors import ParameterError

logger = logging.getLogger("skipgram.model")

# The default of ``negative``; another value with a loss that draws no noise words is a mistake.
_DEFAULT_NEGATIVE = 5


def check_checkpoint_interval(value: Any) -> float:
    """Seconds between checkpoints: a number > 0 (``inf``: only at epoch ends and on Ctrl-C/SIGTERM)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value) or value <= 0:
        raise ParameterError(
            f"The 'checkpoint_interval' parameter of fit must be a number of seconds > 0; got {value!r}."
        )
    return float(value)


def check_device(params: dict) -> None:
    device = params.get("device")
    if device is None:
        return
    if params["backend"] != "torch":
        logger.warning(
            "device=%r is ignored: it is for backend='torch' (the numba backend runs on CPUs)", device
        )
        return
    try:
        import torch
    except ImportError:
        return  # the torch backend itself explains how to install it
    try:
        torch.device(device)
    except (RuntimeError, ValueError, TypeError):
        raise ParameterError(
            f"The 'device' parameter of Word2Vec must be a torch device such as 'cpu', 'cuda' or "
            f"'cuda:1'; got {device!r}."
        ) from None


def warn_ignored(params: dict) -> None:
    if params["loss"] != "negative" and params["negative"] != _DEFAULT_NEGATIVE:
        logger.warning(
            "negative=%d is ignored: loss=%r draws no noise words (it applies to loss='negative')",
            params["negative"], params["loss"],
        )  # fmt: skip


def check_fit_request(params: dict, corpus: Any, checkpoint: Any, checkpoint_interval: Any) -> None:
    """Everything ``fit`` can check before work starts; raises ParameterError / OutputPathError."""
    if checkpoint is not None:
        check_checkpoint_interval(checkpoint_interval)
    if params["min_lr"] > params["lr"]:
        raise ParameterError(f"min_lr ({params['min_lr']}) must not exceed lr ({params['lr']})")
    check_device(params)
    warn_ignored(params)
    if checkpoint is not None:
        check_outputs({"checkpoint": checkpoint}, inputs=corpus_sources(corpus))
    sweep_stale_caches(params.get("cache_dir") or tempfile.gettempdir())
