"""A small client for OpenAI-compatible HTTP servers (vLLM serve, llama.cpp server, TGI, …).

Retries with exponential backoff (429, 5xx, timeouts, refused connections; ``Retry-After`` is
honoured), a per-request timeout, and a limit on requests in flight shared by every thread using
the client. Also builds base64 image content parts for vision chat models.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

from zsvad.errors import ZsvadError
from zsvad.extras import require
from zsvad.redact import redact

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
T = TypeVar("T")
R = TypeVar("R")


class BackendHTTPError(ZsvadError):
    """A request to an OpenAI-compatible server failed (after retries, if retryable)."""


class OpenAIClient:
    """Thread-safe JSON client of an OpenAI-compatible API rooted at ``base_url``."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        api_key_env: str | None = "OPENAI_API_KEY",
        timeout_s: float = 60.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        max_backoff_s: float = 20.0,
        concurrency: int = 4,
        headers: dict[str, str] | None = None,
        deadline_s: float | None = None,
        max_body_bytes: int = 16 << 20,
    ):
        httpx = require("httpx", "OpenAI-compatible HTTP backends")
        self._httpx = httpx
        self.base_url = base_url.rstrip("/")
        self.max_retries = max(0, max_retries)
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.concurrency = max(1, concurrency)
        self._slots = threading.BoundedSemaphore(self.concurrency)
        key = api_key or (os.environ.get(api_key_env) if api_key_env else None)
        self._key = key
        self.deadline_s = deadline_s if deadline_s is not None else 2 * timeout_s
        """Total seconds one request may take, however slowly the server sends."""
        self.max_body_bytes = max_body_bytes
        """Largest answer accepted; a bigger one is an error, not a memory bomb."""
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        if key:
            hdrs["Authorization"] = f"Bearer {key}"
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=hdrs,
            timeout=httpx.Timeout(timeout_s),
            limits=httpx.Limits(max_connections=self.concurrency),
        )
        self.requests = 0
        """Requests sent, retries included."""
        self.retries = 0
        """Retries made."""

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        delay = self.backoff_s * (2**attempt)
        if retry_after:
            with contextlib.suppress(ValueError):
                delay = max(delay, float(retry_after))
        return min(delay, self.max_backoff_s)

    def _read(self, url: str, payload: dict[str, Any]) -> tuple[int, dict, bytes]:
        """One request: status, headers and a body of at most ``max_body_bytes``, all within
        ``deadline_s`` (a server that trickles bytes cannot outlast it)."""
        t0 = time.monotonic()
        body = bytearray()
        with self._client.stream("POST", url, json=payload) as resp:
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > self.max_body_bytes:
                    raise BackendHTTPError(
                        f"answer larger than {self.max_body_bytes} bytes; refused",
                        source=self.safe_url(url),
                    )
                if time.monotonic() - t0 > self.deadline_s:
                    raise self._httpx.ReadTimeout(f"no complete answer within {self.deadline_s} s")
            return resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, bytes(body)

    def safe_url(self, url: str) -> str:
        """``url`` without credentials (for messages)."""
        return redact(url, [self._key])

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST ``payload`` to ``path`` and return the decoded JSON answer (an object)."""
        httpx = self._httpx
        url = f"{self.base_url}/{path.lstrip('/')}"
        source = self.safe_url(url)
        last = ""
        for attempt in range(self.max_retries + 1):
            retry_after = None
            with self._slots:
                self.requests += 1
                try:
                    status, headers, raw = self._read(url, payload)
                except (httpx.TimeoutException, httpx.TransportError) as exc:
                    last = redact(f"{type(exc).__name__}: {exc}", [self._key])
                else:
                    text = raw.decode("utf-8", errors="replace")
                    if status < 400:
                        try:
                            answer = json.loads(text)
                        except (ValueError, RecursionError) as exc:
                            snippet = redact(text[:200], [self._key])
                            raise BackendHTTPError(
                                f"answer is not JSON: {snippet!r}", source=source
                            ) from exc
                        if not isinstance(answer, dict):
                            raise BackendHTTPError(
                                f"answer is JSON {type(answer).__name__}, not an object",
                                source=source,
                            )
                        return answer
                    body = redact(text[:300].replace("\n", " "), [self._key])
                    last = f"HTTP {status}: {body}"
                    if status not in RETRY_STATUS:
                        raise BackendHTTPError(last, source=source)
                    retry_after = headers.get("retry-after")
            if attempt < self.max_retries:
                self.retries += 1
                delay = self._wait(attempt, retry_after)
                log.warning("%s failed (%s); retry %d in %.1f s", source, last, attempt + 1, delay)
                time.sleep(delay)
        tries = self.max_retries + 1
        raise BackendHTTPError(f"failed after {tries} attempt(s): {last}", source=source)

    def chat(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``POST /chat/completions``."""
        return self.post("chat/completions", payload)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``[fn(x) for x in items]`` run on up to ``concurrency`` threads, order kept."""
        items = list(items)
        if len(items) <= 1 or self.concurrency == 1:
            return [fn(x) for x in items]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items))) as pool:
            return list(pool.map(fn, items))

    def close(self) -> None:
        self._client.close()


def encode_image(image: np.ndarray, fmt: str = "JPEG", quality: int = 90) -> bytes:
    """Encode an ``(H, W, 3)`` uint8 RGB array as JPEG (or PNG) bytes."""
    pil = require("PIL.Image", "encoding images for HTTP vision models", extra="http")
    buf = io.BytesIO()
    img = pil.fromarray(np.asarray(image, dtype=np.uint8))
    img.save(buf, format=fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return buf.getvalue()


def image_part(image: bytes | np.ndarray, mime: str = "image/jpeg") -> dict[str, Any]:
    """A chat content part holding ``image`` (encoded bytes or an RGB array) as a data URL."""
    if isinstance(image, np.ndarray):
        image = encode_image(image, "PNG" if mime == "image/png" else "JPEG")
        mime = mime if mime == "image/png" else "image/jpeg"
    data = base64.b64encode(image).decode("ascii")
    return {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{data}"}}


def text_part(text: str) -> dict[str, Any]:
    """A chat content part holding ``text``."""
    return {"type": "text", "text": text}
