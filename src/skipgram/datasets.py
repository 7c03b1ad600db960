"""Paths to the data files shipped inside the package (see ``skipgram/data/README.md`` for sources)."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def demo_corpus_path() -> Path:
    """The bundled demo corpus: 2.5M tokens of English Wikipedia, text8-style, gzip-compressed.

    Examples
    --------
    >>> demo_corpus_path().name
    'enwiki-demo.txt.gz'
    """
    return DATA_DIR / "enwiki-demo.txt.gz"


def questions_words_path() -> Path:
    """The Google analogy questions (``questions-words.txt``), 19,544 questions in 14 sections."""
    return DATA_DIR / "questions-words.txt"


def wordsim353_path() -> Path:
    """WordSim-353: 353 word pairs with human similarity judgements (tab-separated)."""
    return DATA_DIR / "wordsim353.tsv"


def questions_phrases_path() -> Path:
    """The C tool's phrase analogy questions (``questions-phrases.txt``): 3,218 questions, 5 sections.

    Phrases are written with ``_`` ("New_York_Times"), as :class:`skipgram.phrases.Phrases` joins them.
    """
    return DATA_DIR / "questions-phrases.txt"
