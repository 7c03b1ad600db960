"""skipgram vs gensim: speed, peak memory and quality on the same corpus, same parameters, one run.

    .venv/bin/python bench/bench_vs_gensim.py --workers 1 2 --repeats 1            # the full comparison
    .venv/bin/python bench/bench_vs_gensim.py --max-words 300000 --epochs 1 --workers 1 2 --name smoke

Each (engine, workers, repeat) trains in its own fresh Python process (this script with ``--child``),
which writes its vectors (``.npy`` + word list) and its timings as JSON; the parent evaluates every
engine's vectors with the same code (``skipgram.evaluate``) and writes a markdown table and a JSON
file under ``bench/results/``. See ``bench/README.md`` for the columns and the caveats.

Only the standard library is imported at module level, so that a child pays for exactly the
libraries of its own engine.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gzip
import json
import os
import platform
import random
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = Path("/work/shared/data")
DEFAULT_CORPUS = DATA / "enwiki-2015-1e8.txt.gz"
DEFAULT_QUESTIONS = DATA / "questions-words.txt"
DEFAULT_WORDSIM = DATA / "wordsim353.tsv"

# engine name -> (family, skipgram Word2Vec keyword arguments or gensim corpus mode)
ENGINES = {
    "skipgram": ("skipgram", {"backend": "numba", "shared_negatives": True}),
    "skipgram-pairwise": ("skipgram", {"backend": "numba", "shared_negatives": False}),
    "skipgram-torch": ("skipgram", {"backend": "torch"}),
    "gensim": ("gensim", {"corpus_file": False}),
    "gensim-corpusfile": ("gensim", {"corpus_file": True}),
}
DEFAULT_ENGINES = "skipgram,skipgram-pairwise,gensim"
REFERENCE = "gensim"  # the ratio column divides by this engine's words/s at the same workers

COLUMNS = [
    "engine",
    "workers",
    "runs",
    "train s",
    "total s",
    "raw words/s",
    "raw words/s min–max",
    "effective words/s",
    "× gensim",
    "peak RSS MB",
    "vocab",
    "analogy %",
    "analogy correct/total",
    "WordSim ρ",
    "status",
]


# --------------------------------------------------------------------------------------------------
# small helpers (used by parent and child)
# --------------------------------------------------------------------------------------------------
def peak_rss_mb() -> dict:
    """This process's peak resident set size, in MB.

    ``VmHWM`` (Linux) is the high-water mark of this process's own address space. ``ru_maxrss`` is
    also recorded, but on Linux it is not reset by ``exec``: a child started from a parent holding
    400 MB reports at least 400 MB, so it is only a fallback.
    """
    ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ru_mb = ru / (1024 * 1024) if sys.platform == "darwin" else ru / 1024
    hwm = None
    try:
        match = re.search(r"^VmHWM:\s+(\d+)\s+kB", Path("/proc/self/status").read_text(), re.M)
        if match:
            hwm = int(match.group(1)) / 1024
    except OSError:
        pass
    return {"peak_rss_mb": hwm if hwm is not None else ru_mb, "vmhwm_mb": hwm, "ru_maxrss_mb": ru_mb}


def source_fingerprint() -> str | None:
    """sha256 of the installed skipgram package's .py files: the tree is shared, and an edit made
    during a benchmark would otherwise go unnoticed (and recompile numba kernels inside a timed run)."""
    import hashlib
    from importlib.util import find_spec

    spec = find_spec("skipgram")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def numba_compiles() -> int:
    """Kernels this process compiled (not loaded from numba's on-disk cache) in skipgram's modules."""
    count = 0
    for name, module in list(sys.modules.items()):
        if not name.startswith("skipgram") or module is None:
            continue
        for obj in vars(module).values():
            misses = getattr(getattr(obj, "stats", None), "cache_misses", None)
            if misses is not None and hasattr(obj, "overloads"):
                count += sum(misses.values())
    return count


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def machine_info() -> dict:
    cpu = platform.processor() or platform.machine()
    mem_gb = None
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
        cpu = match.group(1).strip() if match else cpu
        match = re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.M)
        mem_gb = round(int(match.group(1)) / 1024**2, 1) if match else None
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    git = {}
    try:
        run = lambda *a: subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True).stdout.strip()  # noqa: E731
        git = {
            "commit": run("rev-parse", "HEAD"),
            "src_dirty": bool(run("status", "--porcelain", "--", "src")),
        }
    except OSError:
        pass
    return {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host": platform.node(),
        "platform": platform.platform(),
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "versions": {d: _version(d) for d in ("skipgram", "numpy", "numba", "gensim", "torch", "scipy")},
        "git": git,
        "loadavg_start": _loadavg(),
    }


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# --------------------------------------------------------------------------------------------------
# child: train one engine, write vectors + timings
# --------------------------------------------------------------------------------------------------
def child_main(spec_path: str) -> int:
    started = time.perf_counter()
    spec = json.loads(Path(spec_path).read_text())
    out = Path(spec["out_dir"])
    family, options = ENGINES[spec["engine"]]
    p = spec["params"]
    result: dict = {"engine": spec["engine"], "workers": p["workers"], "pid": os.getpid()}
    result["source_fingerprint"] = source_fingerprint() if family == "skipgram" else None
    if family == "skipgram":
        t_import = time.perf_counter()
        from skipgram import Word2Vec

        result["import_s"] = time.perf_counter() - t_import
        kwargs = dict(options)
        if kwargs.get("backend") == "torch":
            kwargs["device"] = spec.get("torch_device") or "cpu"
        model = Word2Vec(
            vector_size=p["dim"], window=p["window"], min_count=p["min_count"], sample=p["sample"],
            negative=p["negative"], epochs=p["epochs"], workers=p["workers"], seed=p["seed"],
            architecture="skipgram", loss="negative", progress=False, cache_dir=spec["tmp_dir"], **kwargs,
        )  # fmt: skip
        t0 = time.perf_counter()
        model.fit(spec["corpus"])
        t1 = time.perf_counter()
        log = model.training_log_
        result.update(
            total_s=t1 - t0,
            train_s=sum(e["seconds"] for e in log),
            engine_raw_words=int(sum(e["raw_words"] for e in log)),
            effective_words=int(sum(e["effective_words"] for e in log)),
            epochs_done=len(log),
            loss_per_epoch=[e["loss"] for e in log],
            engine_words_per_second=[e["words_per_second"] for e in log],
            epoch_seconds=[e["seconds"] for e in log],
        )
        result["vocab_s"] = result["total_s"] - result["train_s"]  # vocabulary, encoding and setup
        result["numba_compiles"] = numba_compiles()
        words, vectors = model.wv_.words, model.wv_.vectors
    else:
        t_import = time.perf_counter()
        import logging

        from gensim.models import Word2Vec as GensimWord2Vec
        from gensim.models.word2vec import LineSentence, Text8Corpus

        result["import_s"] = time.perf_counter() - t_import
        logging.getLogger("gensim").setLevel(logging.WARNING)
        model = GensimWord2Vec(
            vector_size=p["dim"], window=p["window"], min_count=p["min_count"], sample=p["sample"],
            negative=p["negative"], hs=0, sg=1, epochs=p["epochs"], workers=p["workers"], seed=p["seed"],
        )  # fmt: skip
        if options["corpus_file"]:
            source = {"corpus_file": spec["corpus"]}
            result["gensim_input"] = "corpus_file"
        elif spec["gensim_reader"] == "text8":
            source = {"corpus_iterable": Text8Corpus(spec["corpus"])}
            result["gensim_input"] = "Text8Corpus"
        else:
            source = {"corpus_iterable": LineSentence(spec["corpus"])}
            result["gensim_input"] = "LineSentence"
        t0 = time.perf_counter()
        model.build_vocab(**source)
        t1 = time.perf_counter()
        extra = {"total_words": model.corpus_total_words} if options["corpus_file"] else {}
        trained, raw = model.train(**source, total_examples=model.corpus_count, epochs=model.epochs, **extra)
        t2 = time.perf_counter()
        result.update(
            vocab_s=t1 - t0,
            train_s=t2 - t1,
            total_s=t2 - t0,
            engine_raw_words=int(raw),
            effective_words=int(trained),
            epochs_done=p["epochs"],
        )
        words, vectors = list(model.wv.index_to_key), model.wv.vectors
    import numpy as np

    np.save(out / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32))
    (out / "words.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    result["vocab_size"] = len(words)
    result["process_s"] = time.perf_counter() - started
    result.update(peak_rss_mb())
    (out / "result.json").write_text(json.dumps(result, indent=1))
    return 0


# --------------------------------------------------------------------------------------------------
# parent
# --------------------------------------------------------------------------------------------------
def prepare_corpus(source: Path, max_words: int | None, dest: Path) -> dict:
    """Decompress ``source`` (or copy it) to ``dest``, keeping only the first ``max_words`` tokens.

    Streams in 4 MB blocks (the parent stays small) and keeps the line structure. Returns the token
    and line counts of what was written.
    """
    opener = gzip.open if source.suffix == ".gz" else open
    tokens = lines = 0
    pending = b""
    with opener(source, "rb") as fin, open(dest, "wb") as fout:
        while True:
            block = fin.read(1 << 22)
            data = pending + block
            if block:
                cut = max(data.rfind(b" "), data.rfind(b"\n"), data.rfind(b"\t"))
                if cut < 0:
                    pending = data
                    continue
                part, pending = data[: cut + 1], data[cut + 1 :]
            else:
                part, pending = data, b""
            count = len(part.split())
            if max_words is not None and tokens + count >= max_words:
                need = max_words - tokens
                if need > 0:
                    end = [m.end() for _, m in zip(range(need), re.finditer(rb"\S+", part), strict=False)][-1]
                    part = part[:end] + b"\n"
                else:
                    part = b""
                count = need
            fout.write(part)
            tokens += count
            lines += part.count(b"\n")
            if not block or (max_words is not None and tokens >= max_words):
                break
        if part and not part.endswith(b"\n"):
            lines += 1
    return {"tokens": tokens, "lines": lines, "bytes": dest.stat().st_size}


def make_tiny_corpus(path: Path, tokens: int = 20000, vocab: int = 300, seed: int = 0) -> None:
    """A Zipf-distributed synthetic corpus for warm-ups and the JIT check."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(vocab)]
    weights = [1.0 / (i + 1) for i in range(vocab)]
    draw = rng.choices(words, weights, k=tokens)
    path.write_text("\n".join(" ".join(draw[i : i + 1000]) for i in range(0, tokens, 1000)) + "\n")


def run_child(spec: dict, timeout: float, env: dict | None = None) -> dict:
    out = Path(spec["out_dir"])
    out.mkdir(parents=True, exist_ok=True)
    spec_path = out / "spec.json"
    spec_path.write_text(json.dumps(spec))
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(spec_path)]
    load_before = _loadavg()
    began = time.perf_counter()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {
            "status": "failed",
            "error": f"timed out after {timeout:g} s",
            "wall_s": time.perf_counter() - began,
        }
    wall = time.perf_counter() - began
    result_file = out / "result.json"
    if proc.returncode != 0 or not result_file.exists():
        lines = [ln for ln in (proc.stderr or "").strip().splitlines() if ln.strip()]
        error = lines[-1] if lines else f"exit status {proc.returncode}"
        return {"status": "failed", "error": error[:300], "returncode": proc.returncode, "wall_s": wall,
                "stderr_tail": (proc.stderr or "")[-3000:]}  # fmt: skip
    result = json.loads(result_file.read_text())
    result.update(status="ok", wall_s=wall, loadavg_before=load_before, loadavg_after=_loadavg())
    return result


