"""Captioner calling an OpenAI-compatible vision endpoint (``/chat/completions``).

Works with ``vllm serve``, llama.cpp's server, TGI, LM Studio, hosted APIs: each clip is one
chat request with its frames as base64 image parts (``captioner.frames``) and the prompt; the
requests of a batch run concurrently through the shared HTTP client of
:mod:`zsvad.backends.openai_client` (retries, timeouts, concurrency limit).
"""

from __future__ import annotations

from collections.abc import Sequence

from zsvad.backends.frames import clip_images
from zsvad.backends.protocols import CAPTION_PROMPT, Clip, ModelInfo
from zsvad.errors import ConfigError


class OpenAICaptioner:
    """Captions clips with a remote vision-language model."""

    def __init__(
        self,
        model: str | None = None,
        revision: str | None = None,
        prompt: str = CAPTION_PROMPT,
        frames: str = "middle",
        max_new_tokens: int = 48,
        batch_size: int = 8,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        timeout_s: float = 60.0,
        max_retries: int = 3,
        retry_budget_s: float | None = None,
        client=None,
        **_,
    ):
        from zsvad.backends.openai_client import OpenAIClient

        if not model:
            raise ConfigError("captioner.model is required for the openai backend")
        if client is None and not base_url:
            raise ConfigError(
                "captioner.base_url is required for the openai backend "
                "(e.g. http://localhost:8000/v1)"
            )
        self.client = client or OpenAIClient(
            base_url,
            api_key_env=api_key_env,
            timeout_s=timeout_s,
            max_retries=max_retries,
            retry_budget_s=retry_budget_s,
            concurrency=batch_size,
        )
        self.model, self.prompt, self.frames = model, prompt, frames
        self.max_new_tokens = max_new_tokens
        self.info = ModelInfo("captioner", "openai", model, revision)

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
