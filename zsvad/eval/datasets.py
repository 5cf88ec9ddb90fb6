"""Benchmarks as data: a small YAML per dataset names its captions, ground truth and metric.

``datasets/<name>.yaml`` (bundled) or any YAML file::

    name: ucf_vl3_dev
    version: 1
    description: UCF-Crime test videos (141), dense VideoLLaMA3-7B captions
    captions: "{shared}/data/ucf_vl3_dev/captions.jsonl"
    annotations: "{shared}/data/ucf_vl3_dev/annotations.txt"
    format: ucf
    fps: 30
    metric: auc

Relative paths are resolved against the YAML file's folder. ``{shared}`` stands for the shared
data folder: ``$ZSVAD_SHARED`` when set, else ``shared/`` beside the repository checkout.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, ValidationError

from zsvad.errors import ConfigError
from zsvad.paths import data_dir
from zsvad.safeyaml import load_file
from zsvad.strict import Strict


class DatasetSpec(Strict):
    """One benchmark: where its captions and ground truth are and how it is scored."""

    model_config = ConfigDict(frozen=True)

    name: str
    """Short id (``ucf_vl3_dev``); results and tuning records name the data by it."""
    version: int = 1
    """Bumped when the files or the protocol change."""
    description: str = ""
    """One line: what the videos and captions are."""
    captions: Path
    """Timed captions (JSONL, zsvad's captions format)."""
    annotations: Path
    """Ground truth: a file, or a folder of ``.npy`` frame labels."""
    format: Literal["ucf", "multi", "xd-list", "npy", "lavad"] | None = None
    """Annotation format (``None``: auto-detect)."""
    temporal: Path | None = None
    """With ``format: lavad``: the temporal annotation file that goes with the test list."""
    fps: float | None = None
    """Frame rate of the videos, where the captions do not carry it."""
    metric: Literal["auc", "ap"] = "auc"
    """Headline metric: frame ROC-AUC (UCF-Crime) or AP (XD-Violence)."""
    tune: bool = True
    """Whether defaults may be tuned on it (``False`` for transfer-check sets)."""
    source: Path | None = None
    """The YAML file this spec was read from (filled in by :func:`load_dataset`)."""


def shared_dir() -> Path:
    """The shared data folder: ``$ZSVAD_SHARED`` or ``shared/`` beside the checkout."""
    env = os.environ.get("ZSVAD_SHARED")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared"


def _resolve(value: str, base: Path) -> Path:
    path = Path(value.replace("{shared}", str(shared_dir())))
    return Path(os.path.normpath(path if path.is_absolute() else base / path))


def dataset_names() -> list[str]:
    """Names of the bundled dataset specs."""
    folder = data_dir("datasets")
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def load_dataset(ref: str | Path) -> DatasetSpec:
    """A dataset spec by bundled name (``ucf_vl3_dev``) or YAML path; errors name the file."""
    path = Path(ref)
    if not path.suffix and not path.exists():
        path = data_dir("datasets") / f"{ref}.yaml"
        if not path.is_file():
            known = ", ".join(dataset_names()) or "none"
            raise ConfigError(f"unknown dataset '{ref}' (bundled: {known})")
    raw = load_file(path, "dataset spec")
    if not isinstance(raw, dict):
        raise ConfigError("a dataset spec is a mapping", source=path)
    base = path.resolve().parent
    for key in ("captions", "annotations", "temporal"):
        if isinstance(raw.get(key), str):
            raw[key] = _resolve(raw[key], base)
    try:
        return DatasetSpec(**raw, source=path)
    except (ValidationError, TypeError) as exc:
        raise ConfigError(f"invalid dataset spec: {exc}", source=path) from None


def dataset_annotations(spec: DatasetSpec) -> dict:
    """The ground truth a spec names (``{video_id: Annotation}``)."""
    from zsvad.eval.annotations import read_annotations

    return read_annotations(spec.annotations, spec.format, spec.temporal)
