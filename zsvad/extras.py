"""Guarded imports of optional dependencies.

Heavy libraries are imported only when a backend needs them; a missing one raises
:class:`~zsvad.errors.MissingExtraError` naming the ``pip install 'zsvad[extra]'`` to run.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from zsvad.errors import MissingExtraError
from zsvad.telemetry import telemetry_off

#: import name -> extra that provides it
EXTRA_OF: dict[str, str] = {
    "torch": "hf",
    "transformers": "hf",
    "accelerate": "hf",
    "sentence_transformers": "hf",
    "gguf": "hf",
    "bitsandbytes": "quant",
    "faiss": "faiss",
    "onnxruntime": "onnx",
    "onnx": "onnx",
    "openvino": "openvino",
    "open_clip": "clip",
    "av": "video",
    "decord": "decord",
    "vllm": "vllm",
    "ray": "ray",
    "httpx": "http",
    "tenacity": "http",
    "matplotlib": "report",
    "cv2": "privacy",
    "pyarrow": "ray",
}


def require(module: str, purpose: str = "", extra: str | None = None) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra that provides it.
    Third-party telemetry is switched off before (and, for libraries that need it, after) the
    import: :func:`zsvad.telemetry.telemetry_off`."""
    telemetry_off()
    try:
        found = importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        name = extra or EXTRA_OF.get(top, top)
        # Re-raise unrelated import errors inside the module (a broken install) unchanged.
        missing = getattr(exc, "name", None)
        if missing is not None and missing.split(".")[0] != top:
            raise
        raise MissingExtraError(top, name, purpose) from exc
    telemetry_off()
    return found


def installed(module: str) -> bool:
    """True if ``module`` is installed, found without importing it (``zsvad info`` stays fast:
    importing torch or sentence-transformers takes seconds)."""
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def available(module: str) -> bool:
    """True if ``module`` can be imported."""
    telemetry_off()
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
