"""The webhook sink: each event POSTed as JSON from a background thread, never blocking scoring.

``send`` only appends to a bounded queue (``live.webhook_queue``; when full, the oldest event
is dropped and counted). A sender thread POSTs them in order with httpx: a per-request timeout,
and up to ``live.webhook_retries`` retries after timeouts, connection errors, 408/425/429 and
5xx answers, waiting 0.5 s, 1 s, 2 s … (at most 10 s, or the server's ``Retry-After`` up to that)
between attempts. Other 4xx answers are not retried. The answer's body is never read. At
shutdown ``close`` waits a bounded time for the queue to drain and counts what is left.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections import deque
from typing import Any

from zsvad.extras import require
from zsvad.redact import redact

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
BACKOFF_S = 0.5
MAX_BACKOFF_S = 10.0


def backoff_delay(attempt: int, retry_after: str | None = None) -> float:
    """Seconds to wait before retry ``attempt`` (0-based): doubling from
    :data:`BACKOFF_S`, at least ``Retry-After`` when the server sent one, at most
    :data:`MAX_BACKOFF_S`."""
    delay = BACKOFF_S * (2**attempt)
    if retry_after:
        with contextlib.suppress(ValueError):
            delay = max(delay, float(retry_after))
    return min(delay, MAX_BACKOFF_S)


class WebhookSink:
    """POSTs events to ``url`` (see the module docstring)."""

    def __init__(self, url: str, timeout_s: float = 5.0, retries: int = 3, queue: int = 256):
        httpx = require("httpx", "the alert webhook", extra="http")
        self._httpx = httpx
        self.url = url
        self.shown = redact(url)
        self.timeout_s = timeout_s
        self.retries = retries
        self._queue: deque[dict[str, Any]] = deque()
        self._max = queue
        self._cond = threading.Condition()
        self._closing = False
        self._busy = False
        self.sent = 0
        """Events the receiver accepted (2xx/3xx)."""
        self.failed = 0
        """Events given up on after retries (or refused with a 4xx)."""
        self.dropped = 0
        """Events dropped because the queue was full, or left at shutdown."""
        self.attempts = 0
        """Requests made, retries included."""
        self._client = httpx.Client(timeout=httpx.Timeout(timeout_s), follow_redirects=False)
        self._thread = threading.Thread(target=self._run, name="zsvad-webhook", daemon=True)
        self._thread.start()

    def send(self, event: dict[str, Any]) -> None:
        with self._cond:
            if self._closing:
                self.dropped += 1
                return
            if len(self._queue) >= self._max:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append(event)
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait()
                if not self._queue:
                    return
                event = self._queue.popleft()
                self._busy = True
            try:
                self._deliver(event)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _deliver(self, event: dict[str, Any]) -> None:
        httpx = self._httpx
        body = json.dumps(event, ensure_ascii=False, allow_nan=False).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        last = ""
        for attempt in range(self.retries + 1):
            retry_after = None
            self.attempts += 1
            try:
                with self._client.stream("POST", self.url, content=body, headers=headers) as r:
                    status = r.status_code
                    retry_after = r.headers.get("retry-after")
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last = f"{type(exc).__name__}"
            else:
                if status < 400:
                    self.sent += 1
                    return
                last = f"HTTP {status}"
                if status not in RETRY_STATUS:
                    break
            if attempt < self.retries:
                delay = backoff_delay(attempt, retry_after)
                with self._cond:  # wake early only to give up at a forced close
                    self._cond.wait_for(lambda: self._abandon, delay)
                if self._abandon:
                    break
        self.failed += 1
        log.warning("webhook %s: event not delivered (%s)", self.shown, redact(last))

    _abandon = False

    def close(self, wait_s: float | None = None) -> None:
        """Stop taking events; wait up to ``wait_s`` (default: one request's timeout × (retries
        + 1)) for the queue to drain; what is left is counted in ``dropped``."""
        if wait_s is None:
            wait_s = self.timeout_s * (self.retries + 1)
        deadline = time.monotonic() + wait_s
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            while (self._queue or self._busy) and time.monotonic() < deadline:
                self._cond.wait(max(deadline - time.monotonic(), 0.01))
            self.dropped += len(self._queue)
            self._queue.clear()
            self._abandon = True
            self._cond.notify_all()
        self._thread.join(timeout=self.timeout_s + 1)
        self._client.close()

    def stats(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "dropped": self.dropped,
            "attempts": self.attempts,
        }
