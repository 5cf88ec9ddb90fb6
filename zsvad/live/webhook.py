"""The webhook sink: each event POSTed as JSON from a background thread, never blocking scoring.

``send`` only appends to a bounded queue (``live.webhook_queue``; when full, the oldest event
is dropped and counted). A sender thread POSTs them in order with httpx: a per-request timeout,
and up to ``live.webhook_retries`` retries (tenacity's ``Retrying``, as the HTTP backends) after
timeouts, connection errors and the answers the backends retry (408, 429, 5xx but 501/505),
waiting 0.5 s, 1 s, 2 s … (at most 10 s, or the server's ``Retry-After`` up to that) between
attempts. Other 4xx answers are not retried. The answer's body is never read. At
shutdown ``close`` waits a bounded time for the queue to drain and counts what is left; the
sender thread closes the HTTP client itself when it ends (never under a request in flight).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from typing import Any

from zsvad.backends.openai_client import RETRY_STATUS, retry_after_s
from zsvad.extras import require
from zsvad.logs import get_logger
from zsvad.redact import redact, url_origin

log = get_logger(__name__)

BACKOFF_S = 0.5
MAX_BACKOFF_S = 10.0


def backoff_delay(attempt: int, retry_after: str | None = None) -> float:
    """Seconds to wait before retry ``attempt`` (0-based): doubling from
    :data:`BACKOFF_S`, at least ``Retry-After`` when the server sent one, at most
    :data:`MAX_BACKOFF_S`."""
    delay = BACKOFF_S * (2**attempt)
    asked = retry_after_s(retry_after)
    return min(delay if asked is None else max(delay, asked), MAX_BACKOFF_S)


class _Failed(Exception):
    """One failed delivery attempt; ``retry``: worth another try; ``retry_after``: the
    server's ``Retry-After`` header."""

    def __init__(self, why: str, retry: bool, retry_after: str | None = None):
        super().__init__(why)
        self.why, self.retry, self.retry_after = why, retry, retry_after


class WebhookSink:
    """POSTs events to ``url`` (see the module docstring)."""

    def __init__(self, url: str, timeout_s: float = 5.0, retries: int = 3, queue: int = 256):
        httpx = require("httpx", "the alert webhook", extra="http")
        self._httpx = httpx
        self._tenacity = require("tenacity", "retries of the alert webhook", extra="http")
        self.url = url
        self.shown = url_origin(url)  # a chat webhook's token is its path
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
        try:
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
        finally:  # closed here, never under a request still in flight
            self._client.close()

    def _deliver(self, event: dict[str, Any]) -> None:
        tn = self._tenacity
        body = json.dumps(event, ensure_ascii=False, allow_nan=False).encode("utf-8")
        retrying = tn.Retrying(
            retry=tn.retry_if_exception(lambda e: isinstance(e, _Failed) and e.retry),
            stop=tn.stop_after_attempt(self.retries + 1),
            # plus up to one base step of jitter, so receivers that failed together are not
            # retried in lockstep
            wait=lambda state: (
                backoff_delay(state.attempt_number - 1, state.outcome.exception().retry_after)
                + random.uniform(0, BACKOFF_S)
            ),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            retrying(self._post, body)
        except _Failed as exc:
            with self._cond:
                self.failed += 1
            log.warning("webhook %s: event not delivered (%s)", self.shown, redact(exc.why))
        else:
            with self._cond:
                self.sent += 1

    def _post(self, body: bytes) -> None:
        """One attempt; raises :class:`_Failed` unless the receiver accepted the event."""
        if self._abandon:  # closed while waiting to retry
            raise _Failed("shut down before delivery", retry=False)
        httpx = self._httpx
        with self._cond:
            self.attempts += 1
        headers = {"Content-Type": "application/json"}
        try:
            with self._client.stream("POST", self.url, content=body, headers=headers) as r:
                status, retry_after = r.status_code, r.headers.get("retry-after")
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise _Failed(type(exc).__name__, retry=True) from None
        if status >= 400:
            raise _Failed(f"HTTP {status}", status in RETRY_STATUS, retry_after)

    def _sleep(self, delay: float) -> None:
        with self._cond:  # wake early only to give up at a forced close
            self._cond.wait_for(lambda: self._abandon, delay)

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
        self._thread.join(timeout=self.timeout_s + 1)  # the thread closes the client
        if self._thread.is_alive():
            log.warning("webhook %s: a request is still in flight at shutdown", self.shown)

    def stats(self) -> dict[str, int]:
        with self._cond:
            return {
                "sent": self.sent,
                "failed": self.failed,
                "dropped": self.dropped,
                "attempts": self.attempts,
            }
