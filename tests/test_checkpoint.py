"""Checkpoints: a training process killed halfway resumes and ends exactly where an uninterrupted run ends."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from skipgram import KeyedVectors
from skipgram.checkpoint import load_checkpoint
from skipgram.datasets import demo_corpus_path
from skipgram.errors import FormatError

ARGS = ["--epochs", "3", "--workers", "1", "--vector-size", "32", "--seed", "3", "--no-progress"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The first ~400k tokens of the bundled corpus, as lines of 1,000 words (many chunks)."""
    with gzip.open(demo_corpus_path(), "rt", encoding="utf-8") as handle:
        words = handle.read(2_400_000).split()[:-1]
    path = tmp_path_factory.mktemp("ck") / "corpus.txt"
    path.write_text("\n".join(" ".join(words[i : i + 1000]) for i in range(0, len(words), 1000)))
    return path


def train_command(corpus, out, checkpoint=None, interval="0.2"):
    command = [sys.executable, "-m", "skipgram", "train", str(corpus), "-o", str(out), *ARGS]
    if checkpoint is not None:
        command += ["--checkpoint", str(checkpoint), "--checkpoint-interval", interval]
    return command


def wait_for_progress(path, process, min_words: int, timeout: float = 120.0) -> dict:
    """Wait until the checkpoint at ``path`` records at least ``min_words`` trained words."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "training ended before it could be interrupted"
        if path.exists():
            try:
                state = load_checkpoint(path).state
            except FormatError:  # only possible if writes were not atomic
                raise
            if state.epoch * 10**9 + state.position >= min_words:
                return state.to_dict()
        time.sleep(0.05)
    raise AssertionError("no checkpoint appeared in time")


@pytest.fixture(scope="module")
def uninterrupted(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("full") / "vectors.skipgram"
    subprocess.run(train_command(corpus, out), check=True, capture_output=True)
    return KeyedVectors.load(out)


def test_killed_training_resumes_to_identical_vectors(corpus, tmp_path, uninterrupted):
    checkpoint = tmp_path / "run.ckpt"
    out = tmp_path / "vectors.skipgram"
    process = subprocess.Popen(train_command(corpus, out, checkpoint), stderr=subprocess.PIPE)
    try:
        state = wait_for_progress(checkpoint, process, min_words=50_000)
    finally:
        process.kill()  # SIGKILL: no chance to clean up
        process.wait()
    assert not out.exists()
    assert state["epoch"] < 3
    # The checkpoint the kill left behind is complete and loadable.
    saved = load_checkpoint(checkpoint)
    assert saved.input_vectors.shape[1] == 32
    assert not list(tmp_path.glob(".*.tmp")), "a temporary file was left behind"

    resumed = subprocess.run(train_command(corpus, out, checkpoint), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    vectors = KeyedVectors.load(out)
    # workers=1: every chunk's randomness and learning rate depend only on its position, so the
    # resumed run reproduces the uninterrupted one bit for bit.
    assert vectors.words == uninterrupted.words
    np.testing.assert_array_equal(vectors.vectors, uninterrupted.vectors)
    log = vectors.metadata["training_log"]
    assert [entry["epoch"] for entry in log] == [1, 2, 3]


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")
def test_ctrl_c_saves_a_checkpoint_and_exits_130(corpus, tmp_path, uninterrupted):
    checkpoint = tmp_path / "run.ckpt"
    out = tmp_path / "vectors.skipgram"
    # A long interval: the only mid-epoch checkpoint is the one Ctrl-C writes.
    process = subprocess.Popen(
        train_command(corpus, out, checkpoint, interval="3600"), stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while not checkpoint.exists():  # the end of epoch 1 writes the first checkpoint
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    if process.returncode == 0:  # finished before the signal landed: nothing to check
        pytest.skip("training finished before Ctrl-C arrived")
    assert process.returncode == 130
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    state = load_checkpoint(checkpoint).state
    assert (state.epoch, state.position) != (1, 0), "Ctrl-C did not save the current position"

    resumed = subprocess.run(train_command(corpus, out, checkpoint), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    np.testing.assert_array_equal(KeyedVectors.load(out).vectors, uninterrupted.vectors)


def test_resume_on_another_corpus_is_refused(corpus, tmp_path):
    checkpoint = tmp_path / "run.ckpt"
    out = tmp_path / "v.skipgram"
    subprocess.run(train_command(corpus, out, checkpoint), check=True, capture_output=True)
    other = tmp_path / "other.txt"
    other.write_text(corpus.read_text()[:200_000])
    result = subprocess.run(train_command(other, out, checkpoint), capture_output=True, text=True)
    assert result.returncode == 1
    assert "another corpus" in result.stderr and "Traceback" not in result.stderr
