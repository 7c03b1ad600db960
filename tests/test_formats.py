"""The format registry: one suffix rule, one way to recognise a file, read and write for every format."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from skipgram import KeyedVectors, formats
from skipgram.cli.convert import target_format
from skipgram.cli.train import output_format
from skipgram.errors import FormatError, ParameterError


@pytest.fixture
def wv():
    rng = np.random.default_rng(0)
    return KeyedVectors(
        ["the", "cat", "sat", "mat"], rng.normal(size=(4, 3)).astype(np.float32), counts=[9, 4, 3, 1]
    )


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("v.bin", "word2vec-binary"),
        ("V.BIN", "word2vec-binary"),
        ("v.bin.gz", "word2vec-binary"),
        ("v.txt", "word2vec-text"),
        ("v.vec", "word2vec-text"),
        ("v.txt.gz", "word2vec-text"),
        ("v.vec.gz", "word2vec-text"),
        ("v.skipgram", "native"),
        ("v.gz", "native"),
        ("v.out", "native"),
        ("vectors", "native"),
    ],
)
def test_one_suffix_rule_for_train_and_convert(name, fmt):
    assert formats.format_from_suffix(name) == fmt
    assert output_format(name, None) == fmt
    assert target_format(None, name) == fmt


@pytest.mark.parametrize(
    "name, fmt",
    [("v.skipgram", "native"), ("v.bin", "word2vec-binary"), ("v.txt", "word2vec-text"),
     ("v.txt.gz", "word2vec-text"), ("v.bin.gz", "word2vec-binary")],
)  # fmt: skip
def test_each_format_round_trips_and_is_recognised_by_its_bytes(tmp_path, wv, name, fmt):
    path = tmp_path / name
    assert formats.write(wv, path) == [path]
    renamed = path.rename(tmp_path / "no-suffix")  # recognition reads the bytes, not the name
    assert formats.sniff(renamed) == fmt
    back = formats.read(renamed)
    assert back.words == wv.words
    np.testing.assert_allclose(back.vectors, wv.vectors, rtol=1e-6)
    if name.endswith(".gz"):
        assert renamed.read_bytes()[:2] == b"\x1f\x8b"


def test_projector_is_write_only(tmp_path, wv):
    written = formats.write(wv, tmp_path / "demo", "projector")
    assert [p.name for p in written] == ["demo_vectors.tsv", "demo_metadata.tsv"]
    assert written[0].read_text().count("\n") == len(wv)
    with pytest.raises(ParameterError, match="cannot be read back"):
        formats.read(written[0], format="projector")


def test_unknown_files_get_the_native_readers_explanation(tmp_path):
    npy = tmp_path / "x.npy"
    np.save(npy, np.zeros(3))
    assert formats.sniff(npy) is None
    with pytest.raises(FormatError, match=r"NumPy \.npy file"):
        formats.read(npy)


def test_missing_files_and_folders_are_one_line(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        formats.sniff(tmp_path / "nope.bin")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        formats.read(tmp_path)


def test_a_gzipped_file_that_is_not_word2vec(tmp_path):
    path = tmp_path / "x.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"hello world\n")
    assert formats.sniff(path) is None


def test_unknown_format_name(tmp_path, wv):
    with pytest.raises(ParameterError, match="unknown vectors format 'glove'; choose one of: native"):
        formats.write(wv, tmp_path / "x", "glove")
