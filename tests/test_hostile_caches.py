"""Caches that heal (issue 14, class 3): a damaged FAISS index, embedding cache or video cache
entry is verified on load and rebuilt with a warning, never a persistent traceback; NaN vectors
never become scores; a video that changes while it is read leaves no entry a later run trusts."""

from __future__ import annotations

import base64
import json
import logging
import shutil

import numpy as np
import pytest
from memory_helpers import write_memory
from video_helpers import make_video

import zsvad.pipeline.sample as sample_mod
from zsvad.backends.fakes import FakeTextEmbedder, RecordingTextEmbedder
from zsvad.config.memory import MemoryConfig, RetrievalConfig
from zsvad.configure import load_config
from zsvad.errors import ZsvadError
from zsvad.memory.embedcache import CachedEmbedder
from zsvad.memory.index import load_indexes
from zsvad.memory.retrieval import Retriever
from zsvad.memory.store import load_memory
from zsvad.pipeline.core import Pipeline
from zsvad.pipeline.video import score_video


def _index_dir(tmp_path):
    return tmp_path / "idx"


def _truncate(d):
    data = (d / "normal.faiss").read_bytes()
    (d / "normal.faiss").write_bytes(data[: len(data) // 2])


def _garbage(d):
    (d / "normal.faiss").write_bytes(b"\x00garbage" * 100)


def _swap(d):  # files and their records swapped together: the records' labels give it away
    for suffix in (".faiss", ".faiss.json"):
        a, b = d / f"normal{suffix}", d / f"anomalous{suffix}"
        tmp = d / "tmp"
        a.rename(tmp)
        b.rename(a)
        tmp.rename(b)


def _swap_files_only(d):
    a, b, tmp = d / "normal.faiss", d / "anomalous.faiss", d / "tmp"
    a.rename(tmp)
    b.rename(a)
    tmp.rename(b)


def _other_dimension(d):
    import faiss

    index = faiss.IndexFlatIP(7)
    index.add(np.ones((1, 7), np.float32))
    faiss.write_index(index, str(d / "normal.faiss"))


def _record_lies(d):  # the record claims another memory
    rec = json.loads((d / "normal.faiss.json").read_text())
    (d / "normal.faiss.json").write_text(json.dumps(rec | {"memory_hash": "0" * 64}))


def _record_garbage(d):
    (d / "anomalous.faiss.json").write_text("[" * 100_000)


@pytest.mark.parametrize(
    "damage",
    [
        _truncate,
        _garbage,
        _swap,
        _swap_files_only,
        _other_dimension,
        _record_lies,
        _record_garbage,
    ],
)
def test_damaged_index_is_rebuilt_with_a_warning(tmp_path, caplog, damage):
    mdir = write_memory(tmp_path / "m", extra="a car burns")
    cfg = MemoryConfig(index_path=str(_index_dir(tmp_path)), embed_cache=False)
    emb = RecordingTextEmbedder()
    first = load_indexes(load_memory(str(mdir)), emb, cfg)
    assert (first["normal"].index.ntotal, first["anomalous"].index.ntotal) == (1, 2)
    damage(_index_dir(tmp_path))
    with caplog.at_level(logging.WARNING):
        again = load_indexes(load_memory(str(mdir)), emb, cfg)
    assert "rebuilding the index" in caplog.text
    assert len(emb.texts) == 6  # embedded again
    assert (again["normal"].index.ntotal, again["anomalous"].index.ntotal) == (1, 2)
    caplog.clear()
    load_indexes(load_memory(str(mdir)), emb, cfg)  # healed: no rebuild
    assert len(emb.texts) == 6 and "rebuilding" not in caplog.text


@pytest.mark.parametrize(
    "write",
    [
        lambda p, n: p.write_bytes(p.read_bytes()[:100]),  # truncated zip
        lambda p, n: p.write_bytes(b"garbage" * 50),
        lambda p, n: np.savez(p, keys=np.array(["a"] * n), vecs=np.ones((n, 3), np.float32)),
        lambda p, n: np.savez(
            p, keys=np.load(p)["keys"], vecs=np.full((n, 16), np.nan, np.float32)
        ),
        lambda p, n: np.savez(p, keys=np.arange(n), vecs=np.load(p)["vecs"]),
    ],
    ids=["truncated", "garbage", "wrong-dimension", "nan-vectors", "non-text-keys"],
)
def test_damaged_embedding_cache_is_rebuilt(tmp_path, caplog, write):
    emb = RecordingTextEmbedder(dim=16)
    cached = CachedEmbedder(emb, tmp_path)
    good = cached.embed_texts(["a", "b"])
    write(cached.path, 2)
    again = CachedEmbedder(emb, tmp_path)
    with caplog.at_level(logging.WARNING):
        vecs = again.embed_texts(["a", "b"])
    assert "rebuilding embedding cache" in caplog.text
    assert np.isfinite(vecs).all() and np.allclose(vecs, good)
    assert CachedEmbedder(emb, tmp_path).embed_texts(["a"]).shape == (1, 16)


def _retriever(tmp_path):
    mdir = write_memory(tmp_path / "m", extra="a car burns")
    cfg = MemoryConfig(index_dir=str(tmp_path / "ix"))
    indexes = load_indexes(load_memory(str(mdir)), FakeTextEmbedder(), cfg)
    return Retriever(indexes, RetrievalConfig())


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_query_vectors_are_an_error_not_a_score(tmp_path, bad):
    r = _retriever(tmp_path)
    q = FakeTextEmbedder().embed_texts(["a man fights", "people walk"])
    q[1, 3] = bad
    with pytest.raises(ZsvadError, match="NaN or infinite"):
        r.score_embeddings(q)


def test_index_without_neighbours_never_scores_one(tmp_path):
    r = _retriever(tmp_path)

    class Empty:
        def search(self, q, k):
            return np.full((len(q), k), -3.4e38, np.float32), np.full((len(q), k), -1)

    r.indexes["normal"].index = Empty()
    with pytest.raises(ZsvadError, match="no neighbours"):
        r.score_embeddings(FakeTextEmbedder().embed_texts(["a man fights"]))


# --- the video cache -------------------------------------------------------------------------

FAKES = ["captioner.backend=fake", "image_embedder.backend=fake"]


def _pipeline(cache):
    return Pipeline(load_config("tiny", overrides=[*FAKES, f"video.cache_dir={cache}"]))


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "clip.mp4", n=60, fps=10, size=(64, 48))


def _rewrite(path, change):
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(r) + "\n" for r in change(rows)))


