"""Helpers of the report tests: a synthetic result, hostile markup, headless Chromium."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from cdp_helpers import HEADLESS

from zsvad.clock import clock
from zsvad.results.schema import Evidence, Provenance, Segment, VideoResult, Window

HOSTILE = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'img\'">'
"""Markup that runs script if a page fails to escape it."""


def make_result(
    video_id: str = "v1",
    fps: float = 10.0,
    num_frames: int = 600,
    segments: tuple[tuple[int, int], ...] = ((200, 299),),
    source: str | None = None,
    meaningless: bool = False,
    caption: str = "A man punches another man.",
    rationale: str | None = None,
    threshold: float = 0.5,
) -> VideoResult:
    """A result with 0.9 inside ``segments`` and 0.1 elsewhere, 4 s windows every 2 s."""
    scores = [0.1] * num_frames
    for a, b in segments:
        scores[a : b + 1] = [0.9] * (b - a + 1)
    evidence = [
        Evidence(text=caption, label="anomalous", similarity=0.61, category="fighting"),
        Evidence(text="People walk in a park.", label="normal", similarity=0.33),
    ]
    windows = []
    t, duration = 0.0, num_frames / fps
    while t < duration:
        a, b = int(t * fps), min(int((t + 4) * fps), num_frames)
        score = sum(scores[a:b]) / (b - a)
        windows.append(
            Window(
                start=t,
                end=min(t + 4, duration),
                text=caption if score > 0.5 else "a quiet street",
                scores={"retrieval": score},
                score=score,
                evidence=evidence if score > 0.5 else [],
                rationale=rationale if score > 0.5 else None,
            )
        )
        t += 2.0
    segs = [
        Segment(
            start_frame=a,
            end_frame=b,
            start=a / fps,
            end=(b + 1) / fps,
            score=0.9,
            explanation=f'{clock(a / fps)} — "{caption}" — resembles a fight',
            evidence=evidence,
        )
        for a, b in segments
    ]
    return VideoResult(
        video_id=video_id,
        fps=fps,
        num_frames=num_frames,
        frame_scores=scores,
        segments=segs,
        windows=windows,
        provenance=Provenance(
            zsvad_version="test",
            created_at="2025-01-01T00:00:00+00:00",
            config={
                "profile": "tiny" if meaningless else "default",
                "temporal": {"threshold": threshold},
            },
            config_hash="abc",
            meaningless=meaningless,
            source=source,
        ),
    )


def open_page(binary: str, page: Path, tmp: Path, *mode: str) -> tuple[str, list[str]]:
    """Run headless Chromium on ``page``: ``(stdout, console messages)``."""
    args = [
        binary,
        *HEADLESS,
        "--hide-scrollbars",
        f"--user-data-dir={tmp / 'chromium-profile'}",
        "--enable-logging=stderr",
        "--v=0",
        *mode,
        page.as_uri(),
    ]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if re.search(r":CONSOLE[(:]", line)]
    return proc.stdout, console
