"""Counting benchmarks: bounded memory on a corpus full of one-off tokens, and the scan on 1 vs 2 workers.

    .venv/bin/python bench/bench_counting.py                    # both, on the 17M-token enwiki corpus
    .venv/bin/python bench/bench_counting.py --real-words 300000 --noise-words 400000 --copies 2 --name smoke

1. ``synthetic``: the corpus's real tokens in lines of 1000, with ``--noise-words`` distinct random tokens
   (hex strings ending in "9", so never a text8 word) interleaved at random positions. Runs, each in a
   fresh process: skipgram's ``scan`` with the default memory bound; the same unbounded (the exact
   count); ``scan`` of the real lines alone; gensim's ``build_vocab`` unbounded and with its
   ``max_vocab_size`` pruning. Checks: peak RSS (VmHWM) of the default run under 1 GB; its vocabulary and
   counts equal to the exact count's (and gensim's unbounded one); its encoded ids and sentence offsets
   equal to those of the real text alone.
2. ``parallel``: ``--copies`` copies of the real text in one temporary file; skipgram's scan with 1 and 2
   workers, alternating, ``--repeats`` times each (median), and gensim's ``build_vocab`` on the same file.

Results: ``bench/results/<name>.md`` and ``.json``. The temporary corpora are deleted at the end.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = Path("/work/shared/data/enwiki-2015-1e8.txt.gz")
LINE_WORDS = 1000


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def digest(pairs) -> str:
    h = hashlib.sha256()
    for word, count in sorted(pairs):
        h.update(f"{word}\t{count}\n".encode())
    return h.hexdigest()[:16]


def child(spec: dict) -> dict:
    """One measured run in this (fresh) process."""
    if spec["engine"] == "skipgram":
        from skipgram.corpus import scan

        warm = time.perf_counter()
        scan([["warm", "up"]], min_count=1, workers=spec["workers"])  # load the cached numba kernels
        jit_seconds = time.perf_counter() - warm
        start = time.perf_counter()
        vocab, encoded = scan(
            spec["path"], min_count=spec["min_count"], workers=spec["workers"], **spec.get("kwargs", {})
        )
        seconds = time.perf_counter() - start
        peak = peak_rss_mb()  # before hashing: the digest must not count against the scan
        h = hashlib.sha256(encoded.ids)  # the buffers themselves, no copies
        h.update(encoded.offsets)
        ids = h.hexdigest()[:16]
        return {
            "seconds": seconds,
            "jit_load_seconds": jit_seconds,
            "tokens": vocab.raw_total,
            "vocab": len(vocab),
            "vocab_digest": digest(zip(vocab.words, vocab.counts.tolist(), strict=True)),
            "ids_digest": ids,
            "peak_rss_mb": peak,
        }
    import logging

    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    logging.disable(logging.INFO)
    model = Word2Vec(min_count=spec["min_count"], max_vocab_size=spec.get("max_vocab_size"), workers=1)
    start = time.perf_counter()
    model.build_vocab(LineSentence(spec["path"]))
    seconds = time.perf_counter() - start
    words = model.wv.index_to_key
    return {
        "seconds": seconds,
        "tokens": model.corpus_total_words,
        "vocab": len(words),
        "vocab_digest": digest((w, model.wv.get_vecattr(w, "count")) for w in words),
        "peak_rss_mb": peak_rss_mb(),
    }


def run_child(spec: dict) -> dict:
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        cmd = [sys.executable, __file__, "--child", json.dumps(spec), "--child-out", out.name]
        subprocess.run(cmd, check=True)
        result = json.load(open(out.name))
    result.update({k: v for k, v in spec.items() if k != "path"})
    print(json.dumps(result), flush=True)
    return result


def machine_ceiling(repeats: int = 3) -> list[float]:
    """What 2 threads give over 1 on this machine right now: a numba hash-and-count loop over 100 MB
    (no shared data, no I/O), once on one thread, then twice at once on two. A shared VM can hand out
    less than two cores' worth; the counting speed-up is only meaningful next to this ceiling."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    from numba import njit

    @njit(nogil=True, cache=False)
    def work(data, table):
        h = np.uint64(1469598103934665603)
        mask = np.uint64(table.shape[0] - 1)
        for i in range(data.shape[0]):
            h = (h ^ np.uint64(data[i])) * np.uint64(1099511628211)
            table[h & mask] += 1
        return h

    data = np.random.default_rng(0).integers(0, 255, 100_000_000, dtype=np.uint8)
    tables = [np.zeros(1 << 22, np.int32) for _ in range(2)]
    work(data[:10], tables[0])
    ratios = []
    with ThreadPoolExecutor(2) as pool:
        for _ in range(repeats):
            start = time.perf_counter()
            work(data, tables[0])
            one = time.perf_counter() - start
            start = time.perf_counter()
            list(pool.map(lambda k: work(data, tables[k]), range(2)))
            ratios.append(2 * one / (time.perf_counter() - start))
    return ratios


