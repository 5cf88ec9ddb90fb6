"""Report pages without a browser: content, escaping, inputs, errors, CLI, segment table."""

from __future__ import annotations

import json
import re

import pytest
from data_paths import VIDEOS
from report_helpers import HOSTILE, make_result

from zsvad.cli.main import main
from zsvad.clock import clock
from zsvad.report import build_report, segment_table, write_report
from zsvad.report.fmt import safe_name, truncate
from zsvad.results.io import write_result


def _external_refs(html: str) -> list[str]:
    refs = re.findall(r'(?:src|href)="([^"]*)"', html)
    local = re.compile(r"[\w.%-]+\.(html(#t=[\d.]+)?|png)")  # a page (at a time) or a plot
    return [r for r in refs if not (r.startswith("data:") or local.fullmatch(r))]


def test_page_content_and_one_block_per_segment(tmp_path):
    r = make_result(segments=((100, 149), (300, 399)), rationale="two people exchange blows")
    report = build_report([r], tmp_path / "rep")
    assert [p.name for p in report.pages] == ["v1.html"] and report.plots[0].is_file()
    html = report.pages[0].read_text()
    assert html.count('class="segment"') == 2
    assert 'id="segment-1"' in html and 'id="segment-2"' in html
    assert "00:10.0–00:15.0" in html and "00:30.0–00:40.0" in html  # start–end of each
    assert 'src="data:image/png;base64,' in html
    assert "judge:</b> two people exchange blows" in html
    assert "resembles a fight" in html and "0.610" in html and "fighting" in html
    assert 'id="meaningless"' not in html
    assert "no video file matched for v1: give --video-map" in html  # no source: says why
    assert _external_refs(html) == []
    index = report.index.read_text()
    assert 'href="v1.html"' in index and _external_refs(index) == []
    assert '<a href="v1.html#t=10">00:10.0–00:15.0</a>' in index  # top segment, deep link


def test_everything_is_escaped(tmp_path):
    r = make_result(
        video_id=f"odd {HOSTILE}", caption=HOSTILE, rationale=HOSTILE, source=f"/x/{HOSTILE}.mp4"
    )
    report = build_report([r], tmp_path / "rep", errors=[{"video_id": HOSTILE, "error": HOSTILE}])
    page, index = report.pages[0].read_text(), report.index.read_text()
    assert "<img src=x" not in page + index
    assert "<script>document" not in page + index
    assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;" in page
    assert page.count("<script") == 0  # the per-video page has no script at all
    assert index.count("<script") == 1  # only the sorter
    assert re.fullmatch(r"[A-Za-z0-9._-]+\.html", report.pages[0].name)


def test_meaningless_banner(tmp_path):
    report = build_report([make_result(meaningless=True)], tmp_path / "rep")
    page = report.pages[0].read_text()
    assert 'id="meaningless"' in page and "MEANINGLESS" in page
    assert 'id="meaningless"' in report.index.read_text()


def test_directories_errors_and_bad_files(tmp_path):
    run = tmp_path / "run"
    write_result(make_result("a"), run)
    write_result(make_result("b", segments=()), run)
    (run / "broken.json").write_text("{not json")
    (run / "summary.csv").write_text(
        "video_id,status,num_frames,duration_s,max_score,mean_score,segments,anomalous_s,"
        "top_explanation,error\na,ok,600,60,0.9,0.2,1,10,x,\n"
        "lost,error,,,,,,,,caps.jsonl:5: video 'lost': caption outside the video\n"
    )
    batch = tmp_path / "batch"
    write_result(make_result("c"), batch / "f00d" / "results")
    (batch / "errors.jsonl").write_text(
        json.dumps({"path": "/v/d.mp4", "video_id": "d", "stage": "decode", "message": "boom"})
        + "\n{torn\n"
    )
    report = build_report([run, batch, run / "a.json"], tmp_path / "rep")
    assert sorted(p.name for p in report.pages) == ["a.html", "b.html", "c.html"]
    assert [e.video_id for e in report.read_errors] == ["broken"]
    messages = " | ".join(e.message for e in report.errors)
    for part in ("caption outside the video", "boom", "malformed error line", "not valid JSON"):
        assert part in messages
    index = report.index.read_text()
    assert "caption outside the video" in index and ">decode<" in index
    videos, errors = index.split('id="errors"')
    names = re.findall(r'<td class="name" data-v="([^"]*)"', videos)
    assert sorted(names) == ["a", "b", "broken", "c", "d", "lost"]  # failures listed too
    assert errors.count("<tr>") == 1 + len(report.errors) == 5
    assert "No segment reached the threshold" in (tmp_path / "rep" / "b.html").read_text()


