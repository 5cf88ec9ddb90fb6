"""Rolling per-camera result files, in the schema ``zsvad score`` writes and ``report`` reads.

Each camera's stream is cut into chunks of ``live.result_chunk_s`` seconds of stream time; a
chunk is one :class:`~zsvad.results.schema.VideoResult` in
``OUT/<camera>/results/<camera>_<UTC start>.json`` with the video id
``<camera>/<camera>_<UTC start>`` (so ``zsvad report OUT`` finds it, and its events export reads
the camera and the wall-clock start from the id). Times inside a chunk count from its first
window's start. The file is rewritten atomically at most every ``live.flush_s`` seconds, at each
alert and at shutdown, so a window that was scored is on disk within ``flush_s``; a finished
chunk is written once more and let go (memory stays bounded over hours).

A live result's ``frame_scores`` are the causal curve (:func:`zsvad.live.causal.causal_curve`),
its segments are the camera's alerts, its ``windows`` are scored exactly like ``score``'s; its
``provenance.config_hash`` adds the live section's causal settings to the config's hash, and
``provenance.stats`` holds the camera's live counters.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from zsvad.atomic import atomic_write_text
from zsvad.config.schema import ZsvadConfig
from zsvad.hashing import stable_hash
from zsvad.ids import file_stem
from zsvad.live.alerts import AlertEvent
from zsvad.live.causal import causal_curve
from zsvad.results.schema import Evidence, Provenance, Segment, VideoResult, Window

CAUSAL_FIELDS = ("smoothing", "smoothing_s", "threshold", "hysteresis", "hold_s")
"""Live settings a live result's frame curve and segments depend on."""


def live_config_hash(cfg: ZsvadConfig) -> str:
    """``provenance.config_hash`` of live results: the config's identity plus the causal
    settings (score and batch results do not depend on the live section); with the acoustic
    cue, its warm-up too."""
    from zsvad.identity import identity

    causal = {k: getattr(cfg.live, k) for k in CAUSAL_FIELDS}
    if cfg.audio.cue:  # the causal cue's warm-up changes the early windows' audio_cue
        causal["audio_warmup_s"] = cfg.live.audio_warmup_s
    return stable_hash({"identity": identity(cfg), "live": causal}, 16)


@dataclass
class _Span:
    start: float
    end: float
    peak: float
    explanation: str
    evidence: list[Evidence]


@dataclass
class _Chunk:
    t0: float
    wall0: float
    fps: float
    windows: list[Window] = field(default_factory=list)
    causal: list[float] = field(default_factory=list)
    spans: dict[str, _Span] = field(default_factory=dict)
    path: Path | None = None
    video_id: str = ""


