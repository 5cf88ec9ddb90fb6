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


def three_videos(with_fire: bool = True) -> list[dict]:
    """A calm video, a fight from 4 s and (optionally) a fire from 0 s: 100 frames at 10 fps."""
    rows = [
        caption("calm", 0, 5, "A woman buys bread at the counter.", num_frames=100),
        caption("calm", 5, 10, "People walk in the park.", num_frames=100),
        caption("fight", 0, 4, "People walk in the park.", num_frames=100),
        caption("fight", 4, 8, "A man punches another man and they fight.", num_frames=100),
    ]
    if with_fire:
        rows += [
            caption("fire", 0, 5, "Flames and smoke pour out of a burning car.", num_frames=100),
            caption("fire", 5, 10, "A man walks his dog.", num_frames=100),
        ]
    return rows