def evaluate(out_dir: Path, questions: Path, wordsim: Path, restrict_vocab: int) -> dict:
    """Score one run's vectors with skipgram.evaluate (the same code for every engine)."""
    import numpy as np

    from skipgram import KeyedVectors
    from skipgram.evaluate import analogy_accuracy, similarity_correlation

    words = (out_dir / "words.txt").read_text(encoding="utf-8").splitlines()
    wv = KeyedVectors(words, np.load(out_dir / "vectors.npy"))
    analogy = analogy_accuracy(wv, questions, restrict_vocab=restrict_vocab)
    similarity = similarity_correlation(wv, wordsim)
    return {
        "analogy_accuracy": analogy.overall.accuracy,
        "analogy_correct": analogy.overall.correct,
        "analogy_total": analogy.overall.total,
        "analogy_skipped": analogy.overall.skipped,
        "analogy_semantic": analogy.semantic.accuracy,
        "analogy_syntactic": analogy.syntactic.accuracy,
        "wordsim_spearman": similarity.spearman,
        "wordsim_pearson": similarity.pearson,
        "wordsim_pairs": similarity.pairs,
        "wordsim_oov_pairs": similarity.oov_pairs,
    }


def jit_check(tmp: Path, timeout: float) -> dict:
    """Train a tiny corpus twice, each in a fresh process sharing an empty numba cache folder.

    The first process compiles the kernels and writes them to the on-disk cache; the second should
    load them and start much faster.
    """
    corpus = tmp / "jit_corpus.txt"
    make_tiny_corpus(corpus, seed=1)
    cache = tmp / "numba_cache_jit"
    cache.mkdir(exist_ok=True)
    code = (
        "import json, time; t = time.perf_counter(); import skipgram; "
        "from skipgram import Word2Vec; "
        "m = Word2Vec(vector_size=100, min_count=5, epochs=1, workers=1, progress=False, "
        f"cache_dir={str(tmp)!r}).fit({str(corpus)!r}); "
        "print(json.dumps({'in_process_s': time.perf_counter() - t}))"
    )
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    runs = []
    for attempt in ("first (cold cache)", "second (warm cache)"):
        began = time.perf_counter()
        try:
            proc = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            runs.append({"run": attempt, "status": "failed", "error": "timed out"})
            continue
        wall = time.perf_counter() - began
        if proc.returncode != 0:
            runs.append({"run": attempt, "status": "failed", "error": proc.stderr.strip()[-300:]})
            continue
        inner = json.loads(proc.stdout.strip().splitlines()[-1])
        runs.append({"run": attempt, "status": "ok", "process_wall_s": wall, **inner})
    cached_files = sum(1 for _ in cache.rglob("*.nbi"))
    return {"runs": runs, "cache_index_files": cached_files}


