"""Smoke test of bench/bench_gensim_script.py on a tiny corpus: both imports run the same script."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_gensim_script.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_gensim_script", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_prepare_corpus_cuts_lines_and_stops_at_max_words(bench, tmp_path):
    source = tmp_path / "one-line.txt"
    source.write_text(" ".join(f"w{i}" for i in range(2500)))
    assert bench.prepare_corpus(source, 2100, tmp_path / "out.txt", words_per_line=1000) == 2100
    lines = (tmp_path / "out.txt").read_text().splitlines()
    assert [len(line.split()) for line in lines] == [1000, 1000, 100]


def test_both_imports_run_the_script_and_the_report_has_the_ratio(bench, tmp_path):
    rng = random.Random(0)
    words = ["king", "queen", "man", "woman", "france", "germany", "two", "three"]
    words += [f"w{i}" for i in range(300)]
    weights = [1.0 / (i + 1) for i in range(len(words))]
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(" ".join(rng.choices(words, weights, k=30000)))
    questions = tmp_path / "q.txt"
    questions.write_text(": family\nman king woman queen\n")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("king\tqueen\t8\nman\twoman\t7\ntwo\tthree\t6\nfrance\tking\t1\n")
    results = tmp_path / "results"
    argv = ["--corpus", str(corpus), "--questions", str(questions), "--wordsim", str(pairs),
            "--max-words", "0", "--workers", "1", "--repeats", "1", "--name", "smoke",
            "--results", str(results)]  # fmt: skip
    assert bench.main(argv) == 0
    report = json.loads((results / "smoke.json").read_text())
    assert report["tokens"] == 30000
    assert set(report["runs"]) == {"gensim", "skipgram"}
    for engine in ("gensim", "skipgram"):
        assert report["runs"][engine][0]["vocab"] > 100
    assert report["summary"]["ratio_train_s"] > 0
    assert "from skipgram.gensim import" not in report["script"]  # one template, the import filled in
    assert "× training time" in (results / "smoke.md").read_text().replace("**", "")
