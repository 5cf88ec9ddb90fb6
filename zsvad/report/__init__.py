"""Reports an analyst can read: per-video HTML pages and score plots, a batch index page, and
the segment table ``zsvad score`` prints.

Public API: :func:`write_report` (and :func:`build_report`, which also says what it wrote),
:func:`render_plot` / :func:`write_plot`, :func:`segment_table`.
"""

from zsvad.report.plot import render_plot, write_plot
from zsvad.report.text import segment_table
from zsvad.report.write import Report, build_report, write_report
from zsvad.results.folders import RunError

__all__ = [
    "Report",
    "RunError",
    "build_report",
    "render_plot",
    "segment_table",
    "write_plot",
    "write_report",
]
