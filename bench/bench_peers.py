"""skipgram against the C peers (the word2vec C tool, Intel's pWord2Vec) on the same corpus, same run.

    bash ../shared/peers/build.sh /tmp/peers          # needs gcc/g++ and OpenBLAS for pWord2Vec
    python bench/bench_peers.py --peers /tmp/peers --epochs 1 --threads 2 --repeats 2 --name peers-e1

Every engine trains skip-gram with negative sampling from the same decompressed text file (negative 5,
window 5, sample 1e-3, min_count 5, 100 dimensions) with the same number of threads, in its own
process; ``skipgram`` runs its CLI. Wall seconds include each tool's vocabulary pass (the C tools
have no separate training time to report). Each engine's word2vec-binary output is scored by the same
code (``skipgram.evaluate``: analogies among the 30,000 most frequent words, WordSim-353). Writes
``bench/results/NAME.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data"


def commands(engine: str, peers: Path, corpus: Path, out: Path, epochs: int, threads: int) -> list[str]:
    common = ["-size", "100", "-window", "5", "-sample", "1e-3", "-negative", "5", "-min-count", "5"]
    common += ["-threads", str(threads), "-iter", str(epochs), "-binary", "1"]
    if engine == "word2vec-c":
        return [str(peers / "word2vec"), "-train", str(corpus), "-output", str(out), "-cbow", "0", "-hs", "0",
                *common]  # fmt: skip
    if engine == "pword2vec":
        return [str(peers / "pWord2Vec"), "-train", str(corpus), "-output", str(out), *common]
    return [sys.executable, "-m", "skipgram", "train", str(corpus), "-o", str(out), "--vector-size", "100",
            "--window", "5", "--sample", "1e-3", "--negative", "5", "--min-count", "5", "--workers",
            str(threads), "--epochs", str(epochs), "--seed", "1", "--no-progress"]  # fmt: skip


def score(path: Path) -> dict:
    from skipgram import KeyedVectors
    from skipgram.evaluate import analogy_accuracy, similarity_correlation

    kv = KeyedVectors.load_word2vec_format(path, binary=True)
    analogy = analogy_accuracy(kv, DATA / "questions-words.txt", restrict_vocab=30000).overall
    return {
        "vocab": len(kv),
        "analogy": analogy.accuracy,
        "wordsim": similarity_correlation(kv, DATA / "wordsim353.tsv").spearman,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peers", type=Path, required=True, help="folder with word2vec and pWord2Vec (build.sh)")
    ap.add_argument("--corpus", type=Path, default=DATA / "enwiki-2015-1e8.txt.gz")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--engines", default="skipgram,pword2vec,word2vec-c")
    ap.add_argument("--name", default="peers-e1")
    args = ap.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        with gzip.open(args.corpus, "rb") as src, open(corpus, "wb") as dst:
            shutil.copyfileobj(src, dst)
        tokens = len(corpus.read_bytes().split())
        runs: dict[str, list[float]] = {e: [] for e in engines}
        scores: dict[str, dict] = {}
        load = [os.getloadavg()]
        for r in range(args.repeats):
            for engine in engines if r % 2 == 0 else engines[::-1]:
                out = Path(tmp) / f"{engine}.bin"
                began = time.perf_counter()
                subprocess.run(commands(engine, args.peers, corpus, out, args.epochs, args.threads),
                               check=True, capture_output=True)  # fmt: skip
                runs[engine].append(time.perf_counter() - began)
                if engine not in scores:
                    scores[engine] = score(out)
        load.append(os.getloadavg())
    median = {e: statistics.median(t) for e, t in runs.items()}
    report = {"tokens": tokens, "epochs": args.epochs, "threads": args.threads, "seconds": runs,
              "median_seconds": median, "scores": scores, "load": load}  # fmt: skip
    results = HERE / "results"
    (results / f"{args.name}.json").write_text(json.dumps(report, indent=1) + "\n")
    ref = median.get("skipgram")
    lines = [
        f"# skipgram vs the C peers ({args.name})",
        "",
        f"{tokens:,} tokens, {args.epochs} epoch(s), {args.threads} threads, {args.repeats} repeats "
        f"(median wall seconds, the vocabulary pass included); load average before/after {load}.",
        "",
        "| engine | median s | all runs (s) | words/s | skipgram × faster | vocab | analogy % | WordSim ρ |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for e in engines:
        s, q = median[e], scores[e]
        ratio = f"{s / ref:.2f}" if ref else "–"
        times = ", ".join(f"{t:.1f}" for t in runs[e])
        speed = f"{tokens * args.epochs / s:,.0f}"
        lines.append(f"| {e} | {s:.1f} | {times} | {speed} | {ratio} | {q['vocab']:,} | "
                     f"{100 * q['analogy']:.1f} | {q['wordsim']:.3f} |")  # fmt: skip
    lines += ["", f"Command: `python bench/bench_peers.py --peers PEERS --epochs {args.epochs} --threads "
              f"{args.threads} --repeats {args.repeats} --name {args.name}`"]  # fmt: skip
    (results / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
