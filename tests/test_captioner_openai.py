"""The OpenAI-compatible vision captioner against a local HTTP server."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from zsvad import registry
from zsvad.backends.protocols import Clip
from zsvad.errors import ConfigError


class _Handler(BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Handler.seen.append((self.path, self.headers.get("Authorization"), body))
        parts = body["messages"][0]["content"]
        images = [p for p in parts if p["type"] == "image_url"]
        jpeg = base64.b64decode(images[0]["image_url"]["url"].split(",", 1)[1])
        text = f"{len(images)} image(s), jpeg {jpeg[:2].hex()}, says: {parts[-1]['text']}"
        out = json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(out.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def _clip(i):
    return Clip(i, 2.0 * i, 2.0 * i + 2, np.full((3, 24, 32, 3), 40 * i, np.uint8), [0, 1, 2])


def test_openai_captioner_sends_frames_and_prompt(server, monkeypatch):
    monkeypatch.setenv("TEST_KEY", "sk-test")
    cap = registry.create(
        "captioner",
        "openai",
        model="Qwen/Qwen2.5-VL-7B-Instruct",
        base_url=server,
        api_key_env="TEST_KEY",
        frames="all",
        prompt="What happens?",
        max_new_tokens=30,
    )
    out = cap.caption([_clip(0), _clip(1), _clip(2)])
    assert out == ["3 image(s), jpeg ffd8, says: What happens?"] * 3
    assert len(_Handler.seen) == 3
    path, auth, body = _Handler.seen[0]
    assert path == "/v1/chat/completions" and auth == "Bearer sk-test"
    assert body["model"] == "Qwen/Qwen2.5-VL-7B-Instruct" and body["max_tokens"] == 30
    assert body["temperature"] == 0.0
    assert cap.info.backend == "openai" and not cap.info.meaningless


def test_openai_captioner_needs_a_base_url():
    with pytest.raises(ConfigError, match="base_url is required"):
        registry.create("captioner", "openai", model="m")


def test_openai_captioner_cuts_a_huge_caption(server):
    """A server that ignores max_tokens cannot put more than MAX_ANSWER_CHARS into a caption."""
    from zsvad.backends.protocols import MAX_ANSWER_CHARS

    cap = registry.create(
        "captioner", "openai", model="m", base_url=server, prompt="word " * 20_000
    )
    [text] = cap.caption([_clip(0)])
    assert len(text) == MAX_ANSWER_CHARS and text.endswith("…")
    assert text.startswith("1 image(s), jpeg ffd8, says: word word")
