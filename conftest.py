"""pytest setup for the whole checkout (``testpaths``: the tests and the package's docstring examples).

The modules that import PyTorch at import time cannot even be collected for their doctests without it;
their tests skip the same way (``pytest.importorskip("torch")``). CI installs the torch extra, so there
they all run.
"""

from __future__ import annotations

import importlib.util

collect_ignore_glob = []
if importlib.util.find_spec("torch") is None:
    collect_ignore_glob += [
        "src/skipgram/engines/pytorch/model.py",
        "src/skipgram/engines/pytorch/trainer.py",
    ]
