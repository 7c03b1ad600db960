"""Cost of one synchronisation round of the distributed engine, measured with gloo, and what it predicts.

    python bench/bench_sync.py                       # V in {70k, 1M} x D in {100, 300}, 2 ranks, 5 repeats
    python bench/bench_sync.py --sizes 70000x100 --repeats 3 --name sync-smoke

Two local processes (``torch.multiprocessing``, gloo over localhost) hold W and W' of V x D float32 each
and time, ``--repeats`` times each (medians reported):

- ``old``: the rule before commit b930b37 — all-reduce the whole of W and W' in fp32, divide by N;
- ``new``: :class:`~skipgram.engines.distributed.DistributedBackend`'s own combination (its
  ``_combine``, which runs :class:`~skipgram.engines.delta_sync.DeltaSync`) at the default
  ``DistributedOptions``: a steady round (hot rows + one tail block, bf16 changes and "touched" flags)
  and the epoch-end round that combines every row (``full``);
- ``new`` without the all-reduce (pack + unpack only): the local part of its cost;
- a one-value all-reduce: the latency of one collective.

Between two timed rounds the benchmark stands in for training (untimed): it moves the hot rows and
0.5 % of the other rows of both matrices, so that the changes are not zero. The engine under the
backend is a stand-in that only holds the matrices; every byte and second of the sync is the real code.

The projection (:func:`project`) models a round's all-reduce part (seconds minus the local part) as
``calls * latency + payload / bandwidth``: the latency is the measured one-value all-reduce, the
loopback bandwidth is fitted on all measured rounds (the free fit of both is reported too). It then
predicts a round at N ranks over a link of bandwidth B as
``local + calls * latency * (N - 1) + 2 (N - 1) / N * payload / B`` (ring all-reduce: each rank sends and
receives 2 (N - 1) / N of the payload in 2 (N - 1) steps; the measured latency covers the 2 steps of a
2-rank ring) and the scaling efficiency as ``train / (train + sync)`` with ``train = sync_words / rate``.
The local part is kept as measured here (one CPU thread per rank), also for the NVLink column.

Writes ``bench/results/NAME.json`` and ``NAME.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gc
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DEFAULT_SIZES = ("70000x100", "70000x300", "1000000x100", "1000000x300")
LINKS = {"NVLink (300 GB/s)": 300e9, "25 Gb/s Ethernet": 25e9 / 8}
RANKS = (8, 32, 64)
CORPUS_WORDS = 1_000_000_000  # corpus size assumed for the epoch-end round's share (rounds per epoch)
# Training words/s of one rank: the numba engine's measured rate per core (bench/results/
# engines-move-e1-quiet.json: 1,251,626 raw words/s with 2 workers on this 2-core machine, quiet)
RATE_PER_CORE = 1_251_626 / 2
RANK_CORES = (1, 16)  # ranks of 1 core and of 16 cores (16 x the per-core rate, assumed linear)


# ------------------------------------------------------------------------------------ one rank
class _HeldMatrices:
    """The engine under the DistributedBackend: holds W and W' (training is simulated between rounds)."""

    def __init__(self, setup):
        self.setup = setup

    def parameters(self) -> list:
        return [self.setup.input_vectors, self.setup.output_vectors]

    def safe_positions(self) -> np.ndarray:
        return np.array([0, len(self.setup.corpus)], dtype=np.int64)

    def push(self) -> None:
        pass


def _backend(n_words: int, dim: int, seed: int):
    """A DistributedBackend at the default options over V x D matrices (a tiny corpus: rounds unused)."""
    from skipgram._params import resolve_params
    from skipgram._setup import make_setup
    from skipgram.corpus import scan
    from skipgram.engines.distributed import DistributedBackend

    vocab, corpus = scan([["a", "b", "c", "d"]] * 8, min_count=1)
    setup = make_setup(resolve_params({"workers": 1, "sample": 0.0}), vocab, corpus)
    rng = np.random.default_rng(seed)
    w_in, w_out = (rng.random((n_words, dim), dtype=np.float32) for _ in range(2))
    for m in (w_in, w_out):  # in place: a 1M x 300 matrix is 1.2 GB
        m -= np.float32(0.5)
        m /= np.float32(dim)
    setup = dataclasses.replace(setup, input_vectors=w_in, output_vectors=w_out)
    return DistributedBackend(_HeldMatrices, setup), corpus


