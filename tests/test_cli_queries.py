"""The query-side CLI via skipgram.cli.main: similar, analogy, evaluate, convert, plot, query."""

from __future__ import annotations

import gzip
import io
import json
import struct
import sys

import numpy as np
import pytest

from skipgram.cli import main
from skipgram.vectors import KeyedVectors

# A tiny space with known answers. Dimensions: person, female, royal, fruit, vehicle.
WORDS = ["man", "woman", "king", "queen", "apple", "banana", "cherry", "car", "truck", "prince"]
VECTORS = [
    [1, 0, 1, 0, 0],  # man
    [1, 1, 1, 0, 0],  # woman
    [3, 0, 1, 0, 0],  # king
    [3, 1, 1, 0, 0],  # queen
    [0, 0, 0, 5, 1],  # apple
    [0, 0, 0, 5, 1.5],  # banana
    [0, 0, 0.3, 5, 0.5],  # cherry
    [0, 0, 0, 1, 5],  # car
    [0, 0, 0, 0.5, 5],  # truck
    [2.5, 0, 1.5, 0, 0],  # prince
]


@pytest.fixture
def wv() -> KeyedVectors:
    log = [
        {"epoch": 1, "loss": 3.2, "loss_curve": [[1000, 3.6], [2000, 3.1], [3000, 2.9]]},
        {"epoch": 2, "loss": 2.6, "loss_curve": [[1000, 2.7], [2000, 2.6], [3000, 2.5]]},
    ]
    return KeyedVectors(
        WORDS,
        np.array(VECTORS, dtype=np.float32),
        counts=np.arange(100, 0, -10),
        metadata={"training_log": log},
    )


@pytest.fixture
def native(tmp_path, wv) -> str:
    path = tmp_path / "vectors.skipgram"
    wv.save(path)
    return str(path)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, out: str, err: str, *needles: str) -> None:
    assert code != 0
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]


def expected_neighbours(word: str, k: int) -> list[str]:
    unit = np.array(VECTORS, dtype=np.float64)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    scores = unit @ unit[WORDS.index(word)]
    order = [i for i in np.argsort(-scores, kind="stable") if WORDS[i] != word]
    return [WORDS[i] for i in order[:k]]


# ------------------------------------------------------------------------------------------------
# similar


def test_similar_table(capsys, native):
    code, out, err = run(capsys, "similar", native, "apple", "car", "-k", "2")
    assert code == 0, err
    assert "apple" in out and "car" in out
    lines = out.splitlines()
    assert lines[0] == "apple"
    assert lines[1].split() == ["rank", "word", "cosine"]
    first = lines[3].split()
    assert first[0] == "1" and first[1] == expected_neighbours("apple", 1)[0]
    assert 0.9 < float(first[2]) <= 1.0
    assert "truck" in out  # the neighbour of car


def test_similar_json(capsys, native):
    code, out, _ = run(capsys, "similar", native, "apple", "king", "-k", "3", "--json")
    assert code == 0
    data = json.loads(out)
    assert [q["positive"] for q in data] == [["apple"], ["king"]]
    assert [n["word"] for n in data[0]["neighbours"]] == expected_neighbours("apple", 3)
    assert [n["word"] for n in data[1]["neighbours"]] == expected_neighbours("king", 3)
    sims = [n["similarity"] for n in data[0]["neighbours"]]
    assert sims == sorted(sims, reverse=True)


def test_similar_negative_is_one_combined_query(capsys, native):
    code, out, _ = run(capsys, "similar", native, "king", "woman", "--negative", "man", "--json")
    assert code == 0
    (query,) = json.loads(out)
    assert query["negative"] == ["man"]
    assert query["neighbours"][0]["word"] == "queen"


def test_similar_reads_word2vec_binary_and_text(capsys, tmp_path, wv):
    for name, binary in (("v.bin", True), ("v.txt", False), ("v.w2v", True)):
        path = tmp_path / name
        wv.save_word2vec_format(path, binary=binary)
        code, out, err = run(capsys, "similar", path, "apple", "-k", "1", "--json")
        assert code == 0, err
        assert json.loads(out)[0]["neighbours"][0]["word"] == expected_neighbours("apple", 1)[0]


def test_similar_unknown_word_suggests_spelling(capsys, native):
    code, out, err = run(capsys, "similar", native, "apple", "kign")
    assert_one_line_error(code, out, err, "kign", "'king'")


