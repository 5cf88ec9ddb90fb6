"""Scoring live windows with the ``score`` pipeline: the same models, components and fusion.

A batch of complete windows (possibly of several cameras) is captioned and CLIP-embedded in one
call each, exactly as :func:`zsvad.pipeline.video.score_video` does for a file's batches; the
retrieval (and judge) components are then added per camera, so a judge never sees another
camera's captions as neighbours. With a judge, a window's neighbour captions are those of its
own batch: live mode cannot show it windows that have not arrived.
"""

from __future__ import annotations

from zsvad.backends.protocols import Clip
from zsvad.pipeline.core import Pipeline, WindowInput
from zsvad.pipeline.video import add_clip_scores, caption_clips, clip_embeddings
from zsvad.results.schema import Window


def score_clips(pipeline: Pipeline, clips: list[Clip], cameras: list[str]) -> list[Window | None]:
    """One :class:`Window` per clip (None when no component could be scored, e.g. an empty
    caption and no image embedder: ``score`` leaves such windows out too)."""
    inputs = [WindowInput(round(c.start, 6), round(c.end, 6)) for c in clips]
    if pipeline.captioner is not None:
        for w, text in zip(inputs, caption_clips(pipeline.captioner, clips)):
            w.text = text
    if pipeline.image_embedder is not None:
        add_clip_scores(pipeline, inputs, clip_embeddings(pipeline.image_embedder, clips))
    for camera in dict.fromkeys(cameras):
        mine = [w for w, c in zip(inputs, cameras) if c == camera]
        pipeline.score_components(mine, camera)
    return [pipeline.window_record(w) if w.components else None for w in inputs]