def _train_stand_in(matrices: list[np.ndarray], hot: int, rng: np.random.Generator) -> None:
    """Move the hot rows and 0.5 % of the others, as a round of training would (not timed)."""
    for m in matrices:
        m[:hot] += np.float32(1e-3)
        tail = rng.choice(np.arange(hot, m.shape[0]), size=max(1, (m.shape[0] - hot) // 200), replace=False)
        m[tail] += np.float32(1e-3)


def _timed(dist, fn) -> float:
    dist.barrier()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _measure(dist, torch, n_words: int, dim: int, repeats: int) -> dict:
    world = dist.get_world_size()
    backend, corpus = _backend(n_words, dim, seed=1 + dist.get_rank())
    sync, matrices = backend._sync, backend.parameters()
    hot = backend.options.sync_hot_rows
    rng = np.random.default_rng(dist.get_rank())
    out = {"V": n_words, "D": dim, "world": world, "options": dataclasses.asdict(backend.options)}

    tensors = [torch.from_numpy(m) for m in matrices]

    def old_round():
        for tensor in tensors:  # the code before b930b37, verbatim but for the error wrapper
            dist.all_reduce(tensor, dist.ReduceOp.SUM)
            tensor.div_(world)

    out["old_s"] = [_timed(dist, old_round) for _ in range(repeats)]
    out["old_divide_s"] = [_timed(dist, lambda: [t.div_(1.0) for t in tensors]) for _ in range(repeats)]
    out["old_bytes"] = sum(t.numel() * t.element_size() for t in tensors)
    sync.reset()  # the old rule replaced the matrices: they are the new base

    for kind, full in (("steady", False), ("full", True)):
        seconds, sent = [], []
        for r in range(repeats):
            _train_stand_in(matrices, hot, rng)
            dist.barrier()
            b, s = backend._combine(r + 1, full)
            seconds.append(s)
            sent.append(b)
        out[f"new_{kind}_s"], out[f"new_{kind}_bytes"] = seconds, sent
        local = []
        for r in range(repeats):  # pack and unpack of the same rows, no all-reduce: the local part
            _train_stand_in(matrices, hot, rng)
            t0 = time.perf_counter()
            for group in sync.plan(r + 1, full):
                sync.unpack(group, sync.pack(group))
            local.append(time.perf_counter() - t0)
        out[f"new_{kind}_local_s"] = local
        out[f"new_{kind}_calls"] = len(sync.plan(1, full))
        sync.reset()

    one = torch.zeros(1)
    out["latency_s"] = [_timed(dist, lambda: dist.all_reduce(one)) for _ in range(max(20, repeats))]
    corpus.close()
    return out  # the matrices go with this frame; the caller collects before the next size


def _rank_main(rank: int, world: int, port: int, sizes: list, repeats: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world))
    os.environ.update(LOCAL_RANK=str(rank))
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)  # one core per rank, as the numba engine's workers would leave it
    dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=600))
    records = []
    for n_words, dim in sizes:
        records.append(_measure(dist, torch, n_words, dim, repeats))
        gc.collect()
        if rank == 0:
            print(f"measured V={n_words} D={dim}", flush=True)
    if rank == 0:
        Path(out).write_text(json.dumps(records))
    dist.destroy_process_group()


