"""The data a grid is tuned on: captioned videos with ground truth, and what they are."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zsvad.errors import ConfigError, InputError
from zsvad.eval.annotations import Annotation, read_annotations
from zsvad.eval.datasets import DatasetSpec
from zsvad.hashing import file_hash
from zsvad.io.captions import VideoCaptions, read_captions


def content_hash(path: Path) -> str:
    """SHA-256 of a file, or of a folder's files (names and contents, sorted by name)."""
    if not path.is_dir():
        return file_hash(path)
    h = hashlib.sha256()
    for f in sorted(p for p in path.iterdir() if p.is_file()):
        h.update(f"{f.name}\0{file_hash(f)}\n".encode())
    return h.hexdigest()


@dataclass
class TuneData:
    """Videos that have both captions and ground truth, the headline metric, and a record of
    where they came from (dataset name and version, file paths and content hashes)."""

    videos: list[VideoCaptions]
    """Captioned, annotated videos, sorted by id."""
    annotations: dict[str, Annotation]
    metric: str = "auc"
    """Headline metric the selection maximises: ``auc`` or ``ap``."""
    record: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    """Video id → why it is left out (bad captions, no ground truth, no captions)."""

    @classmethod
    def from_files(
        cls,
        captions: str | Path,
        annotations: str | Path,
        fmt: str | None = None,
        metric: str = "auc",
        record: dict[str, Any] | None = None,
    ) -> TuneData:
        """Read a captions JSONL and a ground-truth file (``fmt``: see ``zsvad eval``)."""
        captions, annotations = Path(captions), Path(annotations)
        read = read_captions(captions)
        truth = read_annotations(annotations, fmt)
        skipped = {vid: f"bad captions: {err}" for vid, err in read.errors.items()}
        skipped |= {v: "no ground truth" for v in read.videos if v not in truth}
        skipped |= {v: "no captions" for v in truth if v not in read.videos and v not in skipped}
        videos = [read.videos[v] for v in sorted(read.videos) if v in truth]
        if not videos:
            raise InputError(f"no video has ground truth in {annotations}", source=captions)
        rec = dict(record or {})
        rec |= {
            "captions": str(captions),
            "captions_sha256": content_hash(captions),
            "annotations": str(annotations),
            "annotations_sha256": content_hash(annotations),
            "videos": len(videos),
            "abnormal_videos": sum(truth[v.video_id].abnormal for v in videos),
            "skipped_videos": len(skipped),
        }
        return cls(videos, truth, metric, rec, skipped)

    @classmethod
    def from_dataset(cls, spec: DatasetSpec, force: bool = False) -> TuneData:
        """The data of a dataset spec; one marked ``tune: false`` is refused unless ``force``."""
        if not spec.tune and not force:
            raise ConfigError(
                f"dataset '{spec.name}' is marked 'tune: false' (a transfer check, not for "
                "tuning); pass --force to tune on it anyway",
                source=spec.source,
            )
        record = {"dataset": spec.name, "dataset_version": spec.version}
        if spec.source is not None:
            record["dataset_spec"] = str(spec.source)
        return cls.from_files(spec.captions, spec.annotations, spec.format, spec.metric, record)
