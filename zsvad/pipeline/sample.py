"""Sample: a video file → its windows, each with a caption and/or a clip embedding.

:func:`open_video` probes the file once (and hashes it once, with the cache on);
:func:`plan_sampling` looks its captions and clip embeddings up in the video cache
(:mod:`zsvad.video.cache`); :func:`sample_windows` decodes what the cache lacks, streaming
clips ``video.batch_size`` at a time through the vision models (:func:`decode_batches`,
:func:`describe`: only captions and one embedding per window are kept, so memory does not grow
with the video's length), or reads the windows from the cache; :func:`save_to_cache` writes
what was computed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path

import numpy as np

from zsvad import progress
from zsvad.backends.protocols import Captioner, Clip, ImageTextEmbedder
from zsvad.config.schema import ZsvadConfig
from zsvad.errors import ConfigError, DecodeError, InputError
from zsvad.extras import require
from zsvad.hashing import file_hash
from zsvad.logs import get_logger
from zsvad.pipeline.components import WindowInput
from zsvad.pipeline.parts import Parts
from zsvad.pipeline.run import VideoRun
from zsvad.results.schema import ModelRecord
from zsvad.video.cache import GRID_TOLERANCE, CachedWindows, VideoCache, entry_key
from zsvad.video.probe import VideoInfo, probe
from zsvad.video.sampler import ClipStream
from zsvad.video.windows import plan_windows

log = get_logger(__name__)


@dataclass(frozen=True)
class VideoSource:
    """A video file to score: its id, probe and content hash, each computed once."""

    path: Path
    video_id: str
    info: VideoInfo
    digest: str | None
    """Content hash of the file (None when the video cache is off)."""


def require_vision_model(config: ZsvadConfig) -> None:
    """Refuse video input (``score``, ``watch``) when no vision model is configured."""
    if not config.captioner.backend and not config.image_embedder.backend:
        raise ConfigError(
            "no vision model configured for video input: set captioner.backend and/or "
            "image_embedder.backend (e.g. --profile cpu, or --profile tiny to check the install)"
        )


def open_video(config: ZsvadConfig, path: str | Path, video_id: str | None = None) -> VideoSource:
    """Check that a vision model is configured, probe ``path`` (bad files are rejected before
    they are hashed) and hash it for the cache."""
    require_vision_model(config)
    path = Path(path)
    info = probe(path, config.video.max_pixels)
    digest = file_hash(path) if config.video.cache else None
    return VideoSource(path, video_id or path.stem, info, digest)


def model_fields(section) -> dict:
    """The fields of a vision model's config section that its cache entries are keyed by: all
    that can change its outputs (the section's identity: backend, model, revision, pretrained,
    prompt, frames, max_new_tokens, dtype, quantization, options less runtime ones)."""
    return section.identity()


@dataclass
class Slot:
    """One vision model's outputs for a video: read from the cache (``entry``) or computed."""

    kind: str
    """``captions`` or ``clip``."""
    model: dict
    """:func:`model_fields` of its config section."""
    path: Path | None = None
    """Its cache entry's file (None with the cache off)."""
    key: str | None = None
    """Its cache entry's key, which the entry's rows must carry (None with the cache off)."""
    entry: CachedWindows | None = None
    """The entry read from the cache (None: to compute)."""


@dataclass
class SamplePlan:
    """What the sample stage reads from the cache and what it computes."""

    cache: VideoCache | None
    captions: Slot | None
    """None when no captioner is configured."""
    clip: Slot | None
    """None when no image embedder is configured."""

    @property
    def caption(self) -> bool:
        """The captioner has to run."""
        return self.captions is not None and self.captions.entry is None

    @property
    def embed(self) -> bool:
        """The image embedder has to run."""
        return self.clip is not None and self.clip.entry is None


def plan_sampling(parts: Parts, source: VideoSource, run: VideoRun) -> SamplePlan:
    """Look the video's captions and clip embeddings up in the cache (entries are checked
    against the probe; one that fails is a miss)."""
    config = parts.config
    cache = VideoCache(config.video) if source.digest else None
    plan = SamplePlan(cache, None, None)
    if config.captioner.backend:
        plan.captions = Slot("captions", model_fields(config.captioner))
    if config.image_embedder.backend:
        plan.clip = Slot("clip", model_fields(config.image_embedder))
    for slot in (s for s in (plan.captions, plan.clip) if s is not None and cache is not None):
        slot.key = entry_key(source.digest, slot.kind, slot.model, config.video)
        slot.path = cache.path(source.video_id, slot.key, slot.kind)
        if slot.kind == "captions":
            slot.entry = cache.load_captions(slot.path, source.info, slot.key)
        else:
            dim = parts.get("clip_retriever").indexes["normal"].index.d
            slot.entry = cache.load_embeddings(slot.path, source.info, dim, slot.key)
    if plan.captions and plan.clip and plan.captions.entry and plan.clip.entry:
        why = disagreement(plan.captions.entry, plan.clip.entry)
        if why:  # which one is wrong cannot be told: both are rebuilt
            log.warning("ignoring the video cache entries of %s: %s", source.path, why)
            plan.captions.entry = plan.clip.entry = None
    for name, slot in (("cache_captions", plan.captions), ("cache_clip", plan.clip)):
        run.stats[name] = "-" if slot is None else ("hit" if slot.entry else "miss")
    return plan


