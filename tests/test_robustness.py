"""Bad input and faults (issue 13): each defect class, tested at its mechanism.

Checkpoints are validated before a kernel sees them; outputs are checked before work starts and
never replace an input or a special file; resume refuses another corpus by content; SIGTERM is a
checkpointing stop; leftovers of dead processes are swept; the CLI answers in one line.
"""

from __future__ import annotations

import errno
import gzip
import logging
import os
import random
import signal
import struct
import subprocess
import sys
import time

import numpy as np
import pytest

from skipgram import KeyedVectors, Word2Vec
from skipgram._atomic import atomic_write, sweep_stale_temporaries
from skipgram._leftovers import cache_prefix, sweep_stale_caches
from skipgram._progress import TrainingMonitor, deferred_interrupt, describe_position
from skipgram.checkpoint import load_checkpoint
from skipgram.cli import main
from skipgram.errors import CorpusError, FormatError, OutputPathError, ParameterError
from skipgram.evaluate import read_questions, read_word_pairs
from skipgram.io import MAGIC, read_container, write_container

FAST = ["--epochs", "1", "--vector-size", "8", "--workers", "1", "--no-progress", "--min-count", "1"]
WORDS = "the cat sat on the mat while a dog ran after the cat and the bird sang".split()


def _text(seed: int = 0, lines: int = 60) -> str:
    rng = random.Random(seed)
    return "\n".join(" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(lines)) + "\n"


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(_text())
    return path


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _fit(corpus, tmp_path, **kwargs):
    params = dict(vector_size=8, min_count=1, epochs=2, workers=1, progress=False, cache_dir=tmp_path)
    params.update(kwargs)
    return Word2Vec(**params)


# --- 1. checkpoints: every array checked against the header and the others --------------------------
@pytest.fixture
def saved(corpus, tmp_path):
    path = tmp_path / "model.skipgram"
    _fit(corpus, tmp_path).fit(corpus).save(path)
    return path


def _tamper(path, arrays=None, metadata=None):
    meta, data = read_container(path)
    data.update(arrays or {})
    for key, value in (metadata or {}).items():
        target = meta
        *parents, last = key.split(".")
        for parent in parents:
            target = target[parent]
        target[last] = value
    write_container(path, "checkpoint", data, meta)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda w, wo, c: {"input_vectors": w[:-1]}, "'input_vectors' has shape .* expected"),
        (lambda w, wo, c: {"output_vectors": wo[:, :4]}, "'output_vectors' has shape"),
        (lambda w, wo, c: {"input_vectors": w.astype(np.float64)}, "dtype float64"),
        (lambda w, wo, c: {"input_vectors": np.where(w > 0, np.nan, w).astype(np.float32)}, "corrupted"),
        (lambda w, wo, c: {"counts": -c}, "negative count"),
        (lambda w, wo, c: {"counts": c[::-1].copy()}, "not in vocabulary order"),
        (lambda w, wo, c: {"counts": c.astype(np.float32)}, "integer array"),
    ],
)
def test_tampered_checkpoint_arrays_are_refused(saved, change, message):
    _, arrays = read_container(saved)
    _tamper(saved, change(arrays["input_vectors"], arrays["output_vectors"], arrays["counts"]))
    with pytest.raises(FormatError, match=message) as info:
        load_checkpoint(saved)
    assert str(saved) in str(info.value)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("state.position", 10**9, "position .* outside"),
        ("state.position", -1, "position .* outside"),
        ("state.epoch", 99, "epoch 99 is outside"),
        ("state.epoch", "1", "not an integer"),
        ("params.vector_size", 16, "shape"),
        ("params.negative", 0, "invalid parameters"),
        ("params.loss", "banana", "invalid parameters"),
        ("state.training_log", [1, 2], "training log"),
        ("state.training_log", [{"loss": 1.0, "words": "many"}], "training log"),
        ("vocab_raw_total", -3, "not a count"),
        # fit_more computes the blend weight from these: a bad one must not reach int() or sum()
        ("continuation", {"words_before": "abc"}, "'words_before' \\('abc'\\) is not a count"),
        ("continuation", {"words_before": -5}, "'words_before' \\(-5\\) is not a count"),
        ("continuation", {"base_training_log": 3}, "base training log is not a list of epoch records"),
        ("continuation", {"blend": 1.5}, "'blend' \\(1.5\\) is not a weight in \\[0, 1\\]"),
        ("continuation", [1], "'continuation' is not a JSON object"),
    ],
)
def test_tampered_checkpoint_metadata_is_refused(saved, key, value, message):
    _tamper(saved, metadata={key: value})
    with pytest.raises(FormatError, match=message):
        load_checkpoint(saved)