def test_similar_missing_file(capsys, tmp_path):
    code, out, err = run(capsys, "similar", tmp_path / "nope.bin", "king")
    assert_one_line_error(code, out, err, "nope.bin")


@pytest.mark.parametrize(
    "content",
    [
        b"SKIPGRAM" + struct.pack("<Q", 10**6) + b"{garbage",
        b"SKIPGRAM\x05\x00",
        b"hello world, this is not a vectors file\n",
        b"\x80\x04\x95 pickled gensim model",
        b"3 5\nking 1 2 3\n",  # word2vec header promising more than there is
        b"",
    ],
)
def test_corrupt_files_are_one_line_errors(capsys, tmp_path, content):
    path = tmp_path / "broken.vec"
    path.write_bytes(content)
    code, out, err = run(capsys, "similar", path, "king")
    assert_one_line_error(code, out, err, "broken.vec")


def test_folder_instead_of_file(capsys, tmp_path):
    code, out, err = run(capsys, "similar", tmp_path, "king")
    assert_one_line_error(code, out, err, "folder")


# ------------------------------------------------------------------------------------------------
# analogy


def test_analogy_table(capsys, native):
    code, out, _ = run(capsys, "analogy", native, "man", "king", "woman")
    assert code == 0
    assert out.splitlines()[0].startswith("man : king :: woman : ?")
    assert out.splitlines()[3].split()[:2] == ["1", "queen"]


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul", "3CosMul"])
def test_analogy_json(capsys, native, method):
    code, out, _ = run(
        capsys, "analogy", native, "man", "king", "woman", "-k", "2", "--method", method, "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["method"] == method.lower()
    assert data["answers"][0]["word"] == "queen"
    assert len(data["answers"]) == 2
    assert {"man", "king", "woman"}.isdisjoint(a["word"] for a in data["answers"])


def test_analogy_unknown_word(capsys, native):
    code, out, err = run(capsys, "analogy", native, "man", "king", "wman")
    assert_one_line_error(code, out, err, "wman", "'woman'")


def test_analogy_bad_method_is_usage_error(capsys, native):
    code, _, err = run(capsys, "analogy", native, "man", "king", "woman", "--method", "nope")
    assert code == 2
    assert "invalid choice" in err


# ------------------------------------------------------------------------------------------------
# convert


@pytest.mark.parametrize(
    ("to", "name"),
    [("word2vec-binary", "out.bin"), ("word2vec-text", "out.txt"), ("native", "out.skipgram")],
)
def test_convert_round_trips(capsys, tmp_path, native, wv, to, name):
    out_path = tmp_path / name
    code, out, err = run(capsys, "convert", native, out_path, "--to", to)
    assert code == 0, err
    assert to in out and "10 words" in out
    back = tmp_path / "back.skipgram"
    code, _, err = run(capsys, "convert", out_path, back, "--to", "native")
    assert code == 0, err
    again = KeyedVectors.load(back)
    assert again.words == wv.words
    np.testing.assert_allclose(again.vectors, wv.vectors, rtol=1e-6)


def test_convert_guesses_format_from_suffix(capsys, tmp_path, native):
    code, out, _ = run(capsys, "convert", native, tmp_path / "guess.txt", "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["format"] == "word2vec-text"
    assert summary["input_format"] == "native"
    assert (tmp_path / "guess.txt").read_text().startswith("10 5\n")


def test_convert_projector(capsys, tmp_path, native):
    prefix = tmp_path / "proj"
    code, out, err = run(capsys, "convert", native, prefix, "--to", "projector", "--json")
    assert code == 0, err
    written = json.loads(out)["written"]
    assert len(written) == 2
    for path in written:
        assert path.endswith(".tsv")
        assert open(path, encoding="utf-8").read().strip()


def test_convert_wrong_target(capsys, tmp_path, native):
    code, out, err = run(capsys, "convert", native, tmp_path / "x.out", "--to", "glove")
    assert_one_line_error(code, out, err, "'glove'", "word2vec-binary")
    assert not (tmp_path / "x.out").exists()


def test_convert_without_a_known_suffix_writes_native_as_train_does(capsys, tmp_path, native, wv):
    code, out, err = run(capsys, "convert", native, tmp_path / "x.out", "--json")
    assert code == 0, err
    assert json.loads(out)["format"] == "native"
    assert KeyedVectors.load(tmp_path / "x.out").words == wv.words


def test_convert_to_gzipped_text(capsys, tmp_path, native, wv):
    code, out, err = run(capsys, "convert", native, tmp_path / "v.txt.gz", "--json")
    assert code == 0, err
    assert json.loads(out)["format"] == "word2vec-text"
    assert gzip.open(tmp_path / "v.txt.gz", "rt").readline() == "10 5\n"
    code, out, err = run(capsys, "convert", tmp_path / "v.txt.gz", tmp_path / "back.bin", "--json")
    assert code == 0, err
    assert json.loads(out)["input_format"] == "word2vec-text"
    assert KeyedVectors.load_word2vec_format(tmp_path / "back.bin").words == wv.words


def test_convert_missing_input(capsys, tmp_path):
    code, out, err = run(capsys, "convert", tmp_path / "missing.bin", tmp_path / "o.txt")
    assert_one_line_error(code, out, err, "missing.bin")


def test_convert_into_missing_folder(capsys, tmp_path, native):
    code, out, err = run(capsys, "convert", native, tmp_path / "no" / "such" / "o.txt")
    assert_one_line_error(code, out, err, "does not exist")


# ------------------------------------------------------------------------------------------------
# evaluate


@pytest.fixture
def eval_files(tmp_path):
    analogies = tmp_path / "analogies.txt"
    analogies.write_text(
        ": royalty\nman king woman queen\nwoman queen man king\n"
        ": nonsense\napple banana car truck\nman woman unknownword queen\n",
        encoding="utf-8",
    )
    similarity = tmp_path / "sim.tsv"
    similarity.write_text(
        "apple\tbanana\t9.0\nking\tqueen\t8.0\ncar\ttruck\t8.5\napple\tcar\t1.0\n"
        "king\tapple\t0.5\nman\tnotaword\t3.0\n",
        encoding="utf-8",
    )
    return analogies, similarity


def test_evaluate_table_and_json(capsys, native, eval_files):
    analogies, similarity = eval_files
    args = ["evaluate", native, "--analogies", analogies, "--similarity", similarity]
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "Analogies" in out and "Word similarity" in out
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["analogies"]["file"] == str(analogies)
    assert report["similarity"][0]["file"] == str(similarity)
    # The royalty section is answerable exactly in this space.
    text = json.dumps(report["analogies"])
    assert "royalty" in text


def test_evaluate_only_similarity(capsys, native, eval_files):
    _, similarity = eval_files
    code, out, _ = run(capsys, "evaluate", native, "--similarity", similarity, "--json")
    assert code == 0
    report = json.loads(out)
    assert "analogies" not in report and len(report["similarity"]) == 1


def test_evaluate_bundled_files_need_nothing_else(capsys, native):
    code, out, err = run(capsys, "evaluate", native, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert "bundled" in report["analogies"]["file"]
    assert "bundled" in report["similarity"][0]["file"]


def test_evaluate_missing_question_file(capsys, native, tmp_path):
    code, out, err = run(capsys, "evaluate", native, "--analogies", tmp_path / "q.txt")
    assert_one_line_error(code, out, err, "q.txt")


# ------------------------------------------------------------------------------------------------
# plot


def png_size(path) -> tuple[int, int]:
    data = open(path, "rb").read(32)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_plot_words(capsys, tmp_path, native):
    out_png = tmp_path / "words.png"
    code, out, err = run(
        capsys,
        "plot",
        native,
        "--words",
        "king",
        "queen",
        "apple",
        "--neighbours",
        "2",
        "-o",
        out_png,
    )
    assert code == 0, err
    assert str(out_png) in out
    width, height = png_size(out_png)
    assert 600 < width < 3000 and 400 < height < 3000
    assert out_png.stat().st_size > 10_000


def test_plot_top_words_json(capsys, tmp_path, native):
    out_png = tmp_path / "top.png"
    code, out, _ = run(capsys, "plot", native, "--top", "6", "-o", out_png, "--json")
    assert code == 0
    assert json.loads(out)["words"] == WORDS[:6]
    png_size(out_png)


def test_plot_loss_from_vectors_file(capsys, tmp_path, native):
    out_png = tmp_path / "loss.png"
    code, _, err = run(capsys, "plot", "--loss", native, "-o", out_png)
    assert code == 0, err
    assert png_size(out_png)[0] > 600


def test_plot_loss_from_json_log(capsys, tmp_path):
    log = tmp_path / "log.json"
    log.write_text(json.dumps({"training_log": [{"epoch": 1, "loss": 2.0}, {"epoch": 2, "loss": 1.5}]}))
    code, _, err = run(capsys, "plot", "--loss", log, "-o", tmp_path / "l.png")
    assert code == 0, err


def test_plot_loss_without_training_record(capsys, tmp_path, wv):
    bare = tmp_path / "bare.skipgram"
    KeyedVectors(wv.words, wv.vectors).save(bare)
    code, out, err = run(capsys, "plot", "--loss", bare, "-o", tmp_path / "l.png")
    assert_one_line_error(code, out, err, "no training record")
    w2v = tmp_path / "v.bin"
    wv.save_word2vec_format(w2v)
    code, out, err = run(capsys, "plot", "--loss", w2v, "-o", tmp_path / "l.png")
    assert_one_line_error(code, out, err, "no training record")
    assert not (tmp_path / "l.png").exists()


def test_plot_errors(capsys, tmp_path, native):
    code, out, err = run(capsys, "plot", native, "--words", "king", "qeen", "-o", tmp_path / "w.png")
    assert_one_line_error(code, out, err, "qeen", "'queen'")
    code, out, err = run(capsys, "plot", "-o", tmp_path / "w.png")
    assert_one_line_error(code, out, err, "nothing to plot")
    code, out, err = run(capsys, "plot", native, "--words", "king", "queen", "-o", tmp_path / "w.xyz")
    assert_one_line_error(code, out, err, ".png")
    assert not (tmp_path / "w.png").exists()


def test_plot_without_matplotlib(capsys, tmp_path, native, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    code, out, err = run(capsys, "plot", native, "--words", "king", "queen", "-o", tmp_path / "w.png")
    assert_one_line_error(code, out, err, "pip install 'skipgram[plot]'")


# ------------------------------------------------------------------------------------------------
# query


def query(capsys, monkeypatch, native, text, *extra):
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    return run(capsys, "query", native, "-k", "3", *extra)


def test_query_session(capsys, monkeypatch, native):
    script = (
        "apple\n"
        "man king woman\n"
        "king - man + woman\n"
        ":sim apple banana\n"
        ":odd apple banana car cherry\n"
        "kign\n"
        ":frobnicate\n"
        "\n"
        ":quit\n"
        "banana\n"
    )
    code, out, err = query(capsys, monkeypatch, native, script)
    assert code == 0, err
    assert err == ""  # stdin is not a terminal: no banner, no prompt
    assert "neighbours of apple" in out
    assert "man : king :: woman : ?" in out
    assert "king - man + woman" in out
    assert out.count("queen") >= 2
    assert "cosine(apple, banana) = 0.99" in out
    assert "odd one out: car" in out
    assert "'kign'" in out and "'king'" in out  # answered, not fatal
    assert "unknown command" in out
    assert "neighbours of banana" not in out  # nothing after :quit


def test_query_json_lines(capsys, monkeypatch, native):
    code, out, _ = query(capsys, monkeypatch, native, "man king woman\nkign\n:sim man woman\n", "--json")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert records[0]["kind"] == "analogy" and records[0]["results"][0]["word"] == "queen"
    assert "kign" in records[1]["error"]
    assert records[2]["similarity"] == pytest.approx(2 / np.sqrt(6), rel=1e-5)


def test_query_settings_and_sums(capsys, monkeypatch, native):
    script = ":k 1\napple banana\n:method 3cosmul\nman king woman\n- man\nking +\n:k zero\n"
    code, out, _ = query(capsys, monkeypatch, native, script, "--json")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert records[0] == {"query": ":k 1", "topn": 1}
    assert records[1]["kind"] == "sum" and len(records[1]["results"]) == 1
    assert records[3]["results"][0]["word"] == "queen"
    assert all("error" in r for r in records[4:])


def test_query_missing_file(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.StringIO("king\n"))
    code, out, err = run(capsys, "query", tmp_path / "nope.skipgram")
    assert_one_line_error(code, out, err, "nope.skipgram")


def test_convert_in_place(capsys, tmp_path, native, wv):
    code, _, err = run(capsys, "convert", native, native, "--to", "native")
    assert code == 0, err
    np.testing.assert_array_equal(KeyedVectors.load(native).vectors, wv.vectors)
