"""The scoring core shared by every input mode: windows in, a :class:`VideoResult` out.

A :class:`Pipeline` holds a config and its :class:`~zsvad.pipeline.parts.Parts` (models, memory,
indexes and judge, each loaded once, on first use) and scores many videos; batch workers keep
one per process. A video goes through the stages in the order :mod:`zsvad.pipeline.stages`
writes down (components → audio → fuse → finish, provenance last), its stats travelling in
its :class:`~zsvad.pipeline.run.VideoRun`; video files are sampled first (:mod:`.video`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import cached_property

from zsvad.backends.protocols import Captioner, ImageTextEmbedder, ModelInfo, TextEmbedder
from zsvad.config.judge import judge_backend
from zsvad.config.schema import ZsvadConfig
from zsvad.identity import config_hash
from zsvad.memory.embedcache import CachedEmbedder
from zsvad.memory.retrieval import Retriever
from zsvad.memory.store import Memory
from zsvad.pipeline.components import WindowInput
from zsvad.pipeline.finish import finish, mark_audio
from zsvad.pipeline.parts import Parts
from zsvad.pipeline.provenance import build_provenance
from zsvad.pipeline.run import VideoRun
from zsvad.pipeline.stages import score_video
from zsvad.results.schema import MEANINGLESS, Provenance, VideoResult, Window

__all__ = ["MEANINGLESS", "Pipeline", "WindowInput"]


class Pipeline:
    """Scores windows of videos with the models and memory named in ``config``."""

    def __init__(
        self,
        config: ZsvadConfig,
        *,
        text_embedder: TextEmbedder | None = None,
        parts: Parts | None = None,
    ):
        self.config = config
        given = {"text_embedder": text_embedder} if text_embedder is not None else None
        self.parts = parts if parts is not None else Parts(config, given)
        """The models, memory and indexes, built on first use (see :class:`Parts`)."""
        self.prefetch_s = 0.0
        """Seconds spent embedding captions ahead (:meth:`prefetch`), over
        ``prefetch_texts`` captions."""
        self.prefetch_texts = 0

    def with_config(self, config: ZsvadConfig) -> Pipeline:
        """A pipeline for ``config`` that shares this one's loaded models, memory and indexes
        wherever the settings they depend on are unchanged (so scoring a captions set under many
        settings loads each model and index once); only what differs is built anew. Scores are
        those of ``Pipeline(config)``; each part counts as used (provenance) once it scores."""
        return Pipeline(config, parts=self.parts.hand_on(config))

    @cached_property
    def config_hash(self) -> str:
        """Hash of what this config's results depend on (:mod:`zsvad.identity`); computed on
        first use, as it reads the prompt templates and memory files behind the config."""
        return config_hash(self.config)

    # -- parts (built on first use; see Parts) -----------------------------------------------
    @property
    def text_embedder(self) -> TextEmbedder:
        return self.parts.get("text_embedder")

    @property
    def query_embedder(self) -> TextEmbedder:
        """The text embedder as captions see it: through the on-disk query cache when
        ``embedder.query_cache`` is on (only :meth:`prefetch` adds to it)."""
        return self.parts.get("query_embedder")

    @property
    def memory(self) -> Memory:
        return self.parts.get("memory")

    @property
    def retriever(self) -> Retriever:
        return self.parts.get("retriever")

    @property
    def image_embedder(self) -> ImageTextEmbedder | None:
        """The CLIP-like embedder of ``config.image_embedder`` (None when not configured)."""
        return self.parts.get("image_embedder")

    @property
    def captioner(self) -> Captioner | None:
        """The captioner of ``config.captioner`` (None when not configured)."""
        return self.parts.get("captioner")

    @property
    def clip_retriever(self) -> Retriever:
        """Retriever over the memory embedded with the image embedder's text tower."""
        return self.parts.get("clip_retriever")

    @property
    def judge(self):
        """The LLM judge of ``config.judge`` (see :mod:`zsvad.judge`)."""
        return self.parts.get("judge")

    def load(self) -> Pipeline:
        """Load now every model and index the configuration uses (otherwise each is loaded on
        first use); batch workers call it before their first timed video. Provenance still
        lists only the models a video was scored with."""
        self.parts.preload("retriever")  # text embedder, memory, index: every caption needs them
        if self.parts.preload("image_embedder") is not None:
            self.parts.preload("clip_retriever")
        self.parts.preload("captioner")
        if judge_backend(self.config.judge):
            _ = self.parts.preload("judge").llm
        if self.config.audio.backend:
            self.parts.preload("audio_retriever")  # the audio-text model, its audio index
        return self

    def prefetch(self, texts: list[str], progress=None, on_total=None) -> int:
        """Embed, once each and in large batches, every query the captions ``texts`` will ask
        for, and keep them in the query cache; returns how many were embedded. Scoring the
        videos afterwards then embeds nothing. ``on_total(n)``: how many texts will be embedded
        (after the models loaded), ``progress(n)``: as they are."""
        queries = self.query_embedder
        if not isinstance(queries, CachedEmbedder):
            if on_total is not None:
                on_total(0)
            return 0
        wanted = self.retriever.query_texts(texts)  # loads the models first: not timed
        t0 = time.perf_counter()
        embedded = queries.warm(wanted, progress, on_total)
        if embedded:  # its time is shared out over the captions (provenance wall_s)
            self.prefetch_s += time.perf_counter() - t0
            self.prefetch_texts += len(texts)
        return embedded

    def models(self) -> list[ModelInfo]:
        """Models used so far (recorded in provenance)."""
        return [m.info for m in self.parts.models()]

    # -- scoring ------------------------------------------------------------------------------
    def score_windows(
        self,
        video_id: str,
        fps: float,
        num_frames: int,
        windows: list[WindowInput],
        source: str | None = None,
        run: VideoRun | None = None,
    ) -> VideoResult:
        """Score ``windows`` of one video through every stage (:mod:`.stages`)."""
        return score_video(self, video_id, fps, num_frames, windows, run or VideoRun(source))

    def finish(
        self,
        video_id: str,
        fps: float,
        num_frames: int,
        windows: list[Window],
        source: str | None = None,
        run: VideoRun | None = None,
        events: Sequence = (),
        heard=None,
    ) -> VideoResult:
        """The finish stage: fused windows → per-frame scores, segments (and how much audio
        raised each, ``heard``: what the audio stage returned) and provenance; ``events``
        (found by the components stage, or a result's) shape them when ``config.events`` is
        on."""
        run = run or VideoRun(source)
        c = self.config
        done = finish(windows, fps, num_frames, c.temporal, events, c.events)
        result = VideoResult(
            video_id=video_id,
            fps=fps,
            num_frames=num_frames,
            frame_scores=done.frame_scores,
            segments=done.segments,
            windows=windows,
            events=done.events,
            provenance=self.provenance(run),
        )
        return mark_audio(result, c, heard)

    def provenance(self, run: VideoRun) -> Provenance:
        """Provenance of a video scored now: the parts used so far and the video's ``run``."""
        return build_provenance(self.parts, self.config_hash, run)
