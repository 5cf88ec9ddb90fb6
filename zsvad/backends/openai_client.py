"""A small client for OpenAI-compatible HTTP servers (vLLM serve, llama.cpp server, TGI, …).

Retries are tenacity's (``Retrying``): exponential backoff with jitter on 408, 429 and 5xx
answers, time-outs and refused connections; no other 4xx is retried. ``Retry-After`` (seconds or
an HTTP date) is honoured: no retry comes sooner than the server asked, and a wait that would
end past ``retry_budget_s`` ends the retries at once. Each request has a timeout and a total
deadline; a limit on requests in flight is shared by every thread using the client. Also builds
base64 image content parts for vision chat models.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import numpy as np
from pydantic import Field

from zsvad.backends.options import Options
from zsvad.errors import ZsvadError
from zsvad.extras import require
from zsvad.logs import get_logger
from zsvad.redact import redact

log = get_logger(__name__)

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
"""Answers worth another try: request timeout, too many requests, server errors (501 and 505
are not: they will not change). Any other 4xx is the request's fault and is not retried."""
T = TypeVar("T")
R = TypeVar("R")


def retry_after_s(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait: delta-seconds (fractions accepted) or an
    HTTP date; None when absent or unreadable (negative, NaN, garbage)."""
    if not value:
        return None
    value = value.strip()
    try:
        delay = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        delay = (when - (now or datetime.now(UTC))).total_seconds()
        return max(0.0, delay)
    return delay if math.isfinite(delay) and delay >= 0 else None


class _Retryable(Exception):
    """A failed attempt worth another try (transport error, timeout, a status in
    :data:`RETRY_STATUS`), with the server's ``Retry-After`` in seconds when it sent one."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class BackendHTTPError(ZsvadError):
    """A request to an OpenAI-compatible server failed (after retries, if retryable)."""


class MalformedAnswer(BackendHTTPError):
    """The server answered (HTTP 2xx) with a body that is not a JSON object: a problem of this
    one answer, which callers may count as a failed answer instead of failing the run."""


class HttpOptions(Options):
    """Options of a backend that calls an OpenAI-compatible server (captioner and judge alike)."""

    api_key_env: str | None = "OPENAI_API_KEY"
    """Environment variable holding the API key (may be unset for local servers)."""
    timeout_s: float = Field(60.0, gt=0)
    """Per-request timeout, seconds (a request, however slowly answered, ends within twice
    this)."""
    max_retries: int = Field(3, ge=0)
    """Retries of a request that failed in a retryable way (408, 429, 500, 502, 503, 504,
    time-outs, refused connections), with exponential backoff from 0.5 s plus jitter."""
    retry_budget_s: float | None = Field(None, gt=0)
    """No retry starts later than this many seconds after the first attempt, waits included
    (None: what ``max_retries`` attempts can take anyway)."""

    def client(self, base_url: str, concurrency: int) -> OpenAIClient:
        """The HTTP client of ``base_url`` with these settings, ``concurrency`` requests in
        flight."""
        return OpenAIClient(
            base_url,
            api_key_env=self.api_key_env,
            timeout_s=self.timeout_s,
            max_retries=self.max_retries,
            retry_budget_s=self.retry_budget_s,
            concurrency=concurrency,
        )


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
        retry_budget_s: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        httpx = require("httpx", "OpenAI-compatible HTTP backends")
        self._httpx = httpx
        self._tenacity = require("tenacity", "retries of HTTP backends")
        self.base_url = base_url.rstrip("/")
        self.max_retries = max(0, max_retries)
        self.backoff_s = backoff_s
        """First backoff; it doubles at each retry (plus up to as much again of jitter)."""
        self.max_backoff_s = max_backoff_s
        """Longest backoff of our own (a server's ``Retry-After`` may ask for longer)."""
        self._sleep = sleep
        self.concurrency = max(1, concurrency)
        self._slots = threading.BoundedSemaphore(self.concurrency)
        key = api_key or (os.environ.get(api_key_env) if api_key_env else None)
        self._key = key
        self.deadline_s = deadline_s if deadline_s is not None else 2 * timeout_s
        """Total seconds one request may take, however slowly the server sends."""
        if retry_budget_s is None:
            retry_budget_s = (self.max_retries + 1) * self.deadline_s + self.max_retries * (
                max_backoff_s + backoff_s
            )
        self.retry_budget_s = retry_budget_s
        """No retry starts after this many seconds from the first attempt (waits included), so
        a call takes at most ``retry_budget_s + deadline_s``. Default: what ``max_retries``
        attempts and backoffs can take anyway."""
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

    def _wait(self, state) -> float:
        """Exponential backoff with jitter, or the server's ``Retry-After`` if longer."""
        backoff = self._tenacity.wait_exponential_jitter(
            initial=self.backoff_s, max=self.max_backoff_s, jitter=self.backoff_s
        )(state)
        exc = state.outcome.exception() if state.outcome else None
        asked = getattr(exc, "retry_after", None)
        return backoff if asked is None else max(backoff, asked)

    def _before_sleep(self, source: str):
        def log_retry(state) -> None:
            self.retries += 1
            exc = state.outcome.exception()
            log.warning(
                "%s failed (%s); retry %d in %.1f s",
                source,
                getattr(exc, "message", exc),
                state.attempt_number,
                state.upcoming_sleep,
            )

        return log_retry

    def _attempt(self, url: str, payload: dict[str, Any], source: str) -> dict[str, Any]:
        """One request: the decoded answer, :class:`_Retryable` for a failure worth another
        try, :class:`BackendHTTPError` for one that is not."""
        httpx = self._httpx
        with self._slots:
            self.requests += 1
            try:
                status, headers, raw = self._read(url, payload)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                raise _Retryable(redact(f"{type(exc).__name__}: {exc}", [self._key])) from None
        text = raw.decode("utf-8", errors="replace")
        if status >= 400:
            body = redact(text[:300].replace("\n", " "), [self._key])
            last = f"HTTP {status}: {body}"
            if status not in RETRY_STATUS:
                raise BackendHTTPError(last, source=source)
            raise _Retryable(last, retry_after_s(headers.get("retry-after")))
        try:
            answer = json.loads(text)
        except (ValueError, RecursionError) as exc:
            snippet = redact(text[:200], [self._key])
            raise MalformedAnswer(f"answer is not JSON: {snippet!r}", source=source) from exc
        if not isinstance(answer, dict):
            raise MalformedAnswer(
                f"answer is JSON {type(answer).__name__}, not an object", source=source
            )
        return answer

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST ``payload`` to ``path`` and return the decoded JSON answer (an object).

        Failures worth another try are retried (see the module docstring) up to ``max_retries``
        times within ``retry_budget_s``; then, or at once for any other failure, a one-line
        :class:`BackendHTTPError` naming the server (credentials redacted)."""
        tn = self._tenacity
        url = f"{self.base_url}/{path.lstrip('/')}"
        source = self.safe_url(url)
        retrying = tn.Retrying(
            retry=tn.retry_if_exception_type(_Retryable),
            stop=tn.stop_after_attempt(self.max_retries + 1)
            | tn.stop_before_delay(self.retry_budget_s),
            wait=self._wait,
            before_sleep=self._before_sleep(source),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(self._attempt, url, payload, source)
        except _Retryable as exc:
            tries = retrying.statistics.get("attempt_number", 1)
            why = ""
            if tries <= self.max_retries:  # stopped by the budget, not the count
                wait = exc.retry_after
                why = (
                    f"; the server asked to wait {wait:g} s (Retry-After), past the retry "
                    f"budget of {self.retry_budget_s:g} s"
                    if wait is not None and wait > self.max_backoff_s
                    else f"; retry budget of {self.retry_budget_s:g} s spent"
                )
            raise BackendHTTPError(
                f"failed after {tries} attempt(s): {exc.message}{why}", source=source
            ) from None

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
