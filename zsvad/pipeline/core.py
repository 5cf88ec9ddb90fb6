"""The scoring core shared by every input mode: windows in, a :class:`VideoResult` out.

A :class:`Pipeline` loads its models once (lazily) and scores many videos; batch workers keep one
per process. Stages: retrieval (and other components) per window → fusion → frames → smoothing →
segments with explanations → provenance.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

import numpy as np

from zsvad import registry
from zsvad._version import __version__
from zsvad.backends.protocols import Captioner, ImageTextEmbedder, ModelInfo, TextEmbedder
from zsvad.config.schema import ZsvadConfig
from zsvad.fusion.rules import fuse
from zsvad.identity import config_hash
from zsvad.memory.embedcache import CachedEmbedder
from zsvad.memory.index import load_indexes
from zsvad.memory.retrieval import Retriever
from zsvad.memory.store import Memory, load_memory
from zsvad.pipeline.efficiency import parameter_count
from zsvad.pipeline.events import EventFinish, find_video_events
from zsvad.redact import redact_tree
from zsvad.results.schema import (
    Evidence,
    MemoryRecord,
    ModelRecord,
    Provenance,
    Segment,
    VideoResult,
    Window,
)
from zsvad.temporal.frames import intervals_to_frames
from zsvad.temporal.segments import cut_segments
from zsvad.temporal.smoothing import gaussian_smooth

log = logging.getLogger(__name__)

MEANINGLESS = "scores are meaningless: produced with fake or random-weight models"


@dataclass
class WindowInput:
    """A time window to score: its caption and/or components computed upstream."""

    start: float
    end: float
    text: str | None = None
    components: dict[str, float] = field(default_factory=dict)
    """Scores already computed for the window (e.g. ``clip``), each in [0, 1]."""
    evidence: list[Evidence] = field(default_factory=list)
    rationale: str | None = None
    """The judge's short rationale, when a judge scored the window."""
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    """Unit vectors of the window by source (``captions``, ``clip``): event boundaries."""


class _part(cached_property):
    """A lazily loaded part of the pipeline; one loaded ahead by :meth:`Pipeline.load` counts as
    used (and so appears in provenance) only once scoring first asks for it."""

    def __get__(self, obj, cls=None):
        if obj is not None and self.attrname not in obj.__dict__:
            ready = obj._preloaded.pop(self.attrname, None)
            if ready is not None:
                obj.__dict__[self.attrname] = ready
                return ready
        return super().__get__(obj, cls)


_PARTS = ("text_embedder", "memory", "retriever", "image_embedder", "captioner", "clip_retriever")


def _settings(section) -> dict:
    """A backend section's fields as constructor kwargs (unset ones left to the backend)."""
    return {k: v for k, v in section.model_dump().items() if k != "backend" and v is not None}


@dataclass(frozen=True)
class _Unloaded:
    """A model recorded in provenance without being loaded (its answers came from a cache)."""

    info: ModelInfo
    _zsvad_parameters: int | None = None


def _identity(cfg: ZsvadConfig, part: str) -> list:
    """The settings a part of the pipeline is built from: equal settings, same part."""
    embedder = cfg.embedder.model_dump(exclude={"query_cache"})
    memory = cfg.memory.model_dump(include={"name", "extra_files", "categories"})
    if part == "text_embedder":
        return [embedder]
    if part == "memory":
        return [memory]
    if part == "retriever":
        return [embedder, cfg.memory.model_dump(), cfg.retrieval.label_prefix]
    if part == "clip_retriever":
        return [cfg.image_embedder.model_dump(), cfg.memory.model_dump()]
    if part == "judge":
        return [cfg.judge.model_dump(), cfg.temporal.threshold]
    return [getattr(cfg, part).model_dump()]  # image_embedder, captioner


