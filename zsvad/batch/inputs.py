"""Turn ``zsvad batch INPUT`` into a list of items: a directory, a glob or a manifest.

- directory: every file under it (recursively) whose suffix is one of ``extensions``;
- glob: ``"archive/**/*.mp4"`` (``**`` recurses);
- manifest: ``.txt``/``.lst`` (one path a line, ``#`` comments), ``.csv`` or ``.parquet`` with a
  path column (``path``, ``video_path``, ``file`` or ``filename``, or the one named by
  ``path_column``), an optional ``video_id`` column and any other columns (ground truth,
  metadata), which are carried into ``summary.parquet``. Relative paths are relative to the
  manifest's folder.

Video ids default to the file stem; when two files share a stem, their ids become their paths
relative to the input root (without suffix) so that ids stay unique. Ids are kept verbatim (in the
summary and results); every file name made from one goes through :func:`zsvad.ids.file_stem`, so a
``video_id`` such as ``/tmp/x`` or ``../../x`` cannot write outside the output and caches.
"""

from __future__ import annotations

import csv
import glob
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from zsvad.errors import InputError
from zsvad.extras import require
from zsvad.io.videos import VIDEO_SUFFIXES, files_under

VIDEO_EXTENSIONS = tuple(sorted(VIDEO_SUFFIXES))
MANIFEST_SUFFIXES = {".txt", ".lst", ".csv", ".parquet"}
PATH_COLUMNS = ("path", "video_path", "file", "filename")


@dataclass
class BatchItem:
    """One input of a batch: a file and the id its result is reported under."""

    path: Path
    video_id: str
    extra: dict[str, str] = field(default_factory=dict)
    """Other manifest columns (ground truth, metadata), carried into the summary."""


def _is_glob(text: str) -> bool:
    return any(c in text for c in "*?[")


def _from_paths(paths: list[Path], root: Path, ids: list[str | None] | None = None) -> list:
    ids = ids or [None] * len(paths)
    stems = Counter(p.stem for p, i in zip(paths, ids) if i is None)
    items = []
    for p, vid in zip(paths, ids):
        if vid is None:
            if stems[p.stem] > 1:
                try:
                    rel = p.relative_to(root)
                except ValueError:
                    rel = Path(os.path.relpath(p, root))
                vid = rel.with_suffix("").as_posix()
            else:
                vid = p.stem
        items.append(BatchItem(path=p, video_id=vid))
    return items


def _check_columns(columns: list[str], path: Path) -> None:
    """Two columns of one name would make one of them silently win: an error."""
    twice = sorted(c for c, n in Counter(columns).items() if n > 1)
    if twice:
        raise InputError(f"manifest has duplicate columns: {', '.join(twice)}", source=path)


def _read_table(path: Path) -> list[dict[str, str]]:
    if path.suffix.lower() == ".parquet":
        pq = require("pyarrow.parquet", "Parquet manifests", extra="batch")
        try:
            names = pq.read_schema(path).names
        except Exception as exc:  # pyarrow raises several types for bad files
            raise InputError(f"cannot read Parquet manifest: {exc}", source=path) from exc
        _check_columns(names, path)
        try:
            rows = pq.read_table(path).to_pylist()
        except Exception as exc:
            raise InputError(f"cannot read Parquet manifest: {exc}", source=path) from exc
        return [{k: ("" if v is None else str(v)) for k, v in r.items()} for r in rows]
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            _check_columns(reader.fieldnames or [], path)
            return [{k: (v or "") for k, v in row.items()} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read CSV manifest: {exc}", source=path) from exc


def read_manifest(path: str | Path, path_column: str | None = None) -> list[BatchItem]:
    """Items listed in a manifest (see the module docstring for the formats)."""
    path = Path(path)
    base = path.parent
    if path.suffix.lower() in {".txt", ".lst"}:
        try:
            lines = path.read_text(encoding="utf-8").split("\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read manifest: {exc}", source=path) from exc
        paths = [base / s for line in lines if (s := line.strip()) and not s.startswith("#")]
        return _from_paths(paths, base)
    rows = _read_table(path)
    if not rows:
        return []
    columns = list(rows[0])
    col = path_column or next((c for c in PATH_COLUMNS if c in columns), None)
    if col is None or col not in columns:
        wanted = path_column or " or ".join(PATH_COLUMNS)
        raise InputError(f"manifest has no '{wanted}' column (columns: {columns})", source=path)
    paths, ids = [], []
    for i, row in enumerate(rows, start=2):
        if not row[col].strip():
            raise InputError(f"empty '{col}' in row {i - 1}", source=path, line=i)
        paths.append(base / row[col].strip())
        ids.append(row.get("video_id", "").strip() or None)
    items = _from_paths(paths, base, ids)
    for item, row in zip(items, rows):
        item.extra = {k: v for k, v in row.items() if k not in {col, "video_id"}}
    return items


def discover_inputs(
    spec: str | Path,
    extensions: tuple[str, ...] = VIDEO_EXTENSIONS,
    path_column: str | None = None,
) -> list[BatchItem]:
    """Items named by ``spec`` (directory, glob or manifest), in a stable order."""
    text = str(spec)
    path = Path(text)
    exts = {e.lower() for e in extensions}
    if path.is_dir():
        paths = files_under(path, exts)
        return _from_paths(paths, path)
    if path.is_file():
        if path.suffix.lower() in exts:
            return _from_paths([path], path.parent)
        if path.suffix.lower() in MANIFEST_SUFFIXES:
            return read_manifest(path, path_column)
        raise InputError(
            f"not a video ({', '.join(sorted(exts))}) nor a manifest "
            f"({', '.join(sorted(MANIFEST_SUFFIXES))})",
            source=path,
        )
    if _is_glob(text):
        paths = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        root = Path(os.path.commonpath([p.parent for p in paths])) if paths else Path(".")
        return _from_paths(paths, root)
    raise InputError("input not found (expected a directory, a glob or a manifest)", source=path)
