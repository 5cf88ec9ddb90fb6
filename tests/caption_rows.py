"""Rows of a timed-captions file, as tests write them."""

from __future__ import annotations


def caption(
    video_id="v1", start=0.0, end=2.0, text="A man walks down the street.", fps=10.0, num_frames=100
):
    """One captions-file row (``write_captions`` writes a list of them)."""
    return {
        "video_id": video_id,
        "start": start,
        "end": end,
        "text": text,
        "fps": fps,
        "num_frames": num_frames,
    }
