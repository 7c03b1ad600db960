"""skipgram.plot: word maps and loss curves written as valid pictures, and clear errors."""

from __future__ import annotations

import importlib.util
import json
import struct
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from skipgram.errors import FormatError, ParameterError
from skipgram.plot import plot_loss, plot_words, project, read_training_log
from skipgram.vectors import KeyedVectors

pytest.importorskip("matplotlib")


@pytest.fixture
def wv() -> KeyedVectors:
    rng = np.random.default_rng(0)
    words = ["king", "queen", "man", "woman", "paris", "france"] + [f"w{i}" for i in range(60)]
    return KeyedVectors(words, rng.normal(size=(len(words), 16)).astype(np.float32))


def png_size(path) -> tuple[int, int]:
    data = open(path, "rb").read(32)
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


LOG = [
    {"epoch": 1, "loss": 3.0, "loss_curve": [[0, 3.5], [5000, 3.0], [10000, 2.8]]},
    {"epoch": 2, "loss": 2.5, "loss_curve": [[0, 2.6], [5000, 2.5], [10000, 2.4]]},
]


def test_plot_words_writes_a_png(tmp_path, wv):
    path = plot_words(wv, ["king", "queen", "man", "woman"], tmp_path / "w.png")
    assert path == tmp_path / "w.png"
    width, height = png_size(path)
    assert 600 < width < 3000 and 400 < height < 3000
    assert path.stat().st_size > 10_000


def test_plot_words_with_neighbours_and_duplicates(tmp_path, wv):
    path = plot_words(wv, "king queen king paris", tmp_path / "n.png", neighbours=5)
    assert png_size(path)[0] > 600


def test_plot_words_svg(tmp_path, wv):
    path = plot_words(wv, ["king", "queen"], tmp_path / "w.svg")
    assert "<svg" in path.read_text()[:2000]


def test_plot_words_errors_leave_no_file(tmp_path, wv):
    with pytest.raises(KeyError, match="qeen"):
        plot_words(wv, ["king", "qeen"], tmp_path / "a.png")
    with pytest.raises(ParameterError, match="at least two"):
        plot_words(wv, ["king"], tmp_path / "a.png")
    with pytest.raises(ParameterError, match="neighbours"):
        plot_words(wv, ["king", "queen"], tmp_path / "a.png", neighbours=-1)
    with pytest.raises(ParameterError, match="method"):
        plot_words(wv, ["king", "queen"], tmp_path / "a.png", method="umap")
    with pytest.raises(ParameterError, match=r"\.png"):
        plot_words(wv, ["king", "queen"], tmp_path / "a.doc")
    assert list(tmp_path.iterdir()) == []


def test_existing_file_survives_a_failed_plot(tmp_path, wv):
    target = tmp_path / "w.png"
    target.write_bytes(b"old")
    with pytest.raises(KeyError):
        plot_words(wv, ["king", "nope"], target)
    assert target.read_bytes() == b"old"


def test_pca_projection():
    points, xlabel, ylabel = project(np.array([[1, 0, 0], [2, 0, 0], [0, 1, 0], [0, 0, 3]]))
    assert points.shape == (4, 2)
    assert xlabel.startswith("PC1") and "variance" in ylabel
    # The first two rows have the same direction, so the same place on a cosine map.
    np.testing.assert_allclose(points[0], points[1], atol=1e-12)


def test_tsne_without_scikit_learn(tmp_path, wv, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.manifold", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        plot_words(wv, ["king", "queen", "man", "woman"], tmp_path / "t.png", method="tsne")


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="needs scikit-learn")
def test_tsne_with_scikit_learn(tmp_path, wv):
    path = plot_words(wv, ["king", "queen", "man", "woman"], tmp_path / "t.png", neighbours=3, method="tsne")
    png_size(path)