def test_hierarchical_checkpoint_needs_one_row_per_inner_node(corpus, tmp_path):
    path = tmp_path / "hs.skipgram"
    _fit(corpus, tmp_path, loss="hierarchical").fit(corpus).save(path)
    load_checkpoint(path)  # V - 1 rows: fine
    _, arrays = read_container(path)
    wrong = np.zeros((len(arrays["input_vectors"]), 8), np.float32)
    _tamper(path, {"output_vectors": wrong})
    with pytest.raises(FormatError, match="inner Huffman nodes"):
        load_checkpoint(path)


def test_nan_checkpoint_is_reported_as_corrupted_not_diverged(corpus, tmp_path):
    checkpoint = tmp_path / "ck.skipgram"
    _fit(corpus, tmp_path, epochs=1).fit(corpus, checkpoint=checkpoint)
    _, arrays = read_container(checkpoint)
    poisoned = arrays["input_vectors"].copy()
    poisoned[3, 2] = np.nan
    _tamper(checkpoint, {"input_vectors": poisoned})
    with pytest.raises(FormatError, match=r"row 3 holds NaN .*corrupted"):
        _fit(corpus, tmp_path, epochs=2).fit(corpus, checkpoint=checkpoint)


# --- 2 and 5. outputs are checked before any work ----------------------------------------------------
def _train(corpus, *extra):
    return main(["train", str(corpus), *FAST, *extra])


@pytest.mark.parametrize("flag", ["-o", "--save-model", "--checkpoint"])
def test_an_output_never_replaces_the_corpus(corpus, tmp_path, capsys, flag):
    before = corpus.read_bytes()
    extra = [flag, str(corpus)] + (["-o", str(tmp_path / "v.bin")] if flag != "-o" else [])
    assert _train(corpus, *extra) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is the input file" in err and flag in err
    assert corpus.read_bytes() == before


def test_symlinks_and_hard_links_to_the_corpus_are_the_corpus(corpus, tmp_path, capsys):
    link, hard = tmp_path / "link.txt", tmp_path / "hard.txt"
    link.symlink_to(corpus)
    os.link(corpus, hard)
    for alias in (link, hard):
        assert _train(corpus, "-o", str(alias)) == 1
        assert "is the input file" in capsys.readouterr().err
    assert corpus.read_text() == _text()


