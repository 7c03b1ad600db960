"""Tests for distributed training: shard views, helpers, and real 2-process runs over gloo on localhost
(torchrun for the normal run, plain processes for the killed-rank run)."""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="distributed training tests need PyTorch (skipgram[torch])")

from skipgram import _dist_env  # noqa: E402
from skipgram.engines.distributed import ShardView, shard_bounds  # noqa: E402

pytestmark = pytest.mark.torch

TIMEOUT = 20  # seconds: the collective timeout the workers run with (the failure bound's second term)

# A worker: trains the planted-cluster corpus with TorchBackend (CPU), inside DistributedBackend when
# launched as several ranks; writes its vectors, counters and learning rates to OUT.
WORKER = textwrap.dedent(
    """
    import json, os, signal, sys, time
    import numpy as np
    import torch
    torch.set_num_threads(1)
    from skipgram import _dist_env as env
    from skipgram.engines import distributed
    from skipgram.engines.distributed import DistributedOptions
    from skipgram.engines.pytorch.spec import TorchOptions
    from skipgram.engines.base import LearningRateSchedule, TrainingHooks, TrainingSetup
    from skipgram.errors import TrainingError
    from skipgram.sampling import alias_table, keep_probabilities, noise_probabilities
    from skipgram.engines.pytorch.trainer import TorchBackend

    out, mode = sys.argv[1], sys.argv[2]
    if mode == "numba":
        from skipgram.engines.numba.trainer import NumbaBackend
    env.init(device="cpu")
    rank = env.rank()

    class Corpus:
        def __init__(self, sentences):
            self.ids = np.concatenate(sentences).astype(np.int32)
            self.offsets = np.cumsum([0] + [len(s) for s in sentences]).astype(np.int64)
            self.raw_words = len(self.ids)
        def __len__(self):
            return len(self.ids)
        def slice(self, a, b):
            return np.array(self.ids[a:b], dtype=np.int32)

    rng = np.random.default_rng(0)
    n_clusters, per, V, D, epochs = 4, 8, 32, 16, 3
    corpus = Corpus([rng.integers(0, per, 12) + per * rng.integers(n_clusters) for _ in range(1500)])
    counts = np.bincount(corpus.ids, minlength=V).astype(np.int64)
    noise = noise_probabilities(counts, 0.75)
    prob, alias = alias_table(noise)
    init = np.random.default_rng(1 + rank)  # ranks start apart: the broadcast must align them
    setup = TrainingSetup(
        corpus=corpus, counts=counts, keep_prob=keep_probabilities(counts, 0.0), noise_prob=noise,
        alias_prob=prob, alias_index=alias,
        input_vectors=(init.random((V, D), dtype=np.float32) - 0.5) / D,
        output_vectors=np.zeros((V, D), np.float32),
        schedule=LearningRateSchedule(0.025, 0.025e-4, epochs * len(corpus)),
        architecture="skipgram", loss="negative", window=4, negative=5, shrink_windows=True,
        epochs=epochs, batch_words=10000, workers=1, seed=1, batch_size=256, device="cpu",
        options=TorchOptions(block_words=1000), distributed=DistributedOptions(sync_words=1500),
    )
    rates = []

    class Recording(TorchBackend):
        def push(self):
            super().push()
            step = self.model.sgd_step
            def recording(*args, **kwargs):
                rates.append(args[3])
                return step(*args, **kwargs)
            self.model.sgd_step = recording

    class Hooks(TrainingHooks):
        calls = 0
        def on_progress(self, words, effective, loss, n):
            Hooks.calls += 1
            if mode in ("die", "hang") and rank == 1 and Hooks.calls == 2:
                with open(os.path.join(out, "died"), "w") as f:
                    f.write(repr(time.time()))
                os.kill(os.getpid(), signal.SIGKILL if mode == "die" else signal.SIGSTOP)

    factory = NumbaBackend if mode == "numba" else Recording  # noqa: F821
    if mode == "numba":
        rates = [0.025, 0.0]  # not recorded for the numba engine
    if env.is_distributed():
        backend = distributed.DistributedBackend(factory, setup)
    else:
        backend = Recording(setup)
    results = []
    try:
        for epoch in range(epochs):
            r = backend.train_epoch(epoch, 0, Hooks())
            results.append([r.loss_sum, r.n_predictions, r.words, r.effective_words, r.position])
    except TrainingError as exc:
        with open(os.path.join(out, f"error{rank}.json"), "w") as f:
            json.dump({"message": str(exc), "time": time.time()}, f)
        sys.exit(3)
    backend.pull()
    np.save(os.path.join(out, f"W{rank}.npy"), setup.input_vectors)
    np.save(os.path.join(out, f"C{rank}.npy"), setup.output_vectors)
    with open(os.path.join(out, f"result{rank}.json"), "w") as f:
        json.dump({"epochs": results, "first_lr": rates[0], "last_lr": rates[-1],
                   "world": env.world_size(), "main": env.is_main_process()}, f)
    env.shutdown()
    """
)


