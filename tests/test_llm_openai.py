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
from zsvad.backends.openai_client import BackendHTTPError, OpenAIClient, image_part
from zsvad.backends.protocols import ChatRequest


class Stub:
    """Behaviour of the stub server, changed by each test."""

    def __init__(self):
        self.fail_first = 0  # answer 503 to this many requests first
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
                return 503, {"error": "busy"}
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
                if status == 503:
                    self.send_header("Retry-After", "0")
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
