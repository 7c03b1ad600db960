"""The CUDA engine's kernel compiles for Hopper (sm_90) with no GPU: NVVM makes PTX, ptxas assembles it.

Runs in a subprocess, because the rest of the test session uses numba's CUDA simulator
(tests/conftest.py), which has no compiler. Skips, saying which, where numba-cuda, NVVM/NVRTC or ptxas
is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from skipgram.engines.cuda.compile_check import parse_ptxas_report

PROBE = (  # the smallest compile: needs NVVM, and NVRTC for the architecture list
    "from numba import cuda\ndef f(x):\n    x[0] = 1\ncuda.compile_ptx(f, 'void(int32[:])', cc=(9, 0))\n"
)


def _toolchain_problem() -> str | None:
    if shutil.which("ptxas") is None:
        return "ptxas is not on the PATH (install the CUDA toolkit)"
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "0"}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return f"numba-cuda cannot reach NVVM/NVRTC here ({last[:200]}); pip install 'skipgram[cuda]'"
    return None


def test_parse_ptxas_report_reads_every_field():
    text = "ptxas info : Used 96 registers, 15436 bytes smem\n 16 bytes stack frame, 8 bytes spill stores"
    assert parse_ptxas_report(text) == {
        "registers": 96, "spill_store_bytes": 8, "spill_load_bytes": 0, "stack_frame_bytes": 16,
        "shared_bytes": 15436,
    }  # fmt: skip


def test_kernel_compiles_for_sm90_without_spills():
    problem = _toolchain_problem()
    if problem:
        pytest.skip(problem)
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "skipgram.engines.cuda.compile_check", "--cc", "9.0"],
        capture_output=True, text=True, env=env, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    print("sm_90 kernel:", report)  # shown with -s / in CI logs: registers, spills, shared memory
    assert report["arch"] == "sm_90"
    assert 0 < report["registers"] <= 255
    assert report["spill_store_bytes"] == 0 and report["spill_load_bytes"] == 0
    # The static shared memory is what kernels.shared_bytes predicts (the check_sizes limit relies on it).
    from skipgram.engines.cuda.kernels import shared_bytes

    assert abs(report["shared_bytes"] - shared_bytes(100, 5, 5, 64, 1024)) <= 64
