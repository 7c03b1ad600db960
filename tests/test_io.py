"""The native container format: round trips, mmap, and every kind of corrupted file."""

from __future__ import annotations

import json
import pickle  # only to build a pickle file that skipgram must refuse; nothing here unpickles
import struct

import numpy as np
import pytest

from skipgram.errors import FormatError
from skipgram.io import (
    MAGIC,
    decode_words,
    encode_words,
    read_container,
    write_container,
    write_projector,
)
from skipgram.vectors import KeyedVectors


@pytest.fixture
def wv() -> KeyedVectors:
    rng = np.random.default_rng(1)
    words = ["the", "naïve", "日本", "a_b", "x" * 40, "ü"]
    return KeyedVectors(
        words,
        rng.standard_normal((len(words), 7)).astype(np.float32),
        counts=[9, 8, 7, 6, 5, 4],
        metadata={"vector_size": 7, "params": {"window": 5, "sample": 1e-3}, "note": None},
    )


def _same(a: KeyedVectors, b: KeyedVectors) -> None:
    assert a.words == b.words
    np.testing.assert_array_equal(a.vectors, b.vectors)


@pytest.mark.parametrize("mmap", [False, True])
def test_native_round_trip(tmp_path, wv, mmap):
    path = tmp_path / "v.skipgram"
    wv.save(path)
    loaded = KeyedVectors.load(path, mmap=mmap)
    _same(wv, loaded)
    np.testing.assert_array_equal(loaded.counts, wv.counts)
    assert loaded.metadata == wv.metadata
    assert isinstance(loaded.vectors.base, np.memmap) is mmap
    assert loaded.most_similar("the", topn=2) == wv.most_similar("the", topn=2)


def test_native_round_trip_without_counts_and_empty(tmp_path):
    path = tmp_path / "v.skipgram"
    KeyedVectors(["a"], [[1.0, 2.0]]).save(path)
    assert KeyedVectors.load(path).counts is None
    KeyedVectors([], np.zeros((0, 3))).save(path)
    for mmap in (False, True):
        empty = KeyedVectors.load(path, mmap=mmap)
        assert len(empty) == 0 and empty.vector_size == 3


def test_layout_is_as_documented(tmp_path):
    path = tmp_path / "c.skipgram"
    arrays = {"w": np.arange(6, dtype=">f8").reshape(2, 3), "ids": np.arange(5, dtype=np.int32)}
    write_container(path, "checkpoint", arrays, {"epoch": 2})
    raw = path.read_bytes()
    assert raw[:8] == MAGIC
    (length,) = struct.unpack("<Q", raw[8:16])
    header = json.loads(raw[16 : 16 + length])
    assert header["format"] == "skipgram" and header["version"] == 1
    assert header["kind"] == "checkpoint" and header["metadata"] == {"epoch": 2}
    entry = header["arrays"]["w"]
    assert entry["dtype"] == "<f8" and entry["shape"] == [2, 3] and entry["offset"] % 64 == 0
    stored = np.frombuffer(raw, dtype="<f8", count=6, offset=entry["offset"])
    np.testing.assert_array_equal(stored, np.arange(6))
    meta, back = read_container(path, expect_kind="checkpoint")
    assert meta == {"epoch": 2} and back["ids"].tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(FormatError, match="holds a 'checkpoint', not a 'vectors'"):
        read_container(path, expect_kind="vectors")


def test_write_refuses_object_arrays_and_bad_metadata(tmp_path):
    with pytest.raises(TypeError, match="bool, integer and float"):
        write_container(tmp_path / "x", "vectors", {"a": np.array([{}, 1], dtype=object)}, {})
    with pytest.raises(TypeError, match="JSON"):
        write_container(tmp_path / "x", "vectors", {}, {"bad": object()})
    with pytest.raises(TypeError, match="JSON"):
        write_container(tmp_path / "x", "vectors", {}, {"bad": float("nan")})
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_words_encoding():
    words = ["a", "naïve", "日本"]
    assert decode_words(encode_words(words), 3) == words
    assert decode_words(encode_words([]), 0) == []
    with pytest.raises(FormatError, match="holds 3 words, expected 4"):
        decode_words(encode_words(words), 4)
    bad = np.frombuffer(b"ok\nfine\n\xff\xfe", dtype=np.uint8)
    with pytest.raises(FormatError, match=r"byte 8 \(word #2\)"):
        decode_words(bad, 3)
    with pytest.raises(ValueError, match="newlines"):
        encode_words(["a\nb"])


