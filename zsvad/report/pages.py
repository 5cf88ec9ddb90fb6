"""HTML of the per-video pages and of the index (Jinja2 templates, everything autoescaped).

Pages are self-contained: CSS inline, the plot and thumbnails embedded as ``data:`` URIs, no
external resource; a Content-Security-Policy forbids any other, except, on a video page with
a player, the video file (``media-src``). The only scripts are the index's table sorter and the
video page's seeking (``templates/seek.js``), each allowed by its hash.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from zsvad.audio import AUDIO_COMPONENTS
from zsvad.report.fmt import clock, seek_time, span
from zsvad.report.keyframes import Thumb, peak_frame
from zsvad.report.match import Player
from zsvad.report.plot import AXES, threshold_of
from zsvad.results.schema import Event, Evidence, VideoResult, Window
from zsvad.temporal.spanned import event_phrase, events_label, spanned

TEMPLATES = Path(__file__).parent / "templates"
#: windows shown under each segment (highest fused score first)
SEGMENT_WINDOWS = 3

#: the index page's table sorter (numeric columns sort by ``data-v``) and row filter
SORT_SCRIPT = r"""
(function () {
  function sortBy(th, asc) {
    var table = th.closest("table"), body = table.tBodies[0];
    var col = Array.prototype.indexOf.call(th.parentNode.children, th);
    var num = th.getAttribute("data-type") === "num";
    var heads = table.querySelectorAll("th");
    for (var i = 0; i < heads.length; i++) heads[i].removeAttribute("aria-sort");
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
      var c = num ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  var heads = document.querySelectorAll("table.sortable th");
  Array.prototype.forEach.call(heads, function (th) {
    th.tabIndex = 0;
    function toggle() { sortBy(th, th.getAttribute("aria-sort") !== "ascending"); }
    th.addEventListener("click", toggle);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") toggle(); });
  });
  var filter = document.getElementById("filter");
  if (filter) filter.addEventListener("input", function () {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    var rows = document.querySelectorAll("#videos tbody tr"), shown = 0;
    Array.prototype.forEach.call(rows, function (r) {
      var text = r.textContent.toLowerCase();
      var ok = words.every(function (w) { return text.indexOf(w) >= 0; });
      r.hidden = !ok;
      if (ok) shown++;
    });
    document.getElementById("shown").textContent = shown + " of " + rows.length + " shown";
  });
  var first = document.querySelector("table.sortable th[data-default]");
  if (first) sortBy(first, first.getAttribute("data-default") === "asc");
  var given = location.hash.match(/filter=([^&]*)/);  // index.html#filter=fight: a shared view
  if (filter && given) {
    filter.value = decodeURIComponent(given[1]);
    filter.dispatchEvent(new Event("input"));
  }
})();
"""


#: the video page's script: links and the curve seek the player, ``#t=`` seeks on load
SEEK_SCRIPT = (TEMPLATES / "seek.js").read_text(encoding="utf-8")


def _csp(script: str | None = None, media: bool = False) -> str:
    policy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'"
    if media:  # the player's video file: beside the report (``'self'``) or a local file
        policy += "; media-src 'self' file:"
    if script is not None:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        policy += f"; script-src 'sha256-{digest}'"
    return policy


@cache
def _env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = clock
    env.filters["fixed"] = lambda x, n=3: "" if x is None else f"{x:.{n}f}"
    env.filters["given"] = lambda x: f"{x:g}"  # a threshold as configured: 0.458, not 0.46
    env.filters["seek"] = seek_time
    env.filters["event_phrase"] = event_phrase
    env.filters["events_label"] = events_label
    return env


@dataclass
class SegmentView:
    """What the page shows of one segment."""

    number: int
    span: str
    frames: str
    score: float
    peak: str
    explanation: str
    evidence: list[Evidence]
    windows: list[Window]
    start: float = 0.0
    """Start, seconds: where the segment's link seeks the player."""
    peak_s: float = 0.0
    thumbs: list[Thumb] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    """The events the segment spans (:func:`~zsvad.temporal.spanned.spanned`), named as its
    explanation names them."""
    audio_raise: float | None = None
    """How much the audio components raised the peak (None: no audio was scored)."""


def segment_views(result: VideoResult, thumbs: list[list[Thumb]]) -> list[SegmentView]:
    views = []
    for i, s in enumerate(result.segments):
        inside = [w for w in result.windows if w.end > s.start and w.start < s.end]
        inside.sort(key=lambda w: -w.score)
        peak = peak_frame(result, s) / result.fps
        views.append(
            SegmentView(
                number=i + 1,
                span=span(s.start, s.end, tenths=True),
                frames=f"frames {s.start_frame}–{s.end_frame}",
                score=s.score,
                peak=clock(peak, tenths=True),
                explanation=s.explanation,
                evidence=s.evidence,
                windows=inside[:SEGMENT_WINDOWS],
                start=s.start,
                peak_s=peak,
                thumbs=thumbs[i] if i < len(thumbs) else [],
                events=spanned(result.events, s.start_frame, s.end_frame),
                audio_raise=s.audio_raise,
            )
        )
    return views


def anomalous_seconds(result: VideoResult) -> float:
    return sum(s.end_frame - s.start_frame + 1 for s in result.segments) / result.fps


def render_video_page(
    result: VideoResult,
    png: bytes,
    png_name: str,
    thumbs: list[list[Thumb]],
    thumb_note: str = "",
    overview: list[Thumb] | None = None,
    truth: tuple[tuple[int, int], ...] | None = None,
    index_href: str | None = None,
    result_file: str | None = None,
    player: Player | None = None,
    warnings: Sequence[str] = (),
    privacy_note: str = "",
) -> str:
    """The HTML page of one video; with ``player``, an HTML5 video player that its segments,
    events, windows and curve seek, and that ``#t=SECONDS`` in the page's address seeks on
    load. ``warnings``: shown at the top (no video file or no ground truth matched);
    ``privacy_note``: what was done to its keyframes."""
    fps = result.fps
    return (
        _env()
        .get_template("video.html.j2")
        .render(
            r=result,
            csp=_csp(SEEK_SCRIPT, media=True) if player else _csp(),
            player=player,
            script=SEEK_SCRIPT,
            axes=(AXES[0], AXES[0] + AXES[2]),
            duration_s=result.num_frames / fps,
            report_warnings=list(warnings),
            png_uri="data:image/png;base64," + base64.b64encode(png).decode("ascii"),
            png_name=png_name,
            duration=clock(result.num_frames / fps, tenths=True),
            max_score=max(result.frame_scores),
            threshold=threshold_of(result),
            anomalous_s=anomalous_seconds(result),
            segments=segment_views(result, thumbs),
            thumb_note=thumb_note,
            privacy_note=privacy_note,
            overview=overview or [],
            truth=[span(a / fps, (b + 1) / fps, tenths=True) for a, b in truth or ()],
            truth_known=truth is not None,
            index_href=index_href,
            result_file=result_file,
            windows=sorted(result.windows, key=lambda w: w.start),
            has_audio=any(k in w.scores for w in result.windows for k in AUDIO_COMPONENTS),
        )
    )


@dataclass
class IndexRow:
    """One line of the index table (a scored video or a failure)."""

    name: str
    status: str
    href: str | None = None
    max_score: float | None = None
    mean_score: float | None = None
    segments: int | None = None
    anomalous_s: float | None = None
    duration_s: float | None = None
    top_explanation: str = ""
    top_segment: str = ""
    """Time range of the highest-scoring segment."""
    top_href: str = ""
    """Link to the page at that segment's start (``bikes.html#t=32.5``)."""
    top_start: float = -1.0
    meaningless: bool = False
    config: str = ""
    """Profile and config hash of the result: tells results of two configs apart."""
    truth: str = ""
    """Ground truth: the anomalous time ranges, "normal", or "" when not annotated."""
    path: str = ""
    """Result file (or source video) the row comes from."""

    @classmethod
    def of(cls, result: VideoResult, href: str, truth: str = "", path: str = "") -> IndexRow:
        scores = result.frame_scores
        top = max(result.segments, key=lambda s: s.score) if result.segments else None
        return cls(
            name=result.video_id,
            status="ok",
            href=href,
            max_score=max(scores),
            mean_score=sum(scores) / len(scores),
            segments=len(result.segments),
            anomalous_s=anomalous_seconds(result),
            duration_s=result.num_frames / result.fps,
            top_explanation=top.explanation if top else "",
            top_segment=span(top.start, top.end, tenths=True) if top else "",
            top_href=f"{href}#t={seek_time(top.start)}" if top else "",
            top_start=top.start if top else -1.0,
            meaningless=result.provenance.meaningless,
            config=config_label(result),
            truth=truth,
            path=path or result.provenance.source or "",
        )


def config_label(result: VideoResult) -> str:
    """``<profile> <config hash, 8 characters>``."""
    p = result.provenance
    return f"{p.config.get('profile', '?')} {p.config_hash[:8]}"


def truth_label(truth: tuple[tuple[int, int], ...] | None, fps: float) -> str:
    """The ground truth as index text: time ranges, "normal", or "" when unknown."""
    if truth is None:
        return ""
    return ", ".join(span(a / fps, (b + 1) / fps) for a, b in truth) or "normal"


def render_index(rows: list[IndexRow], errors: list, title: str, privacy: str = "") -> str:
    """The index page: a sortable table of videos and the run's errors (``privacy``: whether
    keyframes are anonymised)."""
    return (
        _env()
        .get_template("index.html.j2")
        .render(
            title=title,
            privacy=privacy,
            rows=sorted(rows, key=lambda r: r.name.lower()),
            any_truth=any(r.truth for r in rows),
            errors=errors,
            meaningless=sum(r.meaningless for r in rows),
            csp=_csp(SORT_SCRIPT),
            script=SORT_SCRIPT,
        )
    )
