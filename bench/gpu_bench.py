"""Time the torch backend (CUDA when present) on a real corpus and score the vectors.

    python bench/gpu_bench.py ../shared/data/enwiki-2015-1e8.txt.gz            # full run on a GPU
    python bench/gpu_bench.py ../shared/data/enwiki-2015-1e8.txt.gz --device cpu --max-words 2000000

Parameters follow the issue's benchmark: dim 100, negative 5, window 5, sample 1e-3, min_count 5,
5 epochs. Prints raw words/s (corpus words before subsampling, the C tool's and gensim's measure)
and effective words/s (words kept by subsampling), the time split between making batches and the
training steps, and analogy accuracy / WordSim-353 Spearman (``skipgram.evaluate`` when present,
else a small built-in scorer with the same rules: 3CosAdd over the 30,000 most frequent words,
lower-cased).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from skipgram.engines.base import LearningRateSchedule, TrainingHooks, TrainingSetup  # noqa: E402


def load_corpus(path: str, min_count: int, max_words: int | None, sentence_length: int = 10000):
    """(words, counts, ids, offsets): the library's corpus.scan when it exists, else a NumPy
    scan."""
    try:
        from skipgram.corpus import as_sentences, scan

        vocab, corpus = scan(as_sentences(path), min_count=min_count)
        ids, offsets = np.asarray(corpus.ids), np.asarray(corpus.offsets)
        if max_words:
            k = int(np.searchsorted(offsets, max_words, side="right"))
            offsets = offsets[:k]
            ids = ids[: offsets[-1]]
        return list(vocab.words), np.asarray(vocab.counts), ids, offsets
    except ImportError:
        pass
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        # ~6 characters per word in this corpus: read only what a --max-words run needs
        tokens = f.read(max_words * 12 if max_words else -1).split()
    if max_words:
        tokens = tokens[:max_words]
    uniq, inverse, counts = np.unique(np.array(tokens), return_inverse=True, return_counts=True)
    order = np.lexsort((uniq, -counts))
    order = order[counts[order] >= min_count]
    rank = np.full(len(uniq), -1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    ids = rank[inverse]
    ids = ids[ids >= 0].astype(np.int32)
    offsets = np.append(np.arange(0, len(ids), sentence_length), len(ids)).astype(np.int64)
    return [str(w) for w in uniq[order]], counts[order].astype(np.int64), ids, offsets


def tables(counts: np.ndarray, sample: float, exponent: float = 0.75):
    """keep probabilities, noise distribution and its alias table (sampling.py's rules)."""
    try:
        from skipgram.sampling import alias_table, keep_probabilities, noise_probabilities

        noise = noise_probabilities(counts, exponent)
        prob, alias = alias_table(noise)
        return keep_probabilities(counts, sample), noise, prob, alias
    except ImportError:
        pass
    total = counts.sum()
    keep = np.ones(len(counts), np.float32)
    if sample:
        sn = sample * total
        keep = np.minimum(1.0, (np.sqrt(counts / sn) + 1) * sn / counts).astype(np.float32)
    noise = counts**exponent
    noise = noise / noise.sum()
    n = len(noise)
    prob, alias = np.ones(n, np.float32), np.arange(n, dtype=np.int32)
    scaled = noise * n
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s], alias[s] = scaled[s], g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    return keep, noise, prob, alias


