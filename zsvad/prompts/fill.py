"""Who fills a template's variables: the judge (judge templates) or ``memory generate``
(``memory/…`` templates), the config (``judge.vars``) and the template's own defaults."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from zsvad.prompts.schema import PromptTemplate

#: variables the judge can fill in; a template may use any subset of them
JUDGE_PROVIDED = {
    "captions": "window of captions: list of {start, end, text, target}",
    "caption": "text of the judged caption",
    "window": "{start, end} of the judged window, seconds",
    "neighbours": "retrieved memory captions: list of {text, label, category, similarity}",
    "anomalies": "user-defined anomaly descriptions (judge.anomalies)",
    "summary": "answer of the summary step (empty string without one)",
    "event": "the judged event: {start, end, captions: list of {start, end, text} in order, "
    "windows}; a window judged alone is an event of its one caption",
}


@dataclass(frozen=True)
class MemoryVariables:
    """The variables ``zsvad memory generate`` fills in ``memory/…`` templates (one request)."""

    scene: str
    """Where the scene is, in words."""
    scene_id: str
    """The taxonomy's id of the scene."""
    places: list[str]
    """Places of the scene."""
    label: str
    """``normal`` or ``anomalous``."""
    category: str | None
    """Anomaly category id (None for normal captions)."""
    category_name: str
    """The category in words."""
    examples: list[str]
    """Example captions shown."""
    avoid: list[str]
    """What the captions must not describe."""
    n: int
    """Captions asked for."""


MEMORY_PROVIDED = tuple(f.name for f in fields(MemoryVariables))
"""Variables ``zsvad memory generate`` fills in ``memory/…`` templates."""


def filler(template: PromptTemplate) -> tuple[str, set[str]]:
    """``(who renders the template, the variables it fills)``."""
    if template.id.startswith("memory/"):
        return "memory generate", set(MEMORY_PROVIDED)
    return "the judge", set(JUDGE_PROVIDED)


def defaults(template: PromptTemplate) -> dict[str, Any]:
    """The template's variables that have a default, with it."""
    return {v.name: v.default for v in template.variables if v.default is not None}


def unfilled(template: PromptTemplate, given: Iterable[str] = ()) -> list[str]:
    """Variables that neither the renderer, ``given`` (config values) nor a default fill."""
    _, provided = filler(template)
    return sorted(template.variable_names - provided - set(given) - set(defaults(template)))


def unfilled_message(template: PromptTemplate, names: list[str]) -> str:
    who, provided = filler(template)
    first = names[0]
    return (
        f"variable(s) {', '.join(names)} of prompt '{template.id}' have no default and "
        f"{who} does not fill them (it fills {', '.join(sorted(provided))}); give them a "
        f"'default:' or set them, e.g. --set judge.vars.{first}=VALUE"
    )
