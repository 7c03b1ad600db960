"""Phrase detection: skipgram vs gensim ``Phrases`` vs the C tool's ``word2phrase``, same corpus, same run.

    .venv/bin/python bench/bench_phrases.py --jobs detect --repeats 2           # speed, memory, overlap
    .venv/bin/python bench/bench_phrases.py --jobs quality --passes 2           # vectors on phrased text

``detect``: each (engine, repeat) runs in a fresh process (this script with ``--child``), alternating
engines; it learns phrases (``min_count``, ``threshold``, the C tool's score) and writes the phrased
corpus. Reported: seconds (learn, apply+write, total), peak RSS (VmHWM), and the overlap of the phrase
sets found (distinct joined tokens in each output). gensim runs with a scorer equal to the C tool's
formula (``corpus_word_count`` instead of its default ``len_vocab``), so that one threshold means the
same for all three; ``word2phrase`` is built with ``/work/shared/peers/build.sh``.

``quality``: vectors (skip-gram, negative 5, window 5, sample 1e-3, min_count 5, dim 100, 5 epochs)
trained by skipgram on the raw corpus, by skipgram with ``Word2Vec(phrases=...)`` (phrases joined on
the fly), and by gensim Word2Vec on gensim's phrased corpus; all scored by the same code on the bundled
questions-words and questions-phrases sets. Results go to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gzip
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_CORPUS = Path("/work/shared/data/enwiki-2015-1e8.txt.gz")
PEERS = Path("/work/shared/peers")
ENGINES = ("skipgram", "gensim", "word2phrase")


def peak_rss_mb() -> float:
    try:
        match = re.search(r"^VmHWM:\s+(\d+)\s+kB", Path("/proc/self/status").read_text(), re.M)
        if match:
            return int(match.group(1)) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# ------------------------------------------------------------------------------------------------
# children
# ------------------------------------------------------------------------------------------------
def ctool_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    """The C tool's score, for gensim (its default multiplies by len_vocab instead)."""
    return (bigram_count - min_count) / worda_count / wordb_count * corpus_word_count


def child_skipgram_detect(spec: dict) -> dict:
    from skipgram.phrases import Phrases, write_phrased
    from skipgram.reading import LineCorpus

    corpus = LineCorpus(spec["corpus"])
    began = time.perf_counter()
    phrases = Phrases(min_count=spec["min_count"], threshold=spec["threshold"], passes=spec["passes"]).fit(
        corpus
    )
    learned = time.perf_counter()
    write_phrased(phrases, corpus, spec["output"])
    done = time.perf_counter()
    if spec.get("save"):
        phrases.save(spec["save"])
    return {
        "learn_s": learned - began,
        "apply_s": done - learned,
        "total_s": done - began,
        "phrases_learned": len(phrases.export_phrases()),
    }


def child_gensim_detect(spec: dict) -> dict:
    from gensim.models.phrases import Phrases
    from gensim.models.word2vec import LineSentence

    corpus = LineSentence(spec["corpus"])
    began = time.perf_counter()
    layers = []
    stream = corpus
    for _ in range(spec["passes"]):
        model = Phrases(
            stream,
            min_count=spec["min_count"],
            threshold=spec["threshold"],
            scoring=ctool_scorer,
            connector_words=frozenset(),
        )
        frozen = model.freeze()
        del model
        layers.append(frozen)
        stream = frozen[stream]
    learned = time.perf_counter()
    with open(spec["output"], "w", encoding="utf-8") as out:
        for sentence in stream:
            out.write(" ".join(sentence))
            out.write("\n")
    done = time.perf_counter()
    return {
        "learn_s": learned - began,
        "apply_s": done - learned,
        "total_s": done - began,
        "phrases_learned": sum(len(f.phrasegrams) for f in layers),
    }


