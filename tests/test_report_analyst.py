"""The analyst's report items, checked in the DOM headless Chromium renders: score --report with
ground truth and a videos folder, labelled explanations, thresholds as given, sorted evidence,
keyframes of segment-less videos, enlargeable thumbnails, segments export, honest index counts."""

from __future__ import annotations

import csv
import json
import re

import pytest
from data_paths import ROBBERY
from report_helpers import make_result, open_page

from zsvad.cli.main import main
from zsvad.report import build_report
from zsvad.results.schema import Evidence

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ROBBERY.is_file(), reason="shared videos not present"),
]


def _dom(chromium, page, tmp):
    dom, console = open_page(chromium, page, tmp, "--dump-dom")
    assert console == []
    return dom


def test_video_page_labels_and_orders(chromium, tmp_path):
    r = make_result(video_id="cam1/20260115_083000", segments=((200, 299),), threshold=0.458)
    seg = r.segments[0]
    seg.evidence = [
        Evidence(text="low", label="normal", similarity=0.21),
        Evidence(text="high", label="anomalous", similarity=0.74),
        Evidence(text="mid", label="anomalous", similarity=0.52),
    ]
    rep = build_report([r], tmp_path / "rep", thumbnails=False)
    dom = _dom(chromium, rep.pages[0], tmp_path)
    assert '<span id="threshold">0.458</span>' in dom
    assert "Grey lines: fused score of each window" in dom and "bars" not in dom
    assert "#1 · segment 00:20.0–00:30.0" in dom
    assert "(from the segment's strongest window)" in dom
    assert 'id="score-parts"' in dom and "<b>retrieval</b>, how much closer" in dom
    table = dom.split('class="evidence"')[1].split("</table>")[0]
    sims = [float(x) for x in re.findall(r'<td class="num">([0-9.]+)</td>', table)]
    assert sims == [0.74, 0.52, 0.21]

    assert [p.name for p in rep.segment_files] == ["segments.csv", "segments.json"]
    with open(rep.segment_files[0], encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(e["camera"], e["video_id"], e["start_s"], e["end_s"]) for e in rows] == [
        ("cam1", "cam1/20260115_083000", "20.0", "30.0")
    ]
    assert rows[0]["start_time"] == "2026-01-15T08:30:20.000"  # from the stamp in the id
    assert rows[0]["end_time"] == "2026-01-15T08:30:30.000"
    assert json.loads(rep.segment_files[1].read_text())[0]["explanation"] == seg.explanation


def test_keyframes_by_id_and_without_segment(chromium, tmp_path):
    videos = tmp_path / "videos" / "North"
    videos.mkdir(parents=True)
    (videos / "ROBBERY_A.MP4").symlink_to(ROBBERY)
    (videos / "robbery_b.mp4").symlink_to(ROBBERY)
    seg = make_result(video_id="robbery_a", fps=30.0, num_frames=300, segments=((90, 149),))
    calm = make_result(video_id="robbery_b", fps=30.0, num_frames=300, segments=())
    gone = {"video_id": "gone", "message": "unreadable"}
    tiny = make_result(video_id="tiny", segments=(), meaningless=True)
    rep = build_report(
        [seg, calm, tiny], tmp_path / "rep", videos=tmp_path / "videos", errors=[gone]
    )
    pages = {p.stem: p for p in rep.pages}
    dom = _dom(chromium, pages["robbery_a"], tmp_path)
    assert dom.count('<img src="data:image/jpeg;base64,') == 3
    assert 'tabindex="0" title="click to enlarge"' in dom
    dom = _dom(chromium, pages["robbery_b"], tmp_path)
    overview = dom.split('id="overview"')[1].split("</div>")[0]
    assert overview.count('<img src="data:image/jpeg;base64,') == 1
    index = _dom(chromium, rep.index, tmp_path)
    assert "1 of 3 scored result(s)" in index  # the error row is not counted


def test_score_report_takes_annotations_and_video_dir(tmp_path):
    videos = tmp_path / "cams" / "east"
    videos.mkdir(parents=True)
    (videos / "Example_Street_Fight.mp4").symlink_to(ROBBERY)
    out = tmp_path / "run"
    rc = main(
        [
            "score",
            "--captions",
            "examples/captions.jsonl",
            "--profile",
            "tiny",
            "--out",
            str(out),
            "--quiet",
            "--report",
            "--annotations",
            "examples/annotations.txt",
            "--video-dir",
            str(tmp_path / "cams"),
            "--set",
            "temporal.threshold=0.0",
        ]
    )
    assert rc == 0
    html = (out / "report" / "example_street_fight.html").read_text()
    assert "ground truth</b>00:18.0–00:32.0" in html  # frames 540–960 at 30 fps
    assert "no keyframes" not in html and "data:image/jpeg;base64," in html
    assert (out / "report" / "segments.csv").is_file()
    assert not (out / "report" / "events.csv").exists()
    bad = ["score", "--captions", "examples/captions.jsonl", "--out", str(out)]
    assert main([*bad, "--video-dir", "x"]) == 2  # without --report: a usage error


class _Uri:
    def __init__(self, uri: str):
        self.uri = uri

    def as_uri(self) -> str:
        return self.uri


def test_index_filter_truth_config_and_path(chromium, tmp_path):
    a = make_result(video_id="bikes", segments=((100, 149),))
    b = make_result(video_id="bikes", segments=())
    b.provenance.config_hash = "ffff0000aaaa"
    b.provenance.config["profile"] = "cpu"
    other = make_result(video_id="park", segments=())
    ann = tmp_path / "ann.txt"
    ann.write_text("bikes.mp4 Fighting 100 149 -1 -1\npark.mp4 Normal -1 -1 -1 -1\n")
    rep = build_report([a, b, other], tmp_path / "rep", annotations=ann, thumbnails=False)
    assert sorted(p.name for p in rep.pages) == [
        "bikes.cpu-ffff0000.html",
        "bikes.html",
        "park.html",
    ]
    dom = _dom(chromium, rep.index, tmp_path)
    body = dom.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count('class="config">default abc<') == 2 and 'class="config">cpu ffff0000<' in body
    truths = re.findall(r'class="truth">([^<]*)<', body)
    assert sorted(truths) == ["00:10–00:15", "00:10–00:15", "normal"]
    hidden, _ = open_page(
        chromium, _Uri(rep.index.as_uri() + "#filter=cpu%20bikes"), tmp_path, "--dump-dom"
    )
    rows = hidden.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]
    shown = [r for r in rows if "hidden" not in r.split(">")[0]]
    assert len(shown) == 1 and "bikes.cpu-ffff0000.html" in shown[0]
    assert "1 of 3 shown" in hidden
