"""Helpers of the batch tests: the scripted scorer, input folders, options, the summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from zsvad.batch.run import BatchOptions

pq = pytest.importorskip("pyarrow.parquet")  # batch outputs need it: the importer is skipped

SCORER = "batch_fake_scorer:score"
"""The scripted scorer (``tests/batch_fake_scorer.py``): each input file says what it does."""


def make_folder(root: Path, files: dict[str, str]) -> Path:
    """``root`` holding ``files`` (relative name -> text)."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def batch_opts(**kw) -> BatchOptions:
    """Quiet batch options, the scripted scorer and the serial runner unless given."""
    kw.setdefault("scorer", SCORER)
    kw.setdefault("runner", "serial")
    return BatchOptions(quiet=True, **kw)


def read_summary(out: Path) -> dict[str, dict]:
    """The rows of ``out/summary.parquet`` by video id."""
    return {r["video_id"]: r for r in pq.read_table(out / "summary.parquet").to_pylist()}