# -- corrupted files ---------------------------------------------------------------------------


def _header_and_data(path):
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[8:16])
    return json.loads(raw[16 : 16 + length]), raw[16 : 16 + length], raw[16 + length :]


def _rewrite(path, header, old_header, rest):
    # Compact JSON, padded with spaces to the old length, so the array offsets stay valid.
    body = json.dumps(header, separators=(",", ":")).encode()
    assert len(body) <= len(old_header)
    body = body.ljust(len(old_header))
    path.write_bytes(MAGIC + struct.pack("<Q", len(body)) + body + rest)


@pytest.fixture
def saved(tmp_path, wv):
    path = tmp_path / "v.skipgram"
    wv.save(path)
    return path


def test_truncated_file(saved):
    raw = saved.read_bytes()
    saved.write_bytes(raw[:-10])
    with pytest.raises(FormatError, match=r"v\.skipgram.*beyond the end of the file"):
        KeyedVectors.load(saved)
    saved.write_bytes(raw[:12])
    with pytest.raises(FormatError, match="truncated inside its header"):
        KeyedVectors.load(saved)


def test_array_offset_beyond_eof(saved):
    header, old, rest = _header_and_data(saved)
    header["arrays"]["vectors"]["offset"] = 64 * 10_000
    _rewrite(saved, header, old, rest)
    with pytest.raises(FormatError, match=r"'vectors' ends at byte .* beyond the end"):
        KeyedVectors.load(saved)


def test_overlapping_and_misaligned_arrays(saved):
    header, old, rest = _header_and_data(saved)
    good = json.loads(json.dumps(header))
    header["arrays"]["counts"]["offset"] = header["arrays"]["vectors"]["offset"]
    _rewrite(saved, header, old, rest)
    with pytest.raises(FormatError, match="overlap"):
        KeyedVectors.load(saved)
    good["arrays"]["counts"]["offset"] += 8
    _rewrite(saved, good, old, rest)
    with pytest.raises(FormatError, match="aligned"):
        KeyedVectors.load(saved)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 2}, "written by a newer skipgram"),
        ({"version": "one"}, "invalid format version"),
        ({"format": "other"}, "not a skipgram header"),
        ({"arrays": []}, "'arrays' is not a JSON object"),
    ],
)
def test_bad_header_fields(saved, change, message):
    header, old, rest = _header_and_data(saved)
    header.update(change)
    _rewrite(saved, header, old, rest)
    with pytest.raises(FormatError, match=message):
        KeyedVectors.load(saved)


def test_forbidden_dtype_and_bad_shape(saved):
    header, old, rest = _header_and_data(saved)
    header["arrays"]["vectors"]["dtype"] = "|O"
    _rewrite(saved, header, old, rest)
    with pytest.raises(FormatError, match=r"dtype '\|O' is not allowed"):
        KeyedVectors.load(saved)
    header["arrays"]["vectors"]["dtype"] = "<f4"
    header["arrays"]["vectors"]["shape"] = [3, -7]
    _rewrite(saved, header, old, rest)
    with pytest.raises(FormatError, match="invalid shape"):
        KeyedVectors.load(saved)


def test_inconsistent_shapes(saved):
    header, old, rest = _header_and_data(saved)
    header["arrays"]["vectors"]["shape"] = [3, 7]  # 6 words stored
    _rewrite(saved, header, old, rest)
    with pytest.raises(FormatError, match="expected 3"):
        KeyedVectors.load(saved)
    header["arrays"]["vectors"]["shape"] = [6, 7]
    header["arrays"]["counts"]["shape"] = [5]
    _rewrite(saved, header, old, rest)
    with pytest.raises(FormatError, match="counts"):
        KeyedVectors.load(saved)


def test_corrupted_json_and_huge_header_length(saved):
    raw = saved.read_bytes()
    saved.write_bytes(raw[:16] + b"{not json" + raw[25:])
    with pytest.raises(FormatError, match="JSON header is corrupted"):
        KeyedVectors.load(saved)
    saved.write_bytes(raw[:8] + struct.pack("<Q", 2**62) + raw[16:])
    with pytest.raises(FormatError, match="header length"):
        KeyedVectors.load(saved)


