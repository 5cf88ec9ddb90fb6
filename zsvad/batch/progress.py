"""Progress of a batch run: videos done / failed / remaining and video-hours per hour."""

from __future__ import annotations

import time

from zsvad.batch.job import Outcome
from zsvad.progress import bar


class Progress:
    """Counts outcomes and shows them on a progress bar (stderr)."""

    def __init__(self, total: int, quiet: bool = False):
        self.total = total
        self.ok = 0
        self.failed = 0
        self.video_s = 0.0
        self.judge_cache_hits = 0
        """Judge answers read from the cache by this run's finished videos."""
        self.judge_asked = 0
        """Judge requests this run's finished videos sent to the model."""
        self.t0 = time.monotonic()
        self.bar = bar(total, "batch", "video", quiet or total == 0, mininterval=0.5, leave=True)

    @property
    def wall_s(self) -> float:
        return time.monotonic() - self.t0

    @property
    def video_hours_per_hour(self) -> float:
        """Hours of video scored per hour of wall time (= realtime factor)."""
        return self.video_s / self.wall_s if self.wall_s > 0 else 0.0

    def update(self, outcome: Outcome) -> None:
        if outcome.ok:
            self.ok += 1
            self.video_s += float(outcome.stats.get("duration_s", 0.0))
            self.judge_cache_hits += int(outcome.stats.get("judge_cache_hits", 0))
            self.judge_asked += int(outcome.stats.get("judge_asked", 0))
        else:
            self.failed += 1
        left = self.total - self.ok - self.failed
        self.bar.set_postfix_str(
            f"ok={self.ok} failed={self.failed} left={left} "
            f"{self.video_hours_per_hour:.1f} video-h/h",
            refresh=False,
        )
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()