def _median(values):
    return statistics.median(values) if values else None


def run_warnings(run: dict, fingerprint: str | None) -> list[str]:
    """What makes a successful run's timing suspect."""
    warnings = []
    if run.get("numba_compiles"):
        warnings.append(f"compiled {run['numba_compiles']} numba kernel(s) during the run")
    if run.get("source_fingerprint") and fingerprint and run["source_fingerprint"] != fingerprint:
        warnings.append("skipgram source changed since the benchmark started")
    expected, counted = run.get("expected_raw_words"), run.get("engine_raw_words")
    if expected is not None and counted is not None and expected != counted:
        warnings.append(f"engine counted {counted:,} raw words, expected {expected:,}")
    return warnings


def summarise(
    runs: list[dict], engines: list[str], workers: list[int], tokens: int, epochs: int, fingerprint=None
) -> list[dict]:
    """One row per (engine, workers): medians over the successful repeats, quality of the first."""
    rows = []
    for w in workers:
        for engine in engines:
            mine = [r for r in runs if r["engine"] == engine and r["workers"] == w]
            ok = [r for r in mine if r.get("status") == "ok"]
            row = {"engine": engine, "workers": w, "runs": len(ok), "attempts": len(mine)}
            if not ok:
                errors = "; ".join(sorted({r.get("error", "?") for r in mine})) or "not run"
                row["status"] = f"FAILED: {errors}"
                rows.append(row)
                continue
            speeds = [tokens * epochs / r["train_s"] for r in ok]
            effective = [r["effective_words"] / r["train_s"] for r in ok]
            first = next((r for r in ok if r.get("quality") or r.get("quality_error")), ok[0])
            warnings = sorted({w for r in ok for w in run_warnings(r, fingerprint)})
            status = "ok" if len(ok) == len(mine) else f"ok ({len(mine) - len(ok)} of {len(mine)} failed)"
            row.update(
                status="; ".join([status, *warnings]),
                warnings=warnings,
                train_s=_median([r["train_s"] for r in ok]),
                total_s=_median([r["total_s"] for r in ok]),
                vocab_s=_median([r["vocab_s"] for r in ok]),
                raw_words_per_s=_median(speeds),
                raw_words_per_s_min=min(speeds),
                raw_words_per_s_max=max(speeds),
                effective_words_per_s=_median(effective),
                peak_rss_mb=max(r["peak_rss_mb"] for r in ok),
                vocab_size=first["vocab_size"],
                engine_raw_words=first["engine_raw_words"],
                quality=first.get("quality"),
                quality_error=first.get("quality_error"),
                final_loss=(first.get("loss_per_epoch") or [None])[-1],
            )
            rows.append(row)
    for row in rows:
        reference = next(
            (r for r in rows if r["engine"] == REFERENCE and r["workers"] == row["workers"]), None
        )
        if row.get("raw_words_per_s") and reference and reference.get("raw_words_per_s"):
            row["ratio_vs_gensim"] = row["raw_words_per_s"] / reference["raw_words_per_s"]
            q, rq = row.get("quality"), reference.get("quality")
            if q and rq:
                row["analogy_points_vs_gensim"] = 100 * (q["analogy_accuracy"] - rq["analogy_accuracy"])
                row["wordsim_vs_gensim"] = q["wordsim_spearman"] - rq["wordsim_spearman"]
    return rows


