"""How audio components enter fusion, and which segments they raised.

:func:`fuse_window` is the window fusion of the scoring core: with ``audio.fusion: max`` the
audio components form the coarse stream of the seed's max(coarse, fine)
(:func:`zsvad.fusion.rules.fuse_streams`), with ``rule`` they are components like any other.
Without audio components both are exactly :func:`zsvad.fusion.rules.fuse`.

The finish stage (:func:`zsvad.pipeline.finish.mark_audio`) compares a result with what it
would be without its audio components (:func:`without_audio`) and records, per segment, how
much audio raised its score, its explanation saying what was heard (:func:`heard_note`,
:func:`raised_note`). :func:`window_audio_note` says the same of one window (the strongest
window of a live alert).
"""

from __future__ import annotations

from collections.abc import Mapping

from zsvad.audio import AUDIO_COMPONENTS
from zsvad.audio.cue import Cue
from zsvad.clock import clock
from zsvad.config.schema import ZsvadConfig
from zsvad.fusion.rules import fuse_streams
from zsvad.results.schema import Window

RAISED = 0.01
"""A segment whose peak audio raised by more than this is said to be raised by audio."""


def audio_streams(config: ZsvadConfig) -> tuple[str, ...]:
    """The components fused as a stream of their own (the coarse one of max(coarse, fine)):
    the audio components with ``audio.fusion: max``, none with ``rule``."""
    return AUDIO_COMPONENTS if config.audio.fusion == "max" else ()


def fuse_window(components: Mapping[str, float], config: ZsvadConfig) -> float:
    """A window's fused score under ``config.fusion`` and ``config.audio.fusion``."""
    return fuse_streams(components, config.fusion, audio_streams(config))


def has_audio(window: Window) -> bool:
    return any(k in window.scores for k in AUDIO_COMPONENTS)


def without_audio(windows: list[Window], config: ZsvadConfig) -> list[Window]:
    """The windows that have other components, scored from those only (not rounded)."""
    out = []
    for w in windows:
        rest = {k: v for k, v in w.scores.items() if k not in AUDIO_COMPONENTS}
        if rest:
            out.append(
                Window(start=w.start, end=w.end, scores=rest, score=fuse_window(rest, config))
            )
    return out


def heard_note(
    windows: list[Window], cues: dict[tuple[float, float], Cue], a: float, b: float
) -> str:
    """What audio says about the segment ``[a, b)``: its loudest cue and nearest sound."""
    inside = [w for w in windows if w.end > a and w.start < b and has_audio(w)]
    if not inside:
        return ""
    parts = []
    best = max(inside, key=lambda w: w.scores.get("audio_cue", -1.0))
    cue = cues.get((best.start, best.end))
    if cue is not None and "audio_cue" in best.scores:
        what = "sudden loud sound" if cue.feature == "loudness" else "sudden change of sound"
        parts.append(
            f"{what} at {clock(cue.peak)} ({cue.above_db:+.0f} dB over the running baseline, "
            f"cue {best.scores['audio_cue']:.2f})"
        )
    best = max(inside, key=lambda w: w.scores.get("audio", -1.0))
    heard = [e for e in best.evidence if e.label == "anomalous" and e.modality == "audio"]
    if "audio" in best.scores and heard:
        parts.append(f'sounds like "{heard[0].text}" (audio {best.scores["audio"]:.2f})')
    return "; ".join(parts)


def raised_note(by: float, said: str) -> str:
    return f" — audio raised it by {by:.2f}" + (f": {said}" if said else "")


def window_audio_note(window: Window, config: ZsvadConfig, cue: Cue | None = None) -> str:
    """What to append to the explanation of ``window`` when its audio components raised its
    fused score by more than :data:`RAISED` (as :func:`mark_audio` words a segment's, ``cue``:
    the window's cue details); empty otherwise."""
    if not has_audio(window):
        return ""
    rest = without_audio([window], config)
    by = window.score - (rest[0].score if rest else 0.0)
    if by <= RAISED:
        return ""
    cues = {(window.start, window.end): cue} if cue is not None else {}
    return raised_note(by, heard_note([window], cues, window.start, window.end))
