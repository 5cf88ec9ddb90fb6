"""The one lazy registry of zsvad: names → ``"module:attr"`` targets, imported on first use.

Backends (``kind -> name -> "module:Class"``, :data:`BACKENDS`), the lazy public names of
packages (:func:`lazy_exports`: ``zsvad.load_config``, ``zsvad.batch.run_batch``…) and batch
score functions (``zsvad.batch.scorers.SCORERS``) are all looked up through :func:`load`.
Nothing is imported until it is asked for, so listing backends or importing zsvad costs no heavy
import. Third-party code can add backends with :func:`register`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from zsvad.errors import ConfigError

BACKENDS: dict[str, dict[str, str]] = {
    "text_embedder": {
        "sentence-transformers": "zsvad.backends.text_embedder_st:SentenceTransformerEmbedder",
        "onnx": "zsvad.backends.text_embedder_onnx:OnnxEmbedder",
        "openvino": "zsvad.backends.text_embedder_onnx:OpenVinoEmbedder",
        "static": "zsvad.backends.text_embedder_static:StaticEmbedder",
        "fake": "zsvad.backends.fakes:FakeTextEmbedder",
    },
    "image_text_embedder": {
        "open_clip": "zsvad.backends.clip_openclip:OpenClipEmbedder",
        "fake": "zsvad.backends.fakes:FakeImageTextEmbedder",
    },
    "audio_text_embedder": {
        "transformers": "zsvad.backends.clap_hf:ClapEmbedder",
        "fake": "zsvad.backends.fakes:FakeAudioTextEmbedder",
    },
    "captioner": {
        "transformers": "zsvad.backends.captioner_hf:TransformersCaptioner",
        "vllm": "zsvad.backends.captioner_vllm:VLLMCaptioner",
        "openai": "zsvad.backends.captioner_openai:OpenAICaptioner",
        "fake": "zsvad.backends.fakes:FakeCaptioner",
        "fake_alarm": "zsvad.backends.fakes:AlarmCaptioner",
    },
    "llm": {
        "fake": "zsvad.backends.fakes:FakeLLM",
        "transformers": "zsvad.backends.llm_transformers:TransformersLLM",
        "vllm": "zsvad.backends.llm_vllm:VLLMLLM",
        "openai": "zsvad.backends.llm_openai:OpenAICompatLLM",
    },
    "face_detector": {
        "haar": "zsvad.backends.face_opencv:HaarDetector",
        "yunet": "zsvad.backends.face_opencv:YuNetDetector",
    },
}


def load(target: str) -> Any:
    """The attribute ``attr`` of module ``module`` named by ``target`` (``"module:attr"``),
    imported now."""
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def lazy_exports(module: str, table: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports the names of ``table`` (name → ``"module:attr"``)
    on first use: ``__getattr__ = lazy_exports(__name__, {...})``."""

    def __getattr__(name: str) -> Any:
        if name not in table:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        return load(table[name])

    return __getattr__


def register(kind: str, name: str, target: str) -> None:
    """Register (or replace) backend ``name`` of ``kind`` as ``"module:Class"``."""
    if ":" not in target:
        raise ValueError(f"backend target must look like 'module:Class', got {target!r}")
    BACKENDS.setdefault(kind, {})[name] = target


def names(kind: str) -> list[str]:
    """Registered backend names of ``kind``."""
    return sorted(BACKENDS.get(kind, {}))


def resolve(kind: str, name: str) -> type:
    """Import and return the class registered as ``name`` for ``kind``."""
    if kind not in BACKENDS:
        raise ConfigError(f"unknown backend kind '{kind}'; known: {', '.join(sorted(BACKENDS))}")
    table = BACKENDS[kind]
    if name not in table:
        raise ConfigError(
            f"unknown {kind} backend '{name}'; registered: {', '.join(sorted(table))}"
        )
    return load(table[name])


def create(kind: str, name: str, **kwargs: Any) -> Any:
    """Instantiate backend ``name`` of ``kind`` with ``kwargs``."""
    return resolve(kind, name)(**kwargs)
