"""Job keys: what identifies a unit of work across restarts.

A key combines the *content* of the input file (not its name or mtime: renaming or copying an
archive keeps its results; hashing modes in :mod:`zsvad.hashing`) with the config hash of
:mod:`zsvad.identity` (what a result depends on).
"""

from __future__ import annotations

from zsvad.hashing import HashMode, content_hash, stable_hash

__all__ = ["HashMode", "content_hash", "job_key"]


def job_key(content: str, config_hash: str) -> str:
    """Key of scoring content ``content`` with config ``config_hash`` (24 hex characters)."""
    return stable_hash(f"{content}:{config_hash}", 24)
