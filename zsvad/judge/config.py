"""Config of the LLM judge."""

from __future__ import annotations

from zsvad.config.base import Section


class JudgeConfig(Section):
    """LLM that rates windows of captions (none: retrieval only)."""

    backend: str | None = None
    """Registry name of the LLM backend, or None for no judge."""
    model: str | None = None
    """HF id, local directory or GGUF file."""
    revision: str | None = None
    """Pinned revision of ``model``."""
    prompt: str = "yesno_logprob"
    """Prompt template id (``zsvad prompts ls``) or path to a YAML template."""
