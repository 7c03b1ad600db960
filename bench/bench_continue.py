"""Continued training with new words: first half, then the second half, against the whole corpus.

Splits the 17M-token corpus into two halves of whole 10,000-word lines (the pieces the reader would cut
anyway), then trains three models with the same parameters (skip-gram, negative 5, window 5, dim 100,
min_count 5, seed 1):

- ``half1``: the first half, ``--epochs`` epochs;
- ``continued``: ``half1`` continued with ``fit_more`` on the second half (new words on), ``--epochs``
  epochs, the learning rate restarting from 0.025, known words blended with ``half1`` (``blend="auto"``);
- ``plain``: the same continuation with ``blend=0`` (no blending: what gensim's online training does);
- ``whole``: the whole corpus from scratch, ``--epochs`` epochs (every token seen as often as in
  ``half1`` + ``continued``).

Each is scored on the analogy questions (restricted to the 30,000 most frequent words, as
``bench_vs_gensim.py``) and WordSim-353; for the words that only the continued model has (new in the
second half), the script lists the nearest neighbours of the most frequent ones and measures how many
of their ten nearest neighbours in the continued model are among the twenty nearest in ``whole``.
Stages are cached in ``--work`` (a stage whose model file exists is not retrained).

Command: ``nice -n 5 python bench/bench_continue.py --epochs 5 --workers 2``
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
LINE_WORDS = 10_000


def split_corpus(source: Path, work: Path) -> tuple[Path, Path, Path]:
    paths = work / "half1.txt", work / "half2.txt", work / "whole.txt"
    if all(p.exists() for p in paths):
        return paths
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        tokens = handle.read().split()
    lines = [" ".join(tokens[i : i + LINE_WORDS]) for i in range(0, len(tokens), LINE_WORDS)]
    half = len(lines) // 2
    paths[0].write_text("\n".join(lines[:half]) + "\n", encoding="utf-8")
    paths[1].write_text("\n".join(lines[half:]) + "\n", encoding="utf-8")
    paths[2].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def scores(wv) -> dict:
    from skipgram.evaluate import analogy_accuracy, similarity_correlation

    analogy = analogy_accuracy(wv, DATA / "questions-words.txt", restrict_vocab=30000)
    similarity = similarity_correlation(wv, DATA / "wordsim353.tsv")
    return {
        "vocab": len(wv),
        "analogy_accuracy": analogy.overall.accuracy,
        "analogy_correct": analogy.overall.correct,
        "analogy_total": analogy.overall.total,
        "wordsim_spearman": similarity.spearman,
    }


def common_parser(description: str, name: str) -> argparse.ArgumentParser:
    """The options this script and bench_continue_gensim.py share (same split, same folder)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/skipgram-bench-continue"))
    parser.add_argument("--name", default=name)
    return parser


def main() -> None:
    from skipgram import Word2Vec

    parser = common_parser(__doc__.split("\n")[0], "continue-e5")
    parser.add_argument("--stages", default="half1,whole,continued,plain")
    parser.add_argument(
        "--lr", type=float, default=None, help="fit_more's starting rate (the model's: 0.025)"
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    half1, half2, whole = split_corpus(DATA / "enwiki-2015-1e8.txt.gz", args.work)
    params = dict(vector_size=100, window=5, min_count=5, negative=5, sample=1e-3, epochs=args.epochs,
                  workers=args.workers, seed=1, progress=False)  # fmt: skip
    timings = {}
    tag = "" if args.lr is None else f"-lr{args.lr:g}"
    files = {"half1": "half1", "whole": "whole", "continued": f"continued{tag}", "plain": f"plain{tag}"}
    for stage in args.stages.split(","):
        path = args.work / f"{files[stage]}-e{args.epochs}.model"
        if path.exists():
            continue
        began = time.perf_counter()
        if stage == "half1":
            Word2Vec(**params).fit(str(half1)).save(path)
        elif stage == "whole":
            Word2Vec(**params).fit(str(whole)).save(path)
        elif stage in ("continued", "plain"):
            base = Word2Vec.load(args.work / f"half1-e{args.epochs}.model")
            base.set_params(workers=args.workers, progress=False)
            blend = "auto" if stage == "continued" else 0.0
            base.fit_more(str(half2), epochs=args.epochs, lr=args.lr, blend=blend).save(path)
        timings[stage] = time.perf_counter() - began
        print(f"{stage}: trained in {timings[stage]:.0f} s", flush=True)
    names = ("half1", "continued", "plain", "whole")
    models = {s: Word2Vec.load(args.work / f"{files[s]}-e{args.epochs}.model") for s in names}
    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": platform.node(),
        "params": params,
        "continuation_lr": args.lr if args.lr is not None else 0.025,
        "train_seconds": timings,
        "models": {s: scores(m.wv_) for s, m in models.items()},
        "blend": models["continued"].continuation_.get("blend"),
    }
    old = set(models["half1"].vocab_.words)
    new_words = [w for w in models["continued"].vocab_.words if w not in old]
    report["new_words"] = len(new_words)
    overlaps, examples = [], {}
    cont, ref = models["continued"].wv_, models["whole"].wv_
    for word in new_words[:200]:
        if word not in ref:
            continue
        mine = {w for w, _ in cont.most_similar(word, topn=10)}
        theirs = {w for w, _ in ref.most_similar(word, topn=20)}
        overlaps.append(len(mine & theirs) / 10)
        if len(examples) < 12:
            examples[word] = [w for w, _ in cont.most_similar(word, topn=6)]
    report["new_word_neighbour_overlap_at_10_in_whole_top20"] = float(np.mean(overlaps)) if overlaps else None
    report["new_word_examples"] = examples
    out = ROOT / "bench" / "results"
    (out / f"{args.name}.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        f"# Continued training with new words ({args.epochs} epochs per stage, {args.workers} workers)",
        "",
    ]
    lines.append("| model | vocab | analogy % | correct/total | WordSim ρ |")
    lines.append("|---|---|---|---|---|")
    for stage, q in report["models"].items():
        lines.append(f"| {stage} | {q['vocab']:,} | {100 * q['analogy_accuracy']:.1f} | "
                     f"{q['analogy_correct']}/{q['analogy_total']} | "
                     f"{q['wordsim_spearman']:.3f} |")  # fmt: skip
    lines += [
        "",
        f"`continued`: fit_more with blend='auto' (weight of half1 used: {report['blend']:.3f}); "
        "`plain`: blend=0.",
    ]
    lines += ["", f"New words in the continued model: {len(new_words):,}; mean share of each one's 10 "
              f"nearest neighbours that are among its 20 nearest in `whole` (first 200 new words): "
              f"{report['new_word_neighbour_overlap_at_10_in_whole_top20']}", ""]  # fmt: skip
    lines += [f"- {w}: {', '.join(n)}" for w, n in examples.items()]
    lr_flag = f" --lr {args.lr:g}" if args.lr is not None else ""
    lines += ["", f"Training seconds this run (shared, loaded machine: noisy): {timings}", "",
              f"Command: `nice -n 5 python bench/bench_continue.py --epochs {args.epochs} "
              f"--workers {args.workers} --name {args.name}{lr_flag}`"]  # fmt: skip
    (out / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
