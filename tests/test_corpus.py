"""Tests for skipgram.corpus: streaming text reader, as_sentences, encode/scan, EncodedCorpus."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import random
import re

import numpy as np
import pytest

import skipgram.reading as corpus_module
from skipgram.corpus import EncodedCorpus, LineCorpus, as_sentences, encode, scan
from skipgram.errors import CorpusError, ParameterError
from skipgram.vocab import Vocabulary

TEXT = "the quick brown fox\njumps over  the lazy dog\n\n   \nthe end\n"
SENTENCES = [
    ["the", "quick", "brown", "fox"],
    ["jumps", "over", "the", "lazy", "dog"],
    ["the", "end"],
]


def reference(text: str, limit: int = 10000) -> list[list[str]]:
    """What LineCorpus must yield for ``text``: words per line, long lines cut into pieces."""
    out = []
    for line in text.split("\n"):
        words = line.split()
        out.extend(words[i : i + limit] for i in range(0, len(words), limit))
    return out


@pytest.fixture
def tiny_blocks(monkeypatch):
    """Make the reader's block size a few bytes, so every boundary case is hit."""

    def set_size(size: int) -> None:
        monkeypatch.setattr(corpus_module, "_BLOCK_BYTES", size)

    return set_size


@pytest.fixture
def zipf_corpus():
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(400)]
    p = 1.0 / np.arange(1, 401)
    p /= p.sum()
    return [[words[i] for i in rng.choice(400, size=int(rng.integers(0, 40)), p=p)] for _ in range(600)]


def write(path, data: bytes | str):
    data = data.encode("utf-8") if isinstance(data, str) else data
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(path.suffix, open)
    with opener(path, "wb") as f:
        f.write(data)
    return path


# --- LineCorpus --------------------------------------------------------------------------------


def test_reads_lines_and_skips_empty_ones(tmp_path):
    corpus = LineCorpus(write(tmp_path / "a.txt", TEXT))
    assert list(corpus) == SENTENCES


def test_restartable(tmp_path):
    corpus = LineCorpus(write(tmp_path / "a.txt", TEXT))
    assert list(corpus) == list(corpus) == SENTENCES


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_compressed_files(tmp_path, suffix):
    assert list(LineCorpus(write(tmp_path / f"a.txt{suffix}", TEXT))) == SENTENCES


def test_folder_sorted_by_name_skipping_hidden_files(tmp_path):
    write(tmp_path / "b.txt", "second file\n")
    write(tmp_path / "a.txt.gz", "first file\n")
    write(tmp_path / ".hidden", "never read\n")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "c.txt", "not recursive\n")
    assert list(LineCorpus(tmp_path)) == [["first", "file"], ["second", "file"]]


def test_list_of_paths_in_given_order(tmp_path):
    a, b = write(tmp_path / "a.txt", "a a\n"), write(tmp_path / "b.txt", "b")
    assert list(LineCorpus([b, str(a)])) == [["b"], ["a", "a"]]


def test_missing_path_names_it(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        LineCorpus(missing)


def test_empty_folder(tmp_path):
    with pytest.raises(CorpusError, match="has no files"):
        LineCorpus(tmp_path)


def test_empty_file_one_word_and_whitespace_only(tmp_path):
    assert list(LineCorpus(write(tmp_path / "e.txt", ""))) == []
    assert list(LineCorpus(write(tmp_path / "w.txt", " \n\t\n\r\n  "))) == []
    assert list(LineCorpus(write(tmp_path / "o.txt", "word"))) == [["word"]]


def test_crlf_and_byte_order_mark(tmp_path):
    path = write(tmp_path / "a.txt", b"\xef\xbb\xbfone two\r\nthree\r\n")
    assert list(LineCorpus(path)) == [["one", "two"], ["three"]]


@pytest.mark.parametrize("block", [3, 64, 1 << 20])
def test_huge_line_split_without_losing_words(tmp_path, tiny_blocks, block):
    tiny_blocks(block)
    words = [f"w{i}" for i in range(2503)]
    path = write(tmp_path / "one-line.txt.gz", " ".join(words) + "\nlast line")
    sentences = list(LineCorpus(path, max_sentence_length=100))
    assert [len(s) for s in sentences] == [100] * 25 + [3, 2]
    assert sum(map(len, sentences)) == 2505
    assert [w for s in sentences for w in s] == [*words, "last", "line"]


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 10000])
@pytest.mark.parametrize("block", [1, 2, 3, 5, 8, 13, 64])
def test_block_boundaries_never_cut_words_or_characters(tmp_path, tiny_blocks, block, limit):
    rng = random.Random(block * 31 + limit)
    alphabet = ["a", "b", "é", "ß", "中", "文", "🙂", "\u00a0", " ", "  ", "\t", "\n", "\n\n"]
    text = "".join(rng.choice(alphabet) for _ in range(600))
    path = write(tmp_path / "t.txt", text)
    tiny_blocks(block)
    assert list(LineCorpus(path, max_sentence_length=limit)) == reference(text, limit)