def real_tokens(corpus: Path, limit: int | None) -> list[str]:
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        words = f.read().split()
    return words[:limit] if limit else words


def build_synthetic(words: list[str], noise: int, folder: Path, seed: int) -> tuple[Path, Path]:
    rng = random.Random(seed)
    lines = [words[i : i + LINE_WORDS] for i in range(0, len(words), LINE_WORDS)]
    # How many noise tokens go into each line, then where: a multinomial split of ``noise``.
    per_line = [0] * len(lines)
    for i in rng.choices(range(len(lines)), k=noise):
        per_line[i] += 1
    real_path, noisy_path = folder / "real.txt", folder / "noisy.txt"
    serial = 0
    with open(real_path, "w") as real, open(noisy_path, "w") as noisy:
        for line, k in zip(lines, per_line, strict=True):
            real.write(" ".join(line) + "\n")
            out = list(line)
            for _ in range(k):
                serial += 1
                token = f"{(serial * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFF:012x}9"
                out.insert(rng.randrange(len(out) + 1), token)
            noisy.write(" ".join(out) + "\n")
    return real_path, noisy_path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--real-words", type=int, default=None, help="first N tokens only (default all)")
    ap.add_argument("--noise-words", type=int, default=20_000_000)
    ap.add_argument("--copies", type=int, default=4, help="copies of the real text for the parallel run")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--gensim-max-vocab", type=int, default=2_000_000)
    ap.add_argument("--only", choices=["synthetic", "parallel"], default=None)
    ap.add_argument("--name", default="counting")
    ap.add_argument("--child")
    ap.add_argument("--child-out")
    args = ap.parse_args()
    if args.child:
        json.dump(child(json.loads(args.child)), open(args.child_out, "w"))
        return

    results: dict = {"args": {k: str(v) for k, v in vars(args).items() if not k.startswith("child")}}
    results["load_before"] = os.getloadavg()
    words = real_tokens(args.corpus, args.real_words)
    mc = args.min_count
    with tempfile.TemporaryDirectory(prefix="bench-counting-") as tmp:
        tmp = Path(tmp)
        if args.only in (None, "synthetic"):
            real, noisy = build_synthetic(words, args.noise_words, tmp, seed=1)
            runs = {
                "skipgram default bound": {"engine": "skipgram", "path": str(noisy), "workers": 1},
                "skipgram default bound, 2 workers": {"engine": "skipgram", "path": str(noisy), "workers": 2},
                "skipgram unbounded (exact)": {
                    "engine": "skipgram", "path": str(noisy), "workers": 1,
                    "kwargs": {"count_memory_mb": None},
                },
                "skipgram, real text alone": {"engine": "skipgram", "path": str(real), "workers": 1},
                "gensim unbounded": {"engine": "gensim", "path": str(noisy)},
                f"gensim max_vocab_size={args.gensim_max_vocab}": {
                    "engine": "gensim", "path": str(noisy), "max_vocab_size": args.gensim_max_vocab
                },
            }  # fmt: skip
            syn = {}
            for label, spec in runs.items():
                syn[label] = run_child({**spec, "min_count": mc, "label": label})
            default, exact = syn["skipgram default bound"], syn["skipgram unbounded (exact)"]
            results["synthetic"] = {
                "real_tokens": len(words),
                "noise_tokens": args.noise_words,
                "runs": syn,
                "checks": {
                    "default peak RSS < 1 GB": default["peak_rss_mb"] < 1024,
                    "default vocabulary == exact count": default["vocab_digest"] == exact["vocab_digest"],
                    "default vocabulary == gensim unbounded": default["vocab_digest"]
                    == syn["gensim unbounded"]["vocab_digest"],
                    "2 workers == 1 worker": syn["skipgram default bound, 2 workers"]["ids_digest"]
                    == default["ids_digest"],
                    "encoded ids == real text alone": default["ids_digest"]
                    == syn["skipgram, real text alone"]["ids_digest"],
                },
            }
            real.unlink()
            noisy.unlink()
        if args.only in (None, "parallel"):
            big = tmp / "copies.txt"
            with open(big, "w") as f:
                for _ in range(args.copies):
                    f.write(" ".join(words) + "\n")
            ceiling_before = machine_ceiling()
            par: dict[str, list] = {"skipgram 1 worker": [], "skipgram 2 workers": [], "gensim": []}
            pairs = []  # per repeat: the 1-vs-2 ratio, and the machine's ceiling measured right before
            for r in range(args.repeats):
                ceiling_now = machine_ceiling(1)[0]
                seconds = {}
                for w in (1, 2) if r % 2 == 0 else (2, 1):
                    spec = {"engine": "skipgram", "path": str(big), "workers": w, "min_count": mc}
                    result = run_child(spec)
                    par[f"skipgram {w} worker{'s' if w > 1 else ''}"].append(result)
                    seconds[w] = result["seconds"]
                pairs.append({"ratio": seconds[1] / seconds[2], "ceiling": ceiling_now})
            par["gensim"].append(run_child({"engine": "gensim", "path": str(big), "min_count": mc}))
            median = {k: statistics.median(r["seconds"] for r in v) for k, v in par.items()}
            results["parallel"] = {
                "tokens": par["skipgram 1 worker"][0]["tokens"],
                "runs": par,
                "median_seconds": median,
                "speedup_2_vs_1": median["skipgram 1 worker"] / median["skipgram 2 workers"],
                "skipgram_1_vs_gensim": median["gensim"] / median["skipgram 1 worker"],
                "machine_ceiling_2_vs_1": {"before": ceiling_before, "after": machine_ceiling()},
                "pairs": pairs,
                "median_pair_ratio": statistics.median(q["ratio"] for q in pairs),
                "median_pair_ceiling": statistics.median(q["ceiling"] for q in pairs),
                "median_pair_efficiency": statistics.median(q["ratio"] / q["ceiling"] for q in pairs),
            }
    results["load_after"] = os.getloadavg()
    write_report(results, HERE / "results", args.name)