def _fmt(value, spec: str) -> str:
    return "" if value is None else format(value, spec)


def table_cells(row: dict) -> list[str]:
    q = row.get("quality") or {}
    if row.get("quality_error"):
        analogy = wordsim = correct = "eval failed"
    else:
        analogy = _fmt(100 * q["analogy_accuracy"], ".1f") if q else ""
        correct = f"{q['analogy_correct']}/{q['analogy_total']}" if q else ""
        wordsim = _fmt(q.get("wordsim_spearman"), ".3f")
    spread = (
        f"{row['raw_words_per_s_min']:,.0f}–{row['raw_words_per_s_max']:,.0f}"
        if "raw_words_per_s_min" in row
        else ""
    )
    return [
        row["engine"],
        str(row["workers"]),
        str(row["runs"]),
        _fmt(row.get("train_s"), ".1f"),
        _fmt(row.get("total_s"), ".1f"),
        _fmt(row.get("raw_words_per_s"), ",.0f"),
        spread,
        _fmt(row.get("effective_words_per_s"), ",.0f"),
        _fmt(row.get("ratio_vs_gensim"), ".2f"),
        _fmt(row.get("peak_rss_mb"), ".0f"),
        _fmt(row.get("vocab_size"), ","),
        analogy,
        correct,
        wordsim,
        row["status"],
    ]


