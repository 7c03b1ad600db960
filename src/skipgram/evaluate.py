"""Intrinsic evaluation: word analogies (questions-words format) and word-pair similarity (Spearman).

Analogies follow the C tool's ``compute-accuracy`` rule: only the ``restrict_vocab`` most frequent
words (the first rows of the vectors) are candidates, a question with any word outside them is
skipped (and counted), and the answer is the best candidate other than the three question words.
All questions are solved as blocked matrix products, so the 19,544 Google questions over 30,000
words take seconds.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .datasets import questions_phrases_path, questions_words_path, wordsim353_path
from .errors import FormatError
from .vectors import COSMUL_EPSILON, KeyedVectors, _check_restrict_vocab

logger = logging.getLogger(__name__)

# Scores per block (questions × candidates): 16M float32 = 64 MB of temporaries.
_SCORES_PER_BLOCK = 1 << 24


@dataclass
class SectionScore:
    """Correct answers, questions answered and questions skipped (out-of-vocabulary) in a section."""

    name: str
    correct: int = 0
    total: int = 0
    skipped: int = 0

    @property
    def accuracy(self) -> float:
        """``correct / total``; 0.0 when no question could be answered."""
        return self.correct / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "correct": self.correct,
            "total": self.total,
            "skipped": self.skipped,
            "accuracy": self.accuracy,
        }


@dataclass
class AnalogyResult:
    """Analogy accuracy: per section, semantic vs syntactic (``gram*`` sections), and overall."""

    sections: list[SectionScore]
    method: str
    restrict_vocab: int
    semantic: SectionScore = field(init=False)
    syntactic: SectionScore = field(init=False)
    overall: SectionScore = field(init=False)

    def __post_init__(self) -> None:
        def combine(name: str, parts: list[SectionScore]) -> SectionScore:
            return SectionScore(
                name,
                sum(p.correct for p in parts),
                sum(p.total for p in parts),
                sum(p.skipped for p in parts),
            )

        grammar = [s for s in self.sections if s.name.startswith("gram")]
        self.syntactic = combine("syntactic", grammar)
        self.semantic = combine("semantic", [s for s in self.sections if s not in grammar])
        self.overall = combine("total", self.sections)

    @property
    def accuracy(self) -> float:
        return self.overall.accuracy

    @property
    def correct(self) -> int:
        return self.overall.correct

    @property
    def total(self) -> int:
        """Questions answered (all four words among the candidates)."""
        return self.overall.total

    @property
    def skipped(self) -> int:
        return self.overall.skipped

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {
            "method": self.method,
            "restrict_vocab": self.restrict_vocab,
            "accuracy": self.accuracy,
            "correct": self.correct,
            "total": self.total,
            "skipped": self.skipped,
            "seen": self.total + self.skipped,
            "semantic": self.semantic.to_dict(),
            "syntactic": self.syntactic.to_dict(),
            "sections": [s.to_dict() for s in self.sections],
        }


def _read_lines(path: str | os.PathLike) -> list[str]:
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FormatError(f"{os.fspath(path)}: line {line}: invalid UTF-8") from None


def read_questions(path: str | os.PathLike) -> list[tuple[str, list[list[str]]]]:
    """Sections of a questions-words file: ``[(name, [[a, b, c, d], ...]), ...]``.

    Examples
    --------
    >>> read_questions(questions_words_path())[0][1][0]
    ['Athens', 'Greece', 'Baghdad', 'Iraq']
    """
    sections: list[tuple[str, list[list[str]]]] = []
    for number, raw in enumerate(_read_lines(path), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(":"):
            sections.append((line[1:].strip(), []))
            continue
        words = line.split()
        if len(words) != 4:
            raise FormatError(
                f"{os.fspath(path)}: line {number}: expected 4 words (a b c d), found {len(words)}"
            )
        if not sections:
            sections.append(("questions", []))
        sections[-1][1].append(words)
    if not any(questions for _, questions in sections):
        # An empty file would report 0.00 % accuracy as if the vectors had failed every question.
        raise FormatError(f"{os.fspath(path)}: holds no questions (lines of 4 words 'a b c d')")
    return sections


def _lookup(words: list[str], case_insensitive: bool) -> tuple[dict[str, int], np.ndarray]:
    """Word → row (most frequent spelling wins when case-insensitive); each row's canonical row."""
    if not case_insensitive:
        return {w: i for i, w in enumerate(words)}, np.arange(len(words))
    lookup: dict[str, int] = {}
    for i, w in enumerate(words):
        lookup.setdefault(w.lower(), i)
    return lookup, np.array([lookup[w.lower()] for w in words], dtype=np.int64)


# Names of the bundled analogy sets, accepted in place of a path.
_BUNDLED_QUESTIONS = {
    None: questions_words_path,
    "words": questions_words_path,
    "phrases": questions_phrases_path,
}