def write_report(results: dict, folder: Path, name: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(results, indent=1))
    lines = [f"# Counting benchmark ({name})", ""]
    load = f"{results['load_before']} / {results['load_after']}"
    lines.append(f"Load average before/after: {load} (a 2-core machine shared with other jobs).")
    if "synthetic" in results:
        s = results["synthetic"]
        lines += [
            "",
            f"## Bounded memory: {s['real_tokens']:,} real tokens + {s['noise_tokens']:,} distinct "
            "noise tokens",
            "",
            "| run | seconds | tokens/s | peak RSS (MB) | vocabulary | vocabulary digest |",
            "|---|---|---|---|---|---|",
        ]
        for label, r in s["runs"].items():
            lines.append(
                f"| {label} | {r['seconds']:.1f} | {r['tokens'] / r['seconds'] / 1e6:.2f}M | "
                f"{r['peak_rss_mb']:.0f} | {r['vocab']:,} | `{r['vocab_digest']}` |"
            )
        lines += ["", "| check | result |", "|---|---|"]
        lines += [f"| {k} | {'yes' if v else '**no**'} |" for k, v in s["checks"].items()]
    if "parallel" in results:
        p = results["parallel"]
        lines += [
            "",
            f"## Scan speed: {p['tokens']:,} tokens, median of the repeats",
            "",
            "| run | median s | all runs (s) | tokens/s (median) | peak RSS (MB) |",
            "|---|---|---|---|---|",
        ]
        for label, runs in p["runs"].items():
            med = p["median_seconds"][label]
            times = ", ".join(f"{r['seconds']:.1f}" for r in runs)
            rss = max(r["peak_rss_mb"] for r in runs)
            lines.append(f"| {label} | {med:.1f} | {times} | {p['tokens'] / med / 1e6:.2f}M | {rss:.0f} |")
        lines += [
            "",
            f"2 workers vs 1: **{p['speedup_2_vs_1']:.2f}×**; skipgram (1 worker) vs gensim's "
            f"build_vocab: **{p['skipgram_1_vs_gensim']:.2f}×**.",
        ]
        if "pairs" in p:
            each = ", ".join(f"{q['ratio']:.2f} ({q['ceiling']:.2f})" for q in p["pairs"])
            lines += [
                "",
                "Each repeat, a 1-worker and a 2-worker run side by side, with the machine's 2-thread "
                f"ceiling measured just before (in brackets): {each}. Median ratio "
                f"**{p['median_pair_ratio']:.2f}×**, median ceiling {p['median_pair_ceiling']:.2f}×, "
                f"median ratio / ceiling **{p['median_pair_efficiency']:.2f}**.",
            ]
        ceiling = p.get("machine_ceiling_2_vs_1")
        if ceiling:
            both = ", ".join(f"{r:.2f}" for r in ceiling["before"] + ceiling["after"])
            lines += [
                "",
                f"The machine's own 2-thread ceiling in this run (a numba loop with no shared data, "
                f"2 threads vs 1; 3 before and 3 after the scans): {both}.",
            ]
    text = "\n".join(lines) + "\n"
    (folder / f"{name}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
