"""The report's video player source, ``--video-map`` and the warnings when no video file or no
ground truth matches a result; a segment's explanation names the events the page shows."""

from __future__ import annotations

import csv
import logging
import re
from pathlib import Path

import pytest
from data_paths import VIDEOS
from report_helpers import make_result

from zsvad.cli.main import main
from zsvad.errors import InputError
from zsvad.report import build_report
from zsvad.report.match import player_for
from zsvad.report.video_map import read_video_map
from zsvad.results.io import write_result

BIKES = VIDEOS / "bikes.mp4"
needs_bikes = pytest.mark.skipif(not BIKES.is_file(), reason="no sample video")


def _write_map(path: Path, rows: list[list[str]], header=("video_id", "path", "annotation_name")):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([list(header), *rows])
    return path


def _annotations(path: Path) -> Path:
    path.write_text("Abuse028_x264.mp4 Abuse 50 99 -1 -1\nNormal_01.mp4 Normal -1 -1 -1 -1\n")
    return path


def test_read_video_map_paths_relative_to_the_map_and_annotation_names(tmp_path):
    (tmp_path / "clips").mkdir()
    vmap = read_video_map(
        _write_map(
            tmp_path / "map.csv",
            [["cam1/0001", "clips/North-0001.mkv", "Abuse028_x264.mp4"], ["x", "/abs/x.mp4", ""]],
        )
    )
    assert vmap.videos == {
        "cam1/0001": tmp_path / "clips" / "North-0001.mkv",
        "x": Path("/abs/x.mp4"),
    }
    assert vmap.annotations == {"cam1/0001": "Abuse028_x264"}  # extension dropped, as ids do


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "video map not found"),
        ("video_id,name\nx,y\n", "no 'path or video_path or file or filename' column"),
        ("video_id,path\nx,a.mp4\nx,b.mp4\n", "video id 'x' is listed twice"),
        ("video_id,path\nx,\n", "empty 'path' in row 1"),
        (b"video_id,path\n\xff\xfe,a.mp4\n", "cannot read CSV manifest"),
    ],
)
def test_bad_video_maps_are_one_line_errors_naming_the_file(tmp_path, content, message):
    path = tmp_path / "map.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=re.escape(message)) as info:
        read_video_map(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_player_src_is_relative_to_the_page_and_url_quoted(tmp_path):
    video = tmp_path / "videos" / "a #1?.mp4"
    assert player_for(video, tmp_path / "out" / "report").src == "../../videos/a%20%231%3F.mp4"
    assert player_for(video, tmp_path / "out").path == str(video)


@needs_bikes
def test_video_map_gives_the_player_keyframes_and_ground_truth(tmp_path, caplog):
    """A result whose id matches neither file nor annotation: matched through the map."""
    result = make_result("cam1/0001", fps=25.0, num_frames=250, segments=((100, 149),))
    vmap = _write_map(tmp_path / "map.csv", [["cam1/0001", str(BIKES), "Abuse028_x264"]])
    ann = _annotations(tmp_path / "ann.txt")
    with caplog.at_level(logging.WARNING, logger="zsvad"):
        bare = build_report([result], tmp_path / "bare", annotations=ann, thumbnails=False)
    html = bare.pages[0].read_text()
    assert "<video" not in html and "<script" not in html  # nothing to play: no player
    for what in ("video file", "ground truth"):
        assert f"no {what} matched for cam1/0001" in html
    assert "no ground truth matched for cam1/0001 in " + str(ann) in html
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("no video file matched for cam1/0001: give --video-map" in m for m in logged)
    assert any("annotation_name column" in m for m in logged)

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="zsvad"):
        mapped = build_report([result], tmp_path / "rep", annotations=ann, video_map=vmap)
    html = mapped.pages[0].read_text()
    assert caplog.records == [] and "matched for" not in html
    src = re.search(r'<video id="player"[^>]* src="([^"]+)"', html).group(1)
    assert (mapped.index.parent / src).resolve() == BIKES.resolve()  # relative to the page
    assert "media-src &#39;self&#39; file:" in html and "script-src &#39;sha256-" in html
    assert "ground truth</b>00:02.0–00:04.0" in html  # frames 50–99 of Abuse028 at 25 fps
    assert html.count('<img src="data:image/jpeg;base64,') == 3  # keyframes from the map's file
    assert 'data-t="4">#1 · segment 00:04.0–00:06.0</a>' in html  # the segment seeks the player


def test_map_errors_and_unused_ids_are_reported(tmp_path, caplog):
    result = make_result("cam1/0001", segments=((100, 149),))
    gone = tmp_path / "gone.mp4"
    vmap = _write_map(
        tmp_path / "map.csv", [["cam1/0001", str(gone), "Nope"], ["typo", "x.mp4", ""]]
    )
    ann = _annotations(tmp_path / "ann.txt")
    with caplog.at_level(logging.WARNING, logger="zsvad"):
        rep = build_report([result], tmp_path / "rep", annotations=ann, video_map=vmap)
    html = rep.pages[0].read_text()
    assert f"no video file matched for cam1/0001: {gone} (from the video map {vmap})" in html
    assert "annotation_name &#39;Nope&#39; (from the video map) is not in it" in html
    logged = " | ".join(r.getMessage() for r in caplog.records)
    assert f"video map {vmap}: 1 id(s) match no result: typo" in logged