def child_word2phrase_detect(spec: dict) -> dict:
    source = spec["plain_corpus"]
    began = time.perf_counter()
    for number in range(spec["passes"]):
        target = spec["output"] if number == spec["passes"] - 1 else f"{spec['output']}.pass{number}"
        subprocess.run(
            [
                spec["binary"],
                "-train",
                source,
                "-output",
                target,
                "-min-count",
                str(spec["min_count"]),
                "-threshold",
                str(spec["threshold"]),
                "-debug",
                "0",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        source = target
    done = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"learn_s": None, "apply_s": None, "total_s": done - began, "peak_rss_mb": rss}


def child_train(spec: dict) -> dict:
    params = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=5, seed=1)
    began = time.perf_counter()
    if spec["engine"] == "gensim":
        from gensim.models import Word2Vec
        from gensim.models.word2vec import LineSentence

        model = Word2Vec(
            LineSentence(spec["corpus"]),
            sg=1,
            hs=0,
            vector_size=100,
            window=5,
            negative=5,
            sample=1e-3,
            min_count=5,
            epochs=5,
            seed=1,
            workers=spec["workers"],
        )
        model.wv.save_word2vec_format(spec["vectors"], binary=True)
    else:
        from skipgram import Word2Vec

        model = Word2Vec(**params, workers=spec["workers"], progress=False, phrases=spec.get("phrases"))
        model.fit(spec["corpus"])
        model.wv_.save_word2vec_format(spec["vectors"], binary=True)
    return {"train_s": time.perf_counter() - began}


def child_main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    task = {
        "skipgram": child_skipgram_detect,
        "gensim": child_gensim_detect,
        "word2phrase": child_word2phrase_detect,
        "train": child_train,
    }[spec["task"]]
    result = task(spec)
    result.setdefault("peak_rss_mb", peak_rss_mb())
    Path(spec["result"]).write_text(json.dumps(result))
    return 0


def run_child(spec: dict, work: Path, timeout: float = 7200) -> dict:
    name = f"{spec['task']}-{spec.get('tag', '')}-{time.time_ns()}"
    spec = dict(spec, result=str(work / f"{name}.result.json"))
    spec_path = work / f"{name}.spec.json"
    spec_path.write_text(json.dumps(spec))
    load = _loadavg()
    began = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(spec_path)], capture_output=True, text=True, timeout=timeout
    )
    wall = time.perf_counter() - began
    if proc.returncode != 0:
        return {"status": "failed", "error": proc.stderr.strip().splitlines()[-1:] or ["?"], "wall_s": wall}
    result = json.loads(Path(spec["result"]).read_text())
    result.update(status="ok", wall_s=wall, loadavg_before=load, loadavg_after=_loadavg())
    return result


# ------------------------------------------------------------------------------------------------
# parent
# ------------------------------------------------------------------------------------------------
def phrase_set(path: Path) -> set[str]:
    """Distinct tokens with a '_' in a phrased corpus (the corpus itself has none)."""
    found: set[str] = set()
    with open(path, encoding="utf-8", errors="replace") as handle:
        while True:
            block = handle.read(1 << 24)
            if not block:
                break
            found.update(t for t in block.split() if "_" in t)
    return found


def token_agreement(a: Path, b: Path) -> float:
    """Share of output tokens equal position by position (both outputs are read as one token stream)."""
    with open(a, encoding="utf-8") as fa, open(b, encoding="utf-8") as fb:
        ta, tb = fa.read().split(), fb.read().split()
    same = sum(x == y for x, y in zip(ta, tb, strict=False))
    return same / max(len(ta), len(tb))


def overlap(a: set[str], b: set[str]) -> dict:
    both = len(a & b)
    return {
        "a": len(a),
        "b": len(b),
        "both": both,
        "jaccard": both / max(1, len(a | b)),
        "share_of_a": both / max(1, len(a)),
        "share_of_b": both / max(1, len(b)),
    }


def build_word2phrase(work: Path) -> str | None:
    if shutil.which("gcc") is None or not (PEERS / "build.sh").exists():
        return None
    dest = work / "peers"
    subprocess.run(["bash", str(PEERS / "build.sh"), str(dest)], capture_output=True)
    binary = dest / "word2phrase"
    return str(binary) if binary.exists() else None


