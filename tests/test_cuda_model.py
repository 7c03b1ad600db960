"""``Word2Vec(backend="cuda")`` end to end on numba's CUDA simulator (tests/conftest.py turns it on)."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

pytest.importorskip("numba.cuda", reason="needs numba-cuda: pip install 'skipgram[cuda]'")

from skipgram import Word2Vec
from skipgram.engines import engine_names, get_engine
from skipgram.errors import ParameterError

pytestmark = [
    pytest.mark.cudasim,
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
    pytest.mark.skipif(os.environ.get("NUMBA_ENABLE_CUDASIM") != "1", reason="runs on the CUDA simulator"),
]


@pytest.fixture(scope="module", autouse=True)
def few_threads():
    """Each simulated GPU thread is a Python thread: train with 4 per block instead of 64."""
    from skipgram.engines import register
    from skipgram.engines.cuda.spec import CudaOptions

    @dataclasses.dataclass(frozen=True)
    class SimulatorOptions(CudaOptions):
        threads_per_block: int = 4

    spec = get_engine("cuda")
    register(dataclasses.replace(spec, options=SimulatorOptions), replace=True)
    yield
    register(spec, replace=True)


KWARGS = dict(backend="cuda", vector_size=3, window=2, negative=2, min_count=1, epochs=2, sample=0, seed=5,
              progress=False)  # fmt: skip


def _sentences(n=6, length=8, seed=0):
    rng = np.random.default_rng(seed)
    return [[f"w{(i % 2) * 6 + int(x)}" for x in rng.integers(0, 6, size=length)] for i in range(n)]


@pytest.fixture(scope="module")
def trained(few_threads):
    return Word2Vec(**KWARGS).fit(_sentences())


def test_cuda_is_registered_and_refuses_what_it_cannot_train():
    assert "cuda" in engine_names()
    spec = get_engine("cuda")
    assert spec.capabilities.supports("skipgram", "negative")
    assert not spec.capabilities.supports("cbow", "negative")
    with pytest.raises(ParameterError, match="backend='cuda' does not train architecture='cbow'"):
        Word2Vec(backend="cuda", architecture="cbow", min_count=1, progress=False).fit(_sentences())
    with pytest.raises(ParameterError, match="shared_negatives=True"):
        Word2Vec(backend="cuda", shared_negatives=False, min_count=1, progress=False).fit(_sentences())


def test_fit_trains_reports_and_is_reproducible(trained):
    from skipgram._setup import initial_matrices

    assert trained.wv_.vectors.shape == (12, 3)
    assert len(trained.loss_history_) == 2 and all(np.isfinite(trained.loss_history_))
    assert trained.training_log_[0]["words_per_second"] > 0
    w_in, _ = initial_matrices(12, 3, 5, 12)
    assert np.abs(trained.input_vectors_ - w_in).max() > 1e-3  # it trained
    assert np.abs(trained.output_vectors_).max() > 1e-3  # W' starts at zero
    # The simulator runs blocks in order, so two runs are identical (a GPU races: not bit-exact there).
    again = Word2Vec(**KWARGS).fit(_sentences())
    np.testing.assert_array_equal(again.input_vectors_, trained.input_vectors_)
    np.testing.assert_array_equal(again.output_vectors_, trained.output_vectors_)


def test_checkpoint_resume_matches_an_uninterrupted_run(trained, tmp_path):
    path = tmp_path / "run.ckpt"
    Word2Vec(**KWARGS).fit(_sentences(), checkpoint=path, callbacks=[lambda model, info: True])  # 1 epoch
    resumed = Word2Vec(**KWARGS).fit(_sentences(), checkpoint=path)
    assert len(resumed.loss_history_) == 2
    np.testing.assert_array_equal(resumed.input_vectors_, trained.input_vectors_)