def markdown(report: dict) -> str:
    m, c, p = report["machine"], report["corpus"], report["params"]
    lines = []
    title = "skipgram vs gensim"
    if report["smoke"]:
        title += " — SMOKE RUN (prefix of the corpus and/or fewer epochs: NOT for README claims)"
    lines += [f"# {title}", ""]
    if report.get("note"):
        lines += [report["note"], ""]
    lines += [
        f"- date: {m['date']}; host {m['host']}; {m['cpu']}, {m['logical_cores']} logical cores "
        f"({m['usable_cores']} usable), {m['memory_gb']} GB; load average at start {m['loadavg_start']}, "
        f"at end {report.get('loadavg_end')}",
        "- versions: python "
        + m["python"]
        + ", "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v),
        f"- skipgram git commit {m['git'].get('commit', '?')[:12]}"
        + (" (src/ had uncommitted changes)" if m["git"].get("src_dirty") else ""),
        f"- corpus: {c['source']}"
        + (f", first {c['max_words']:,} tokens" if c["max_words"] else "")
        + f" → {c['tokens']:,} tokens, {c['lines']:,} line(s), decompressed once to a temp file read by all"
        " engines;"
        f" gensim reads it with {report['gensim_reader_name']}",
        f"- parameters: skip-gram, negative {p['negative']}, window {p['window']}, sample {p['sample']:g}, "
        f"min_count {p['min_count']}, dim {p['dim']}, epochs {p['epochs']}, seed {p['seed']}; "
        f"repeats {report['repeats']} (speed: median, min–max; quality and vocab: first run; "
        "peak RSS: max over runs)",
        f"- words/s = corpus tokens ({c['tokens']:,}, out-of-vocabulary included) × epochs / training "
        "seconds, "
        "the same for every engine; effective words/s = words kept after min_count and subsampling / "
        "training seconds; × gensim = raw words/s ÷ gensim's at the same workers",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
    ]
    for row in report["rows"]:
        lines.append("| " + " | ".join(table_cells(row)) + " |")
    lines.append("")
    deltas = [r for r in report["rows"] if "analogy_points_vs_gensim" in r and r["engine"] != REFERENCE]
    if deltas:
        lines += ["Quality vs gensim (same workers, first runs):", ""]
        for r in deltas:
            lines.append(
                f"- {r['engine']} × {r['workers']}: analogy {r['analogy_points_vs_gensim']:+.1f} points, "
                f"WordSim ρ {r['wordsim_vs_gensim']:+.3f}"
            )
        lines.append("")
    jit = report.get("jit_check")
    if jit:
        lines += [
            "First-call JIT check (tiny corpus, two fresh processes sharing an empty numba cache folder):",
            "",
            "| run | process wall s | import + fit s | status |",
            "|---|---|---|---|",
        ]
        for r in jit["runs"]:
            lines.append(
                f"| {r['run']} | {_fmt(r.get('process_wall_s'), '.2f')} "
                f"| {_fmt(r.get('in_process_s'), '.2f')} "
                f"| {r['status'] if r['status'] == 'ok' else 'FAILED: ' + r.get('error', '')} |"
            )
        lines.append("")
    lines.append(f"Command: `{report['command']}`")
    lines.append("")
    return "\n".join(lines)


