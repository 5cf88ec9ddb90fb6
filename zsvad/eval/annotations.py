"""Read the UCF-Crime temporal annotation format.

One video a line: ``name  class  start1  end1  start2  end2`` — frame numbers, ``-1`` for none,
ends inclusive. ``name`` may carry a file extension (``Abuse028_x264.mp4``); ids drop it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zsvad.errors import InputError


@dataclass(frozen=True)
class Annotation:
    """Ground truth of one video."""

    video_id: str
    category: str
    intervals: tuple[tuple[int, int], ...]
    """Anomalous frame ranges, inclusive."""

    def labels(self, num_frames: int) -> np.ndarray:
        """0/1 label per frame (ranges past the end are clipped)."""
        y = np.zeros(num_frames, dtype=np.int8)
        for a, b in self.intervals:
            y[max(a, 0) : min(b, num_frames - 1) + 1] = 1
        return y


def read_annotations(path: str | Path) -> dict[str, Annotation]:
    """Parse an annotation file into ``{video_id: Annotation}``."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read annotations: {exc.strerror or exc}", source=path) from exc
    out: dict[str, Annotation] = {}
    for lineno, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 4 or (len(fields) - 2) % 2:
            raise InputError(
                "expected 'name class start1 end1 [start2 end2]'", source=path, line=lineno
            )
        try:
            numbers = [int(x) for x in fields[2:]]
        except ValueError as exc:
            raise InputError("frame numbers must be integers", source=path, line=lineno) from exc
        intervals = []
        for a, b in zip(numbers[::2], numbers[1::2]):
            if a < 0 and b < 0:
                continue
            if a < 0 or b < a:
                raise InputError(f"bad interval {a}..{b}", source=path, line=lineno)
            intervals.append((a, b))
        vid = Path(fields[0]).stem if fields[0].endswith((".mp4", ".avi", ".mkv")) else fields[0]
        out[vid] = Annotation(vid, fields[1], tuple(intervals))
    if not out:
        raise InputError("annotation file is empty", source=path)
    return out
