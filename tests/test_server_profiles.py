"""Example profiles for OpenAI-compatible servers: they load, and the captioner and the judge
take their HTTP settings from the same place and shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from zsvad.configure import load_config
from zsvad.pipeline.core import Pipeline

PROFILES = sorted(Path("examples/servers").glob("*.yaml"))
HTTP = {"api_key_env", "timeout_s", "max_retries"}


def test_one_profile_per_server():
    assert [p.stem for p in PROFILES] == ["llama-cpp-server", "lm-studio", "ollama", "vllm-serve"]


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_profile_builds_both_clients_alike(path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    cfg = load_config(str(path))
    cap, judge = cfg.captioner, cfg.judge
    assert cap.backend == judge.backend == "openai"
    assert cap.base_url == judge.base_url and cap.base_url.endswith("/v1")
    assert set(cap.options) == HTTP and HTTP <= set(judge.options)
    assert {k: cap.options[k] for k in HTTP} == {k: judge.options[k] for k in HTTP}
    pipe = Pipeline(cfg)
    cap_client, llm_client = pipe.captioner.client, pipe.judge.llm.client  # no request is sent
    for client in (cap_client, llm_client):
        assert client.base_url == cap.base_url
        assert client.max_retries == cap.options["max_retries"]
