"""Hand-over and delivery in live mode: the bounded window queue (newest first, counted skips,
lossless blocking), the webhook (retries, timeouts, never blocking the caller), sinks."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from zsvad.live.backpressure import Item, PendingWindows
from zsvad.live.sinks import JsonlSink, Sinks
from zsvad.live.webhook import WebhookSink, backoff_delay


def test_drop_oldest_keeps_the_newest_windows_and_every_marker():
    q = PendingWindows(["a", "b"], max_pending=3, policy={"a": "drop_oldest", "b": "drop_oldest"})
    for k in range(10):
        q.put(Item("a", clip=k))
        if k == 4:
            q.put(Item("a", marker="session end"))
    q.put(Item("b", clip="b0"))
    got = q.take(100, timeout=0)
    assert [i.clip if i.clip is not None else i.marker for i in got if i.camera == "a"] == [
        "session end",
        7,
        8,
        9,
    ]
    assert q.skipped == {"a": 7, "b": 0}
    assert [i.camera for i in got][-1] == "b"  # arrival order across cameras


def test_block_waits_for_room_and_loses_nothing():
    q = PendingWindows(["f"], max_pending=2, policy={"f": "block"})
    done = threading.Event()

    def reader():
        for k in range(6):
            q.put(Item("f", clip=k))
        done.set()

    threading.Thread(target=reader, daemon=True).start()
    seen = []
    deadline = time.monotonic() + 30
    while len(seen) < 6 and time.monotonic() < deadline:
        batch = q.take(1, timeout=0.5)
        assert q.waiting() <= 2  # the bound holds while the reader waits
        seen += [i.clip for i in batch]
    assert seen == list(range(6)) and done.wait(5) and q.skipped == {"f": 0}


class _Receiver(BaseHTTPRequestHandler):
    """Answers ``status`` (503) to the first ``fail`` requests, then 200; records bodies; may
    hang."""

    fail = 0
    status = 503
    hang = 0.0
    bodies: list = []
    requests = 0

    def do_POST(self):
        cls = type(self)
        cls.requests += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if cls.hang:
            time.sleep(cls.hang)
        status = cls.status if cls.requests <= cls.fail else 200
        if status == 200:
            cls.bodies.append(json.loads(body))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    handler = type("Handler", (_Receiver,), {"bodies": [], "requests": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_webhook_retries_until_delivered(receiver, monkeypatch):
    handler, url = receiver
    handler.fail = 2
    monkeypatch.setattr("zsvad.live.webhook.BACKOFF_S", 0.01)
    hook = WebhookSink(url, timeout_s=5, retries=3)
    hook.send({"event": "alert_open", "n": 1})
    hook.send({"event": "alert_close", "n": 1})
    hook.close(wait_s=30)
    assert [b["event"] for b in handler.bodies] == ["alert_open", "alert_close"]
    assert hook.stats() == {"sent": 2, "failed": 0, "dropped": 0, "attempts": 4}


def test_webhook_gives_up_after_its_retries(receiver, monkeypatch):
    handler, url = receiver
    handler.fail = 100
    monkeypatch.setattr("zsvad.live.webhook.BACKOFF_S", 0.01)
    hook = WebhookSink(url, timeout_s=5, retries=2)
    hook.send({"event": "alert_open"})
    hook.close(wait_s=30)
    assert hook.stats() == {"sent": 0, "failed": 1, "dropped": 0, "attempts": 3}


def test_backoff_doubles_honours_retry_after_and_is_capped():
    assert [backoff_delay(a) for a in range(3)] == [0.5, 1.0, 2.0]
    assert backoff_delay(10) == 10.0 and backoff_delay(0, "3") == 3.0
    assert backoff_delay(0, "soon") == 0.5 and backoff_delay(0, "3600") == 10.0


def test_a_hanging_webhook_never_blocks_the_caller(receiver):
    handler, url = receiver
    handler.hang = 2.0  # the receiver answers nothing for 2 s; the request times out at 1 s
    hook = WebhookSink(url, timeout_s=1.0, retries=0, queue=3)
    for k in range(20):
        hook.send({"event": "alert_open", "n": k})
    # every send returned while the first request was still hanging: sending only queues
    assert handler.requests <= 1 and hook.sent == 0
    hook.close(wait_s=0.2)
    s = hook.stats()
    assert s["sent"] == 0 and s["dropped"] >= 16  # queue of 3: the oldest went first
    assert s["dropped"] + s["failed"] == 20


def test_jsonl_sink_writes_whole_lines_and_a_failing_sink_is_not_fatal(tmp_path):
    class Broken:
        def send(self, event):
            raise OSError("disk full")

        def close(self):
            raise OSError("still full")

    path = tmp_path / "alerts.jsonl"
    sinks = Sinks([Broken(), JsonlSink(path)])
    sinks.send({"event": "alert_open", "explanation": 'a "quoted"\nline'})
    sinks.send({"event": "alert_close"})
    sinks.close()
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["event"] for r in rows] == ["alert_open", "alert_close"]
    assert sinks.failures == 2


def test_webhook_does_not_retry_a_refusal(receiver):
    handler, url = receiver
    handler.fail, handler.status = 100, 400
    hook = WebhookSink(url, timeout_s=5, retries=3)
    hook.send({"event": "alert_open"})
    hook.close(wait_s=30)
    assert hook.stats() == {"sent": 0, "failed": 1, "dropped": 0, "attempts": 1}


def test_webhook_is_shown_without_its_path_token(receiver):
    _, url = receiver
    hook = WebhookSink(url + "/T0/B0/s3cr3tTOKEN", timeout_s=5, retries=0)
    hook.close(wait_s=1)
    assert "s3cr3tTOKEN" not in hook.shown and hook.shown.startswith("http://127.0.0.1:")