@pytest.fixture
def worker(tmp_path):
    path = tmp_path / "worker.py"
    path.write_text(WORKER)
    return path


def env_for(**extra):
    env = dict(os.environ)
    env.pop("SKIPGRAM_DIST_TIMEOUT", None)
    for key in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    env.update(
        OMP_NUM_THREADS="1",
        GLOO_SOCKET_IFNAME="lo",
    )
    env.setdefault("SKIPGRAM_DIST_TIMEOUT", str(TIMEOUT))
    env.update(extra)
    return env


def cluster_gap(vectors, per_cluster=8):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sim = unit @ unit.T
    label = np.arange(len(vectors)) // per_cluster
    same = (label[:, None] == label[None, :]) & ~np.eye(len(vectors), dtype=bool)
    np.fill_diagonal(sim, -np.inf)
    accuracy = float((label[sim.argmax(1)] == label).mean())
    return accuracy, float(sim[same].mean() - sim[label[:, None] != label[None, :]].mean())


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------- in-process
def test_helpers_outside_a_distributed_launch(monkeypatch):
    for key in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(key, raising=False)
    assert not _dist_env.launched_by_torchrun()
    assert not _dist_env.is_distributed()
    assert (_dist_env.rank(), _dist_env.world_size()) == (0, 1)
    assert _dist_env.is_main_process()
    assert _dist_env.init() is False
    _dist_env.barrier()
    _dist_env.shutdown()
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "2")
    assert _dist_env.launched_by_torchrun()
    assert (_dist_env.rank(), _dist_env.world_size()) == (2, 4)
    assert not _dist_env.is_main_process()


class Corpus:
    def __init__(self, lengths):
        self.offsets = np.cumsum([0, *lengths]).astype(np.int64)
        self.ids = np.arange(self.offsets[-1], dtype=np.int32)
        self.raw_words = int(self.offsets[-1]) * 2

    def __len__(self):
        return len(self.ids)

    def slice(self, a, b):
        return np.array(self.ids[a:b], dtype=np.int32)


def test_shards_are_sentence_ranges_of_nearly_equal_size():
    corpus = Corpus([5, 3, 9, 2, 7, 4, 6, 1, 8, 5])
    for parts in (1, 2, 3, 4):
        bounds = shard_bounds(corpus.offsets, len(corpus), parts)
        assert bounds[0][0] == 0 and bounds[-1][1] == len(corpus)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
        assert all(a in set(corpus.offsets.tolist()) for a, _ in bounds)
        # each cut is the sentence start nearest to k/parts of the words: within half a sentence
        for k, (a, _) in enumerate(bounds):
            assert abs(a - len(corpus) * k / parts) <= 9 / 2
    assert shard_bounds(corpus.offsets, len(corpus), 2) == [(0, 26), (26, 50)]


