"""Batch scoring of video archives: resumable, fault-isolated, on local workers or Ray.

``run_batch(inputs, out_dir, config, BatchOptions(...))`` is the API behind ``zsvad batch``;
see docs/batch.md. Layers: inputs (what to score) → keys (content + config) → jobs → a runner
(serial, local processes, Ray actors) with workers holding one pipeline each → the result store.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BatchItem", "BatchOptions", "BatchReport", "discover_inputs", "run_batch"]


def __getattr__(name: str) -> Any:
    if name in {"BatchOptions", "BatchReport", "run_batch"}:
        from zsvad.batch import run

        return getattr(run, name)
    if name in {"BatchItem", "discover_inputs"}:
        from zsvad.batch import inputs

        return getattr(inputs, name)
    raise AttributeError(f"module 'zsvad.batch' has no attribute {name!r}")