def test_outputs_colliding_with_each_other_or_inside_the_corpus_folder(corpus, tmp_path, capsys):
    out = tmp_path / "v.bin"
    assert _train(corpus, "-o", str(out), "--save-model", str(out)) == 1
    assert "are the same file" in capsys.readouterr().err
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_text(_text())
    assert main(["train", str(folder), *FAST, "-o", str(folder / "v.txt")]) == 1
    assert "inside the corpus folder" in capsys.readouterr().err
    assert not out.exists() and not (folder / "v.txt").exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "name is empty"),
        ("missing/v.bin", "does not exist"),
        ("x" * 300 + ".bin", "file name is 304 bytes"),
        (".", "is a folder"),
        ("sub/", "names a folder"),
    ],
)
def test_bad_output_names_fail_before_training(corpus, tmp_path, capsys, monkeypatch, name, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    monkeypatch.setattr(Word2Vec, "fit", lambda *a, **k: pytest.fail("training started"))
    assert _train(corpus, "-o", name) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_read_only_output_folder_fails_before_training(corpus, tmp_path, capsys, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    monkeypatch.setattr(Word2Vec, "fit", lambda *a, **k: pytest.fail("training started"))
    try:
        assert _train(corpus, "-o", str(locked / "v.bin")) == 1
    finally:
        locked.chmod(0o700)
    assert "cannot create a file" in capsys.readouterr().err


def test_fit_refuses_a_checkpoint_that_is_the_corpus(corpus, tmp_path):
    with pytest.raises(OutputPathError, match="is the input file"):
        _fit(corpus, tmp_path).fit(str(corpus), checkpoint=corpus)
    assert corpus.read_text() == _text()


# --- 3. atomic writes: regular files only; symlinks written through --------------------------------
def test_atomic_write_writes_through_a_symlink(tmp_path):
    target, link = tmp_path / "real.txt", tmp_path / "link.txt"
    target.write_text("old")
    link.symlink_to(target)
    with atomic_write(link, "w") as handle:
        handle.write("new")
    assert link.is_symlink() and target.read_text() == "new"


def test_atomic_write_refuses_special_files(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for special, kind in ((fifo, "FIFO"), ("/dev/null", "character device"), (tmp_path, "folder")):
        with pytest.raises(OutputPathError, match=kind):
            with atomic_write(special, "w") as handle:
                handle.write("x")
    assert not list(tmp_path.glob(".*.tmp"))


def test_disk_full_names_the_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "v.bin"
    target.write_text("old")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match=r"cannot write .*v\.bin.*disk or quota is full") as info:
        with atomic_write(target, "w") as handle:
            handle.write("new")
    assert info.value.errno == errno.ENOSPC
    assert target.read_text() == "old" and not list(tmp_path.glob(".*.tmp"))


def test_stale_temporaries_of_dead_processes_are_swept(tmp_path):
    dead = tmp_path / f".v.bin.{_dead_pid()}.abc123.tmp"
    alive = tmp_path / f".v.bin.{os.getpid()}.def456.tmp"
    other = tmp_path / ".w.bin.1.x.tmp"
    for path in (dead, alive, other):
        path.write_text("partial")
    assert sweep_stale_temporaries(tmp_path, "v.bin") == [dead]
    assert alive.exists() and other.exists() and not dead.exists()


# --- 4. resume only on the same corpus, by content -------------------------------------------------
@pytest.mark.parametrize("edit", ["shuffle", "reverse", "swap"])
def test_resume_refuses_a_reordered_or_edited_corpus(corpus, tmp_path, edit):
    checkpoint = tmp_path / "ck.skipgram"
    _fit(corpus, tmp_path, epochs=1).fit(corpus, checkpoint=checkpoint)
    lines = corpus.read_text().splitlines()
    if edit == "shuffle":
        random.Random(1).shuffle(lines)
    elif edit == "reverse":
        lines = [" ".join(reversed(line.split())) for line in lines]
    else:
        lines[0] = lines[0].replace("cat", "@@").replace("dog", "cat").replace("@@", "dog")
    changed = tmp_path / "changed.txt"
    changed.write_text("\n".join(lines) + "\n")
    with pytest.raises(CorpusError, match="another corpus: same number of tokens"):
        _fit(corpus, tmp_path, epochs=2).fit(changed, checkpoint=checkpoint)
    _fit(corpus, tmp_path, epochs=2).fit(corpus, checkpoint=checkpoint)  # the same corpus resumes


def test_old_checkpoint_without_fingerprint_resumes_with_a_warning(corpus, tmp_path, caplog):
    checkpoint = tmp_path / "ck.skipgram"
    _fit(corpus, tmp_path, epochs=1).fit(corpus, checkpoint=checkpoint)
    meta, _ = read_container(checkpoint)
    corpus_info = {k: v for k, v in meta["corpus"].items() if k != "ids_blake2b"}
    _tamper(checkpoint, metadata={"corpus": corpus_info})
    with caplog.at_level(logging.WARNING):
        model = _fit(corpus, tmp_path, epochs=2).fit(corpus, checkpoint=checkpoint)
    assert "without a corpus fingerprint" in caplog.text
    assert len(model.training_log_) == 2


# --- 6. native headers and compressed files --------------------------------------------------------
def _raw_container(path, header: bytes) -> None:
    path.write_bytes(MAGIC + struct.pack("<Q", len(header)) + header + b"\0" * 64)


@pytest.mark.parametrize(
    "header",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"format": "skipgram", "version": 1' + b"0" * 5000 + b"}",
        b'{"format": "skipgram", "version": 1, "kind": "vectors", "arrays": {"v": {"dtype": ["<f4"], '
        b'"shape": [1], "offset": 64}}}',
        b'{"format": "skipgram", "version": 1, "kind": "vectors", "arrays": {"v": {"dtype": "<f4", '
        b'"shape": [0, 99999999999999999999], "offset": 64}}}',
        b'{"format": "skipgram", "version": 1, "kind": "vectors", "arrays": {"v": {"dtype": "<f4", '
        b'"shape": [' + b"1," * 40 + b"1], " + b'"offset": 64}}}',
    ],
    ids=["deep-json", "5000-digit-int", "dtype-list", "huge-shape", "too-many-dims"],
)
def test_hostile_native_headers_are_format_errors(tmp_path, header):
    path = tmp_path / "bad.skipgram"
    _raw_container(path, header)
    with pytest.raises(FormatError, match=r"bad\.skipgram"):
        read_container(path)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads VmHWM from /proc")
def test_gz_vectors_are_streamed_with_bounded_memory(tmp_path):
    """A 1.5 MB .gz that inflates to 1.5 GB: refused after a few MB, not decompressed whole."""
    bomb = tmp_path / "bomb.vec.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as handle:
        handle.write(b"1 1\na 1\n")
        block = b"0" * (1 << 20)
        for _ in range(1500):
            handle.write(block)
    code = (
        "import sys\n"
        "from skipgram.word2vec_format import read_word2vec\n"
        "try:\n    read_word2vec(sys.argv[1])\nexcept ValueError as e:\n    print(e)\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forked (large) pytest process.
        "print([int(l.split()[1]) // 1024 for l in open('/proc/self/status') if l.startswith('VmHWM')][0])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(bomb)], capture_output=True, text=True, check=True
    )
    message, peak_mb = result.stdout.strip().rsplit("\n", 1)
    assert "more vectors than the 1" in message
    assert int(peak_mb) < 400  # interpreter + numpy ~ 60 MB; decompressing whole would be 1.5 GB


@pytest.mark.parametrize("binary", [True, False])
def test_gz_vectors_round_trip_through_the_stream(tmp_path, binary):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(3000)]
    vectors = rng.standard_normal((3000, 17)).astype(np.float32)
    path = tmp_path / "v.gz"
    KeyedVectors(words, vectors).save_word2vec_format(path, binary=binary)
    loaded = KeyedVectors.load_word2vec_format(path)
    assert loaded.words == words and np.array_equal(loaded.vectors, vectors)
    assert KeyedVectors.load_word2vec_format(path, limit=5).words == words[:5]
    path.write_bytes(path.read_bytes()[:-40])  # truncated inside the gzip stream
    with pytest.raises(FormatError, match=r"v\.gz"):
        KeyedVectors.load_word2vec_format(path)