def score(words, vectors, data_dir: Path) -> dict:
    """Analogy accuracy (%) and WordSim-353 Spearman."""
    try:
        from skipgram import evaluate
        from skipgram.vectors import KeyedVectors

        wv = KeyedVectors(words, vectors)
        analogy = evaluate.analogy_accuracy(wv, data_dir / "questions-words.txt")
        wordsim = evaluate.similarity_correlation(wv, data_dir / "wordsim353.tsv")
        return {"analogy": _number(analogy, 100.0), "wordsim353": _number(wordsim, 1.0)}
    except ImportError:
        pass
    index = {w: i for i, w in enumerate(words)}
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    top = unit[:30000]
    questions = []
    for line in (data_dir / "questions-words.txt").read_text().splitlines():
        parts = line.lower().split()
        if len(parts) == 4 and all(index.get(w, 1 << 30) < 30000 for w in parts):
            questions.append([index[w] for w in parts])
    q = np.array(questions, dtype=np.int64).reshape(-1, 4)
    correct = 0
    for chunk in np.array_split(q, max(1, len(q) // 512)):
        sims = (top[chunk[:, 1]] - top[chunk[:, 0]] + top[chunk[:, 2]]) @ top.T
        for j in range(3):
            sims[np.arange(len(chunk)), chunk[:, j]] = -np.inf
        correct += int((sims.argmax(1) == chunk[:, 3]).sum())
    human, model = [], []
    for line in (data_dir / "wordsim353.tsv").read_text().splitlines():
        parts = line.lower().split("\t")
        if line.startswith("#") or len(parts) < 3 or parts[0] not in index or parts[1] not in index:
            continue
        human.append(float(parts[2]))
        model.append(float(unit[index[parts[0]]] @ unit[index[parts[1]]]))

    def ranks(x):
        return np.argsort(np.argsort(x)).astype(float)

    rho = float(np.corrcoef(ranks(human), ranks(model))[0, 1]) if len(human) > 2 else float("nan")
    return {
        "analogy": 100.0 * correct / max(1, len(q)),
        "analogy_questions": len(q),
        "wordsim353": rho,
        "wordsim_pairs": len(human),
    }


def _number(value, scale):
    """evaluate's result as a number (it may return a float or a small result object/dict)."""
    for key in ("accuracy", "correlation", "spearman"):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif hasattr(value, key):
            value = getattr(value, key)
    value = float(value)
    return value * scale if value <= 1.0 and scale == 100.0 else value


class Counter(TrainingHooks):
    def __init__(self):
        self.words = self.effective = 0

    def on_progress(self, words, effective_words, loss_sum, n_predictions):
        self.words += words
        self.effective += effective_words


class Corpus:
    def __init__(self, ids, offsets):
        self.ids, self.offsets = ids, offsets

    def __len__(self):
        return len(self.ids)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("corpus")
    p.add_argument("--device", default=None, help="default: cuda when available, else cpu")
    p.add_argument("--max-words", type=int, default=None, help="train on the first N words only")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--sample", type=float, default=1e-3)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--lr", type=float, default=0.025)
    p.add_argument("--loss", default="negative", choices=["negative", "softmax"])
    p.add_argument("--architecture", default="skipgram", choices=["skipgram", "cbow"])
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--pairwise-negatives", action="store_true", help="noise words per pair, not per window")
    p.add_argument("--precision", default="float32", choices=["float32", "bf16"])
    p.add_argument("--block-words", type=int, default=None)
    p.add_argument("--row-cap", type=float, default=None, help="cap on summed updates per row per batch")
    p.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-eval", action="store_true")
    p.add_argument("--json", default=None, help="also write the results to this file")
    args = p.parse_args(argv)

    import torch

    from skipgram.engines.pytorch.spec import TorchOptions
    from skipgram.engines.pytorch.trainer import TorchBackend

    t0 = time.perf_counter()
    words, counts, ids, offsets = load_corpus(args.corpus, args.min_count, args.max_words)
    keep, noise, prob, alias = tables(counts, args.sample)
    load_s = time.perf_counter() - t0
    print(f"corpus: {len(ids):,} words, {len(words):,} in vocabulary ({load_s:.1f} s to load)")

    rng = np.random.default_rng(args.seed)
    options = TorchOptions(block_words=args.block_words, row_cap=args.row_cap, precision=args.precision)
    negatives = "per-pair" if args.pairwise_negatives else "per-window"
    setup = TrainingSetup(
        corpus=Corpus(ids, offsets),
        counts=counts,
        keep_prob=keep,
        noise_prob=noise,
        alias_prob=prob,
        alias_index=alias,
        input_vectors=((rng.random((len(words), args.dim), dtype=np.float32) - 0.5) / args.dim),
        output_vectors=np.zeros((len(words), args.dim), np.float32),
        schedule=LearningRateSchedule(args.lr, args.lr * 1e-4, args.epochs * len(ids)),
        architecture=args.architecture,
        loss=args.loss,
        window=args.window,
        negative=args.negative,
        shrink_windows=True,
        epochs=args.epochs,
        batch_words=10000,
        workers=args.threads or torch.get_num_threads(),
        seed=args.seed,
        batch_size=args.batch_size,
        device=args.device,
        shared_negatives=not args.pairwise_negatives,
        options=options,
    )
    backend = TorchBackend(setup)
    print(
        f"device {backend.device}, batch_size {backend.batch_size}, block_words "
        f"{backend.block_words}, negatives {negatives}, precision {args.precision}"
    )
    hooks = Counter()
    losses = []
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        te = time.perf_counter()
        result = backend.train_epoch(epoch, 0, hooks)
        dt = time.perf_counter() - te
        losses.append(result.loss_sum / max(1, result.n_predictions))
        print(
            f"epoch {epoch + 1}: loss {losses[-1]:.4f}, {result.words / dt:,.0f} words/s "
            f"({result.effective_words / dt:,.0f} effective), {dt:.1f} s"
        )
    backend.pull()
    train_s = time.perf_counter() - t0
    results = {
        "device": str(backend.device),
        "words": len(ids),
        "epochs": args.epochs,
        "seconds": train_s,
        "raw_words_per_s": hooks.words / train_s,
        "effective_words_per_s": hooks.effective / train_s,
        "batching_s": backend.timings["batching"],
        "step_s": backend.timings["step"],
        "loss_per_epoch": losses,
        "batch_size": backend.batch_size,
        "negatives": negatives,
        "precision": args.precision,
    }
    print(
        f"total {train_s:.1f} s: {results['raw_words_per_s']:,.0f} raw words/s, "
        f"{results['effective_words_per_s']:,.0f} effective words/s; batching "
        f"{results['batching_s']:.1f} s, training steps {results['step_s']:.1f} s"
    )
    if not args.no_eval:
        data_dir = HERE.parent.parent / "shared" / "data"
        if not (data_dir / "questions-words.txt").exists():
            data_dir = HERE.parent / "src" / "skipgram" / "data"
        results.update(score(words, setup.input_vectors, data_dir))
        print(f"analogy {results['analogy']:.2f} %, WordSim-353 Spearman {results['wordsim353']:.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
