"""Tests for skipgram.counting: bounded-memory exact counting, multi-worker identity, the tokeniser."""

from __future__ import annotations

import bz2
import gzip
import itertools
import lzma
import random
import re
import threading
from collections import Counter

import numpy as np
import pytest

import skipgram.corpus as corpus_module
import skipgram.reading as reading
from skipgram import Word2Vec, counting
from skipgram.corpus import LineCorpus, encode, scan
from skipgram.errors import CorpusError, ParameterError
from skipgram.vocab import Vocabulary

TINY = 0.01  # MiB: far below one table, so the first growth switches to the sketch


def mixed_corpus(seed: int, n_sentences: int = 300, noise: float = 0.5) -> list[list[str]]:
    """Zipf-distributed real words with ``noise`` of the tokens distinct one-off strings."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(300)] + ["é", "naïve", "中文", "🙂x"]
    weights = [1.0 / (i + 1) for i in range(len(vocab))]
    sentences = []
    for s in range(n_sentences):
        words = rng.choices(vocab, weights, k=rng.randint(0, 30))
        out = []
        for w in words:
            out.append(w)
            if rng.random() < noise:
                out.append(f"r{seed}_{s}_{len(out)}_{rng.getrandbits(40):x}")
        sentences.append(out)
    return sentences


def exact(sentences, min_count):
    counts = Counter(w for s in sentences for w in s)
    return {w: c for w, c in counts.items() if c >= min_count}


def write(path, text: str):
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(path.suffix, open)
    with opener(path, "wb") as f:
        f.write(text.encode("utf-8"))
    return path


def assert_same_scan(a, b):
    (va, ea), (vb, eb) = a, b
    assert va.words == vb.words
    assert va.counts.tolist() == vb.counts.tolist()
    assert va.raw_total == vb.raw_total
    assert ea.ids.tolist() == eb.ids.tolist()
    assert ea.offsets.tolist() == eb.offsets.tolist()
    assert ea.raw_words == eb.raw_words


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("min_count", [1, 2, 5])
def test_pruned_counts_are_exact(seed, min_count):
    # Enough distinct words that every partition outgrows its first 1,024-word table.
    sentences = mixed_corpus(seed, n_sentences=1000)
    counted = counting.count_words(sentences, min_count=min_count, workers=1 + seed % 3, count_memory_mb=TINY)
    assert counted.pruned  # the bound was reached: the second, filtered pass ran
    words, counts, _ = counted.frequent(min_count)
    assert dict(zip(words, counts.tolist(), strict=True)) == exact(sentences, min_count)
    assert counted.raw_total == sum(map(len, sentences))


def test_the_sketch_filters_one_off_words():
    sentences = mixed_corpus(9)
    distinct = len(Counter(w for s in sentences for w in s))
    counted = counting.count_words(sentences, min_count=3, count_memory_mb=0.2)
    assert counted.pruned
    # Only candidates are held in the second pass: the real words and a few unlucky one-offs.
    assert counted.n_counted < 0.3 * distinct
    assert dict(zip(*counted.frequent(3)[:2], strict=True)) == exact(sentences, 3)


@pytest.mark.parametrize("params", [{"min_count": 2}, {"min_count": 3, "max_vocab_size": 40}])
def test_pruned_scan_equals_unbounded_scan_and_build_then_encode(params, monkeypatch):
    monkeypatch.setattr(reading, "_BATCH_TOKENS", 700)  # many batches, switch mid-corpus
    sentences = mixed_corpus(11, n_sentences=500)
    bounded = scan(sentences, count_memory_mb=TINY, **params)
    unbounded = scan(sentences, count_memory_mb=None, **params)
    assert_same_scan(bounded, unbounded)
    built = Vocabulary.build(sentences, count_memory_mb=TINY, **params)
    assert built.words == unbounded[0].words and built.counts.tolist() == unbounded[0].counts.tolist()
    reference = encode(sentences, built)
    assert bounded[1].ids.tolist() == reference.ids.tolist()
    assert bounded[1].offsets.tolist() == reference.offsets.tolist()
    bounded_counts = dict(zip(bounded[0].words, bounded[0].counts.tolist(), strict=True))
    assert bounded_counts.items() <= exact(sentences, 1).items()


@pytest.mark.parametrize("memory", [None, TINY])
def test_workers_give_identical_results(tmp_path, memory, monkeypatch):
    monkeypatch.setattr(reading, "_BLOCK_BYTES", 1000)
    sentences = mixed_corpus(5, n_sentences=400)
    path = write(tmp_path / "c.txt", "\n".join(" ".join(s) for s in sentences))
    one = scan(path, min_count=2, workers=1, count_memory_mb=memory)
    for workers in (2, 3, 4):
        assert_same_scan(one, scan(path, min_count=2, workers=workers, count_memory_mb=memory))
        from_lists = scan(sentences, min_count=2, workers=workers)
        assert_same_scan(scan(sentences, min_count=2, workers=1), from_lists)
    assert_same_scan(one, scan(sentences, min_count=2))


def test_noise_tokens_leave_the_encoded_corpus_and_training_unchanged(tmp_path, monkeypatch):
    rng = random.Random(3)
    real = mixed_corpus(8, n_sentences=200, noise=0.0)
    noisy = [[t for w in s for t in (w, f"z{rng.getrandbits(48):x}")] for s in real]
    real_file = write(tmp_path / "real.txt", "\n".join(" ".join(s) for s in real))
    noisy_file = write(tmp_path / "noisy.txt.gz", "\n".join(" ".join(s) for s in noisy))
    v_real, e_real = scan(real_file, min_count=3)
    v_noisy, e_noisy = scan(noisy_file, min_count=3, workers=2, count_memory_mb=TINY)
    assert v_noisy.words == v_real.words and v_noisy.counts.tolist() == v_real.counts.tolist()
    assert e_noisy.ids.tolist() == e_real.ids.tolist()
    assert e_noisy.offsets.tolist() == e_real.offsets.tolist()
    # Word2Vec through the pruned path: the same vectors, bit for bit.
    defaults = dict(corpus_module.scan.__kwdefaults__, count_memory_mb=TINY)
    monkeypatch.setattr(corpus_module.scan, "__kwdefaults__", defaults)
    pruned = []

    def spy(*args, **kwargs):
        counted = counting.count_words(*args, **kwargs)
        pruned.append(counted.pruned)
        return counted

    monkeypatch.setattr(corpus_module, "count_words", spy)
    params = dict(vector_size=8, min_count=3, epochs=1, workers=1, seed=4, progress=False)
    a = Word2Vec(**params).fit(real_file)
    b = Word2Vec(**params).fit(noisy_file)
    assert pruned == [False, True]  # the real text fits one table; the noisy one needs the sketch
    assert a.vocab_.words == b.vocab_.words
    assert np.array_equal(a.input_vectors_, b.input_vectors_)
    assert np.array_equal(a.output_vectors_, b.output_vectors_)


def test_tokeniser_splits_on_exactly_the_unicode_whitespace_of_str_split():
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert len(spaces) == 29  # if Python's Unicode tables change, this test says so
    st, ln, hs, nl = counting._Tokens.empty_arrays(16)
    for ch in [*spaces, "\u200b", "\ufeff", "¡", "‰", "、", "x", "\x00", "\x7f"]:
        data = f"ab{ch}cd".encode("utf-8", "surrogatepass")
        buf = np.frombuffer(data, np.uint8)
        n, status, _, _ = counting._tokenize(buf, 0, len(data), 99, st, ln, hs, nl, 0)
        assert status == 0
        assert n == len(f"ab{ch}cd".split()), repr(ch)


@pytest.mark.parametrize("block", [1, 3, 7, 64, 1 << 20])
@pytest.mark.parametrize("workers", [1, 3])
def test_file_scan_matches_str_split_reference(tmp_path, monkeypatch, block, workers):
    rng = random.Random(block)
    alphabet = ["a", "b", "é", "ß", "中", "🙂", "\u00a0", "\u3000", "\u2028", "\x1c", "\x85"]
    alphabet += [" ", "\t", "\r", "\n", "\n\n"]
    text = "\ufeff" + "".join(rng.choice(alphabet) for _ in range(3000))
    path = write(tmp_path / "t.txt.bz2", text)
    monkeypatch.setattr(reading, "_BLOCK_BYTES", block)
    limit = 4
    reference = []
    for line in text[1:].split("\n"):
        words = line.split()
        reference += [words[i : i + limit] for i in range(0, len(words), limit)]
    vocab, encoded = scan(LineCorpus(path, max_sentence_length=limit), min_count=1, workers=workers)
    assert dict(zip(vocab.words, vocab.counts.tolist(), strict=True)) == exact(reference, 1)
    ids, offsets = encoded.ids.tolist(), encoded.offsets.tolist()
    assert [[vocab.words[i] for i in ids[a:b]] for a, b in itertools.pairwise(offsets)] == reference


@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2", ".xz"])
def test_compressed_files_and_folders(tmp_path, suffix):
    sentences = mixed_corpus(21, n_sentences=120)
    folder = tmp_path / "corpus"
    folder.mkdir()
    write(folder / f"a.txt{suffix}", "\n".join(" ".join(s) for s in sentences[:60]))
    write(folder / f"b.txt{suffix}", "\n".join(" ".join(s) for s in sentences[60:]))
    assert_same_scan(scan(folder, min_count=2, workers=2, count_memory_mb=TINY), scan(sentences, min_count=2))


def test_undecodable_bytes_name_file_line_and_offset(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "_BLOCK_BYTES", 8)
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good words\nmore\nb\xffd x\n")
    for workers in (1, 2):
        with pytest.raises(CorpusError, match=re.escape("byte offset 17 of the text (line 3)")):
            scan(path, min_count=1, workers=workers)
    vocab, _ = scan(LineCorpus(path, errors="replace"), min_count=1, workers=2)
    assert "b\ufffdd" in vocab


@pytest.mark.parametrize("workers", [2, 3])
def test_a_block_redone_for_bad_bytes_is_counted_once(tmp_path, monkeypatch, workers):
    # Each worker counts its range as soon as it has split it; when another range of the block holds
    # bad bytes, errors="replace" redoes the block, and the counts already made must be taken back.
    monkeypatch.setattr(reading, "_BLOCK_BYTES", 200)
    sentences = mixed_corpus(4, n_sentences=60, noise=0.2)
    lines = [" ".join(s).encode() for s in sentences]
    lines[7] += b" b\xffd"
    lines[31] = b"\xfe " + lines[31]
    path = tmp_path / "bad.txt"
    path.write_bytes(b"\n".join(lines) + b"\n")
    decoded = [line.decode("utf-8", "replace").split() for line in lines]
    got = scan(LineCorpus(path, errors="replace"), min_count=1, workers=workers, count_memory_mb=None)
    assert_same_scan(got, scan([s for s in decoded if s], min_count=1))


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_the_room_reserved_for_a_plain_file_holds_every_id(tmp_path, monkeypatch, workers):
    # The densest text there is (one-byte words, one separator each): the room reserved from the
    # file's size must hold every id, so the store never grows (and never zero-fills) while counting;
    # and a reservation that turns out too small (a file that grew) falls back to growing.
    monkeypatch.setattr(reading, "_BLOCK_BYTES", 97)
    rng = random.Random(2)
    lines = [" ".join(rng.choice("abcdefgh") for _ in range(rng.randint(1, 40))) for _ in range(200)]
    path = tmp_path / "dense.txt"
    path.write_text("\n".join(lines), encoding="utf-8")  # no newline at the end: one more token's room
    reference = scan([line.split() for line in lines], min_count=1)
    grew = []
    reserve = corpus_module._reserve

    def spy(store, size):
        grew.append(size > len(store))
        reserve(store, size)

    monkeypatch.setattr(corpus_module, "_reserve", spy)
    got = scan(path, min_count=1, workers=workers)
    assert grew and not any(grew)
    assert not got[1].ids.flags.owndata  # the ids live in the reserved map
    assert_same_scan(got, reference)
    expect = corpus_module._ProvisionalStore.expect
    monkeypatch.setattr(corpus_module._ProvisionalStore, "expect", lambda self, n: expect(self, 50))
    grew.clear()
    assert_same_scan(scan(path, min_count=1, workers=workers), reference)
    assert any(grew)


def test_a_word_without_whitespace_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "_MAX_WORD_BYTES", 100)
    monkeypatch.setattr(reading, "_BLOCK_BYTES", 16)
    endless = tmp_path / "zeros.bin"
    endless.write_bytes(b"ok\n" + b"\0" * 5000)
    with pytest.raises(CorpusError, match=r"longer than 100 bytes .* byte offset 3 .*\(line 2\)"):
        scan(endless, min_count=1)
    with pytest.raises(CorpusError, match="longer than 100 bytes"):
        list(LineCorpus(endless))
    monkeypatch.setattr(reading, "_BLOCK_BYTES", 1 << 20)  # a long word inside one block
    with pytest.raises(CorpusError, match=r"longer than 100 bytes .* byte offset 3 "):
        scan(endless, min_count=1, workers=2)
    fine = write(tmp_path / "long.txt", "a " + "x" * 100 + "\u3000" + "y" * 80)  # wide spaces cut too
    monkeypatch.setattr(reading, "_BLOCK_BYTES", 16)
    assert sorted(Vocabulary.build(fine, min_count=1).words) == ["a", "x" * 100, "y" * 80]


def test_a_list_of_sentences_as_strings_is_named(tmp_path):
    with pytest.raises(CorpusError, match=r"list of strings, but none is an existing file .*'the cat sat'"):
        Word2Vec(min_count=1, progress=False).fit(["the cat sat"])
    with pytest.raises(FileNotFoundError, match="to train on text, give sentences as lists of words"):
        LineCorpus("the cat sat")
    real = write(tmp_path / "real.txt", "a b\n")
    with pytest.raises(FileNotFoundError, match=r"missing\.txt"):
        LineCorpus([str(real), str(tmp_path / "missing.txt")])


def test_tokens_with_nul_and_surrogates_from_lists():
    sentences = [["a\0b", "", "\udcff", "a"], ["", "a\0b", "x"]]
    vocab, encoded = scan(sentences, min_count=2, workers=2)
    assert dict(zip(vocab.words, vocab.counts.tolist(), strict=True)) == {"a\0b": 2, "": 2}
    assert encoded.offsets.tolist() == [0, 2, 4]


def test_bad_counting_parameters():
    with pytest.raises(ParameterError, match="'workers' parameter"):
        scan([["a"]], workers=0)
    with pytest.raises(ParameterError, match="'count_memory_mb' parameter"):
        Vocabulary.build([["a"]], count_memory_mb=0)


def test_pruned_scan_into_a_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "_BATCH_TOKENS", 500)  # the switch comes after ids were written
    sentences = mixed_corpus(13, n_sentences=300)
    cache = tmp_path / "cache"
    vocab, encoded = scan(sentences, min_count=2, cache_dir=cache, count_memory_mb=TINY)
    assert isinstance(encoded.ids, np.memmap)
    assert_same_scan((vocab, encoded), scan(sentences, min_count=2, count_memory_mb=None))
    assert [p.name.startswith("skipgram-corpus-") for p in cache.iterdir()] == [True]  # scratch removed
    encoded.close()


class RecordingStore:
    """An IdStore that keeps every block's ids as a list (and counts resets and file ends)."""

    def __init__(self) -> None:
        self.blocks: list[list[int]] = []
        self.resets = self.ends = 0
        self.buffer = np.empty(0, dtype=np.int32)

    def target(self, n):
        if len(self.buffer) < n:
            self.buffer = np.full(n, -7, dtype=np.int32)
        return self.buffer

    def add_all(self, tokens):
        self.blocks.append(self.buffer[: tokens.n].tolist())

    def add(self, tokens, ids):
        self.blocks.append(tokens.kept_ids(ids).tolist())

    def end_of_file(self):
        self.ends += 1

    def reset(self):
        self.blocks.clear()
        self.resets += 1


