"""Provenance: built once per video, at the end, from the parts used and the video's run."""

from __future__ import annotations

from datetime import UTC, datetime

from zsvad._version import __version__
from zsvad.pipeline.efficiency import parameter_count
from zsvad.pipeline.parts import Parts
from zsvad.pipeline.run import VideoRun
from zsvad.redact import redact_tree
from zsvad.results.schema import MEANINGLESS, MemoryRecord, ModelRecord, Provenance


def model_records(parts: Parts, run: VideoRun) -> list[ModelRecord]:
    """The models used: those the parts loaded, then those of roles answered only from a
    cache for this video (recorded from the cache entry)."""
    models = [
        ModelRecord(
            role=m.info.role,
            backend=m.info.backend,
            model=m.info.model,
            revision=m.info.revision,
            meaningless=m.info.meaningless,
            parameters=parameter_count(m),
        )
        for m in parts.models()
    ]
    for cached in run.cached_models:
        if not any(m.role == cached.role for m in models):
            models.append(cached)
    return models


def build_provenance(parts: Parts, config_hash: str, run: VideoRun) -> Provenance:
    """What produced the result: config, models and memory used, prompts, the run's stats."""
    models = model_records(parts, run)
    meaningless = any(m.meaningless for m in models)
    memory = None
    if parts.memory_used():
        m = parts.get("memory")
        memory = MemoryRecord(
            name=m.name, version=m.version, content_hash=m.content_hash, size=len(m.entries)
        )
    return Provenance(
        zsvad_version=__version__,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        config=redact_tree(parts.config.model_dump(mode="json")),  # no URL credentials
        config_hash=config_hash,
        models=models,
        memory=memory,
        meaningless=meaningless,
        warnings=([MEANINGLESS] if meaningless else []) + run.warnings(),
        prompts=parts.prompt_refs(),
        source=run.source,
        stats=run.final_stats(),
    )
