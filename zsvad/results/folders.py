"""Result folders: what a run's output holds (result files, read lazily one at a time, and errors).

``RESULTS`` arguments may be :class:`VideoResult` objects, result JSON files or result
directories. A directory contributes ``DIR/*.json`` (``zsvad score``), ``DIR/results/*.json``
and ``DIR/*/results/*.json`` (``zsvad batch``), plus its errors: ``errors.jsonl`` lines and the
``status=error`` rows of ``summary.csv``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zsvad.errors import InputError
from zsvad.results.io import is_result_file, read_result
from zsvad.results.schema import VideoResult

#: JSON files in a results directory that are not results

ResultLike = VideoResult | str | Path


@dataclass(frozen=True)
class RunError:
    """One failure of the run (or of reading its results), listed on the index page."""

    video_id: str
    message: str
    origin: str = ""
    """Where it was found: ``errors.jsonl``, ``summary.csv``, a result file, …"""
    stage: str = ""
    path: str = ""

    @classmethod
    def coerce(cls, item: RunError | Mapping[str, Any], origin: str = "") -> RunError:
        """From a :class:`RunError`, a summary row (``error``) or an errors.jsonl line."""
        if isinstance(item, RunError):
            return item
        message = item.get("message") or item.get("error") or "unknown error"
        return cls(
            video_id=str(item.get("video_id") or Path(str(item.get("path") or "?")).stem),
            message=str(message),
            origin=str(item.get("origin") or origin),
            stage=str(item.get("stage") or ""),
            path=str(item.get("path") or ""),
        )


@dataclass
class ReportInputs:
    """Result sources (objects or files, read when rendered) and errors, in input order."""

    sources: list[VideoResult | Path] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)

    def add_error(self, error: RunError) -> None:
        key = (error.video_id, error.message)
        if all((e.video_id, e.message) != key for e in self.errors):
            self.errors.append(error)

    def results(self) -> Iterator[tuple[VideoResult | None, Path | None, RunError | None]]:
        """``(result, file, None)`` per readable source, ``(None, file, error)`` otherwise."""
        for src in self.sources:
            if isinstance(src, VideoResult):
                yield src, None, None
                continue
            try:
                yield read_result(src), src, None
            except InputError as exc:
                yield None, src, RunError(src.stem, str(exc), origin="result file", path=str(src))


RESULTS_SUBDIR = "results"
"""The folder of a batch config's results: ``DIR/<config_hash>/results/<key>.json``
(``zsvad watch``: ``DIR/<camera>/results/``); a ``zsvad score`` folder holds ``DIR/*.json``."""


def result_files(directory: Path) -> list[Path]:
    """Result JSON files of a ``zsvad score``, ``batch`` or ``watch`` output directory, all
    of its result sets together."""
    found = [*directory.glob("*.json"), *directory.glob(f"{RESULTS_SUBDIR}/*.json")]
    found += directory.glob(f"*/{RESULTS_SUBDIR}/*.json")
    return sorted({p for p in found if p.is_file() and is_result_file(p)})


def result_sets(directory: Path) -> dict[Path, Path]:
    """``{label: folder}`` of the result sets of an output directory: a ``score`` folder (or
    a batch config's folder, or its ``results/``) is one set; a batch folder is one set per
    config hash (``DIR/<config_hash>``, whose files are in its ``results/``). Each folder holds
    its set's ``*.json`` (:func:`zsvad.results.io.read_results_dir`)."""
    if (directory / RESULTS_SUBDIR).is_dir():
        return {directory: directory / RESULTS_SUBDIR}
    hashes = sorted(p.parent for p in directory.glob(f"*/{RESULTS_SUBDIR}") if p.is_dir())
    if hashes and not any(is_result_file(p) for p in directory.glob("*.json")):
        return {h: h / RESULTS_SUBDIR for h in hashes}
    return {directory: directory}


def read_errors_jsonl(path: Path) -> list[RunError]:
    """Errors of a run from ``errors.jsonl`` (a malformed line becomes an error itself)."""
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        return [RunError("?", f"{path}: cannot read: {exc.strerror or exc}", origin=path.name)]
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not an object")
        except (ValueError, RecursionError):
            out.append(RunError("?", f"{path}:{lineno}: malformed error line", origin=path.name))
            continue
        out.append(RunError.coerce(row, origin=path.name))
    return out


def read_summary_errors(path: Path) -> list[RunError]:
    """The ``status=error`` rows of a ``summary.csv`` written by ``zsvad score``."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        return [RunError("?", f"{path}: cannot read summary: {exc}", origin=path.name)]
    return [RunError.coerce(row, origin=path.name) for row in rows if row.get("status") == "error"]


def collect(
    items: ResultLike | Iterable[ResultLike], errors: Iterable[RunError | Mapping] = ()
) -> ReportInputs:
    """Gather result sources and errors from ``items`` (see the module docstring)."""
    if isinstance(items, VideoResult | str | Path):
        items = [items]
    inputs = ReportInputs()
    seen: set[Path] = set()

    def add_file(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            inputs.sources.append(path)

    for item in items:
        if isinstance(item, VideoResult):
            inputs.sources.append(item)
            continue
        path = Path(item)
        if path.is_dir():
            files = result_files(path)
            for f in files:
                add_file(f)
            run_errors = []
            if (path / "errors.jsonl").is_file():
                run_errors += read_errors_jsonl(path / "errors.jsonl")
            if (path / "summary.csv").is_file():
                run_errors += read_summary_errors(path / "summary.csv")
            for err in run_errors:
                inputs.add_error(err)
            if not files and not run_errors:
                inputs.add_error(
                    RunError(path.name, f"{path}: no result files in this directory", "input")
                )
        elif path.is_file():
            add_file(path)
        else:
            inputs.add_error(RunError(path.stem, f"{path}: result file not found", "input"))
    for err in errors:
        inputs.add_error(RunError.coerce(err, origin="run"))
    return inputs
