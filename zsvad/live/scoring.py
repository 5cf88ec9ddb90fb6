"""Scoring live windows with the ``score`` pipeline: the same models, components and fusion.

A batch of complete windows (possibly of several cameras) goes through the stages
:func:`zsvad.pipeline.video.score_video` uses: the sample stage's
:func:`~zsvad.pipeline.sample.describe` (captions and clip embeddings, one model call each for
the batch), then the stages of :func:`zsvad.pipeline.stages.score_groups` with one group per
camera: components (clip, retrieval, judge: a judge never sees another camera's captions as
neighbours), audio and fuse (a stream's finish is causal: :mod:`zsvad.live.causal`). With a
judge, a window's neighbour captions are those of its own batch: live mode cannot show it
windows that have not arrived.

``retrieval.video_residual`` takes the mean of all of a video's caption embeddings out of each;
live mode takes out the running mean of the camera's recent captions (:class:`RunningResidual`):
for a caption it equals ``score``'s residual of a video that ends with that caption.

The sound of each window (:class:`~zsvad.live.audio.WindowAudio`, cut by the reader) adds what
``score``'s audio stage (:func:`zsvad.pipeline.video.hear`) adds: the causal cue as ``audio_cue``,
and with an audio-text model the batch's windows embedded ``audio.batch_size`` at a time and
retrieved against the memory's audio captions (``audio``, with their evidence); fusion is then
``score``'s max(coarse audio, fine).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from zsvad.audio.score import embed_audio, retrieve_audio
from zsvad.backends.protocols import Clip
from zsvad.live.audio import WindowAudio
from zsvad.pipeline.components import WindowInput
from zsvad.pipeline.core import Pipeline
from zsvad.pipeline.parts import Parts
from zsvad.pipeline.run import VideoRun
from zsvad.pipeline.sample import describe
from zsvad.pipeline.stages import Group, score_groups
from zsvad.results.schema import Window


class RunningResidual:
    """The causal ``video_residual`` of one camera: each query vector, in order, minus
    ``share`` of the mean of the last ``keep`` vectors (itself included), renormalised; a
    camera's first vector is left unchanged, as ``video_residual`` leaves a lone one."""

    def __init__(self, share: float, keep: int):
        self.share = share
        self.keep = max(keep, 2)
        self._vecs: deque[np.ndarray] = deque()
        self._sum: np.ndarray | None = None

    def __call__(self, vecs: np.ndarray) -> np.ndarray:
        if self.share <= 0:
            return vecs
        out = np.array(vecs, dtype=np.float32, copy=True)
        for i, v in enumerate(np.asarray(vecs, dtype=np.float64)):
            self._vecs.append(v)
            self._sum = v.copy() if self._sum is None else self._sum + v
            if len(self._vecs) > self.keep:
                self._sum -= self._vecs.popleft()
            if len(self._vecs) < 2:
                continue
            r = v - self.share * self._sum / len(self._vecs)
            out[i] = r / max(float(np.linalg.norm(r)), 1e-12)
        return out


def score_clips(
    pipeline: Pipeline,
    clips: list[Clip],
    cameras: list[str],
    residuals: dict[str, RunningResidual] | None = None,
    audio: list[WindowAudio | None] | None = None,
) -> list[Window | None]:
    """One :class:`Window` per clip (None when no component could be scored, e.g. an empty
    caption and no image embedder: ``score`` leaves such windows out too); ``residuals``: the
    running residual of each camera (None: each batch's own, as if it were a video);
    ``audio``: each clip's sound (None: none)."""
    parts = pipeline.parts
    windows = describe(clips, parts.get("captioner"), parts.get("image_embedder"))
    groups = {}  # per camera, in order of first appearance (zsvad.pipeline.stages)
    for camera in dict.fromkeys(cameras):
        mine = [w for w, c in zip(windows, cameras) if c == camera]
        residual = residuals.get(camera) if residuals else None
        groups[camera] = Group(camera, mine, VideoRun(), residual=residual)
    hear = None  # the audio stage: the batch's windows in clip order, so a model batches them
    if audio is not None and pipeline.config.audio.enabled:
        hear = lambda _by_camera: add_audio(parts, windows, audio)  # noqa: E731
    score_groups(parts, list(groups.values()), hear, per_window=True)
    fused = {id(w): f for g in groups.values() for w, f in zip(g.windows, g.fused)}
    return [fused[id(w)] for w in windows]


def add_audio(parts: Parts, windows: list[WindowInput], audio: list[WindowAudio | None]) -> None:
    """Add each window's audio components and evidence, as ``score``'s audio stage does."""
    for w, heard in zip(windows, audio):
        if heard is not None and heard.cue is not None:
            w.components["audio_cue"] = heard.cue.score
    if not parts.config.audio.backend:
        return
    idx = [i for i, a in enumerate(audio) if a is not None and a.samples is not None]
    if not idx:
        return
    embedder, retriever = parts.get("audio_embedder"), parts.get("audio_retriever")
    size = parts.config.audio.batch_size
    vecs = [
        embed_audio(embedder, [audio[i].samples for i in idx[k : k + size]])
        for k in range(0, len(idx), size)
    ]
    for i, (score, evidence) in zip(idx, retrieve_audio(retriever, np.concatenate(vecs))):
        windows[i].components["audio"] = score
        windows[i].evidence = windows[i].evidence + evidence
