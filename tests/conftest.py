"""Shared fixtures: private caches, offline hub, dev data paths, the real MiniLM embedder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ZSVAD_SHARED", ROOT.parent / "shared"))
DEV = SHARED / "data" / "ucf_uca_dev"
VIDEOS = SHARED / "videos"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


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


def caption(
    video_id="v1", start=0.0, end=2.0, text="A man walks down the street.", fps=10.0, num_frames=100
):
    return {
        "video_id": video_id,
        "start": start,
        "end": end,
        "text": text,
        "fps": fps,
        "num_frames": num_frames,
    }
