"""What ``zsvad score`` does after writing its results: the segment table and ``--report``."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from zsvad.config.privacy import PrivacyConfig
from zsvad.errors import InputError
from zsvad.results.io import read_result, result_path


class _Summary(Protocol):
    out_dir: Path
    rows: list[dict]


def after_score(
    summary: _Summary,
    quiet: bool = False,
    report: bool = False,
    annotations: str | None = None,
    videos: str | None = None,
    privacy: PrivacyConfig | None = None,
) -> Path | None:
    """Print the videos and segments of a finished run (unless ``quiet``) and, with ``report``,
    write the HTML report to ``<out>/report/`` (keyframes anonymised as ``privacy`` says);
    return the index page's path (or None).

    Reads back the result files the run wrote (``<out>/<video_id>.json`` of its ok rows).
    """
    from zsvad.report.text import segment_table
    from zsvad.report.write import write_report

    if quiet and not report:
        return None
    out = Path(summary.out_dir)
    paths = [result_path(out, r["video_id"]) for r in summary.rows if r["status"] == "ok"]
    errors = [r for r in summary.rows if r["status"] != "ok"]
    if not quiet:
        results = []
        for p in paths:
            try:
                results.append(read_result(p))
            except InputError as exc:  # written moments ago; only a concurrent writer breaks it
                errors.append({"video_id": p.stem, "error": str(exc)})
        print(segment_table(results))
    if not report:
        return None
    index = write_report(paths, out / "report", annotations, videos, errors=errors, privacy=privacy)
    print(f"report: {index}")
    return index
