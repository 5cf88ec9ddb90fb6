"""zsvad: training-free video anomaly detection.

Public API (imported lazily, so ``import zsvad`` stays light)::

    zsvad.load_config(profile="default", files=(), overrides=()) -> ZsvadConfig
    zsvad.score_captions(captions, config) -> list[VideoResult]
    zsvad.evaluate(annotations, results) -> EvalReport
"""

from __future__ import annotations

import os

# torch and faiss each bring an OpenMP runtime; busy-waiting idle threads of one slow the other
# down (measured 2.2x on caption scoring under load). Set before either is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from zsvad._version import __version__
from zsvad.registry import lazy_exports
from zsvad.telemetry import telemetry_off

telemetry_off()  # before any dependency that phones home can be imported (zsvad/telemetry.py)

_LAZY = {
    "ZsvadConfig": "zsvad.config.schema:ZsvadConfig",
    "load_config": "zsvad.configure:load_config",
    "VideoResult": "zsvad.results.schema:VideoResult",
    "score_captions": "zsvad.pipeline.captions:score_captions",
    "evaluate": "zsvad.eval.metrics:evaluate",
}

__all__ = ["__version__", *_LAZY]

__getattr__ = lazy_exports(__name__, _LAZY)  # imported on first use (zsvad.registry)
