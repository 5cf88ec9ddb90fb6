"""Audio-text embedder on transformers' CLAP (``ClapModel`` + ``ClapProcessor``).

``model`` is a hub id loaded at ``revision`` from the HF cache (e.g. ``laion/clap-htsat-unfused``
at a pinned commit), a local ``save_pretrained`` folder, or ``tiny`` (random weights built
locally, meaningless) — the same loading code for all three. Audio clips must be mono float32 at
the feature extractor's rate (48 kHz for the LAION checkpoints); clips longer than its
``max_length_s`` (10 s) are cropped around their centre, shorter ones are repeat-padded by the
extractor, so every embedding is deterministic (no random crop, no random fusion choice).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import Field

from zsvad.backends.build import KINDS
from zsvad.backends.hf_common import hf_model, not_available
from zsvad.backends.options import Options, read_options, takes
from zsvad.backends.protocols import ModelInfo
from zsvad.backends.tiny import tiny_clap_dir
from zsvad.config.audio import AudioConfig
from zsvad.errors import ConfigError
from zsvad.logs import get_logger

log = get_logger(__name__)


def _pooled(out):
    """The embeddings of a ``get_*_features`` call (a tensor before transformers 5, an output
    whose ``pooler_output`` holds them since)."""
    return getattr(out, "pooler_output", out)


class _Options(Options):
    """Options of the CLAP audio-text embedder, besides the audio fields it takes."""

    sample_rate: int | None = Field(None, ge=8_000, le=192_000)
    """Rate (Hz) of the audio it is given (``audio.sample_rate``): it must be the model's
    (None: the model's, unchecked)."""


class ClapEmbedder:
    """CLAP audio and text towers; vectors are L2-normalised float32."""

    capabilities = frozenset({"text", "audio"})

    Options = takes(AudioConfig, *KINDS["audio_text_embedder"].fields, base=_Options)

    def __init__(self, model: str | None = None, **options: Any):
        o = read_options(self, options, model)
        model, revision, device, sample_rate = o.model, o.revision, o.device, o.sample_rate
        purpose = "the CLAP audio-text embedder"
        self._torch, tf, src = hf_model(purpose, "audio.model", model, revision, tiny_clap_dir)
        try:
            self.processor = tf.ClapProcessor.from_pretrained(src.source, **src.kwargs)
            self.model = tf.ClapModel.from_pretrained(src.source, **src.kwargs)
        except OSError as exc:
            raise not_available("audio-text model", model, revision, exc) from exc
        self.model.to(device).eval()
        self.device = device
        self.batch_size = o.batch_size
        features = self.processor.feature_extractor
        self.sample_rate = int(features.sampling_rate)
        if sample_rate is not None and sample_rate != self.sample_rate:
            raise ConfigError(
                f"audio.sample_rate is {sample_rate} Hz but the audio model '{model}' expects "
                f"{self.sample_rate} Hz; set audio.sample_rate={self.sample_rate}"
            )
        self.max_samples = int(features.nb_max_samples)
        self.dim = int(self.model.config.projection_dim)
        self.info = ModelInfo("audio_text_embedder", "transformers", model, src.revision, src.tiny)

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
