"""Typed protocols every backend implements, and the small records they exchange.

A backend is a plain class registered in :mod:`zsvad.registry`; it declares what it can do with
class attributes (``capabilities``) rather than by subclassing, so test doubles stay small.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class ModelInfo:
    """Identity of a loaded model, recorded in every result's provenance."""

    role: str
    """What the model does in the chain: text_embedder, image_text_embedder,
    audio_text_embedder, captioner, llm."""
    backend: str
    """Registry name of the backend that loaded it."""
    model: str
    """HF id, local path or model name."""
    revision: str | None = None
    """Pinned revision (commit or tag) or a content hash for local files; None if unknown."""
    meaningless: bool = False
    """True for random-weight or fake models: their scores mean nothing."""


@dataclass
class Clip:
    """A window of frames sampled from a video."""

    index: int
    """Position of the window in the video (0-based)."""
    start: float
    """Window start, seconds."""
    end: float
    """Window end, seconds."""
    frames: np.ndarray
    """Sampled frames, ``(T, H, W, 3)`` uint8 RGB."""
    frame_indices: list[int] = field(default_factory=list)
    """Video frame numbers of ``frames``."""


@runtime_checkable
class TextEmbedder(Protocol):
    """Embeds text into an L2-normalised vector space."""

    info: ModelInfo
    dim: int

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Return ``(len(texts), dim)`` float32 unit vectors."""
        ...


@runtime_checkable
class ImageTextEmbedder(TextEmbedder, Protocol):
    """Embeds images and text into one space (CLIP-like)."""

    def embed_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """Embed ``(H, W, 3)`` uint8 RGB images; return ``(n, dim)`` float32 unit vectors."""
        ...


@runtime_checkable
class AudioTextEmbedder(TextEmbedder, Protocol):
    """Embeds audio clips and text into one space (CLAP-like)."""

    sample_rate: int
    """Rate (Hz) the audio clips must have."""

    def embed_audio(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """Embed mono float32 clips at ``sample_rate``; return ``(n, dim)`` float32 unit
        vectors."""
        ...


@runtime_checkable
class Captioner(Protocol):
    """Describes clips in words."""

    info: ModelInfo

    def caption(self, clips: Sequence[Clip]) -> list[str]:
        """One caption per clip, in order."""
        ...


@dataclass(frozen=True)
class ChatRequest:
    """One prompt to an LLM backend."""

    user: str
    system: str | None = None
    max_tokens: int = 128
    temperature: float = 0.0
    seed: int = 0
    choices: tuple[str, ...] | None = None
    """If set, score/constrain the answer to one of these labels."""
    json_schema: dict | None = None
    """If set, ask for JSON output following this schema (guided decoding where supported)."""
    stop: tuple[str, ...] = ()
    """Strings that end the answer (not included in it)."""
    answer_prefix: str = ""
    """Text placed at the start of the assistant turn before generating (backends with the
    ``prefill`` capability only); the returned text continues it and does not repeat it."""


MAX_ANSWER_CHARS = 32_768
"""Longest raw model answer kept anywhere (judge cache, ``--log-samples``, captions): the
most text 8,192 tokens (the largest ``max_tokens`` a template may ask for) hold in practice. A
server may ignore ``max_tokens``; what it sends beyond this is cut, so no answer can bloat a
cache, a results file or the parser's work."""


def bound_answer(text: str) -> str:
    """``text`` cut to :data:`MAX_ANSWER_CHARS` (ending in ``…`` when cut)."""
    return text if len(text) <= MAX_ANSWER_CHARS else text[: MAX_ANSWER_CHARS - 1] + "…"


@dataclass
class Generation:
    """An LLM answer."""

    text: str
    choice_logprobs: dict[str, float] | None = None
    """Log-probability of each requested choice, when the backend can give them."""
    latency_s: float = 0.0
    """Seconds the backend spent on this request (a batch's time split over its requests)."""
    tokens: int = 0
    """Generated tokens (0 when unknown or when only choices were scored)."""
    finish_reason: str | None = None
    """Why generation ended (stop, length, choice), when known."""


@runtime_checkable
class LLM(Protocol):
    """A text generator. ``capabilities`` is a subset of {"logprobs", "choice", "json"}."""

    info: ModelInfo
    capabilities: frozenset[str]

    def generate(self, requests: Sequence[ChatRequest]) -> list[Generation]:
        """Answer every request (backends batch internally)."""
        ...
