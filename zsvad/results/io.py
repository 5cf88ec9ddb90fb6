"""Writing (atomic) and validated reading of result files."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from zsvad.atomic import atomic_write_text
from zsvad.errors import InputError
from zsvad.ids import OUTPUT_FILES, file_stem
from zsvad.paths import read_text_file
from zsvad.results.schema import VideoResult
from zsvad.strict import problem


def result_path(out_dir: str | Path, video_id: str) -> Path:
    """``out_dir/<stem>.json``, the stem being :func:`zsvad.ids.file_stem` of ``video_id`` (the
    id itself is kept verbatim inside the file)."""
    return Path(out_dir) / f"{file_stem(video_id)}.json"


def write_result(result: VideoResult, out_dir: str | Path) -> Path:
    """Write ``out_dir/<stem of video_id>.json`` atomically and return its path."""
    path = result_path(out_dir, result.video_id)
    return atomic_write_text(path, result.model_dump_json(indent=1))


def read_result(path: str | Path) -> VideoResult:
    """Read and validate one result file."""
    path = Path(path)
    raw = read_text_file(path, "result")
    try:
        return VideoResult.model_validate(json.loads(raw))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", source=path, line=exc.lineno) from exc
    except RecursionError as exc:
        raise InputError("not valid JSON (nested too deeply)", source=path) from exc
    except ValidationError as exc:
        raise InputError(f"not a zsvad result: {problem(exc, noun='field')}", source=path) from exc
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise InputError(f"not valid JSON ({exc})", source=path) from exc


NOT_RESULTS = frozenset(n for n in OUTPUT_FILES if n.endswith(".json"))
"""JSON files zsvad writes beside results that are not results (:data:`zsvad.ids.OUTPUT_FILES`)."""


def is_result_file(path: Path) -> bool:
    """Whether ``path`` (a ``*.json`` of a result folder) is a video's result: not a summary,
    a run or config record, nor a hidden or ``_``-prefixed file (``.zsvad-summary.json``)."""
    return not path.name.startswith(("_", ".")) and path.name not in NOT_RESULTS


def read_results_dir(directory: str | Path) -> list[VideoResult]:
    """Read every result in ``directory`` (:func:`is_result_file`)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError("results directory not found", source=directory)
    return [read_result(p) for p in sorted(directory.glob("*.json")) if is_result_file(p)]