def disagreement(captions: CachedWindows, clip: CachedWindows) -> str | None:
    """Why a video's captions and clip entries cannot both be true, or None: they must have
    the same frame grid and duration, and each caption's window must be the clip entry's."""
    if (captions.fps, captions.num_frames, captions.duration) != (
        clip.fps,
        clip.num_frames,
        clip.duration,
    ):
        return "captions and clip entries disagree on fps, frame count or duration"
    if len(captions.windows) != len(clip.windows):
        return f"{len(captions.windows)} captioned windows, {len(clip.windows)} embedded"
    for i in captions.texts:
        if not _same(captions.windows[i], clip.windows[i]):
            return f"window {i} differs between the captions and clip entries"
    return None


def _same(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) <= GRID_TOLERANCE and abs(a[1] - b[1]) <= GRID_TOLERANCE


@dataclass
class Sampled:
    """The windows of one video and the frame grid they lie on."""

    fps: float
    num_frames: int
    windows: list[WindowInput]
    duration: float = 0.0
    """Decoded length in seconds (the windows are planned on it)."""


def clip_embeddings(embedder: ImageTextEmbedder, clips: list[Clip]) -> np.ndarray:
    """One unit vector per clip: the normalised mean of its frames' embeddings."""
    images = [frame for clip in clips for frame in clip.frames]
    vecs = embedder.embed_images(images)
    out, pos = [], 0
    for clip in clips:
        n = len(clip.frames)
        out.append(vecs[pos : pos + n].mean(axis=0))
        pos += n
    arr = np.stack(out).astype(np.float32)
    return arr / np.maximum(np.linalg.norm(arr, axis=1, keepdims=True), 1e-12)


def decode_batches(stream: ClipStream, size: int) -> Iterator[list[Clip]]:
    """Lists of up to ``size`` consecutive clips; a decoder failure is a :class:`DecodeError`."""
    av = require("av", "video decoding")
    clips = iter(stream)
    while True:
        try:
            batch = list(islice(clips, size))
        except av.error.FFmpegError as exc:
            raise DecodeError(f"decoding failed: {exc}", source=stream.info.path) from exc
        if not batch:
            return
        yield batch


def describe(
    batch: list[Clip], captioner: Captioner | None, embedder: ImageTextEmbedder | None
) -> list[WindowInput]:
    """The windows of a batch of clips with their captions and/or clip embeddings."""
    windows = [WindowInput(round(c.start, 6), round(c.end, 6)) for c in batch]
    if captioner is not None:
        texts = captioner.caption(batch)
        if len(texts) != len(batch):
            raise RuntimeError(
                f"captioner {captioner.info.model} returned {len(texts)} captions for "
                f"{len(batch)} clips"
            )
        for w, text in zip(windows, texts):
            w.text = text.strip() or None
    if embedder is not None:
        for w, vector in zip(windows, clip_embeddings(embedder, batch)):
            w.embedding = vector
    return windows


def decode(parts: Parts, source: VideoSource, plan: SamplePlan, run: VideoRun) -> Sampled:
    """Decode the video and run the vision models the plan needs on its clips."""
    cfg = parts.config.video
    stream = ClipStream(source.info, cfg)
    captioner = parts.get("captioner") if plan.caption else None
    embedder = parts.get("image_embedder") if plan.embed else None
    windows: list[WindowInput] = []
    t0, t_model = time.perf_counter(), 0.0
    expected = sum(1 for _ in plan_windows(source.info.duration, cfg)) or None
    progress.stage("captioning" if captioner is not None else "embedding clips", expected)
    for batch in decode_batches(stream, cfg.batch_size):
        t1 = time.perf_counter()
        windows += describe(batch, captioner, embedder)
        t_model += time.perf_counter() - t1
        progress.advance(len(batch))
    if not windows:
        raise DecodeError("no clips could be sampled (no decodable frames)", source=source.path)
    run.stats |= {
        "decoder": stream.decoder,
        "decode_s": round(time.perf_counter() - t0 - t_model, 3),
        "models_s": round(t_model, 3),
    }
    info = stream.info
    if info.frames_reported and stream.num_frames != info.num_frames:
        run.warn(f"container reports {info.num_frames} frames, decoded {stream.num_frames}")
    run.stats |= {
        k: stream.stats[k]
        for k in ("corrupt_packets", "truncated", "fallback")
        if k in stream.stats
    }
    run.clips = len(windows)
    return Sampled(stream.fps, stream.num_frames, windows, stream.duration)


