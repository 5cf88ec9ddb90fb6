"""Components: per-window scores in [0, 1], each from one kind of evidence.

A window (:class:`WindowInput`) comes from the sample stage (video) or a captions file with its
caption and/or clip embedding; :func:`score_components` adds, in this order, ``clip`` (the clip
embedding against the memory), ``retrieval`` (the caption against the memory) and ``judge``
(the LLM judge, which may look at the other two). Another evidence stream adds its component
the same way: a function over the list of windows, called from :func:`score_components`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zsvad.config.judge import judge_backend
from zsvad.memory.retrieval import Retriever
from zsvad.pipeline.events import find_video_events
from zsvad.pipeline.parts import Parts
from zsvad.pipeline.run import VideoRun
from zsvad.results.schema import Evidence


@dataclass
class WindowInput:
    """A time window to score: its caption and/or clip embedding, and the components so far."""

    start: float
    end: float
    text: str | None = None
    components: dict[str, float] = field(default_factory=dict)
    """Scores already computed for the window (e.g. ``clip``), each in [0, 1]."""
    evidence: list[Evidence] = field(default_factory=list)
    rationale: str | None = None
    """The judge's short rationale, when a judge scored the window."""
    embedding: np.ndarray | None = None
    """The clip's unit embedding (image embedder), when one was computed or cached."""
    text_vector: np.ndarray | None = None
    """The caption's unit embedding as retrieval scored it (events reuse it)."""


def clip_component(windows: list[WindowInput], clip_retriever: Retriever) -> None:
    """``clip``: each window's clip embedding scored against the memory embedded with the
    image embedder's text tower; its neighbours become the window's evidence."""
    idx = [i for i, w in enumerate(windows) if w.embedding is not None]
    vectors = np.stack([windows[i].embedding for i in idx])
    for i, s in zip(idx, clip_retriever.score_embeddings(vectors)):
        windows[i].components["clip"] = s.score
        windows[i].evidence = s.evidence


def retrieval_component(
    windows: list[WindowInput], retriever: Retriever, queries, residual=None
) -> None:
    """``retrieval``: each caption embedded (through ``queries``, the query cache) and scored
    against the memory; its neighbours go before the window's other evidence. ``residual``:
    see :meth:`Retriever.score_texts` (live mode's causal video residual)."""
    idx = [i for i, w in enumerate(windows) if w.text]
    extra = {"residual": residual} if residual is not None else {}
    scored = retriever.score_texts([windows[i].text for i in idx], queries, **extra)
    for i, s in zip(idx, scored):
        windows[i].components["retrieval"] = s.score
        windows[i].evidence = s.evidence + windows[i].evidence
        windows[i].text_vector = s.vector


def text_parts(parts: Parts) -> tuple[str, ...]:
    """The parts that score windows with captions under ``parts.config``."""
    judge = ("judge",) if judge_backend(parts.config.judge) else ()
    return ("query_embedder", "retriever", *judge)


def score_components(
    parts: Parts,
    windows: list[WindowInput],
    video_id: str,
    run: VideoRun,
    residual=None,
    duration: float | None = None,
) -> list:
    """Add every configured component to ``windows``; the judge's counters go to ``run``.
    ``residual``: the retrieval's video residual, replaced (live mode; see
    :meth:`Retriever.score_texts`). Given the video's ``duration`` (s), its events are found
    between retrieval and the judge (``config.events``; the judge may ask about them) and
    returned."""
    run.captions = sum(1 for w in windows if w.text)
    if any(w.embedding is not None for w in windows):
        clip_component(windows, parts.get("clip_retriever"))
    if any(w.text for w in windows):
        queries = parts.get("query_embedder")
        retrieval_component(windows, parts.get("retriever"), queries, residual)
    ev = parts.config.events  # events: boundaries from the windows' vectors, before the judge
    events = find_video_events(windows, duration, ev) if duration is not None else []
    if judge_backend(parts.config.judge):
        by_event = events if events and ev.judge == "events" else None
        judge = parts.get("judge")
        stats = judge.score(windows, video_id, by_event, ev.judge_max_captions)
        if stats.get("warning"):  # e.g. a judgments file without this video
            run.warn(stats.pop("warning"))
        run.stats.update(stats)
    return events
