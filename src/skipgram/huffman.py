"""The Huffman tree of hierarchical softmax, built exactly as the original C tool builds it.

Every word is a leaf of a binary tree with ``V - 1`` inner nodes; the probability of a word is the
product of the logistic decisions on its path from the root, so a prediction costs O(log V) instead of
O(V). A Huffman tree over the word counts makes frequent words' paths the shortest.

Conventions (the C tool's, which the kernels in ``engines/numba/kernels_hs.py`` follow):

- inner nodes have ids ``0 .. V-2``, one row each of W' (``output_vectors`` has ``V - 1`` rows); the root
  is ``V - 2`` (nodes are numbered in the order they are created, the root last);
- ``points[w, :lengths[w]]`` are the inner nodes on word ``w``'s path, root first;
- ``codes[w, :lengths[w]]`` are the branches taken (0 or 1) at those nodes; the logistic prediction at
  node ``points[w, k]`` has label ``1 - codes[w, k]``;
- entries past ``lengths[w]`` are 0 and never read.

The C tool's two-queue construction is O(V) on counts sorted in descending order: leaves are consumed
from the rarest end, and inner nodes are created with non-decreasing weights, so the two smallest
weights are always at the heads of the two queues. Ties between a leaf and an inner node go to the
inner node (the C tool's strict ``<``), which makes the tree deterministic.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .errors import ParameterError

__all__ = ["build_huffman"]


@njit(cache=True)
def _two_queue(counts):
    """Parents and branch bits of all ``2V - 1`` nodes (leaves ``0..V-1``, inner node ``a`` at ``V + a``)."""
    v = counts.shape[0]
    weight = np.empty(2 * v - 1, np.int64)
    weight[:v] = counts
    parent = np.full(2 * v - 1, -1, np.int64)
    branch = np.zeros(2 * v - 1, np.uint8)
    leaf = v - 1  # next (smallest) unused leaf; leaves are sorted by count descending
    inner = v  # next unused inner node; inner nodes are created in non-decreasing weight
    picked = np.empty(2, np.int64)
    for a in range(v - 1):
        for k in range(2):
            if leaf >= 0 and (inner >= v + a or weight[leaf] < weight[inner]):
                picked[k] = leaf
                leaf -= 1
            else:
                picked[k] = inner
                inner += 1
        weight[v + a] = weight[picked[0]] + weight[picked[1]]
        parent[picked[0]] = v + a
        parent[picked[1]] = v + a
        branch[picked[1]] = 1
    return parent, branch


@njit(cache=True)
def _paths(parent, branch, v):
    """Depth of every word, then its root-first path of inner nodes and branch bits."""
    n_nodes = 2 * v - 1
    depth = np.zeros(n_nodes, np.int32)
    # A parent always has a larger id than its children, so one pass from the root down sets every depth.
    for node in range(n_nodes - 2, -1, -1):
        depth[node] = depth[parent[node]] + 1
    lengths = depth[:v].copy()
    max_depth = max(1, lengths.max())
    codes = np.zeros((v, max_depth), np.uint8)
    points = np.zeros((v, max_depth), np.int32)
    for w in range(v):
        node = w
        k = lengths[w] - 1
        while k >= 0:
            codes[w, k] = branch[node]
            node = parent[node]
            points[w, k] = node - v
            k -= 1
    return codes, points, lengths


def build_huffman(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Huffman codes and paths of every word, for hierarchical softmax.

    Parameters
    ----------
    counts : array of int, shape (V,)
        Word counts, ``V >= 1``. Vocabularies are in frequency order (counts descending); other orders
        are accepted and sorted first (stably, so ties keep their order).

    Returns
    -------
    codes : numpy.ndarray of uint8, shape (V, max_depth)
        Branch taken at each node of the path (label of the prediction: ``1 - code``).
    points : numpy.ndarray of int32, shape (V, max_depth)
        Inner-node ids (``0 .. V-2``, rows of W') on the path from the root.
    lengths : numpy.ndarray of int32, shape (V,)
        Path lengths; ``max_depth = max(1, lengths.max())``. With ``V = 1`` there is no inner node and the
        single word's path is empty (length 0).

    Examples
    --------
    >>> codes, points, lengths = build_huffman(np.array([5, 3, 2]))
    >>> lengths.tolist(), points.tolist(), codes.tolist()
    ([1, 2, 2], [[1, 0], [1, 0], [1, 0]], [[1, 0], [0, 1], [0, 0]])
    """
    counts = np.asarray(counts)
    if counts.ndim != 1 or counts.shape[0] == 0:
        raise ParameterError(f"counts must be a non-empty 1-D array; got shape {counts.shape}.")
    if not np.issubdtype(counts.dtype, np.integer) or counts.min() < 0:
        raise ParameterError("counts must be non-negative integers.")
    counts = counts.astype(np.int64)
    v = counts.shape[0]
    if v == 1:
        return np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32)
    order = None
    if np.any(counts[1:] > counts[:-1]):
        order = np.argsort(-counts, kind="stable")
        counts = counts[order]
    parent, branch = _two_queue(counts)
    codes, points, lengths = _paths(parent, branch, v)
    if order is not None:
        inverse = np.empty_like(order)
        inverse[order] = np.arange(v)
        codes, points, lengths = codes[inverse], points[inverse], lengths[inverse]
    return codes, points, lengths
