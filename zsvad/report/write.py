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
from zsvad.errors import InputError
from zsvad.eval.annotations import Annotation, read_annotations
from zsvad.logs import get_logger
from zsvad.report.fmt import safe_name
from zsvad.report.keyframes import VideosArg, peak_thumbnail, try_thumbnails
from zsvad.report.pages import (
    IndexRow,
    config_label,
    render_index,
    render_video_page,
    truth_label,
)
from zsvad.report.plot import render_plot
from zsvad.report.segments_export import segment_rows, write_segments
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


def _truth_of(result: VideoResult, annotations: Mapping[str, Annotation] | None):
    if annotations is None:
        return None
    ann = annotations.get(result.video_id)
    if ann is None and result.provenance.source:
        ann = annotations.get(Path(result.provenance.source).stem)
    return None if ann is None else ann.intervals


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
) -> Report:
    """Write ``out_dir/index.html``, ``segments.csv`` and ``segments.json`` and, per video,
    ``<id>.html`` and ``<id>.png``.

    ``results``: :class:`VideoResult` objects, result files or result directories (their
    ``errors.jsonl`` and ``summary.csv`` errors are listed too). ``annotations``: a UCF-Crime
    annotation file (or its parsed dict) for the ground-truth overlay. ``videos``: a directory
    of video files (``<video_id>.<ext>``) or a ``{video_id: path}`` mapping for keyframes, used
    when a result's ``provenance.source`` is not a readable video. ``errors``: more run errors
    (``RunError`` or dicts with ``video_id`` and ``message``/``error``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(annotations, str | Path):
        annotations = read_annotations(annotations)
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
        png = render_plot(result, _truth_of(result, annotations))
        thumbs, note = try_thumbnails(result, videos) if thumbnails else ([], "")
        overview: list = []
        if thumbnails and not result.segments:
            overview, note = peak_thumbnail(result, videos)
        html = render_video_page(
            result,
            png,
            png_name=quote(f"{stem}.png"),
            thumbs=thumbs,
            thumb_note=note,
            overview=overview,
            truth=_truth_of(result, annotations),
            index_href="index.html",
            result_file=str(path) if path else None,
        )
        (out / f"{stem}.png").write_bytes(png)
        report.plots.append(out / f"{stem}.png")
        report.pages.append(_readable(atomic_write_text(out / f"{stem}.html", html)))
        truth = truth_label(_truth_of(result, annotations), result.fps)
        rows.append(IndexRow.of(result, quote(f"{stem}.html"), truth, str(path) if path else ""))
        exported += segment_rows(result)
    ok_ids = {r.name for r in rows if r.status == "ok"}
    for err in inputs.errors:
        known = err.video_id in ok_ids or any(r.name == err.video_id for r in rows)
        if err.video_id != "?" and not known:
            rows.append(IndexRow(name=err.video_id, status="error"))
    if not report.pages and not inputs.errors:
        raise InputError("nothing to report: no results given")
    report.errors = list(inputs.errors)
    exported.sort(key=lambda e: (e["camera"], e["video_id"], e["segment"]))
    report.segment_files = [_readable(p) for p in write_segments(exported, out)]
    report.read_errors = [e for e in report.errors if e.origin in ("input", "result file")]
    _readable(atomic_write_text(report.index, render_index(rows, report.errors, title)))
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