def test_shard_view_has_the_encoded_corpus_interface():
    corpus = Corpus([5, 3, 9, 2, 7])
    view = ShardView(corpus, 8, 19)  # sentences 2 and 3 (words 8..18)
    assert len(view) == 11 and view.n_sentences == 2
    assert view.offsets.tolist() == [0, 9, 11]
    assert view.ids.tolist() == list(range(8, 19))
    assert view.slice(2, 5).tolist() == [10, 11, 12]
    assert view.raw_words == 2 * 11
    with pytest.raises(IndexError):
        view.slice(5, 12)
    cut = ShardView(corpus, 6, 10)  # starts and ends mid-sentence
    assert cut.offsets.tolist() == [0, 2, 4]


# ---------------------------------------------------------------------------------- 2 processes
def run_single(worker, out, mode):
    out.mkdir()
    subprocess.run([sys.executable, str(worker), str(out), mode], env=env_for(), check=True, timeout=120)


@pytest.mark.parametrize("mode", ["ok", "numba"])
def test_two_ranks_over_gloo_agree_and_match_single_process_quality(worker, tmp_path, mode):
    """mode "ok": TorchBackend on each rank; "numba": NumbaBackend (the CPU-cluster setup)."""
    single, multi = tmp_path / "single", tmp_path / "multi"
    run_single(worker, single, mode)
    multi.mkdir()
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
        str(worker), str(multi), mode,
    ]  # fmt: skip
    proc = subprocess.run(cmd, env=env_for(), capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]

    w0, w1 = np.load(multi / "W0.npy"), np.load(multi / "W1.npy")
    np.testing.assert_array_equal(w0, w1)  # averaged at the end of every epoch: identical
    np.testing.assert_array_equal(np.load(multi / "C0.npy"), np.load(multi / "C1.npy"))
    r0 = json.loads((multi / "result0.json").read_text())
    r1 = json.loads((multi / "result1.json").read_text())
    ref = json.loads((single / "result0.json").read_text())
    assert r0["world"] == 2 and r0["main"] and not r1["main"]
    assert r0["epochs"] == r1["epochs"]  # counters are global sums on every rank
    n_words = 1500 * 12
    for epoch in r0["epochs"]:
        assert epoch[2] == n_words and epoch[4] == n_words
    # the schedule counts words over both ranks: each starts at lr and ends near min_lr
    for r in (r0, r1) if mode == "ok" else ():
        assert r["first_lr"] == pytest.approx(0.025)
        assert r["last_lr"] < 0.025 * 0.02
    # quality: the same neighbours, a similar cluster gap and final loss (stated tolerance)
    acc_multi, gap_multi = cluster_gap(w0)
    acc_single, gap_single = cluster_gap(np.load(single / "W0.npy"))
    assert acc_multi == acc_single == 1.0
    assert abs(gap_multi - gap_single) < 0.1
    loss_multi = r0["epochs"][-1][0] / r0["epochs"][-1][1]
    loss_single = ref["epochs"][-1][0] / ref["epochs"][-1][1]
    assert loss_multi == pytest.approx(loss_single, rel=0.05)


