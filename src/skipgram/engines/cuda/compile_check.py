"""Compile the CUDA engine's kernel for a GPU architecture without a GPU, and read ptxas's resource report.

    python -m skipgram.engines.cuda.compile_check [--cc 9.0] [--dim 100] [--window 5] [--negative 5]

numba-cuda turns the kernel into PTX (NVVM, no device needed), then ``ptxas -arch=sm_XY -v`` assembles
it and reports registers, spills, stack frame and shared memory per thread/block. Prints one JSON object.
Needs numba-cuda with NVVM and NVRTC libraries and ``ptxas`` on the PATH; must run with
``NUMBA_ENABLE_CUDASIM`` unset or 0 (the simulator has no compiler).

Examples
--------
>>> parse_ptxas_report("ptxas info    : Used 40 registers, used 0 barriers, 24 bytes cumulative stack "
...     "size, 9604 bytes smem\\n      8 bytes stack frame, 4 bytes spill stores, 4 bytes spill loads")
{'registers': 40, 'spill_store_bytes': 4, 'spill_load_bytes': 4, 'stack_frame_bytes': 8, 'shared_bytes': 9604}
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_FIELDS = {
    "registers": r"Used (\d+) registers",
    "spill_store_bytes": r"(\d+) bytes spill stores",
    "spill_load_bytes": r"(\d+) bytes spill loads",
    "stack_frame_bytes": r"(\d+) bytes stack frame",
    "shared_bytes": r"(\d+) bytes smem",
}


def parse_ptxas_report(text: str) -> dict[str, int]:
    """The numbers of ``ptxas -v`` output for one kernel (0 for a field it does not print)."""
    out = {}
    for name, pattern in _FIELDS.items():
        match = re.search(pattern, text)
        out[name] = int(match.group(1)) if match else 0
    return out


def kernel_ptx(
    cc: tuple[int, int], dim: int, window: int, negative: int, threads: int, piece_words: int
) -> str:
    from numba import cuda

    from .kernels import KERNEL_SIGNATURE, skipgram_negative_kernel

    dispatcher = skipgram_negative_kernel(dim, window, negative, threads, piece_words)
    ptx, _ = cuda.compile_ptx(dispatcher.py_func, KERNEL_SIGNATURE, cc=cc)
    return ptx


def compile_report(
    cc: tuple[int, int] = (9, 0), dim: int = 100, window: int = 5, negative: int = 5, threads: int = 64,
    piece_words: int = 1024,
) -> dict:  # fmt: skip
    """PTX for ``cc``, assembled by ptxas: registers, spills, stack and shared memory of the kernel."""
    ptxas = shutil.which("ptxas")
    if ptxas is None:
        raise FileNotFoundError("ptxas is not on the PATH")
    ptx = kernel_ptx(cc, dim, window, negative, threads, piece_words)
    arch = f"sm_{cc[0]}{cc[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "kernel.ptx"
        source.write_text(ptx)
        done = subprocess.run(
            [ptxas, f"-arch={arch}", "-v", str(source), "-o", str(Path(tmp) / "kernel.cubin")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"ptxas failed for {arch}: {done.stderr.strip()[:2000]}")
    report = parse_ptxas_report(done.stderr + done.stdout)
    version = re.search(r"release ([\d.]+)", subprocess.run([ptxas, "--version"], capture_output=True,
                                                            text=True, check=False).stdout)  # fmt: skip
    report.update(
        arch=arch, dim=dim, window=window, negative=negative, threads=threads, piece_words=piece_words,
        ptxas=version.group(1) if version else None, ptx_lines=ptx.count("\n"),
    )  # fmt: skip
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cc", default="9.0", help="compute capability, e.g. 9.0 for Hopper")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negative", type=int, default=5)
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--piece-words", type=int, default=1024)
    args = parser.parse_args(argv)
    major, minor = (int(x) for x in args.cc.split("."))
    report = compile_report(
        (major, minor), args.dim, args.window, args.negative, args.threads, args.piece_words
    )
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
