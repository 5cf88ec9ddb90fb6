"""The stage order of scoring, written once: components → audio → fuse → finish.

Every input mode calls these functions, so the order cannot drift between them:

- a captions file (:func:`zsvad.pipeline.captions.score_video_captions`) and a video file
  (:func:`zsvad.pipeline.video.score_video`, after its sample stage) call :func:`score_video`;
- live mode (:func:`zsvad.live.scoring.score_clips`) calls :func:`score_groups` (no finish: a
  stream's frame curve is causal, :mod:`zsvad.live.causal`);
- ``zsvad tune`` re-finishes windows already scored with :meth:`Pipeline.finish`.

1. **components** (:func:`~zsvad.pipeline.components.score_components`): clip, retrieval,
   events, judge;
2. **audio** (a stage given by the caller: the video's sound track, :func:`zsvad.pipeline.video.
   hear`, or live windows' sound): ``audio_cue`` / ``audio`` components and evidence;
3. **fuse** (:func:`~zsvad.pipeline.finish.fuse_windows`): one score per window, audio fused as
   the coarse stream of max(coarse, fine) with ``audio.fusion: max``
   (:func:`zsvad.audio.fusion.audio_streams`); a video's windows are fused together (the
   judge's ``fusion.judge_rule: min`` smooths over time), live windows each as it comes;
4. **finish** (:meth:`Pipeline.finish`: :func:`~zsvad.pipeline.finish.finish`): event scores,
   frames, smoothing, segments, how much audio raised each segment, provenance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zsvad.audio.fusion import audio_streams
from zsvad.pipeline.components import WindowInput, score_components
from zsvad.pipeline.finish import fuse_windows
from zsvad.pipeline.run import VideoRun
from zsvad.results.schema import VideoResult, Window

if TYPE_CHECKING:
    from zsvad.pipeline.core import Pipeline
    from zsvad.pipeline.parts import Parts

STAGES = ("components", "audio", "fuse", "finish")
"""The stages of scoring, in their order."""

AudioStage = Callable[[list[WindowInput]], Any]
"""The audio stage: adds audio components and evidence to the windows; what it returns (the
cue details) is handed to finish, which says what was heard in the segments audio raised."""


@dataclass
class Group:
    """The windows of one video (or camera) going through the stages together."""

    video_id: str
    windows: list[WindowInput]
    run: VideoRun = field(default_factory=VideoRun)
    duration: float | None = None
    """The video's duration (s): events are found only when given."""
    residual: Any = None
    """A replacement of retrieval's video residual (live mode's running one)."""
    events: list = field(default_factory=list)
    """Events found by the components stage."""
    fused: list[Window | None] = field(default_factory=list)
    """One fused window per input window (None: no component could be scored)."""


def score_groups(
    parts: Parts,
    groups: Sequence[Group],
    audio: AudioStage | None = None,
    stats: Mapping[str, Any] | None = None,
    per_window: bool = False,
) -> Any:
    """Components, audio and fuse for ``groups`` (each group's components alone: a judge never
    sees another group's captions; the audio stage sees every window at once, so a model
    batches them). ``stats`` join each group's run stats after the components stage's. The
    fuse stage fuses each group's windows together, as one video's
    (:func:`~zsvad.pipeline.finish.fuse_windows`), or with ``per_window`` (live) each window
    alone. Returns what the audio stage returned."""
    for g in groups:
        g.events = score_components(parts, g.windows, g.video_id, g.run, g.residual, g.duration)
        g.run.stats.update(stats or {})
    heard = audio([w for g in groups for w in g.windows]) if audio is not None else None
    fusion, coarse = parts.config.fusion, audio_streams(parts.config)
    for g in groups:
        if per_window:  # live: a window is fused as it comes, never with later ones
            g.fused = [next(iter(fuse_windows([w], fusion, coarse)), None) for w in g.windows]
        else:  # a whole video's windows at once (the judge's min rule smooths over time)
            fused = iter(fuse_windows(g.windows, fusion, coarse))
            g.fused = [next(fused) if w.components else None for w in g.windows]
    return heard


def score_video(
    pipeline: Pipeline,
    video_id: str,
    fps: float,
    num_frames: int,
    windows: list[WindowInput],
    run: VideoRun,
    audio: AudioStage | None = None,
    stats: Mapping[str, Any] | None = None,
) -> VideoResult:
    """One video's windows through every stage: components, audio, fuse, finish (``stats``:
    the input's own, recorded after the components stage's, see :func:`score_groups`)."""
    group = Group(video_id, windows, run, duration=num_frames / fps)
    heard = score_groups(pipeline.parts, [group], audio, stats)
    fused = [w for w in group.fused if w is not None]
    return pipeline.finish(
        video_id, fps, num_frames, fused, run=run, events=group.events, heard=heard
    )