def test_missing_matplotlib_says_how_to_install(tmp_path, wv, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    with pytest.raises(ImportError, match=r"pip install 'skipgram\[plot\]'"):
        plot_words(wv, ["king", "queen"], tmp_path / "w.png")
    with pytest.raises(ImportError, match=r"skipgram\[plot\]"):
        plot_loss([1.0, 0.5], tmp_path / "l.png")


@pytest.mark.parametrize(
    "log",
    [
        LOG,
        [3.0, 2.5, 2.2],
        [{"epoch": 1, "loss": 1.0}],
        # words_done counted across epochs instead of within each
        [
            {"epoch": 1, "loss": 3.0, "loss_curve": [[5000, 3.1], [10000, 2.9]]},
            {"epoch": 2, "loss": 2.0, "loss_curve": [[15000, 2.1], [20000, 1.9]]},
        ],
        # junk entries are skipped, an epoch without a loss takes its curve's mean
        [
            {"epoch": 1, "loss": float("nan")},
            {"epoch": 2, "loss_curve": [[1, 2.0], "x", [2, None]]},
        ],
    ],
)
def test_plot_loss_variants(tmp_path, log):
    path = plot_loss(log, tmp_path / "loss.png")
    width, _ = png_size(path)
    assert width > 600


def test_plot_loss_accepts_a_model_or_vectors(tmp_path, wv):
    model = SimpleNamespace(training_log_=LOG)
    png_size(plot_loss(model, tmp_path / "m.png"))
    trained = KeyedVectors(wv.words, wv.vectors, metadata={"training_log": LOG})
    png_size(plot_loss(trained, tmp_path / "v.png"))
    with pytest.raises(FormatError, match="no training record"):
        plot_loss(wv, tmp_path / "none.png")


@pytest.mark.parametrize("log", [[], [{"epoch": 1}], [{"loss": "nan"}], None])
def test_plot_loss_without_losses(tmp_path, log):
    with pytest.raises(FormatError, match="no training record"):
        plot_loss(log, tmp_path / "l.png")
    assert not (tmp_path / "l.png").exists()


def test_read_training_log_from_files(tmp_path, wv):
    trained = tmp_path / "trained.skipgram"
    KeyedVectors(wv.words, wv.vectors, metadata={"training_log": LOG}).save(trained)
    assert [e["loss"] for e in read_training_log(trained)] == [3.0, 2.5]

    nested = tmp_path / "nested.skipgram"
    KeyedVectors(wv.words, wv.vectors, metadata={"training": {"training_log": LOG}}).save(nested)
    assert len(read_training_log(nested)) == 2

    bare = tmp_path / "bare.skipgram"
    wv.save(bare)
    with pytest.raises(FormatError, match="no training record"):
        read_training_log(bare)

    as_json = tmp_path / "log.json"
    as_json.write_text(json.dumps(LOG))
    assert read_training_log(as_json)[1]["loss_curve"][0] == (0.0, 2.6)

    text = tmp_path / "v.txt"
    text.write_text("2 2\na 1 2\nb 3 4\n")
    with pytest.raises(FormatError, match="no training record"):
        read_training_log(text)

    with pytest.raises(FileNotFoundError):
        read_training_log(tmp_path / "missing.json")


def test_plot_loss_with_a_run_wide_curve(tmp_path):
    # What Word2Vec records: per-epoch entries, and one curve over the whole run (words counted
    # across epochs).
    model = SimpleNamespace(
        training_log_=[{"epoch": 1, "loss": 3.0, "words": 1000}, {"epoch": 2, "loss": 2.0, "words": 1000}],
        loss_curve_=[[250, 3.4], [500, 3.0], [1000, 2.6], [1500, 2.1], [2000, 1.9]],
    )
    png_size(plot_loss(model, tmp_path / "run.png"))
    vectors = tmp_path / "trained.skipgram"
    KeyedVectors(
        ["a", "b"],
        np.eye(2, dtype=np.float32),
        metadata={"training_log": model.training_log_, "loss_curve": model.loss_curve_},
    ).save(vectors)
    png_size(plot_loss(vectors, tmp_path / "file.png"))


# What the pictures show, read back from the figure handed to the writer.
@pytest.fixture
def drawn(monkeypatch):
    """The matplotlib figures the plot functions write, in order."""
    import skipgram.plot as plot

    figures = []
    write = plot._save

    def keep(fig, path):
        figures.append(fig)
        return write(fig, path)

    monkeypatch.setattr(plot, "_save", keep)
    return figures


def test_each_word_is_drawn_and_labelled_at_its_projection(tmp_path, wv, drawn):
    words = ["king", "queen", "man", "woman", "paris"]
    plot_words(wv, words, tmp_path / "w.png")
    ax = drawn[0].axes[0]
    expected, _, _ = project(wv[words])
    points = np.array([c.get_offsets()[0] for c in ax.collections])
    np.testing.assert_allclose(points, expected, rtol=1e-6, atol=1e-9)
    labels = {t.get_text(): t.xy for t in ax.texts}
    assert list(labels) == words
    np.testing.assert_allclose([labels[w] for w in words], expected, rtol=1e-6, atol=1e-9)


def test_neighbours_are_drawn_after_their_query_word(tmp_path, wv, drawn):
    plot_words(wv, ["king", "paris"], tmp_path / "n.png", neighbours=3)
    labels = [t.get_text() for t in drawn[0].axes[0].texts]
    expected = ["king", "paris"]
    for word in ("king", "paris"):
        expected += [w for w, _ in wv.most_similar(word, topn=3) if w not in expected]
    assert labels == expected


def test_per_epoch_curves_are_laid_end_to_end(tmp_path, drawn):
    plot_loss(LOG, tmp_path / "loss.png")
    curve, means = drawn[0].axes[0].lines[:2]
    np.testing.assert_array_equal(curve.get_xdata(), [0, 5000, 10000, 10000, 15000, 20000])
    np.testing.assert_array_equal(curve.get_ydata(), [3.5, 3.0, 2.8, 2.6, 2.5, 2.4])
    np.testing.assert_array_equal(means.get_xdata(), [10000, 20000])  # each epoch's mean at its end
    np.testing.assert_array_equal(means.get_ydata(), [3.0, 2.5])


def test_a_run_wide_curve_is_drawn_as_recorded_with_epochs_ending_at_their_words(tmp_path, drawn):
    model = SimpleNamespace(
        training_log_=[{"epoch": 1, "loss": 3.0, "words": 1000}, {"epoch": 2, "loss": 2.0, "words": 1000}],
        loss_curve_=[[250, 3.4], [500, 3.0], [1000, 2.6], [1500, 2.1], [2000, 1.9]],
    )
    plot_loss(model, tmp_path / "run.png")
    curve, means = drawn[0].axes[0].lines[:2]
    np.testing.assert_array_equal(curve.get_xydata(), model.loss_curve_)
    np.testing.assert_array_equal(means.get_xydata(), [[1000, 3.0], [2000, 2.0]])


def test_plain_epoch_losses_are_drawn_per_epoch(tmp_path, drawn):
    plot_loss([3.0, 2.5, 2.2], tmp_path / "e.png")
    (line,) = drawn[0].axes[0].lines
    np.testing.assert_array_equal(line.get_xydata(), [[1, 3.0], [2, 2.5], [3, 2.2]])
