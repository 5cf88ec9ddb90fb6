"""Size the worker pool to the machine."""

from __future__ import annotations

import os
from typing import Any

#: memory a worker is assumed to need when sizing the pool by RAM (GiB)
WORKER_MEMORY_GIB = 4.0


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def memory_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 8.0


def uses_gpu(config: dict[str, Any]) -> bool:
    """True if any ``device`` field of the (dumped) config names a CUDA device."""
    for key, value in config.items():
        if isinstance(value, dict) and uses_gpu(value):
            return True
        if key == "device" and isinstance(value, str) and value.startswith("cuda"):
            return True
    return False


def visible_gpus() -> list[str]:
    """Ids of the visible CUDA devices (CUDA_VISIBLE_DEVICES, else torch's count)."""
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None:
        return [d.strip() for d in env.split(",") if d.strip() and d.strip() != "-1"]
    try:
        import torch

        return [str(i) for i in range(torch.cuda.device_count())]
    except ImportError:
        return []


def plan_workers(
    config: dict[str, Any], jobs: int, workers: int | None = None
) -> tuple[int, int, list[str]]:
    """``(workers, threads per worker, gpu ids)`` for ``jobs`` jobs.

    GPU configs get one worker per visible GPU. On CPU, a worker per two cores (torch's
    intra-op threads help up to a few cores per model), capped by RAM at
    :data:`WORKER_MEMORY_GIB` per worker; each worker gets ``cores // workers`` threads.
    """
    cpus = cpu_count()
    gpus = visible_gpus() if uses_gpu(config) else []
    if workers is None:
        if gpus:
            workers = len(gpus)
        else:
            workers = max(1, min(cpus // 2, int(memory_gib() // WORKER_MEMORY_GIB)))
    workers = max(1, min(workers, jobs)) if jobs else max(1, workers)
    return workers, max(1, cpus // workers), gpus
