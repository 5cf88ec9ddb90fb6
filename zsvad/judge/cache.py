"""On-disk cache of judge answers, so re-scoring with the same prompt and model is free.

Key: prompt id + version, hash of the rendered text, model + revision, backend, and the
request settings (choices / schema / decoding). One small JSON file per answer under
``cache_dir("judge")``, carrying its key: an answer file copied or renamed from another key, of
the wrong types or with log-probabilities that are not numbers is a miss (asked again), and a
cache folder that cannot be written is a warning (:mod:`zsvad.cachefile`), never an error.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

from zsvad.backends.protocols import MAX_ANSWER_CHARS, ChatRequest, Generation, ModelInfo
from zsvad.cachefile import save_cache_file
from zsvad.errors import ZsvadError
from zsvad.hashing import stable_hash
from zsvad.paths import cache_dir, read_text_file
from zsvad.prompts.render import RenderedPrompt


def cache_key(prompt: RenderedPrompt, request: ChatRequest, model: ModelInfo) -> str:
    """sha256 naming one answer."""
    t = prompt.template
    ident = {
        "prompt": t.id,
        "version": t.version,
        "text": prompt.text_hash,
        "model": model.model,
        "revision": model.revision,
        "backend": model.backend,
        "choices": request.choices,
        "schema": request.json_schema,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "seed": request.seed,
        "answer_prefix": request.answer_prefix,
        "stop": request.stop,
    }
    return stable_hash(ident)


MAX_ENTRY_BYTES = 16 * MAX_ANSWER_CHARS
"""Largest answer file read (an answer is cut to ``MAX_ANSWER_CHARS`` characters)."""


class JudgeCache:
    """Answers stored as ``<root>/<key[:2]>/<key>.json``."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else cache_dir("judge")

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Generation | None:
        path = self._path(key)
        try:
            data = json.loads(read_text_file(path, "judge answer", max_bytes=MAX_ENTRY_BYTES))
            if not isinstance(data, dict) or data.pop("key", None) != key:
                return None  # made for another question (or by an older zsvad)
            gen = Generation(**data)
        except (ZsvadError, OSError, ValueError, TypeError, RecursionError):
            return None  # absent or unreadable: ask the model again
        return gen if _well_formed(gen) else None

    def put(self, key: str, gen: Generation) -> None:
        save_cache_file(self._path(key), json.dumps({"key": key, **asdict(gen)}), "judge cache")


def config_key(prompt: RenderedPrompt, ident: dict) -> str:
    """sha256 naming one answer by what the config says (backend, model, options, local model
    file's size and time) instead of the loaded model: found before any model is loaded."""
    t = prompt.template
    data = {"prompt": t.id, "version": t.version, "hash": t.content_hash, "text": prompt.text_hash}
    return stable_hash({**ident, **data})


class AliasCache:
    """``config_key`` -> (answer key, model identity), under ``<root>/by-config/``: a rerun whose
    every answer is cached reads them without loading the LLM."""

    def __init__(self, answers: JudgeCache):
        self.answers = answers
        self.root = answers.root / "by-config"

    def get(self, key: str) -> tuple[Generation, ModelInfo] | None:
        try:
            path = self.root / key[:2] / f"{key}.json"
            data = json.loads(read_text_file(path, "judge alias", max_bytes=MAX_ENTRY_BYTES))
            if data.get("alias") != key or not isinstance(data["key"], str):
                return None  # made for another config (or by an older zsvad)
            gen = self.answers.get(data["key"])
            return None if gen is None else (gen, ModelInfo(**data["model"]))
        except (ZsvadError, OSError, ValueError, TypeError, KeyError, AttributeError,
                RecursionError):  # fmt: skip
            return None

    def put(self, key: str, answer_key: str, model: ModelInfo) -> None:
        data = {"alias": key, "key": answer_key, "model": asdict(model)}
        save_cache_file(self.root / key[:2] / f"{key}.json", json.dumps(data), "judge cache")


def _well_formed(gen: Generation) -> bool:
    """A cached answer of the right types, with log-probabilities that are numbers."""
    if not isinstance(gen.text, str) or not isinstance(gen.tokens, int):
        return False
    if not isinstance(gen.latency_s, (int, float)) or isinstance(gen.latency_s, bool):
        return False
    if gen.finish_reason is not None and not isinstance(gen.finish_reason, str):
        return False
    lp = gen.choice_logprobs
    if lp is None:
        return True
    return isinstance(lp, dict) and all(
        isinstance(k, str)
        and isinstance(v, (int, float))
        and not isinstance(v, bool)
        and not math.isnan(v)
        and v != math.inf  # -inf is a log-probability of 0
        for k, v in lp.items()
    )
