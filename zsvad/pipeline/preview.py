"""``zsvad prompts render``: the judge's request for one window of a captions file, rendered by
the code the run uses (:class:`~zsvad.judge.render.JudgePrompts`), without asking any LLM.

Retrieval runs (it loads the text embedder) when what is rendered depends on it: a template
using ``neighbours``, or ``events.judge: events`` (events are found from the caption vectors).
"""

from __future__ import annotations

from dataclasses import dataclass

from zsvad.config.schema import ZsvadConfig
from zsvad.errors import InputError
from zsvad.io.captions import VideoCaptions
from zsvad.judge.render import JudgePrompts
from zsvad.prompts.render import RenderedPrompt

SUMMARY_PLACEHOLDER = "<answer of the summary step>"
"""What a preview puts for ``summary`` when a summary step would ask the LLM for it."""


@dataclass
class Preview:
    """The rendered request(s) of one window."""

    summary: RenderedPrompt | None
    """The summary step's prompt (``judge.summary_prompt``), when there is one."""
    prompt: RenderedPrompt
    """The judge prompt (``summary`` is :data:`SUMMARY_PLACEHOLDER` after a summary step)."""
    start: float
    """Start of what the request is about (the window, or its event), seconds."""
    end: float
    """Its end, seconds."""
    retrieved: bool
    """Whether retrieval ran (neighbours and events as in the run)."""


def needs_retrieval(config: ZsvadConfig, prompts: JudgePrompts) -> bool:
    """Whether the rendered text depends on retrieval (neighbours, or events as judged units)."""
    used = set(prompts.template.variable_names)
    if prompts.summary_template is not None:
        used |= prompts.summary_template.variable_names
    events = config.events.enabled and config.events.judge == "events"
    return "neighbours" in used or events


def render_window(
    config: ZsvadConfig, video: VideoCaptions, window: int, retrieve: bool = False
) -> Preview:
    """The judge's request for window ``window`` of ``video`` under ``config`` (template
    defaults, ``judge.vars``, span, anomalies, events: as :meth:`Judge.score` renders it)."""
    from zsvad.pipeline.captions import caption_windows

    prompts = JudgePrompts(config.judge)
    windows = caption_windows(video)
    if not 0 <= window < len(windows):
        raise InputError(
            f"video '{video.video_id}' has {len(windows)} window(s); --window is {window}"
        )
    if not windows[window].text:
        raise InputError(f"window {window} of video '{video.video_id}' has no caption")
    events = None
    retrieve = retrieve or needs_retrieval(config, prompts)
    if retrieve:
        from zsvad.pipeline.components import retrieval_component
        from zsvad.pipeline.events import find_video_events
        from zsvad.pipeline.parts import Parts

        parts = Parts(config)
        retrieval_component(windows, parts.get("retriever"), parts.get("query_embedder"))
        ev = config.events
        found = find_video_events(windows, video.num_frames / video.fps, ev)
        events = found if found and ev.judge == "events" else None
    (unit,) = prompts.units(windows, [window], events, config.events.judge_max_captions)
    summary = None
    filled = ""
    if prompts.summary_template is not None:
        (summary,) = prompts.summary_prompts([unit])
        filled = SUMMARY_PLACEHOLDER
    (prompt,) = prompts.prompts([unit], [filled])
    return Preview(summary, prompt, unit.start, unit.end, retrieve)
