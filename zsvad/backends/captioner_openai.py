"""Captioner calling an OpenAI-compatible vision endpoint (``/chat/completions``).

Works with ``vllm serve``, llama.cpp's server, TGI, LM Studio, hosted APIs: each clip is one
chat request with its frames as base64 image parts (``captioner.frames``) and the prompt; the
requests of a batch run concurrently through the shared HTTP client of
:mod:`zsvad.backends.openai_client` (retries, timeouts, concurrency limit).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zsvad.backends.build import KINDS
from zsvad.backends.frames import clip_images
from zsvad.backends.openai_client import HttpOptions, OpenAIClient
from zsvad.backends.options import read_options, takes
from zsvad.backends.protocols import Clip, ModelInfo
from zsvad.config.video import CaptionerConfig
from zsvad.errors import ConfigError


class OpenAICaptioner:
    """Captions clips with a remote vision-language model."""

    Options = takes(
        CaptionerConfig, *KINDS["captioner"].common, "batch_size", "base_url", base=HttpOptions
    )
    """Its HTTP settings (api_key_env, timeout_s, max_retries, retry_budget_s) have the shape
    and defaults of the openai judge's; ``batch_size`` requests are in flight at once."""

    def __init__(
        self, model: str | None = None, *, client: OpenAIClient | None = None, **options: Any
    ):
        o = read_options(self, options, model)
        if not o.model:
            raise ConfigError("captioner.model is required for the openai backend")
        if client is None and not o.base_url:
            raise ConfigError(
                "captioner.base_url is required for the openai backend "
                "(e.g. http://localhost:8000/v1)"
            )
        self.client = client or o.client(o.base_url, concurrency=o.batch_size)
        self.model, self.prompt, self.frames = o.model, o.prompt, o.frames
        self.max_new_tokens = o.max_new_tokens
        self.info = ModelInfo("captioner", "openai", o.model, o.revision)

    def _payload(self, clip: Clip) -> dict:
        from zsvad.backends.openai_client import image_part, text_part

        content = [image_part(img) for img in clip_images(clip, self.frames)]
        content.append(text_part(self.prompt))
        return {
            "model": self.model,
            "messages": [{"role": "user", "content": content}],
            "max_tokens": self.max_new_tokens,
            "temperature": 0.0,
            "seed": 0,
        }

    def _one(self, clip: Clip) -> str:
        from zsvad.backends.llm_openai import read_answer
        from zsvad.backends.protocols import bound_answer

        text = read_answer(self.client.chat(self._payload(clip)), None)[0]
        return bound_answer(" ".join(text.split()))

    def caption(self, clips: Sequence[Clip]) -> list[str]:
        return self.client.map(self._one, list(clips))