def test_word_longer_than_a_block(tmp_path, tiny_blocks):
    tiny_blocks(4)
    long_word = "x" * 50 + "中" * 10
    path = write(tmp_path / "t.txt", f"a {long_word} b\n{long_word}")
    assert list(LineCorpus(path)) == [["a", long_word, "b"], [long_word]]


@pytest.mark.parametrize("block", [4, 1 << 20])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_invalid_utf8_names_file_and_byte_offset(tmp_path, tiny_blocks, block, suffix):
    tiny_blocks(block)
    data = "first line\nsecond 中文 line\n".encode() + b"bad w\xffrd\n"
    offset = data.index(b"\xff")
    path = write(tmp_path / f"broken.txt{suffix}", data)
    with pytest.raises(CorpusError) as info:
        list(LineCorpus(path))
    message = str(info.value)
    assert str(path) in message
    assert f"byte offset {offset} " in message
    assert "(line 3)" in message
    assert "errors='replace'" in message


def test_truncated_multibyte_character_at_end_of_file(tmp_path):
    path = write(tmp_path / "t.txt", "ok 中".encode()[:-1])
    with pytest.raises(CorpusError, match="byte offset 3 "):
        list(LineCorpus(path))


def test_errors_replace(tmp_path, tiny_blocks):
    tiny_blocks(3)
    path = write(tmp_path / "t.txt", b"good b\xffd\nnext")
    assert list(LineCorpus(path, errors="replace")) == [["good", "b\ufffdd"], ["next"]]


def test_corrupt_gzip_is_a_corpus_error(tmp_path):
    path = tmp_path / "bad.txt.gz"
    path.write_bytes(gzip.compress(b"some words here\n" * 100)[:-30])
    with pytest.raises(CorpusError, match=re.escape(str(path))):
        list(LineCorpus(path))


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"max_sentence_length": 0},
            "The 'max_sentence_length' parameter of LineCorpus must be an int in the range [1, inf); got 0.",
        ),
        (
            {"errors": "ignore"},
            "The 'errors' parameter of LineCorpus must be one of 'strict', 'replace'; got 'ignore'.",
        ),
    ],
)
def test_line_corpus_parameters(tmp_path, params, message):
    with pytest.raises(ParameterError, match=re.escape(message)):
        LineCorpus(write(tmp_path / "a.txt", TEXT), **params)


# --- as_sentences ------------------------------------------------------------------------------


def test_as_sentences_accepts_paths_and_line_corpus(tmp_path):
    path = write(tmp_path / "a.txt", TEXT)
    assert list(as_sentences(path)) == SENTENCES
    assert list(as_sentences(str(path))) == SENTENCES
    assert list(as_sentences([path, path])) == SENTENCES * 2
    line_corpus = LineCorpus(path)
    assert as_sentences(line_corpus) is line_corpus
    # a LineCorpus keeps its own settings
    assert as_sentences(line_corpus, max_sentence_length=2) is line_corpus
    short = LineCorpus(path, max_sentence_length=2)
    assert next(iter(as_sentences(short))) == ["the", "quick"]


