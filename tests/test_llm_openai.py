"""OpenAI-compatible backend and HTTP client against a stub server on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from zsvad.backends.llm_openai import OpenAICompatLLM, choice_logprobs_from_top
from zsvad.backends.openai_client import (
    BackendHTTPError,
    OpenAIClient,
    image_part,
    retry_after_s,
)
from zsvad.backends.protocols import ChatRequest


class Stub:
    """Behaviour of the stub server, changed by each test."""

    def __init__(self):
        self.fail_first = 0  # answer fail_status to this many requests first
        self.fail_status = 503
        self.retry_after = "0"  # Retry-After header of those answers (None: no header)
        self.status = 200
        self.delay_s = 0.0
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()

    def answer(self, body: dict) -> tuple[int, dict]:
        with self.lock:
            self.bodies.append(body)
            if self.fail_first > 0:
                self.fail_first -= 1
                return self.fail_status, {"error": "busy"}
        if self.status != 200:
            return self.status, {"error": {"message": "bad model name"}}
        user = body["messages"][-1]["content"]
        choice = {"message": {"role": "assistant", "content": f"echo: {user}"}, "index": 0}
        choice["finish_reason"] = "stop"
        if body.get("logprobs"):
            p_yes = 0.8 if "fight" in user else 0.1
            top = [
                {"token": "Yes", "logprob": math.log(p_yes * 0.75)},
                {"token": " yes", "logprob": math.log(p_yes * 0.25)},
                {"token": "No", "logprob": math.log(1 - p_yes)},
            ]
            choice["logprobs"] = {"content": [{"token": "Yes", "top_logprobs": top}]}
            choice["message"]["content"] = "Yes" if p_yes > 0.5 else "No"
        return 200, {"choices": [choice], "usage": {"completion_tokens": 2}}


@pytest.fixture
def stub():
    state = Stub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            with state.lock:
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
            try:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                state.headers.append(dict(self.headers))
                time.sleep(state.delay_s)
                status, payload = state.answer(body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                if status == state.fail_status and state.retry_after is not None:
                    self.send_header("Retry-After", state.retry_after)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            finally:
                with state.lock:
                    state.in_flight -= 1

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield state
    server.shutdown()
    server.server_close()


def make_llm(stub, **kw):
    kw.setdefault("backoff_s", 0.01)
    client = OpenAIClient(
        stub.url,
        api_key="sk-test",
        timeout_s=kw.pop("timeout_s", 5),
        max_retries=kw.pop("max_retries", 3),
        backoff_s=kw.pop("backoff_s"),
        concurrency=kw.pop("concurrency", 4),
        retry_budget_s=kw.pop("retry_budget_s", None),
        sleep=kw.pop("sleep", time.sleep),
    )
    return OpenAICompatLLM("stub-model", client=client, **kw)


def test_choice_logprobs_from_top_logprobs(stub):
    llm = make_llm(stub)
    reqs = [
        ChatRequest(user="two men fight", system="judge", choices=("yes", "no")),
        ChatRequest(user="a man walks", choices=("yes", "no")),
    ]
    g = llm.generate(reqs)
    p = [math.exp(x.choice_logprobs["yes"]) for x in g]
    assert p[0] == pytest.approx(0.8) and p[1] == pytest.approx(0.1)
    assert math.exp(g[0].choice_logprobs["no"]) == pytest.approx(0.2)
    # requests run concurrently: find the first one by its text, not by arrival order
    body = next(b for b in stub.bodies if b["messages"][-1]["content"] == "two men fight")
    assert body["logprobs"] is True and body["top_logprobs"] == 20
    assert body["messages"][0] == {"role": "system", "content": "judge"}
    assert body["temperature"] == 0.0 and body["seed"] == 0 and body["model"] == "stub-model"
    assert stub.headers[0]["Authorization"] == "Bearer sk-test"


def test_json_request_asks_for_a_schema(stub):
    llm = make_llm(stub)
    schema = {"type": "object", "properties": {"score": {"type": "number"}}}
    [g] = llm.generate([ChatRequest(user="rate it", json_schema=schema, stop=("\n",))])
    body = stub.bodies[0]
    assert body["response_format"]["json_schema"]["schema"] == schema
    assert body["stop"] == ["\n"] and "logprobs" not in body
    assert g.text == "echo: rate it" and g.tokens == 2 and g.choice_logprobs is None


def test_retries_on_503_then_succeeds(stub):
    stub.fail_first = 2
    llm = make_llm(stub)
    [g] = llm.generate([ChatRequest(user="hello")])
    assert g.text == "echo: hello"
    assert llm.client.retries == 2 and llm.client.requests == 3


def test_gives_up_after_max_retries(stub):
    stub.fail_first = 10
    llm = make_llm(stub, max_retries=1)
    with pytest.raises(BackendHTTPError, match="after 2 attempt.*HTTP 503"):
        llm.generate([ChatRequest(user="hello")])


def test_client_error_is_not_retried(stub):
    stub.status = 404
    llm = make_llm(stub)
    with pytest.raises(BackendHTTPError, match="HTTP 404.*bad model name"):
        llm.generate([ChatRequest(user="hello")])
    assert llm.client.requests == 1


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried(stub, status):
    stub.fail_first, stub.fail_status = 1, status
    llm = make_llm(stub)
    [g] = llm.generate([ChatRequest(user="hello")])
    assert g.text == "echo: hello" and llm.client.requests == 2 and llm.client.retries == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 422, 425, 501])
def test_other_client_errors_are_not_retried(stub, status):
    stub.fail_first, stub.fail_status = 1, status
    llm = make_llm(stub)
    with pytest.raises(BackendHTTPError, match=f"HTTP {status}"):
        llm.generate([ChatRequest(user="hello")])
    assert llm.client.requests == 1 and llm.client.retries == 0


def test_retry_after_is_honoured(stub):
    """The wait before a retry is at least what the server asked, even above max_backoff_s."""
    stub.fail_first, stub.fail_status, stub.retry_after = 2, 429, "30"
    slept: list[float] = []
    llm = make_llm(stub, sleep=slept.append, retry_budget_s=600)
    [g] = llm.generate([ChatRequest(user="hello")])
    assert g.text == "echo: hello" and llm.client.requests == 3
    assert len(slept) == 2 and all(s >= 30 for s in slept)


def test_retry_after_past_the_budget_ends_retries_at_once(stub):
    stub.fail_first, stub.fail_status, stub.retry_after = 5, 503, "3600"
    slept: list[float] = []
    llm = make_llm(stub, sleep=slept.append, retry_budget_s=60)
    with pytest.raises(BackendHTTPError, match=r"after 1 attempt.*Retry-After.*budget of 60 s"):
        llm.generate([ChatRequest(user="hello")])
    assert llm.client.requests == 1 and slept == []


def test_retry_budget_bounds_the_backoff(stub):
    stub.fail_first, stub.retry_after = 5, None
    slept: list[float] = []
    llm = make_llm(stub, backoff_s=1.0, retry_budget_s=0.5, max_retries=10, sleep=slept.append)
    with pytest.raises(BackendHTTPError, match=r"after 1 attempt.*retry budget of 0.5 s spent"):
        llm.generate([ChatRequest(user="hello")])
    assert llm.client.requests == 1 and slept == []


def test_backoff_grows_and_is_capped(stub):
    stub.fail_first, stub.retry_after = 4, None
    slept: list[float] = []
    client = OpenAIClient(
        stub.url, max_retries=4, backoff_s=1.0, max_backoff_s=3.0, sleep=slept.append
    )
    assert client.chat({"model": "m", "messages": [{"role": "user", "content": "x"}]})
    assert len(slept) == 4
    assert 1.0 <= slept[0] <= 2.0 and 2.0 <= slept[1] <= 3.0 and slept[2] == slept[3] == 3.0


def test_retry_after_header_forms():
    from datetime import UTC, datetime

    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_s("5") == 5.0 and retry_after_s(" 0.5 ") == 0.5
    assert retry_after_s("Wed, 01 Jan 2025 12:00:30 GMT", now) == 30.0
    assert retry_after_s("Wed, 01 Jan 2025 11:00:00 GMT", now) == 0.0  # in the past: now
    for bad in (None, "", "-1", "nan", "inf", "soon", "Wed, 99 Foo 2025"):
        assert retry_after_s(bad, now) is None


def test_timeout_is_retried_then_reported(stub):
    stub.delay_s = 0.5
    llm = make_llm(stub, timeout_s=0.1, max_retries=1)
    with pytest.raises(BackendHTTPError, match="Timeout"):
        llm.generate([ChatRequest(user="slow")])
    assert llm.client.requests == 2


def test_concurrency_limit(stub):
    stub.delay_s = 0.05
    llm = make_llm(stub, concurrency=2)
    g = llm.generate([ChatRequest(user=f"q{i}") for i in range(8)])
    assert [x.text for x in g] == [f"echo: q{i}" for i in range(8)]  # order kept
    assert stub.max_in_flight == 2


def test_unreachable_server_is_reported():
    client = OpenAIClient("http://127.0.0.1:9/v1", max_retries=1, backoff_s=0.01, timeout_s=1)
    with pytest.raises(BackendHTTPError, match="127.0.0.1:9"):
        client.chat({"model": "m", "messages": []})


def test_choice_matching_rules():
    top = [
        {"token": "ab", "logprob": math.log(0.5)},  # start of 'abnormal' only
        {"token": "no", "logprob": math.log(0.3)},  # exactly 'no'
        {"token": "n", "logprob": math.log(0.1)},  # start of 'no' and 'normal': ambiguous
    ]
    lp = choice_logprobs_from_top(top, ["abnormal", "no", "normal"])
    assert math.exp(lp["abnormal"]) == pytest.approx(0.5)
    assert math.exp(lp["no"]) == pytest.approx(0.3)
    assert lp["normal"] == pytest.approx(math.log(0.1))  # floor: smallest listed
    assert choice_logprobs_from_top([{"token": "maybe", "logprob": -0.1}], ["yes", "no"]) is None


def test_image_part_is_a_base64_data_url():
    img = np.zeros((4, 6, 3), dtype=np.uint8)
    img[:, :, 0] = 255
    part = image_part(img, mime="image/png")
    url = part["image_url"]["url"]
    assert part["type"] == "image_url" and url.startswith("data:image/png;base64,")
    raw = base64.b64decode(url.split(",", 1)[1])
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    assert image_part(b"\xff\xd8abc")["image_url"]["url"] == "data:image/jpeg;base64,/9hhYmM="
