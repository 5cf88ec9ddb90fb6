"""Helpers shared by the LLM backends: chat messages, stop strings, local model identity."""

from __future__ import annotations

from pathlib import Path

from zsvad.backends.protocols import ChatRequest
from zsvad.hashing import file_hash


def chat_messages(req: ChatRequest) -> list[dict[str, str]]:
    """The request as OpenAI-style chat messages."""
    messages = [{"role": "system", "content": req.system}] if req.system else []
    messages.append({"role": "user", "content": req.user})
    return messages


def cut_at_stop(text: str, stop: tuple[str, ...]) -> tuple[str, bool]:
    """``text`` up to the first stop string, and whether one was found."""
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def file_revision(path: str | Path) -> str:
    """Content hash of a local model file (``sha256:<16 hex>``), used as its revision."""
    return "sha256:" + file_hash(path)[:16]


def split_gguf(model: str, gguf_file: str | None) -> tuple[str, str | None]:
    """``(repo or folder, gguf file name)`` from ``model`` (maybe a path to a .gguf file)."""
    if gguf_file is None and model.lower().endswith(".gguf"):
        p = Path(model)
        return str(p.parent), p.name
    return model, gguf_file
