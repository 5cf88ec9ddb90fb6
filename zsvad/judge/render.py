"""The judge's prompts: which requests a video's windows make and how each is rendered.

One code path for the run (:meth:`zsvad.judge.judge.Judge.score`) and the preview
(``zsvad prompts render``): template defaults, then ``judge.vars``, then what the judge fills
(captions, neighbours, event, summary), through :class:`JudgePrompts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zsvad.config.judge import JudgeConfig
from zsvad.errors import ConfigError
from zsvad.judge.context import Unit, window_variables
from zsvad.prompts.loader import load_prompt
from zsvad.prompts.render import RenderedPrompt, render_prompt
from zsvad.prompts.schema import PromptTemplate


def check_variables(t: PromptTemplate, cfg: JudgeConfig) -> None:
    """ConfigError when a variable of ``t`` is filled by nobody, or ``anomalies`` is empty."""
    from zsvad.prompts.fill import unfilled, unfilled_message

    unknown = unfilled(t, cfg.vars)
    if unknown:
        raise ConfigError(unfilled_message(t, unknown))
    if "anomalies" in t.variable_names and not cfg.anomalies:
        raise ConfigError(
            f"prompt '{t.id}' needs your anomaly descriptions: set judge.anomalies, e.g. "
            "--set 'judge.anomalies=[\"people climbing the fence\"]'"
        )


class JudgePrompts:
    """The templates of ``cfg`` (``judge.prompt``, ``judge.summary_prompt``), loaded and checked
    (ConfigError for a text-output judge prompt or a variable nobody fills)."""

    def __init__(self, cfg: JudgeConfig):
        self.cfg = cfg
        self.template = load_prompt(cfg.prompt)
        if self.template.output.type == "text":
            raise ConfigError(
                f"prompt '{self.template.id}' has output type text: it gives no score"
            )
        check_variables(self.template, cfg)
        self.summary_template: PromptTemplate | None = None
        if cfg.summary_prompt:
            self.summary_template = load_prompt(cfg.summary_prompt)
            check_variables(self.summary_template, cfg)

    def fill(self, template: PromptTemplate) -> dict[str, Any]:
        """Template defaults overridden by ``judge.vars``."""
        from zsvad.prompts.fill import defaults

        return {**defaults(template), **self.cfg.vars}

    def units(
        self,
        windows: Sequence,
        chosen: list[int],
        events: Sequence | None = None,
        most_captions: int = 24,
    ) -> list[Unit]:
        """One request per chosen window (with ``span`` neighbouring captions), or with
        ``events`` one per event holding a chosen window. ``windows`` have ``start``, ``end``,
        ``text`` and ``evidence``."""
        c = self.cfg
        if events is not None:
            from zsvad.judge.events import event_units

            return event_units(windows, events, chosen, c, most_captions)
        texts = [(w.start, w.end, w.text) for w in windows]
        return [
            Unit(
                [i],
                windows[i].start,
                windows[i].end,
                window_variables(texts, i, c.span, windows[i].evidence, c.neighbours, c.anomalies),
            )
            for i in chosen
        ]

    def summary_prompts(self, units: Sequence[Unit]) -> list[RenderedPrompt]:
        """The summary step's prompts (none without ``judge.summary_prompt``)."""
        if self.summary_template is None:
            return []
        fill = self.fill(self.summary_template)
        return [render_prompt(self.summary_template, fill | u.variables) for u in units]

    def prompts(self, units: Sequence[Unit], summaries: Sequence[str]) -> list[RenderedPrompt]:
        """The judge prompt of each unit, given the summary step's answer for it."""
        fill = self.fill(self.template)
        return [
            render_prompt(self.template, fill | u.variables | {"summary": summary})
            for u, summary in zip(units, summaries)
        ]
