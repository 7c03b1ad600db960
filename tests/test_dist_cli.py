"""`skipgram train` under a 2-rank launch (gloo on localhost): what the log says, and ranks that read
different corpora."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="distributed training needs PyTorch (skipgram[torch])")

pytestmark = pytest.mark.torch

SRC = Path(__file__).resolve().parent.parent / "src"
TRAIN = ["-m", "skipgram", "train", "--epochs", "1", "--workers", "1", "--min-count", "2", "--no-progress"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra) -> dict:
    env = {**os.environ, "PYTHONPATH": str(SRC), "SKIPGRAM_DIST_TIMEOUT": "60", **extra}
    env.pop("COLUMNS", None)
    return env


def _corpus(path: Path, words: int, seed: int) -> Path:
    import numpy as np

    rng = np.random.default_rng(seed)
    ids = rng.zipf(1.3, size=words) % 500
    lines = [" ".join(f"w{i}" for i in ids[k : k + 20]) for k in range(0, words, 20)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_log_states_the_sync_cost_per_round_and_per_word(tmp_path):
    corpus = _corpus(tmp_path / "c.txt", 40_000, seed=0)
    out = tmp_path / "v.bin"
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    launch = [*torchrun, *TRAIN, str(corpus), "-o", str(out), "--sync-words", "4000"]
    done = subprocess.run(launch, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    sync_lines = [line for line in done.stderr.splitlines() if "epoch 1 sync:" in line]
    assert len(sync_lines) == 1, done.stderr[-2000:]  # rank 0 only, once per epoch
    assert "ms per round" in sync_lines[0] and "bytes per word trained (2 ranks)" in sync_lines[0]
    assert "rounds per epoch" in done.stderr  # the shard and the rounds, at the start
    assert out.is_file()


def test_ranks_that_read_different_corpora_stop_with_one_clear_line(tmp_path):
    port = str(_free_port())
    runs = []
    for rank in range(2):  # the same command line, but each "machine" has another file at the path
        corpus = _corpus(tmp_path / f"c{rank}.txt", 4_000 + 2_000 * rank, seed=rank)
        launcher = {"RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": "2", "MASTER_PORT": port}
        env = _env(MASTER_ADDR="127.0.0.1", **launcher)
        command = [sys.executable, *TRAIN, str(corpus), "-o", str(tmp_path / f"v{rank}.bin")]
        runs.append(subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True))
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 1, err[-2000:]
        last = err.strip().splitlines()[-1]
        assert last.startswith("skipgram train: error: the ranks built different vocabularies or corpora")
        assert "rank 0:" in last and "rank 1:" in last and "same corpus file" in last
    assert not (tmp_path / "v0.bin").exists()
