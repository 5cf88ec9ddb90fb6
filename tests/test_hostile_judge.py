"""Judge answers of the wrong JSON shape (issue 29, family "judge answers"): a server body that
is a list, a string or not JSON, an answer whose JSON is nested, huge, of the wrong type or not
finite, and log-probabilities that are NaN or infinite are each a failed window (a parse
failure), never a lost result and never a score."""

from __future__ import annotations

import json
import math
import threading

import pytest
from http_helpers import LocalServer, QuietHandler

from zsvad.backends.llm_openai import OpenAICompatLLM
from zsvad.backends.protocols import ChatRequest, Generation
from zsvad.configure import load_config
from zsvad.judge.parse import read_answer
from zsvad.pipeline.core import Pipeline, WindowInput
from zsvad.prompts.loader import load_prompt


class Server:
    """Answers each POST with the next body of ``bodies`` (bytes), then the last one again."""

    def __init__(self, bodies: list[bytes]):
        self.bodies, self.lock = list(bodies), threading.Lock()
        state = self

        class Handler(QuietHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                with state.lock:
                    body = state.bodies.pop(0) if len(state.bodies) > 1 else state.bodies[0]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = LocalServer(Handler)
        self.url = self.server.url

    def close(self):
        self.server.close()


def _answer(text: str) -> bytes:
    return json.dumps({"choices": [{"message": {"content": text}}]}).encode()


BAD_BODIES = {
    "list": b"[1, 2, 3]",
    "list of answers": b'[{"choices": [{"message": {"content": "Yes"}}]}]',
    "string": b'"Yes"',
    "number": b"7",
    "html": b"<html>502 Bad Gateway</html>",
    "nested": b"[" * 100_000,
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_malformed_server_body_is_a_failed_window_not_a_failed_run(tmp_path, name):
    server = Server([BAD_BODIES[name], _answer("Yes"), _answer("No")])
    try:
        overrides = [
            "judge.backend=openai",
            "judge.model=m",
            f"judge.base_url={server.url}",
            "judge.options.max_retries=0",
            "judge.options.concurrency=1",
            "judge.batch_size=1",
            "judge.cache=false",
        ]
        pipe = Pipeline(load_config("tiny", overrides=overrides))
        texts = ["Two men fight.", "People walk.", "A car burns."]
        windows = [WindowInput(2.0 * i, 2.0 * i + 2, t) for i, t in enumerate(texts)]
        result = pipe.score_windows("v", 10.0, 60, windows)
    finally:
        server.close()
    stats = result.provenance.stats
    assert stats["parse_failures"] == 1 and stats["windows_judged"] == 2
    assert len(result.windows) == 3 and all(math.isfinite(w.score) for w in result.windows)
    assert sum("judge" in w.scores for w in result.windows) == 2


def test_malformed_body_reads_as_an_empty_answer():
    server = Server([b"[1, 2, 3]"])
    try:
        llm = OpenAICompatLLM(model="m", base_url=server.url, max_retries=0)
        [gen] = llm.generate([ChatRequest(system="", user="?", choices=("Yes", "No"))])
    finally:
        server.close()
    assert gen.text == "" and gen.finish_reason == "malformed"


RATING = "lavad_rating"
BAD_TEXTS = [
    '[{"score": 0.9}]',  # a list around the object
    '{"score": [0.9]}',
    '{"score": {"value": 0.9}}',
    '{"score": true}',
    '{"score": null}',
    '{"score": ' + "9" * 400 + "}",  # float() overflows
    '{"score": 1e999}',
    '{"score": NaN}',
    '{"score": Infinity}',
    '{"a": ' * 5000 + "1" + "}" * 5000,  # nested past the recursion limit
    '{"score": 0.5, "x": ' + "[" * 70 + "]" * 70 + "}",  # nested past MAX_JSON_DEPTH
    '{"a": 1, ' * 6000,  # many unclosed objects: bounded tries, no quadratic scan
    "{" * 30_000,
]


@pytest.mark.parametrize("text", BAD_TEXTS)
def test_json_answers_of_the_wrong_shape_never_raise_nor_score_badly(text):
    spec = load_prompt(RATING).output
    verdict = read_answer(spec, Generation(text))
    assert verdict.score is None or (math.isfinite(verdict.score) and 0 <= verdict.score <= 1)
    if "NaN" in text or "Infinity" in text or "9999" in text:
        assert verdict.method == "failed"


@pytest.mark.parametrize(
    "logprobs",
    [
        {"yes": float("nan"), "no": -1.0},
        {"yes": float("inf"), "no": -1.0},
        {"yes": float("-inf"), "no": float("-inf")},
        {"yes": True, "no": -1.0},
        {"yes": "-0.1", "no": -1.0},
    ],
)
def test_non_finite_logprobs_fall_back_to_the_text_never_a_nan_score(logprobs):
    spec = load_prompt("yesno_logprob").output
    verdict = read_answer(spec, Generation("maybe", logprobs))
    assert verdict.score is None and verdict.method == "failed"
    verdict = read_answer(spec, Generation("Yes", logprobs))
    assert verdict.score == 1.0 and verdict.method == "choice"


def test_good_logprobs_still_read():
    spec = load_prompt("yesno_logprob").output
    verdict = read_answer(spec, Generation("no", {"yes": math.log(0.8), "no": math.log(0.2)}))
    assert verdict.method == "logprobs" and verdict.score == pytest.approx(0.8)
