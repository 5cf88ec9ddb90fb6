"""The one YAML loader for configs and prompt templates: safe types only, no aliases, bounded.

Anchors and aliases let a few lines expand to gigabytes (a "billion laughs"); zsvad's files
never need them, so an alias is refused with its line, and a document over
:data:`MAX_YAML_BYTES` is refused before it is parsed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from zsvad.errors import ConfigError, ZsvadError

MAX_YAML_BYTES = 1 << 20
"""Largest config or template accepted (1 MiB)."""


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


def check_size(text: str) -> None:
    if len(text) > MAX_YAML_BYTES:
        raise yaml.YAMLError(f"document of {len(text)} characters; the limit is {MAX_YAML_BYTES}")


def safe_load(text: str) -> Any:
    """Like ``yaml.safe_load``, without aliases and within the size bound."""
    check_size(text)
    return yaml.load(text, Loader=_NoAliasLoader)


def compose(text: str) -> yaml.Node | None:
    """Like ``yaml.compose`` with the safe loader, without aliases and within the size bound."""
    check_size(text)
    return yaml.compose(text, Loader=_NoAliasLoader)


def load_file(path: Path, what: str, error: type[ZsvadError] = ConfigError) -> Any:
    """The YAML document of the file ``path`` (a ``what``: "config file", "taxonomy" …), read
    with :func:`zsvad.paths.read_text_file` and :func:`safe_load`; every failure is a one-line
    ``error`` naming the file (and the line, for a YAML error)."""
    from zsvad.paths import read_text_file

    text = read_text_file(path, what, error, max_bytes=MAX_YAML_BYTES)
    try:
        return safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or exc
        raise error(f"invalid YAML: {problem}", source=path, line=line) from exc
