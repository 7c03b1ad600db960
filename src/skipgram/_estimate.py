"""What training will need in memory, by component (``Word2Vec.estimate_memory``), and what is free.

The numbers are the sizes of the arrays training allocates (exact for W, W' and the tables) plus an
estimate for the Python vocabulary (words, their index): about 100 bytes per word, what CPython
spends on a short str and a dict entry.

Examples
--------
>>> from skipgram._params import resolve_params
>>> e = estimate_memory(resolve_params({"vector_size": 10}), 100, corpus_words=1000)
>>> e["W"], e["W'"], e["corpus"], e["huffman"]  # corpus: 4 bytes per id + 8 per sentence offset
(4000, 4000, 4008, 0)
"""

from __future__ import annotations

import math

from ._setup import output_rows

# counts int64 + keep_prob float32 + noise_prob float64 + alias_prob float32 + alias_index int32
_TABLE_BYTES_PER_WORD = 8 + 4 + 8 + 4 + 4
_VOCABULARY_BYTES_PER_WORD = 100


def huffman_depth_estimate(vocab_size: int) -> int:
    """A generous bound on the Huffman tree's depth for Zipfian counts (the C tool caps it at 40)."""
    return min(max(1, vocab_size - 1), max(1, 2 * math.ceil(math.log2(max(2, vocab_size)))))


def estimate_memory(params: dict, vocab_size: int, corpus_words: int | None = None) -> dict[str, int]:
    """Bytes per component for resolved ``params`` and ``vocab_size`` words (see the module docstring)."""
    dim = int(params["vector_size"])
    rows = output_rows(vocab_size, params["loss"])
    estimate = {
        "W": vocab_size * dim * 4,
        "W'": rows * dim * 4,
        "tables": vocab_size * _TABLE_BYTES_PER_WORD,
        "huffman": 0,
        "vocabulary": vocab_size * _VOCABULARY_BYTES_PER_WORD,
        "corpus": 0,
    }
    if params["loss"] == "hierarchical":
        depth = huffman_depth_estimate(vocab_size)
        estimate["huffman"] = vocab_size * (depth * (1 + 4) + 4)  # codes uint8, points int32, lengths
    if params.get("lock_init"):
        estimate["tables"] += vocab_size * 4
    if corpus_words is not None:
        # int32 ids (memory-mapped from cache_dir, but paged in while training) + sentence offsets
        estimate["corpus"] = (
            int(corpus_words) * 4 + (int(corpus_words) // max(1, params["max_sentence_length"]) + 1) * 8
        )
    estimate["total"] = sum(estimate.values())
    return estimate


def format_estimate(estimate: dict[str, int]) -> str:
    """One line: ``W 27.1 MB, W' 27.1 MB, ...``."""
    return ", ".join(f"{k} {v / 2**20:.1f} MB" for k, v in estimate.items() if k != "total" and v)


def available_memory() -> int | None:
    """``MemAvailable`` from /proc/meminfo in bytes (None where there is no such file)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None