def test_as_sentences_splits_long_token_lists():
    sentences = as_sentences([["a"] * 7, ("b", "c")], max_sentence_length=3)
    assert list(sentences) == [["a"] * 3, ["a"] * 3, ["a"], ["b", "c"]]
    assert list(sentences) == list(sentences)


@pytest.mark.parametrize("one_shot", [iter([["a"]]), (s for s in [["a"]]), map(list, ["ab"])])
def test_one_shot_iterators_are_refused(one_shot):
    with pytest.raises(CorpusError, match=r"one-shot iterator.*several times.*list.*LineCorpus"):
        as_sentences(one_shot)


def test_non_string_tokens_name_the_sentence():
    with pytest.raises(CorpusError, match=r"sentence 2 .*not a string: 3 \(int\)"):
        list(as_sentences([["a"], ["b"], ["c", 3]]))
    with pytest.raises(CorpusError, match="sentence 1 of the corpus is a string"):
        list(as_sentences([["a"], "b c"]))
    with pytest.raises(CorpusError, match="must be a path"):
        as_sentences(42)


# --- encode / scan / EncodedCorpus -------------------------------------------------------------


def check_invariants(encoded: EncodedCorpus) -> None:
    assert encoded.ids.dtype == np.int32 and encoded.offsets.dtype == np.int64
    assert encoded.offsets[0] == 0 and encoded.offsets[-1] == len(encoded.ids) == len(encoded)
    assert (np.diff(encoded.offsets) > 0).all()  # no empty sentence
    assert encoded.n_sentences == len(encoded.offsets) - 1


def expected_encoding(sentences, vocab):
    kept = [[vocab.index[w] for w in s if w in vocab] for s in sentences]
    kept = [s for s in kept if s]
    return [i for s in kept for i in s], np.cumsum([0] + [len(s) for s in kept]).tolist()


def test_encode_drops_unknown_words_and_empty_sentences(zipf_corpus):
    vocab = Vocabulary.build(zipf_corpus, min_count=20)
    encoded = encode(zipf_corpus, vocab)
    check_invariants(encoded)
    ids, offsets = expected_encoding(zipf_corpus, vocab)
    assert encoded.ids.tolist() == ids and encoded.offsets.tolist() == offsets
    assert encoded.raw_words == sum(map(len, zipf_corpus)) == vocab.raw_total


@pytest.mark.parametrize(
    "params",
    [
        {"min_count": 1},
        {"min_count": 5, "max_vocab_size": 37},
        {"min_count": 2, "stop_words": ["w0", "w2", "w5"]},
    ],
)
def test_scan_equals_build_then_encode(zipf_corpus, monkeypatch, params):
    monkeypatch.setattr(corpus_module, "_BATCH_TOKENS", 500)  # many batches
    vocab, encoded = scan(zipf_corpus, **params)
    built = Vocabulary.build(zipf_corpus, **params)
    reference_encoding = encode(zipf_corpus, built)
    assert vocab.words == built.words
    assert vocab.counts.tolist() == built.counts.tolist()
    assert vocab.raw_total == built.raw_total
    assert encoded.ids.tolist() == reference_encoding.ids.tolist()
    assert encoded.offsets.tolist() == reference_encoding.offsets.tolist()
    assert encoded.raw_words == reference_encoding.raw_words
    check_invariants(encoded)


def test_scan_of_a_file_in_small_blocks(tmp_path, tiny_blocks, zipf_corpus):
    path = write(tmp_path / "z.txt.gz", "\n".join(" ".join(s) for s in zipf_corpus))
    tiny_blocks(97)
    vocab, encoded = scan(path, min_count=3)
    ids, offsets = expected_encoding(zipf_corpus, vocab)
    assert encoded.ids.tolist() == ids and encoded.offsets.tolist() == offsets
    assert vocab.words == Vocabulary.build(zipf_corpus, min_count=3).words


def test_scan_refuses_empty_corpus_and_bad_parameters(tmp_path):
    with pytest.raises(CorpusError, match="the corpus is empty"):
        scan(write(tmp_path / "e.txt", "\n \n"))
    with pytest.raises(ParameterError, match="'min_count' parameter"):
        scan([["a"]], min_count=0)


