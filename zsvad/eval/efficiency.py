"""Throughput and footprint of the runs behind a result set, from ``provenance.stats``.

Each result records (``zsvad.pipeline.efficiency``) ``wall_s`` (seconds spent on the video,
its share of the batched caption embedding included, model loading excluded), ``video_s``,
``clips`` (clips sampled from the video), ``captions`` (captions scored) and ``peak_rss_mb``
(the scoring process's peak resident memory when the video finished); provenance lists the
models with their parameter counts. Older results lack these and show dashes.
"""

from __future__ import annotations

from zsvad.results.schema import VideoResult


def efficiency(results: list[VideoResult]) -> dict:
    """``video_s_per_s``, ``clips_per_s``, ``captions_per_s``, ``peak_rss_mb``, ``parameters``
    (sum over distinct models, None when unknown) and ``models`` (name → parameters)."""
    wall = video = clips = captions = 0.0
    rss: float | None = None
    models: dict[str, int | None] = {}
    timed = 0
    for r in results:
        st = r.provenance.stats
        for m in r.provenance.models:
            models.setdefault(m.model, m.parameters)
        if not isinstance(st.get("wall_s"), int | float):
            continue
        timed += 1
        wall += st["wall_s"]
        video += float(st.get("video_s", r.num_frames / r.fps))
        clips += float(st.get("clips", 0))
        captions += float(st.get("captions", 0))
        if isinstance(st.get("peak_rss_mb"), int | float):
            rss = max(rss or 0.0, float(st["peak_rss_mb"]))
    known = [p for p in models.values() if p is not None]
    out: dict = {
        "timed_videos": timed,
        "video_s_per_s": video / wall if wall > 0 else None,
        "clips_per_s": clips / wall if wall > 0 and clips else None,
        "captions_per_s": captions / wall if wall > 0 and captions else None,
        "peak_rss_mb": rss,
        "parameters": sum(known) if known else None,
        "models": models,
    }
    return out
