"""Smoke test of bench/bench_vs_gensim.py on a tiny synthetic corpus (seconds, no real data)."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_vs_gensim.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_vs_gensim", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def data(tmp_path):
    rng = random.Random(0)
    words = [f"w{i}" for i in range(200)]
    tokens = rng.choices(words, [1.0 / (i + 1) for i in range(200)], k=30000)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(" ".join(tokens) + "\n")  # one line, text8-style
    questions = tmp_path / "questions.txt"
    questions.write_text(": family\nw1 w2 w3 w4\nw5 w6 w7 w8\n: gram1-x\nw2 w4 w6 w8\nw1 zz w3 w4\n")
    wordsim = tmp_path / "wordsim.tsv"
    wordsim.write_text("# comment\n" + "".join(f"w{i}\tw{i + 1}\t{i % 7}.5\n" for i in range(20)))
    return {"corpus": corpus, "questions": questions, "wordsim": wordsim, "dir": tmp_path}


def _args(data, name, *extra):
    return [
        "--corpus", str(data["corpus"]), "--questions", str(data["questions"]),
        "--wordsim", str(data["wordsim"]), "--epochs", "1", "--workers", "1", "--dim", "16",
        "--no-jit-check", "--no-warmup", "--results-dir", str(data["dir"] / "results"), "--name", name,
        "--tmp-dir", str(data["dir"]), *extra,
    ]  # fmt: skip


def _table_rows(markdown: str) -> list[list[str]]:
    lines = [ln for ln in markdown.splitlines() if ln.startswith("| engine |")]
    assert len(lines) == 1
    start = markdown.splitlines().index(lines[0])
    rows = []
    for line in markdown.splitlines()[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_harness_writes_table(bench, data):
    pytest.importorskip("gensim")
    code = bench.main(_args(data, "smoke", "--engines", "skipgram,gensim", "--max-words", "20000"))
    assert code == 0
    report = json.loads((data["dir"] / "results" / "smoke.json").read_text())
    assert report["smoke"] is True
    assert report["corpus"]["tokens"] == 20000
    assert report["gensim_reader"] == "text8"
    assert {"cpu", "python", "versions", "date"} <= set(report["machine"])
    rows = {(r["engine"], r["workers"]): r for r in report["rows"]}
    assert set(rows) == {("skipgram", 1), ("gensim", 1)}
    for row in rows.values():
        assert row["status"].startswith("ok"), row["status"]
        assert row["vocab_size"] == rows[("gensim", 1)]["vocab_size"]  # same vocabulary rule
        assert row["raw_words_per_s"] > 0 and row["peak_rss_mb"] > 0
        assert row["quality"]["analogy_total"] == 3  # the question with "zz" is skipped
        assert row["quality"]["wordsim_pairs"] == 20
    assert rows[("gensim", 1)]["ratio_vs_gensim"] == pytest.approx(1.0)
    for run in report["runs"]:  # words/s uses the harness's token count, which the engines agree with
        assert run["engine_raw_words"] == 20000

    table = _table_rows((data["dir"] / "results" / "smoke.md").read_text())
    header = (data["dir"] / "results" / "smoke.md").read_text()
    assert "SMOKE RUN" in header
    assert [r[:2] for r in table] == [["skipgram", "1"], ["gensim", "1"]]
    assert all(len(r) == len(bench.COLUMNS) for r in table)


def test_failed_engine_is_recorded(bench, data):
    code = bench.main(_args(data, "fail", "--engines", "skipgram,gensim", "--timeout", "0.01"))
    assert code == 0
    report = json.loads((data["dir"] / "results" / "fail.json").read_text())
    assert [r["status"] for r in report["rows"]] == ["FAILED: timed out after 0.01 s"] * 2
    table = _table_rows((data["dir"] / "results" / "fail.md").read_text())
    assert len(table) == 2 and all(r[-1].startswith("FAILED") for r in table)


def test_prefix_keeps_lines_and_counts_tokens(bench, tmp_path):
    source = tmp_path / "multi.txt"
    source.write_text("a b c\nd e\n\nf g h i\n")
    out = tmp_path / "out.txt"
    assert bench.prepare_corpus(source, 6, out)["tokens"] == 6
    assert out.read_text() == "a b c\nd e\n\nf\n"
    assert bench.prepare_corpus(source, None, out) == {
        "tokens": 9,
        "lines": 4,
        "bytes": source.stat().st_size,
    }
