"""Shared helpers of the Hugging Face backed vision backends: model location, dtypes, errors."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from zsvad.backends.tiny import is_tiny
from zsvad.errors import ModelNotAvailableError

TRUE_VALUES = {"1", "ON", "YES", "TRUE"}
"""What huggingface_hub reads as true in ``HF_HUB_OFFLINE`` (any case)."""


def offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE`` is set to a true value."""
    return any(
        os.environ.get(name, "").strip().upper() in TRUE_VALUES
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def local_dir(model: str) -> Path | None:
    """``model`` as an existing local directory, else None (a hub id)."""
    p = Path(model).expanduser()
    return p if p.is_dir() else None


def hf_source(
    model: str, revision: str | None, tiny_dir: Callable[[], Path]
) -> tuple[str, dict, Path | None]:
    """Where ``from_pretrained`` loads ``model`` from, and with which keyword arguments: the
    tiny model's folder (``model`` is ``tiny``: ``tiny_dir()`` builds it), a local folder, or the
    hub id at ``revision`` (offline: from the HF cache only). The third value is the folder
    (None for a hub id)."""
    path = tiny_dir() if is_tiny(model) else local_dir(model)
    if path is not None:
        return str(path), {}, path
    return model, {"revision": revision, "local_files_only": offline()}, None


def not_available(what: str, model: str, revision: str | None, exc: Exception) -> Exception:
    """A :class:`ModelNotAvailableError` for weights that could not be loaded."""
    hint = "offline mode is on (HF_HUB_OFFLINE)" if offline() else "the hub may be unreachable"
    rev = f" (revision {revision})" if revision else ""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    first = _cut_at_word(first, 160)
    return ModelNotAvailableError(
        f"cannot load {what} '{model}'{rev}: weights are not in the local HF cache and {hint}; "
        "download them once where the hub is reachable (they go to the HF cache) or point the "
        f"config at a local directory [{first}]"
    )


def torch_dtype(name: str, device: str):
    """torch dtype for ``name`` (auto: float32 on CPU, the checkpoint's dtype elsewhere)."""
    import torch

    if name == "auto":
        return torch.float32 if device == "cpu" else "auto"
    return getattr(torch, name)


def _cut_at_word(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` characters at a word boundary, ``…`` when cut."""
    if len(text) <= width:
        return text
    head = text[: width - 1]
    space = head.rfind(" ")
    return (head[:space] if space > width // 2 else head).rstrip() + "…"
