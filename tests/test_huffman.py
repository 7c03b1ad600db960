"""Tests for the Huffman tree of hierarchical softmax (huffman.py)."""

from __future__ import annotations

import heapq
import itertools
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from skipgram.errors import ParameterError
from skipgram.huffman import build_huffman


def c_tool_huffman(counts):
    """A literal port of word2vec.c's CreateBinaryTree (two queues, 1e15 sentinel, strict <)."""
    v = len(counts)
    count = [int(c) for c in counts] + [10**15] * v
    binary = [0] * (2 * v)
    parent = [0] * (2 * v)
    pos1, pos2 = v - 1, v
    for a in range(v - 1):
        mins = []
        for _ in range(2):
            if pos1 >= 0 and count[pos1] < count[pos2]:
                mins.append(pos1)
                pos1 -= 1
            else:
                mins.append(pos2)
                pos2 += 1
        count[v + a] = count[mins[0]] + count[mins[1]]
        parent[mins[0]] = parent[mins[1]] = v + a
        binary[mins[1]] = 1
    codes, points = [], []
    for a in range(v):
        code, point = [], []
        b = a
        while b != 2 * v - 2:
            code.append(binary[b])
            point.append(b)
            b = parent[b]
        point = [2 * v - 2, *point[::-1][:-1]]  # root first, then the ancestors below it
        codes.append(code[::-1])
        points.append([p - v for p in point])
    return codes, points


def optimal_cost(counts):
    """Σ count · depth of an optimal prefix code (the Huffman cost is unique even when trees differ)."""
    heap = [int(c) for c in counts]
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


@pytest.fixture(params=[3, 10, 57, 300])
def counts(request):
    rng = np.random.default_rng(request.param)
    values = rng.zipf(1.5, request.param).astype(np.int64)
    values[: request.param // 3] = values[0]  # plenty of ties
    return np.sort(values)[::-1].copy()


def test_matches_c_tool(counts):
    codes, points, lengths = build_huffman(counts)
    ref_codes, ref_points = c_tool_huffman(counts)
    for w in range(len(counts)):
        n = lengths[w]
        assert codes[w, :n].tolist() == ref_codes[w]
        assert points[w, :n].tolist() == ref_points[w]


def test_tree_properties(counts):
    codes, points, lengths = build_huffman(counts)
    v = len(counts)
    assert codes.dtype == np.uint8 and points.dtype == np.int32 and lengths.dtype == np.int32
    assert codes.shape == points.shape == (v, lengths.max())
    assert np.all(points[:, 0] == v - 2)  # every path starts at the root
    assert np.all((points >= 0) & (points <= v - 2))
    # A full binary tree: Kraft's sum is exactly 1, and every inner node is on some path.
    assert sum(2.0 ** -int(n) for n in lengths) == pytest.approx(1.0, abs=1e-12)
    used = {int(points[w, k]) for w in range(v) for k in range(lengths[w])}
    assert used == set(range(v - 1))
    # Prefix-free, and the same code prefix always reaches the same node.
    words = sorted(codes[w, : lengths[w]].tobytes() for w in range(v))
    assert all(not b.startswith(a) for a, b in itertools.pairwise(words))
    node_of_prefix = {}
    for w in range(v):
        for k in range(lengths[w]):
            prefix = codes[w, :k].tobytes()
            assert node_of_prefix.setdefault(prefix, int(points[w, k])) == points[w, k]
    # Entries past a word's length are zero.
    mask = np.arange(codes.shape[1])[None, :] >= lengths[:, None]
    assert np.all(codes[mask] == 0) and np.all(points[mask] == 0)
    # Optimal, and frequent words never get longer codes than rarer ones.
    assert int(np.sum(counts * lengths)) == optimal_cost(counts)
    assert np.all(np.diff(lengths) >= 0)


def test_small_vocabularies():
    codes, points, lengths = build_huffman(np.array([7]))
    assert lengths.tolist() == [0] and codes.shape == (1, 1)
    codes, points, lengths = build_huffman(np.array([5, 3]))
    assert lengths.tolist() == [1, 1]
    assert points[:, 0].tolist() == [0, 0]
    assert codes[:, 0].tolist() == [1, 0]  # the C tool: the more frequent word takes branch 1
    codes, points, lengths = build_huffman(np.array([2, 2]))
    assert codes[:, 0].tolist() == [1, 0]


def test_ties_deterministic():
    counts = np.ones(16, np.int64)
    first = build_huffman(counts)
    assert np.all(first[2] == 4)  # all equal: a perfectly balanced tree
    second = build_huffman(counts)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_unsorted_counts_are_sorted_first():
    counts = np.array([3, 9, 1, 9, 4], np.int64)
    order = np.argsort(-counts, kind="stable")
    codes, points, lengths = build_huffman(counts)
    s_codes, s_points, s_lengths = build_huffman(counts[order])
    np.testing.assert_array_equal(lengths[order], s_lengths)
    np.testing.assert_array_equal(codes[order], s_codes)
    np.testing.assert_array_equal(points[order], s_points)


@pytest.mark.parametrize(
    "bad", [np.array([], np.int64), np.array([[1, 2]]), np.array([3, -1]), np.array([1.5, 2.0])]
)
def test_invalid_counts(bad):
    with pytest.raises(ParameterError):
        build_huffman(bad)


def test_fast_for_large_vocabularies():
    counts = (1e9 / np.arange(1, 500_001)).astype(np.int64) + 4  # Zipf's law, min_count 5
    build_huffman(counts[:10])  # compile (or load the cache)
    start = time.perf_counter()
    _, points, lengths = build_huffman(counts)
    assert time.perf_counter() - start < 5.0  # O(V) plus writing V × depth entries
    assert np.all(np.diff(lengths) >= 0) and lengths.max() < 40
    assert np.all(points[:, 0] == len(counts) - 2)


def test_the_compiled_tree_builder_is_cached_on_disk(tmp_path):
    """numba's on-disk cache (cache=True) works: a second process loads both functions, compiles nothing."""
    code = (
        "import numpy as np; from skipgram import huffman; huffman.build_huffman(np.array([3, 2, 1]));"
        "print(sum(sum(f.stats.cache_hits.values()) for f in (huffman._two_queue, huffman._paths)),"
        " sum(sum(f.stats.cache_misses.values()) for f in (huffman._two_queue, huffman._paths)))"
    )
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            for _ in range(2)]  # fmt: skip
    assert runs[0].stdout.split() == ["0", "2"]  # an empty cache: both compiled (and written)
    assert runs[1].stdout.split() == ["2", "0"]  # both loaded from the cache
    assert any(p.suffix == ".nbi" for p in tmp_path.rglob("*"))