def test_nan_in_stored_vectors(saved):
    header, _, _ = _header_and_data(saved)
    raw = bytearray(saved.read_bytes())
    offset = header["arrays"]["vectors"]["offset"] + 4 * 7 * 2  # row 2
    raw[offset : offset + 4] = np.float32(np.nan).tobytes()
    saved.write_bytes(bytes(raw))
    with pytest.raises(FormatError, match="'日本' \\(row 2\\) contains NaN"):
        KeyedVectors.load(saved)


def test_foreign_files_are_described(tmp_path):
    cases = {
        "model.pkl": (pickle.dumps({"a": 1}, protocol=4), "Python pickle"),
        "vectors.txt": (b"2 3\na 1 2 3\nb 1 2 3\n", "word2vec-format"),
        "x.npy": (b"\x93NUMPY\x01\x00", "NumPy .npy"),
        "empty": (b"", "it is empty"),
        "junk": (b"hello world", "does not start with the SKIPGRAM magic"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(FormatError, match=message) as info:
            KeyedVectors.load(path)
        assert name in str(info.value)


def test_projector_export(tmp_path, wv):
    vectors_path, metadata_path = wv.save_projector(tmp_path / "emb")
    assert vectors_path.name == "emb_vectors.tsv" and metadata_path.name == "emb_metadata.tsv"
    back = np.loadtxt(vectors_path, delimiter="\t", dtype=np.float32)
    np.testing.assert_array_equal(back, wv.vectors)
    lines = metadata_path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "word\tcount" and lines[1:] == [
        f"{w}\t{c}" for w, c in zip(wv.words, wv.counts, strict=True)
    ]
    write_projector(tmp_path / "plain", ["a\tb", "c"], np.eye(2))
    assert (tmp_path / "plain_metadata.tsv").read_text() == "a b\nc\n"


# -- word2vec text / binary ----------------------------------------------------------------------

gensim_models = pytest.importorskip("gensim.models")


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_word2vec_round_trip(tmp_path, wv, binary, suffix):
    path = tmp_path / f"v.w2v{suffix}"
    wv.save_word2vec_format(path, binary=binary)
    for detect in (None, binary):
        loaded = KeyedVectors.load_word2vec_format(path, binary=detect)
        _same(wv, loaded)  # %.9g text is exact for float32
    assert KeyedVectors.load_word2vec_format(path, limit=2).words == wv.words[:2]


def test_binary_layout_is_the_c_tools(tmp_path):
    path = tmp_path / "v.bin"
    vectors = np.array([[1.0, -2.0], [0.5, 3.0]], dtype=np.float32)
    KeyedVectors(["é", "b"], vectors).save_word2vec_format(path, binary=True)
    expected = b"2 2\n" + "é ".encode() + vectors[0].tobytes() + b"\nb " + vectors[1].tobytes()
    assert path.read_bytes() == expected + b"\n"


@pytest.mark.parametrize("binary", [True, False])
def test_gensim_reads_ours(tmp_path, wv, binary):
    path = tmp_path / "ours.w2v"
    wv.save_word2vec_format(path, binary=binary)
    theirs = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert list(theirs.index_to_key) == wv.words
    np.testing.assert_array_equal(theirs.vectors, wv.vectors)


@pytest.mark.parametrize("binary", [True, False])
def test_we_read_gensims(tmp_path, wv, binary):
    theirs = gensim_models.KeyedVectors(vector_size=wv.vector_size)
    theirs.add_vectors(wv.words, wv.vectors)
    path = tmp_path / "gensim.w2v"
    theirs.save_word2vec_format(str(path), binary=binary)
    _same(wv, KeyedVectors.load_word2vec_format(path))  # layout auto-detected


def test_fasttext_vec_and_glove(tmp_path):
    vec = tmp_path / "wiki.vec"
    vec.write_text("2 3 \nthe 0.1 -0.2 3e-2 \nof 1 2 3 \n", encoding="utf-8")
    loaded = KeyedVectors.load_word2vec_format(vec)
    assert loaded.words == ["the", "of"]
    np.testing.assert_allclose(loaded["the"], [0.1, -0.2, 0.03], rtol=1e-6)
    glove = tmp_path / "glove.txt"
    glove.write_text("the 0.1 0.2\r\nof 1\t2\r\n", encoding="utf-8")
    with pytest.raises(FormatError, match="no_header=True"):
        KeyedVectors.load_word2vec_format(glove)
    loaded = KeyedVectors.load_word2vec_format(glove, no_header=True)
    assert loaded.words == ["the", "of"] and loaded["of"].tolist() == [1.0, 2.0]


def test_word2vec_refuses_unstorable_words(tmp_path):
    with pytest.raises(ValueError, match="space"):
        KeyedVectors(["a b"], [[1.0]]).save_word2vec_format(tmp_path / "x.bin")
    assert not list(tmp_path.iterdir())


def _binary(records, header=None, dim=2):
    body = b"".join(w + b" " + np.array(v, dtype="<f4").tobytes() + b"\n" for w, v in records)
    return (header if header is not None else f"{len(records)} {dim}\n".encode()) + body


GOOD = [(b"a", [1, 2]), (b"b", [3, 4]), (b"c", [5, 6])]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"hello world\na 1 2\n", "line 1: expected the header 'V D'"),
        (b"\x00\x01garbage", "line 1: expected the header"),
        (b"2 0\n", "dimension must be in \\[1, "),
        (
            b"3 2\na 1 2\nb 3 4\n",
            "line 4: the file ends after 2 vectors, but the header promises 3",
        ),
        (b"1 2\na 1 2\nb 3 4\n", "line 3: more vectors than the 1"),
        (b"2 2\na 1 2\nb 3 4 5\n", "line 3: expected 2 numbers, found 3"),
        (b"2 2\na 1 2\nb 3\n", "line 3: expected 2 numbers, found 1"),
        (b"2 2\na 1 2\nb 3 x\n", "line 3: 'x' is not a number"),
        (b"2 2\na 1 2\n\xffb 3 4\n", "line 3 .*invalid UTF-8"),
        (b"2 2\na 1 2\nb nan 4\n", "line 3 \\('b'\\).*NaN or infinity"),
        (b"2 2\na 1 2\nb 1e39 4\n", "line 3.*infinity"),
        (b"2 2\na 1 2\na 3 4\n", "line 3.*'a' appears a second time"),
        (_binary(GOOD)[:-5], "the file ends inside vector #2"),
        (_binary(GOOD, b"9 2\n"), "promises 9 vectors"),
        (_binary(GOOD, b"2 2\n"), "data continues after the 2 vectors"),
        (_binary(GOOD, b"3 3\n"), "promises 3 vectors of 3 float32"),
        (
            _binary(GOOD, b"3 1\n"),
            "byte offset 10: vector #1 .* dimension \\(1\\) is probably wrong",
        ),
        (_binary([(b"a", [1, 2]), (b"\xff\xfe", [3, 4])]), "byte offset 15: .*#1 is not valid UTF"),
        (_binary([(b"a", [1, 2]), (b"b", [np.inf, 4])]), "vector #1 \\('b'\\).*infinity"),
        (_binary([(b"a", [1, 2]), (b"b", [np.nan, 4])]), "vector #1 \\('b'\\).*NaN"),
    ],
)
def test_corrupted_word2vec_files(tmp_path, content, message):
    path = tmp_path / "bad.vectors"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message) as info:
        KeyedVectors.load_word2vec_format(path)
    assert "bad.vectors" in str(info.value)