class Pipeline:
    """Scores windows of videos with the models and memory named in ``config``."""

    def __init__(self, config: ZsvadConfig, *, text_embedder: TextEmbedder | None = None):
        self.config = config
        if text_embedder is not None:
            self.__dict__["text_embedder"] = text_embedder
        self.stats: dict[str, float] = {}
        self._preloaded: dict[str, object] = {}
        self._queries: CachedEmbedder | None = None  # a query cache handed on by with_config
        self.prefetch_s = 0.0
        """Seconds spent embedding captions ahead (:meth:`prefetch`), over
        ``prefetch_texts`` captions."""
        self.prefetch_texts = 0

    def with_config(self, config: ZsvadConfig) -> Pipeline:
        """A pipeline for ``config`` that shares this one's loaded models, memory and indexes
        wherever the settings they depend on are unchanged (so scoring a captions set under many
        settings loads each model and index once); only what differs is built anew. Scores are
        those of ``Pipeline(config)``; each part counts as used (provenance) once it scores."""
        other = Pipeline(config)
        loaded = {**self._preloaded, **{n: self.__dict__[n] for n in _PARTS if n in self.__dict__}}
        for name, value in loaded.items():
            if value is None or _identity(self.config, name) != _identity(config, name):
                continue
            if name in ("retriever", "clip_retriever"):  # same indexes, new scoring settings
                value = Retriever(value.indexes, config.retrieval, value.searches)
            other._preloaded[name] = value
        queries = self.__dict__.get("query_embedder", self._queries)
        if isinstance(queries, CachedEmbedder) and config.embedder.query_cache:
            other._queries = queries
        judge = self.__dict__.get("judge")
        if judge is not None and _identity(self.config, "judge") == _identity(config, "judge"):
            other.__dict__["judge"] = judge
        return other

    @cached_property
    def config_hash(self) -> str:
        """Hash of what this config's results depend on (:mod:`zsvad.identity`); computed on
        first use, as it reads the prompt templates and memory files behind the config."""
        return config_hash(self.config)

    # -- lazily loaded parts ------------------------------------------------------------------
    @_part
    def text_embedder(self) -> TextEmbedder:
        c = self.config.embedder
        return registry.create(
            "text_embedder",
            c.backend,
            model=c.model,
            revision=c.revision,
            device=c.device,
            batch_size=c.batch_size,
            dtype=c.dtype,
        )

    @cached_property
    def query_embedder(self) -> TextEmbedder:
        """The text embedder as captions see it: through the on-disk query cache when
        ``embedder.query_cache`` is on (only :meth:`prefetch` adds to it)."""
        if not self.config.embedder.query_cache:
            return self.text_embedder
        embedder = self.text_embedder
        if self._queries is not None and self._queries.embedder is embedder:
            return self._queries  # vectors already read from disk (see with_config)
        return CachedEmbedder(
            embedder,
            use="queries",
            store_misses=False,
            max_entries=self.config.embedder.query_cache_max,
        )

    def prefetch(self, texts: list[str], progress=None) -> int:
        """Embed, once each and in large batches, every query the captions ``texts`` will ask
        for, and keep them in the query cache; returns how many were embedded. Scoring the
        videos afterwards then embeds nothing."""
        queries = self.query_embedder
        if not isinstance(queries, CachedEmbedder):
            return 0
        wanted = self.retriever.query_texts(texts)  # loads the models first: not timed
        t0 = time.perf_counter()
        embedded = queries.warm(wanted, progress)
        if embedded:  # its time is shared out over the captions (provenance wall_s)
            self.prefetch_s += time.perf_counter() - t0
            self.prefetch_texts += len(texts)
        return embedded

    @_part
    def memory(self) -> Memory:
        c = self.config.memory
        return load_memory(c.name, c.extra_files, c.categories)

    @_part
    def retriever(self) -> Retriever:
        indexes = load_indexes(
            self.memory, self.text_embedder, self.config.memory, self.config.retrieval.label_prefix
        )
        return Retriever(indexes, self.config.retrieval)

    @_part
    def image_embedder(self) -> ImageTextEmbedder | None:
        """The CLIP-like embedder of ``config.image_embedder`` (None when not configured)."""
        c = self.config.image_embedder
        if not c.backend:
            return None
        return registry.create("image_text_embedder", c.backend, **_settings(c))

    @_part
    def captioner(self) -> Captioner | None:
        """The captioner of ``config.captioner`` (None when not configured)."""
        c = self.config.captioner
        if not c.backend:
            return None
        kwargs = _settings(c)
        kwargs.update(kwargs.pop("options", {}))  # the same shape as judge.options
        return registry.create("captioner", c.backend, **kwargs)

    @_part
    def clip_retriever(self) -> Retriever:
        """Retriever over the memory embedded with the image embedder's text tower."""
        if self.image_embedder is None:
            raise ValueError("no image embedder configured")
        indexes = load_indexes(self.memory, self.image_embedder, self.config.memory)
        return Retriever(indexes, self.config.retrieval)

    @cached_property
    def judge(self):
        """The LLM judge of ``config.judge`` (see :mod:`zsvad.judge`)."""
        from zsvad.judge.judge import Judge

        return Judge(self.config.judge, center=self.config.temporal.threshold)

    def load(self) -> Pipeline:
        """Load now every model and index the configuration uses (otherwise each is loaded on
        first use); batch workers call it before their first timed video. Provenance still
        lists only the models a video was scored with."""
        before = {n for n in _PARTS if n in self.__dict__}
        _ = self.retriever  # text embedder, memory and its index: every caption goes through them
        if self.image_embedder is not None:
            _ = self.clip_retriever
        _ = self.captioner
        for name in _PARTS:
            if name not in before and self.__dict__.get(name) is not None:
                self._preloaded[name] = self.__dict__.pop(name)
        if self.config.judge.backend:
            _ = self.judge.llm
        return self

    def loaded_models(self) -> list:
        """Model objects loaded so far (each has ``.info``)."""
        names = ("text_embedder", "image_embedder", "captioner")
        loaded = [self.__dict__.get(name) for name in names]
        judge = self.__dict__.get("judge")
        if judge is not None and judge.loaded:
            loaded.append(judge.llm)
        elif judge is not None and judge.cached_info is not None:
            loaded.append(_Unloaded(judge.cached_info))  # answered from the cache only
        return [m for m in loaded if m is not None]

    def models(self) -> list[ModelInfo]:
        """Models loaded so far (recorded in provenance)."""
        return [m.info for m in self.loaded_models()]

    # -- scoring ------------------------------------------------------------------------------
    def score_components(
        self, windows: list[WindowInput], video_id: str = "", duration: float | None = None
    ) -> list:
        """Add the ``retrieval`` component (and its evidence) to windows that have text, then
        the ``judge`` component (and rationale) when ``config.judge.backend`` is set. Given the
        video's ``duration`` (s), finds its events in between (``config.events``) and returns
        them."""
        idx = [i for i, w in enumerate(windows) if w.text]
        if idx:
            texts = [windows[i].text for i in idx]
            scored = self.retriever.score_texts(texts, self.query_embedder)
            for i, s in zip(idx, scored):
                windows[i].components["retrieval"] = s.score
                windows[i].evidence = s.evidence + windows[i].evidence
                windows[i].vectors["captions"] = s.vector
        ev = self.config.events  # events: boundaries from the vectors, before the judge
        events = find_video_events(windows, duration, ev) if duration is not None else []
        if self.config.judge.backend:
            # per-video counters (set, not summed: provenance.stats describes this video)
            by_event = events if events and ev.judge == "events" else None
            self.stats.update(self.judge.score(windows, video_id, by_event, ev.judge_max_captions))
        return events

    def score_windows(
        self,
        video_id: str,
        fps: float,
        num_frames: int,
        windows: list[WindowInput],
        source: str | None = None,
    ) -> VideoResult:
        """Score ``windows`` of one video and turn them into a :class:`VideoResult`."""
        events = self.score_components(windows, video_id, num_frames / fps)
        records = []
        for w in windows:
            if not w.components:
                continue
            records.append(
                Window(
                    start=w.start,
                    end=w.end,
                    text=w.text,
                    scores={k: round(v, 6) for k, v in w.components.items()},
                    score=round(fuse(w.components, self.config.fusion), 6),
                    evidence=w.evidence,
                    rationale=w.rationale,
                )
            )
        return self.finish(video_id, fps, num_frames, records, source, events)

    def finish(
        self,
        video_id: str,
        fps: float,
        num_frames: int,
        windows: list[Window],
        source: str | None = None,
        events: Sequence = (),
    ) -> VideoResult:
        """Fused windows → per-frame scores, segments and provenance; ``events`` (found by
        :meth:`score_components`, or a result's) shape the scores and segments when
        ``config.events`` is on."""
        t = self.config.temporal
        ev = EventFinish(windows, events, fps, num_frames, self.config.events)
        raw = intervals_to_frames(ev.intervals(), fps, num_frames, t)
        smooth = gaussian_smooth(raw, t.smoothing_sigma_s, fps)
        segments = []
        for a, b in ev.segments(cut_segments(smooth, fps, t)):
            explanation, evidence = ev.explain(a / fps, (b + 1) / fps)
            segments.append(
                Segment(
                    start_frame=a,
                    end_frame=b,
                    start=round(a / fps, 3),
                    end=round((b + 1) / fps, 3),
                    score=round(ev.segment_score(smooth, a, b), 6),
                    explanation=explanation,
                    evidence=evidence,
                )
            )
        frame_scores = np.round(np.clip(smooth, 0.0, 1.0), 6).tolist()
        return VideoResult(
            video_id=video_id,
            fps=fps,
            num_frames=num_frames,
            frame_scores=frame_scores,
            segments=segments,
            windows=windows,
            events=ev.records(),
            provenance=self.provenance(source),
        )

    def _prompt_refs(self) -> list[str]:
        judge = self.__dict__.get("judge")
        if judge is None:
            return []
        return [t.ref for t in (judge.template, judge.summary_template) if t is not None]

    def provenance(self, source: str | None) -> Provenance:
        models = [
            ModelRecord(
                role=m.info.role,
                backend=m.info.backend,
                model=m.info.model,
                revision=m.info.revision,
                meaningless=m.info.meaningless,
                parameters=parameter_count(m),
            )
            for m in self.loaded_models()
        ]
        meaningless = any(m.meaningless for m in models)
        memory = None
        if {"memory", "retriever", "clip_retriever"} & self.__dict__.keys():  # memory was used
            m = self.memory
            memory = MemoryRecord(
                name=m.name, version=m.version, content_hash=m.content_hash, size=len(m.entries)
            )
        return Provenance(
            zsvad_version=__version__,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            config=redact_tree(self.config.model_dump(mode="json")),  # no URL credentials
            config_hash=self.config_hash,
            models=models,
            memory=memory,
            meaningless=meaningless,
            warnings=[MEANINGLESS] if meaningless else [],
            prompts=self._prompt_refs(),
            source=source,
            stats=dict(self.stats),
        )
