"""skipgram.gensim over the native continued-training and vocabulary API (fit_more, vocabulary=,
trim_rule, max_final_vocab, --save-vocab/--read-vocab): gensim's online-training usage."""

from __future__ import annotations

import numpy as np

from skipgram.cli import main
from skipgram.gensim import RULE_DEFAULT, RULE_DISCARD, KeyedVectors, Word2Vec

TEXTS = [
    ["human", "interface", "computer"],
    ["survey", "user", "computer", "system", "response", "time"],
    ["eps", "user", "interface", "system"],
    ["system", "human", "system", "eps"],
    ["user", "response", "time"],
    ["trees"],
    ["graph", "trees"],
    ["graph", "minors", "trees"],
    ["graph", "minors", "survey"],
] * 20
MORE = [["sushi", "shop", "computer", "user"], ["sushi", "restaurant", "graph", "trees"]] * 20


def test_loaded_model_trains_on_more_text_like_the_docstring(tmp_path):
    # sample=0: 20 tokens of frequent words would all be subsampled away (gensim's rule and ours)
    model = Word2Vec(sentences=TEXTS, vector_size=16, window=5, min_count=1, workers=1, sample=0)
    model.save(str(tmp_path / "word2vec.model"))
    model = Word2Vec.load(str(tmp_path / "word2vec.model"))
    before = model.wv["computer"].copy()
    effective, raw = model.train([["hello", "world", "computer", "user"]] * 5, total_examples=5, epochs=1)
    assert raw == 20 and effective <= 10  # only the known words count as trained
    assert "hello" not in model.wv  # no build_vocab(update=True): the vocabulary stays
    assert not np.array_equal(before, model.wv["computer"])


def test_online_training_adds_the_new_words_like_the_tutorial(tmp_path):
    model = Word2Vec(sentences=TEXTS, vector_size=16, min_count=1, workers=1, sg=1)
    old = model.wv.index_to_key[:]
    model.build_vocab(MORE, update=True)
    model.train(MORE, total_examples=model.corpus_count, epochs=model.epochs)
    assert {"sushi", "shop", "restaurant"} <= set(model.wv.key_to_index)
    # Our vocabulary is re-sorted by the combined counts (gensim appends new words): the old words and
    # their trained rows are all there, possibly at other ids.
    assert set(old) <= set(model.wv.index_to_key)
    assert model.wv.get_vecattr("computer", "count") == 40 + 20  # counts combined
    assert model.wv.most_similar("sushi", topn=3)


def test_build_vocab_fixes_the_vocabulary_train_uses():
    model = Word2Vec(vector_size=8, min_count=1, workers=1)
    model.build_vocab(TEXTS)
    model.train(TEXTS + MORE, total_examples=len(TEXTS) + len(MORE), epochs=2)
    assert "sushi" not in model.wv and sorted(model.wv.key_to_index) == sorted({w for s in TEXTS for w in s})


def test_trim_rule_and_max_final_vocab():
    def rule(word, count, min_count):
        return RULE_DISCARD if word == "system" else RULE_DEFAULT

    model = Word2Vec(TEXTS, vector_size=8, min_count=1, workers=1, trim_rule=rule)
    assert "system" not in model.wv and "trees" in model.wv
    capped = Word2Vec(TEXTS, vector_size=8, min_count=1, workers=1, max_final_vocab=5)
    assert len(capped.wv) <= 5
    built = Word2Vec(vector_size=8, min_count=1, workers=1)
    built.build_vocab(TEXTS, trim_rule=rule)
    assert "system" not in built.wv


def test_c_tool_vocabulary_files_round_trip(tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(" ".join(s) for s in TEXTS))
    vocab, out = tmp_path / "vocab.txt", tmp_path / "v.bin"
    argv = ["-train", str(corpus), "-output", str(out), "-size", "8", "-iter", "1", "-min-count", "1",
            "-threads", "1", "-save-vocab", str(vocab), "-binary", "1"]  # fmt: skip
    assert main(argv) == 0
    lines = vocab.read_text().split("\n")
    assert lines[0] == "</s> 0"  # the C tool's vocabulary files start with its sentence-end token
    assert lines[1].split()[0] == "system"
    again = tmp_path / "v2.bin"
    argv = ["-train", str(corpus), "-output", str(again), "-size", "8", "-iter", "1", "-threads", "1",
            "-read-vocab", str(vocab), "-binary", "1"]  # fmt: skip
    assert main(argv) == 0
    assert KeyedVectors.load_word2vec_format(str(again), binary=True).index_to_key == [
        line.split()[0] for line in lines[1:] if line
    ]


def test_train_uses_only_its_own_callbacks_and_compute_loss_like_gensim():
    class Count:
        def __init__(self):
            self.epochs = 0

        def on_epoch_end(self, model):
            self.epochs += 1

    counter = Count()
    model = Word2Vec(
        TEXTS, vector_size=8, min_count=1, workers=1, epochs=2, compute_loss=True, callbacks=[counter]
    )
    assert counter.epochs == 2 and model.get_latest_training_loss() > 0
    model.train(TEXTS, total_examples=len(TEXTS), epochs=1)  # no callbacks, compute_loss=False
    assert counter.epochs == 2 and model.get_latest_training_loss() == 0.0
    model.train(TEXTS, total_examples=len(TEXTS), epochs=1, compute_loss=True, callbacks=[counter])
    assert counter.epochs == 3 and model.get_latest_training_loss() > 0
