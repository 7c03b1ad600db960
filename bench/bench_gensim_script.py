"""One gensim 4 script run twice: ``from gensim.models import ...``, then ``from skipgram.gensim import ...``.

    .venv/bin/python bench/bench_gensim_script.py --max-words 4000000 --workers 2 --repeats 3 \
        --name gensim-script-4M-w2

The script (``SCRIPT`` below) is the usual shape of the gensim tutorial: a corpus class that streams
a text file, ``Word2Vec(sentences=..., sg=1, ...)`` trained by the constructor, a few queries,
``save_word2vec_format``, ``KeyedVectors.load_word2vec_format`` and both evaluations. Only its import
line differs between the two runs. Each run is a fresh Python process; the two imports alternate, and
the report gives the medians and the ratio (gensim time / skipgram time) for the training and for the
whole script, the peak RSS (VmHWM) of each process, and the evaluation scores each script printed.
Results go to ``bench/results/NAME.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("SKIPGRAM_SHARED", HERE.parent.parent / "shared")) / "data"
IMPORTS = {
    "gensim": "from gensim.models import KeyedVectors, Word2Vec",
    "skipgram": "from skipgram.gensim import KeyedVectors, Word2Vec",
}

SCRIPT = '''
import json, sys, time
{import_line}


class MyCorpus:
    """An iterator that yields sentences (lists of str), as in gensim's tutorial."""

    def __init__(self, path):
        self.path = path

    def __iter__(self):
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                yield line.split()


corpus_path, workers, out, questions, wordsim = sys.argv[1:6]
workers = int(workers)
began = time.perf_counter()
model = Word2Vec(sentences=MyCorpus(corpus_path), vector_size=100, window=5, min_count=5, sg=1, negative=5,
                 sample=1e-3, epochs=5, workers=workers, seed=1)
trained = time.perf_counter() - began
wv = model.wv
print(wv.most_similar("king", topn=5), file=sys.stderr)
print(wv.most_similar(positive=["woman", "king"], negative=["man"], topn=3), file=sys.stderr)
print(wv.similarity("france", "germany"), file=sys.stderr)
print(wv.doesnt_match(["breakfast", "lunch", "dinner", "france"]), file=sys.stderr)
wv.save_word2vec_format(out, binary=True)
kv = KeyedVectors.load_word2vec_format(out, binary=True)
analogy, _ = kv.evaluate_word_analogies(questions, restrict_vocab=30000)
pearson, spearman, oov = kv.evaluate_word_pairs(wordsim)
total = time.perf_counter() - began
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
print(json.dumps({{"train_s": trained, "total_s": total, "vocab": len(kv), "analogy": analogy,
                  "wordsim": float(spearman[0]), "peak_rss_mb": peak}}))
'''


def prepare_corpus(source: Path, max_words: int | None, dest: Path, words_per_line: int = 1000) -> int:
    """The first ``max_words`` tokens of ``source``, ``words_per_line`` to a line (gensim keeps at most
    10,000 words of a sentence, so a one-line corpus would be cut)."""
    opener = gzip.open if source.suffix == ".gz" else open
    written = 0
    line: list[str] = []
    with opener(source, "rt", encoding="utf-8") as src, open(dest, "w", encoding="utf-8") as out:
        for block in iter(lambda: src.read(1 << 22), ""):
            for token in block.split():  # a token cut at a block edge counts as two: harmless here
                line.append(token)
                if len(line) == words_per_line:
                    out.write(" ".join(line) + "\n")
                    written += len(line)
                    line = []
                if max_words and written + len(line) >= max_words:
                    break
            if max_words and written + len(line) >= max_words:
                break
        if line:
            out.write(" ".join(line) + "\n")
            written += len(line)
    return written


def run_once(engine: str, script: Path, args: argparse.Namespace, corpus: Path, tmp: Path) -> dict:
    out = tmp / f"{engine}.bin"
    command = [sys.executable, str(script), str(corpus), str(args.workers), str(out), str(args.questions),
               str(args.wordsim)]  # fmt: skip
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{engine} script failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    result["stderr_head"] = done.stderr.splitlines()[:3]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DATA / "enwiki-2015-1e8.txt.gz")
    parser.add_argument("--questions", type=Path, default=DATA / "questions-words.txt")
    parser.add_argument("--wordsim", type=Path, default=DATA / "wordsim353.tsv")
    parser.add_argument("--max-words", type=int, default=4_000_000, help="0 = the whole corpus")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--name", default="gensim-script")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-gensim-script-") as tmp_name:
        tmp = Path(tmp_name)
        corpus = tmp / "corpus.txt"
        tokens = prepare_corpus(args.corpus, args.max_words or None, corpus)
        scripts = {}
        for engine, line in IMPORTS.items():
            scripts[engine] = tmp / f"script_{engine}.py"
            scripts[engine].write_text(SCRIPT.format(import_line=line))
        runs: dict[str, list[dict]] = {engine: [] for engine in IMPORTS}
        for repeat in range(args.repeats):
            order = list(IMPORTS) if repeat % 2 == 0 else list(reversed(IMPORTS))  # alternate who goes first
            for engine in order:
                result = run_once(engine, scripts[engine], args, corpus, tmp)
                runs[engine].append(result)
                print(
                    f"repeat {repeat + 1} {engine}: train {result['train_s']:.1f} s, "
                    f"total {result['total_s']:.1f} s, analogy {result['analogy']:.3f}, "
                    f"wordsim {result['wordsim']:.3f}",
                    file=sys.stderr,
                )

    def median(engine: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[engine])

    summary = {
        engine: {
            key: median(engine, key)
            for key in ("train_s", "total_s", "process_s", "peak_rss_mb", "analogy", "wordsim")
        }
        for engine in IMPORTS
    }
    for key in ("train_s", "total_s", "process_s"):
        summary[f"ratio_{key}"] = summary["gensim"][key] / summary["skipgram"][key]
    report = {
        "name": args.name,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(
            [
                ".venv/bin/python",
                "bench/bench_gensim_script.py",
                *(argv if argv is not None else sys.argv[1:]),
            ]
        ),
        "corpus": str(args.corpus),
        "tokens": tokens,
        "workers": args.workers,
        "repeats": args.repeats,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "loadavg": os.getloadavg()},
        "script": SCRIPT,
        "runs": runs,
        "summary": summary,
    }
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"{args.name}.json").write_text(json.dumps(report, indent=2))
    rows = [
        f"| {engine} | {s['train_s']:.1f} | {s['total_s']:.1f} | {s['peak_rss_mb']:.0f} | "
        f"{100 * s['analogy']:.1f} % | {s['wordsim']:.3f} |"
        for engine, s in ((e, summary[e]) for e in IMPORTS)
    ]
    md = "\n".join(
        [
            f"# {args.name}: one gensim 4 script, two imports",
            "",
            f"{tokens:,} tokens of `{args.corpus.name}` (1,000 words per line), skip-gram, negative 5, "
            f"window 5, sample 1e-3, min_count 5, 100 dimensions, 5 epochs, {args.workers} workers; fresh "
            f"process per run, imports alternating, median of {args.repeats}. Machine load average at the "
            f"end: {os.getloadavg()}.",
            "",
            "| import | train s (constructor) | whole script s | peak RSS MB | analogy (30k) | WordSim ρ |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            f"gensim / skipgram: **{summary['ratio_train_s']:.2f}×** training time, "
            f"{summary['ratio_total_s']:.2f}× whole script (queries, save, load, both evaluations "
            "included).",
            "",
            f"Reproduce: `{report['command']}`",
            "",
        ]
    )
    (args.results / f"{args.name}.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
