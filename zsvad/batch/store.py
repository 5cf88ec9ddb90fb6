"""The output folder of a batch run: results, index, errors, per-frame scores.

Layout of ``DIR``::

    DIR/<config_hash>/config.json           the config of the first run writing here (later
                                            runs may differ in settings the hash leaves out)
    DIR/<config_hash>/results/<video_id>.<key>.json   one result per input content (same schema
                                            as score; named by the first input with that content)
    DIR/<config_hash>/index.jsonl           one line per finished key (its summary numbers)
    DIR/<config_hash>/frames/bucket=<kk>/<key>.parquet   per-frame scores (--frames)
    DIR/errors.jsonl                        errors of the last run (path, stage, message, …)
    DIR/summary.parquet, DIR/summary.csv    one row per input of the last run

A key is finished when its index line exists *and* its result file does. Files are written
atomically (temporary file + rename) in the order frames → result → index line, so a run killed
at any moment leaves either a finished key or one that the next run redoes; a torn last index
line is ignored. A config whose results differ (:mod:`zsvad.identity`) writes under another
``<config_hash>`` folder and never touches the results of the old one.
"""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zsvad.atomic import atomic_write_text, write_error
from zsvad.batch.job import Outcome
from zsvad.errors import ZsvadError
from zsvad.logs import get_logger
from zsvad.paths import open_regular, read_text_file
from zsvad.redact import redact_tree

log = get_logger(__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ResultStore:
    """Reads what earlier runs finished and writes the outcomes of this one (single writer)."""

    def __init__(self, out_dir: str | Path, config_hash: str, config: dict[str, Any], run_id: str):
        self.out = Path(out_dir)
        self.config_hash = config_hash
        self.run_id = run_id
        self.root = self.out / config_hash
        self.results = self.root / "results"
        self.frames = self.root / "frames"
        self.index_path = self.root / "index.jsonl"
        self.results.mkdir(parents=True, exist_ok=True)
        self._lock = self._acquire_lock()
        cfg = self.root / "config.json"
        if not cfg.exists():
            atomic_write_text(cfg, json.dumps(redact_tree(config), indent=1, sort_keys=True))
        self._remove_stale_temporaries()
        self.finished: dict[str, dict[str, Any]] = self._read_index()
        self._index = self._open_append(self.index_path)
        self.known_failures = self._read_errors()
        """Errors an earlier run recorded for this config, by key (not retried by default)."""
        self._errors = open(self.out / "errors.jsonl", "w", encoding="utf-8")  # noqa: SIM115
        self.errors: dict[str, dict[str, Any]] = {}

    def _acquire_lock(self):
        """One run per output folder: a second one would interleave the same files.

        A ``filelock`` lock (an ``flock``): it dies with its process, so a killed run never
        leaves a stale lock.
        """
        from filelock import FileLock, Timeout

        lock = FileLock(self.out / ".zsvad-batch.lock", timeout=0)
        try:
            lock.acquire()
        except Timeout as exc:
            from zsvad.batch.runners.base import BatchError

            raise BatchError(f"{self.out}: another zsvad batch run is writing here") from exc
        return lock

    # -- reading what is there --------------------------------------------------------------
    def _remove_stale_temporaries(self) -> None:
        for d in (self.results, self.frames, self.root):
            if d.is_dir():
                for tmp in d.rglob(".*.tmp"):
                    tmp.unlink(missing_ok=True)

    def _read_errors(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        try:
            lines = read_text_file(self.out / "errors.jsonl").splitlines()
        except (ZsvadError, OSError):  # absent, a fifo, not UTF-8
            return out
        for line in lines:
            try:
                row = json.loads(line)
            except (ValueError, RecursionError):
                continue
            ours = isinstance(row, dict) and row.get("config_hash") == self.config_hash
            if ours and isinstance(row.get("key"), str) and isinstance(row.get("message"), str):
                out[row["key"]] = row
        return out

    def _read_index(self) -> dict[str, dict[str, Any]]:
        done: dict[str, dict[str, Any]] = {}
        if not self.index_path.exists():
            return done
        with open_regular(self.index_path, "batch index") as raw:  # a fifo is refused
            fh = io.TextIOWrapper(raw, encoding="utf-8", errors="replace")
            for n, line in enumerate(fh, 1):
                try:
                    row = json.loads(line)
                except (ValueError, RecursionError):  # torn, or not written by zsvad
                    log.warning("%s:%d: ignoring a torn index line", self.index_path, n)
                    continue
                key = row.get("key") if isinstance(row, dict) else None
                if key and self._result_exists(row):
                    done[key] = row
        return done

    @staticmethod
    def _open_append(path: Path):
        fh = open(path, "a+b")  # noqa: SIM115
        if fh.tell() > 0:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":  # a killed run tore the last line: start a fresh one
                fh.write(b"\n")
        return fh

    def is_finished(self, key: str) -> bool:
        return key in self.finished

    def _result_exists(self, row: dict[str, Any]) -> bool:
        name = row.get("result_file")
        if isinstance(name, str) and ".." not in Path(name).parts:
            return (self.out / name).is_file()
        return (self.results / f"{row['key']}.json").is_file()  # runs before video-id names

    def result_path(self, key: str, video_id: str = "") -> Path:
        """``results/<video_id>.<key>.json`` (``<key>.json`` without a video id)."""
        from zsvad.ids import file_stem

        stem = f"{file_stem(video_id)[:80]}.{key}" if video_id else key
        return self.results / f"{stem}.json"

    def frames_path(self, key: str) -> Path:
        return self.frames / f"bucket={key[:2]}" / f"{key}.parquet"

    # -- writing ----------------------------------------------------------------------------
    def record(self, outcome: Outcome, path: str, video_id: str) -> None:
        """Write a finished result (frames, JSON, index line) or an error line."""
        if not outcome.ok:
            self.record_error(outcome.key, path, video_id, outcome.stage or "?", outcome.message)
            return
        if outcome.frame_scores is not None:
            from zsvad.batch.frames import write_frames

            write_frames(self.frames_path(outcome.key), outcome.key, video_id, outcome)
        result = self.result_path(outcome.key, video_id)
        atomic_write_text(result, outcome.result_json or "")
        row = {
            "key": outcome.key,
            "video_id": video_id,
            "path": path,
            **outcome.stats,
            "result_file": result.relative_to(self.out).as_posix(),
            "run_id": self.run_id,
            "finished_at": _now(),
            "elapsed_s": round(outcome.elapsed_s, 3),
        }
        try:  # a torn line (disk full) is skipped when the index is read back
            self._index.write((json.dumps(row) + "\n").encode())
            self._index.flush()
            os.fsync(self._index.fileno())
        except OSError as exc:
            raise write_error(self.index_path, exc) from exc
        self.finished[outcome.key] = row

    def record_error(self, key: str, path: str, video_id: str, stage: str, message) -> None:
        message = message or "failed"
        if path not in message:  # every error line names its file
            message = f"{path}: {message}"
        row = {
            "path": path,
            "video_id": video_id,
            "stage": stage,
            "message": message,
            "key": key,
            "config_hash": self.config_hash,
            "run_id": self.run_id,
            "time": _now(),
        }
        self.errors[key] = row
        try:
            self._errors.write(json.dumps(row) + "\n")
            self._errors.flush()
        except OSError as exc:
            raise write_error(self.out / "errors.jsonl", exc) from exc

    def close(self) -> None:
        for fh in (self._index, self._errors):
            try:
                fh.close()
            except OSError as exc:  # disk full: what could not be flushed is told, not raised
                log.warning("%s", write_error(fh.name, exc))
        self._lock.release()
