"""LLM backend for OpenAI-compatible chat servers (vLLM serve, llama.cpp server, TGI, OpenAI).

Choice requests ask for ``top_logprobs`` of the first answer token and read each label's
probability from them (tokens matched case-insensitively to a label, or to the start of exactly
one label); a label absent from the top list gets the smallest listed log-probability (an upper
bound). Servers without log-probabilities still answer with text, which the judge parses.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from zsvad.backends.build import KINDS
from zsvad.backends.llm_common import LLMOptions, chat_messages
from zsvad.backends.openai_client import HttpOptions, MalformedAnswer, OpenAIClient
from zsvad.backends.options import read_options, takes
from zsvad.backends.protocols import ChatRequest, Generation, ModelInfo
from zsvad.config.judge import JudgeConfig
from zsvad.logs import get_logger

log = get_logger(__name__)


def choice_logprobs_from_top(
    top: Sequence[dict[str, Any]], choices: Sequence[str]
) -> dict[str, float] | None:
    """Label log-probabilities from the ``top_logprobs`` of the first answer token."""
    lowered = [c.strip().lower() for c in choices]
    mass = dict.fromkeys(choices, 0.0)
    top = [e for e in top if isinstance(e, dict) and _finite(e.get("logprob")) is not None]
    for entry in top:
        tok = str(entry.get("token", "")).strip().lower()
        if not tok:
            continue
        if tok in lowered:
            target = choices[lowered.index(tok)]
        else:
            starts = [c for c, low in zip(choices, lowered) if low.startswith(tok)]
            if len(starts) != 1:
                continue
            target = starts[0]
        mass[target] += math.exp(min(_finite(entry["logprob"]), 0.0))
    if not any(mass.values()):
        return None
    floor = min(_finite(e["logprob"]) for e in top)
    return {c: math.log(m) if m > 0 else floor for c, m in mass.items()}


def _finite(value: Any) -> float | None:
    """``value`` as a finite float, or None (servers send strings, nulls, NaN)."""
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def read_answer(answer: Any, choices: Sequence[str] | None) -> tuple[str, dict | None, int, Any]:
    """``(text, choice log-probs, completion tokens, finish reason)`` from a chat-completions
    answer; anything malformed reads as empty (the judge counts it as a parse failure)."""
    answer = answer if isinstance(answer, dict) else {}
    picks = answer.get("choices")
    choice = picks[0] if isinstance(picks, list) and picks else None
    choice = choice if isinstance(choice, dict) else {}
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    text = content.strip() if isinstance(content, str) else ""
    lp = None
    if choices:
        logprobs = choice.get("logprobs")
        tokens = logprobs.get("content") if isinstance(logprobs, dict) else None
        first = tokens[0] if isinstance(tokens, list) and tokens else None
        top = first.get("top_logprobs") if isinstance(first, dict) else None
        if isinstance(top, list) and top:
            lp = choice_logprobs_from_top(top, choices)
    usage = answer.get("usage")
    n = _finite(usage.get("completion_tokens")) if isinstance(usage, dict) else None
    tokens_out = int(n) if n is not None and 0 <= n < 1e12 else 0
    reason = choice.get("finish_reason")
    return text, lp, tokens_out, reason if isinstance(reason, str) else None


class _Options(HttpOptions, LLMOptions):
    """Options of the openai LLM backend (``judge.options``), besides its HTTP settings."""

    base_url: str = "http://127.0.0.1:8000/v1"
    """Root of the server (``judge.base_url``)."""
    concurrency: int = Field(4, ge=1)
    """Requests in flight at once."""
    top_logprobs: int = Field(20, ge=0)
    """Alternatives asked per answer token: choice labels are read from the first token's."""
    logprobs: bool = True
    """Ask for log-probabilities (off for servers that give none: the answer word is read)."""
    json_mode: Literal["json_schema", "json_object", "none"] = "json_schema"
    """How JSON answers are asked for: a schema, any JSON object, or not at all."""
    extra_body: dict[str, Any] = {}
    """Keys added to every request body (server-specific sampling settings)."""


class OpenAICompatLLM:
    """Chat completions over HTTP, ``concurrency`` requests in flight."""

    Options = takes(JudgeConfig, *KINDS["llm"].common, base=_Options)

    def __init__(
        self, model: str | None = None, *, client: OpenAIClient | None = None, **options: Any
    ):
        o = read_options(self, options, model)
        self.model = o.model
        self.top_logprobs = o.top_logprobs
        self.logprobs = o.logprobs
        self.json_mode = o.json_mode
        self.extra_body = dict(o.extra_body)
        self.client = client or o.client(o.base_url, concurrency=o.concurrency)
        caps = {"logprobs"} if o.logprobs else set()
        if o.json_mode != "none":
            caps.add("json")
        self.capabilities = frozenset(caps)
        self.info = ModelInfo("llm", "openai", o.model, o.revision)

    def payload(self, req: ChatRequest) -> dict[str, Any]:
        """The chat-completions body for ``req``."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": chat_messages(req),
            "max_tokens": req.max_tokens,
            "temperature": req.temperature,
            "seed": req.seed,
        }
        if req.stop:
            body["stop"] = list(req.stop)
        if req.choices and self.logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = self.top_logprobs
        if req.json_schema is not None and self.json_mode == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": req.json_schema},
            }
        elif req.json_schema is not None and self.json_mode == "json_object":
            body["response_format"] = {"type": "json_object"}
        body.update(self.extra_body)
        return body

    def _one(self, req: ChatRequest) -> Generation:
        t0 = time.perf_counter()
        try:
            answer = self.client.chat(self.payload(req))
        except MalformedAnswer as exc:  # this answer only: a failed window, not a failed run
            log.warning("%s; read as an empty answer", exc)
            return Generation("", None, time.perf_counter() - t0, finish_reason="malformed")
        dt = time.perf_counter() - t0
        text, lp, tokens, reason = read_answer(answer, req.choices)
        return Generation(text, lp, dt, tokens=tokens, finish_reason=reason)

    def generate(self, requests: Sequence[ChatRequest]) -> list[Generation]:
        """Send every request (``concurrency`` at a time) and return answers in order."""
        return self.client.map(self._one, requests)
