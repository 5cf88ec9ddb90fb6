"""The segments for a video-management system: ``segments.csv`` and ``segments.json``.

One row per segment: camera (the folder part of a batch video id such as ``cam1/0001``),
video id, start and end in seconds, start and end as wall-clock times when the recording's
start is known (a timestamp in the file name or video id, ``cam1_20260115_083000.mp4`` or
``2026-01-15T08:30:00``), peak score, explanation, source file and a link to the segment on
its report page (``bikes.html#t=32.5``, relative to the report folder).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

from zsvad.atomic import atomic_write_text
from zsvad.csvout import write_csv
from zsvad.report.fmt import seek_time
from zsvad.results.schema import VideoResult

FIELDS = [
    "camera",
    "video_id",
    "segment",
    "start_s",
    "end_s",
    "start_time",
    "end_time",
    "score",
    "explanation",
    "source",
    "link",
]
_STAMP = re.compile(
    r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})[T_ -]?(\d{2})[:\-_h]?(\d{2})[:\-_m]?(\d{2})(?!\d)"
)


def recording_start(*names: str | None) -> datetime | None:
    """The first date-time written in one of ``names`` (``YYYYMMDD_HHMMSS`` and ISO-like
    spellings), or None."""
    for name in names:
        for m in _STAMP.finditer(Path(name).name if name else ""):
            try:
                return datetime(*(int(g) for g in m.groups()))
            except ValueError:
                continue
    return None


def segment_rows(result: VideoResult, page: str = "") -> list[dict]:
    """The export rows of one result's segments, in time order; ``page``: the result's report
    page (a URL relative to the report folder), which each row's ``link`` opens at the
    segment's start (empty without a page)."""
    source = result.provenance.source
    start = recording_start(source, result.video_id)
    camera, _, _ = result.video_id.rpartition("/")
    rows = []
    for i, s in enumerate(sorted(result.segments, key=lambda s: s.start), start=1):
        rows.append(
            {
                "camera": camera,
                "video_id": result.video_id,
                "segment": i,
                "start_s": round(s.start, 3),
                "end_s": round(s.end, 3),
                "start_time": _at(start, s.start),
                "end_time": _at(start, s.end),
                "score": round(s.score, 4),
                "explanation": s.explanation,
                "source": source or "",
                "link": f"{page}#t={seek_time(s.start)}" if page else "",
            }
        )
    return rows


def _at(start: datetime | None, seconds: float) -> str:
    if start is None:
        return ""
    return (start + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


def write_segments(rows: list[dict], out_dir: Path) -> tuple[Path, Path]:
    """Write ``segments.csv`` and ``segments.json`` (a list of objects) to ``out_dir``."""
    csv_path = write_csv(out_dir / "segments.csv", FIELDS, rows)
    json_path = atomic_write_text(
        out_dir / "segments.json", json.dumps(rows, indent=1, ensure_ascii=False) + "\n"
    )
    return csv_path, json_path
