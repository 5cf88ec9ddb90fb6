"""The score-curve PNG of one result (matplotlib, Agg canvas, imported lazily).

Drawn: the fused score of every window (grey bars at their score over their time span), the
smoothed per-frame score, the threshold, the detected segments (shaded), when known, the
ground-truth anomalous ranges (a green band under the axis) and, when the result has events,
the events (a band under that one, alternating two purples, so each boundary shows).
Time axis in ``mm:ss``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from zsvad.extras import require
from zsvad.report.fmt import clock
from zsvad.results.schema import VideoResult

SEGMENT_COLOR = "#d62728"
SEGMENT_ALPHA = 0.22
CURVE_COLOR = "#1f4e9c"
WINDOW_COLOR = "#7f7f7f"
THRESHOLD_COLOR = "#ff7f0e"
TRUTH_COLOR = "#2ca02c"
#: y range of the ground-truth band (below the score axis)
TRUTH_BAND = (-0.09, -0.03)
#: y range of the events band (below the ground truth) and its two alternating colours
EVENT_BAND = (-0.17, -0.11)
EVENT_COLORS = ("#6a3d9a", "#cab2d6")
#: the axes' rectangle in figure fractions (left, bottom, width, height); the page maps a click
#: on the plot to a time with it (the x axis spans 0 to the video's duration)
AXES = (0.06, 0.15, 0.92, 0.68)
#: the curve is reduced to at most this many points (per-bin maxima keep the peaks)
MAX_POINTS = 4000


def threshold_of(result: VideoResult) -> float | None:
    """The threshold the segments were cut at (``provenance.config.temporal.threshold``)."""
    value = (result.provenance.config.get("temporal") or {}).get("threshold")
    return float(value) if isinstance(value, int | float) else None


def _envelope(scores: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Times (frame centres) and scores, reduced to ≤ MAX_POINTS by per-bin maxima."""
    n = len(scores)
    step = max(1, math.ceil(n / MAX_POINTS))
    if step == 1:
        return (np.arange(n) + 0.5) / fps, scores
    pad = (-n) % step
    padded = np.concatenate([scores, np.full(pad, -np.inf)]).reshape(-1, step)
    centres = (np.arange(len(padded)) * step + step / 2) / fps
    return centres, padded.max(axis=1)


def render_plot(
    result: VideoResult,
    truth: Sequence[tuple[int, int]] | None = None,
    width_px: int = 1100,
    height_px: int = 360,
    dpi: int = 100,
) -> bytes:
    """PNG bytes of the score plot; ``truth`` = ground-truth frame ranges (inclusive)."""
    require("matplotlib", "report plots")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fps, n = result.fps, result.num_frames
    duration = n / fps
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes(AXES)
    ax.set_facecolor("white")

    for k, s in enumerate(result.segments):
        ax.axvspan(
            s.start_frame / fps,
            (s.end_frame + 1) / fps,
            color=SEGMENT_COLOR,
            alpha=SEGMENT_ALPHA,
            lw=0,
            label="detected segment" if k == 0 else None,
        )
    if truth:
        for k, (a, b) in enumerate(truth):
            a, b = max(a, 0), min(b, n - 1)
            if b < a:
                continue
            ax.fill_between(
                [a / fps, (b + 1) / fps],
                *TRUTH_BAND,
                color=TRUTH_COLOR,
                lw=0,
                label="ground truth" if k == 0 else None,
            )
    for k, e in enumerate(result.events):
        ax.fill_between(
            [e.start_frame / fps, (e.end_frame + 1) / fps],
            *EVENT_BAND,
            color=EVENT_COLORS[k % 2],
            lw=0,
            label="events" if k == 0 else None,
        )
    if result.windows:
        ax.hlines(
            [w.score for w in result.windows],
            [w.start for w in result.windows],
            [w.end for w in result.windows],
            colors=WINDOW_COLOR,
            alpha=0.55,
            lw=2.5,
            label="window score (fused, raw)",
        )
    t, y = _envelope(np.asarray(result.frame_scores, dtype=float), fps)
    ax.plot(t, y, color=CURVE_COLOR, lw=1.6, label="frame score (smoothed)")
    thr = threshold_of(result)
    if thr is not None:
        ax.axhline(thr, color=THRESHOLD_COLOR, ls="--", lw=1.2, label=f"threshold {thr:g}")

    ax.set_xlim(0, duration)
    ax.set_ylim((EVENT_BAND if result.events else TRUTH_BAND)[0] - 0.01, 1.03)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.xaxis.set_major_locator(MaxNLocator(nbins=12, steps=[1, 2, 3, 5, 6, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: clock(x)))
    ax.set_xlabel("time (mm:ss)")
    ax.set_ylabel("anomaly score")
    ax.grid(axis="y", color="#e5e5e5", lw=0.8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        ncol=6 if result.events else 5,
        fontsize=8,
        frameon=False,
        handlelength=1.8,
    )
    title = result.video_id + ("  [MEANINGLESS SCORES]" if result.provenance.meaningless else "")
    color = "#b00020" if result.provenance.meaningless else "black"
    fig.text(0.99, 0.97, title, ha="right", va="top", fontsize=9, color=color, parse_math=False)

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def write_plot(result: VideoResult, path: str | Path, truth=None) -> Path:
    """Write the score plot of ``result`` to ``path`` (PNG) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_plot(result, truth))
    return path
