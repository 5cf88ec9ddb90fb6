"""Rendering of evaluation reports: plain-text or Markdown tables, and JSON."""

from __future__ import annotations

import json
from dataclasses import asdict

from zsvad.eval.metrics import EvalReport


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _ci_cell(value: float | None, ci: tuple[float, float] | None) -> str:
    if value is None or ci is None:
        return _num(value)
    return f"{value:.2f} [{ci[0]:.1f}, {ci[1]:.1f}]"


def _ci_key(iou: str) -> str:
    return "segment_map" if iou == "avg" else f"segment_ap@{iou}"


def _with_ci(r: EvalReport, key: str, value: float | None) -> str:
    return _ci_cell(value, r.ci.get(key))


def _params(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / 1e9:.2f}B" if n >= 1e9 else f"{n / 1e6:.1f}M"


def judge_cells(stats: dict[str, float]) -> list[str]:
    """Windows judged, parse failures and mean judge latency per judged window (or dashes)."""
    judged = int(stats.get("windows_judged", 0))
    fails = int(stats.get("parse_failures", 0))
    if not judged and not fails:
        return ["-", "-", "-"]
    asked = judged + fails
    latency = stats.get("judge_latency_s", 0.0) / asked if asked else 0.0
    return [str(judged), str(fails), f"{latency:.2f}"]


SUMMARY = [
    "scores", "AUC", "AP", "PR-AUC", "AUC-abn", "FAR%", "thr", "mAP@IoU", "videos", "frames",
    "judged", "fails", "s/win", "video-s/s", "clips/s", "capt/s", "params", "RSS MB",
]  # fmt: skip


def summary_row(label: str, r: EvalReport) -> list[str]:
    eff = r.efficiency
    return [
        label,
        _with_ci(r, "auc", r.auc),
        _with_ci(r, "ap", r.ap),
        _with_ci(r, "pr_auc", r.pr_auc),
        _with_ci(r, "auc_abnormal", r.auc_abnormal),
        _with_ci(r, "far", r.far),
        _num(r.threshold),
        _with_ci(r, "segment_map", r.segment_ap.get("avg")),
        str(r.videos),
        str(r.frames),
        *judge_cells(r.stats),
        _num(eff.get("video_s_per_s"), 1),
        _num(eff.get("clips_per_s"), 1),
        _num(eff.get("captions_per_s"), 1),
        _params(eff.get("parameters")),
        _num(eff.get("peak_rss_mb"), 0),
    ]


def table(headers: list[str], rows: list[list[str]], markdown: bool = False) -> str:
    """Rows under headers, aligned (text) or as a Markdown pipe table."""
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]

    def fmt(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]
        return "  ".join([first, *rest]).rstrip()

    return "\n".join([fmt(headers), *(fmt(row) for row in rows)])


def _notes(label: str, r: EvalReport) -> list[str]:
    out = []
    if r.length_adjusted:
        out.append(
            f"{label}: ground truth trimmed/padded to the result length for "
            f"{r.length_adjusted} video(s)"
        )
    if r.missing:
        out.append(
            f"{label}: {len(r.missing)} annotated video(s) have no result, e.g. {r.missing[0]}"
        )
    if r.unannotated:
        out.append(
            f"{label}: {len(r.unannotated)} result(s) have no annotation, e.g. {r.unannotated[0]}"
        )
    return out


def conventions(reports: dict[str, EvalReport]) -> str:
    """One line saying how the figures were computed."""
    r = next(iter(reports.values()))
    ci = (
        f"[lo, hi]: bootstrap 95% interval over videos ({r.bootstrap} resamples, seed {r.seed}); "
        if r.bootstrap
        else ""
    )
    return (
        "AP: average_precision_score (step sum); PR-AUC: trapezoid auc(recall, precision); "
        "FAR%: frames of normal videos scored >= thr; mAP@IoU: class-agnostic segment AP "
        f"averaged over IoU 0.1-0.5; {ci}throughput excludes model loading"
    )


def render(
    reports: dict[str, EvalReport],
    *,
    by_class: bool = False,
    per_video: bool = False,
    markdown: bool = False,
) -> str:
    """Every table of ``reports`` as one text (Markdown when ``markdown``)."""
    h = "## " if markdown else ""
    nl = "\n\n" if markdown else "\n"  # a blank line between a Markdown heading and its table
    parts = [table(SUMMARY, [summary_row(k, r) for k, r in reports.items()], markdown)]
    notes = [n for k, r in reports.items() for n in _notes(k, r)]
    if notes:
        parts.append("\n".join(("- " if markdown else "note: ") + n for n in notes))
    parts.append(("_" + conventions(reports) + "_") if markdown else conventions(reports))
    ious = [k for k in next(iter(reports.values())).segment_ap]
    rows = [
        [k, *(_with_ci(r, _ci_key(i), r.segment_ap.get(i)) for i in ious)]
        for k, r in reports.items()
    ]
    parts.append(f"{h}Segment AP at IoU{nl}" + table(["scores", *ious], rows, markdown))
    for label, r in reports.items():
        if by_class and r.per_class:
            rows = [
                [
                    c,
                    str(m["videos"]),
                    _ci_cell(m["auc"], m.get("ci", {}).get("auc")),
                    _ci_cell(m["ap"], m.get("ci", {}).get("ap")),
                    _num(m["pr_auc"]),
                ]
                for c, m in r.per_class.items()
            ]
            head = ["class", "videos", "AUC", "AP", "PR-AUC"]
            parts.append(
                f"{h}Per class (normal videos + the class): {label}{nl}"
                + table(head, rows, markdown)
            )
        if per_video:
            rows = [
                [
                    v["video"],
                    v["class"],
                    str(v["frames"]),
                    _num(v["auc"]),
                    f"{v['max_score']:.3f}",
                    f"{v['false_alarm_s']:.1f}",
                ]
                for v in r.per_video
            ]
            head = ["video", "class", "frames", "AUC-in-video", "max", "false-alarm s"]
            parts.append(f"{h}Per video: {label}{nl}" + table(head, rows, markdown))
    return "\n\n".join(parts) + "\n"


def to_json(reports: dict[str, EvalReport]) -> str:
    """``{label: report}`` as JSON (intervals as ``[lo, hi]``)."""
    return json.dumps({k: asdict(r) for k, r in reports.items()}, indent=1)
