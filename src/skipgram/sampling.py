"""Sampling tables: frequent-word subsampling and the negative-sampling (noise) distribution.

Pure NumPy; the trainer passes the arrays these functions return straight to its kernels.

Examples
--------
>>> import numpy as np
>>> counts = np.array([100, 10, 1], dtype=np.int64)
>>> keep_probabilities(counts, 0.0)
array([1., 1., 1.], dtype=float32)
>>> prob, alias = alias_table(noise_probabilities(counts, 0.75))
>>> prob.dtype, alias.dtype, len(prob)
(dtype('float32'), dtype('int32'), 3)
"""

from __future__ import annotations

import numpy as np

from ._params import constraints
from ._validation import validate_params
from .errors import ParameterError

__all__ = ["alias_table", "keep_probabilities", "noise_probabilities"]


def _as_counts(counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1:
        raise ParameterError(f"counts must be a 1-D array; got shape {counts.shape}.")
    if counts.size and (not np.isfinite(counts).all() or counts.min() < 0):
        raise ParameterError("counts must be finite and non-negative.")
    return counts


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """Probability of keeping each occurrence of a word (frequent-word subsampling).

    The rule of the original C tool: with threshold ``t = sample · N`` (``N = counts.sum()``),
    ``p = (sqrt(c / t) + 1) · t / c``, clipped to 1. Words rarer than about ``t`` are always kept.

    Parameters
    ----------
    counts : array of int, shape (V,)
        Corpus count of each word.
    sample : float
        Threshold in [0, 1] (``Word2Vec``'s ``sample``); ``0`` disables subsampling (all probabilities 1).

    Returns
    -------
    numpy.ndarray of float32, shape (V,)

    Examples
    --------
    >>> keep_probabilities(np.array([1000, 1]), 1e-3)
    array([0.03263959, 1.        ], dtype=float32)
    """
    counts = _as_counts(counts)
    validate_params({"sample": sample}, constraints("sample"), "keep_probabilities")
    if sample == 0 or counts.size == 0:
        return np.ones(counts.shape, dtype=np.float32)
    threshold = sample * counts.sum()
    # Zero counts divide by zero; such words never occur, so any probability works: they get 1.
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    p[~np.isfinite(p)] = 1.0
    return np.minimum(p, 1.0).astype(np.float32)


def noise_probabilities(counts: np.ndarray, exponent: float = 0.75) -> np.ndarray:
    """The negative-sampling distribution ``count**exponent``, normalised to sum to 1.

    Words with a zero count get probability 0 (whatever the exponent).

    Examples
    --------
    >>> noise_probabilities(np.array([16, 1]), 0.5)
    array([0.8, 0.2])
    """
    counts = _as_counts(counts)
    validate_params({"ns_exponent": exponent}, constraints("ns_exponent"), "noise_probabilities")
    weights = np.zeros_like(counts)
    seen = counts > 0
    weights[seen] = counts[seen] ** float(exponent)
    total = weights.sum()
    if total <= 0 or not np.isfinite(total):
        raise ParameterError("noise_probabilities needs at least one positive count.")
    return weights / total


def alias_table(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker/Vose alias table: O(1) draws from a discrete distribution, 8 bytes per outcome.

    A draw is ``i = uniform_int(V); i if uniform() < prob[i] else alias[i]``. The table is exact:
    outcome ``k`` has probability ``(prob[k] + sum(1 - prob[j] for j with alias[j] == k)) / V``,
    equal to the normalised input (up to float32 rounding of ``prob``).

    Built without a Python loop over outcomes (3M outcomes take well under a second). Why it works:
    scale to ``q = V·p``; "small" columns (``q < 1``) lack ``1 - q``, "large" ones have ``q - 1``
    spare. Lay the deficits of the small columns end to end (cumulative sum ``D``) and the surpluses
    of the large ones likewise (``C``). As in Vose's sequential algorithm, each small column takes
    its whole deficit from the large column current when it starts (``searchsorted``); a large
    column whose surplus runs out part-way through a deficit becomes small itself, keeping
    ``1 - overflow`` and aliasing the next large column, which pays the overflow.

    Parameters
    ----------
    probabilities : array of float, shape (V,)
        Non-negative weights; normalised here.

    Returns
    -------
    prob : numpy.ndarray of float32, shape (V,)
    alias : numpy.ndarray of int32, shape (V,)

    Examples
    --------
    >>> prob, alias = alias_table(np.array([0.5, 0.25, 0.25]))
    >>> prob.tolist(), alias.tolist()
    ([1.0, 0.75, 0.75], [0, 0, 0])
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ParameterError(f"alias_table needs a non-empty 1-D array; got shape {p.shape}.")
    if not np.isfinite(p).all() or p.min() < 0 or p.sum() <= 0:
        raise ParameterError("alias_table needs finite, non-negative probabilities with a positive sum.")
    n = p.size
    q = p * (n / p.sum())
    prob = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int64)
    small = np.flatnonzero(q < 1.0)
    large = np.flatnonzero(q >= 1.0)
    if small.size and large.size:
        deficit_end = np.cumsum(1.0 - q[small])  # D
        deficit_start = deficit_end - (1.0 - q[small])
        surplus_end = np.cumsum(q[large] - 1.0)  # C
        # Each small column: its own mass, the rest from the large column current at its start.
        current = np.searchsorted(surplus_end, deficit_start, side="right")
        prob[small] = q[small]
        alias[small] = large[np.minimum(current, large.size - 1)]
        # Each large column: where the deficit stream stands once its surplus is used up.
        j = np.searchsorted(deficit_end, surplus_end, side="left")
        reached = np.where(
            j < deficit_end.size, deficit_end[np.minimum(j, deficit_end.size - 1)], surplus_end
        )
        overflow = np.clip(reached - surplus_end, 0.0, 1.0)
        prob[large] = 1.0 - overflow
        alias[large[:-1]] = large[1:]
        # The last large column ends the stream: its overflow is rounding error only.
        prob[large[-1]] = 1.0
    return np.clip(prob, 0.0, 1.0).astype(np.float32), alias.astype(np.int32)
