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
    corpus.write_text(" ".join(rng.choices([f"w{i}" for i in range(12)], k=400)) + "\n")
    out = tmp_path / "out"
    assert module.main([str(corpus), str(out), "--quick", "--max-words", "60", "--scaling-words", "40"]) == 0

    results = json.loads((out / "gpu_check.json").read_text())
    runs = results["runs"]
    assert set(runs) == {
        "cuda", "numba", "torch (cpu)", "numba scaling 1t", "numba scaling 2t", "cuda 4 threads/block",
    } or set(runs) == {"cuda", "numba", "torch (cpu)", "numba scaling 1t", "cuda 4 threads/block"}  # 1 core
    for name, run in runs.items():
        assert "error" not in run and "skipped" not in run, (name, run)
        assert run["raw_words_per_second"] > 0 and run["train_seconds"] > 0
    assert runs["cuda"]["n_launches"] >= 2  # 60 words, pieces of <= 1024 words, 4 pieces per launch... >= 1
    assert runs["cuda"]["kernel_seconds"] > 0
    assert "analogy_percent" in runs["cuda"]["quality"] and "quality" not in runs["numba scaling 1t"]
    assert results["corpus"]["words"] <= 60
    table = (out / "gpu_check.md").read_text()
    assert "| cuda | 1 |" in table and "| numba | 1 |" in table
