"""Test-session setup.

The CUDA engine's tests run its kernels on numba's CUDA simulator. numba reads NUMBA_ENABLE_CUDASIM when
``numba.cuda`` is first imported, and any test module may import numba first, so it is set here, before
collection. ``setdefault``: run with NUMBA_ENABLE_CUDASIM=0 to test on a real GPU instead (the simulator
tests then skip). Only numba.cuda reads the variable; the numba CPU engine is unaffected.
"""

import os

os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
