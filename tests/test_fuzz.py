"""Property-based fuzzing of every reader: damaged files give our errors only, in bounded time and memory.

Each reader starts from a valid file, and Hypothesis damages it — truncation, bit flips, inserted or
overwritten bytes, an edited header line, or plain garbage. Whatever comes out, the reader must
either return a consistent result or raise a :class:`~skipgram.errors.SkipgramError` subclass (never
an IndexError, a numpy traceback, a hang, or a memory blow-up).

The CI budget is small (``SKIPGRAM_FUZZ_EXAMPLES``, default 25 examples per reader, a few seconds);
for a longer hunt run for example::

    SKIPGRAM_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py
"""

from __future__ import annotations

import gzip
import os
import time
import tracemalloc

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from skipgram import KeyedVectors, Word2Vec  # noqa: E402
from skipgram.checkpoint import Checkpoint, TrainingState, load_checkpoint, save_checkpoint  # noqa: E402
from skipgram.corpus import LineCorpus  # noqa: E402
from skipgram.errors import SkipgramError  # noqa: E402
from skipgram.evaluate import read_questions, read_word_pairs  # noqa: E402
from skipgram.vocab import Vocabulary  # noqa: E402

EXAMPLES = int(os.environ.get("SKIPGRAM_FUZZ_EXAMPLES", "25"))
# deadline=None: a loaded CI machine must not turn a slow example into a failure; the time bound
# below is generous and checked by the test itself.
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SECONDS_PER_EXAMPLE = 20.0
# Python-level allocations (numpy reports its buffers to tracemalloc) per example.
PEAK_BYTES = 64 << 20

WORDS = ["the", "cat", "sat", "on", "mat", "a", "dog", "ran", "né", "日本"]


def _vectors() -> KeyedVectors:
    rng = np.random.default_rng(0)
    return KeyedVectors(
        WORDS, rng.standard_normal((len(WORDS), 4)).astype(np.float32), counts=range(20, 10, -1)
    )


def _checkpoint_bytes(path) -> bytes:
    params = Word2Vec(vector_size=4, min_count=1, epochs=2, workers=1, progress=False)._resolved_params()
    words = sorted(WORDS)
    vocab = Vocabulary(words, np.full(len(words), 3, dtype=np.int64), 40)
    rng = np.random.default_rng(1)
    w_in = rng.standard_normal((len(words), 4)).astype(np.float32)
    state = TrainingState(
        epoch=1, position=5, training_log=[{"epoch": 1, "loss": 2.5}], loss_curve=[[10, 2.5]]
    )
    corpus = {"words": 30, "raw_words": 40, "sentences": 3, "ids_blake2b": "00" * 16}
    save_checkpoint(path, Checkpoint(params, vocab, w_in, w_in.copy(), state, corpus))
    return path.read_bytes()


def _seed(kind: str, folder) -> bytes:
    """A valid file of each format (bytes)."""
    wv = _vectors()
    scratch = folder / f"seed-{kind}"
    if kind == "native":
        wv.save(scratch)
    elif kind == "checkpoint":
        return _checkpoint_bytes(scratch)
    elif kind in ("binary", "binary-gz"):
        wv.save_word2vec_format(scratch, binary=True)
    elif kind in ("text", "vec", "text-gz"):
        wv.save_word2vec_format(scratch, binary=False)
        if kind == "vec":  # fastText: a trailing space on every line
            scratch.write_bytes(
                b"\n".join(line + b" " for line in scratch.read_bytes().split(b"\n")[:-1]) + b"\n"
            )
    elif kind == "glove":
        wv.save_word2vec_format(scratch, binary=False)
        scratch.write_bytes(scratch.read_bytes().split(b"\n", 1)[1])
    elif kind == "questions":
        scratch.write_text(
            ": family\nman king woman queen\nboy girl son daughter\n: gram\ngood better bad worse\n"
        )
    elif kind == "pairs":
        scratch.write_text("Word 1,Word 2,Human (mean)\ntiger,cat,7.35\nbook,paper,7.46\nking,cabbage,0.23\n")
    elif kind in ("corpus", "corpus-gz"):
        scratch.write_text("the cat sat on the mat\nnè 日本 dog ran\n" * 20)
    data = scratch.read_bytes()
    return gzip.compress(data, mtime=0) if kind.endswith("-gz") else data