@pytest.mark.parametrize("memory", [None, TINY])
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_stored_ids_name_every_token_in_order(tmp_path, monkeypatch, workers, memory):
    # Sharded, each worker writes its region's ids straight to the store and a word seen by several
    # workers has an id in each; pruned, the second pass stores them. Either way the ids, mapped
    # through id_map, must spell the text, token for token.
    monkeypatch.setattr(reading, "_BLOCK_BYTES", 256)
    sentences = mixed_corpus(5, n_sentences=600)  # each worker sees over 1,024 words: TINY is reached
    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(s) for s in sentences if s) + "\n", encoding="utf-8")
    store = RecordingStore()
    counted = counting.count_words(LineCorpus(path), workers=workers, count_memory_mb=memory, store=store)
    assert counted.pruned == (memory is not None) and store.resets == counted.pruned and store.ends >= 1
    words, _, keys = counted.frequent(1)
    word_of = counted.id_map(keys, np.arange(len(words), dtype=np.int32))
    text = path.read_text(encoding="utf-8").split()
    assert [words[word_of[i]] for block in store.blocks for i in block] == text
    assert len(store.blocks) > 10  # many blocks, so the reused arrays were reused many times
    if workers > 1 and memory is None:  # a word in several shards: several ids, one word
        assert counted.id_space > len(words)

    class Failing(RecordingStore):
        def add_all(self, tokens):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        counting.count_words(LineCorpus(path), workers=workers, count_memory_mb=None, store=Failing())