# ------------------------------------------------------------------------------------ the model
def fit_latency_bandwidth(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least squares ``seconds = latency + bytes / bandwidth`` over (bytes, seconds) points.

    >>> fit_latency_bandwidth([(0.0, 1e-4), (1e9, 0.5001)])
    (0.0001, 2000000000.0)
    """
    x = np.array([p[0] for p in points], dtype=np.float64)
    y = np.array([p[1] for p in points], dtype=np.float64)
    slope, intercept = np.polyfit(x, y, 1)
    return round(float(intercept), 12), round(float(1.0 / slope), 3)


def fit_bandwidth(points: list[tuple[float, float, int]], latency: float) -> float:
    """Least squares bandwidth of ``seconds = calls * latency + bytes / bandwidth`` (latency known).

    >>> fit_bandwidth([(1e9, 0.5002, 2), (2e9, 1.0001, 1)], latency=1e-4)
    2000000000.0
    """
    x = np.array([p[0] for p in points], dtype=np.float64)
    y = np.array([p[1] - p[2] * latency for p in points], dtype=np.float64)
    return round(float((x @ x) / (x @ y)), 3)


def round_seconds(
    local: float, payload: float, calls: int, ranks: int, latency: float, bandwidth: float
) -> float:
    """A sync round at ``ranks`` over a link of ``bandwidth`` bytes/s (ring all-reduce, see the module doc).

    >>> round_seconds(0.0, 3e9, 1, 4, 0.0, 1e9)  # each rank moves 2 * 3/4 of 3 GB at 1 GB/s
    4.5
    """
    return local + calls * latency * (ranks - 1) + 2 * (ranks - 1) / ranks * payload / bandwidth


def efficiency(train_seconds: float, sync_seconds: float) -> float:
    """Share of a round spent training: ``train / (train + sync)``."""
    return train_seconds / (train_seconds + sync_seconds)


def _median(values) -> float:
    return float(statistics.median(values))


def summarise(record: dict) -> dict:
    """Medians of one configuration's measurements, and the communication part of each round."""
    s = {"V": record["V"], "D": record["D"]}
    s["old_s"], s["old_bytes"] = _median(record["old_s"]), record["old_bytes"]
    s["old_local_s"] = _median(record["old_divide_s"])
    for kind in ("steady", "full"):
        s[f"new_{kind}_s"] = _median(record[f"new_{kind}_s"])
        s[f"new_{kind}_bytes"] = int(_median(record[f"new_{kind}_bytes"]))
        s[f"new_{kind}_local_s"] = _median(record[f"new_{kind}_local_s"])
        s[f"new_{kind}_calls"] = record[f"new_{kind}_calls"]
    s["latency_s"] = _median(record["latency_s"])
    s["bytes_ratio_steady"] = s["old_bytes"] / s["new_steady_bytes"]
    return s


def project(summaries: list[dict], sync_words: int, corpus_words: int = CORPUS_WORDS) -> dict:
    """Fit latency and loopback bandwidth on the measured all-reduces; efficiencies at RANKS over LINKS."""
    points = []  # (payload bytes, all-reduce seconds, collectives)
    for s in summaries:
        points.append((s["old_bytes"], max(0.0, s["old_s"] - s["old_local_s"]), 2))
        for kind in ("steady", "full"):
            comm = max(0.0, s[f"new_{kind}_s"] - s[f"new_{kind}_local_s"])
            points.append((s[f"new_{kind}_bytes"], comm, s[f"new_{kind}_calls"]))
    latency = statistics.median(s["latency_s"] for s in summaries)
    loopback = fit_bandwidth(points, latency)
    free_fit = fit_latency_bandwidth([(b, t) for b, t, _ in points]) if len(points) > 2 else None
    rows, wire = [], []
    for s in summaries:
        for ranks in RANKS:
            rounds_per_epoch = max(1.0, corpus_words / (ranks * sync_words))
            average = s["new_steady_bytes"] + (s["new_full_bytes"] - s["new_steady_bytes"]) / rounds_per_epoch
            wire.append(
                {
                    "V": s["V"], "D": s["D"], "ranks": ranks, "rounds_per_epoch": rounds_per_epoch,
                    "old_bytes": s["old_bytes"], "new_bytes_per_round": average,
                    "ratio": s["old_bytes"] / average,
                }
            )  # fmt: skip
            for link, bandwidth in LINKS.items():
                cost = dict(ranks=ranks, latency=latency, bandwidth=bandwidth)
                old = round_seconds(s["old_local_s"], s["old_bytes"], 2, **cost)
                steady = round_seconds(
                    s["new_steady_local_s"], s["new_steady_bytes"], s["new_steady_calls"], **cost
                )
                full = round_seconds(s["new_full_local_s"], s["new_full_bytes"], s["new_full_calls"], **cost)
                new = steady + (full - steady) / rounds_per_epoch  # one full round per epoch
                for cores in RANK_CORES:
                    train = sync_words / (RATE_PER_CORE * cores)
                    rows.append(
                        {
                            "V": s["V"], "D": s["D"], "ranks": ranks, "link": link, "rank_cores": cores,
                            "train_s": train, "old_sync_s": old, "new_sync_s": new,
                            "old_efficiency": efficiency(train, old),
                            "new_efficiency": efficiency(train, new),
                        }
                    )  # fmt: skip
    return {
        "latency_s": latency,
        "loopback_bytes_per_s": loopback,
        "free_fit": free_fit,
        "points": points,
        "rows": rows,
        "wire": wire,
    }


# ------------------------------------------------------------------------------------ report
def _machine() -> dict:
    import torch

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "logical_cores": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "git_commit": commit,
        "loadavg": list(os.getloadavg()),
    }


