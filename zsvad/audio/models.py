"""The audio parts of a pipeline, built from the config (``zsvad.pipeline.parts`` calls these):
the audio-text embedder, the memory's audio section and its retriever."""

from __future__ import annotations

from zsvad.backends.build import build
from zsvad.backends.protocols import AudioTextEmbedder
from zsvad.config.schema import ZsvadConfig
from zsvad.memory.audio import load_audio_memory
from zsvad.memory.index import load_indexes
from zsvad.memory.retrieval import Retriever
from zsvad.memory.store import Memory

PARTS = ("audio_embedder", "audio_memory", "audio_retriever")
"""Names of the audio parts (``audio_retriever`` is built from the other two)."""


def build_embedder(config: ZsvadConfig) -> AudioTextEmbedder | None:
    """The audio-text model of ``config.audio`` (None when not configured)."""
    c = config.audio
    return build("audio_text_embedder", c) if c.backend else None


def build_memory(config: ZsvadConfig) -> Memory:
    """The audio section of ``audio.memory`` (default: ``memory.name``)."""
    return load_audio_memory(config.audio.memory or config.memory.name)


def build_retriever(memory: Memory, embedder: AudioTextEmbedder, config: ZsvadConfig) -> Retriever:
    """Retriever over the audio captions embedded with the model's text tower (FAISS index
    cached like the caption memory's)."""
    indexes = load_indexes(memory, embedder, config.memory)
    return Retriever(indexes, config.retrieval)


def identity(config: ZsvadConfig, part: str) -> list:
    """The settings an audio part is built from: equal settings, same part."""
    model = config.audio.backend_settings()
    memory = [config.audio.memory or config.memory.name]
    if part == "audio_embedder":
        return [model]
    if part == "audio_memory":
        return memory
    return [model, memory, config.memory.model_dump()]  # audio_retriever
