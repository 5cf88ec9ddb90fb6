"""Parquet outputs: per-frame scores (a hive-partitioned dataset) and ``summary.parquet``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from zsvad.extras import require
from zsvad.results.io import _UMASK

#: summary.parquet columns (before any manifest columns) and their Arrow types
SUMMARY_COLUMNS = {
    "video_id": "string",
    "path": "string",
    "status": "string",
    "duration_s": "float64",
    "num_frames": "int64",
    "fps": "float64",
    "max_score": "float64",
    "mean_score": "float64",
    "segments": "int64",
    "anomalous_s": "float64",
    "top_explanation": "string",
    "meaningless": "bool_",
    "result_file": "string",
    "key": "string",
    "config_hash": "string",
    "run_id": "string",
    "error_stage": "string",
    "error": "string",
}


def _pa():
    return require("pyarrow", "batch Parquet outputs", extra="batch")


def _write_table(table, path: Path) -> Path:
    pq = require("pyarrow.parquet", "batch Parquet outputs", extra="batch")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual permissions
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_frames(path: Path, key: str, video_id: str, outcome) -> Path:
    """One video's per-frame scores: ``key, video_id, frame, time_s, score``."""
    pa = _pa()
    scores = outcome.frame_scores or []
    fps = float(outcome.stats["fps"])
    n = len(scores)
    table = pa.table(
        {
            "key": pa.array([key] * n, pa.string()),
            "video_id": pa.array([video_id] * n, pa.string()),
            "frame": pa.array(range(n), pa.int32()),
            "time_s": pa.array([i / fps for i in range(n)], pa.float32()),
            "score": pa.array(scores, pa.float32()),
        }
    )
    return _write_table(table, path)


def write_summary(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write summary rows; manifest columns beyond :data:`SUMMARY_COLUMNS` become strings."""
    pa = _pa()
    extra = [c for r in rows for c in r if c not in SUMMARY_COLUMNS]
    extra = list(dict.fromkeys(extra))
    fields = [pa.field(c, getattr(pa, t)()) for c, t in SUMMARY_COLUMNS.items()]
    fields += [pa.field(c, pa.string()) for c in extra]
    schema = pa.schema(fields)
    columns = {f.name: [r.get(f.name) for r in rows] for f in schema}
    return _write_table(pa.table(columns, schema=schema), path)
