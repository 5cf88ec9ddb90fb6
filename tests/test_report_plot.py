"""The score plot PNG: size, not blank, segments and ground truth drawn where they belong."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image
from report_helpers import make_result

from zsvad.report.plot import (
    AXES,
    EVENT_COLORS,
    SEGMENT_ALPHA,
    SEGMENT_COLOR,
    TRUTH_COLOR,
    _envelope,
    render_plot,
    write_plot,
)


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _colours(px: np.ndarray) -> int:
    """Number of distinct RGB colours."""
    return len(np.unique((px[..., 0] << 16) | (px[..., 1] << 8) | px[..., 2]))


def _mask(img: np.ndarray, rgb: tuple[float, float, float], tol: int = 6) -> np.ndarray:
    return np.abs(img - np.array(rgb) * 255).max(axis=2) <= tol


SHADE = tuple(1 - SEGMENT_ALPHA * (1 - c) for c in to_rgb(SEGMENT_COLOR))  # blended on white


def _shaded_columns(img: np.ndarray) -> np.ndarray:
    """Columns where the segment shade fills a tall run of pixels."""
    return np.flatnonzero(_mask(img, SHADE).sum(axis=0) > img.shape[0] // 4)


def _runs(cols: np.ndarray) -> list[tuple[int, int]]:
    if cols.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(cols) > 1)
    starts = np.concatenate([[cols[0]], cols[breaks + 1]])
    ends = np.concatenate([cols[breaks], [cols[-1]]])
    return list(zip(starts.tolist(), ends.tolist()))


def test_size_and_not_blank(tmp_path):
    path = write_plot(make_result(), tmp_path / "p.png")
    img = Image.open(path)
    assert img.format == "PNG" and img.size == (1100, 360)
    px = _pixels(path.read_bytes())
    assert _colours(px) > 50  # curve, text, shading: not blank
    assert (px.sum(axis=2) < 200).sum() > 500  # dark pixels: axes, ticks, labels


def test_segments_are_shaded_where_they_are():
    # 60 s video; segments 10–15 s and 30–40 s (twice as long)
    img = _pixels(render_plot(make_result(segments=((100, 149), (300, 399)))))
    runs = _runs(_shaded_columns(img))
    assert len(runs) == 2, runs
    (a0, a1), (b0, b1) = runs
    assert a1 < b0
    width_a, width_b = a1 - a0 + 1, b1 - b0 + 1
    assert 1.7 < width_b / width_a < 2.3  # widths follow the durations
    # positions: 10 s and 30 s on one linear axis → the gap is 4× the first segment's width
    assert 3.5 < (b0 - a0) / width_a < 4.5
    # outside the segments, the same rows are not shaded
    middle = img.shape[0] // 2
    row = _mask(img[middle : middle + 1], SHADE)[0]
    assert row[a0:a1].mean() > 0.8 and row[a1 + 20 : b0 - 20].mean() < 0.05


def test_axes_fractions_map_times_to_pixels():
    """``AXES``, which the page maps clicks on the plot to times with: the shading of segments
    at 10–15 s and 30–40 s of a 60 s video starts and ends where ``AXES`` says, to a pixel."""
    img = _pixels(render_plot(make_result(segments=((100, 149), (300, 399)))))
    width = img.shape[1]

    def x_of(t: float) -> float:
        return width * (AXES[0] + t / 60.0 * AXES[2])

    runs = _runs(_shaded_columns(img))
    assert [(round(x_of(a)), round(x_of(b))) for a, b in ((10, 15), (30, 40))] == [
        pytest.approx((a, b + 1), abs=1.5) for a, b in runs
    ]


def test_no_segment_no_shading_and_truth_band():
    img = _pixels(render_plot(make_result(segments=())))
    assert _shaded_columns(img).size == 0
    assert _mask(img, to_rgb(TRUTH_COLOR)).sum() == 0
    truth = _pixels(render_plot(make_result(segments=()), truth=[(300, 399)]))
    cols = np.flatnonzero(_mask(truth, to_rgb(TRUTH_COLOR)).sum(axis=0) >= 5)
    ((t0, t1),) = [r for r in _runs(cols) if r[1] - r[0] > 20]  # (the legend swatch is narrow)
    assert t0 > truth.shape[1] * 0.4 and t1 < truth.shape[1] * 0.75


def test_long_video_keeps_peaks():
    scores = np.zeros(200_000)
    scores[123_457] = 1.0
    t, y = _envelope(scores, fps=30.0)
    assert len(t) <= 4000 and y.max() == 1.0
    assert abs(t[np.argmax(y)] - 123_457 / 30) < 2.0


@pytest.mark.parametrize("name", ["a $x^2$ name", "50%_off"])
def test_odd_names_render(name):
    assert render_plot(make_result(video_id=name))[:8] == b"\x89PNG\r\n\x1a\n"


def test_events_are_drawn_under_the_curve_one_shade_each():
    """Events 0-12 s, 12-30 s, 30-60 s: a band of three runs of alternating colour, under the
    plot, their widths following the durations."""
    from zsvad.results.schema import Event

    spans = [(0, 119), (120, 299), (300, 599)]
    events = [
        Event(
            start_frame=a,
            end_frame=b,
            start=a / 10,
            end=(b + 1) / 10,
            strength=0.5,
            score=0.3,
            windows=3,
        )
        for a, b in spans
    ]
    img = _pixels(render_plot(make_result().model_copy(update={"events": events})))
    dark, light = (_mask(img, to_rgb(c), 4) for c in EVENT_COLORS)
    rows = np.flatnonzero((dark | light).sum(axis=1) > img.shape[1] // 4)
    assert rows.size and rows.min() > img.shape[0] // 2  # a band in the lower half
    row = rows[len(rows) // 2]
    runs = []  # (colour, first column, last column) along the band
    for col in np.flatnonzero(dark[row] | light[row]):
        c = 0 if dark[row, col] else 1
        if runs and runs[-1][0] == c and runs[-1][2] == col - 1:
            runs[-1][2] = col
        else:
            runs.append([c, col, col])
    runs = [r for r in runs if r[2] - r[1] > 10]
    assert [r[0] for r in runs] == [0, 1, 0]
    widths = [r[2] - r[1] + 1 for r in runs]
    assert 1.3 < widths[1] / widths[0] < 1.7 and 1.5 < widths[2] / widths[1] < 1.8
    assert (dark | light).sum() > 0 and not (
        _mask(_pixels(render_plot(make_result())), to_rgb(EVENT_COLORS[0]), 4)
    ).any()
