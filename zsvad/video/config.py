"""Config of video sampling and of the vision models (captioner, image-text embedder)."""

from __future__ import annotations

from pydantic import Field

from zsvad.config.base import Section


class VideoConfig(Section):
    """How clips are sampled from a video."""

    clip_seconds: float = Field(4.0, gt=0)
    """Length of each sampled window, seconds."""
    stride_seconds: float = Field(2.0, gt=0)
    """Step between window starts, seconds."""
    frames_per_clip: int = Field(4, ge=1)
    """Frames sampled uniformly inside each window."""


class CaptionerConfig(Section):
    """Vision-language model that captions clips (none: no captions from video)."""

    backend: str | None = None
    """Registry name of the captioner backend, or None."""
    model: str | None = None
    """HF id or local directory."""
    revision: str | None = None
    """Pinned revision of ``model``."""


class ImageEmbedderConfig(Section):
    """Image-text embedder (CLIP-like) whose clip embeddings retrieve against the memory."""

    backend: str | None = None
    """Registry name of the image-text embedder backend, or None."""
    model: str | None = None
    """Model name (open_clip architecture) or HF id."""
    pretrained: str | None = None
    """open_clip pretrained tag, e.g. laion2b_s34b_b79k."""