def _each(**fields):
    return lambda rows: [r | fields for r in rows]


CAPTION_DAMAGE = {
    "10^9-frame window": lambda rows: [rows[0] | {"window": 10**9}],
    "10^12 frames": _each(num_frames=10**12),
    "frames of another video": _each(num_frames=6000),
    "other fps": _each(fps=25.0),
    "window outside the video": lambda rows: [rows[0] | {"start": 1e9, "end": 1e9 + 4}],
    "negative window": lambda rows: [rows[0] | {"window": -3}],
    "not objects": lambda rows: [[1, 2, 3]],
    "text of wrong type": _each(text={"a": 1}),
}


@pytest.mark.parametrize("name", list(CAPTION_DAMAGE))
def test_damaged_captions_entry_is_rebuilt(tmp_path, video, caplog, name):
    cache = tmp_path / "vc"
    first = score_video(_pipeline(cache), video)
    (entry,) = cache.glob("*.captions.jsonl")
    _rewrite(entry, CAPTION_DAMAGE[name])
    with caplog.at_level(logging.WARNING):
        again = score_video(_pipeline(cache), video)
    assert again.provenance.stats["cache_captions"] == "miss"
    assert "ignoring video cache entry" in caplog.text
    assert again.frame_scores == first.frame_scores
    third = score_video(_pipeline(cache), video)  # healed
    assert third.provenance.stats["cache_captions"] == "hit"


def _vec(rows, make):
    return [r | {"embedding": base64.b64encode(make(r)).decode()} for r in rows]


CLIP_DAMAGE = {
    "wrong dimension": lambda rows: _vec(rows, lambda r: np.ones(5, np.float32).tobytes()),
    "NaN vectors": lambda rows: _vec(rows, lambda r: np.full(r["dim"], np.nan, np.float32)),
    "not base64": _each(embedding="!!!"),
    "10^12 frames": _each(num_frames=10**12),
    "garbage line": lambda rows: ["x" * 50],
}


@pytest.mark.parametrize("name", list(CLIP_DAMAGE))
def test_damaged_clip_entry_is_rebuilt(tmp_path, video, name):
    cache = tmp_path / "vc"
    first = score_video(_pipeline(cache), video)
    (entry,) = cache.glob("*.clip.jsonl")
    if name == "garbage line":
        entry.write_text("{not json\n")
    else:
        _rewrite(entry, CLIP_DAMAGE[name])
    again = score_video(_pipeline(cache), video)
    assert again.provenance.stats["cache_clip"] == "miss"
    assert again.frame_scores == first.frame_scores
    assert score_video(_pipeline(cache), video).provenance.stats["cache_clip"] == "hit"


def test_video_changed_while_read_leaves_no_entry(tmp_path, video, monkeypatch):
    cache = tmp_path / "vc"
    other = make_video(tmp_path / "other.mp4", n=40, fps=10, size=(64, 48))
    decode = sample_mod.decode

    def decode_then_swap(parts, source, *a):
        out = decode(parts, source, *a)
        shutil.copyfile(other, source.path)  # the file changes under the reader
        return out

    monkeypatch.setattr(sample_mod, "decode", decode_then_swap)
    result = score_video(_pipeline(cache), video)
    assert not list(cache.glob("*.jsonl"))
    assert any("changed while it was read" in w for w in result.provenance.warnings)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        '{"text": 5}',
        '{"text": "yes", "choice_logprobs": {"yes": NaN}}',
        '{"text": "yes", "choice_logprobs": [1, 2]}',
        '{"text": "yes", "tokens": "many"}',
        "\x00\x01garbage",
    ],
)
def test_damaged_judge_answer_is_asked_again(tmp_path, text):
    from zsvad.backends.protocols import Generation
    from zsvad.judge.cache import JudgeCache

    cache = JudgeCache(tmp_path)
    cache.put("ab" + "0" * 62, Generation("yes", {"yes": -0.1, "no": float("-inf")}))
    assert cache.get("ab" + "0" * 62).text == "yes"
    cache._path("ab" + "0" * 62).write_text(text)
    assert cache.get("ab" + "0" * 62) is None