@pytest.mark.parametrize(("mode", "timeout"), [("die", TIMEOUT), ("hang", 4)])
def test_a_dead_or_hung_rank_stops_the_other_with_a_clear_error(worker, tmp_path, mode, timeout):
    """Killed: gloo sees the closed socket at once. Hung (SIGSTOP): the collective timeout fires."""
    out = tmp_path / mode
    out.mkdir()
    port = str(free_port())
    procs = [
        subprocess.Popen(
            [sys.executable, str(worker), str(out), mode],
            env=env_for(
                WORLD_SIZE="2",
                RANK=str(r),
                LOCAL_RANK=str(r),
                MASTER_ADDR="127.0.0.1",
                MASTER_PORT=port,
                SKIPGRAM_DIST_TIMEOUT=str(timeout),
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in (0, 1)
    ]
    try:
        code0 = procs[0].wait(timeout=120)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)
    assert code0 == 3, procs[0].stderr.read()[-3000:]
    error = json.loads((out / "error0.json").read_text())
    assert "rank 1 stopped responding" in error["message"]
    assert "checkpoint is intact" in error["message"]
    died = float((out / "died").read_text())
    # bound: the rest of the current round (well under a second here) + the collective timeout
    assert error["time"] - died < timeout + 10
    if mode == "hang":
        assert error["time"] - died > timeout - 1  # it waited for the timeout, not less
    assert not (out / "W0.npy").exists()


# ---------------------------------------------------------------------------------- combination rule
def play_ranks(rule, precision="fp32", world=3, seed=0):
    """``world`` DeltaSyncs in one process; each rank moves a random subset of rows; one full combine."""
    from skipgram.engines.delta_sync import DeltaSync

    rng = np.random.default_rng(seed)
    base = rng.standard_normal((50, 4)).astype(np.float32)
    ranks = [DeltaSync([torch.from_numpy(base.copy())], world, combine=rule, precision=precision)]
    ranks += [DeltaSync([torch.from_numpy(base.copy())], world, combine=rule, precision=precision)
              for _ in range(world - 1)]  # fmt: skip
    moves = []
    for r in ranks:
        moved = rng.random(50) < 0.4
        change = rng.standard_normal((50, 4)).astype(np.float32) * moved[:, None]
        r.tensors[0].add_(torch.from_numpy(change))
        moves.append(change)
    for group in ranks[0].plan(0, full=True):
        total = sum(r.pack(group) for r in ranks)
        for r in ranks:
            r.unpack(group, total.clone())
    return base, np.stack(moves), [r.tensors[0].numpy() for r in ranks]


@pytest.mark.parametrize("rule", ["touched", "sum", "average"])
def test_combination_rules_match_a_numpy_reference(rule):
    base, moves, results = play_ranks(rule)
    touched = (moves != 0).any(axis=2).sum(axis=0)
    total = moves.sum(axis=0)
    expected = {
        "touched": base + total / np.maximum(touched, 1)[:, None],
        "sum": base + total,
        "average": base + total / len(moves),
    }[rule]
    for result in results:  # every rank ends with the same matrix
        np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)


def test_a_bf16_wire_rounds_the_changes_only():
    _, moves, results = play_ranks("touched", precision="bf16")
    _, _, exact = play_ranks("touched", precision="fp32")
    np.testing.assert_array_equal(results[0], results[1])  # identical on every rank
    error = np.abs(results[0] - exact[0]).max()
    assert 0 < error < 0.02 * np.abs(moves).max()


def test_the_tiers_cover_every_row_within_tail_rounds():
    from skipgram.engines.delta_sync import DeltaSync

    sync = DeltaSync([torch.zeros(103, 2), torch.zeros(102, 2)], 2, hot_rows=10, tail_rounds=4,
                     reversed_rows=[False, True])  # fmt: skip
    seen = [np.zeros(103, int), np.zeros(102, int)]
    for r in range(4):
        ranges = sync.ranges(r, full=False)
        for i, a, z in ranges:
            seen[i][a:z] += 1
        assert any(i == 0 and a == 0 and z >= 10 for i, a, z in ranges)  # hot rows every round
        assert any(i == 1 and a <= 92 and z == 102 for i, a, z in ranges)  # (reversed order)
    assert (seen[0][:10] == 4).all() and (seen[0][10:] == 1).all()  # the tail once in 4 rounds
    assert (seen[1][92:] == 4).all() and (seen[1][:92] == 1).all()
    assert sync.ranges(5, full=True) == [(0, 0, 103), (1, 0, 102)]


def test_distributed_options_are_validated():
    from skipgram.engines.distributed import DistributedOptions
    from skipgram.errors import ParameterError

    with pytest.raises(ParameterError, match="'sync_precision' parameter of Word2Vec must be one of"):
        DistributedOptions(sync_precision="fp8")
    with pytest.raises(ParameterError, match=r"'sync_tail_rounds'.*range \[1, inf\); got 0"):
        DistributedOptions(sync_tail_rounds=0)