class RollingResults:
    """Result chunks of one camera (see the module docstring)."""

    def __init__(self, camera: str, out_dir: Path, config: ZsvadConfig, source: str, provenance):
        self.camera = camera
        self.folder = Path(out_dir) / file_stem(camera) / "results"
        self.config = config
        self.source = source
        self._provenance = provenance
        """Callable returning a fresh :class:`Provenance` of the pipeline."""
        self.chunk: _Chunk | None = None
        self.written: list[Path] = []
        self._flushed = 0.0
        self._dirty = False
        self._hash = live_config_hash(config)

    def add(self, window: Window, y: float, fps: float, wall_start: float, stats: dict) -> None:
        """Record a scored window (stream times) and its causal score."""
        c = self.chunk
        if c is not None and window.start >= c.t0 + self.config.live.result_chunk_s:
            self.write(stats)
            c = self.chunk = None
        if c is None:
            c = self.chunk = self._new_chunk(window.start, wall_start, fps)
        c.windows.append(window)
        c.causal.append(y)
        self._dirty = True

    def _new_chunk(self, t0: float, wall0: float, fps: float) -> _Chunk:
        stamp = datetime.fromtimestamp(wall0, UTC).strftime("%Y%m%d_%H%M%S")
        stem = file_stem(f"{self.camera}_{stamp}")
        c = _Chunk(t0, wall0, fps)
        path = self.folder / f"{stem}.json"
        n = 1
        while path.exists() or path in self.written:  # two chunks in one second, or a rerun
            n += 1
            path = self.folder / f"{stem}-{n}.json"
        c.path = path
        c.video_id = f"{self.camera}/{path.stem}"
        return c

    def alert(self, event: AlertEvent) -> None:
        """Record an alert (open or closed) as a segment of the chunk it started in."""
        c = self.chunk
        if c is None:
            return
        old = c.spans.get(event.alert_id)
        end = event.end_s if event.end_s is not None else event.start_s
        if old is not None and event.end_s is None:
            end = max(end, old.end)
        start = max(event.start_s, c.t0)
        c.spans[event.alert_id] = _Span(
            start, end, event.peak_score, event.explanation, list(event.evidence)
        )
        self._dirty = True

    def extend_open(self, alert_id: str, start: float, end: float, peak: float, describe) -> None:
        """The open alert ``alert_id`` now reaches ``end`` (stream time); one that began in an
        earlier chunk starts this chunk's segment at its start (``describe()`` gives its
        explanation and evidence)."""
        c = self.chunk
        if c is None:
            return
        span = c.spans.get(alert_id)
        if span is None:
            explanation, evidence = describe()
            c.spans[alert_id] = _Span(max(start, c.t0), end, peak, explanation, evidence)
        else:
            span.end, span.peak = max(span.end, end), max(span.peak, peak)

    def maybe_write(self, stats: dict, force: bool = False) -> None:
        """Write the current chunk if it changed and ``flush_s`` has passed (or ``force``)."""
        now = time.monotonic()
        if self._dirty and (force or now - self._flushed >= self.config.live.flush_s):
            self.write(stats)

    def write(self, stats: dict) -> Path | None:
        c = self.chunk
        if c is None or not c.windows:
            return None
        result = self.result(stats)
        atomic_write_text(c.path, result.model_dump_json(indent=1))
        if c.path not in self.written:
            self.written.append(c.path)
        self._flushed = time.monotonic()
        self._dirty = False
        return c.path

    def result(self, stats: dict) -> VideoResult:
        """The current chunk as a :class:`VideoResult`."""
        c = self.chunk
        assert c is not None
        end = max(w.end for w in c.windows)
        num_frames = max(1, math.ceil((end - c.t0) * c.fps - 1e-6))
        rel = [(w.start - c.t0, w.end - c.t0, y) for w, y in zip(c.windows, c.causal)]
        curve = causal_curve(rel, c.fps, num_frames, self.config.temporal)
        windows = [
            w.model_copy(update={"start": round(w.start - c.t0, 6), "end": round(w.end - c.t0, 6)})
            for w in c.windows
        ]
        segments = []
        for span in c.spans.values():
            a = min(max(math.floor((span.start - c.t0) * c.fps), 0), num_frames - 1)
            b = min(max(math.ceil((span.end - c.t0) * c.fps) - 1, a), num_frames - 1)
            segments.append(
                Segment(
                    start_frame=a,
                    end_frame=b,
                    start=round(a / c.fps, 3),
                    end=round((b + 1) / c.fps, 3),
                    score=round(span.peak, 6),
                    explanation=span.explanation,
                    evidence=span.evidence,
                )
            )
        # a later chunk's frames are not the source's from its start: say where it starts (a
        # report then does not take keyframes of a file at the chunk's frame numbers)
        source = self.source if c.t0 == 0 else f"{self.source} (from {c.t0:.3f} s)"
        prov: Provenance = self._provenance(source)
        prov.config_hash = self._hash
        wall = datetime.fromtimestamp(c.wall0, UTC).isoformat()
        prov.stats = {"mode": "live", "curve": "causal", "stream_start_s": round(c.t0, 3)}
        prov.stats |= {"wall_start": wall, **stats}
        return VideoResult(
            video_id=c.video_id,
            fps=c.fps,
            num_frames=num_frames,
            frame_scores=[round(float(x), 6) for x in curve],
            segments=segments,
            windows=windows,
            provenance=prov,
        )
