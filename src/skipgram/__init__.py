"""skipgram: word2vec skip-gram embeddings, fast on CPUs, portable to GPUs, safe to load.

Examples
--------
>>> from skipgram import Word2Vec, demo_corpus_path    # doctest: +SKIP
>>> model = Word2Vec(epochs=3, seed=1).fit(demo_corpus_path())   # doctest: +SKIP
>>> model.wv_.most_similar("king", topn=3)             # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# Public names and the module that defines each; imported on first use so that ``import skipgram``
# (and the CLI's start-up) stays fast and never compiles numba kernels it does not need.
_EXPORTS = {
    "Word2Vec": "model",
    "KeyedVectors": "vectors",
    "UnknownWordError": "vectors",
    "Vocabulary": "vocab",
    "LineCorpus": "reading",
    "EncodedCorpus": "corpus",
    "analogy_accuracy": "evaluate",
    "similarity_correlation": "evaluate",
    "demo_corpus_path": "datasets",
    "SkipgramError": "errors",
    "CorpusError": "errors",
    "FormatError": "errors",
    "ParameterError": "errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skipgram' has no attribute {name!r}")
