"""Shared fixtures: the socket guard (no traffic off the machine, tests/netguard), private
caches, offline hub, the real MiniLM embedder, captions files, headless Chromium. Test modules
import helpers from the helper modules (data_paths, caption_rows, batch_helpers,
memory_helpers, report_helpers, video_helpers, tune_helpers), never from this file or from
another test module."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# The socket guard (tests/netguard): a connection or lookup off the machine, in this process or
# in any Python process a test starts, fails that test.
sys.path.insert(0, str(Path(__file__).resolve().parent / "netguard"))
from netguard_plugin import _no_outside_traffic, pytest_sessionfinish  # noqa: F401

import zsvad  # noqa: F401  (third-party telemetry off before any test imports a library)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own zsvad cache (indexes, judge responses, tiny models)."""
    monkeypatch.setenv("ZSVAD_CACHE", str(tmp_path_factory.mktemp("zsvad-cache")))


@pytest.fixture(scope="session")
def minilm():
    """The real all-MiniLM-L6-v2 text embedder, loaded once (offline, from its PyPI package)."""
    from zsvad.backends.text_embedder_st import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder("sentence-transformers/all-MiniLM-L6-v2")


@pytest.fixture
def write_captions(tmp_path):
    """Write caption rows (dicts) to a JSONL file and return its path."""

    def _write(rows, name="captions.jsonl", raw_lines=()):
        path = tmp_path / name
        lines = [json.dumps(r) for r in rows] + list(raw_lines)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="module")
def chromium() -> str:
    """Path of Debian's headless ``chromium``: skipped without it, a failure when ``CI=true`` or
    ``ZSVAD_CI_STRICT=1`` (set by ``.ci/run``)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        msg = "Chromium is not installed; install it with: apt-get install -y chromium"
        strict = os.environ.get("ZSVAD_CI_STRICT") == "1"
        if strict or os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return found
