"""A small client for OpenAI-compatible HTTP servers (vLLM serve, llama.cpp server, TGI, …).

Retries with exponential backoff (429, 5xx, timeouts, refused connections; ``Retry-After`` is
honoured), a per-request timeout, and a limit on requests in flight shared by every thread using
the client. Also builds base64 image content parts for vision chat models.
"""

from __future__ import annotations

import base64
import contextlib
import io
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

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST ``payload`` to ``path`` and return the decoded JSON answer."""
        httpx = self._httpx
        url = f"{self.base_url}/{path.lstrip('/')}"
        last = ""
        for attempt in range(self.max_retries + 1):
            retry_after = None
            with self._slots:
                self.requests += 1
                try:
                    resp = self._client.post(url, json=payload)
                except (httpx.TimeoutException, httpx.TransportError) as exc:
                    last = f"{type(exc).__name__}: {exc}"
                else:
                    if resp.status_code < 400:
                        try:
                            return resp.json()
                        except ValueError as exc:
                            raise BackendHTTPError(
                                f"answer is not JSON: {resp.text[:200]!r}", source=url
                            ) from exc
                    body = resp.text[:300].replace("\n", " ")
                    last = f"HTTP {resp.status_code}: {body}"
                    if resp.status_code not in RETRY_STATUS:
                        raise BackendHTTPError(last, source=url)
                    retry_after = resp.headers.get("Retry-After")
            if attempt < self.max_retries:
                self.retries += 1
                delay = self._wait(attempt, retry_after)
                log.warning("%s failed (%s); retry %d in %.1f s", url, last, attempt + 1, delay)
                time.sleep(delay)
        tries = self.max_retries + 1
        raise BackendHTTPError(f"failed after {tries} attempt(s): {last}", source=url)

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
