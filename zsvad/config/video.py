"""Config of video sampling and of the vision models (captioner, image-text embedder)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from zsvad.config.base import Section, Setting

CAPTION_PROMPT = "Describe what is happening in this video in one sentence."
"""Instruction captioners give with the frames unless configured otherwise."""


class VideoConfig(Section):
    """How clips are sampled from a video."""

    clip_seconds: float = Field(4.0, gt=0)
    """Length of each sampled window, seconds."""
    stride_seconds: float = Field(2.0, gt=0)
    """Step between window starts, seconds."""
    frames_per_clip: int = Field(4, ge=1)
    """Frames sampled uniformly inside each window (the frame shown at each sample time)."""
    decoder: Literal["auto", "decord", "pyav"] = Setting("auto", role="runtime")
    """Decoder of the clip stream. auto/pyav: one sequential PyAV pass (fast, constant memory);
    decord: decord's reader (its memory grows with the video's length, see docs/video.md).
    Random-access frame reads (``read_frames``) use decord when installed, else PyAV."""
    resize: int | None = Field(None, ge=8)
    """Resize frames on decode so their shorter side has this many pixels (aspect kept);
    None keeps the original size. Models resize anyway, so decoding smaller saves time/RAM."""
    keyframes_only: bool = False
    """Decode key frames only (much faster on long-GOP video, less precise in time): each
    sample takes the latest key frame at or before its time. Always uses PyAV."""
    batch_size: int = Setting(8, ge=1, role="runtime")
    """Clips handed to the vision models per call; peak memory ~ batch_size × frames_per_clip
    decoded frames, independent of the video length."""
    max_pixels: int = Setting(40_000_000, ge=1, role="runtime")
    """Largest accepted frame size (width × height); bigger videos are rejected as absurd
    (8K UHD is 33.2 M)."""
    threads: int = Setting(0, ge=0, role="runtime")
    """Decoder threads (0: let the decoder choose)."""
    cache: bool = Setting(True, role="runtime")
    """Reuse captions and clip embeddings of a video from the cache (keyed by file content
    hash, backend, model revision and sampling settings); write them after a run."""
    cache_dir: str | None = Setting(None, role="runtime")
    """Cache directory; default ``$ZSVAD_CACHE/video`` (``~/.cache/zsvad/video``)."""

    def sampling_key(self) -> dict[str, Any]:
        """The settings that change which frames a window holds (also the video cache's key):
        the section's identity."""
        return self.identity()


class CaptionerConfig(Section):
    """Vision-language model that captions clips (none: no captions from video)."""

    backend: str | None = None
    """Registry name of the captioner backend (transformers, vllm, openai, fake), or None."""
    model: str | None = Setting(None, backend="common")
    """HF id or local directory (``tiny``: a random-weight model built locally, meaningless)."""
    revision: str | None = Setting(None, backend="common")
    """Pinned revision (commit) of ``model``; ignored for local directories."""
    prompt: str = Setting(CAPTION_PROMPT, backend="common")
    """Instruction given with the frames (ignored by captioners without a text prompt)."""
    frames: Literal["middle", "grid", "all"] = Setting("middle", backend="common")
    """Which frames of a clip the model sees: the middle one, all tiled into one image, or all
    as separate images (multi-image / video models only)."""
    max_new_tokens: int = Setting(48, ge=1, backend="common")
    """Longest caption, tokens."""
    batch_size: int = Setting(8, ge=1, role="runtime", backend="takes")
    """Clips per generate call."""
    device: str = Setting("cpu", role="runtime", backend="takes")
    """Torch device for the transformers backend (cpu, cuda, cuda:1, mps)."""
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = Setting("auto", backend="takes")
    """Weights dtype (transformers/vLLM); auto: float32 on CPU, the checkpoint's dtype on GPU."""
    quantization: Literal["4bit", "8bit"] | None = Setting(None, backend="takes")
    """bitsandbytes 4-/8-bit loading (transformers backend, CUDA GPU only, extra ``quant``)."""
    device_map: str | None = Setting(None, role="runtime", backend="takes")
    """accelerate device map (e.g. ``auto`` to spread a large model over GPUs/CPU); overrides
    ``device``."""
    gpu_memory_utilization: float = Setting(0.85, gt=0, le=1, role="runtime", backend="takes")
    """vLLM: share of GPU memory it may use."""
    max_model_len: int | None = Setting(None, ge=256, role="runtime", backend="takes")
    """vLLM: context length (None: the model's)."""
    base_url: str | None = Setting(None, role="runtime", backend="takes")
    """openai backend: endpoint base URL, e.g. http://localhost:8000/v1."""
    api_key_env: str = Setting("OPENAI_API_KEY", role="runtime", backend="takes")
    """openai backend: environment variable holding the API key (may be unset for local
    servers)."""
    timeout_s: float = Setting(60.0, gt=0, role="runtime", backend="takes")
    """openai backend: per-request timeout, seconds."""
    options: dict[str, Any] = Field(default_factory=dict)
    """Options of the backend beyond the fields above, in the same shape as ``judge.options``
    (openai: api_key_env, timeout_s, max_retries, retry_budget_s); a field above given here
    overrides it. Each backend takes exactly the options its ``Options`` model declares
    (``zsvad info --options``): a field above set, or an option given, for a backend that does
    not take it is an error naming it."""


class ImageEmbedderConfig(Section):
    """Image-text embedder (CLIP-like) whose clip embeddings retrieve against the memory."""

    backend: str | None = None
    """Registry name of the image-text embedder backend (open_clip, fake), or None."""
    model: str | None = Setting(None, backend="common")
    """open_clip architecture, e.g. ViT-B-32, or ``hf-hub:org/name`` (``tiny``: random-weight
    model built locally, meaningless)."""
    pretrained: str | None = Setting(None, backend="takes")
    """open_clip pretrained tag (e.g. laion2b_s34b_b79k) or a local checkpoint file."""
    revision: str | None = Setting(None, backend="common")
    """Pinned revision recorded in provenance and cache keys (hub tags are not versioned by
    open_clip; set it to the checkpoint's commit or hash)."""
    device: str = Setting("cpu", role="runtime", backend="takes")
    """Torch device."""
    batch_size: int = Setting(32, ge=1, role="runtime", backend="takes")
    """Images per forward pass."""
