"""bench/gpu_check.py --quick end to end on the CUDA simulator: every stage runs and is reported."""

from __future__ import annotations

import importlib.util
import json
import os
import random
from pathlib import Path

import pytest

pytest.importorskip("numba.cuda", reason="needs numba-cuda: pip install 'skipgram[cuda]'")
pytest.importorskip("torch", reason="the check also times the torch engine")

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "gpu_check.py"

pytestmark = [
    pytest.mark.cudasim,
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
    pytest.mark.skipif(os.environ.get("NUMBA_ENABLE_CUDASIM") != "1", reason="runs on the CUDA simulator"),
]


def test_quick_run_writes_every_stage(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "compile_report", lambda: {"skipped": "tested in test_cuda_compile.py"})
    rng = random.Random(0)
    corpus = tmp_path / "corpus.txt"
    words = [f"w{i}" for i in range(12)]
    corpus.write_text("".join(" ".join(rng.choices(words, k=20)) + "\n" for _ in range(20)))
    out = tmp_path / "out"
    assert module.main([str(corpus), str(out), "--quick", "--max-words", "60", "--scaling-words", "40"]) == 0

    results = json.loads((out / "gpu_check.json").read_text())
    runs = results["runs"]
    expected = {"cuda", "numba", "torch (cpu)", "numba scaling 1t", "torch softmax (cpu), first 40 words",
                "cuda 4 threads/block"}  # fmt: skip
    assert set(runs) in (expected, expected | {"numba scaling 2t"})  # 1 core or more
    for name, run in runs.items():
        assert "error" not in run and "skipped" not in run, (name, run)
        assert run["raw_words_per_second"] > 0 and run["train_seconds"] > 0
    assert runs["cuda"]["n_launches"] == 1  # 60 words: one piece of whole sentences, one launch
    assert runs["cuda"]["kernel_seconds"] > 0
    assert "analogy_percent" in runs["cuda"]["quality"] and "quality" not in runs["numba scaling 1t"]
    assert results["corpus"]["words"] == 60  # the first three 20-word lines
    table = (out / "gpu_check.md").read_text()
    assert "| cuda | 1 |" in table and "| numba | 1 |" in table
