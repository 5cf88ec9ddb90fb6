"""Audio components of a video's windows: the acoustic cue and CLAP retrieval.

:func:`score_audio` reads the track once (:mod:`zsvad.audio.decode`), feeding the cue's hop
features and, when an audio-text model is configured, the windows' audio to the model
``batch_size`` windows at a time; then it scores each window:

- ``audio_cue``: :func:`zsvad.audio.cue.window_cues` (no model);
- ``audio``: the window's CLAP embedding retrieved against the audio section of the memory by the
  same rule as captions and clip embeddings (``retrieval.*``); its nearest audio captions join
  the window's evidence.

CLAP embeddings are cached per video like clip embeddings (:mod:`zsvad.video.cache`, kind
``clap``, keyed by the file's content, the model and its revision, the sample rate and the
sampling settings): a second run does not run the model. The cue is recomputed: it needs only
the audio decode, a few percent of the video path's time (``scripts/bench_audio.py``).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from zsvad.audio.cue import Cue, HopFeatures, HopTrack, window_cues
from zsvad.audio.decode import WindowSlicer, iter_samples, probe_audio
from zsvad.backends.protocols import AudioTextEmbedder
from zsvad.config.audio import AudioConfig
from zsvad.config.schema import ZsvadConfig
from zsvad.errors import DecodeError, InputError
from zsvad.hashing import file_hash
from zsvad.logs import get_logger
from zsvad.memory.retrieval import Retriever
from zsvad.results.schema import Evidence
from zsvad.video.cache import VideoCache, entry_key
from zsvad.video.probe import VideoInfo


class Parts(Protocol):
    """What audio scoring needs of a pipeline's parts (:class:`zsvad.pipeline.parts.Parts`):
    the config and the audio parts, built on first use."""

    config: ZsvadConfig

    def get(self, name: str) -> Any: ...


log = get_logger(__name__)


def model_fields(cfg: AudioConfig) -> dict:
    """What a cached CLAP embedding depends on besides the video and its windows."""
    return {"backend": cfg.backend, "model": cfg.model, "revision": cfg.revision} | {
        "sample_rate": cfg.sample_rate
    }


@dataclass
class AudioScores:
    """Audio evidence of one video's windows."""

    windows: list[tuple[float, float]]
    """The windows ``(start, end)``, seconds."""
    components: list[dict[str, float]]
    """Per window: ``audio_cue`` and/or ``audio`` (absent where the window has no audio)."""
    evidence: list[list[Evidence]]
    """Per window: the nearest audio captions (CLAP)."""
    cues: list[Cue | None]
    """Per window: the cue's details (peak time, feature, level), None without a cue."""
    stats: dict = field(default_factory=dict)
    """``audio`` (``ok`` or why there is none), codec, decode and model seconds, cache."""

    @classmethod
    def none(cls, windows: list[tuple[float, float]], why: str) -> AudioScores:
        n = len(windows)
        return cls(
            windows, [{} for _ in range(n)], [[] for _ in range(n)], [None] * n, {"audio": why}
        )

    def cues_by_window(self) -> dict[tuple[float, float], Cue]:
        """The cue details keyed by window ``(start, end)`` (what
        :func:`zsvad.pipeline.finish.mark_audio` reads)."""
        return {w: c for w, c in zip(self.windows, self.cues) if c is not None}


def _by_window(windows: list[tuple[float, float]], cached: list[tuple[float, float]]) -> list:
    """Index of each cached window among ``windows`` (None when one is not there)."""
    where = {(round(a, 3), round(b, 3)): i for i, (a, b) in enumerate(windows)}
    return [where.get((round(a, 3), round(b, 3))) for a, b in cached]


def score_audio(
    parts: Parts,
    path: str | Path,
    video_id: str,
    fps: float,
    num_frames: int,
    windows: list[tuple[float, float]],
    video: VideoInfo,
    digest: str | None = None,
) -> AudioScores:
    """Audio components of ``windows`` (seconds from the first frame of the probed ``video``)
    with the audio parts of ``parts``. ``digest`` (the file's content hash) enables the CLAP
    cache."""
    cfg = parts.config.audio
    t0 = time.perf_counter()
    info, why = probe_audio(path)
    if info is None:
        return AudioScores.none(windows, why)
    out = AudioScores.none(windows, "ok")
    out.stats |= {"audio_codec": info.codec, "audio_rate": info.sample_rate}
    embedder = parts.get("audio_embedder") if cfg.backend else None
    clap = None
    if embedder is not None:
        t1 = time.perf_counter()
        retriever = parts.get("audio_retriever")  # the model and the audio index: not timed
        t0 += time.perf_counter() - t1
        clap = _ClapCache(parts.config, video_id, digest, embedder.dim)
        clap.load(windows, video)
        out.stats["cache_clap"] = "hit" if clap.vecs else "miss"
    want_vecs = clap is not None and not clap.vecs
    if cfg.cue or want_vecs:
        vecs = clap.vecs if clap is not None else {}
        try:
            hops, stats = _decode(info, windows, cfg, embedder if want_vecs else None, video, vecs)
        except InputError as exc:  # the video is still scored, without its sound
            log.warning("%s", exc)
            return AudioScores.none(windows, f"audio could not be decoded ({exc.problem})")
        out.stats |= stats
        if hops is not None:
            out.cues = window_cues(hops, windows, cfg)
            for comp, cue in zip(out.components, out.cues):
                if cue is not None:
                    comp["audio_cue"] = cue.score
        if want_vecs and digest is not None and file_hash(path) == digest:
            clap.save(windows, fps, num_frames, embedder)
    if clap is not None and clap.vecs:
        idx = sorted(clap.vecs)
        scored = retrieve_audio(retriever, np.stack([clap.vecs[i] for i in idx]))
        for i, (score, evidence) in zip(idx, scored):
            out.components[i]["audio"] = score
            out.evidence[i] = evidence
    out.stats["audio_windows"] = sum(1 for c in out.components if c)
    out.stats["audio_stage_s"] = round(time.perf_counter() - t0, 3)
    return out


