"""Hostile OpenAI-compatible servers: trickled or huge answers, malformed JSON, echoed secrets."""

from __future__ import annotations

import json
import threading
import time

import pytest
from http_helpers import LocalServer, QuietHandler

from zsvad.backends.llm_openai import OpenAICompatLLM, read_answer
from zsvad.backends.openai_client import BackendHTTPError, OpenAIClient
from zsvad.backends.protocols import ChatRequest
from zsvad.judge.parse import read_answer as judge_read
from zsvad.pipeline.components import WindowInput
from zsvad.redact import csv_safe, redact

SECRET = "sk-live-0123456789abcdefSECRET"


class Server:
    """A stub whose behaviour each test sets: ``mode`` and ``payload``."""

    def __init__(self):
        self.mode = "json"
        self.payload: object = {}
        self.stop = threading.Event()

        state = self

        class Handler(QuietHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                if state.mode == "trickle":  # one byte at a time, forever (until told to stop)
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    while not state.stop.is_set():
                        try:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                        except OSError:
                            return
                        time.sleep(0.05)
                    return
                if state.mode == "huge":
                    self.send_response(200)
                    self.end_headers()
                    chunk = b"x" * (1 << 16)
                    try:
                        for _ in range(200):  # 12.5 MiB
                            self.wfile.write(chunk)
                    except OSError:
                        pass
                    return
                status = 401 if state.mode == "echo" else 200
                data = json.dumps(state.payload).encode()
                if state.mode == "echo":
                    auth = self.headers.get("Authorization", "")
                    data = f'{{"error": "bad key {auth}, api_key={SECRET}"}}'.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = LocalServer(Handler)
        self.url = self.server.url

    def close(self):
        self.stop.set()
        self.server.close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def _client(url, **kw):
    return OpenAIClient(url, api_key=SECRET, max_retries=0, **kw)


def test_trickling_server_cannot_outlast_the_deadline(server):
    server.mode = "trickle"
    client = _client(server.url, timeout_s=1.0, deadline_s=1.0)
    t0 = time.monotonic()
    with pytest.raises(BackendHTTPError, match="ReadTimeout"):
        client.chat({"messages": []})
    assert time.monotonic() - t0 < 5


def test_huge_answer_is_refused_not_buffered(server):
    server.mode = "huge"
    client = _client(server.url, max_body_bytes=1 << 20)
    with pytest.raises(BackendHTTPError, match="larger than 1048576 bytes"):
        client.chat({"messages": []})


@pytest.mark.parametrize(
    "payload",
    [
        [1, 2, 3],
        7,
        "text",
    ],
)
def test_non_object_json_is_an_error_naming_the_server(server, payload):
    server.payload = payload
    with pytest.raises(BackendHTTPError, match="not an object"):
        _client(server.url).chat({"messages": []})


MALFORMED = [
    {"choices": [None]},
    {"choices": "yes"},
    {"choices": [{"message": {"content": 5}}]},
    {
        "choices": [
            {"message": None, "logprobs": {"content": [{"top_logprobs": [{"token": "Yes"}]}]}}
        ]
    },
    {
        "choices": [
            {"logprobs": {"content": [{"top_logprobs": [{"token": "Yes", "logprob": "x"}]}]}}
        ]
    },
    {"choices": [{"message": {"content": "Yes"}}], "usage": {"completion_tokens": "many"}},
    {"choices": [{"message": {"content": "Yes"}}], "usage": {"completion_tokens": 1e300}},
]


@pytest.mark.parametrize("payload", MALFORMED)
def test_malformed_answers_read_as_parse_failures_not_tracebacks(server, payload):
    server.payload = payload
    llm = OpenAICompatLLM(model="m", base_url=server.url, max_retries=0)
    req = ChatRequest(system="", user="Is this anomalous?", choices=("Yes", "No"))
    [gen] = llm.generate([req])
    assert isinstance(gen.text, str) and isinstance(gen.tokens, int)
    assert gen.choice_logprobs is None or all(
        isinstance(v, float) for v in gen.choice_logprobs.values()
    )


def test_read_answer_defaults():
    assert read_answer(None, ("Yes", "No")) == ("", None, 0, None)
    assert read_answer({"choices": [{"message": {"content": " Yes "}}]}, None)[0] == "Yes"


def test_secrets_in_error_bodies_and_urls_are_redacted(server):
    server.mode = "echo"
    user_url = server.url.replace("http://", "http://alice:hunter2pass@")
    for url in (server.url, user_url):
        with pytest.raises(BackendHTTPError) as info:
            _client(url).chat({"messages": []})
        message = str(info.value)
        assert "HTTP 401" in message
        assert SECRET not in message and "hunter2pass" not in message
        assert "***" in message


@pytest.mark.parametrize(
    "text",
    [
        "https://bob:s3cr3tpw@example.invalid/v1",
        "Authorization: Bearer abcdefghijklmnop",
        '{"api_key": "abcd1234efgh"}',
        "token=hf_ABCDEFGHIJKLMNOPQRSTU",
        "rtsp://admin:p@s3cr3tpw@cam.local/stream",  # a camera password holding "@"
        "rtsp://admin:pa/s3cr3tpw@cam.local/stream",  # … or "/"
        "http://cam.local/snap?pwd=s3cr3tpw&ch=1",
        "http://maps.invalid/x?key=abcd1234efgh&z=2",
    ],
)
def test_redact_shapes(text):
    out = redact(text)
    for secret in ("s3cr3tpw", "abcdefghijklmnop", "abcd1234efgh", "hf_ABCDEFGHIJKLMNOPQRSTU"):
        assert secret not in out
    assert "***" in out


def test_redaction_keeps_ordinary_text():
    for text in ["unknown config key: foo", "--set key=value", "hf-hub:org/name@rev",
                 "see https://example.invalid/docs/page ok"]:  # fmt: skip
        assert redact(text) == text


def test_webhook_urls_are_stored_and_printed_as_their_origin_only(tmp_path, capsys):
    """A chat webhook's token is its path: results, batch config records and `zsvad
    config` keep only scheme and host."""
    from zsvad.cli.main import main
    from zsvad.configure import load_config
    from zsvad.pipeline.core import Pipeline

    hook = "https://hooks.example.invalid/services/T0/B0/s3cr3tTOKEN"
    cfg = load_config("tiny", overrides=[f"live.webhook_url={hook}"])
    windows = [WindowInput(0.0, 1.0, components={"clip": 0.2})]
    result = Pipeline(cfg).score_windows("v", 10.0, 10, windows)
    stored = json.dumps(result.provenance.config)
    assert "s3cr3tTOKEN" not in stored and "https://hooks.example.invalid/" in stored
    assert main(["config", "--profile", "tiny", "--set", f"live.webhook_url={hook}"]) == 0
    assert "s3cr3tTOKEN" not in capsys.readouterr().out


def test_csv_cells_never_run_as_formulas():
    assert csv_safe('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert csv_safe("+cmd") == "'+cmd" and csv_safe("-1+2") == "'-1+2"
    assert csv_safe("-0.5") == "-0.5" and csv_safe(3) == 3 and csv_safe("video") == "video"


def test_judge_parse_survives_malformed_generations():
    from zsvad.backends.protocols import Generation
    from zsvad.prompts.loader import load_prompt

    spec = load_prompt("yesno_logprob").output
    for gen in (Generation(""), Generation("[1,2,3]"), Generation('{"answer": 7}')):
        verdict = judge_read(spec, gen)
        assert verdict.score is None and verdict.method == "failed"
    spec = load_prompt("lavad_rating").output
    for gen in (Generation(""), Generation('{"score": "high"}'), Generation("rating: 1e999")):
        verdict = judge_read(spec, gen)
        assert verdict.score is None or 0 <= verdict.score <= 1


def test_provenance_never_stores_url_credentials(tmp_path):
    from caption_rows import caption

    from zsvad.backends.fakes import FakeTextEmbedder
    from zsvad.configure import load_config
    from zsvad.io.captions import read_captions
    from zsvad.pipeline.captions import iter_scores
    from zsvad.pipeline.core import Pipeline

    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(caption()) + "\n")
    cfg = load_config(
        overrides=["memory.name=starter", "judge.base_url=http://u:pa55word99@127.0.0.1:9/v1"]
    )
    pipe = Pipeline(cfg, text_embedder=FakeTextEmbedder())
    [(_, result)] = list(iter_scores(pipe, list(read_captions(path).videos.values())))
    stored = result.model_dump_json()
    assert "pa55word99" not in stored and "127.0.0.1:9/v1" in stored


def test_summary_parquet_gets_normal_permissions(tmp_path):
    import os
    import stat

    from zsvad.atomic import _UMASK
    from zsvad.batch.frames import write_summary

    path = write_summary(tmp_path / "summary.parquet", [{"video_id": "=cmd"}])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~_UMASK
