"""The record of one video's run: it travels with the video through the stages and ends up in
its provenance (stats, warnings, models answered from caches)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from zsvad.pipeline.efficiency import run_stats
from zsvad.results.schema import ModelRecord


@dataclass
class VideoRun:
    """What happened while one video was scored; each stage adds what it did."""

    source: str | None = None
    """Input the result is computed from (video path or captions file)."""
    stats: dict[str, Any] = field(default_factory=dict)
    """Counters of the run (cache hits, decoder, timings, windows, judge counters…)."""
    cached_models: list[ModelRecord] = field(default_factory=list)
    """Models whose outputs for this video were read from a cache instead of computed."""
    clips: int = 0
    """Clips decoded and passed through the vision models (0 when all came from the cache)."""
    captions: int = 0
    """Windows with a caption."""
    shared_s: float = 0.0
    """This video's share of work done for many videos at once (the caption prefetch)."""
    started: float = field(default_factory=time.perf_counter)

    def warn(self, problem: str) -> None:
        """Add a warning (kept in ``stats["warning"]`` and, naming the source, in
        ``provenance.warnings``)."""
        self.stats["warning"] = "; ".join(filter(None, [self.stats.get("warning"), problem]))

    def warnings(self) -> list[str]:
        return [f"{self.source}: {self.stats['warning']}"] if "warning" in self.stats else []

    def final_stats(self) -> dict[str, Any]:
        """The stats with the run's wall time, counts and peak memory, as of now."""
        wall = time.perf_counter() - self.started + self.shared_s
        return self.stats | run_stats(wall, clips=self.clips, captions=self.captions)
