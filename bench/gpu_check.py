"""One prepared GPU check: the cuda and torch engines against the numba engine on the same machine.

    python bench/gpu_check.py CORPUS OUTDIR            # on a GPU machine (the H200 run: ~4-5 minutes)
    NUMBA_ENABLE_CUDASIM=1 python bench/gpu_check.py CORPUS OUTDIR --quick   # logic check on any CPU

What it measures, in this order (most important first, so a run cut short still has the headline),
each on one scan of CORPUS, with the issue's parameters (skip-gram, negative 5, window 5, sample 1e-3,
min_count 5, dim 100, 5 epochs, seed 1):

1. environment: GPU, driver, versions; the kernel's sm_90 resource report (ptxas: registers, spills);
2. ``backend="cuda"``: words/s per epoch, seconds inside launches vs on the host between them, data
   upload and compile time; then analogy accuracy and WordSim-353 Spearman of its vectors;
3. ``backend="numba"`` with every core (``os.cpu_count()`` threads): the same;
4. ``backend="torch"`` on the GPU: the same (its time is one number: it has no kernel/host split);
5. numba's CPU scaling: one epoch of the first ``--scaling-words`` words at 1, 2, 4, 8, 16 threads;
6. the full softmax on the torch engine (GPU): one epoch of those words, speed only;
7. the cuda engine's block size: one epoch at 32, 64 and 128 threads per block.

words/s = raw corpus tokens (out-of-vocabulary ones included, the C tool's and gensim's measure) ×
epochs / training seconds. A stage that would not finish inside ``--budget`` seconds (from the script's
start) is skipped and says so. After every stage OUTDIR gets ``gpu_check.json`` (everything) and
``gpu_check.md`` (a short table), written atomically.

``--quick``: a tiny prefix of the corpus, dim 8, one epoch, min_count 1, small thread counts: checks
the whole script in seconds on the CUDA simulator (its numbers mean nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from skipgram._atomic import atomic_write  # noqa: E402

STARTED = time.perf_counter()

FULL = {"vector_size": 100, "window": 5, "negative": 5, "sample": 1e-3, "min_count": 5, "epochs": 5}
QUICK = {"vector_size": 8, "window": 2, "negative": 2, "sample": 1e-3, "min_count": 1, "epochs": 1}


def elapsed() -> float:
    return time.perf_counter() - STARTED


# ----------------------------------------------------------------------------------------- plumbing
def resolved_params(**kw):
    from skipgram._params import resolve_params

    return resolve_params({"progress": False, "seed": 1, **kw})


def evaluate(vocab, vectors, questions, wordsim) -> dict:
    from skipgram.evaluate import analogy_accuracy, similarity_correlation
    from skipgram.vectors import KeyedVectors

    wv = KeyedVectors(vocab.words, vectors, counts=vocab.counts)
    began = time.perf_counter()
    analogy = analogy_accuracy(wv, questions, restrict_vocab=30000)
    sim = similarity_correlation(wv, wordsim)
    return {
        "analogy_percent": 100.0 * analogy.accuracy,
        "analogy_correct": analogy.correct,
        "analogy_total": analogy.total,
        "wordsim_spearman": None if not np.isfinite(sim.spearman) else float(sim.spearman),
        "wordsim_pairs": sim.pairs,
        "eval_seconds": time.perf_counter() - began,
    }


def train(engine, vocab, corpus, *, epochs, options=None, **params) -> tuple[dict, object]:
    """Train ``epochs`` epochs with ``engine``; per-epoch seconds and words/s, engine timings."""
    from skipgram._setup import make_setup
    from skipgram.engines import make_backend
    from skipgram.engines.base import TrainingHooks

    p = resolved_params(backend=engine, epochs=epochs, **params)
    setup = make_setup(p, vocab, corpus)
    if options is not None:
        setup.options = options
    began = time.perf_counter()
    backend = make_backend(setup, engine)
    record = {"engine": engine, "epochs": epochs, "init_seconds": time.perf_counter() - began}
    record["options"] = None if options is None else dict(vars(options))
    record["workers"] = p["workers"] if engine == "numba" else None
    seconds, losses = [], []
    for epoch in range(epochs):
        t0 = time.perf_counter()
        result = backend.train_epoch(epoch, 0, TrainingHooks())
        seconds.append(time.perf_counter() - t0)
        losses.append(result.loss_sum / max(1, result.n_predictions))
    backend.pull()
    train_s = float(sum(seconds))
    record.update(
        epoch_seconds=seconds,
        train_seconds=train_s,
        loss=losses,
        raw_words_per_second=corpus.raw_words * epochs / train_s,
        words_per_second=len(corpus) * epochs / train_s,
    )
    for name in ("kernel_seconds", "host_seconds", "upload_seconds", "n_launches"):
        if hasattr(backend, name):
            record[name] = getattr(backend, name)
    return record, setup


def prefix(corpus, n_words):
    """The first whole sentences of ``corpus`` holding about ``n_words`` words."""
    from skipgram.corpus import EncodedCorpus

    offsets = np.asarray(corpus.offsets, dtype=np.int64)
    k = max(1, int(np.searchsorted(offsets, n_words, side="left")))
    k = min(k, len(offsets) - 1)
    ids = corpus.slice(0, int(offsets[k]))
    raw = round(corpus.raw_words * len(ids) / max(1, len(corpus)))
    return EncodedCorpus(ids, offsets[: k + 1].copy(), raw_words=raw)


def environment(quick: bool) -> dict:
    env = {"python": platform.python_version(), "cpus": os.cpu_count(), "quick": quick}
    env["cudasim"] = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
    for name in ("numpy", "numba", "numba_cuda", "torch"):
        try:
            module = __import__(name)
            env[name] = getattr(module, "__version__", "?")
        except ImportError:
            env[name] = None
    try:
        smi = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm",
             "--format=csv,noheader"], capture_output=True, text=True, timeout=20, check=False,
        )  # fmt: skip
        env["nvidia_smi"] = smi.stdout.strip() or smi.stderr.strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        env["nvidia_smi"] = f"unavailable: {exc}"
    from skipgram.engines.cuda.spec import available

    env["cuda_engine_available"] = available() or "yes"
    try:
        import torch

        env["torch_cuda"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except ImportError:
        env["torch_cuda"] = None
    return env


def compile_report() -> dict:
    run = subprocess.run(
        [sys.executable, "-m", "skipgram.engines.cuda.compile_check", "--cc", "9.0"],
        capture_output=True, text=True, timeout=180, check=False,
        env={**os.environ, "NUMBA_ENABLE_CUDASIM": "0", "PYTHONPATH": str(HERE.parent / "src")},
    )  # fmt: skip
    if run.returncode != 0:
        return {"error": (run.stderr.strip().splitlines() or ["?"])[-1][:300]}
    return json.loads(run.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------------------- report
def write(outdir: Path, results: dict) -> None:
    results["elapsed_seconds"] = elapsed()
    with atomic_write(outdir / "gpu_check.json", "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2, default=str)
    with atomic_write(outdir / "gpu_check.md", "w", encoding="utf-8") as f:
        f.write(markdown(results))


def _fmt(value, spec="{:,.0f}") -> str:
    return "" if value is None else spec.format(value)


def markdown(results: dict) -> str:
    env = results.get("environment", {})
    corpus = results.get("corpus", {})
    lines = [
        "# GPU check: cuda and torch engines vs numba on one machine",
        "",
        f"- GPU: {env.get('nvidia_smi')}; CPUs: {env.get('cpus')}; cuda engine: "
        f"{env.get('cuda_engine_available')}; simulator: {env.get('cudasim')}; quick: {env.get('quick')}",
        f"- versions: python {env.get('python')}, numpy {env.get('numpy')}, numba {env.get('numba')}, "
        f"numba-cuda {env.get('numba_cuda')}, torch {env.get('torch')}",
        f"- corpus: {corpus.get('path')}: {_fmt(corpus.get('raw_words'))} raw tokens, "
        f"{_fmt(corpus.get('vocab'))} words; params {results.get('params')}",
        f"- sm_90 kernel: {results.get('compile')}",
        "",
        "| run | epochs | train s | raw words/s | in launches s | host s | analogy % | Δ vs numba "
        "| WordSim ρ |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    base = results.get("runs", {}).get("numba", {}).get("quality", {}).get("analogy_percent")
    for name, run in results.get("runs", {}).items():
        if "skipped" in run or "error" in run:
            lines.append(f"| {name} | {run.get('skipped') or run.get('error')} |  |  |  |  |  |  |  |")
            continue
        q = run.get("quality", {})
        a = q.get("analogy_percent")
        delta = None if a is None or base is None else a - base
        lines.append(
            f"| {name} | {run['epochs']} | {run['train_seconds']:.2f} | {_fmt(run['raw_words_per_second'])} "
            f"| {_fmt(run.get('kernel_seconds'), '{:.2f}')} | {_fmt(run.get('host_seconds'), '{:.3f}')} "
            f"| {_fmt(a, '{:.1f}')} | {_fmt(delta, '{:+.1f}')} "
            f"| {_fmt(q.get('wordsim_spearman'), '{:.3f}')} |"
        )
    total = results.get("elapsed_seconds", 0)
    lines += ["", f"Total script time {total:.0f} s. Command: `{results.get('command')}`", ""]
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("outdir")
    parser.add_argument("--quick", action="store_true", help="tiny run to check the script (simulator)")
    parser.add_argument("--budget", type=float, default=330.0, help="seconds for the whole script")
    parser.add_argument("--max-words", type=int, default=None, help="train on the first N words only")
    parser.add_argument("--scaling-words", type=int, default=2_000_000)
    parser.add_argument("--questions", default=None, help="analogy file (default: the bundled one)")
    parser.add_argument("--wordsim", default=None, help="WordSim-353 file (default: the bundled one)")
    args = parser.parse_args(argv)
    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    quick = args.quick
    params = dict(QUICK if quick else FULL)
    epochs = params.pop("epochs")
    max_words = args.max_words or (300 if quick else None)
    results: dict = {"command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]), "params": params}
    results["environment"] = environment(quick)
    print("environment:", results["environment"], flush=True)
    results["compile"] = compile_report()
    print("sm_90:", results["compile"], flush=True)
    results["runs"] = {}
    write(outdir, results)

    from skipgram.corpus import as_sentences, scan

    began = time.perf_counter()
    vocab, corpus = scan(as_sentences(args.corpus), min_count=params["min_count"])
    if max_words:
        corpus = prefix(corpus, max_words)
    results["corpus"] = {
        "path": args.corpus, "raw_words": corpus.raw_words, "words": len(corpus), "vocab": len(vocab),
        "sentences": corpus.n_sentences, "scan_seconds": time.perf_counter() - began,
    }  # fmt: skip
    print("corpus:", results["corpus"], flush=True)
    write(outdir, results)

    from skipgram.engines.cuda.spec import CudaOptions

    per_thread = 2 if quick else 8
    cpus = os.cpu_count() or 1
    gpu_ok = results["environment"]["cuda_engine_available"] == "yes"
    torch_device = "cuda" if results["environment"].get("torch_cuda") else "cpu"

    def stage(name, needs_seconds, fn, *, quality=True):
        if not quick and elapsed() + needs_seconds > args.budget:
            results["runs"][name] = {"skipped": f"over budget ({elapsed():.0f} s used of {args.budget:.0f})"}
        else:
            try:
                record, setup = fn()
                if quality:
                    record["quality"] = evaluate(vocab, setup.input_vectors, args.questions, args.wordsim)
                results["runs"][name] = record
            except Exception as exc:  # record and go on: one failed stage must not lose the others
                results["runs"][name] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        print(name, results["runs"][name], flush=True)
        write(outdir, results)

    cuda_options = CudaOptions(threads_per_block=4, pieces_per_launch=4) if quick else None
    if gpu_ok:
        stage("cuda", 90, lambda: train("cuda", vocab, corpus, epochs=epochs, options=cuda_options, **params))
    else:
        results["runs"]["cuda"] = {"skipped": results["environment"]["cuda_engine_available"]}
    stage("numba", 60, lambda: train("numba", vocab, corpus, epochs=epochs, workers=cpus, **params))
    stage(f"torch ({torch_device})", 80,
          lambda: train("torch", vocab, corpus, epochs=epochs, device=torch_device, **params))  # fmt: skip
    small = prefix(corpus, args.scaling_words)
    for workers in [w for w in (1, 2, 4, 8, 16) if w <= cpus][: 2 if quick else 5]:
        stage(f"numba scaling {workers}t", per_thread + 2 * 2_000_000 / 1e6 / workers,
              lambda w=workers: train("numba", vocab, small, epochs=1, workers=w, **params),
              quality=False)  # fmt: skip
    if torch_device == "cuda" or quick:  # the full softmax is the torch engine's: one timed epoch
        stage(f"torch softmax ({torch_device}), first {len(small):,} words", 40,
              lambda: train("torch", vocab, small, epochs=1, device=torch_device, loss="softmax",
                            allow_slow_softmax=True, **params),
              quality=False)  # fmt: skip
    if gpu_ok:
        for threads in (4,) if quick else (32, 64, 128):
            options = CudaOptions(threads_per_block=threads, pieces_per_launch=4 if quick else 4096)
            stage(f"cuda {threads} threads/block", 20,
                  lambda o=options: train("cuda", vocab, corpus, epochs=1, options=o, **params),
                  quality=False)  # fmt: skip
    write(outdir, results)
    print(markdown(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
