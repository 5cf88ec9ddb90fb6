"""Shared helpers of the Hugging Face backed vision backends: model location, dtypes, errors."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zsvad.backends.tiny import TINY_VERSION, is_tiny
from zsvad.errors import ConfigError, ModelNotAvailableError
from zsvad.extras import require

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


@dataclass(frozen=True)
class HFSource:
    """Where ``from_pretrained`` loads a model from, and what provenance records of it."""

    source: str
    """The tiny model's folder, a local folder, or the hub id."""
    kwargs: dict[str, Any]
    """Keyword arguments of ``from_pretrained`` (a hub id: its revision; offline: the HF cache
    only)."""
    revision: str | None
    """The revision recorded in provenance: ``tiny-vN``, ``local:FOLDER`` or the hub revision."""
    tiny: bool
    """The random-weight tiny model (meaningless scores)."""


def hf_source(model: str, revision: str | None, tiny_dir: Callable[[], Path]) -> HFSource:
    """Where ``model`` loads from: the tiny model's folder (``model`` is ``tiny``: ``tiny_dir()``
    builds it), a local folder, or the hub id at ``revision``."""
    if is_tiny(model):
        return HFSource(str(tiny_dir()), {}, f"tiny-v{TINY_VERSION}", True)
    path = local_dir(model)
    if path is not None:
        return HFSource(str(path), {}, f"local:{path}", False)
    return HFSource(model, {"revision": revision, "local_files_only": offline()}, revision, False)


def hf_model(
    purpose: str, setting: str, model: str | None, revision: str | None, tiny_dir: Callable
) -> tuple[Any, Any, HFSource]:
    """What a transformers backend does first: torch and transformers (the extra named for
    ``purpose`` when missing; progress bars off), ``model`` required (the config ``setting``
    that names it), and where it loads from (:func:`hf_source`)."""
    torch = require("torch", purpose)
    tf = require("transformers", purpose)
    tf.utils.logging.disable_progress_bar()
    if not model:
        raise ConfigError(f"{setting} is required for {purpose}")
    return torch, tf, hf_source(model, revision, tiny_dir)


def quiet_gguf_loading() -> None:
    """Turn off the bar transformers draws (unconditionally, through its own ``tqdm``) while it
    converts a GGUF file: zsvad's display has no room for it (see :mod:`zsvad.progress`)."""
    import functools
    import importlib

    try:
        gguf_utils = importlib.import_module("transformers.modeling_gguf_pytorch_utils")
    except ImportError:  # another transformers: nothing to silence
        return
    bar = getattr(gguf_utils, "tqdm", None)
    if bar is not None and not isinstance(bar, functools.partial):
        gguf_utils.tqdm = functools.partial(bar, disable=True)


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
