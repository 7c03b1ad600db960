"""Where this process stands in a multi-process launch (``torchrun``): rank, world size, the process group.

The CLI and the model ask these questions on every run, so this module never imports torch unless a
launcher set the environment up for it, and never imports a training engine: a numba-only run would
otherwise pay ~200 MB of resident memory just to ask "am I rank 0?".
"""

from __future__ import annotations

import datetime
import logging
import os
import sys

logger = logging.getLogger("skipgram.engines.distributed")

DEFAULT_TIMEOUT = 120.0  # seconds a collective may wait for a peer


def _dist():
    try:
        import torch.distributed as dist
    except ModuleNotFoundError as exc:
        raise ImportError("distributed training needs PyTorch: pip install 'skipgram[torch]'") from exc
    return dist


def launched_by_torchrun() -> bool:
    """True when the environment describes a multi-process launch (``WORLD_SIZE`` > 1)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "RANK" in os.environ


def is_distributed() -> bool:
    """True when a process group of more than one rank is initialised.

    A process group exists only if ``torch.distributed`` was imported, so this never imports torch
    (a numba-only run would otherwise pay ~200 MB of resident memory just to ask).
    """
    dist = sys.modules.get("torch.distributed")
    if dist is None:
        return False
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank() -> int:
    """This process's rank (0 outside distributed training)."""
    if is_distributed():
        return _dist().get_rank()
    return int(os.environ.get("RANK", "0")) if launched_by_torchrun() else 0


def world_size() -> int:
    if is_distributed():
        return _dist().get_world_size()
    return int(os.environ.get("WORLD_SIZE", "1")) if launched_by_torchrun() else 1


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0"))


def is_main_process() -> bool:
    """Only rank 0 writes outputs and checkpoints."""
    return rank() == 0


def barrier() -> None:
    if is_distributed():
        _dist().barrier()


def init(device: str | None = None, *, timeout: float | None = None) -> bool:
    """Join the process group described by the environment (``torchrun`` sets it).

    gloo for CPU training, NCCL when ``device`` is CUDA (or unset and CUDA is present); each rank
    then uses GPU ``LOCAL_RANK``. Returns True when this process is now part of a group of more
    than one rank; does nothing outside a multi-process launch. ``timeout`` (default
    ``SKIPGRAM_DIST_TIMEOUT`` or 120 s) bounds every collective.
    """
    if not launched_by_torchrun():
        return False
    dist = _dist()
    if dist.is_initialized():
        return dist.get_world_size() > 1
    import torch

    timeout = float(timeout or os.environ.get("SKIPGRAM_DIST_TIMEOUT", DEFAULT_TIMEOUT))
    use_cuda = (device or "").startswith("cuda") or (device is None and torch.cuda.is_available())
    if use_cuda:
        torch.cuda.set_device(local_rank())
    backend = "nccl" if use_cuda else "gloo"
    delta = datetime.timedelta(seconds=timeout)
    store = _attempt_store(dist, delta)
    if store is None:
        dist.init_process_group(backend, timeout=delta)
    else:
        dist.init_process_group(backend, store=store, rank=rank(), world_size=world_size(), timeout=delta)
    logger.info(
        "rank %d of %d joined the %s process group (timeout %.0f s)",
        dist.get_rank(),
        dist.get_world_size(),
        backend,
        timeout,
    )
    return dist.get_world_size() > 1


def _attempt_store(dist, timeout: datetime.timedelta):
    """The rendezvous store of this restart attempt, under a prefix of its own; None outside torchrun.

    torchrun (``--max-restarts``) hands every attempt the same TCP store, and ``env://`` adds no
    per-attempt prefix: a restarted rank could read the address a dead rank of the previous attempt
    published there and connect to a closed port (gloo: "connectFullMesh failed ... Connection
    refused", cf. pytorch#167288). Prefixing the keys with ``TORCHELASTIC_RESTART_COUNT`` makes every
    rank of an attempt read only what that attempt wrote.
    """
    attempt = os.environ.get("TORCHELASTIC_RESTART_COUNT")
    if attempt is None or "MASTER_ADDR" not in os.environ or "MASTER_PORT" not in os.environ:
        return None
    # the agent hosts the store when it shares its own (TORCHELASTIC_USE_AGENT_STORE), else rank 0 does
    agent_hosts = os.environ.get("TORCHELASTIC_USE_AGENT_STORE") == "True"
    store = dist.TCPStore(
        os.environ["MASTER_ADDR"],
        int(os.environ["MASTER_PORT"]),
        world_size(),
        is_master=not agent_hosts and rank() == 0,
        timeout=timeout,
        multi_tenant=not agent_hosts,
    )
    return dist.PrefixStore(f"skipgram/attempt_{attempt}", store)


def shutdown() -> None:
    """Leave the process group (safe to call when none is initialised; never imports torch)."""
    dist = sys.modules.get("torch.distributed")
    if dist is None:
        return
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
