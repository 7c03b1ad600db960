"""gensim's online training on the same split as ``bench_continue.py``: is the continued model's gap to the
whole-corpus model ours, or sequential training's?

Trains with gensim (same parameters: skip-gram, negative 5, window 5, dim 100, min_count 5, sample 1e-3,
seed 1): ``half1``; ``half1`` continued on ``half2`` with ``build_vocab(update=True)`` and ``train`` (the
learning rate restarting from 0.025, gensim's default); and ``whole``. Scores as ``bench_continue.py``.

Command (after ``bench_continue.py`` made the split in ``--work``):
``nice -n 5 python bench/bench_continue_gensim.py --epochs 5 --workers 2``
"""

from __future__ import annotations

import json
import time

from bench_continue import DATA, ROOT, common_parser, scores, split_corpus


def as_skipgram(kv):
    from skipgram import KeyedVectors

    return KeyedVectors(list(kv.index_to_key), kv.vectors)


def main() -> None:
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    args = common_parser(__doc__.split("\n")[0], "continue-gensim-e5").parse_args()
    half1, half2, whole = split_corpus(DATA / "enwiki-2015-1e8.txt.gz", args.work)
    params = dict(vector_size=100, window=5, min_count=5, negative=5, sample=1e-3, sg=1, hs=0,
                  epochs=args.epochs, workers=args.workers, seed=1)  # fmt: skip
    report: dict = {"params": params, "seconds": {}, "models": {}}
    began = time.perf_counter()
    model = Word2Vec(LineSentence(str(half1)), **params)
    report["seconds"]["half1"] = time.perf_counter() - began
    report["models"]["half1"] = scores(as_skipgram(model.wv))
    began = time.perf_counter()
    model.build_vocab(LineSentence(str(half2)), update=True)
    model.train(LineSentence(str(half2)), total_examples=model.corpus_count, epochs=args.epochs)
    report["seconds"]["continued"] = time.perf_counter() - began
    report["models"]["continued"] = scores(as_skipgram(model.wv))
    began = time.perf_counter()
    model = Word2Vec(LineSentence(str(whole)), **params)
    report["seconds"]["whole"] = time.perf_counter() - began
    report["models"]["whole"] = scores(as_skipgram(model.wv))
    out = ROOT / "bench" / "results"
    (out / f"{args.name}.json").write_text(json.dumps(report, indent=2) + "\n")
    title = f"# gensim online training, same split ({args.epochs} epochs per stage, {args.workers} workers)"
    lines = [title, "", "| model | vocab | analogy % | correct/total | WordSim ρ |", "|---|---|---|---|---|"]
    for stage, q in report["models"].items():
        lines.append(f"| {stage} | {q['vocab']:,} | {100 * q['analogy_accuracy']:.1f} | "
                     f"{q['analogy_correct']}/{q['analogy_total']} | "
                     f"{q['wordsim_spearman']:.3f} |")  # fmt: skip
    lines += ["", f"Command: `nice -n 5 python bench/bench_continue_gensim.py --epochs {args.epochs} "
              f"--workers {args.workers}`"]  # fmt: skip
    (out / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