def embed_audio(embedder: AudioTextEmbedder, clips: list[np.ndarray]) -> np.ndarray:
    """The audio-text model's embeddings of window samples, one row each (checked: shape and
    finite values)."""
    got = embedder.embed_audio(clips)
    if got.shape != (len(clips), embedder.dim) or not np.isfinite(got).all():
        raise RuntimeError(
            f"audio model {embedder.info.model} returned {got.shape} or non-finite vectors "
            f"for {len(clips)} windows"
        )
    return got


def retrieve_audio(retriever: Retriever, vecs: np.ndarray) -> list[tuple[float, list[Evidence]]]:
    """The ``audio`` component of each window embedding and its nearest audio captions
    (evidence marked ``modality: audio``)."""
    return [
        (s.score, [e.model_copy(update={"modality": "audio"}) for e in s.evidence])
        for s in retriever.score_embeddings(vecs)
    ]


class _ClapCache:
    """The CLAP embeddings of one video's windows (``vecs``: window index → vector), read from
    and written to the video cache (kind ``clap``) when ``video.cache`` is on."""

    def __init__(self, config: ZsvadConfig, video_id: str, digest: str | None, dim: int):
        self.fields = model_fields(config.audio)
        self.cache = VideoCache(config.video) if config.video.cache and digest else None
        self.video_id, self.dim = video_id, dim
        self.vecs: dict[int, np.ndarray] = {}
        if self.cache is not None:
            self.key = entry_key(digest, "clap", self.fields, config.video)
            self.path = self.cache.path(video_id, self.key, "clap")

    def load(self, windows: list[tuple[float, float]], video: VideoInfo) -> None:
        hit = None
        if self.cache is not None:  # a subset of the windows: those that had sound
            hit = self.cache.load_embeddings(self.path, video, self.dim, self.key, False)
        if hit is not None:
            for i, v in zip(_by_window(windows, hit.windows), hit.embeddings):
                if i is not None:
                    self.vecs[i] = v

    def save(self, windows, fps: float, num_frames: int, embedder) -> None:
        if self.cache is None or not self.vecs:
            return
        idx = sorted(self.vecs)
        model = self.fields | {"loaded": asdict(embedder.info)}
        chosen = [windows[i] for i in idx]
        vecs = np.stack([self.vecs[i] for i in idx])
        made_for = {"key": self.key, "duration": num_frames / fps}
        grid = (self.video_id, fps, num_frames, chosen)
        self.cache.save_embeddings(self.path, *grid, vecs, model, **made_for)


def _decode(
    info, windows, cfg: AudioConfig, embedder, video: VideoInfo, vecs: dict
) -> tuple[HopTrack | None, dict]:
    """One pass over the track: hop features (cue) and window embeddings (``embedder``, into
    ``vecs``); returns the hop features and the pass's stats."""
    stats: dict = {}
    hops = HopFeatures(cfg.sample_rate) if cfg.cue else None
    slicer = WindowSlicer(windows, cfg.sample_rate) if embedder is not None else None
    pending: list[tuple[int, np.ndarray]] = []
    t_model = 0.0

    def embed(batch: list[tuple[int, np.ndarray]]) -> None:
        nonlocal t_model
        t1 = time.perf_counter()
        got = embed_audio(embedder, [x for _, x in batch])
        t_model += time.perf_counter() - t1
        for (i, _), v in zip(batch, got):
            vecs[i] = v

    t0 = time.perf_counter()
    stop = round(max((b for _, b in windows), default=0.0) * cfg.sample_rate)
    samples = iter_samples(info, cfg.sample_rate, video.start_time, stats)
    try:
        for pos, x in samples:
            if pos >= stop:
                break  # a track longer than the video: the rest is never heard
            if hops is not None:
                hops.feed(x)
            if slicer is not None:
                pending += slicer.feed(pos, x)
                if len(pending) >= cfg.batch_size:
                    embed(pending)
                    pending = []
    except Exception as exc:
        if type(exc).__module__.split(".")[0] != "av":
            raise
        raise DecodeError(f"audio decoding failed: {exc}", source=info.path) from exc
    finally:
        samples.close()  # closes the container now, also when the track is cut short
    if slicer is not None:
        pending += slicer.finish()
        if pending:
            embed(pending)
    track = hops.finish() if hops is not None else None
    out = {
        f"audio_{k}": v for k, v in stats.items() if k in ("gaps", "corrupt_packets", "truncated")
    }
    out["audio_decode_s"] = round(time.perf_counter() - t0 - t_model, 3)
    out["audio_model_s"] = round(t_model, 3)
    out["audio_s"] = round(stats.get("samples", 0) / cfg.sample_rate, 3)
    return track, out