def analogy_accuracy(
    wv: KeyedVectors,
    path: str | os.PathLike | None = None,
    *,
    restrict_vocab: int | None = 30000,
    case_insensitive: bool = True,
    method: str = "3cosadd",
) -> AnalogyResult:
    """Accuracy on analogy questions "a b c d" (a is to b as c is to d).

    Parameters
    ----------
    wv : KeyedVectors
        Rows in frequency order (most frequent first), as training produces them.
    path : path, "words", "phrases" or None
        A questions-words file (``: section`` lines, then four words per line); None or ``"words"``:
        the bundled Google set; ``"phrases"``: the bundled phrase set of the C tool
        (``questions-phrases.txt``, phrases joined with ``_`` as :mod:`skipgram.phrases` joins them;
        compared lower-cased unless ``case_insensitive=False``).
    restrict_vocab : int or None
        Only the first ``restrict_vocab`` words are candidates; questions using other words are
        skipped. None uses every word.
    case_insensitive : bool
        Compare lowercased words; the most frequent spelling stands for all, and every spelling
        of a question word is excluded from the answers (gensim's rule).
    method : {"3cosadd", "3cosmul"}

    Examples
    --------
    >>> wv = KeyedVectors(["man", "woman", "king", "queen"],
    ...                   [[1, 0, 1], [1, 1, 1], [3, 0, 1], [3, 1, 1]])
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "q.txt")
    >>> _ = open(p, "w").write(": family\\nman king woman queen\\nman woman king prince\\n")
    >>> result = analogy_accuracy(wv, p)
    >>> result.correct, result.total, result.skipped
    (1, 1, 1)
    """
    if method not in ("3cosadd", "3cosmul"):
        raise ValueError(f"method must be '3cosadd' or '3cosmul'; got {method!r}")
    path = _BUNDLED_QUESTIONS.get(path, lambda: path)() if isinstance(path, str) or path is None else path
    _check_restrict_vocab(restrict_vocab)
    n = len(wv) if restrict_vocab is None else min(int(restrict_vocab), len(wv))
    lookup, canon = _lookup(wv.words[:n], case_insensitive)
    key = str.lower if case_insensitive else str
    unit = np.ascontiguousarray(wv.unit_vectors[:n])
    # Rows sharing a canonical row (case variants), as a CSR table, to exclude them all at once.
    sizes = np.bincount(canon, minlength=n)
    starts = np.cumsum(sizes) - sizes
    members = np.argsort(canon, kind="stable")

    scores_list = []
    for name, questions in read_questions(path):
        ids = np.array([[lookup.get(key(w), -1) for w in q] for q in questions], dtype=np.int64).reshape(
            -1, 4
        )
        known = ids[(ids >= 0).all(axis=1)]
        correct = _solve(unit, known, sizes, starts, members, canon, method)
        scores_list.append(SectionScore(name, correct, len(known), len(ids) - len(known)))
    result = AnalogyResult(scores_list, method, n)
    logger.info(
        "analogy accuracy %.4f (%d/%d, %d skipped; semantic %.4f, syntactic %.4f)",
        result.accuracy,
        result.correct,
        result.total,
        result.skipped,
        result.semantic.accuracy,
        result.syntactic.accuracy,
    )
    return result