@pytest.mark.parametrize("use_scan", [True, False])
def test_cache_dir_memory_maps_and_slice_reads(tmp_path, zipf_corpus, use_scan):
    cache = tmp_path / "cache"
    if use_scan:
        vocab, encoded = scan(zipf_corpus, min_count=2, cache_dir=cache)
    else:
        vocab = Vocabulary.build(zipf_corpus, min_count=2)
        encoded = encode(zipf_corpus, vocab, cache_dir=cache)
    in_memory = encode(zipf_corpus, vocab)
    check_invariants(encoded)
    assert isinstance(encoded.ids, np.memmap)
    folder = encoded.folder
    assert folder.parent == cache and folder.name.startswith("skipgram-corpus-")
    assert sorted(os.listdir(cache)) == [folder.name]  # scan's scratch folder is gone
    assert {"ids.int32", "offsets.int64", "corpus.json"} <= set(os.listdir(folder))
    assert encoded.ids.tolist() == in_memory.ids.tolist()
    assert encoded.offsets.tolist() == in_memory.offsets.tolist()
    n = len(encoded)
    for start, stop in [(0, n), (0, 0), (5, 17), (n - 3, n), (n, n)]:
        got = encoded.slice(start, stop)
        assert type(got) is np.ndarray and got.dtype == np.int32
        assert got.tolist() == in_memory.ids[start:stop].tolist()
    reopened = EncodedCorpus.open(folder)
    assert reopened.ids.tolist() == in_memory.ids.tolist()
    assert reopened.raw_words == encoded.raw_words
    reopened.close()
    encoded.close()
    assert not folder.exists()


def test_slice_of_in_memory_corpus_is_a_copy_and_checks_bounds():
    encoded = EncodedCorpus(np.array([4, 5, 6], np.int32), np.array([0, 1, 3]), raw_words=9)
    part = encoded.slice(1, 3)
    part[0] = 99
    assert encoded.ids.tolist() == [4, 5, 6]
    with pytest.raises(IndexError, match="outside the corpus of 3 ids"):
        encoded.slice(2, 4)
    with pytest.raises(ValueError, match="offsets"):
        EncodedCorpus(np.array([1], np.int32), np.array([0, 2]), raw_words=1)


def test_slice_without_preadv(tmp_path, zipf_corpus, monkeypatch):
    monkeypatch.delattr(os, "preadv", raising=False)
    _, encoded = scan(zipf_corpus, min_count=1, cache_dir=tmp_path)
    with encoded:
        assert encoded.slice(3, 300).tolist() == encoded.ids[3:300].tolist()
    assert list(tmp_path.iterdir()) == []  # the context manager removed the cache folder


@pytest.mark.parametrize("workers", [1, 2, 3, 7])
def test_remap_in_place_matches_a_numpy_reference(workers):
    """Provisional ids -> final ids with -1 dropped, side by side in runs, then the gaps closed."""
    from skipgram.corpus import _remap_in_place

    rng = np.random.default_rng(workers)
    lengths = rng.integers(1, 40, 500).astype(np.int64)
    lengths[100:180] = 1  # a stretch of one-word sentences, many of them dropped whole
    final = np.where(rng.random(300) < 0.3, -1, rng.integers(0, 50, 300)).astype(np.int32)
    store = rng.integers(0, 300, int(lengths.sum())).astype(np.int32)
    mapped = final[store]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    kept = np.add.reduceat((mapped >= 0).astype(np.int64), starts)
    encoded = _remap_in_place(store.copy(), lengths, final, 12345, workers)
    assert encoded.ids.tolist() == mapped[mapped >= 0].tolist()
    assert encoded.offsets.tolist() == [0, *np.cumsum(kept[kept > 0]).tolist()]
    assert encoded.raw_words == 12345
    bad = store.copy()
    bad[-1] = 300  # outside final: numba has no bounds checks, the kernel must refuse it
    with pytest.raises(AssertionError, match="outside the id space"):
        _remap_in_place(bad, lengths, final, 0, workers)
