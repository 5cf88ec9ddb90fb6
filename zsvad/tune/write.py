"""A tuning run's outputs: the table (Markdown, JSON), ``tuned.yaml`` and the record in both."""

from __future__ import annotations

import json
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from zsvad._version import __version__
from zsvad.atomic import atomic_write_text
from zsvad.configure import deep_merge, parse_override
from zsvad.tune.data import content_hash
from zsvad.tune.figures import Figures
from zsvad.tune.run import TuneReport


def _fig(f: Figures) -> dict[str, float]:
    return {"auc": round(f.auc, 2), "ap": round(f.ap, 2)}


def tune_record(
    report: TuneReport,
    profile: str = "default",
    files: list[str] | None = None,
    overrides: list[str] | None = None,
) -> dict[str, Any]:
    """What was tuned on which data, how, and what it gave (written with every output)."""
    sel, chosen = report.selection, report.chosen
    grid: dict[str, list] = {}
    for r in report.results:
        for k, v in r.setting.values.items():
            grid.setdefault(k, [])
            if v not in grid[k]:
                grid[k].append(v)
    prov = chosen.provenance
    record: dict[str, Any] = {
        "tool": "zsvad tune",
        "zsvad_version": __version__,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": report.data.record,
        "metric": report.data.metric,
        "profile": profile,
        "config_files": [{"path": str(f), "sha256": content_hash(Path(f))} for f in files or []],
        "overrides": list(overrides or []),
        "grid": grid,
        "folds": report.folds,
        "seed": report.seed,
        "chosen": chosen.setting.values,
        "all_dev": _fig(chosen.all),
        "out_of_fold": _fig(chosen.oof),
        "nested_cv": _fig(sel.cv),
        "nested_cv_folds": [_fig(f) for f in sel.folds],
        "picked": {
            report.results[i].setting.label: n
            for i, n in enumerate(sel.counts(len(report.results)))
            if n
        },
        "seconds": round(report.seconds, 1),
    }
    if prov is not None:
        record["models"] = [
            {"role": m.role, "backend": m.backend, "model": m.model, "revision": m.revision}
            for m in prov.models
        ]
        if prov.memory is not None:
            record["memory"] = prov.memory.model_dump(mode="json")
        record["meaningless"] = prov.meaningless
    return record


def rows(report: TuneReport) -> list[dict[str, Any]]:
    """One row per setting, in grid order."""
    counts = report.selection.counts(len(report.results))
    return [
        {
            "values": r.setting.values,
            "all_dev": _fig(r.all),
            "out_of_fold": _fig(r.oof),
            "folds": [_fig(f) for f in r.folds],
            "picked": counts[i],
            "chosen": i == report.selection.chosen,
            "seconds": round(r.seconds, 2),
        }
        for i, r in enumerate(report.results)
    ]


def markdown(report: TuneReport) -> str:
    """The table of settings and the lines that say what was chosen and how honestly."""
    sel, data, n = report.selection, report.data, report.folds
    keys = list(report.results[0].setting.values)
    head = ["", *keys, "AUC", "AP", "OOF AUC", "OOF AP", "picked", "s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows(report):
        cells = ["*" if row["chosen"] else ""]
        cells += [json.dumps(row["values"][k]) for k in keys]
        a, o = row["all_dev"], row["out_of_fold"]
        cells += [f"{a['auc']:.2f}", f"{a['ap']:.2f}", f"{o['auc']:.2f}", f"{o['ap']:.2f}"]
        cells += [f"{row['picked']}/{n}", f"{row['seconds']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    name = data.record.get("dataset") or data.record.get("captions")
    metric = data.metric.upper()
    cv = [f.get(data.metric) for f in sel.folds]
    spread = f" (sd {statistics.stdev(cv):.2f} over folds)" if len(cv) > 1 else ""
    lines += [
        "",
        f"Data: {name}, {data.record['videos']} videos ({data.record['abnormal_videos']} "
        f"abnormal), {n} folds by video, seed {report.seed}; metric {metric}.",
        f"Chosen (* best {metric} on all videos): {report.chosen.setting.label}: "
        f"AUC {report.chosen.all.auc:.2f}, AP {report.chosen.all.ap:.2f} (dev figures).",
        f"Nested CV (each fold scored with the setting best on the other {n - 1}): "
        f"AUC {sel.cv.auc:.2f}, AP {sel.cv.ap:.2f}{spread}.",
        "OOF = mean over folds of the setting's figure on each fold; picked = folds whose "
        "selection chose it.",
    ]
    return "\n".join(lines) + "\n"


def tuned_yaml(record: dict[str, Any], overrides: list[str]) -> str:
    """A config file (``--config``) with the ``--set`` overrides and the chosen values, the
    record as a comment block above them."""
    values: dict[str, Any] = {}
    for text in [*overrides, *(f"{k}={json.dumps(v)}" for k, v in record["chosen"].items())]:
        values = deep_merge(values, parse_override(text))
    data = record["data"]
    name = data.get("dataset") or data.get("captions")
    files = "".join(f" --config {f['path']}" for f in record["config_files"])
    head = [
        f"# Tuned by zsvad tune on {name} by frame {record['metric'].upper()}: dev figures.",
        "# Use it on top of what it was tuned with:",
        f"#   zsvad score --profile {record['profile']}{files} --config tuned.yaml …",
        "# Record of the tuning run:",
    ]
    dumped = yaml.safe_dump(record, sort_keys=False, allow_unicode=False, width=96)
    head += [f"#   {line}" for line in dumped.splitlines()]
    return "\n".join(head) + "\n" + yaml.safe_dump(values, sort_keys=False)


def write_outputs(
    report: TuneReport, out_dir: str | Path, record: dict[str, Any], overrides: list[str]
) -> dict[str, Path]:
    """Write ``tune.md``, ``tune.json`` and ``tuned.yaml`` to ``out_dir``; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    md = markdown(report) + "\nRecord:\n\n```yaml\n" + yaml.safe_dump(record, sort_keys=False)
    payload = {"record": record, "settings": rows(report)}
    return {
        "table": atomic_write_text(out / "tune.md", md + "```\n"),
        "json": atomic_write_text(out / "tune.json", json.dumps(payload, indent=1) + "\n"),
        "config": atomic_write_text(out / "tuned.yaml", tuned_yaml(record, overrides)),
    }