# --- 7. the CLI: one line, --debug for the traceback ------------------------------------------------
def test_unexpected_error_is_one_line_with_the_debug_hint(corpus, tmp_path, capsys, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("something internal broke")

    monkeypatch.setattr(Word2Vec, "fit", boom)
    assert _train(corpus, "-o", str(tmp_path / "v.bin")) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: RuntimeError" in err and "--debug" in err
    with pytest.raises(RuntimeError):
        main(["--debug", "train", str(corpus), *FAST, "-o", str(tmp_path / "v.bin")])


def test_value_error_from_deep_inside_is_one_line(corpus, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(Word2Vec, "fit", lambda *a, **k: int("x"))
    assert _train(corpus, "-o", str(tmp_path / "v.bin")) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid literal" in err and "--debug" in err


def test_corrupt_gz_corpus_and_bad_stop_word_file_are_one_line(tmp_path, capsys):
    bad = tmp_path / "corpus.txt.gz"
    bad.write_bytes(gzip.compress(_text().encode())[:-30] + b"garbage!" * 4)
    assert main(["train", str(bad), *FAST, "-o", str(tmp_path / "v.bin")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "corpus.txt.gz" in err
    good = tmp_path / "corpus.txt"
    good.write_text(_text())
    stop = tmp_path / "stop.txt"
    stop.write_bytes(b"the\na\n\xff\xfe\n")
    assert main(["train", str(good), *FAST, "-o", str(tmp_path / "v.bin"), "--stop-words", str(stop)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "stop.txt" in err and "line 3" in err


def test_utf8_hint_names_the_cli_flag(tmp_path, capsys):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9 au lait\n".encode("latin-1") * 20)
    assert main(["train", str(bad), *FAST, "-o", str(tmp_path / "v.bin")]) == 1
    err = capsys.readouterr().err
    assert "--errors replace" in err and "errors='replace'" not in err


def test_readme_convert_example_works(tmp_path, capsys):
    source = tmp_path / "vectors.bin"
    KeyedVectors(["a", "b"], [[1.0, 2.0], [3.0, 4.0]]).save_word2vec_format(source)
    assert main(["convert", str(source), str(tmp_path / "vectors.skipgram")]) == 0
    assert KeyedVectors.load(tmp_path / "vectors.skipgram").words == ["a", "b"]


# --- 8. SIGTERM and leftovers ------------------------------------------------------------------------
def test_sigterm_is_a_stop_request_during_training():
    monitor = TrainingMonitor(
        total_words=10,
        words_done=0,
        progress=False,
        checkpoint_interval=None,
        on_checkpoint=None,
        loss_curve=[],
    )
    before = signal.getsignal(signal.SIGTERM)
    with deferred_interrupt(monitor):
        os.kill(os.getpid(), signal.SIGTERM)
        assert monitor.should_stop() and monitor.interrupted
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigterm_during_a_training_run_saves_a_checkpoint(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(_text(lines=3000))
    checkpoint = tmp_path / "ck.skipgram"
    command = [sys.executable, "-m", "skipgram", "train", str(corpus), "-o", str(tmp_path / "v.bin")]
    command += ["--epochs", "1000", "--vector-size", "8", "--workers", "1", "--min-count", "1"]
    command += ["--no-progress", "--checkpoint", str(checkpoint), "--cache-dir", str(tmp_path / "cache")]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):  # wait for the first epoch's checkpoint: training is under way
            if checkpoint.exists():
                break
            assert process.poll() is None, process.communicate()[1]
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "SIGTERM" in err and "checkpoint saved" in err
    assert load_checkpoint(checkpoint).state.epoch >= 1
    assert not list((tmp_path / "cache").iterdir())  # the corpus cache was removed at exit
    assert not list(tmp_path.glob(".*.tmp"))


def test_cache_folders_of_dead_processes_are_swept(tmp_path):
    dead = tmp_path / f"skipgram-corpus-{_dead_pid()}-abc"
    alive = tmp_path / f"{cache_prefix('scan')}def"
    legacy = tmp_path / "skipgram-corpus-xyz"  # old naming: owner unknown, left alone
    for folder in (dead, alive, legacy):
        folder.mkdir()
        (folder / "ids.int32").write_bytes(b"\0" * 16)
    assert sweep_stale_caches(tmp_path) == [dead]
    assert alive.exists() and legacy.exists()


# --- 9 and 10. silent nonsense and misleading words -------------------------------------------------
@pytest.mark.parametrize("interval", [0, -5, float("nan"), "10"])
def test_bad_checkpoint_interval_is_refused(corpus, tmp_path, interval):
    with pytest.raises(ParameterError, match="checkpoint_interval"):
        _fit(corpus, tmp_path).fit(corpus, checkpoint=tmp_path / "ck", checkpoint_interval=interval)


def test_min_lr_above_the_default_lr_is_refused(corpus, tmp_path, capsys):
    with pytest.raises(ParameterError, match="min_lr"):
        _fit(corpus, tmp_path, min_lr=0.1).fit(corpus)
    assert _train(corpus, "-o", str(tmp_path / "v.bin"), "--min-lr", "0.5") == 1
    assert "min_lr" in capsys.readouterr().err


def test_unknown_device_is_refused_before_training(corpus, tmp_path, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setattr("skipgram.corpus.scan", lambda *a, **k: pytest.fail("the corpus was read"))
    with pytest.raises(ParameterError, match=r"'device' .* got 'banana'"):
        _fit(corpus, tmp_path, backend="torch", device="banana").fit(corpus)


def test_negative_with_another_loss_warns(corpus, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        _fit(corpus, tmp_path, loss="hierarchical", negative=15, epochs=1).fit(corpus)
    assert "negative=15 is ignored" in caplog.text


def test_position_is_described_without_an_off_by_one():
    assert describe_position(3, 0, 3) == "after epoch 3 of 3"
    assert describe_position(0, 0, 3) == "epoch 1, word 0"
    assert describe_position(1, 77, 3) == "epoch 2, word 77"


def test_vector_queries_refuse_nonsense():
    wv = KeyedVectors(["the", "cat", "dog"], [[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    with pytest.raises(ParameterError, match="the string 'the'"):
        wv.most_similar_batch("the")
    with pytest.raises(ParameterError, match="restrict_vocab"):
        wv.most_similar("the", restrict_vocab=-1)
    with pytest.raises(ValueError, match="NaN"):
        wv.most_similar(positive=[np.array([np.nan, 1.0])])
    with pytest.raises(ValueError, match="zero vector"):
        wv.most_similar(positive=[np.zeros(2)])
    for key in (5, (1, 2), None):
        with pytest.raises(KeyError):
            wv[key]


def test_empty_evaluation_files_are_errors_not_zero_scores(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text(": capital-common-countries\n\n")
    with pytest.raises(FormatError, match="no questions"):
        read_questions(empty)
    comments = tmp_path / "pairs.tsv"
    comments.write_text("# word1 word2 score\n\n")
    with pytest.raises(FormatError, match=r"pairs\.tsv: holds no word pairs"):
        read_word_pairs(comments)
