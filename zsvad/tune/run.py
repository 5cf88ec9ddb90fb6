"""Score the videos under every setting of a grid and cross-validate the choice among them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from zsvad.config.judge import judge_backend
from zsvad.config.schema import ZsvadConfig
from zsvad.io.captions import VideoCaptions
from zsvad.pipeline.captions import prefetch_captions, score_video_captions
from zsvad.pipeline.components import text_parts
from zsvad.pipeline.core import Pipeline
from zsvad.results.schema import Event, Provenance, VideoResult, Window
from zsvad.tune.data import TuneData
from zsvad.tune.figures import Figures, fold_figures, mean_figures
from zsvad.tune.folds import split_folds
from zsvad.tune.grid import Setting
from zsvad.tune.select import Selection, nested_select

#: events settings used only when windows become frames (``Pipeline.finish``)
EVENTS_FINISH = {"aggregate", "top_share", "weight", "complete", "segment_score"}


def window_key(cfg: ZsvadConfig) -> str:
    """The settings fused window scores (and events) depend on: all but the temporal ones and
    the events' finishing ones (which only turn windows into frames), except the threshold a
    judge centres its scores on."""
    data = cfg.model_dump(
        mode="json", exclude={"temporal": True, "profile": True, "events": EVENTS_FINISH}
    )
    if judge_backend(cfg.judge):
        data["judge_center"] = cfg.temporal.threshold
    return json.dumps(data, sort_keys=True)


class GridScorer:
    """Scores the same videos under one config after another, loading each model and index
    once (:meth:`Pipeline.with_config`), searching the memory once per ``retrieval.k`` and
    index (:attr:`Retriever.searches`), and reusing the scored windows when only temporal
    settings changed since the previous config."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self._key: str | None = None
        self._windows: dict[str, list[Window]] = {}
        self._events: dict[str, list[Event]] = {}

    def score(self, config: ZsvadConfig, videos: list[VideoCaptions]) -> list[VideoResult]:
        pipe = self.pipeline.with_config(config)
        if pipe.retriever.searches is None:  # neighbours found once per k and set of indexes
            pipe.retriever.searches = {}
        key = window_key(config)
        if key == self._key:
            pipe.parts.use(*text_parts(pipe.parts))  # the parts the windows came from
            out = [
                pipe.finish(
                    v.video_id,
                    v.fps,
                    v.num_frames,
                    self._windows[v.video_id],
                    v.source,
                    events=self._events[v.video_id],
                )
                for v in videos
            ]
        else:
            prefetch_captions(pipe, videos)
            out = [score_video_captions(pipe, v) for v in videos]
            self._key, self._windows = key, {r.video_id: r.windows for r in out}
            self._events = {r.video_id: r.events for r in out}
        self.pipeline = pipe
        return out


@dataclass
class SettingResult:
    """Figures of one setting: on all videos, per fold, and per fold on the other folds."""

    setting: Setting
    all: Figures
    folds: list[Figures]
    """Per fold: the fold's videos alone."""
    train: list[Figures]
    """Per fold: the other folds' videos (what nested selection chooses by)."""
    seconds: float = 0.0
    """Wall time of scoring and evaluating the setting."""
    provenance: Provenance | None = None
    """Provenance of one of its results (models, memory)."""

    @property
    def oof(self) -> Figures:
        """Mean of the per-fold figures (out-of-fold)."""
        return mean_figures(self.folds)


@dataclass
class TuneReport:
    """Everything a tuning run found."""

    data: TuneData
    results: list[SettingResult]
    """One per setting, in grid order."""
    selection: Selection
    folds: int
    seed: int
    fold_of: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def chosen(self) -> SettingResult:
        return self.results[self.selection.chosen]


def tune(
    data: TuneData,
    settings: list[Setting],
    folds: int = 5,
    seed: int = 0,
    pipeline: Pipeline | None = None,
    on_result: Callable[[int, SettingResult], None] | None = None,
) -> TuneReport:
    """Score ``data`` under every setting, compute all-dev and per-fold figures, and select
    by nested cross-validation over a ``seed``-fixed split of the videos into ``folds``.
    ``pipeline`` lends its loaded parts; ``on_result(index, result)`` is called as each
    setting finishes (settings that differ only in temporal keys are scored together)."""
    start = time.perf_counter()
    abnormal = {v.video_id: data.annotations[v.video_id].abnormal for v in data.videos}
    fold_of = split_folds(abnormal, folds, seed)
    scorer = GridScorer(pipeline or Pipeline(settings[0].config))
    keys = [window_key(s.config) for s in settings]
    order = sorted(range(len(settings)), key=lambda i: keys.index(keys[i]))
    results: list[SettingResult | None] = [None] * len(settings)
    for i in order:
        t0 = time.perf_counter()
        scored = scorer.score(settings[i].config, data.videos)
        every, per_fold, train = fold_figures(data.annotations, scored, fold_of)
        provenance = scored[0].provenance
        results[i] = SettingResult(
            settings[i], every, per_fold, train, time.perf_counter() - t0, provenance
        )
        if on_result is not None:
            on_result(i, results[i])
    selection = nested_select(results, data.metric)
    return TuneReport(data, results, selection, folds, seed, fold_of, time.perf_counter() - start)
