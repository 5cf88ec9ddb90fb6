"""Alerts: an event opens when the causal score crosses the threshold and closes when it has
stayed below ``threshold - hysteresis`` for ``live.hold_s`` seconds of stream time.

Each alert is announced twice, as an :class:`AlertEvent`: ``alert_open`` when it opens (with
what is known then) and ``alert_close`` when it closes (with its end, peak and strongest
evidence). The explanation and evidence come from its strongest window
(:func:`zsvad.pipeline.explain.explain_segment`), plus what was heard when the sound raised that
window (:func:`zsvad.audio.fusion.window_audio_note`); the keyframe is that window's middle
frame, as the models saw it (decoded at ``video.resize``), its faces blurred at that size
(``privacy``), written as a JPEG next to the camera's results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np

from zsvad.atomic import atomic_path
from zsvad.audio.cue import Cue
from zsvad.config.live import LiveConfig
from zsvad.extras import require
from zsvad.logs import get_logger
from zsvad.pipeline.explain import explain_segment
from zsvad.privacy.anonymize import Anonymizer
from zsvad.privacy.files import private_dir, private_file
from zsvad.privacy.images import image_note
from zsvad.results.schema import Evidence, Window
from zsvad.strict import Strict

log = get_logger(__name__)


def iso(wall: float) -> str:
    """A Unix time as ISO 8601 in UTC with milliseconds."""
    return datetime.fromtimestamp(wall, UTC).isoformat(timespec="milliseconds")


class AlertEvent(Strict):
    """One line of ``alerts.jsonl`` / one webhook POST about an alert."""

    event: Literal["alert_open", "alert_close"]
    """``alert_open`` when the causal score first reaches the threshold, ``alert_close`` when
    the alert ends."""
    alert_id: str
    """Unique within the output folder: ``<camera>-<UTC start>-<n>``."""
    camera: str
    source: str
    """The stream, without credentials."""
    start_s: float
    """Start on the camera's stream time (the start of the window that opened it), seconds."""
    end_s: float | None = None
    """End on the stream time (the end of the last window at or above the close level);
    None while open."""
    start_time: str
    """Wall-clock time of ``start_s`` (UTC, ISO 8601)."""
    end_time: str | None = None
    """Wall-clock time of ``end_s``."""
    alerted_at: str
    """Wall-clock time this event was produced."""
    latency_s: float
    """``alerted_at - start_time``, seconds: footage to alert."""
    peak_score: float
    """Highest causal score of the alert so far."""
    threshold: float
    """The opening threshold."""
    explanation: str
    """One sentence from the alert's strongest window (its caption, closest anomalous memory
    caption, score parts)."""
    evidence: list[Evidence] = []
    """Memory captions retrieved for the strongest window."""
    keyframe: str | None = None
    """Path of the JPEG keyframe (the strongest window's middle frame), if written."""
    keyframe_privacy: str | None = None
    """What was done to the keyframe: ``2 face(s) blurred``, ``blurred whole (face detection
    failed: …)`` or ``not anonymised``; None without a keyframe."""
    reason: str | None = None
    """Why it closed: ``score below <level> for <hold> s``, ``stream lost``, ``shutdown``."""
    meaningless: bool = False
    """True when the models are fakes or random weights: the alert means nothing."""


class StreamEventRecord(Strict):
    """One line of ``alerts.jsonl`` / one webhook POST about a stream's state."""

    event: Literal["stream_up", "stream_down", "stream_error"]
    camera: str
    source: str
    at: str
    """Wall-clock time (UTC, ISO 8601)."""
    session: int
    """Session number of the camera (1 for the first connection)."""
    reason: str = ""
    stream_s: float | None = None
    """The camera's stream time at the event, seconds."""


@dataclass
class _Open:
    alert_id: str
    start_s: float
    start_wall: float
    last_above: float
    """End (stream time) of the latest window at or above the close level."""
    last_above_wall: float
    peak: float
    best: Window
    frame: np.ndarray | None
    keyframe: Path | None
    cue: Cue | None = None
    """The acoustic cue's details of ``best``."""
    keyframe_privacy: str | None = None


class KeyframeWriter:
    """Writes alert keyframes as JPEG files under ``folder`` (PIL, extra ``report``), their
    faces blurred by ``anonymizer`` (None: as recorded) before they are shrunk to ``height``;
    folder and files owner-only with ``owner_only``."""

    def __init__(
        self, folder: Path, height: int, anonymizer: Anonymizer | None = None, owner_only=False
    ):
        self.folder = folder
        self.height = height
        self.anonymizer = anonymizer
        self.owner_only = owner_only
        self._warned = False

    def write(self, name: str, frame: np.ndarray | None) -> tuple[Path | None, str | None]:
        """``(path, what anonymisation did)`` of the keyframe ``name``; ``(None, None)`` when
        none is written."""
        if frame is None:
            return None, None
        try:
            image = require("PIL.Image", "alert keyframes", extra="report")
        except ImportError as exc:
            if not self._warned:
                log.warning("no alert keyframes: %s", exc)
                self._warned = True
            return None, None
        said = "not anonymised"
        if self.anonymizer is None:
            img = self._shrink(image.fromarray(np.ascontiguousarray(frame)))
        else:
            shrink = lambda f: np.asarray(self._shrink(image.fromarray(f)))  # noqa: E731
            small, outcome = self.anonymizer.apply(frame, shrink)
            img = image.fromarray(small)
            said = image_note(outcome) or f"{outcome.faces} face(s) blurred"
            if outcome.plates and not outcome.whole:
                said = f"{outcome.faces} face(s) and {outcome.plates} plate(s) blurred"
        path = private_dir(self.folder, self.owner_only) / f"{name}.jpg"
        with atomic_path(path, ".jpg") as tmp:
            img.save(tmp, format="JPEG", quality=85)
            private_file(tmp, self.owner_only)
        return path, said

    def _shrink(self, img):
        if img.height > self.height:
            img = img.resize((max(1, round(img.width * self.height / img.height)), self.height))
        return img