def write_report(report: dict, results_dir: Path, name: str) -> tuple[Path, Path]:
    results_dir.mkdir(parents=True, exist_ok=True)
    md_path, json_path = results_dir / f"{name}.md", results_dir / f"{name}.json"
    md_path.write_text(markdown(report), encoding="utf-8")
    json_path.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    return md_path, json_path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="text file (.gz ok); default %(default)s"
    )
    ap.add_argument("--max-words", type=int, default=None, help="benchmark on the first N tokens only")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--engines", default=DEFAULT_ENGINES, help=f"comma-separated from {', '.join(ENGINES)}")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-3)
    ap.add_argument("--negative", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    ap.add_argument("--wordsim", type=Path, default=DEFAULT_WORDSIM)
    ap.add_argument("--restrict-vocab", type=int, default=30000, help="analogy candidates (C tool rule)")
    ap.add_argument(
        "--gensim-reader", choices=("auto", "text8", "line"), default="auto",
        help="gensim input: Text8Corpus or LineSentence; auto = Text8Corpus for a one-line file",
    )  # fmt: skip
    ap.add_argument("--torch-device", default="cpu", help="device for skipgram-torch (default cpu)")
    ap.add_argument(
        "--timeout", type=float, default=3 * 3600, help="seconds per engine run before it counts as failed"
    )
    ap.add_argument("--no-jit-check", action="store_true", help="skip the first-call JIT check")
    ap.add_argument("--no-warmup", action="store_true", help="do not pre-compile numba kernels before timing")
    ap.add_argument("--results-dir", type=Path, default=HERE / "results")
    ap.add_argument("--name", default=None, help="output file stem (default from date and corpus size)")
    ap.add_argument("--note", default=None, help="a line of text to put at the top of the report")
    ap.add_argument("--tmp-dir", type=Path, default=None, help="where the decompressed corpus goes")
    ap.add_argument("--keep-tmp", action="store_true")
    args = ap.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in args.engines if e not in ENGINES]
    if unknown:
        ap.error(f"unknown engine(s) {', '.join(unknown)}; choose from {', '.join(ENGINES)}")
    if args.repeats < 1 or args.epochs < 1 or any(w < 1 for w in args.workers):
        ap.error("--repeats, --epochs and --workers must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--child"]:
        return child_main(argv[1])
    args = parse_args(argv)
    smoke = bool(args.max_words) or args.epochs != 5 or args.corpus.resolve() != DEFAULT_CORPUS.resolve()
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M")
    name = (
        args.name or f"{stamp}-{'prefix' + str(args.max_words) if args.max_words else 'full'}-e{args.epochs}"
    )
    params = {
        "dim": args.dim, "window": args.window, "min_count": args.min_count, "sample": args.sample,
        "negative": args.negative, "epochs": args.epochs, "seed": args.seed,
    }  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix="bench_vs_gensim_", dir=args.tmp_dir))
    report: dict = {
        "smoke": smoke,
        "note": args.note,
        "command": shlex.join(["python", "bench/bench_vs_gensim.py", *argv]),
        "machine": machine_info(),
        "source_fingerprint": source_fingerprint(),
        "params": params,
        "repeats": args.repeats,
        "engines": args.engines,
        "workers": args.workers,
        "runs": [],
        "rows": [],
    }
    md_path = json_path = None
    try:
        print(f"preparing corpus from {args.corpus} ...", flush=True)
        corpus_path = tmp / "corpus.txt"
        info = prepare_corpus(args.corpus, args.max_words, corpus_path)
        report["corpus"] = {"source": str(args.corpus), "max_words": args.max_words, **info}
        reader = args.gensim_reader
        if reader == "auto":
            reader = "text8" if info["lines"] <= 1 else "line"
        report["gensim_reader"] = reader
        report["gensim_reader_name"] = {"text8": "Text8Corpus", "line": "LineSentence"}[reader] + (
            " (corpus_file= for gensim-corpusfile)" if "gensim-corpusfile" in args.engines else ""
        )
        print(f"  {info['tokens']:,} tokens, {info['lines']:,} line(s)", flush=True)

        if not args.no_jit_check:
            print("first-call JIT check ...", flush=True)
            report["jit_check"] = jit_check(tmp, min(args.timeout, 600))
            for r in report["jit_check"]["runs"]:
                print(
                    f"  {r['run']}: {r.get('process_wall_s', float('nan')):.2f} s {r['status']}", flush=True
                )

        # Compile (or load) every numba kernel in use before timing, so that compilation lands in no
        # timed run. Loading from numba's on-disk cache still happens inside the first epoch.
        warm = [
            e for e in args.engines if ENGINES[e][0] == "skipgram" and ENGINES[e][1].get("backend") == "numba"
        ]
        if warm and not args.no_warmup:
            tiny = tmp / "warmup_corpus.txt"
            make_tiny_corpus(tiny)
            for engine in warm:
                spec = {
                    "engine": engine, "params": {**params, "workers": 2, "epochs": 1}, "corpus": str(tiny),
                    "out_dir": str(tmp / f"warmup-{engine}"), "tmp_dir": str(tmp), "gensim_reader": reader,
                }  # fmt: skip
                r = run_child(spec, min(args.timeout, 600))
                print(f"warm-up {engine}: {r['wall_s']:.1f} s {r['status']} {r.get('error', '')}", flush=True)

        for repeat in range(args.repeats):
            for workers in args.workers:
                for engine in args.engines:
                    out_dir = tmp / f"run-{engine}-w{workers}-r{repeat}"
                    spec = {
                        "engine": engine, "params": {**params, "workers": workers},
                        "corpus": str(corpus_path), "out_dir": str(out_dir), "tmp_dir": str(tmp),
                        "gensim_reader": reader,
                        "torch_device": args.torch_device,
                    }  # fmt: skip
                    print(
                        f"[{repeat + 1}/{args.repeats}] {engine} workers={workers} ...", end=" ", flush=True
                    )
                    result = run_child(spec, args.timeout)
                    result.update(
                        engine=engine, workers=workers, repeat=repeat,
                        expected_raw_words=info["tokens"] * args.epochs,
                    )  # fmt: skip
                    if result["status"] == "ok":
                        evaluated = any(
                            r.get("quality") and r["engine"] == engine and r["workers"] == workers
                            for r in report["runs"]
                        )
                        if not evaluated:  # quality from the first successful run
                            try:
                                result["quality"] = evaluate(
                                    out_dir, args.questions, args.wordsim, args.restrict_vocab
                                )
                            except Exception as exc:  # a broken vector file must not lose the table
                                result["quality_error"] = f"{type(exc).__name__}: {exc}"
                        speed = info["tokens"] * args.epochs / result["train_s"]
                        print(
                            f"train {result['train_s']:.1f} s, {speed:,.0f} words/s, "
                            f"peak RSS {result['peak_rss_mb']:.0f} MB",
                            *run_warnings(result, report["source_fingerprint"]),
                            flush=True,
                        )
                    else:
                        print(f"FAILED: {result['error']}", flush=True)
                    shutil.rmtree(out_dir, ignore_errors=True)
                    report["runs"].append(result)
                    report["rows"] = summarise(
                        report["runs"], args.engines, args.workers, info["tokens"], args.epochs,
                        report["source_fingerprint"],
                    )  # fmt: skip
                    report["loadavg_end"] = _loadavg()
                    md_path, json_path = write_report(report, args.results_dir, name)  # after every run
    except KeyboardInterrupt:
        report["interrupted"] = True
        print("\ninterrupted: writing what was measured", flush=True)
    except Exception:
        report["harness_error"] = traceback.format_exc()
        print(report["harness_error"], file=sys.stderr, flush=True)
    finally:
        report["loadavg_end"] = _loadavg()
        if "corpus" in report:
            md_path, json_path = write_report(report, args.results_dir, name)
        if not args.keep_tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    if md_path is not None:
        print()
        print(md_path.read_text(encoding="utf-8"))
        print(f"written: {md_path} and {json_path}")
    return 1 if report.get("harness_error") or not report["rows"] else 0


if __name__ == "__main__":
    sys.exit(main())
