"""Image-text embedder on open_clip: frames and memory captions in one CLIP space.

``model`` is an open_clip architecture (``ViT-B-32``) with a ``pretrained`` tag or checkpoint
file, ``hf-hub:org/name`` (downloaded at ``revision`` into the HF cache), a local directory
(``open_clip_config.json`` + weights) or ``tiny`` (random weights built locally, meaningless).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from zsvad.backends.build import KINDS
from zsvad.backends.hf_common import local_dir, not_available, offline
from zsvad.backends.options import read_options, takes
from zsvad.backends.protocols import ModelInfo
from zsvad.backends.tiny import TINY_VERSION, is_tiny, tiny_clip_dir
from zsvad.config.video import ImageEmbedderConfig
from zsvad.errors import ConfigError
from zsvad.extras import require
from zsvad.logs import get_logger

log = get_logger(__name__)


def _resolve(model: str, revision: str | None) -> tuple[str, bool]:
    """open_clip model name to load, and whether it names its own weights (schema)."""
    if is_tiny(model):
        return f"local-dir:{tiny_clip_dir()}", True
    if model.startswith("local-dir:"):
        return model, True
    path = local_dir(model)
    if path is not None:
        return f"local-dir:{path}", True
    if model.startswith("hf-hub:"):
        hub = require("huggingface_hub", "downloading open_clip weights", extra="hf")
        repo = model.removeprefix("hf-hub:")
        try:
            path = hub.snapshot_download(repo, revision=revision, local_files_only=offline())
        except Exception as exc:
            raise not_available("open_clip model", model, revision, exc) from exc
        return f"local-dir:{path}", True
    return model, False


class OpenClipEmbedder:
    """CLIP-like embedder on open_clip; vectors are L2-normalised float32."""

    capabilities = frozenset({"text", "image"})

    Options = takes(ImageEmbedderConfig, *KINDS["image_text_embedder"].fields)

    def __init__(self, model: str | None = None, **options: Any):
        o = read_options(self, options, model)
        model, pretrained, revision, device = o.model, o.pretrained, o.revision, o.device
        self._torch = torch = require("torch", "the open_clip image-text embedder")
        open_clip = require("open_clip", "the open_clip image-text embedder")
        if not model:
            raise ConfigError("image_embedder.model is required for the open_clip backend")
        name, has_weights = _resolve(model, revision)
        if not has_weights and not pretrained:
            raise ConfigError(
                f"image_embedder.pretrained is required for open_clip model '{model}' "
                "(a tag such as laion2b_s34b_b79k or a checkpoint file); use model 'tiny' for "
                "random weights"
            )
        try:
            self._model = open_clip.create_model(
                name, pretrained=None if has_weights else pretrained, device=device
            )
            self._tokenizer = open_clip.get_tokenizer(name)
        except (RuntimeError, OSError, ValueError) as exc:
            raise not_available("open_clip model", f"{model}/{pretrained}", revision, exc) from exc
        self._model.eval()
        self.device = device
        self.batch_size = o.batch_size
        pre = getattr(self._model.visual, "preprocess_cfg", {}) or {}
        size = pre.get("size", getattr(self._model.visual, "image_size", 224))
        self._size = tuple(size) if isinstance(size, list | tuple) else (size, size)
        self._mean = torch.tensor(pre.get("mean", (0.48145466, 0.4578275, 0.40821073)))
        self._std = torch.tensor(pre.get("std", (0.26862954, 0.26130258, 0.27577711)))
        with torch.inference_mode():
            self.dim = int(self._model.encode_text(self._tokenizer(["a"]).to(device)).shape[-1])
        tiny = is_tiny(model)
        rev = f"tiny-v{TINY_VERSION}" if tiny else (revision or pretrained)
        self.info = ModelInfo("image_text_embedder", "open_clip", model, rev, meaningless=tiny)

    def _pixels(self, images: Sequence[np.ndarray]):
        """uint8 HWC frames → normalised NCHW tensor (resize shorter side, centre crop)."""
        torch = self._torch
        from torch.nn.functional import interpolate

        h, w = self._size
        out = []
        for img in images:
            x = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)[None].float() / 255
            scale = max(h / x.shape[2], w / x.shape[3])
            new = (max(h, round(x.shape[2] * scale)), max(w, round(x.shape[3] * scale)))
            x = interpolate(x, size=new, mode="bicubic", antialias=True, align_corners=False)
            top, left = (new[0] - h) // 2, (new[1] - w) // 2
            out.append(x[:, :, top : top + h, left : left + w].clamp(0, 1))
        x = torch.cat(out)
        return ((x - self._mean[:, None, None]) / self._std[:, None, None]).to(self.device)

    def _normalise(self, feats) -> np.ndarray:
        feats = feats / feats.norm(dim=-1, keepdim=True).clamp_min(1e-12)
        return feats.float().cpu().numpy().astype(np.float32)

    def embed_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        if len(images) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        chunks = []
        with self._torch.inference_mode():
            for i in range(0, len(images), self.batch_size):
                pixels = self._pixels(images[i : i + self.batch_size])
                chunks.append(self._normalise(self._model.encode_image(pixels)))
        return np.concatenate(chunks)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        chunks = []
        with self._torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                tokens = self._tokenizer(list(texts[i : i + self.batch_size])).to(self.device)
                chunks.append(self._normalise(self._model.encode_text(tokens)))
        return np.concatenate(chunks)
