"""Runners: how jobs reach workers (in-process, local processes, Ray actors)."""

from __future__ import annotations

from zsvad.batch.job import WorkerSpec
from zsvad.batch.runners.base import BatchError, Runner, WorkerStartError

RUNNERS = ("local", "ray", "serial")

__all__ = ["RUNNERS", "BatchError", "Runner", "WorkerStartError", "make_runner"]


def make_runner(name: str, spec: WorkerSpec, workers: int, **kw) -> Runner:
    """Build runner ``name`` (``local``, ``ray`` or ``serial``) for ``workers`` workers."""
    if name == "serial":
        from zsvad.batch.runners.serial import SerialRunner

        return SerialRunner(spec)
    if name == "local":
        from zsvad.batch.runners.local import LocalRunner

        return LocalRunner(spec, workers, gpu_ids=kw.get("gpu_ids"))
    if name == "ray":
        from zsvad.batch.runners.ray_runner import RayRunner

        return RayRunner(
            spec,
            workers,
            address=kw.get("address"),
            num_gpus=kw.get("gpus_per_worker") or 0.0,
            num_cpus=kw.get("cpus_per_worker") or 1.0,
        )
    raise BatchError(f"unknown runner '{name}'; use one of {', '.join(RUNNERS)}")
