"""Parquet outputs: per-frame scores (a hive-partitioned dataset) and ``summary.parquet``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zsvad.atomic import atomic_path
from zsvad.extras import require

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
    "duplicate_of": "string",
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
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
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


_BOOLS = {"true": True, "false": False}


def typed_column(values: list[Any]) -> tuple[str, list[Any]]:
    """Arrow type and values of a manifest column: ``bool_``, ``int64`` or ``float64`` when
    every value (blank aside) is one, or is text spelling one (a CSV manifest holds text);
    else ``string``."""
    blank = [v is None or (isinstance(v, str) and not v.strip()) for v in values]
    present = [v for v, b in zip(values, blank) if not b]
    for kind, convert in (("bool_", _as_bool), ("int64", _as_int), ("float64", _as_float)):
        try:
            converted = [convert(v) for v in present]
        except (TypeError, ValueError):
            continue
        if present:
            it = iter(converted)
            return kind, [None if b else next(it) for b in blank]
    return "string", [None if b else str(v) for v, b in zip(values, blank)]


def _as_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in _BOOLS:
        return _BOOLS[v.strip().lower()]
    raise ValueError(v)


def _as_int(v: Any) -> int:
    if isinstance(v, (bool, float)):
        raise ValueError(v)
    return int(v.strip()) if isinstance(v, str) else int(v)


def _as_float(v: Any) -> float:
    if isinstance(v, bool):
        raise ValueError(v)
    return float(v)


def _table(rows: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, list[Any]]]:
    """Column types and values of the summary (manifest columns typed by their values)."""
    types = dict(SUMMARY_COLUMNS)
    columns = {c: [r.get(c) for r in rows] for c in SUMMARY_COLUMNS}
    for c in dict.fromkeys(c for r in rows for c in r if c not in SUMMARY_COLUMNS):
        types[c], columns[c] = typed_column([r.get(c) for r in rows])
    return types, columns


def write_summary(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write summary rows as Parquet; manifest columns beyond :data:`SUMMARY_COLUMNS` are
    booleans, integers or floats when all their values are (see :func:`typed_column`)."""
    pa = _pa()
    types, columns = _table(rows)
    schema = pa.schema([pa.field(c, getattr(pa, t)()) for c, t in types.items()])
    return _write_table(pa.table(columns, schema=schema), path)


def write_summary_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    """The same table as ``summary.parquet``, as CSV (the format ``zsvad score`` writes)."""
    from zsvad.csvout import write_csv

    return write_csv(path, list(_table(rows)[0]), rows)


SUMMARY_STAMP = ".zsvad-summary.json"
"""Beside the summaries: the hash of the rows they hold and each file's size and mtime."""


def _stamp(out: Path, rows_hash: str) -> dict[str, Any] | None:
    files = {}
    for name in ("summary.parquet", "summary.csv"):
        try:
            st = (out / name).stat()
        except OSError:
            return None
        files[name] = [st.st_size, st.st_mtime_ns]
    return {"rows": rows_hash, "files": files}


def write_summaries(out: Path, rows: list[dict[str, Any]]) -> Path:
    """Write ``summary.parquet`` and ``summary.csv`` of ``rows`` into ``out``, unless both are
    there already with these rows (a rerun with nothing to do: pyarrow, and the pandas it pulls
    in, are not even imported). Returns the Parquet path."""
    import json

    from zsvad.atomic import atomic_write_text
    from zsvad.errors import ZsvadError
    from zsvad.hashing import stable_hash
    from zsvad.paths import read_text_file

    parquet, stamp = out / "summary.parquet", out / SUMMARY_STAMP
    rows_hash = stable_hash(rows)
    try:
        text = read_text_file(stamp, max_bytes=1 << 20)  # a fifo is refused, never opened
        unchanged = json.loads(text) == _stamp(out, rows_hash)
    except (ZsvadError, OSError, ValueError, RecursionError):
        unchanged = False
    if unchanged:
        return parquet
    stamp.unlink(missing_ok=True)
    write_summary(parquet, rows)
    write_summary_csv(out / "summary.csv", rows)
    atomic_write_text(stamp, json.dumps(_stamp(out, rows_hash)))
    return parquet
