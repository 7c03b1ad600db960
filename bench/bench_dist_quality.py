"""Quality of distributed training against one process on the same cores: analogy and WordSim-353.

One run per call; the same script runs a single process or, under torchrun, every rank:

    python bench/bench_dist_quality.py CORPUS --workers 2 --out bench/results/dist_quality/single.json
    torchrun --standalone --nproc_per_node=2 bench/bench_dist_quality.py CORPUS --workers 1 \\
        --sync-combine sum --out bench/results/dist_quality/sum2.json

Rank 0 trains with ``Word2Vec`` (default parameters, ``--epochs``, ``--seed``), scores the vectors with
``skipgram.evaluate`` (analogies over the 30,000 most frequent words, as gensim's evaluator; Spearman on
WordSim-353) and writes JSON with the scores, the seconds, and the distributed engine's sync counters
(bytes all-reduced per rank per word trained, seconds per round).

``--sync-words`` is passed to ``Word2Vec(sync_words=...)``; the other sync settings are
``DistributedOptions`` fields that the parameter table does not carry yet, so this script sets them as
the options' defaults for the run (``_setup.make_setup`` builds the options from the params).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "src" / "skipgram" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--out", required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sync-words", type=int)
    parser.add_argument("--sync-hot-rows", type=int)
    parser.add_argument("--sync-tail-rounds", type=int)
    parser.add_argument("--sync-combine", choices=("sum", "damped", "touched", "average"))
    parser.add_argument("--sync-precision", choices=("fp32", "bf16", "fp16"))
    parser.add_argument("--sync-mean-rows", type=int)
    parser.add_argument("--label", default="")
    args = parser.parse_args()

    from skipgram import Word2Vec, _dist_env, _setup
    from skipgram.engines import distributed

    chosen = {  # sync_words is a Word2Vec parameter already; the other options are not yet
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(distributed.DistributedOptions)
        if getattr(args, f.name) is not None and f.name != "sync_words"
    }
    base = distributed.DistributedOptions
    options = dataclasses.make_dataclass(
        "BenchOptions",
        [(k, type(v), dataclasses.field(default=v)) for k, v in chosen.items()],
        bases=(base,),
        frozen=True,
    )
    _setup.DistributedOptions = options
    backends = []
    original_init = distributed.DistributedBackend.__init__

    def recording_init(self, *a, **k):
        original_init(self, *a, **k)
        backends.append(self)

    distributed.DistributedBackend.__init__ = recording_init
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    began = time.perf_counter()
    extra = {} if args.sync_words is None else {"sync_words": args.sync_words}
    model = Word2Vec(epochs=args.epochs, workers=args.workers, seed=args.seed, progress=False, **extra)
    model.fit(args.corpus)
    seconds = time.perf_counter() - began
    if not _dist_env.is_main_process():
        return
    from skipgram.evaluate import analogy_accuracy, similarity_correlation

    analogy = analogy_accuracy(model.wv_, DATA / "questions-words.txt", restrict_vocab=30000)
    similarity = similarity_correlation(model.wv_, DATA / "wordsim353.tsv")
    record = {
        "label": args.label,
        "corpus": args.corpus,
        "world": _dist_env.world_size(),
        "workers": args.workers,
        "epochs": args.epochs,
        "seed": args.seed,
        "options": dataclasses.asdict(backends[-1].options) if backends else None,
        "seconds": seconds,
        "analogy_accuracy": analogy.overall.accuracy,
        "analogy_correct": analogy.overall.correct,
        "analogy_total": analogy.overall.total,
        "wordsim_spearman": similarity.spearman,
        "vocab": len(model.wv_),
    }
    if backends:
        stats = backends[-1].stats
        record["sync"] = {
            "rounds": stats.rounds,
            "bytes_per_rank": stats.bytes,
            "bytes_per_word": stats.bytes_per_word,
            "seconds": stats.seconds,
            "seconds_per_round": stats.seconds / max(1, stats.rounds),
            "rounds_per_epoch": backends[-1].rounds,
        }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record))
    _dist_env.shutdown()


if __name__ == "__main__":
    main()
