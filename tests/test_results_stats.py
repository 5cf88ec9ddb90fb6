"""zsvad.results.stats: one summary-stats function behind score's and batch's summary rows."""

from __future__ import annotations

from zsvad.batch.job import result_stats
from zsvad.cli.common import RunSummary
from zsvad.results.schema import Provenance, Segment, VideoResult
from zsvad.results.stats import summary_stats


def _result():
    prov = Provenance(zsvad_version="0", created_at="now", config={}, config_hash="h")
    seg = Segment(start_frame=2, end_frame=5, start=0.2, end=0.6, score=0.9, explanation="fight")
    scores = [0.1, 0.2, 0.7, 0.9, 0.8, 0.6, 0.1, 0.0, 0.05, 0.123456789]
    return VideoResult(
        video_id="v", fps=3.0, num_frames=10, frame_scores=scores, segments=[seg], provenance=prov
    )


def test_score_and_batch_rows_share_the_numbers(tmp_path):
    r = _result()
    stats = summary_stats(r)
    assert stats["max_score"] == 0.9 and stats["mean_score"] == 0.357346
    assert (stats["duration_s"], stats["anomalous_s"], stats["segments"]) == (3.333, 1.333, 1)
    assert stats["top_explanation"] == "fight"
    batch = result_stats(r)
    assert {k: batch[k] for k in stats} == stats
    summary = RunSummary(tmp_path)
    summary.add_result(r)
    row = summary.rows[0]
    assert (row["mean_score"], row["duration_s"]) == (0.3573, 3.33)  # score keeps 4 / 2 digits