def middle_frame(frames: np.ndarray | None) -> np.ndarray | None:
    if frames is None or len(frames) == 0:
        return None
    return np.array(frames[len(frames) // 2])  # a copy: the clip's frames are let go


class AlertTracker:
    """The alert state of one camera, fed its windows in time order."""

    def __init__(
        self,
        camera: str,
        source: str,
        live: LiveConfig,
        threshold: float,
        keyframes: KeyframeWriter | None = None,
        meaningless: bool = False,
    ):
        self.camera = camera
        self.source = source
        self.threshold = threshold
        self.keep_level = max(threshold - live.hysteresis, 0.0)
        self.hold_s = live.hold_s
        self.keyframes = keyframes
        self.meaningless = meaningless
        self.current: _Open | None = None
        self.count = 0
        self.audio_note: Callable[[Window, Cue | None], str] | None = None
        """Says what was heard when the sound raised a window (set when audio is on)."""

    def update(
        self,
        window: Window,
        y: float,
        wall_start: float,
        frames: np.ndarray | None,
        now: float,
        cue: Cue | None = None,
    ) -> list[AlertEvent]:
        """Take the next window (its causal score ``y``, ``cue``: its acoustic cue's details);
        the alert events it causes."""
        a = self.current
        if a is None:
            if y < self.threshold:
                return []
            self.count += 1
            stamp = datetime.fromtimestamp(wall_start, UTC).strftime("%Y%m%dT%H%M%SZ")
            a = _Open(f"{self.camera}-{stamp}-{self.count}", window.start, wall_start,
                      window.end, wall_start + (window.end - window.start), y, window,
                      middle_frame(frames), None, cue)  # fmt: skip
            self.current = a
            if self.keyframes is not None:
                a.keyframe, a.keyframe_privacy = self.keyframes.write(a.alert_id, a.frame)
            return [self._event("alert_open", a, now)]
        if y >= self.keep_level:
            a.last_above = window.end
            a.last_above_wall = wall_start + (window.end - window.start)
            a.peak = max(a.peak, y)
            if window.score > a.best.score:
                a.best, a.frame, a.cue = window, middle_frame(frames), cue
            return []
        if window.end - a.last_above >= self.hold_s:
            reason = f"score below {self.keep_level:.3g} for {self.hold_s:g} s"
            return [self.close(reason, now)]
        return []

    def close(self, reason: str, now: float) -> AlertEvent | None:
        """Close the open alert (if any) for ``reason``."""
        a = self.current
        if a is None:
            return None
        self.current = None
        if self.keyframes is not None and a.frame is not None:
            path, said = self.keyframes.write(a.alert_id, a.frame)
            if path is not None:
                a.keyframe, a.keyframe_privacy = path, said
        return self._event("alert_close", a, now, reason)

    def describe(self) -> tuple[str, list[Evidence]]:
        """Explanation and evidence of the open alert (from its strongest window)."""
        a = self.current
        if a is None:
            return "", []
        return self._explain(a)

    def _explain(self, a: _Open) -> tuple[str, list[Evidence]]:
        explanation, evidence = explain_segment([a.best], a.start_s, a.last_above)
        if self.audio_note is not None:
            explanation += self.audio_note(a.best, a.cue)
        return explanation, evidence

    def _event(self, kind, a: _Open, now: float, reason: str | None = None) -> AlertEvent:
        closed = kind == "alert_close"
        explanation, evidence = self._explain(a)
        return AlertEvent(
            event=kind,
            alert_id=a.alert_id,
            camera=self.camera,
            source=self.source,
            start_s=round(a.start_s, 3),
            end_s=round(a.last_above, 3) if closed else None,
            start_time=iso(a.start_wall),
            end_time=iso(a.last_above_wall) if closed else None,
            alerted_at=iso(now),
            latency_s=round(now - a.start_wall, 3),
            peak_score=round(a.peak, 6),
            threshold=self.threshold,
            explanation=explanation,
            evidence=evidence,
            keyframe=str(a.keyframe) if a.keyframe else None,
            keyframe_privacy=a.keyframe_privacy if a.keyframe else None,
            reason=reason,
            meaningless=self.meaningless,
        )
