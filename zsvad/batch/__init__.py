"""Batch scoring of video archives: resumable, fault-isolated, on local workers or Ray.

``run_batch(inputs, out_dir, config, BatchOptions(...))`` is the API behind ``zsvad batch``;
see docs/batch.md. Layers: inputs (what to score) → keys (content + config) → jobs → a runner
(serial, local processes, Ray actors) with workers holding one pipeline each → the result store.
"""

from __future__ import annotations

from zsvad.registry import lazy_exports

_LAZY = {
    "BatchOptions": "zsvad.batch.run:BatchOptions",
    "BatchReport": "zsvad.batch.run:BatchReport",
    "run_batch": "zsvad.batch.run:run_batch",
    "BatchItem": "zsvad.batch.inputs:BatchItem",
    "discover_inputs": "zsvad.batch.inputs:discover_inputs",
}

__all__ = list(_LAZY)

__getattr__ = lazy_exports(__name__, _LAZY)  # imported on first use (zsvad.registry)