def detect_job(args, work: Path, report: dict) -> None:
    plain = work / "corpus.txt"
    with gzip.open(args.corpus, "rb") as src, open(plain, "wb") as dst:  # word2phrase reads plain text
        shutil.copyfileobj(src, dst, 1 << 22)
    binary = build_word2phrase(work)
    engines = [e for e in args.engines.split(",") if e != "word2phrase" or binary]
    if "word2phrase" in args.engines and not binary:
        report["notes"].append("word2phrase could not be built (gcc or ../shared/peers missing)")
    runs: dict[str, list[dict]] = {e: [] for e in engines}
    outputs: dict[str, Path] = {}
    for repeat in range(args.repeats):
        for engine in engines:
            output = work / f"{engine}.phrased.txt"
            spec = {
                "task": engine,
                "tag": repeat,
                "corpus": str(args.corpus),
                "plain_corpus": str(plain),
                "binary": binary,
                "output": str(output),
                "min_count": args.min_count,
                "threshold": args.threshold,
                "passes": args.passes,
            }
            result = run_child(spec, work)
            print(f"detect {engine} #{repeat + 1}: {result}", file=sys.stderr, flush=True)
            runs[engine].append(result)
            outputs[engine] = output
    sets = {e: phrase_set(p) for e, p in outputs.items()}
    rows = []
    ok = lambda rs, k: [r[k] for r in rs if r.get("status") == "ok" and r.get(k) is not None]  # noqa: E731
    gensim_total = statistics.median(ok(runs.get("gensim", []), "total_s") or [float("nan")])
    gensim_rss = statistics.median(ok(runs.get("gensim", []), "peak_rss_mb") or [float("nan")])
    for engine in engines:
        med = lambda k: statistics.median(ok(runs[engine], k)) if ok(runs[engine], k) else None  # noqa: E731,B023
        total = med("total_s")
        rows.append(
            {
                "engine": engine,
                "runs": len(ok(runs[engine], "total_s")),
                "learn_s": med("learn_s"),
                "apply_s": med("apply_s"),
                "total_s": total,
                "speedup_vs_gensim": gensim_total / total if total else None,
                "peak_rss_mb": med("peak_rss_mb"),
                "rss_vs_gensim": (med("peak_rss_mb") or 0) / gensim_rss,
                "phrases_in_output": len(sets[engine]),
            }
        )
    pairs = {}
    for i, a in enumerate(engines):
        for b in engines[i + 1 :]:
            pairs[f"{a} vs {b}"] = overlap(sets[a], sets[b]) | {
                "token_agreement": token_agreement(outputs[a], outputs[b])
            }
    report["detect"] = {"rows": rows, "overlap": pairs, "runs": runs}


def quality_job(args, work: Path, report: dict) -> None:
    from skipgram.evaluate import analogy_accuracy
    from skipgram.vectors import KeyedVectors

    saved = work / "phrases.skipgram"
    gensim_text = work / "gensim.quality.phrased.txt"
    base = {
        "corpus": str(args.corpus),
        "min_count": args.min_count,
        "threshold": args.threshold,
        "passes": args.passes,
    }
    ours = run_child(
        {**base, "task": "skipgram", "tag": "q", "output": str(work / "sg.q.txt"), "save": str(saved)}, work
    )
    theirs = run_child({**base, "task": "gensim", "tag": "q", "output": str(gensim_text)}, work)
    print(f"quality phrases: {ours} {theirs}", file=sys.stderr, flush=True)
    jobs = [
        ("skipgram, no phrases", {"engine": "skipgram", "corpus": str(args.corpus)}),
        (
            "skipgram + skipgram phrases (on the fly)",
            {"engine": "skipgram", "corpus": str(args.corpus), "phrases": str(saved)},
        ),
        ("gensim + gensim Phrases", {"engine": "gensim", "corpus": str(gensim_text)}),
    ]
    rows = []
    for label, job in jobs:
        vectors = work / f"{len(rows)}.bin"
        result = run_child(
            {"task": "train", "tag": len(rows), "vectors": str(vectors), "workers": args.workers, **job}, work
        )
        print(f"quality {label}: {result}", file=sys.stderr, flush=True)
        row = {"run": label, **{k: result.get(k) for k in ("status", "train_s", "peak_rss_mb", "error")}}
        if result["status"] == "ok":
            wv = KeyedVectors.load_word2vec_format(vectors)
            words = analogy_accuracy(wv, "words")
            phr = analogy_accuracy(wv, "phrases")
            phr_all = analogy_accuracy(wv, "phrases", restrict_vocab=None)
            row.update(
                vocab=len(wv),
                words_acc=words.accuracy,
                words_total=words.total,
                phrases_acc=phr.accuracy,
                phrases_correct=phr.correct,
                phrases_total=phr.total,
                phrases_all_acc=phr_all.accuracy,
                phrases_all_correct=phr_all.correct,
                phrases_all_total=phr_all.total,
            )
        rows.append(row)
    report["quality"] = {"rows": rows, "phrase_runs": {"skipgram": ours, "gensim": theirs}}