def _free_fit(proj: dict) -> str:
    if not proj["free_fit"]:
        return "(too few points)"
    latency, bandwidth = proj["free_fit"]
    return f"{latency * 1e3:.1f} ms and bandwidth {bandwidth / 1e9:.2f} GB/s"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f}"


def _mb(n: float) -> str:
    return f"{n / 1e6:,.2f}"


def markdown(result: dict) -> str:
    m, proj = result["machine"], result["projection"]
    lines = [
        "# Sync cost of the distributed engine (gloo, 2 ranks on one machine) and its projection",
        "",
        f"- date {m['date']}; {m['platform']}; {m['logical_cores']} logical cores; torch {m['torch']}; "
        f"commit {m['git_commit']}; load average at start {m['loadavg_start']}, at end {m['loadavg']}",
        f"- {result['repeats']} repeats per measurement, medians; options: {result['options']}",
        f"- command: `{result['command']}`",
        "",
        "## Measured per round (per rank)",
        "",
        "payload = the bytes each rank hands to all-reduce; old = fp32 all-reduce of W and W' (before "
        "b930b37); new steady = hot rows + one tail block; new full = every row (epoch end, checkpoint); "
        "local = pack + unpack without the all-reduce.",
        "",
        "| V | D | old MB | old ms | new steady MB | new steady ms (local) | new full MB "
        "| new full ms (local) | old / new steady bytes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in result["summaries"]:
        lines.append(
            f"| {s['V']:,} | {s['D']} | {_mb(s['old_bytes'])} | {_ms(s['old_s'])} | "
            f"{_mb(s['new_steady_bytes'])} | {_ms(s['new_steady_s'])} ({_ms(s['new_steady_local_s'])}) | "
            f"{_mb(s['new_full_bytes'])} | "
            f"{_ms(s['new_full_s'])} ({_ms(s['new_full_local_s'])}) | {s['bytes_ratio_steady']:.1f}x |"
        )
    lines += [
        "",
        f"All-reduce part (seconds - local) of the {len(proj['points'])} measured rounds: latency "
        f"{proj['latency_s'] * 1e3:.3f} ms per collective (median one-value all-reduce), fitted loopback "
        f"bandwidth {proj['loopback_bytes_per_s'] / 1e9:.2f} GB/s (gloo between two processes of this "
        f"machine); the free fit of both gives latency {_free_fit(proj)}.",
        "",
        f"## Bytes per round with the epoch-end round, on a {CORPUS_WORDS:,}-word corpus",
        "",
        "| V | D | ranks | rounds per epoch | old MB | new MB per round (average) | old / new |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {w['V']:,} | {w['D']} | {w['ranks']} | {w['rounds_per_epoch']:.1f} | {_mb(w['old_bytes'])} | "
            f"{_mb(w['new_bytes_per_round'])} | {w['ratio']:.1f}x |"
            for w in proj["wire"]
        ],
        "",
        "## Projected scaling efficiency: train / (train + sync)",
        "",
        f"sync_words = {result['sync_words']:,} local words per round; training rate per rank "
        f"{RATE_PER_CORE:,.0f} words/s per core (the numba engine, measured) x cores per rank; new = steady "
        f"rounds plus one full round per epoch of a {CORPUS_WORDS:,}-word corpus; sync = local part as "
        "measured here + collectives x latency x (N-1) + 2(N-1)/N x payload / link bandwidth.",
        "",
        "| V | D | ranks | link | cores/rank | train ms | old sync ms | new sync ms | old eff. | new eff. |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in proj["rows"]:
        lines.append(
            f"| {r['V']:,} | {r['D']} | {r['ranks']} | {r['link']} | {r['rank_cores']} | "
            f"{_ms(r['train_s'])} | "
            f"{_ms(r['old_sync_s'])} | {_ms(r['new_sync_s'])} | {r['old_efficiency']:.1%} | "
            f"{r['new_efficiency']:.1%} |"
        )
    lines += ["", "## For the README (old -> new efficiency)", "", *readme_table(proj["rows"])]
    return "\n".join(lines) + "\n"


def readme_table(rows: list[dict]) -> list[str]:
    """The efficiencies old -> new, one line per (V, D, ranks), columns per link and rank size."""
    columns = [(link, cores) for link in LINKS for cores in RANK_CORES]
    head = " | ".join(f"{link}, {cores} core{'s' if cores > 1 else ''}/rank" for link, cores in columns)
    out = [f"| V x D | ranks | {head} |", "|---|---|" + "---|" * len(columns)]
    keyed = {(r["V"], r["D"], r["ranks"], r["link"], r["rank_cores"]): r for r in rows}
    for v, d, ranks in dict.fromkeys((r["V"], r["D"], r["ranks"]) for r in rows):
        cells = [keyed[(v, d, ranks, link, cores)] for link, cores in columns]
        text = " | ".join(f"{c['old_efficiency']:.0%} -> {c['new_efficiency']:.0%}" for c in cells)
        out.append(f"| {v:,} x {d} | {ranks} | {text} |")
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES), metavar="VxD")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--world", type=int, default=2)
    parser.add_argument("--name", default="sync-cost")
    parser.add_argument(
        "--report", metavar="JSON", help="remake NAME.md/.json from the measurements of an earlier JSON"
    )
    args = parser.parse_args()
    if args.report:
        earlier = json.loads(Path(args.report).read_text())
        write_results(args.name, {**earlier, "summaries": [summarise(r) for r in earlier["records"]]})
        return
    sizes = [tuple(int(v) for v in size.split("x")) for size in args.sizes]

    import torch.multiprocessing as mp

    from skipgram.engines.distributed import DistributedOptions

    loadavg_start = list(os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "records.json")
        mp.spawn(_rank_main, args=(args.world, _free_port(), sizes, args.repeats, raw), nprocs=args.world)
        records = json.loads(Path(raw).read_text())
    options = DistributedOptions()
    result = {
        "command": "python bench/bench_sync.py " + " ".join(sys.argv[1:]),
        "machine": {**_machine(), "loadavg_start": loadavg_start},
        "repeats": args.repeats,
        "world": args.world,
        "options": dataclasses.asdict(options),
        "sync_words": options.sync_words,
        "records": records,
        "summaries": [summarise(r) for r in records],
    }
    write_results(args.name, result)


def write_results(name: str, result: dict) -> None:
    """Add the projection to ``result`` and write ``results/NAME.json`` and ``NAME.md``."""
    result["projection"] = project(result["summaries"], result["sync_words"])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
