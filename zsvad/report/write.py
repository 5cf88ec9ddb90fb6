"""``write_report``: per-video pages and plots plus the index page, into one directory.

Results are read and rendered one at a time, so a report of a large run never holds more than
one result in memory. A result that cannot be read is listed as an error; the others are still
rendered.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from zsvad.atomic import atomic_write_text
from zsvad.config.privacy import PrivacyConfig
from zsvad.errors import InputError
from zsvad.eval.annotations import Annotation, read_annotations
from zsvad.logs import get_logger
from zsvad.privacy.files import private_dir, private_file
from zsvad.privacy.images import ImagePrivacy, privacy_note
from zsvad.report.fmt import safe_name
from zsvad.report.keyframes import VideosArg, peak_thumbnail, try_thumbnails
from zsvad.report.match import Matcher, player_for
from zsvad.report.pages import (
    IndexRow,
    config_label,
    render_index,
    render_video_page,
    truth_label,
)
from zsvad.report.plot import render_plot
from zsvad.report.segments_export import segment_rows, write_segments
from zsvad.report.video_map import VideoMap, read_video_map
from zsvad.results.folders import ResultLike, RunError, collect
from zsvad.results.schema import VideoResult

log = get_logger(__name__)


@dataclass
class Report:
    """What :func:`build_report` wrote."""

    index: Path
    pages: list[Path] = field(default_factory=list)
    plots: list[Path] = field(default_factory=list)
    segment_files: list[Path] = field(default_factory=list)
    """``segments.csv`` and ``segments.json``: the segments of all results, for a
    video-management system."""
    errors: list[RunError] = field(default_factory=list)
    """All errors listed on the index (the run's and the report's own)."""
    read_errors: list[RunError] = field(default_factory=list)
    """Inputs the report could not read (missing or bad result files, empty directories)."""


def _readable(path: Path) -> Path:
    """Give a written file the usual permissions (temporary files are created 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    path.chmod(0o666 & ~umask)
    return path


def _image_privacy(cfg: PrivacyConfig) -> ImagePrivacy:
    """The keyframes' anonymiser (None inside when off), built before any page is written."""
    from zsvad.privacy.anonymize import Anonymizer

    return ImagePrivacy(Anonymizer(cfg) if cfg.anonymize else None)


def _page_stem(result: VideoResult, taken: set[str], seen: set[str]) -> str:
    """The page's file stem: the video id, plus its config when another result of the same
    video (another config) came first: ``bikes.html``, ``bikes.default-1a2b3c4d.html``."""
    name = result.video_id
    if name.lower() in seen:
        name += "." + config_label(result).replace(" ", "-")
    seen.add(result.video_id.lower())
    return safe_name(name, taken)


def build_report(
    results: ResultLike | Iterable[ResultLike],
    out_dir: str | Path,
    annotations: str | Path | Mapping[str, Annotation] | None = None,
    videos: VideosArg = None,
    errors: Iterable[RunError | Mapping] = (),
    title: str = "zsvad report",
    thumbnails: bool = True,
    video_map: str | Path | VideoMap | None = None,
    privacy: PrivacyConfig | None = None,
) -> Report:
    """Write ``out_dir/index.html``, ``segments.csv`` and ``segments.json`` and, per video,
    ``<id>.html`` and ``<id>.png``.

    ``results``: :class:`VideoResult` objects, result files or result directories (their
    ``errors.jsonl`` and ``summary.csv`` errors are listed too). ``annotations``: a UCF-Crime
    annotation file (or its parsed dict) for the ground-truth overlay. ``videos``: a directory
    of video files (``<video_id>.<ext>``) or a ``{video_id: path}`` mapping for the player and
    keyframes, used when a result's ``provenance.source`` is not a readable video. ``errors``:
    more run errors (``RunError`` or dicts with ``video_id`` and ``message``/``error``).
    ``video_map``: a ``--video-map`` file (or its :class:`VideoMap`): each id's video file and
    annotation name, first choice of both (:mod:`zsvad.report.match`). ``privacy``: how
    keyframes are anonymised and who may read the pages (default: faces blurred, owner only);
    raises :class:`~zsvad.errors.MissingExtraError` up front when its detector is missing.
    """
    privacy = privacy or PrivacyConfig()
    images = _image_privacy(privacy) if thumbnails else None
    out = private_dir(out_dir, privacy.owner_only)
    match = Matcher(videos=videos)
    if isinstance(video_map, str | Path):
        video_map = read_video_map(video_map)
    match.video_map = video_map
    if isinstance(annotations, str | Path):
        match.annotations_source = str(annotations)
        annotations = read_annotations(annotations)
    match.annotations = annotations
    out.mkdir(parents=True, exist_ok=True)
    inputs = collect(results, errors)
    report = Report(index=out / "index.html")
    rows: list[IndexRow] = []
    taken = {"index", "segments"}
    seen: set[str] = set()
    exported: list[dict] = []
    for result, path, error in inputs.results():
        if error is not None:
            inputs.add_error(error)
            rows.append(IndexRow(name=error.video_id, status="unreadable"))
            continue
        assert result is not None
        stem = _page_stem(result, taken, seen)
        truth, truth_warning = match.truth(result)
        video, video_warning = match.video(result)
        png = render_plot(result, truth)
        thumbs, note, overview = [], "", []
        if images is not None:
            images.start_page()
            thumbs, note = try_thumbnails(result, video, privacy=images)
            if not result.segments:
                overview, note = peak_thumbnail(result, video, privacy=images)
        page = quote(f"{stem}.html")
        html = render_video_page(
            result,
            png,
            png_name=quote(f"{stem}.png"),
            thumbs=thumbs,
            thumb_note=note,
            overview=overview,
            truth=truth,
            index_href="index.html",
            result_file=str(path) if path else None,
            player=player_for(video, out) if video is not None else None,
            warnings=[w for w in (video_warning, truth_warning) if w],
            privacy_note=images.note() if images and (thumbs or overview) else "",
        )
        (out / f"{stem}.png").write_bytes(png)
        report.plots.append(out / f"{stem}.png")
        written = _readable(atomic_write_text(out / f"{stem}.html", html))
        report.pages.append(private_file(written, privacy.owner_only))  # it holds the keyframes
        label = truth_label(truth, result.fps)
        rows.append(IndexRow.of(result, page, label, str(path) if path else ""))
        exported += segment_rows(result, page)
    ok_ids = {r.name for r in rows if r.status == "ok"}
    for err in inputs.errors:
        known = err.video_id in ok_ids or any(r.name == err.video_id for r in rows)
        if err.video_id != "?" and not known:
            rows.append(IndexRow(name=err.video_id, status="error"))
    match.close()
    if not report.pages and not inputs.errors:
        raise InputError("nothing to report: no results given")
    report.errors = list(inputs.errors)
    exported.sort(key=lambda e: (e["camera"], e["video_id"], e["segment"]))
    report.segment_files = [_readable(p) for p in write_segments(exported, out)]
    report.read_errors = [e for e in report.errors if e.origin in ("input", "result file")]
    said = privacy_note(images.anonymizer) if images is not None else ""
    _readable(atomic_write_text(report.index, render_index(rows, report.errors, title, said)))
    log.info("report: %d page(s), %d error(s) in %s", len(report.pages), len(report.errors), out)
    return report


def write_report(
    results: ResultLike | Iterable[ResultLike],
    out_dir: str | Path,
    annotations: str | Path | Mapping[str, Annotation] | None = None,
    videos: VideosArg = None,
    **options,
) -> Path:
    """Write an HTML report of ``results`` to ``out_dir`` and return the index page's path.

    See :func:`build_report` for the arguments (``errors``, ``title``, ``thumbnails``).
    """
    return build_report(results, out_dir, annotations, videos, **options).index
