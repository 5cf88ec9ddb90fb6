"""Prompts × datasets in one run (``zsvad compare``): each captions set scored with each judge
prompt (models loaded once, :meth:`Pipeline.with_config`), its results and labelled samples kept
per cell, and one table of frame AUC / AP with bootstrap intervals and the judge's window
accuracy."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from zsvad.atomic import atomic_write_text
from zsvad.config.schema import ZsvadConfig
from zsvad.errors import InputError
from zsvad.ids import file_stem
from zsvad.results.samples import SAMPLES_FILE, label_samples, read_samples


@dataclass
class CompareRow:
    """One prompt on one dataset."""

    dataset: str
    prompt: str
    """Template id@version (as the samples record it)."""
    videos: int
    auc: float | None
    auc_ci: tuple[float, float] | None
    ap: float | None
    ap_ci: tuple[float, float] | None
    judged: int
    """Windows the judge scored."""
    fails: int
    """Answers it could not read."""
    accuracy: float | None
    """Share of labelled judged windows whose decision at ``temporal.threshold`` is right."""
    folder: str
    """Where its results and ``samples.jsonl`` are (``zsvad diff A B --samples``)."""
    meaningless: bool = False
    """Made with fake or random-weight models."""


def prompt_configs(base: ZsvadConfig, prompts: list[str]) -> list[ZsvadConfig]:
    """``base`` with each judge prompt (checked now: every config error before any model)."""
    from zsvad.pipeline.preflight import preflight

    out = []
    for prompt in prompts:
        cfg = base.model_copy(deep=True)
        cfg.judge.prompt = prompt
        preflight(cfg)
        out.append(cfg)
    return out


def compare(
    data: dict[str, Any],
    configs: list[ZsvadConfig],
    out_dir: str | Path,
    bootstrap: int = 1000,
    seed: int = 0,
    done: Callable[[CompareRow], None] | None = None,
) -> list[CompareRow]:
    """Score every dataset of ``data`` (name → :class:`~zsvad.tune.TuneData`) under every
    config of ``configs`` (one per prompt) into ``out_dir/<dataset>/<prompt>/``."""
    from zsvad.eval.metrics import evaluate
    from zsvad.pipeline.captions import score_video_captions
    from zsvad.pipeline.core import Pipeline
    from zsvad.results.io import write_result

    rows: list[CompareRow] = []
    base: Pipeline | None = None
    for name, d in data.items():
        for cfg in configs:
            folder = Path(out_dir) / file_stem(name) / file_stem(_label(cfg.judge.prompt))
            folder.mkdir(parents=True, exist_ok=True)
            samples = folder / SAMPLES_FILE
            atomic_write_text(samples, "")
            cfg = cfg.model_copy(deep=True)
            cfg.judge.log_samples = str(samples.absolute())
            pipe = Pipeline(cfg) if base is None else base.with_config(cfg)
            base = base or pipe
            results = []
            for video in d.videos:
                try:
                    results.append(score_video_captions(pipe, video))
                except InputError:
                    continue  # bad captions: left out of every cell alike
            for r in results:
                write_result(r, folder)
            fps = {r.video_id: r.fps for r in results}
            label_samples(samples, d.annotations, fps, cfg.temporal.threshold)
            rep = evaluate(d.annotations, results, bootstrap=bootstrap, seed=seed)
            judged = [s for s in read_samples(samples) if s.get("step", "judge") == "judge"]
            right = [s["correct"] for s in judged if s.get("correct") is not None]
            refs = sorted({str(s.get("prompt")) for s in judged}) or [cfg.judge.prompt]
            stats = [r.provenance.stats for r in results]
            row = CompareRow(
                dataset=name,
                prompt=", ".join(r.split(" ")[0] for r in refs),
                videos=len(results),
                auc=rep.auc,
                auc_ci=rep.ci.get("auc"),
                ap=rep.ap,
                ap_ci=rep.ci.get("ap"),
                judged=int(sum(s.get("windows_judged", 0) for s in stats)),
                fails=int(sum(s.get("parse_failures", 0) for s in stats)),
                accuracy=sum(right) / len(right) if right else None,
                folder=str(folder),
                meaningless=any(r.provenance.meaningless for r in results),
            )
            rows.append(row)
            if done is not None:
                done(row)
    return rows


def _label(prompt: str) -> str:
    """A prompt's folder name: its id, or a template file's name without ``.yaml``."""
    return Path(prompt).stem if prompt.endswith((".yaml", ".yml")) else prompt


def _cell(value: float | None, ci: tuple[float, float] | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if ci is None else f"{value:.2f} [{ci[0]:.1f}, {ci[1]:.1f}]"


def markdown(rows: list[CompareRow]) -> str:
    """The table: one line per dataset × prompt, intervals in brackets (95%, bootstrap)."""
    head = "| dataset | prompt | videos | AUC [95% CI] | AP [95% CI] | judged | fails | acc |"
    lines = [head, "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        acc = "-" if r.accuracy is None else f"{100 * r.accuracy:.1f}"
        lines.append(
            f"| {r.dataset} | {r.prompt} | {r.videos} | {_cell(r.auc, r.auc_ci)} | "
            f"{_cell(r.ap, r.ap_ci)} | {r.judged} | {r.fails} | {acc} |"
        )
    return "\n".join(lines) + "\n"


def write_outputs(rows: list[CompareRow], out_dir: str | Path) -> dict[str, Path]:
    """``compare.md`` and ``compare.json`` in ``out_dir``."""
    out = Path(out_dir)
    table = atomic_write_text(out / "compare.md", markdown(rows))
    data = json.dumps([asdict(r) for r in rows], indent=1)
    return {"table": table, "json": atomic_write_text(out / "compare.json", data)}
