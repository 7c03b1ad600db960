"""Tests for skipgram.vocab: counting, pruning, ordering, stop words and errors."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest

from skipgram.errors import CorpusError, ParameterError
from skipgram.vocab import Vocabulary, load_stop_words


@pytest.fixture
def sentences():
    # counts: the 6, cat 4, dog 4, a 3, sat 2, mat 1, on 1
    return [
        ["the", "cat", "sat", "on", "the", "mat"],
        ["the", "dog", "sat"],
        ["a", "cat", "a", "dog", "the"],
        ["dog", "cat", "the", "a", "the", "dog", "cat"],
    ]


def test_counts_and_raw_total(sentences):
    vocab = Vocabulary.build(sentences, min_count=1)
    expected = Counter(w for s in sentences for w in s)
    assert dict(zip(vocab.words, vocab.counts.tolist(), strict=True)) == dict(expected)
    assert vocab.counts.dtype == np.int64
    assert vocab.raw_total == sum(map(len, sentences)) == 21


def test_frequency_order_with_ties_broken_by_word(sentences):
    vocab = Vocabulary.build(sentences, min_count=1)
    assert vocab.words == ["the", "cat", "dog", "a", "sat", "mat", "on"]
    assert vocab.index == {w: i for i, w in enumerate(vocab.words)}
    # the input order of words must not matter
    shuffled = [list(reversed(s)) for s in reversed(sentences)]
    assert Vocabulary.build(shuffled, min_count=1).words == vocab.words


def test_min_count_prunes_rare_words_but_raw_total_keeps_them(sentences):
    vocab = Vocabulary.build(sentences, min_count=3)
    assert vocab.words == ["the", "cat", "dog", "a"]
    assert vocab.counts.tolist() == [6, 4, 4, 3]
    assert vocab.raw_total == 21


def test_max_vocab_size_keeps_most_frequent_alphabetical_on_ties(sentences):
    vocab = Vocabulary.build(sentences, min_count=1, max_vocab_size=2)
    assert vocab.words == ["the", "cat"]  # "cat" and "dog" tie at 4: "cat" comes first
    assert len(Vocabulary.build(sentences, min_count=1, max_vocab_size=100)) == 7


def test_stop_words_iterable_and_english(sentences):
    vocab = Vocabulary.build(sentences, min_count=1, stop_words=["cat", "sat"])
    assert vocab.words == ["the", "dog", "a", "mat", "on"]
    english = Vocabulary.build(sentences, min_count=1, stop_words="english")
    assert english.words == ["cat", "dog", "sat", "mat"]
    assert english.raw_total == 21


def test_bundled_english_list():
    words = load_stop_words("english")
    assert len(words) >= 150
    assert {"the", "and", "of", "a", "is", "not", "don't"} <= words
    assert "king" not in words and all(w == w.lower() for w in words)


def test_membership_id_and_ids(sentences):
    vocab = Vocabulary.build(sentences, min_count=2)
    assert "cat" in vocab and "mat" not in vocab and 3 not in vocab
    assert len(vocab) == 5
    assert vocab.id("dog") == 2
    ids = vocab.ids(["dog", "unknown", "the", "mat"])
    assert ids.dtype == np.int32 and ids.tolist() == [2, 0]
    assert vocab.ids(iter(["a"])).tolist() == [3]


def test_unknown_word_key_error_suggests_spellings(sentences):
    vocab = Vocabulary.build(sentences, min_count=1)
    with pytest.raises(KeyError, match=r"'dogg' is not in the vocabulary; did you mean 'dog'"):
        vocab.id("dogg")


def test_build_reads_paths(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("b a b\nc b a\n", encoding="utf-8")
    vocab = Vocabulary.build(path, min_count=2)
    assert vocab.words == ["b", "a"] and vocab.raw_total == 6


def test_from_counts_matches_build(sentences):
    counts = Counter(w for s in sentences for w in s)
    vocab = Vocabulary.from_counts(list(counts), np.array(list(counts.values())), min_count=2)
    built = Vocabulary.build(sentences, min_count=2)
    assert vocab.words == built.words and vocab.counts.tolist() == built.counts.tolist()


def test_constructor_checks_lengths_and_duplicates():
    with pytest.raises(ValueError, match="2 words but 1 counts"):
        Vocabulary(["a", "b"], np.array([1]), 1)
    with pytest.raises(ValueError, match="duplicate"):
        Vocabulary(["a", "a"], np.array([1, 1]), 2)


MIN_COUNT = "The 'min_count' parameter of Vocabulary must be an int in the range [1, inf); got "
MAX_SIZE = "The 'max_vocab_size' parameter of Vocabulary must be None or an int in the range [1, inf); got "
STOP = "The 'stop_words' parameter must be None, 'english' or an iterable of words; got "


@pytest.mark.parametrize(
    "params, message",
    [
        ({"min_count": 0}, MIN_COUNT + "0."),
        ({"min_count": -3}, MIN_COUNT + "-3."),
        ({"min_count": 2.5}, MIN_COUNT + "2.5."),
        ({"min_count": True}, MIN_COUNT + "True."),
        ({"min_count": "5"}, MIN_COUNT + "'5'."),
        ({"max_vocab_size": 0}, MAX_SIZE + "0."),
        ({"max_vocab_size": 10.0}, MAX_SIZE + "10.0."),
        ({"stop_words": "german"}, STOP + "'german'."),
        ({"stop_words": [1, 2]}, "stop words must be strings; got 1."),
    ],
)
def test_invalid_parameters(sentences, params, message):
    with pytest.raises(ParameterError, match=re.escape(message)):
        Vocabulary.build(sentences, **params)


@pytest.mark.parametrize("corpus", [[], [[]], [[], []]])
def test_empty_corpus(corpus):
    with pytest.raises(CorpusError, match="the corpus is empty"):
        Vocabulary.build(corpus, min_count=1)


def test_no_word_reaches_min_count(sentences):
    with pytest.raises(CorpusError) as info:
        Vocabulary.build(sentences, min_count=7)
    message = str(info.value)
    assert "no word occurs at least min_count=7 times" in message
    assert "'the', occurs 6 times" in message
    assert "lower --min-count" in message


def test_everything_is_a_stop_word():
    with pytest.raises(CorpusError, match="every word of the corpus is a stop word"):
        Vocabulary.build([["the", "a", "of"]], min_count=1, stop_words="english")
