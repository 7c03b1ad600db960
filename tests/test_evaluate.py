"""Evaluation: analogy accuracy (known answers, skipping, case, gensim cross-check), similarity."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from scipy import stats

from skipgram.datasets import questions_words_path, wordsim353_path
from skipgram.errors import FormatError
from skipgram.evaluate import (
    analogy_accuracy,
    rankdata,
    read_questions,
    read_word_pairs,
    similarity_correlation,
    spearman,
)
from skipgram.vectors import KeyedVectors

# Rows in "frequency" order. Dimension 0 = royal, 1 = female, 2 = shared, 3 = country-ness.
WORDS = ["man", "woman", "king", "queen", "paris", "france", "rome", "italy", "boy", "girl"]
VECTORS = [
    [1, 0, 1, 0],
    [1, 1, 1, 0],
    [3, 0, 1, 0],
    [3, 1, 1, 0],
    [0, 0, 1, 2],
    [0, 0, 1, 4],
    [0, 0.5, 1, 2],
    [0, 0.5, 1, 4],
    [0.5, 0, 1, 0],
    [0.5, 1, 1, 0],
]

QUESTIONS = """\
: capital-common-countries
paris france rome italy
rome italy paris france
paris france rome queen
PARIS FRANCE ROME ITALY
paris france berlin germany
: family
man king woman queen
man woman king queen
man woman boy girl
: gram2-opposite
king queen man woman
man woman girl boy
"""


@pytest.fixture
def wv() -> KeyedVectors:
    return KeyedVectors(WORDS, VECTORS)


@pytest.fixture
def questions(tmp_path):
    path = tmp_path / "questions.txt"
    path.write_text(QUESTIONS, encoding="utf-8")
    return path


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_analogy_known_answers(wv, questions, method):
    result = analogy_accuracy(wv, questions, method=method)
    by_name = {s.name: s for s in result.sections}
    capital = by_name["capital-common-countries"]
    assert (capital.correct, capital.total, capital.skipped) == (3, 4, 1)  # "queen" is wrong
    family = by_name["family"]
    assert (family.correct, family.total, family.skipped) == (3, 3, 0)
    gram = by_name["gram2-opposite"]
    assert (gram.correct, gram.total) == (1, 2)  # girl - woman + man = boy, not "boy" given
    assert result.semantic.total == 7 and result.semantic.correct == 6
    assert result.syntactic.total == 2 and result.syntactic.correct == 1
    assert result.total == 9 and result.correct == 7 and result.skipped == 1
    assert result.accuracy == pytest.approx(7 / 9)
    as_dict = json.loads(json.dumps(result.to_dict()))
    assert as_dict["seen"] == 10 and as_dict["sections"][1]["name"] == "family"
    assert as_dict["semantic"]["accuracy"] == pytest.approx(6 / 7)


def test_analogy_case_sensitive_skips_uppercase(wv, questions):
    result = analogy_accuracy(wv, questions, case_insensitive=False)
    assert result.sections[0].skipped == 2 and result.total == 8


def test_analogy_restrict_vocab_skips_rare_words(wv, questions):
    # Only the first 8 rows are candidates: questions using "boy"/"girl" are skipped.
    result = analogy_accuracy(wv, questions, restrict_vocab=8)
    assert result.skipped == 1 + 2 and result.total == 7
    assert analogy_accuracy(wv, questions, restrict_vocab=None).total == 9


def test_case_variants_of_question_words_are_excluded(tmp_path):
    # "King" (a rarer spelling of the question word "king") is nearest to king - man + woman;
    # with case-insensitive matching it must not count as the answer.
    wv = KeyedVectors(
        ["man", "woman", "king", "queen", "King"],
        [[1, 0, 1], [1, 1, 1], [3, 0, 1], [2, 3, 0.5], [3, 1, 1]],
    )
    path = tmp_path / "q.txt"
    path.write_text(": family\nman king woman queen\n")
    assert wv.analogy("man", "king", "woman")[0][0] == "King"
    assert analogy_accuracy(wv, path).correct == 1
    assert analogy_accuracy(wv, path, case_insensitive=False).correct == 0


def _random_setup(tmp_path, seed=3):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(120)]
    wv = KeyedVectors(words, rng.standard_normal((120, 8)))
    lines = []
    for section in ("city", "gram3-x"):
        lines.append(f": {section}")
        for _ in range(150):
            a, b, c, d = rng.choice(130, size=4, replace=False)  # some ids are out of vocabulary
            lines.append(" ".join(f"w{i}" for i in (a, b, c, d)))
    path = tmp_path / "random.txt"
    path.write_text("\n".join(lines) + "\n")
    return wv, path


def test_analogy_matches_gensim(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    wv, path = _random_setup(tmp_path)
    theirs = gensim_models.KeyedVectors(vector_size=wv.vector_size)
    theirs.add_vectors(wv.words, wv.vectors)
    score, sections = theirs.evaluate_word_analogies(str(path), restrict_vocab=100)
    ours = analogy_accuracy(wv, path, restrict_vocab=100)
    for mine, their in zip(ours.sections, sections, strict=False):
        assert mine.correct == len(their["correct"])
        assert mine.total == len(their["correct"]) + len(their["incorrect"])
    assert ours.accuracy == pytest.approx(score)


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_analogy_matches_per_question_queries(tmp_path, method):
    wv, path = _random_setup(tmp_path, seed=5)
    expected = 0
    for _, questions in read_questions(path):
        for a, b, c, d in questions:
            if all(w in wv.words[:100] for w in (a, b, c, d)):
                best = wv.analogy(a, b, c, method=method, restrict_vocab=100)[0][0]
                expected += best == d
    result = analogy_accuracy(wv, path, restrict_vocab=100, method=method)
    assert result.correct == expected and expected > 0


def test_analogy_bundled_file_and_speed():
    sections = read_questions(questions_words_path())
    vocabulary = sorted({w.lower() for _, qs in sections for q in qs for w in q})
    assert len(sections) == 14 and sum(len(q) for _, q in sections) == 19544
    rng = np.random.default_rng(0)
    words = vocabulary + [f"filler{i}" for i in range(30000 - len(vocabulary))]
    wv = KeyedVectors(words, rng.standard_normal((30000, 100)).astype(np.float32))
    wv.unit_vectors  # noqa: B018
    start = time.perf_counter()
    result = analogy_accuracy(wv)
    elapsed = time.perf_counter() - start
    assert result.total == 19544 and result.skipped == 0
    assert result.semantic.total == 8869 and result.syntactic.total == 10675
    assert elapsed < 30  # ~4 s on a busy 2-core machine


def test_bad_question_line(tmp_path, wv):
    path = tmp_path / "q.txt"
    path.write_text(": s\na b c d\na b c\n")
    with pytest.raises(FormatError, match=r"q\.txt: line 3: expected 4 words"):
        analogy_accuracy(wv, path)
    with pytest.raises(ValueError, match="method"):
        analogy_accuracy(wv, path, method="cos")


# -- similarity --------------------------------------------------------------------------------


def test_rankdata_and_spearman_match_scipy():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, size=200).astype(float)  # many ties
    y = x + rng.integers(0, 3, size=200)
    np.testing.assert_allclose(rankdata(x), stats.rankdata(x))
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, rel=1e-12)
    assert np.isnan(spearman([1, 1, 1], [1, 2, 3]))


@pytest.mark.parametrize(
    "content",
    [
        "# comment\nWord 1\tWord 2\tHuman (mean)\nking\tqueen\t9\nking\tapple\t1.5\nman\twoman\t8\n",
        "word1,word2,score\nking,queen,9\nking,apple,1.5\nman,woman,8\n",
        "king queen 9\n\nking  apple 1.5\nMan woman 8 extra\nking zebra 4\n",
    ],
)
def test_similarity_layouts(tmp_path, content):
    wv = KeyedVectors(
        ["king", "queen", "apple", "man", "woman"],
        [[1, 0.1, 0], [1, 0.2, 0], [0, 0, 1], [0.5, 0.5, 0], [0.5, 0.6, 0]],
    )
    path = tmp_path / "pairs.txt"
    path.write_text(content, encoding="utf-8")
    result = similarity_correlation(wv, path)
    assert result.pairs == 3
    model = [wv.similarity("king", "queen"), wv.similarity("king", "apple")]
    model.append(wv.similarity("man", "woman"))
    assert result.spearman == pytest.approx(stats.spearmanr([9, 1.5, 8], model).statistic)
    assert result.pearson == pytest.approx(stats.pearsonr([9, 1.5, 8], model).statistic)
    expected_oov = 1 if "zebra" in content else 0
    assert result.oov_pairs == expected_oov
    assert result.oov_ratio == pytest.approx(expected_oov / (3 + expected_oov))
    assert json.dumps(result.to_dict())


def test_similarity_case_and_bad_lines(tmp_path):
    wv = KeyedVectors(["king", "queen", "apple"], [[1, 0.1], [1, 0.2], [0, 1]])
    path = tmp_path / "pairs.tsv"
    path.write_text("King\tQueen\t9\nking\tapple\t1\n")
    assert similarity_correlation(wv, path).pairs == 2
    assert similarity_correlation(wv, path, case_insensitive=False).pairs == 1
    path.write_text("king\tqueen\t9\nking\tapple\tlots\n")
    with pytest.raises(FormatError, match=r"pairs\.tsv: line 2: the score 'lots'"):
        read_word_pairs(path)
    path.write_text("king\tqueen\t9\nking\n")
    with pytest.raises(FormatError, match="line 2: expected 'word1 word2 score'"):
        similarity_correlation(wv, path)
    path.write_text("king\tqueen\tnan\n")
    with pytest.raises(FormatError, match="not finite"):
        similarity_correlation(wv, path)


def test_similarity_bundled_wordsim():
    pairs = read_word_pairs(wordsim353_path())
    assert len(pairs) == 353
    words = sorted({w for _, a, b, _ in pairs for w in (a, b)})
    rng = np.random.default_rng(0)
    wv = KeyedVectors(words[:-5], rng.standard_normal((len(words) - 5, 10)))
    result = similarity_correlation(wv)
    assert result.pairs + result.oov_pairs == 353 and result.oov_pairs > 0
    assert -0.3 < result.spearman < 0.3  # random vectors: no correlation
