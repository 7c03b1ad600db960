"""Phrases: scores, word2phrase's rule (against a plain-Python reference), gensim, connector words,
passes, the bounded-memory guarantee, files, the CLI and Word2Vec(phrases=...)."""

from __future__ import annotations

import math
import random
import shutil
import subprocess
from collections import Counter
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from skipgram.cli import main
from skipgram.errors import FormatError, ParameterError
from skipgram.phrases import Phrases, npmi_score, original_score, write_phrased


def make_text(seed: int = 0, sentences: int = 400) -> list[list[str]]:
    """Sentences of Zipf-ish noise words with planted collocations of several strengths."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(150)]
    weights = [1.0 / (i + 1) for i in range(150)]
    planted = [["new", "york"], ["hot", "dog"], ["bank", "of", "america"], ["new", "york", "times"]]
    out = []
    for _ in range(sentences):
        sentence = rng.choices(vocab, weights, k=rng.randint(3, 15))
        if rng.random() < 0.5:
            at = rng.randrange(len(sentence) + 1)
            sentence[at:at] = rng.choice(planted)
        if rng.random() < 0.2:
            sentence.append(rng.choice(["new", "york", "dog", "hot", "of", "times"]))
        out.append(sentence)
    return out


def word2phrase_reference(sentences, min_count, threshold):
    """What word2phrase does, in plain Python: unigram and adjacent-pair counts, keep counts >=
    min_count, then join greedily left to right, a joined word never starting the next phrase."""
    unigrams, bigrams = Counter(), Counter()
    for s in sentences:
        unigrams.update(s)
        bigrams.update(pairwise(s))
    n = sum(unigrams.values())
    out = []
    for s in sentences:
        result, can_start = [s[0]], True
        for a, b in pairwise(s):
            ca, cb, cab = unigrams[a], unigrams[b], bigrams[(a, b)]
            ok = can_start and min(ca, cb, cab) >= min_count
            score = np.float32(cab - min_count) / np.float32(ca) / np.float32(cb) * np.float32(n) if ok else 0
            if ok and score > np.float32(threshold):
                result[-1] += "_" + b
                can_start = False
            else:
                result.append(b)
                can_start = True
        out.append(result)
    return out


def ctool(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    """The C tool's score in gensim's scorer signature (module level: gensim pickles scorers)."""
    return (bigram_count - min_count) / worda_count / wordb_count * corpus_word_count


def test_scores_match_hand_computed_values():
    # (50 - 5) / 100 / 200 * 1e6
    assert float(original_score(100, 200, 50, 5, 1_000_000)) == pytest.approx(2250.0)
    # ln(0.005 / (0.01 * 0.02)) / -ln(0.005)
    expected = math.log(0.005 / 0.0002) / -math.log(0.005)
    assert float(npmi_score(10, 20, 5, 1000)) == pytest.approx(expected, rel=1e-12)
    assert float(npmi_score(7, 7, 7, 7)) == 1.0


@pytest.mark.parametrize("threshold", [5.0, 50.0, 200.0])
def test_apply_reproduces_word2phrase(threshold):
    text = make_text()
    phrases = Phrases(min_count=5, threshold=threshold).fit(text)
    assert list(phrases.transform(text)) == word2phrase_reference(text, 5, threshold)


def test_export_scores_and_counts_are_the_formula_on_exact_counts():
    text = make_text(1)
    phrases = Phrases(min_count=3, threshold=10.0).fit(text)
    unigrams = Counter(w for s in text for w in s)
    bigrams = Counter(p for s in text for p in pairwise(s))
    n = sum(unigrams.values())
    table = phrases.export_phrases(with_counts=True)
    assert "new_york" in table and "hot_dog" in table
    for text_, (score, count) in table.items():
        a, b = text_.split("_")
        assert count == bigrams[(a, b)]
        assert score == pytest.approx((count - 3) * n / (unigrams[a] * unigrams[b]), rel=1e-6)
        assert score > 10.0
    expected = {
        f"{a}_{b}" for (a, b), c in bigrams.items() if c >= 3 and (c - 3) * n / unigrams[a] / unigrams[b] > 10
    }
    assert set(table) == expected


def test_npmi_scoring_and_threshold():
    text = make_text(2)
    table = Phrases(min_count=5, scoring="npmi", threshold=0.5).fit(text).export_phrases()
    assert table and all(0.5 < s <= 1.0 for s in table.values())
    assert "hot_dog" in table


def test_connector_words_join_across_of_but_never_at_the_ends():
    text = make_text(3)
    plain = Phrases(min_count=5, threshold=1.0).fit(text)
    joined = Phrases(min_count=5, threshold=1.0, connector_words="english").fit(text)
    assert joined.apply(["the", "bank", "of", "america"]) == ["the", "bank_of_america"]
    assert "bank_of_america" not in plain.export_phrases()
    for phrase in joined.export_phrases():
        parts = phrase.split("_")
        assert parts[0] not in ("of", "the", "a") and parts[-1] not in ("of", "the", "a")


def test_matches_gensim_phrases_with_the_same_score():
    gensim_phrases = pytest.importorskip("gensim.models.phrases")
    text = make_text(4)
    ours = Phrases(min_count=5, threshold=20.0, connector_words="english").fit(text)
    theirs = gensim_phrases.Phrases(
        text,
        min_count=5,
        threshold=20.0,
        scoring=ctool,
        connector_words=gensim_phrases.ENGLISH_CONNECTOR_WORDS,
    )
    mine, gensims = ours.export_phrases(), theirs.export_phrases()
    assert set(mine) == set(gensims)
    for key, score in mine.items():
        assert score == pytest.approx(gensims[key], rel=1e-5)
    frozen = theirs.freeze()
    assert [ours.apply(s) for s in text] == [frozen[s] for s in text]


def test_second_pass_finds_longer_phrases():
    text = make_text(5)
    one = Phrases(min_count=5, threshold=5.0).fit(text)
    two = Phrases(min_count=5, threshold=5.0, passes=2).fit(text)
    sentence = ["w1", "new", "york", "times", "w2"]
    assert one.apply(sentence) == ["w1", "new_york", "times", "w2"]
    assert two.apply(sentence) == ["w1", "new_york_times", "w2"]
    assert len(two.layers_) == 2 and "new_york_times" in two.export_phrases()


def test_bounded_table_prunes_and_still_reports_exact_counts(monkeypatch):
    import skipgram.reading

    monkeypatch.setattr(skipgram.reading, "_BATCH_TOKENS", 500)  # the table is checked between batches
    rng = random.Random(6)
    text = []
    for i in range(3000):  # thousands of distinct rare pairs, and a few frequent ones
        sentence = [f"r{rng.randrange(400)}" for _ in range(6)]
        if i % 3 == 0:
            sentence[2:2] = ["new", "york"]
        if i % 5 == 0:
            sentence[4:4] = ["hot", "dog"]
        text.append(sentence)
    exact = Phrases(min_count=5, threshold=0.0).fit(text)
    small = Phrases(min_count=5, threshold=0.0, max_vocab_size=2000).fit(text)
    bound = small.layers_[0].pruning_bound
    assert bound > 0  # the table really was pruned
    exact_table, small_table = exact.export_phrases(with_counts=True), small.export_phrases(with_counts=True)
    for phrase, (score, count) in small_table.items():  # every reported count is exact
        assert exact_table[phrase] == (score, count)
    # every phrase occurring more than the bound is found
    assert {p for p, (_, c) in exact_table.items() if c > bound} <= set(small_table)
    assert "new_york" in small_table and "hot_dog" in small_table


def test_save_load_round_trip_and_bad_files(tmp_path):
    text = make_text(7)
    phrases = Phrases(min_count=4, threshold=5.0, passes=2, connector_words="english").fit(text)
    path = tmp_path / "p.skipgram"
    phrases.save(path)
    loaded = Phrases.load(path)
    assert loaded.export_phrases(with_counts=True) == phrases.export_phrases(with_counts=True)
    assert [loaded.apply(s) for s in text] == [phrases.apply(s) for s in text]
    assert loaded.get_params() == phrases.get_params()
    assert b"pickle" not in path.read_bytes()[:8]
    data = bytearray(path.read_bytes())
    (tmp_path / "cut.skipgram").write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(FormatError, match=r"cut\.skipgram"):
        Phrases.load(tmp_path / "cut.skipgram")
    from skipgram import KeyedVectors

    KeyedVectors(["a", "b"], np.ones((2, 3), np.float32)).save(tmp_path / "v.skipgram")
    with pytest.raises(FormatError, match="not a 'phrases'"):
        Phrases.load(tmp_path / "v.skipgram")


def test_bad_parameters_are_one_clear_error():
    with pytest.raises(ParameterError, match="'scoring' parameter of Phrases"):
        Phrases(scoring="pmi").fit([["a", "b"]])
    with pytest.raises(ParameterError, match="connector_words"):
        Phrases(connector_words="french").fit([["a", "b"]])
    with pytest.raises(ParameterError, match="not fitted"):
        Phrases().apply(["a"])
    with pytest.raises(ParameterError, match="one sentence"):
        Phrases(min_count=1).fit([["a", "b"]]).apply("a b")


def test_write_phrased_streams_to_text_and_gzip(tmp_path):
    import gzip

    text = make_text(8)
    phrases = Phrases(min_count=5, threshold=5.0).fit(text)
    expected = "".join(" ".join(s) + "\n" for s in phrases.transform(text))
    stats = write_phrased(phrases, text, tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_text() == expected
    write_phrased(phrases, text, tmp_path / "out.txt.gz")
    assert gzip.decompress((tmp_path / "out.txt.gz").read_bytes()).decode() == expected
    assert stats["tokens_in"] == sum(map(len, text)) > stats["tokens_out"]


def test_cli_phrases_writes_the_phrased_corpus(tmp_path, capsys):
    text = make_text(9)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("".join(" ".join(s) + "\n" for s in text))
    out, saved = tmp_path / "out.txt", tmp_path / "p.skipgram"
    code = main(
        [
            "phrases",
            str(corpus),
            "-o",
            str(out),
            "--threshold",
            "5",
            "--connector-words",
            "english",
            "--passes",
            "2",
            "--save-phrases",
            str(saved),
            "--export",
            str(tmp_path / "p.tsv"),
        ]
    )
    assert code == 0
    expected = Phrases(min_count=5, threshold=5.0, connector_words="english", passes=2).fit(text)
    assert out.read_text().splitlines() == [" ".join(s) for s in expected.transform(text)]
    assert "new_york_times" in out.read_text()
    assert Phrases.load(saved).export_phrases() == expected.export_phrases()
    first = (tmp_path / "p.tsv").read_text().splitlines()[0].split("\t")
    assert len(first) == 3 and int(first[2]) >= 5


@pytest.mark.parametrize(
    "args, message",
    [
        (["phrases", "{missing}", "-o", "{out}"], "does not exist"),
        (["phrases", "{corpus}", "-o", "{corpus}"], "is one of the input files"),
        (["phrases", "{bad}", "-o", "{out}"], "not valid UTF-8"),
        (["phrases", "{corpus}", "-o", "{out}", "--connector-words", "{missing}"], "connector words file"),
        (
            ["phrases", "{corpus}", "-o", "{out}", "--scoring", "npmi", "--threshold", "x"],
            "expected a number",
        ),
    ],
)
def test_cli_phrases_bad_input_is_one_line(tmp_path, capsys, args, message):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("a b c\n" * 10)
    (tmp_path / "bad.txt").write_bytes(b"a b \xff\xfe c\n")
    names = {
        "missing": tmp_path / "missing.txt",
        "out": tmp_path / "out.txt",
        "corpus": corpus,
        "bad": tmp_path / "bad.txt",
    }
    code = main([a.format(**names) for a in args])
    err = capsys.readouterr().err.strip()
    assert code != 0 and message in err and len(err.splitlines()) == 1
    assert corpus.read_text() == "a b c\n" * 10  # the input is never overwritten


def test_word2vec_applies_phrases_on_the_fly(tmp_path):
    from skipgram import Word2Vec

    text = make_text(10, sentences=600)
    phrases = Phrases(min_count=5, threshold=5.0).fit(text)
    kwargs = dict(vector_size=8, min_count=3, epochs=1, workers=1, progress=False, seed=1)
    model = Word2Vec(**kwargs, phrases=phrases).fit(text)
    assert "new_york" in model.wv_ and "hot_dog" in model.wv_
    expected = Counter(w for s in phrases.transform(text) for w in s)
    assert model.vocab_.counts[model.vocab_.id("new_york")] == expected["new_york"]
    phrases.save(tmp_path / "p.skipgram")
    again = Word2Vec(**kwargs, phrases=tmp_path / "p.skipgram").fit(text)
    np.testing.assert_array_equal(again.wv_.vectors, model.wv_.vectors)
    model.save(tmp_path / "m.skipgram")  # the phrases object is not a saved parameter
    assert Word2Vec.load(tmp_path / "m.skipgram").wv_.words == model.wv_.words
    with pytest.raises(ParameterError, match="'phrases' parameter"):
        Word2Vec(**kwargs, phrases=3).fit(text)


def test_cli_train_with_phrases(tmp_path, capsys):
    text = make_text(11, sentences=600)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("".join(" ".join(s) + "\n" for s in text))
    out = tmp_path / "v.txt"
    code = main(
        [
            "train",
            str(corpus),
            "-o",
            str(out),
            "--phrases",
            "1",
            "--phrase-threshold",
            "5",
            "--vector-size",
            "8",
            "--epochs",
            "1",
            "--workers",
            "1",
            "--no-progress",
        ]
    )
    assert code == 0
    words = {line.split(" ", 1)[0] for line in out.read_text().splitlines()[1:]}
    assert "new_york" in words


def test_phrase_analogies_are_bundled_and_matched_lower_case():
    from skipgram import KeyedVectors
    from skipgram.evaluate import analogy_accuracy

    words = ["albuquerque", "albuquerque_journal", "baltimore", "baltimore_sun"]
    vectors = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1]], np.float32)
    result = analogy_accuracy(KeyedVectors(words, vectors), "phrases")
    assert result.total == 2 and result.correct == 2  # both orders of the one pair of pairs
    assert result.sections[0].name == "newspapers"


C_SOURCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "peers" / "word2vec-c" / "word2phrase.c"


@pytest.mark.skipif(
    not C_SOURCE.exists() or shutil.which("gcc") is None, reason="needs ../shared/peers and gcc"
)
def test_same_output_as_the_c_tool_word2phrase(tmp_path):
    binary = tmp_path / "word2phrase"
    subprocess.run(["gcc", str(C_SOURCE), "-o", str(binary), "-lm", "-O2", "-w"], check=True)
    words = [w for s in make_text(12) for w in s]  # one line: the C tool counts pairs across lines
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(" ".join(words) + "\n")
    for threshold in ("20", "5"):
        out = tmp_path / f"c-{threshold}.txt"
        # relative names: the C tool keeps file names in 60-byte buffers
        command = ["./word2phrase", "-train", corpus.name, "-output", out.name, "-threshold", threshold]
        subprocess.run([*command, "-debug", "0"], check=True, stdout=subprocess.DEVNULL, cwd=tmp_path)
        ours = Phrases(threshold=float(threshold)).fit(corpus)
        assert [w for s in ours.transform(corpus) for w in s] == out.read_text().split()
        assert "_" in out.read_text()


def test_cli_evaluate_uses_the_bundled_phrase_analogies(tmp_path, capsys):
    from skipgram import KeyedVectors

    words = ["albuquerque", "albuquerque_journal", "baltimore", "baltimore_sun"]
    vectors = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1]], np.float32)
    KeyedVectors(words, vectors).save(tmp_path / "v.skipgram")
    assert main(["evaluate", str(tmp_path / "v.skipgram"), "--analogies", "phrases", "--json"]) == 0
    out = capsys.readouterr().out
    assert "questions-phrases.txt (bundled)" in out and '"correct": 2' in out


def test_npmi_threshold_outside_its_range_is_refused():
    with pytest.raises(ParameterError, match=r"\[-1, 1\] for scoring='npmi'"):
        Phrases(scoring="npmi", threshold=10.0).fit([["a", "b"]])
    with pytest.raises(ParameterError, match="'threshold' parameter"):
        Phrases(threshold="high").fit([["a", "b"]])