def from_cache(plan: SamplePlan) -> Sampled:
    """The windows of a video whose every model output is in the cache."""
    ref = plan.clip.entry if plan.clip is not None else plan.captions.entry
    windows = [WindowInput(a, b) for a, b in ref.windows]
    return Sampled(ref.fps, ref.num_frames, windows, ref.duration)


def stale_entries(plan: SamplePlan, sampled: Sampled) -> list[Slot]:
    """The cached entries whose windows are not the decoded ones (made for another decode)."""
    spans = [(w.start, w.end) for w in sampled.windows]
    out = []
    for slot in (plan.captions, plan.clip):
        entry = slot.entry if slot is not None else None
        if entry is None:
            continue
        if len(entry.windows) != len(spans):
            out.append(slot)
        elif slot.kind == "captions":
            if any(not _same(entry.windows[i], spans[i]) for i in entry.texts):
                out.append(slot)
        elif any(not _same(a, b) for a, b in zip(entry.windows, spans)):
            out.append(slot)
    return out


def add_cached(plan: SamplePlan, sampled: Sampled, run: VideoRun) -> None:
    """Give the windows the captions and embeddings read from the cache, and record the
    models that made them."""
    captions = plan.captions.entry if plan.captions is not None else None
    clip = plan.clip.entry if plan.clip is not None else None
    if captions is not None:
        for i, w in enumerate(sampled.windows):
            w.text = captions.texts.get(i)
        run.cached_models.append(_cached_model(captions, "captioner"))
    if clip is not None:
        if len(clip.embeddings) != len(sampled.windows):
            raise InputError(
                "cached clip embeddings do not match the windows", source=plan.clip.path
            )
        for w, vector in zip(sampled.windows, clip.embeddings):
            w.embedding = vector
        run.cached_models.append(_cached_model(clip, "image_text_embedder"))


def _cached_model(entry: CachedWindows, role: str) -> ModelRecord:
    m = entry.model.get("loaded") or entry.model
    return ModelRecord(
        role=role,
        backend=m.get("backend") or "?",
        model=str(m.get("model")),
        revision=m.get("revision"),
        meaningless=bool(m.get("meaningless")),
    )


def sample_windows(parts: Parts, source: VideoSource, plan: SamplePlan, run: VideoRun) -> Sampled:
    """The video's windows with their captions and/or clip embeddings: decoded for what the
    cache lacks, read from it for the rest."""
    sampled = decode(parts, source, plan, run) if plan.caption or plan.embed else from_cache(plan)
    stale = stale_entries(plan, sampled) if plan.caption or plan.embed else []
    if stale:  # never used nor fatal: decoded again with those models too, and rebuilt
        kinds = " and ".join(slot.kind for slot in stale)
        log.warning("ignoring the %s cache entry of %s: other windows; rebuilt", kinds, source.path)
        for slot in stale:
            slot.entry = None
            run.stats[f"cache_{slot.kind}"] = "miss"
        sampled = decode(parts, source, plan, run)
    add_cached(plan, sampled, run)
    run.stats |= {"windows": len(sampled.windows), "video_s": round(source.info.duration, 3)}
    return sampled


def save_to_cache(
    parts: Parts, source: VideoSource, plan: SamplePlan, sampled: Sampled, run: VideoRun
) -> None:
    """Write the captions and embeddings just computed to the cache, unless the file changed
    while it was read (its entry would not match its content)."""
    if plan.cache is None or not (plan.caption or plan.embed):
        return
    if file_hash(source.path) != source.digest:
        run.warn("the file changed while it was read; its cache entry is not saved")
        return
    spans = [(w.start, w.end) for w in sampled.windows]
    grid = (source.video_id, sampled.fps, sampled.num_frames, spans)
    if plan.caption:
        model = plan.captions.model | {"loaded": asdict(parts.get("captioner").info)}
        texts = [w.text for w in sampled.windows]
        made_for = {"key": plan.captions.key, "duration": sampled.duration}
        plan.cache.save_captions(plan.captions.path, *grid, texts, model, **made_for)
    if plan.embed:
        model = plan.clip.model | {"loaded": asdict(parts.get("image_embedder").info)}
        vectors = np.stack([w.embedding for w in sampled.windows])
        made_for = {"key": plan.clip.key, "duration": sampled.duration}
        plan.cache.save_embeddings(plan.clip.path, *grid, vectors, model, **made_for)