def _read(kind: str, path):
    if kind == "native":
        wv = KeyedVectors.load(path, mmap=len(path.name) % 2 == 0)
        assert np.isfinite(wv.vectors).all() and wv.vectors.shape == (len(wv), wv.vector_size)
    elif kind == "checkpoint":
        ck = load_checkpoint(path)
        assert ck.input_vectors.shape[0] == len(ck.vocab) and np.isfinite(ck.output_vectors).all()
    elif kind in ("binary", "binary-gz", "text", "text-gz", "vec"):
        wv = KeyedVectors.load_word2vec_format(path)
        assert np.isfinite(wv.vectors).all()
    elif kind == "glove":
        KeyedVectors.load_word2vec_format(path, no_header=True)
    elif kind == "questions":
        assert all(len(q) == 4 for _, qs in read_questions(path) for q in qs)
    elif kind == "pairs":
        assert all(np.isfinite(score) for *_, score in read_word_pairs(path))
    elif kind in ("corpus", "corpus-gz"):
        assert all(sentence for sentence in LineCorpus(path))


SUFFIX = {"binary-gz": ".bin.gz", "text-gz": ".txt.gz", "corpus-gz": ".txt.gz", "vec": ".vec"}
KINDS = ["native", "checkpoint", "binary", "binary-gz", "text", "text-gz", "vec", "glove", "questions",
         "pairs", "corpus"]  # fmt: skip
# Found by this fuzzing: reading._read (owned by the corpus-reader work) lets zlib.error through for a
# corrupt .gz corpus; the CLI turns it into one line, the library still raises it raw.
KNOWN_GAPS = [
    "corpus-gz",
]


@st.composite
def damaged(draw, data: bytes) -> bytes:
    """A valid file, damaged in one to three ways."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["truncate", "flip", "insert", "overwrite", "header", "garbage"]))
        at = draw(st.integers(0, max(0, len(out))))
        if how == "truncate":
            del out[at:]
        elif how == "flip" and out:
            position = min(at, len(out) - 1)
            out[position] ^= 1 << draw(st.integers(0, 7))
        elif how == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif how == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            out[at : at + len(chunk)] = chunk
        elif how == "header":  # a plausible but wrong first line / length field
            numbers = draw(
                st.sampled_from([b"0 0", b"9 4", b"10 40000", b"99999999999 4", b"10 -4", b"-1 4"])
            )
            end = out.find(b"\n")
            out[: end if end >= 0 else 0] = numbers
        else:
            out = bytearray(draw(st.binary(max_size=512)))
    return bytes(out)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.parametrize("kind", KINDS + KNOWN_GAPS)
def test_damaged_files_give_our_errors_only(kind, folder):
    seed = _seed(kind, folder)
    path = folder / f"case-{kind}{SUFFIX.get(kind, '.data')}"

    @FUZZ
    @given(damaged(seed))
    def check(content: bytes) -> None:
        path.write_bytes(content)
        tracemalloc.start()
        began = time.monotonic()
        try:
            _read(kind, path)
        except SkipgramError:
            pass  # the promised outcome for a damaged file: one of our errors (names the file)
        finally:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        assert time.monotonic() - began < SECONDS_PER_EXAMPLE
        assert peak < PEAK_BYTES, f"{peak / 2**20:.0f} MB for a {len(content)}-byte file"

    check()


def test_the_seeds_themselves_are_read(folder):
    """The fuzzing starts from valid files (else it would only test the first error message)."""
    for kind in [*KINDS, "corpus-gz"]:
        path = folder / f"valid-{kind}{SUFFIX.get(kind, '.data')}"
        path.write_bytes(_seed(kind, folder))
        _read(kind, path)
