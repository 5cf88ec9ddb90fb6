"""Audio-text embedder on transformers' CLAP (``ClapModel`` + ``ClapProcessor``).

``model`` is a hub id loaded at ``revision`` from the HF cache (e.g. ``laion/clap-htsat-unfused``
at a pinned commit), a local ``save_pretrained`` folder, or ``tiny`` (random weights built
locally, meaningless) — the same loading code for all three. Audio clips must be mono float32 at
the feature extractor's rate (48 kHz for the LAION checkpoints); clips longer than its
``max_length_s`` (10 s) are cropped around their centre, shorter ones are repeat-padded by the
extractor, so every embedding is deterministic (no random crop, no random fusion choice).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from zsvad.backends.hf_common import hf_source, not_available
from zsvad.backends.protocols import ModelInfo
from zsvad.backends.tiny import TINY_VERSION, is_tiny, tiny_clap_dir
from zsvad.errors import ConfigError
from zsvad.extras import require

log = logging.getLogger(__name__)


def _pooled(out):
    """The embeddings of a ``get_*_features`` call (a tensor before transformers 5, an output
    whose ``pooler_output`` holds them since)."""
    return getattr(out, "pooler_output", out)


class ClapEmbedder:
    """CLAP audio and text towers; vectors are L2-normalised float32."""

    capabilities = frozenset({"text", "audio"})

    def __init__(
        self,
        model: str | None = None,
        revision: str | None = None,
        device: str = "cpu",
        batch_size: int = 16,
        sample_rate: int | None = None,
        **_,
    ):
        self._torch = require("torch", "the CLAP audio-text embedder")
        tf = require("transformers", "the CLAP audio-text embedder")
        tf.utils.logging.disable_progress_bar()
        if not model:
            raise ConfigError("audio.model is required for the transformers audio backend")
        tiny = is_tiny(model)
        source, kw, path = hf_source(model, revision, tiny_clap_dir)
        try:
            self.processor = tf.ClapProcessor.from_pretrained(source, **kw)
            self.model = tf.ClapModel.from_pretrained(source, **kw)
        except OSError as exc:
            raise not_available("audio-text model", model, revision, exc) from exc
        self.model.to(device).eval()
        self.device = device
        self.batch_size = batch_size
        features = self.processor.feature_extractor
        self.sample_rate = int(features.sampling_rate)
        if sample_rate is not None and sample_rate != self.sample_rate:
            raise ConfigError(
                f"audio.sample_rate is {sample_rate} Hz but the audio model '{model}' expects "
                f"{self.sample_rate} Hz; set audio.sample_rate={self.sample_rate}"
            )
        self.max_samples = int(features.nb_max_samples)
        self.dim = int(self.model.config.projection_dim)
        rev = f"tiny-v{TINY_VERSION}" if tiny else (f"local:{path}" if path else revision)
        self.info = ModelInfo("audio_text_embedder", "transformers", model, rev, meaningless=tiny)

    def _crop(self, clip: np.ndarray) -> np.ndarray:
        x = np.asarray(clip, dtype=np.float32).reshape(-1)
        if len(x) > self.max_samples:
            start = (len(x) - self.max_samples) // 2
            x = x[start : start + self.max_samples]
        return x if len(x) else np.zeros(1, np.float32)

    def _normalise(self, feats) -> np.ndarray:
        feats = feats / feats.norm(dim=-1, keepdim=True).clamp_min(1e-12)
        return feats.float().cpu().numpy().astype(np.float32)

    def embed_audio(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        if len(clips) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        torch = self._torch
        chunks = []
        for i in range(0, len(clips), self.batch_size):
            batch = [self._crop(c) for c in clips[i : i + self.batch_size]]
            inputs = self.processor.feature_extractor(
                batch, sampling_rate=self.sample_rate, return_tensors="pt"
            )
            # every clip is at most max_length_s long: none is "longer" (the extractor's fusion
            # mode would otherwise mark a random one)
            inputs["is_longer"] = torch.zeros_like(inputs["is_longer"], dtype=torch.bool)
            inputs = {k: v.to(self.device) for k, v in inputs.items()}
            with torch.inference_mode():
                chunks.append(self._normalise(_pooled(self.model.get_audio_features(**inputs))))
        return np.concatenate(chunks)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        chunks = []
        tok = self.processor.tokenizer
        for i in range(0, len(texts), self.batch_size):
            tokens = tok(
                list(texts[i : i + self.batch_size]),
                padding=True,
                truncation=True,
                return_tensors="pt",
            )
            tokens = {k: v.to(self.device) for k, v in tokens.items() if k != "token_type_ids"}
            with self._torch.inference_mode():
                chunks.append(self._normalise(_pooled(self.model.get_text_features(**tokens))))
        return np.concatenate(chunks)
