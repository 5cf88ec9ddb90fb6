"""The video path: sample clips → caption and/or CLIP-embed them → score with the core.

Clips are streamed in batches of ``video.batch_size``; only captions and one embedding per
window are kept, so memory does not grow with the video's length. Captions and embeddings are
cached per video (:mod:`zsvad.video.cache`): a second run reads them and decodes nothing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from zsvad.backends.protocols import Clip, ImageTextEmbedder
from zsvad.errors import ConfigError, InputError
from zsvad.hashing import file_hash
from zsvad.pipeline.core import MEANINGLESS, Pipeline, WindowInput
from zsvad.pipeline.efficiency import run_stats
from zsvad.results.schema import ModelRecord, VideoResult
from zsvad.video.cache import CachedWindows, VideoCache, entry_key
from zsvad.video.sampler import batched, iter_clips

log = logging.getLogger(__name__)


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


def _model_fields(section) -> dict:
    fields = section.model_dump(mode="json")
    keep = ("backend", "model", "revision", "pretrained", "prompt", "frames", "max_new_tokens")
    return {k: fields[k] for k in keep if k in fields}


@dataclass
class _Sampled:
    fps: float = 0.0
    num_frames: int = 0
    windows: list[tuple[float, float]] = field(default_factory=list)
    texts: list[str | None] | None = None
    embeddings: np.ndarray | None = None
    stats: dict = field(default_factory=dict)


def _decode(pipeline: Pipeline, path: Path, want_text: bool, want_emb: bool) -> _Sampled:
    cfg = pipeline.config.video
    stream = iter_clips(path, cfg)
    captioner = pipeline.captioner if want_text else None
    embedder = pipeline.image_embedder if want_emb else None
    out = _Sampled(texts=[] if want_text else None)
    embs, t_model = [], 0.0
    t0 = time.perf_counter()
    try:
        for batch in batched(stream, cfg.batch_size):
            t1 = time.perf_counter()
            if captioner is not None:
                texts = captioner.caption(batch)
                if len(texts) != len(batch):
                    raise RuntimeError(
                        f"captioner {captioner.info.model} returned {len(texts)} captions for "
                        f"{len(batch)} clips"
                    )
                out.texts += [t.strip() or None for t in texts]
            if embedder is not None:
                embs.append(clip_embeddings(embedder, batch))
            t_model += time.perf_counter() - t1
            out.windows += [(round(c.start, 6), round(c.end, 6)) for c in batch]
    except Exception as exc:
        if type(exc).__module__.split(".")[0] not in {"av", "decord"}:
            raise
        raise InputError(f"decoding failed: {exc}", source=path) from exc
    if not out.windows:
        raise InputError("no clips could be sampled (no decodable frames)", source=path)
    out.fps, out.num_frames = stream.fps, stream.num_frames
    out.embeddings = np.concatenate(embs) if embs else None
    out.stats = {
        "decoder": stream.decoder,
        "decode_s": round(time.perf_counter() - t0 - t_model, 3),
        "models_s": round(t_model, 3),
    }
    if stream.info.frames_reported and stream.num_frames != stream.info.num_frames:
        out.stats["warning"] = (
            f"container reports {stream.info.num_frames} frames, decoded {stream.num_frames}"
        )
    for key in ("corrupt_packets", "truncated", "fallback"):
        if key in stream.stats:
            out.stats[key] = stream.stats[key]
    return out


def score_video(pipeline: Pipeline, path: str | Path, video_id: str | None = None) -> VideoResult:
    """Score one video file with a loaded pipeline (``captioner`` and/or ``image_embedder``).

    Raises :class:`InputError` naming the file when it cannot be decoded.
    """
    t0 = time.perf_counter()
    path = Path(path)
    video_id = video_id or path.stem
    config = pipeline.config
    cap_cfg, emb_cfg = config.captioner, config.image_embedder
    if not cap_cfg.backend and not emb_cfg.backend:
        raise ConfigError(
            "no vision model configured for video input: set captioner.backend and/or "
            "image_embedder.backend (e.g. --profile cpu, or --profile tiny to check the install)"
        )
    from zsvad.video.probe import probe

    info = probe(path, config.video.max_pixels)  # reject bad files before hashing them
    cache = VideoCache(config.video) if config.video.cache else None
    cap_path = emb_path = None
    cached_caps: CachedWindows | None = None
    cached_emb: CachedWindows | None = None
    if cache is not None:
        digest = file_hash(path)
        if cap_cfg.backend:
            key = entry_key(digest, "captions", _model_fields(cap_cfg), config.video)
            cap_path = cache.path(video_id, key, "captions")
            cached_caps = cache.load_captions(cap_path, info)
        if emb_cfg.backend:
            key = entry_key(digest, "clip", _model_fields(emb_cfg), config.video)
            emb_path = cache.path(video_id, key, "clip")
            dim = pipeline.clip_retriever.indexes["normal"].index.d
            cached_emb = cache.load_embeddings(emb_path, info, dim)
    want_text = bool(cap_cfg.backend) and cached_caps is None
    want_emb = bool(emb_cfg.backend) and cached_emb is None
    stats: dict = {"cache_captions": "hit" if cached_caps else ("miss" if cap_cfg.backend else "-")}
    stats["cache_clip"] = "hit" if cached_emb else ("miss" if emb_cfg.backend else "-")
    if want_text or want_emb:
        s = _decode(pipeline, path, want_text, want_emb)
        stats |= s.stats
        if cache is not None and file_hash(path) != digest:
            changed = "the file changed while it was read; its cache entry is not saved"
            stats["warning"] = "; ".join(filter(None, [stats.get("warning"), changed]))
            cache = None
        if cache is not None and s.texts is not None:
            model = _model_fields(cap_cfg) | {"loaded": asdict(pipeline.captioner.info)}
            cache.save_captions(cap_path, video_id, s.fps, s.num_frames, s.windows, s.texts, model)
        if cache is not None and s.embeddings is not None:
            model = _model_fields(emb_cfg) | {"loaded": asdict(pipeline.image_embedder.info)}
            cache.save_embeddings(
                emb_path, video_id, s.fps, s.num_frames, s.windows, s.embeddings, model
            )
        fps, num_frames, windows = s.fps, s.num_frames, s.windows
        texts = s.texts
        embeddings = s.embeddings
    else:
        ref = cached_emb or cached_caps
        fps, num_frames, windows = ref.fps, ref.num_frames, ref.windows
        texts = embeddings = None
    if cached_caps is not None:
        texts = [cached_caps.texts.get(i) for i in range(len(windows))]
    if cached_emb is not None:
        embeddings = cached_emb.embeddings
    inputs = [WindowInput(a, b, texts[i] if texts else None) for i, (a, b) in enumerate(windows)]
    if embeddings is not None:
        if len(embeddings) != len(inputs):
            raise InputError("cached clip embeddings do not match the windows", source=emb_path)
        for w, s in zip(inputs, pipeline.clip_retriever.score_embeddings(embeddings)):
            w.components["clip"] = s.score
            w.evidence = s.evidence
            w.vectors["clip"] = s.vector  # events: boundaries from clip embeddings
    saved = dict(pipeline.stats)
    pipeline.stats.update(stats | {"windows": len(inputs), "video_s": round(info.duration, 3)})
    try:
        result = pipeline.score_windows(video_id, fps, num_frames, inputs, source=str(path))
    finally:
        pipeline.stats.clear()
        pipeline.stats.update(saved)
    _record_cached_models(result, [c for c in (cached_caps, cached_emb) if c is not None])
    decoded = len(inputs) if (want_text or want_emb) else 0
    captions = sum(1 for w in inputs if w.text)
    result.provenance.stats.update(
        run_stats(time.perf_counter() - t0, clips=decoded, captions=captions)
    )
    if "warning" in stats:
        result.provenance.warnings.append(f"{path}: {stats['warning']}")
    return result


def _record_cached_models(result: VideoResult, cached: list[CachedWindows]) -> None:
    """Models whose outputs came from the cache are recorded in provenance too."""
    prov = result.provenance
    for entry, role in [(c, "captioner" if c.texts else "image_text_embedder") for c in cached]:
        m = entry.model.get("loaded") or entry.model
        if any(r.role == role for r in prov.models):
            continue
        meaningless = bool(m.get("meaningless"))
        prov.models.append(
            ModelRecord(
                role=role,
                backend=m.get("backend") or "?",
                model=str(m.get("model")),
                revision=m.get("revision"),
                meaningless=meaningless,
            )
        )
        if meaningless and not prov.meaningless:
            prov.meaningless = True
            prov.warnings.append(MEANINGLESS)
