"""Cost of the per-row lock factor in the default window kernel: before vs after, same run.

Loads the window kernel as it was before the lock factor (``git show BASE:src/.../kernels.py`` into a
temporary module) and the current one, and times both on the demo corpus (``skipgram.datasets``),
alternating, one worker thread, median of ``--repeats``; the current kernel runs with a factor array of
ones (what every run without ``lock_init`` passes). Writes ``bench/results/lock-factor.{json,md}``.

Command: ``nice -n 5 python bench/bench_lock_factor.py --repeats 7``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def old_kernels(base: str):
    source = subprocess.run(
        ["git", "show", f"{base}:src/skipgram/engines/numba/kernels.py"], cwd=ROOT, check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="skipgram-oldkernels-"))
    path = folder / "kernels_before_lock_factor.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("kernels_before_lock_factor", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    from skipgram._params import resolve_params
    from skipgram._setup import make_setup
    from skipgram.corpus import scan
    from skipgram.datasets import DATA_DIR
    from skipgram.engines.numba import kernels

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--base", default="86545ea")
    args = parser.parse_args()
    old = old_kernels(args.base)
    vocab, corpus = scan(str(DATA_DIR / "enwiki-demo.txt.gz"), min_count=5)
    setup = make_setup(resolve_params({"workers": 1, "progress": False}), vocab, corpus)
    ids = corpus.slice(0, len(corpus))
    bounds = np.asarray(corpus.offsets, dtype=np.int64)
    buffer = np.empty(int(np.diff(bounds).max()), np.int32)
    ones = np.ones(len(vocab), np.float32)
    w_in0, w_out0 = setup.input_vectors.copy(), setup.output_vectors.copy()
    s = setup

    def run(which: str) -> float:
        w_in, w_out = w_in0.copy(), w_out0.copy()
        began = time.perf_counter()
        if which == "before":
            old.skipgram_negative_chunk(ids, bounds, w_in, w_out, s.keep_prob, s.alias_prob, s.alias_index,
                                        5, 5, True, 0.025, 0.0001, 1, 0, 0, buffer)  # fmt: skip
        else:
            kernels.skipgram_negative_chunk(ids, bounds, w_in, w_out, ones, s.keep_prob, s.alias_prob,
                                            s.alias_index, 5, 5, True, 0.025, 0.0001, 1, 0, 0,
                                            buffer)  # fmt: skip
        return time.perf_counter() - began

    run("before"), run("after")  # compile both
    times: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(args.repeats):
        for which in ("before", "after"):
            times[which].append(run(which))
    median = {k: float(np.median(v)) for k, v in times.items()}
    ratio = median["after"] / median["before"]
    report = {"corpus_words": len(corpus), "vocab": len(vocab), "seconds": times, "median": median,
              "after_over_before": ratio, "base": args.base}  # fmt: skip
    out = ROOT / "bench" / "results"
    (out / "lock-factor.json").write_text(json.dumps(report, indent=2) + "\n")
    md = (
        "# Lock factor: window kernel before vs after (demo corpus, 1 thread, same run, alternating)\n\n"
        f"{len(corpus):,} words, {len(vocab):,} vocabulary words, {args.repeats} repeats; median seconds: "
        f"before {median['before']:.3f}, after (factor of ones) {median['after']:.3f}; "
        f"after/before = {ratio:.3f}. Shared, loaded machine: timings are noisy.\n\n"
        f"Command: `nice -n 5 python bench/bench_lock_factor.py --repeats {args.repeats}`\n"
    )
    (out / "lock-factor.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