def test_a_block_read_ahead_leaves_the_block_being_counted_intact(tmp_path, monkeypatch):
    # The next part is read on a thread into the other buffer while the caller holds this one: each
    # part must still read the same when the next has arrived, and together they must spell the file.
    monkeypatch.setattr(reading, "_BLOCK_BYTES", 50)
    text = " ".join(f"w{i}" * (1 + i % 7) for i in range(2000)) + " " + "x" * 180 + " tail"
    path = tmp_path / "c.txt"
    path.write_text(text, encoding="utf-8")
    held, parts = None, []
    for part, consumed in reading._read_ahead(reading._file_views(path, buffers=2)):
        if held is not None:
            assert bytes(held[0]) == held[1]  # the previous part, after the next was read
        held = (part, bytes(part))
        parts.append((consumed, bytes(part)))
    assert b"".join(p for _, p in parts).decode() == text
    assert [c for c, _ in parts] == list(itertools.accumulate([0] + [len(p) for _, p in parts[:-1]]))


def test_read_ahead_raises_in_order_and_stops_its_thread_when_closed():
    def items():
        yield from (1, 2, 3)
        raise CorpusError("corpus file 'x': truncated")

    got = []
    with pytest.raises(CorpusError, match="truncated"):
        for item in reading._read_ahead(items()):
            got.append(item)
    assert got == [1, 2, 3]

    closed = []

    def endless():
        try:
            yield from itertools.count()
        finally:
            closed.append(True)

    ahead = reading._read_ahead(endless())
    assert [next(ahead) for _ in range(5)] == [0, 1, 2, 3, 4]
    ahead.close()
    assert closed == [True]
    assert not any(t.name == "skipgram-read" for t in threading.enumerate())


@pytest.mark.parametrize("seed", range(16))
def test_fuzz_blocks_workers_and_bounds_never_change_the_scan(tmp_path, monkeypatch, seed):
    # Shards, ranges taken by any thread, the switch to sketches mid-block, read-ahead and the store's
    # reservation all depend on where blocks and ranges fall: none may change a count or an id.
    rng = random.Random(seed)
    monkeypatch.setattr(reading, "_BLOCK_BYTES", rng.choice([16, 61, 200, 1000, 1 << 16]))
    sentences = mixed_corpus(seed, n_sentences=rng.randint(20, 500), noise=rng.random())
    lines = [" ".join(s) for s in sentences]
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + rng.choice(["", "\n", "\n\n"]), encoding="utf-8")
    min_count = rng.choice([1, 2, 3])
    workers = rng.randint(1, 4)
    memory = rng.choice([None, TINY, 0.05])
    got = scan(path, min_count=min_count, workers=workers, count_memory_mb=memory)
    assert_same_scan(got, scan([s for s in sentences if s], min_count=min_count, count_memory_mb=None))
    assert dict(zip(got[0].words, got[0].counts.tolist(), strict=True)) == exact(sentences, min_count)
