"""zsvad.clock: one clock format for result explanations and reports."""

from __future__ import annotations

from zsvad.clock import clock
from zsvad.pipeline.explain import explain_segment
from zsvad.results.schema import Window


def test_explanations_and_reports_write_the_same_clock():
    windows = [
        Window(start=65.0, end=69.0, scores={"retrieval": 0.9}, score=0.9),
        Window(start=3725.0, end=3729.0, scores={"retrieval": 0.8}, score=0.8),
    ]
    short, _ = explain_segment(windows, 64.0, 70.0)
    assert "strongest window 01:05–01:09" in short
    long, _ = explain_segment(windows, 3720.0, 3730.0)
    assert f"strongest window {clock(3725)}–{clock(3729)}" in long and clock(3725) == "1:02:05"
