"""Versioned YAML prompt templates: loading, validation and sandboxed rendering.

A template is a YAML file (``prompts/**.yaml``) with ``id``, ``version``, ``description``,
``system``, ``user`` (Jinja2, sandboxed, ``StrictUndefined``), declared ``variables``,
``generation`` settings and an ``output`` spec. See docs/judge.md.
"""

from zsvad.prompts.loader import (
    PromptError,
    find_prompts,
    load_prompt,
    load_prompt_file,
    validate_path,
)
from zsvad.prompts.render import RenderedPrompt, render_prompt
from zsvad.prompts.schema import GenerationSpec, OutputSpec, PromptTemplate, Variable

__all__ = [
    "GenerationSpec",
    "OutputSpec",
    "PromptError",
    "PromptTemplate",
    "RenderedPrompt",
    "Variable",
    "find_prompts",
    "load_prompt",
    "load_prompt_file",
    "render_prompt",
    "validate_path",
]
