"""``skipgram train`` and ``skipgram demo`` through the CLI entry point."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKeyedVectors

from skipgram import KeyedVectors
from skipgram.cli import main
from skipgram.cli.train import output_format
from skipgram.datasets import demo_corpus_path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """About 100k tokens of real text, gzip-compressed, one sentence per 500 words."""
    with gzip.open(demo_corpus_path(), "rt", encoding="utf-8") as handle:
        words = handle.read(650_000).split()[:-1]
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(" ".join(words[i : i + 500]) for i in range(0, len(words), 500)))
    return path


FAST = ["--epochs", "1", "--vector-size", "20", "--workers", "1", "--no-progress"]


@pytest.mark.parametrize(
    ("suffix", "fmt"),
    [(".bin", "word2vec-binary"), (".txt", "word2vec-text"), (".vec", "word2vec-text"), (".sg", "native")],
)
def test_format_follows_the_suffix(suffix, fmt):
    assert output_format(f"out{suffix}", None) == fmt
    assert output_format(f"out{suffix}", "native") == "native"


def test_train_writes_word2vec_binary_that_gensim_reads(corpus, tmp_path, capsys):
    out = tmp_path / "vectors.bin"
    assert main(["train", str(corpus), "-o", str(out), *FAST, "--min-count", "3"]) == 0
    printed = capsys.readouterr()
    assert "wrote" in printed.out and "vectors of 20 dimensions" in printed.out
    assert "epoch 1/1: loss" in printed.err
    ours = KeyedVectors.load_word2vec_format(out)
    theirs = GensimKeyedVectors.load_word2vec_format(str(out), binary=True)
    assert list(theirs.index_to_key) == ours.words
    np.testing.assert_array_equal(theirs.vectors, ours.vectors)


def test_train_native_with_flags_and_model_file(corpus, tmp_path):
    out = tmp_path / "vectors.skipgram"
    model_file = tmp_path / "model.skipgram"
    args = ["train", str(corpus), "-o", str(out), *FAST, "--architecture", "cbow", "--output", "average"]
    args += ["--stop-words", "english", "--max-vocab-size", "500", "--save-model", str(model_file)]
    assert main(args) == 0
    wv = KeyedVectors.load(out)
    assert len(wv) == 500 and "the" not in wv and "of" not in wv
    assert wv.metadata["params"]["architecture"] == "cbow"
    assert wv.metadata["training_log"][0]["epoch"] == 1
    from skipgram import Word2Vec

    model = Word2Vec.load(model_file)
    np.testing.assert_allclose(wv.vectors, (model.input_vectors_ + model.output_vectors_) / 2, rtol=1e-6)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--negative", "0"], "argument --negative: expected a number >= 1, got 0"),
        (["--loss", "nce"], "argument --loss: invalid choice: 'nce'"),
        (["--sample", "abc"], "argument --sample: expected a number, got 'abc'"),
        (["--sample", "2"], "The 'sample' parameter of Word2Vec must be a float in the range [0, 1]"),
        (["--loss", "hierarchical", "--output", "average"], "--output average needs one output vector"),
    ],
)
def test_bad_flags_give_one_line(corpus, tmp_path, capsys, extra, fragment):
    code = main(["train", str(corpus), "-o", str(tmp_path / "v.bin"), *FAST, *extra])
    err = capsys.readouterr().err
    assert code in (1, 2)
    assert fragment in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2  # the error (plus, at most, the epoch log line)


def test_missing_corpus_and_missing_output_folder(corpus, tmp_path, capsys):
    assert main(["train", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "v.bin")]) == 1
    assert "nope.txt" in capsys.readouterr().err
    assert main(["train", str(corpus), "-o", str(tmp_path / "no" / "v.bin")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_non_utf8_corpus_names_the_file_and_offset(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"hello world\nabc \xff def\n")
    assert (
        main(["train", str(bad), "-o", str(tmp_path / "v.bin"), "--min-count", "1", "--sample", "0", *FAST])
        == 1
    )
    err = capsys.readouterr().err
    assert "bad.txt" in err and "16" in err and "Traceback" not in err
    replaced = ["train", str(bad), "-o", str(tmp_path / "v.bin"), "--min-count", "1", "--errors", "replace"]
    replaced += ["--sample", "0"]
    assert main([*replaced, *FAST]) == 0


@pytest.mark.slow
def test_demo_trains_and_shows_neighbours_analogy_and_scores(capsys):
    assert main(["demo", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "nearest neighbours" in out
    assert "analogy: good is to better as bad is to" in out
    assert "analogy: man is to king as woman is to" in out
    assert "Google analogies" in out and "WordSim-353 Spearman" in out


def test_every_command_is_listed_and_a_broken_command_module_is_an_error(monkeypatch):
    import skipgram.cli as cli

    commands = cli.build_parser()._subparsers._group_actions[0].choices
    assert list(commands) == [name.replace("_", "-") for name in cli.COMMAND_MODULES]
    monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, "nonexistent"))
    with pytest.raises(ModuleNotFoundError, match=r"skipgram\.cli\.nonexistent"):
        cli.build_parser()  # not a command silently missing from --help
