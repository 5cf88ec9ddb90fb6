"""Result sets to evaluate: folders written by ``zsvad score`` or ``zsvad batch``, and subsets.

- a ``score`` folder holds ``<video_id>.json`` files directly;
- a ``batch`` folder holds ``<config_hash>/results/<key>.json``: each config hash is a result
  set of its own (labelled ``DIR/<config_hash>``); ``DIR/<config_hash>`` or its ``results/``
  folder can be given too. When a video was scored twice under one config (its file changed),
  the newest result counts.
"""

from __future__ import annotations

from pathlib import Path

from zsvad.errors import InputError
from zsvad.results.folders import result_sets
from zsvad.results.io import read_results_dir
from zsvad.results.schema import VideoResult


def _newest_per_video(results: list[VideoResult]) -> list[VideoResult]:
    best: dict[str, VideoResult] = {}
    for r in results:
        old = best.get(r.video_id)
        if old is None or r.provenance.created_at > old.provenance.created_at:
            best[r.video_id] = r
    return sorted(best.values(), key=lambda r: r.video_id)


def load_result_sets(path: str | Path) -> dict[str, list[VideoResult]]:
    """``{label: results}`` of a score folder (one set) or a batch folder (one per config)."""
    path = Path(path)
    if not path.is_dir():
        raise InputError("results directory not found", source=path)
    sets = result_sets(path)  # the layout of score and batch folders: zsvad.results.folders
    if list(sets.values()) == [path]:  # a score folder
        results = read_results_dir(path)
        if not results:
            raise InputError(
                "no result files (<video_id>.json, or <hash>/results/ of batch)", source=path
            )
        return {str(path): results}
    return {str(label): _newest_per_video(read_results_dir(d)) for label, d in sets.items()}


def read_video_list(value: str) -> list[str]:
    """``--videos``: a file with one video id a line (``#`` comments, blank lines skipped) or a
    comma-separated list of ids. A file extension (``.mp4`` …) on an id is dropped."""
    from zsvad.io.videos import video_id_from_name

    path = Path(value)
    if path.is_file():
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the video list: {exc}", source=path) from exc
        ids = [ln.split()[0] for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    else:
        ids = [v.strip() for v in value.split(",") if v.strip()]
    if not ids:
        raise InputError("the video list is empty", source=value)
    return [video_id_from_name(v) for v in ids]


def select_ids(ids: list[str], videos: list[str] | None, limit: int | None) -> list[str]:
    """The subset of ``ids`` in ``videos`` (all when None), then the first ``limit`` of them in
    sorted id order."""
    chosen = sorted(set(ids) & set(videos)) if videos is not None else sorted(set(ids))
    return chosen[:limit] if limit is not None else chosen