def _f(value, spec):
    return "–" if value is None else format(value, spec)


def markdown(report: dict) -> str:
    s = report["settings"]
    lines = [
        f"# Phrase detection: {report['name']}",
        "",
        f"{report['machine']['date']} · {report['machine']['cpu']} · {report['machine']['usable_cores']} "
        f"cores · load {report['machine']['loadavg_start']} (shared machine: timings are noisy; ratios "
        "from alternating runs in one session)",
        "",
        f"Corpus `{s['corpus']}`; min_count {s['min_count']}, threshold {s['threshold']} (the C tool's "
        f"score for all three), passes {s['passes']}, repeats {s['repeats']}.",
        "",
        f"Command: `{s['command']}`",
        "",
    ]
    if "detect" in report:
        lines += [
            "| engine | runs | learn s | apply+write s | total s | × vs gensim | peak RSS MB | RSS / gensim "
            "| phrases in output |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in report["detect"]["rows"]:
            lines.append(
                f"| {r['engine']} | {r['runs']} | {_f(r['learn_s'], '.1f')} | {_f(r['apply_s'], '.1f')} | "
                f"{_f(r['total_s'], '.1f')} | {_f(r['speedup_vs_gensim'], '.2f')} | "
                f"{_f(r['peak_rss_mb'], '.0f')} | "
                f"{_f(r['rss_vs_gensim'], '.2f')} | {r['phrases_in_output']:,} |"
            )
        lines += [
            "",
            "| pair | phrases A | phrases B | both | Jaccard | token agreement |",
            "|---|---|---|---|---|---|",
        ]
        for name, o in report["detect"]["overlap"].items():
            lines.append(
                f"| {name} | {o['a']:,} | {o['b']:,} | {o['both']:,} | {o['jaccard']:.4f} | "
                f"{o['token_agreement']:.5f} |"
            )
        lines.append("")
    if "quality" in report:
        lines += [
            "| vectors | train s | vocab | questions-words % (top 30k) | questions-phrases % (top 30k) "
            "| questions-phrases % (all words) |",
            "|---|---|---|---|---|---|",
        ]
        for r in report["quality"]["rows"]:
            if r.get("status") != "ok":
                lines.append(f"| {r['run']} | failed: {r.get('error')} | | | | |")
                continue
            lines.append(
                f"| {r['run']} | {r['train_s']:.0f} | {r['vocab']:,} | "
                f"{100 * r['words_acc']:.1f} ({r['words_total']}) | "
                f"{100 * r['phrases_acc']:.1f} ({r['phrases_correct']}/{r['phrases_total']}) | "
                f"{100 * r['phrases_all_acc']:.1f} ({r['phrases_all_correct']}/{r['phrases_all_total']}) |"
            )
        lines.append("")
    lines += [f"- {n}" for n in report["notes"]]
    return "\n".join(lines) + "\n"


def machine_info() -> dict:
    cpu = platform.machine()
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = match.group(1).strip() if match else cpu
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu,
        "usable_cores": len(os.sched_getaffinity(0)),
        "loadavg_start": _loadavg(),
        "commit": commit,
        "python": platform.python_version(),
    }


def main(argv=None) -> int:
    if argv is None and len(sys.argv) > 2 and sys.argv[1] == "--child":
        return child_main(sys.argv[2])
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--jobs", default="detect", help="detect, quality or detect,quality")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=100.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--name", default=None)
    parser.add_argument("--results", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    name = args.name or f"phrases-{args.jobs.replace(',', '-')}-p{args.passes}"
    report = {
        "name": name,
        "machine": machine_info(),
        "notes": [],
        "settings": {
            "corpus": str(args.corpus),
            "min_count": args.min_count,
            "threshold": args.threshold,
            "passes": args.passes,
            "repeats": args.repeats,
            "workers": args.workers,
            "command": "python bench/bench_phrases.py " + " ".join(sys.argv[1:] if argv is None else argv),
        },
    }
    with tempfile.TemporaryDirectory(prefix="bench-phrases-") as tmp:
        work = Path(tmp)
        if "detect" in args.jobs:
            detect_job(args, work, report)
        if "quality" in args.jobs:
            quality_job(args, work, report)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"{name}.json").write_text(json.dumps(report, indent=2))
    (args.results / f"{name}.md").write_text(markdown(report))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
