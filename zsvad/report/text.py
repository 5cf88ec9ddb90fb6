"""Plain-text tables for terminals: the videos of a run and the segments found in each."""

from __future__ import annotations

import shutil
from collections.abc import Iterable

from zsvad.report.fmt import span, truncate
from zsvad.results.schema import VideoResult


def segment_table(
    results: Iterable[VideoResult],
    max_videos: int = 20,
    max_segments: int = 5,
    width: int | None = None,
) -> str:
    """Videos by descending max score, each followed by its segments (time, score, explanation).

    Long explanations are cut to fit ``width`` columns (default: the terminal's width).
    """
    width = width or min(shutil.get_terminal_size((100, 24)).columns, 160)
    results = sorted(results, key=lambda r: -max(r.frame_scores))
    lines = [f"{'video':40} {'max':>6} {'segs':>4} {'anomalous':>10}"]
    for r in results[:max_videos]:
        anomalous = sum(s.end_frame - s.start_frame + 1 for s in r.segments) / r.fps
        flag = "  (meaningless)" if r.provenance.meaningless else ""
        lines.append(
            f"{truncate(r.video_id, 40):40} {max(r.frame_scores):6.3f} {len(r.segments):4d} "
            f"{anomalous:9.1f}s{flag}"
        )
        for s in sorted(r.segments, key=lambda s: -s.score)[:max_segments]:
            head = f"  {span(s.start, s.end, tenths=True):>17}  {s.score:5.3f}  "
            lines.append(head + truncate(s.explanation, width - len(head)))
        if len(r.segments) > max_segments:
            lines.append(f"  … {len(r.segments) - max_segments} more segment(s)")
    if len(results) > max_videos:
        lines.append(f"… {len(results) - max_videos} more video(s) in summary.csv")
    return "\n".join(lines)
