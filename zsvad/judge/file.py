"""The judge component read from a judgments file (``judge.judgments``): no LLM is loaded.

:class:`FileJudge` stands where :class:`~zsvad.judge.judge.Judge` does (``Parts`` builds it for
``judge.backend: file``; the pipeline calls :meth:`FileJudge.score` the same way). Each window
gets the judgment of its time span (:meth:`zsvad.io.judgments.Timeline.match`): the one with
its exact span, else the overlap-weighted mean of those overlapping it. A window no judgment
overlaps gets no judge component (it is fused from the others) and is counted in
``windows_unjudged``; a video without any judgment is scored without the judge and warned about.
The prompt, gate, span and other LLM settings do not apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zsvad.backends.protocols import ModelInfo
from zsvad.config.judge import JudgeConfig
from zsvad.errors import ConfigError, InputError
from zsvad.io.judgments import Timeline, read_judgments
from zsvad.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class JudgmentsSource:
    """What provenance records for a judgments file, in the place of an LLM: the models named
    by its rows, and its content hash as the revision."""

    info: ModelInfo
    _zsvad_parameters: int | None = None


def cut_rationale(text: str | None, n: int) -> str | None:
    """``text`` on one line, at most ``n`` characters (``…`` when cut); None for ``n == 0``.
    The LLM judge cuts its rationales the same way (so a replayed one is unchanged)."""
    if not n or not text:
        return None
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


class FileJudge:
    """Scores windows from a judgments file (see the module docstring)."""

    template = None
    summary_template = None
    cached_info = None
    loaded = True

    def __init__(self, cfg: JudgeConfig):
        if not cfg.judgments:
            raise ConfigError("judge.backend file needs judge.judgments (a judgments JSONL file)")
        self.cfg = cfg
        try:
            self.file = read_judgments(cfg.judgments)
        except InputError as exc:  # every video would fail the same way: stop the run
            raise ConfigError(f"judge.judgments: {exc}") from exc
        models = self.file.models
        info = ModelInfo(
            "llm",
            "file",
            ", ".join(models) if models else "unknown",
            f"sha256:{self.file.content_hash}",
            meaningless=self.file.meaningless,
        )
        self.llm = JudgmentsSource(info)
        self._timelines: dict[str, Timeline] = {}

    def timeline(self, video_id: str) -> Timeline | None:
        """The judgments of ``video_id`` (None: the file has none); an InputError when the
        file's rows for it were rejected."""
        if video_id in self.file.errors:
            raise self.file.errors[video_id]
        judgments = self.file.videos.get(video_id)
        if judgments is None:
            return None
        if video_id not in self._timelines:
            self._timelines = {video_id: Timeline(judgments)}  # one video at a time
        return self._timelines[video_id]

    def score(
        self,
        windows: Sequence,
        video_id: str = "",
        events: Sequence | None = None,
        most_captions: int = 24,
    ) -> dict[str, Any]:
        """Add the ``judge`` component and rationale to the windows the file judges; return
        stats (``windows_judged``, ``windows_unjudged``, a ``warning`` for a video without
        judgments). ``events`` and ``most_captions`` are not used: judgments are per span."""
        timeline = self.timeline(video_id)
        if timeline is None:
            problem = f"no judgments for this video in {self.file.path}: scored without the judge"
            log.warning("%s: %s", video_id, problem)
            return {"windows_judged": 0, "windows_unjudged": len(windows), "warning": problem}
        judged = 0
        for w in windows:
            m = timeline.match(w.start, w.end)
            if m is None:
                continue
            judged += 1
            w.components["judge"] = m.score
            why = cut_rationale(m.rationale, self.cfg.max_rationale_chars)
            if why:
                w.rationale = why
        return {"windows_judged": judged, "windows_unjudged": len(windows) - judged}
