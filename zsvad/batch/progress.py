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
        self.quiet = quiet or total == 0
        self.bar = bar(total, "batch", "video", self.quiet, mininterval=0.5, leave=True)
        self.window_bar = None
        """Windows of the videos being scored, as workers report them (:meth:`windows`)."""

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

    def windows(self, report: tuple) -> None:
        """A worker's report on the windows of the video it scores (``("stage", name,
        total)`` or ``("advance", n)``): a second bar counts them, so a long video moves."""
        if self.window_bar is None:
            self.window_bar = bar(0, "windows", "window", self.quiet, position=1)
        if report[0] == "stage":
            _, name, total = report
            self.window_bar.set_description_str(f"windows {name}".strip(), refresh=False)
            if total:
                self.window_bar.total = (self.window_bar.total or 0) + total
            self.window_bar.refresh()
        elif report[0] == "advance":
            self.window_bar.update(report[1])

    def close(self) -> None:
        if self.window_bar is not None:
            self.window_bar.close()
        self.bar.close()
