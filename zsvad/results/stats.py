"""Summary numbers of one result: the row ``summary.csv`` / ``summary.parquet`` show for it
(``zsvad score`` and ``zsvad batch`` alike)."""

from __future__ import annotations

from typing import Any

from zsvad.results.schema import VideoResult


def summary_stats(
    result: VideoResult, score_digits: int = 6, time_digits: int = 3
) -> dict[str, Any]:
    """Length, highest and mean frame score, segments, seconds inside segments and the
    explanation of the highest-scoring segment, rounded to the given digits."""
    scores = result.frame_scores
    seg_frames = sum(s.end_frame - s.start_frame + 1 for s in result.segments)
    top = max(result.segments, key=lambda s: s.score).explanation if result.segments else ""
    return {
        "num_frames": int(result.num_frames),
        "duration_s": round(result.num_frames / result.fps, time_digits),
        "max_score": round(max(scores), score_digits),
        "mean_score": round(sum(scores) / len(scores), score_digits),
        "segments": len(result.segments),
        "anomalous_s": round(seg_frames / result.fps, time_digits),
        "top_explanation": top,
    }
