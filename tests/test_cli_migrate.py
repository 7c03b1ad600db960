"""C-tool and fastText command lines, and the stdin commands (print-word-vectors, nn, analogies)."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKeyedVectors

from skipgram import KeyedVectors
from skipgram.cli import main
from skipgram.cli._migrate import translate
from skipgram.datasets import demo_corpus_path, questions_words_path

# demo-word.sh's training line, with `skipgram` in place of `./word2vec` (text8 replaced by a file).
DEMO_WORD = (
    "-train {corpus} -output {out} -cbow 1 -size 200 -window 8 -negative 25 -hs 0 -sample 1e-4 "
    "-threads 20 -binary 1 -iter 15"
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """About 100k tokens of the bundled Wikipedia text, one line."""
    with gzip.open(demo_corpus_path(), "rt", encoding="utf-8") as handle:
        text = handle.read(650_000)
    path = tmp_path_factory.mktemp("migrate") / "text8-like"
    path.write_text(text[: text.rfind(" ")])
    return path


def test_demo_word_line_translates_flag_by_flag():
    argv = DEMO_WORD.format(corpus="text8", out="vectors.bin").split()
    assert translate(argv) == [
        "train", "text8", "-o", "vectors.bin", "--format", "word2vec-binary", "--architecture", "cbow",
        "--negative", "25", "--vector-size", "200", "--window", "8", "--sample", "1e-4", "--workers", "20",
        "--epochs", "15",
    ]  # fmt: skip
    assert translate(["train", *argv]) == translate(argv)  # `skipgram train -train ...` too


def test_c_tool_defaults_are_the_c_tools():
    # No -cbow / -binary: the C tool trains CBOW and writes text.
    out = translate(["-train", "t", "-output", "v.bin", "-alpha", "0.05", "-min-count", "3"])
    assert out[:8] == ["train", "t", "-o", "v.bin", "--format", "word2vec-text", "--architecture", "cbow"]
    assert out[8:] == ["--lr", "0.05", "--min-count", "3"]
    hs = translate(["-train", "t", "-output", "v", "-hs", "1", "-negative", "0", "-save-vocab", "vocab.txt"])
    assert "--loss" in hs and hs[hs.index("--loss") + 1] == "hierarchical" and "--negative" not in hs
    assert hs[-2:] == ["--save-vocab", "vocab.txt"]
    assert translate(["-train", "t", "-output", "v", "-debug", "0"])[-1] == "--no-progress"


def test_fasttext_line_translates_with_fasttext_defaults():
    argv = (
        "skipgram -input data.txt -output model -dim 50 -ws 4 -neg 10 -epoch 3 -minCount 2 -thread 2".split()
    )
    out = translate(argv)
    assert out[:6] == ["train", "data.txt", "-o", "model.vec", "--format", "word2vec-text"]
    assert out[6:8] == ["--architecture", "skipgram"]
    assert out[8:12] == ["--lr", "0.05", "--sample", "1e-4"]  # fastText's defaults, not ours
    assert out[12:] == [
        "--vector-size", "50", "--window", "4", "--negative", "10", "--epochs", "3", "--min-count", "2",
        "--workers", "2",
    ]  # fmt: skip
    cbow = translate("cbow -input d -output m -lr 0.1 -t 1e-3 -loss hs".split())
    assert cbow[6:] == ["--architecture", "cbow", "--loss", "hierarchical", "--lr", "0.1", "--sample", "1e-3"]


def test_our_own_command_lines_are_untouched():
    for argv in (["train", "c.txt", "-o", "v.bin", "--epochs", "3"], ["similar", "v.bin", "king"], []):
        assert translate(argv) == argv


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-train", "t", "-output", "v", "-classes", "500"], "-classes"),
        (["-train", "t", "-output", "v", "-size", "big"], "-size needs a whole number"),
        (["-train", "t", "-output", "v", "-foo", "1"], "-foo is not supported"),
        (["-train", "t"], "-output"),
        (["-train", "t", "-output", "v", "-negative", "0"], "nothing to train"),
        (["skipgram", "-input", "d", "-output", "m", "-loss", "ova"], "-loss ova"),
        (["skipgram", "-input", "d"], "-output PREFIX"),
    ],
)
def test_untranslatable_lines_fail_with_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_c_tool_line_trains_a_vectors_bin_gensim_reads(corpus, tmp_path, capsys):
    out = tmp_path / "vectors.bin"
    argv = DEMO_WORD.format(corpus=corpus, out=out).replace("-iter 15", "-iter 1").split()
    assert main([*argv, "-threads", "2", "-size", "20", "-min-count", "3"]) == 0
    err = capsys.readouterr().err
    equivalent = [line for line in err.splitlines() if line.startswith("equivalent: ")]
    assert equivalent == [
        f"equivalent: skipgram train {corpus} -o {out} --format word2vec-binary --architecture cbow "
        "--negative 25 --vector-size 20 --window 8 --sample 1e-4 --workers 2 --epochs 1 --min-count 3"
    ]
    theirs = GensimKeyedVectors.load_word2vec_format(str(out), binary=True)
    assert theirs.vector_size == 20 and len(theirs) > 1000 and theirs.index_to_key[0] == "the"


def test_fasttext_line_writes_prefix_vec(corpus, tmp_path, capsys):
    prefix = tmp_path / "model"
    argv = f"skipgram -input {corpus} -output {prefix} -dim 16 -epoch 1 -thread 1 -minCount 3 -verbose 0"
    assert main(argv.split()) == 0
    err = capsys.readouterr().err
    assert "subword n-grams" in err and f"-o {prefix}.vec" in err
    theirs = GensimKeyedVectors.load_word2vec_format(f"{prefix}.vec", binary=False)
    assert theirs.vector_size == 16 and not (tmp_path / "model.bin").exists()


# --- stdin commands ----------------------------------------------------------------------------------
@pytest.fixture
def vectors(tmp_path):
    wv = KeyedVectors(
        ["man", "woman", "king", "queen", "berlin", "germany", "paris", "france"],
        [[1, 0, 1, 0], [1, 1, 1, 0], [3, 0, 1, 0], [3, 1, 1, 0], [0, 0, 1, 3], [0, 0, 0, 3], [0, 1, 1, 3],
         [0, 1, 0, 3]],
    )  # fmt: skip
    path = tmp_path / "v.txt"
    wv.save_word2vec_format(path, binary=False)
    return wv, path


def _run(monkeypatch, capsys, argv, stdin):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_print_word_vectors_prints_word_and_numbers(vectors, monkeypatch, capsys):
    wv, path = vectors
    code, out, err = _run(monkeypatch, capsys, ["print-word-vectors", str(path)], "king queen\n\nnosuch\n")
    lines = out.splitlines()
    assert code == 1 and "nosuch" in err  # an unknown word is reported and makes the exit code 1
    assert [line.split()[0] for line in lines] == ["king", "queen"]
    np.testing.assert_allclose([float(x) for x in lines[1].split()[1:]], wv["queen"])
    code, out, _ = _run(monkeypatch, capsys, ["print-word-vectors", str(path), "--zeros"], "nosuch\n")
    assert out.strip() == "nosuch 0 0 0 0"


def test_nn_reads_words_and_prints_neighbours(vectors, monkeypatch, capsys):
    wv, path = vectors
    code, out, err = _run(monkeypatch, capsys, ["nn", str(path), "3"], "king\nnosuch\nking woman\n")
    blocks = [b.splitlines() for b in out.strip().split("\n\n")]
    assert code == 0 and "nosuch" in err and len(blocks) == 2
    expected = wv.most_similar("king", topn=3)
    assert [line.split()[0] for line in blocks[0]] == [w for w, _ in expected]
    assert float(blocks[0][0].split()[1]) == pytest.approx(expected[0][1], abs=1e-5)
    assert [line.split()[0] for line in blocks[1]] == [
        w for w, _ in wv.most_similar(["king", "woman"], topn=3)
    ]


def test_analogies_use_fasttexts_a_minus_b_plus_c(vectors, monkeypatch, capsys):
    _, path = vectors
    code, out, err = _run(
        monkeypatch, capsys, ["analogies", str(path), "1"], "berlin germany france\nking man\n"
    )
    assert code == 0 and out.split()[0] == "paris" and "three words" in err
    code, out, _ = _run(monkeypatch, capsys, ["analogies", str(path), "1"], "king man woman\n")
    assert out.split()[0] == "queen"


# --- the C tool itself reads what skipgram writes --------------------------------------------------------
PEERS = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "peers", "build.sh")


@pytest.mark.slow
@pytest.mark.skipif(
    not os.path.exists(PEERS) or shutil.which("gcc") is None, reason="needs ../shared/peers and gcc"
)
def test_demo_word_line_writes_a_vectors_bin_the_c_tool_reads(corpus, tmp_path):
    """demo-word.sh's exact training line, then the C tool's own reader (compute-accuracy reads
    vectors.bin with the same code as distance, which is not among the peer sources)."""
    tools = tmp_path / "c"
    subprocess.run(["bash", PEERS, str(tools)], capture_output=True)  # pWord2Vec may fail without OpenBLAS
    assert (tools / "compute-accuracy").exists()
    out = tmp_path / "vectors.bin"
    argv = DEMO_WORD.format(corpus=corpus, out=out).split()
    done = subprocess.run([sys.executable, "-m", "skipgram", *argv], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "equivalent: skipgram train" in done.stderr
    with open(questions_words_path(), "rb") as questions:
        result = subprocess.run(
            [str(tools / "compute-accuracy"), str(out), "30000"],
            stdin=questions,
            capture_output=True,
            timeout=600,
        )
    text = result.stdout.decode()
    assert "Total accuracy" in text or "ACCURACY TOP1" in text, text[-500:]
    accuracies = [
        float(line.split("ACCURACY TOP1: ")[1].split("%")[0]) for line in text.splitlines() if "TOP1" in line
    ]
    assert accuracies and max(accuracies) > 0.0