def test_invalid_utf8_replaced_on_request(tmp_path):
    text, binary = tmp_path / "t.txt", tmp_path / "b.bin"
    text.write_bytes(b"2 2\na 1 2\n\xffb 3 4\n")
    binary.write_bytes(_binary([(b"a", [1, 2]), (b"\xffb", [3, 4])]))
    for path in (text, binary):
        loaded = KeyedVectors.load_word2vec_format(path, errors="replace")
        assert loaded.words == ["a", "\ufffdb"]
    # Words that collide after replacement keep their first occurrence, as in gensim.
    binary.write_bytes(_binary([(b"\xff", [1, 2]), (b"\xfe", [3, 4])]))
    loaded = KeyedVectors.load_word2vec_format(binary, errors="replace")
    assert loaded.words == ["\ufffd"] and loaded.vectors.tolist() == [[1.0, 2.0]]


def test_binary_without_newlines_and_limit(tmp_path):
    path = tmp_path / "g.bin"
    body = b"".join(w + b" " + np.array(v, dtype="<f4").tobytes() for w, v in GOOD)
    path.write_bytes(b"3 2\n" + body)
    loaded = KeyedVectors.load_word2vec_format(path, binary=True)
    assert loaded.words == ["a", "b", "c"] and loaded["c"].tolist() == [5.0, 6.0]
    assert KeyedVectors.load_word2vec_format(path, limit=1).words == ["a"]
