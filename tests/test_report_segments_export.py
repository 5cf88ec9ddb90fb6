"""The report's segments export (``segments.csv`` / ``segments.json``, ``events.*`` before):
file names, columns, one row per segment in camera order, wall-clock times."""

from __future__ import annotations

import csv
import json

from report_helpers import make_result

from zsvad.report import build_report

COLUMNS = [
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


def test_report_writes_segments_csv_and_json_and_no_events_files(tmp_path):
    stamped = make_result(video_id="cam2/20260115_083000", segments=((100, 149), (300, 319)))
    plain = make_result(video_id="cam1/lobby", segments=((50, 59),), source="/v/lobby.mp4")
    calm = make_result(video_id="cam1/quiet", segments=())
    rep = build_report([stamped, plain, calm], tmp_path / "rep", thumbnails=False)

    assert [p.name for p in rep.segment_files] == ["segments.csv", "segments.json"]
    assert not list((tmp_path / "rep").glob("events.*"))
    with open(rep.segment_files[0], encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert reader.fieldnames == COLUMNS
    assert [(r["camera"], r["video_id"], r["segment"], r["start_s"], r["end_s"]) for r in rows] == [
        ("cam1", "cam1/lobby", "1", "5.0", "6.0"),
        ("cam2", "cam2/20260115_083000", "1", "10.0", "15.0"),
        ("cam2", "cam2/20260115_083000", "2", "30.0", "32.0"),
    ]
    assert rows[0]["start_time"] == "" and rows[0]["source"] == "/v/lobby.mp4"
    assert rows[2]["start_time"] == "2026-01-15T08:30:30.000"  # stamp in the id + 30 s
    assert rows[2]["end_time"] == "2026-01-15T08:30:32.000"

    data = json.loads(rep.segment_files[1].read_text(encoding="utf-8"))
    assert [list(d) for d in data] == [COLUMNS] * 3
    assert [d["explanation"] for d in data] == [r["explanation"] for r in rows]
    assert data[1]["explanation"] == stamped.segments[0].explanation
    # each row links to its segment on the video's page (relative to the report folder)
    pages = {p.stem: p.name for p in rep.pages}
    assert [r["link"] for r in rows] == [
        f"{pages['cam1_lobby']}#t=5",
        f"{pages['cam2_20260115_083000']}#t=10",
        f"{pages['cam2_20260115_083000']}#t=30",
    ]
    assert [d["link"] for d in data] == [r["link"] for r in rows]
    assert all((rep.index.parent / r["link"].split("#")[0]).is_file() for r in rows)
