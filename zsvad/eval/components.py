"""Each window component of a result set scored alone (``zsvad eval --components``).

A result keeps every window's component scores (``windows[].scores``: retrieval, judge, clip,
…) next to the fused one. :func:`single_component` puts one component in the fused score's
place and finishes the windows as the pipeline does (:func:`zsvad.pipeline.finish.finish`: the
same events, frame spreading, smoothing and segment cutting, with the ``temporal`` and
``events`` settings of the result's own config), so retrieval only / judge only / fused compare
on equal terms. Windows without the component are left out, as a pipeline without it would have
no score there (gaps are filled by ``temporal.gap_fill``).
"""

from __future__ import annotations

from pydantic import ValidationError

from zsvad.config.temporal import EventsConfig, TemporalConfig
from zsvad.errors import InputError
from zsvad.pipeline.finish import finish
from zsvad.results.schema import VideoResult

ORDER = ("retrieval", "clip", "judge")
"""Components listed first, in this order (others follow by name)."""


def components_of(results: list[VideoResult]) -> list[str]:
    """The window components present in ``results`` (retrieval, clip, judge first)."""
    names = {k for r in results for w in r.windows for k in w.scores}
    return [n for n in ORDER if n in names] + sorted(names - set(ORDER))


def _settings(result: VideoResult) -> tuple[TemporalConfig, EventsConfig]:
    config = result.provenance.config
    try:
        temporal = TemporalConfig.model_validate(config.get("temporal") or {})
        events = EventsConfig.model_validate(config.get("events") or {"enabled": False})
    except ValidationError as exc:
        problem = str(exc).splitlines()[0]
        raise InputError(
            f"video '{result.video_id}': its provenance config cannot be read ({problem})"
        ) from exc
    return temporal, events


def single_component(result: VideoResult, name: str) -> VideoResult:
    """``result`` re-finished from the component ``name`` alone (see the module docstring)."""
    temporal, events_cfg = _settings(result)
    windows = [
        w.model_copy(update={"score": w.scores[name]}) for w in result.windows if name in w.scores
    ]
    events = result.events if events_cfg.enabled else ()
    done = finish(windows, result.fps, result.num_frames, temporal, events, events_cfg)
    return result.model_copy(
        update={
            "frame_scores": done.frame_scores,
            "segments": done.segments,
            "windows": windows,
            "events": done.events,
        }
    )


def component_sets(results: list[VideoResult]) -> dict[str, tuple[list[VideoResult], int]]:
    """``{component: (results scored from it alone, videos without it)}`` for every component
    of ``results``, when they have two or more (with one, it is the fused score)."""
    names = components_of(results)
    if len(names) < 2:
        return {}
    out = {}
    for name in names:
        missing = sum(1 for r in results if not any(name in w.scores for w in r.windows))
        out[name] = ([single_component(r, name) for r in results], missing)
    return out


def has_judge_and_more(results: list[VideoResult]) -> bool:
    """Whether a judge component sits next to another one in ``results`` (``eval`` then
    compares them by default)."""
    names = components_of(results)
    return "judge" in names and len(names) >= 2
