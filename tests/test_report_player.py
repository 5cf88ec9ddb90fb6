"""The video page's player in headless Chromium, driven like a user over the DevTools protocol
(:mod:`cdp_helpers`): a click on a segment, an event or the score curve moves the video's
``currentTime`` there; ``page.html#t=…`` links (from the page, the index and ``segments.csv``)
seek on load; a file the browser cannot play says why.

The video is a real one, ``bikes.mp4`` (H.264 High, 640×272, 10 s); should this Chromium not
play H.264 (builds without proprietary codecs), it is transcoded to VP9/WebM with ffmpeg first.
Needs Debian's ``chromium``: skipped without it, a failure when ``CI=true``.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest
from cdp_helpers import Browser
from data_paths import VIDEOS
from report_helpers import make_result

from zsvad.report import build_report
from zsvad.results.schema import Event

BIKES = VIDEOS / "bikes.mp4"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not BIKES.is_file(), reason="shared sample video not present"),
]
V = "document.getElementById('player')"
PLOT = "document.getElementById('plot-img')"
#: the player's time once it is not seeking (falsy until then)
SETTLED = f"{V}.readyState >= 1 && !{V}.seeking && [{V}.currentTime, location.hash]"


def _playable(browser: Browser, video: Path, tmp: Path) -> Path:
    """``video``, or a VP9/WebM copy of it when this Chromium cannot play it."""
    probe = tmp / "probe.html"
    probe.write_text(f'<!DOCTYPE html><video id="player" src="{video.as_uri()}"></video>')
    browser.open(probe.as_uri())
    state = browser.wait(f"({V}.error && 'error') || ({V}.readyState >= 1 && 'ok')")
    if state == "ok":
        return video
    if shutil.which("ffmpeg") is None:
        pytest.skip("this Chromium cannot play H.264 and ffmpeg is not there to transcode")
    webm = tmp / "bikes.webm"
    cmd = ["ffmpeg", "-v", "error", "-i", str(video), "-c:v", "libvpx-vp9", "-crf", "40"]
    subprocess.run([*cmd, "-b:v", "0", "-an", "-y", str(webm)], check=True, timeout=300)
    return webm


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    with Browser(chromium, tmp_path_factory.mktemp("profile")) as b:
        yield b


@pytest.fixture(scope="module")
def report(browser, tmp_path_factory):
    """A report of bikes.mp4 (25 fps, 250 frames) with segments at 4–6 s and 8–9 s, three events,
    and of a result whose video file is not a video."""
    tmp = tmp_path_factory.mktemp("player")
    video = _playable(browser, BIKES, tmp)
    result = make_result("bikes", fps=25.0, num_frames=250, segments=((100, 149), (200, 224)))
    result.provenance.source = str(video)
    spans = ((0, 99, 0.2), (100, 174, 0.9), (175, 249, 0.6))
    result.events = [
        Event(
            start_frame=a,
            end_frame=b,
            start=a / 25,
            end=(b + 1) / 25,
            strength=0.3,
            score=s,
            windows=2,
        )
        for a, b, s in spans
    ]
    broken = tmp / "broken.mp4"
    broken.write_bytes(b"\x00not a video\x00" * 100)
    bad = make_result("broken", source=str(broken))
    moved = tmp / "moved.mp4"  # there when the report is written, gone when it is opened
    shutil.copyfile(video, moved)
    gone = make_result("moved", source=str(moved))
    built = build_report([result, bad, gone], tmp / "report", thumbnails=False)
    moved.unlink()
    return built, result


def _page(report, name: str) -> Path:
    return next(p for p in report[0].pages if p.name == f"{name}.html")


def _load(browser: Browser, url: str) -> list:
    browser.open(url)
    return browser.wait(SETTLED)


def test_click_on_a_segment_moves_the_video_into_it(browser, report):
    page = _page(report, "bikes")
    assert _load(browser, page.as_uri()) == [0, ""]
    for k, seg in enumerate(report[1].segments, start=1):
        browser.click(f"#segment-{k} h3 a.seek")
        t, where = browser.wait(f"{V}.currentTime > 0 && {SETTLED}")
        assert seg.start <= t < seg.end, (k, t)
        assert where == f"#t={seg.start:g}"  # the address now links to that moment
        browser.eval(f"{V}.currentTime = 0")
    assert browser.eval("getComputedStyle(document.getElementById('playhead')).display") != "none"
    assert browser.console == []


def test_click_on_an_event_and_on_a_window_time(browser, report):
    page = _page(report, "bikes")
    _load(browser, page.as_uri())
    browser.click("#segment-2 .events a.seek")  # the segment's event: 7.0–10.0 s
    assert browser.wait(f"{V}.currentTime > 0 && {SETTLED}")[0] == pytest.approx(7.0)
    browser.eval("document.getElementById('events').open = true")
    browser.click("#events tbody tr:nth-child(2) a.seek")  # the second event: 4.0–7.0 s
    assert browser.wait(f"{V}.currentTime < 6 && {SETTLED}")[0] == pytest.approx(4.0)
    assert browser.console == []


def test_click_on_the_curve_seeks_to_the_time_under_the_pointer(browser, report):
    page = _page(report, "bikes")
    _load(browser, page.as_uri())
    box = browser.box("#plot-img")  # the image's content box: its axes span x0..x1 of it
    left, width, x0, x1 = browser.eval(
        f"[{PLOT}.getBoundingClientRect().left + {PLOT}.clientLeft, {PLOT}.clientWidth,"
        f" +{PLOT}.dataset.x0, +{PLOT}.dataset.x1]"
    )

    def x_of(t: float) -> float:
        return left + width * (x0 + t / 10.0 * (x1 - x0))

    for t in (2.5, 7.3):
        browser.click_at(x_of(t), box["y"] + box["height"] / 2)
        got = browser.wait(f"Math.abs({V}.currentTime - {t}) < 0.1 && {SETTLED}")[0]
        assert got == pytest.approx(t, abs=10.0 / width + 0.01)  # within a pixel
    head = browser.eval(
        "(function () { var r = document.getElementById('playhead').getBoundingClientRect();"
        " return r.left + r.width / 2; })()"
    )
    assert head == pytest.approx(x_of(got), abs=1.0)  # the playhead is drawn at the time
    assert browser.eval(f"{PLOT}.naturalWidth") == 1100  # the PNG whose axes AXES describes


@pytest.mark.parametrize(
    ("fragment", "seconds"), [("t=6.5", 6.5), ("t=0:07.25", 7.25), ("t=npt:3,5", 3.0)]
)
def test_a_time_link_seeks_on_load(browser, report, fragment, seconds):
    page = _page(report, "bikes")
    assert _load(browser, f"{page.as_uri()}#{fragment}")[0] == pytest.approx(seconds)
    browser.eval("location.hash = '#t=1.5'")  # a link followed on the open page
    assert browser.wait(f"{V}.currentTime < 2 && {SETTLED}")[0] == pytest.approx(1.5)
    assert browser.console == []


def test_index_and_segments_csv_links_open_the_page_at_the_segment(browser, report):
    built, result = report
    browser.open(built.index.as_uri())
    browser.click("td.top-segment a")
    browser.wait("location.pathname.endsWith('/bikes.html')")
    top = result.segments[0]
    assert top.start <= browser.wait(f"{V}.currentTime > 0 && {SETTLED}")[0] < top.end
    with open(built.segment_files[0], encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["video_id"] == "bikes"]
    assert [r["link"] for r in rows] == ["bikes.html#t=4", "bikes.html#t=8"]
    for row, seg in zip(rows, result.segments):
        url = built.index.parent.joinpath(row["link"].split("#")[0]).as_uri()
        t = _load(browser, url + "#" + row["link"].split("#")[1])[0]
        assert seg.start <= t < seg.end
    assert browser.console == []


@pytest.mark.parametrize("name", ["broken", "moved"])
def test_a_file_the_browser_cannot_play_says_why(browser, report, name):
    browser.open(_page(report, name).as_uri())
    text = browser.wait(
        "var p = document.getElementById('player-error'); !p.hidden && p.textContent"
    )
    assert f"The browser cannot play {report[0].index.parent.parent / name}.mp4: " in text
    assert "file missing or format not supported" in text and "WebM" in text