def test_ground_truth_by_last_id_part_and_source_stem(tmp_path, caplog):
    by_part = make_result("cam1/Abuse028_x264")
    by_source = make_result("clip-7", source="/videos/Normal_01.mp4")
    ann = _annotations(tmp_path / "ann.txt")
    with caplog.at_level(logging.WARNING, logger="zsvad"):
        rep = build_report([by_part, by_source], tmp_path / "rep", annotations=ann)
    assert "ground truth</b>00:05.0–00:10.0" in rep.pages[0].read_text()
    assert "ground truth</b>normal video" in rep.pages[1].read_text()
    assert not any("ground truth" in r.getMessage() for r in caplog.records)


def test_many_misses_are_logged_up_to_a_limit_then_counted(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr("zsvad.report.match.MAX_LOGGED", 2)
    results = [make_result(f"v{i}", num_frames=60, segments=()) for i in range(4)]
    with caplog.at_level(logging.WARNING, logger="zsvad"):
        build_report(results, tmp_path / "rep", thumbnails=False)
    logged = [r.getMessage() for r in caplog.records]
    assert sum("no video file matched for v" in m for m in logged) == 2
    assert "no video file matched for 4 video(s) in all (2 listed)" in logged


@needs_bikes
def test_cli_video_map(tmp_path, capsys):
    result = make_result("cam1/0001", fps=25.0, num_frames=250, segments=((100, 149),))
    write_result(result, tmp_path / "res")
    vmap = _write_map(tmp_path / "map.csv", [["cam1/0001", str(BIKES)]], ("video_id", "path"))
    out = tmp_path / "rep"
    args = ["report", str(tmp_path / "res"), "--out", str(out), "--no-keyframes"]
    assert main([*args, "--video-map", str(vmap)]) == 0
    assert '<video id="player"' in (out / "cam1_0001.html").read_text()
    assert main([*args, "--video-map", str(tmp_path / "nope.csv")]) == 2
    assert "video map not found" in capsys.readouterr().err


def test_segment_explanation_names_the_events_the_page_shows(tmp_path):
    """A segment across an event boundary: its explanation names both events with their own
    scores, in the words of the page's events line (one function makes both)."""
    from html import unescape

    from zsvad.configure import load_config
    from zsvad.pipeline.core import Pipeline
    from zsvad.results.schema import Window
    from zsvad.temporal.events import EventSpan

    scores = [0.1] * 6 + [0.5, 0.9, 0.9, 0.4] + [0.1] * 2
    windows = [
        Window(start=2.0 * i, end=2.0 * i + 2, text=f"w{i}", scores={"r": s}, score=s)
        for i, s in enumerate(scores)
    ]
    events = [EventSpan(0.0, 16.0, 0.0), EventSpan(16.0, 24.0, 0.7)]
    over = ["temporal.smoothing_sigma_s=0", "temporal.merge_gap_s=0", "events.weight=0"]
    result = Pipeline(load_config("tiny", overrides=over)).finish(
        "v", 10.0, 240, windows, events=events
    )
    (segment,) = result.segments
    assert (segment.start_frame, segment.end_frame) == (120, 179)  # across the boundary at 16 s
    # before: one merged "event 00:00–00:24, 12 windows, event score 0.90" (the higher score)
    phrase = (
        "events 00:00.0–00:16.0 (score 0.70, 8 windows) · 00:16.0–00:24.0 (score 0.90, 4 windows)"
    )
    assert f" — {phrase} — [window score parts: r 0.90]" in segment.explanation
    html = build_report([result], tmp_path / "rep", thumbnails=False).pages[0].read_text()
    line = re.search(r'<p class="events">(.*?)</p>', html).group(1)
    assert unescape(re.sub(r"<[^>]+>", "", line)) == phrase


def test_a_video_path_full_of_markup_is_quoted_and_escaped(tmp_path):
    video = tmp_path / 'v"><img src=x onerror=alert(1)>.mp4'
    video.write_bytes(b"")  # found by name; the player decodes it only in the browser
    result = make_result("odd", source=str(video))
    html = build_report([result], tmp_path / "rep", thumbnails=False).pages[0].read_text()
    src = re.search(r'<video id="player"[^>]* src="([^"]+)"', html).group(1)
    assert src == "../v%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.mp4"
    assert 'data-path="' + str(tmp_path) + "/v&#34;&gt;&lt;img src=x onerror" in html
    assert "<img src=x" not in html and html.count("<script") == 1  # the page's own