def test_same_video_id_twice_gets_two_pages(tmp_path):
    paths = [write_result(make_result("x"), tmp_path / d) for d in ("r1", "r2")]
    index = write_report(paths, tmp_path / "rep")
    assert sorted(p.name for p in index.parent.glob("*.html")) == [
        "index.html",
        "x.default-abc.html",  # named by its config, the path column tells the two apart
        "x.html",
    ]


def test_nothing_to_report_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    report = build_report([tmp_path / "empty"], tmp_path / "rep")
    assert report.pages == [] and "no result files" in report.read_errors[0].message
    assert main(["report", str(tmp_path / "empty"), "--out", str(tmp_path / "r")]) == 1


@pytest.mark.skipif(not (VIDEOS / "Robbery102_crop.mp4").is_file(), reason="no sample video")
def test_keyframes_from_source_and_videos_dir(tmp_path):
    video = VIDEOS / "Robbery102_crop.mp4"
    r = make_result("Robbery102_crop", fps=30.0, num_frames=1827, segments=((1080, 1560), (0, 40)))
    r.frame_scores[1300] = 0.95  # the first segment's peak; the second's is its first frame
    with_dir = build_report([r], tmp_path / "a", videos=VIDEOS).pages[0].read_text()
    r.provenance.source = str(video)
    from_source = build_report([r], tmp_path / "b").pages[0].read_text()
    for html in (with_dir, from_source):
        thumbs = re.findall(r'<img src="data:image/jpeg;base64,[^"]+" alt="frame (\d+)"', html)
        assert [int(f) for f in thumbs] == [1270, 1300, 1330, 0, 20, 40]  # peak ±1 s, inside
        assert 'alt="frame 1300"' in html
        assert re.search(r'data-t="43.334">00:43.3</a> · frame 1300', html)  # seeks the player
    r.provenance.source = str(tmp_path / "gone.mp4")
    html = build_report([r], tmp_path / "c").pages[0].read_text()
    assert "no video file matched for Robbery102_crop: give --video-map" in html
    assert "<video" not in html and "image/jpeg" not in html


def test_segment_table():
    rs = [
        make_result("calm", segments=()),
        make_result("fight", segments=((100, 149), (300, 399)), caption="x" * 300),
    ]
    text = segment_table(rs, width=80)
    lines = text.splitlines()
    assert lines[1].startswith("fight") and "2" in lines[1] and "15.0s" in lines[1]
    assert lines[2].strip().startswith("00:10.0–00:15.0  0.900") or "00:30.0–00:40.0" in lines[2]
    assert all(len(line) <= 80 for line in lines) and "…" in lines[2]
    assert lines[4].startswith("calm")
    assert "2 more" in segment_table(rs, max_segments=0) and "1 more video" in segment_table(
        rs, max_videos=1
    )


def test_fmt_helpers():
    assert clock(65) == "01:05" and clock(3725.4, tenths=True) == "1:02:05.4"
    assert clock(59.96, tenths=True) == "01:00.0"
    assert truncate("a  b\nc", 10) == "a b c" and truncate("abcdef", 4) == "abc…"
    taken: set[str] = set()
    assert [safe_name(n, taken) for n in ("a/b", "A_B", "..", "")] == [
        "a_b",
        "A_B-2",
        "video",
        "video-2",
    ]


def test_cli_report_and_score_report(tmp_path, write_captions, capsys):
    from caption_rows import caption

    caps = write_captions(
        [
            caption("calm", 0, 5, "A woman buys bread at the counter.", num_frames=100),
            caption("fight", 0, 4, "People walk in the park.", num_frames=100),
            caption("fight", 4, 8, "A man punches another man and they fight.", num_frames=100),
            caption("bad", 0, 50, "A man runs.", num_frames=100),
        ]
    )
    out = tmp_path / "out"
    args = ["score", "--captions", str(caps), "--out", str(out), "--profile", "tiny"]
    sets = ["--set", "temporal.threshold=0.5", "--set", "temporal.smoothing_sigma_s=0.5"]
    assert main([*args, *sets, "--report"]) == 1  # 'bad' fails, the others are written
    printed = capsys.readouterr().out
    assert re.search(r"^fight .* 1 ", printed, re.M) and "punches" in printed
    index = out / "report" / "index.html"
    assert f"report: {index}" in printed
    html = index.read_text()
    assert "outside the video" in html and 'href="fight.html"' in html

    assert main([*args, *sets, "--quiet"]) == 1
    assert "punches" not in capsys.readouterr().out

    (out / "junk.json").write_text("[]")
    code = main(["report", str(out), str(tmp_path / "nope.json"), "--out", str(tmp_path / "r")])
    captured = capsys.readouterr()
    assert code == 1 and "junk.json: not a zsvad result" in captured.err
    assert "nope.json: result file not found" in captured.err
    assert "wrote 2 page(s)" in captured.out
    assert "result file not found" in (tmp_path / "r" / "index.html").read_text()
    assert main(["report", str(out), "--out", str(tmp_path / "r2"), "--videos", "/nope"]) == 2