def _solve(unit, ids, sizes, starts, members, canon, method) -> int:
    """Number of questions (rows of ``ids``: a b c d) whose best remaining candidate is d."""
    n = len(unit)
    per_block = max(1, _SCORES_PER_BLOCK // n)
    correct = 0
    for begin in range(0, len(ids), per_block):
        a, b, c, d = ids[begin : begin + per_block].T
        # A section reuses a few hundred words: one product for those words' cosines with every
        # candidate, then each question only gathers and combines three rows of it.
        unique, inverse = np.unique(np.concatenate([a, b, c]), return_inverse=True)
        if method == "3cosadd" and len(unique) > len(a):  # little reuse: one product is cheaper
            scores = (unit[b] - unit[a] + unit[c]) @ unit.T
        else:
            cos = unit[unique] @ unit.T
            i_a, i_b, i_c = np.split(inverse, 3)
            if method == "3cosadd":
                scores = cos[i_b]
                scores -= cos[i_a]
                scores += cos[i_c]
            else:
                # (1+cb)/2 · (1+cc)/2 / ((1+ca)/2 + eps) ∝ (1+cb)(1+cc) / (1+ca+2eps)
                cos += 1.0
                scores = cos[i_b]
                scores *= cos[i_c]
                denominator = cos[i_a]
                denominator += 2 * COSMUL_EPSILON
                scores /= denominator
        for word in (a, b, c):  # exclude every spelling of the question words
            counts = sizes[word]
            rows = np.repeat(np.arange(len(word)), counts)
            offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            scores[rows, members[np.repeat(starts[word], counts) + offsets]] = -np.inf
        predicted = np.argmax(scores, axis=1)
        correct += int((canon[predicted] == d).sum())
    return correct


@dataclass
class SimilarityResult:
    """Correlation of model cosines with human similarity scores."""

    spearman: float
    pearson: float
    pairs: int
    oov_pairs: int

    @property
    def oov_ratio(self) -> float:
        """Fraction of pairs skipped because a word is unknown."""
        total = self.pairs + self.oov_pairs
        return self.oov_pairs / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (an undefined correlation becomes None)."""

        def clean(x: float) -> float | None:
            return None if math.isnan(x) else x

        return {
            "spearman": clean(self.spearman),
            "pearson": clean(self.pearson),
            "pairs": self.pairs,
            "oov_pairs": self.oov_pairs,
            "oov_ratio": self.oov_ratio,
        }


def rankdata(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n; tied values share the mean of their ranks (as ``scipy.stats.rankdata``).

    Examples
    --------
    >>> rankdata(np.array([10, 20, 10, 30])).tolist()
    [1.5, 3.0, 1.5, 4.0]
    """
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new_group = np.r_[True, ordered[1:] != ordered[:-1]]
    group = np.cumsum(new_group) - 1
    first = np.flatnonzero(new_group)
    last = np.r_[first[1:], len(values)] - 1
    ranks = np.empty(len(values))
    ranks[order] = ((first + last) / 2.0 + 1.0)[group]
    return ranks


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation; NaN when fewer than two points or a constant input."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(x) < 2:
        return math.nan
    x, y = x - x.mean(), y - y.mean()
    denominator = math.sqrt(float(x @ x) * float(y @ y))
    return float(x @ y) / denominator if denominator else math.nan


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (Pearson of the tie-averaged ranks)."""
    return pearson(rankdata(x), rankdata(y))


def read_word_pairs(path: str | os.PathLike) -> list[tuple[int, str, str, float]]:
    """``(line, word1, word2, score)`` from a tab-, comma- or space-separated file.

    Blank lines and ``#`` comments are skipped; a first line whose score is not a number is a header.
    """
    pairs = []
    for number, raw in enumerate(_read_lines(path), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        sep = "\t" if "\t" in line else ("," if "," in line else None)
        fields = [f.strip() for f in line.split(sep)]
        problem = "expected 'word1 word2 score'"
        if len(fields) >= 3:
            try:
                score = float(fields[2])
                if math.isfinite(score):
                    pairs.append((number, fields[0], fields[1], score))
                    continue
                problem = f"the score {fields[2]!r} is not finite"
            except ValueError:
                if not pairs:  # a header line such as "Word 1,Word 2,Human (mean)"
                    continue
                problem = f"the score {fields[2]!r} is not a number"
        raise FormatError(f"{os.fspath(path)}: line {number}: {problem}")
    if not pairs:
        raise FormatError(f"{os.fspath(path)}: holds no word pairs (lines of 'word1 word2 score')")
    return pairs


def similarity_correlation(
    wv: KeyedVectors,
    path: str | os.PathLike | None = None,
    *,
    case_insensitive: bool = True,
    restrict_vocab: int | None = None,
) -> SimilarityResult:
    """Spearman and Pearson correlation between cosine similarity and human scores.

    ``path`` None uses the bundled WordSim-353. Pairs with an unknown word are skipped and
    counted (``oov_ratio``). With ``case_insensitive``, a word not found as written is looked up
    lowercased (its most frequent spelling).

    Examples
    --------
    >>> wv = KeyedVectors(["a", "b", "c"], [[1, 0], [1, 0.2], [0, 1]])
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "pairs.tsv")
    >>> _ = open(p, "w").write("a\\tb\\t9\\na\\tc\\t1\\nb\\tc\\t2\\na\\tzz\\t5\\n")
    >>> r = similarity_correlation(wv, p)
    >>> r.spearman, r.pairs, r.oov_pairs
    (1.0, 3, 1)
    """
    path = wordsim353_path() if path is None else path
    _check_restrict_vocab(restrict_vocab)
    n = len(wv) if restrict_vocab is None else min(int(restrict_vocab), len(wv))
    exact = {w: i for i, w in enumerate(wv.words[:n])}
    lowered = _lookup(wv.words[:n], True)[0] if case_insensitive else {}

    def find(word: str) -> int:
        row = exact.get(word, -1)
        return lowered.get(word.lower(), -1) if row < 0 and case_insensitive else row

    human, rows = [], []
    oov = 0
    for _, first, second, score in read_word_pairs(path):
        i, j = find(first), find(second)
        if i < 0 or j < 0:
            oov += 1
            continue
        human.append(score)
        rows.append((i, j))
    unit = wv.unit_vectors
    index = np.array(rows, dtype=np.int64).reshape(-1, 2)
    model = np.einsum("ij,ij->i", unit[index[:, 0]], unit[index[:, 1]])
    result = SimilarityResult(spearman(human, model), pearson(human, model), len(rows), oov)
    logger.info(
        "similarity: spearman %.4f, pearson %.4f, %d pairs, %.1f%% out of vocabulary",
        result.spearman,
        result.pearson,
        result.pairs,
        100 * result.oov_ratio,
    )
    return result
