"""``zsvad watch`` as a function: readers → bounded hand-over → one scorer → causal stage →
alerts → sinks and rolling result files.

One :class:`~zsvad.pipeline.core.Pipeline` (models loaded once, before any stream is opened)
scores the windows of every camera, in batches of up to ``video.batch_size`` windows. Each
camera has a reader thread (:mod:`.reader`); the scorer runs in the calling thread. A stop
request (``stop`` event: Ctrl-C, SIGTERM, ``--duration``) ends the readers, scores the windows
already waiting, closes open alerts, writes every result file and ``live.json`` and drains the
webhook for a bounded time, so nothing already scored is lost.

Output folder::

    OUT/alerts.jsonl                              alert and stream events, one JSON a line
    OUT/live.json                                 per-camera counters (rewritten as it runs)
    OUT/<camera>/results/<camera>_<UTC>.json      rolling results (zsvad report OUT)
    OUT/<camera>/keyframes/<alert id>.jpg         alert keyframes (faces blurred, owner-only)
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from zsvad.atomic import atomic_write_text
from zsvad.audio.fusion import has_audio, window_audio_note
from zsvad.config.schema import ZsvadConfig
from zsvad.errors import ZsvadError, one_line
from zsvad.ids import file_stem
from zsvad.live.alerts import AlertTracker, KeyframeWriter, StreamEventRecord, iso
from zsvad.live.backpressure import Item, PendingWindows
from zsvad.live.causal import CausalSmoother, smoothing_delay
from zsvad.live.reader import FINISHED, LiveClip, Reader, StreamEvent
from zsvad.live.results import RollingResults
from zsvad.live.scoring import RunningResidual, score_clips
from zsvad.live.sinks import JsonlSink, Sink, Sinks, StdoutSink
from zsvad.live.sources import Source
from zsvad.live.stats import CameraStats
from zsvad.logs import get_logger
from zsvad.pipeline.core import Pipeline
from zsvad.pipeline.efficiency import peak_rss_mb, rss_mb
from zsvad.pipeline.run import VideoRun
from zsvad.privacy.anonymize import Anonymizer
from zsvad.redact import redact

log = get_logger(__name__)

MAX_FAILED_BATCHES = 5
"""Batches in a row whose scoring may fail (a model error: skipped, counted in
``windows_failed``) before the watch stops."""


@dataclass
class Camera:
    """Everything the scorer keeps about one camera."""

    source: Source
    stats: CameraStats
    smoother: CausalSmoother
    tracker: AlertTracker
    results: RollingResults
    residual: RunningResidual
    reader: Reader | None = None
    done: bool = False


@dataclass
class WatchOptions:
    """What ``zsvad watch`` was asked for besides the config."""

    out_dir: Path
    jsonl: Path | None = None
    """Alert JSONL file (default ``OUT/alerts.jsonl``)."""
    stdout: bool = False
    """Also print each event as a JSON line on stdout."""
    duration_s: float | None = None
    """Stop after this many wall-clock seconds."""
    extra_sinks: list[Sink] = field(default_factory=list)


def latency_note(cfg: ZsvadConfig) -> str:
    """The documented latency of an alert, from the config."""
    live = cfg.live
    delay = smoothing_delay(live.smoothing, live.smoothing_s)
    what = {"exponential": "τ", "gaussian": "σ"}.get(live.smoothing, "")
    smooth = f"{live.smoothing} {what} {live.smoothing_s:g} s" if delay else "no smoothing"
    return (
        f"alert latency = window {cfg.video.clip_seconds:g} s + waiting and model time "
        f"(measured) + smoothing delay {delay:.2f} s ({smooth})"
    )


class Watch:
    """A live run over ``sources`` (see the module docstring)."""

    def __init__(self, config: ZsvadConfig, sources: list[Source], options: WatchOptions):
        self.config = config
        self.sources = sources
        self.options = options
        self.out = Path(options.out_dir)
        self.pipeline = Pipeline(config)
        self.anonymizer = Anonymizer(config.privacy) if config.privacy.anonymize else None
        """Blurs the faces of alert keyframes (built first: a missing extra fails at once)."""
        self.stop = threading.Event()
        self.stop_reason = ""
        self.asked: str | None = None
        """A stop asked from a signal handler (a plain attribute: no lock); the loop polls it."""
        self._failed_in_row = 0
        self.cameras: dict[str, Camera] = {}
        self.sinks: Sinks | None = None
        self.webhook = None
        self.pending: PendingWindows | None = None
        self._status_at = 0.0
        self._meaningless: bool | None = None
        self.started = time.time()

    # -- set-up ------------------------------------------------------------------------------
    def _open_sinks(self) -> None:
        sinks: list[Sink] = [JsonlSink(self.options.jsonl or self.out / "alerts.jsonl")]
        if self.options.stdout:
            sinks.append(StdoutSink())
        live = self.config.live
        if live.webhook_url:
            from zsvad.live.webhook import WebhookSink

            self.webhook = WebhookSink(
                live.webhook_url, live.webhook_timeout_s, live.webhook_retries, live.webhook_queue
            )
            sinks.append(self.webhook)
        self.sinks = Sinks(sinks + self.options.extra_sinks)

    def meaningless(self) -> bool:
        if self._meaningless is None:
            self._meaningless = self.pipeline.provenance(VideoRun()).meaningless
        return self._meaningless

    def _camera(self, source: Source) -> Camera:
        live = self.config.live
        threshold = live.threshold if live.threshold is not None else self.config.temporal.threshold
        folder = self.out / file_stem(source.name)
        privacy = self.config.privacy
        keyframes = KeyframeWriter(
            folder / "keyframes", live.keyframe_height, self.anonymizer, privacy.owner_only
        )
        tracker = AlertTracker(source.name, source.shown, live, threshold, keyframes)
        if self.config.audio.enabled:
            cfg = self.config
            tracker.audio_note = lambda window, cue: window_audio_note(window, cfg, cue)
        results = RollingResults(
            source.name,
            self.out,
            self.config,
            source.shown,
            lambda shown: self.pipeline.provenance(VideoRun(shown)),
        )
        keep = round(live.residual_s / self.config.video.stride_seconds)
        residual = RunningResidual(self.config.retrieval.video_residual, keep)
        smoother = CausalSmoother(live.smoothing, live.smoothing_s)
        return Camera(source, CameraStats(), smoother, tracker, results, residual)

    def start(self) -> None:
        """Load the models, open the sinks, start one reader per camera."""
        self.pipeline.load()
        self.out.mkdir(parents=True, exist_ok=True)
        self._open_sinks()
        live = self.config.live
        policy = {}
        for source in self.sources:
            self.cameras[source.name] = self._camera(source)
            lossless = source.kind == "file" and not source.realtime
            policy[source.name] = "block" if lossless else live.backpressure
        self.pending = PendingWindows(list(self.cameras), live.max_pending, policy)
        for cam in self.cameras.values():
            cam.reader = Reader(cam.source, self.config, self.pending, cam.stats, self.stop)
            cam.reader.start()

    # -- the scorer --------------------------------------------------------------------------
    def run(self) -> dict:
        """Score until every source is done or :attr:`stop` is set; then shut down cleanly.
        Returns the per-camera summary (also written to ``live.json``)."""
        if self.pending is None:
            self.start()
        deadline = None
        if self.options.duration_s is not None:
            deadline = time.monotonic() + self.options.duration_s
        try:
            while not self.stop.is_set():
                if self.asked is not None:
                    self.request_stop(self.asked)
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    self.request_stop("duration reached")
                    break
                items = self.pending.take(self.config.video.batch_size, 0.25)
                if items:
                    self._process(items)
                elif all(c.done for c in self.cameras.values()):
                    self.request_stop("every source ended")
                    break
                self._flush()
        finally:
            summary = self.shutdown()
        return summary

    def ask_stop(self, reason: str) -> None:
        """Ask the run to stop from a signal handler: only sets :attr:`asked` (no lock is
        taken, so the interrupted thread cannot deadlock); the scoring loop polls it."""
        if self.asked is None:
            self.asked = reason

    def request_stop(self, reason: str) -> None:
        if not self.stop_reason:
            self.stop_reason = reason
        self.stop.set()

    def _process(self, items: list[Item]) -> None:
        scored = [i for i in items if i.clip is not None]
        windows = []
        if scored:
            t0 = time.perf_counter()
            residuals = {name: cam.residual for name, cam in self.cameras.items()}
            clips, cameras = [i.clip.clip for i in scored], [i.camera for i in scored]
            audio = [i.clip.audio for i in scored]
            try:
                windows = score_clips(self.pipeline, clips, cameras, residuals, audio)
            except ZsvadError as exc:  # e.g. a model server's transient error: skip the batch
                self._failed_in_row += 1
                log.error("scoring %d window(s) failed (%d batch(es) in a row): %s", len(scored),
                          self._failed_in_row, one_line(redact(str(exc))))  # fmt: skip
                for i in scored:
                    self.cameras[i.camera].stats.windows_failed += 1
                if self._failed_in_row >= MAX_FAILED_BATCHES:
                    raise
                windows = [None] * len(scored)
            else:
                self._failed_in_row = 0
            share = (time.perf_counter() - t0) / len(scored)
            for i in scored:
                self.cameras[i.camera].stats.model_s += share
        by_item = {id(i): w for i, w in zip(scored, windows)}
        for item in items:
            cam = self.cameras[item.camera]
            if item.clip is not None:
                self._window(cam, item, by_item[id(item)])
            elif item.marker == FINISHED:
                cam.done = True
            elif isinstance(item.marker, StreamEvent):
                self._stream_event(cam, item.marker)

    def _window(self, cam: Camera, item: Item, window) -> None:
        lc: LiveClip = item.clip
        if window is None:
            return
        if not math.isfinite(window.score):  # a NaN never crosses a threshold: not scored
            cam.stats.windows_nonfinite += 1
            return
        now = time.time()
        y = cam.smoother.update(window.end, window.score)
        cam.stats.windows += 1
        cam.stats.audio_windows += has_audio(window)
        cam.stats.latency.append(time.monotonic() - item.ready)
        cam.tracker.meaningless = self.meaningless()
        cue = lc.audio.cue if lc.audio is not None else None
        events = cam.tracker.update(window, y, lc.wall_start, lc.clip.frames, now, cue)
        cam.results.add(window, y, lc.fps, lc.wall_start, self._stats(cam))
        current = cam.tracker.current
        if current is not None:
            cam.results.extend_open(current.alert_id, current.start_s, current.last_above,
                                    current.peak, cam.tracker.describe)  # fmt: skip
        for event in events:
            self._alert(cam, event)

    def _alert(self, cam: Camera, event) -> None:
        if event.event == "alert_open":
            cam.stats.alerts += 1
            log.warning("ALERT %s %s: %s", cam.source.name, event.start_time, event.explanation)
        cam.results.alert(event)
        self.sinks.send(event.model_dump(mode="json"))
        cam.results.maybe_write(self._stats(cam), force=True)

    def _stream_event(self, cam: Camera, e: StreamEvent) -> None:
        record = StreamEventRecord(
            event=e.event,
            camera=cam.source.name,
            source=cam.source.shown,
            at=iso(e.at),
            session=e.session,
            reason=e.reason,
            stream_s=round(e.stream_s, 3) if e.stream_s is not None else None,
        )
        self.sinks.send(record.model_dump(mode="json"))
        if e.event == "stream_down":
            closed = cam.tracker.close(f"stream down: {e.reason}", time.time())
            if closed is not None:
                self._alert(cam, closed)

    # -- files -------------------------------------------------------------------------------
    def _stats(self, cam: Camera) -> dict:
        skipped = self.pending.skipped.get(cam.source.name, 0) if self.pending else 0
        return cam.stats.summary(skipped)

    def summary(self) -> dict:
        cameras = {
            name: {"source": cam.source.shown, **self._stats(cam)}
            for name, cam in self.cameras.items()
        }
        out = {
            "started_at": iso(self.started),
            "updated_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "latency": latency_note(self.config),
            "rss_mb": rss_mb(),
            "peak_rss_mb": peak_rss_mb(),
            "cameras": cameras,
        }
        if self.webhook is not None:
            out["webhook"] = self.webhook.stats()
        if self.stop_reason:
            out["stopped"] = self.stop_reason
        return out

    def _flush(self, force: bool = False) -> None:
        for cam in self.cameras.values():
            cam.results.maybe_write(self._stats(cam), force=force)
        now = time.monotonic()
        if force or now - self._status_at >= self.config.live.flush_s:
            self._status_at = now
            atomic_write_text(self.out / "live.json", json.dumps(self.summary(), indent=1) + "\n")

    # -- shutdown ----------------------------------------------------------------------------
    def shutdown(self) -> dict:
        """Stop readers, score what is waiting, close alerts, write everything (idempotent)."""
        self.stop.set()
        if self.pending is None:
            return {}
        self.pending.close()  # a reader waiting for room (block policy) goes on to stop
        self._flush(force=True)  # what is scored is on disk before any wait (a 2nd Ctrl-C)
        deadline = time.monotonic() + self.config.live.read_timeout_s + 1  # one for all
        for cam in self.cameras.values():
            if cam.reader is not None:
                cam.reader.join(timeout=max(deadline - time.monotonic(), 0.0))
                if cam.reader.is_alive():  # e.g. waiting to connect: holds nothing scored
                    level = logging.WARNING if cam.reader.in_session else logging.DEBUG
                    log.log(level, "%s: reader still blocked; leaving it", cam.source.name)
        try:
            while items := self.pending.take(self.config.video.batch_size, 0):
                self._process(items)  # windows already complete are scored, not lost
        except Exception:  # e.g. the model that stopped the run fails again: keep the rest
            log.exception("scoring the waiting windows failed")
        now = time.time()
        for cam in self.cameras.values():
            closed = cam.tracker.close("shutdown", now)
            if closed is not None:
                self._alert(cam, closed)
        self._flush(force=True)
        summary = self.summary()
        if self.sinks is not None:
            self.sinks.close()
            if self.webhook is not None:  # drained now: its final counts
                summary["webhook"] = self.webhook.stats()
                atomic_write_text(self.out / "live.json", json.dumps(summary, indent=1) + "\n")
        self.pending = None
        return summary
