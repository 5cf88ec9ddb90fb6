"""Cache entries made for another run (issue 29, family "caches"): every entry carries what it
was made for (its key, the decoded duration, the embedder) and is checked against the current
run, so one from another video, model, memory or embedder, or a video entry with an extra clip,
is rebuilt with a warning, never used and never fatal; a cache path that cannot be written (a
folder in an entry's place, a file in the cache folder's place) is a one-line warning and the
run goes on without caching there."""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pytest
from memory_helpers import write_memory
from video_helpers import make_video

from zsvad.backends.fakes import RecordingTextEmbedder
from zsvad.backends.protocols import Generation, ModelInfo
from zsvad.config.memory import MemoryConfig
from zsvad.configure import load_config
from zsvad.judge.cache import AliasCache, JudgeCache
from zsvad.memory.embedcache import CachedEmbedder
from zsvad.memory.index import load_indexes
from zsvad.memory.store import load_memory
from zsvad.pipeline.core import Pipeline
from zsvad.pipeline.video import score_video

FAKES = ["captioner.backend=fake", "image_embedder.backend=fake"]


def _pipeline(cache, *extra):
    return Pipeline(load_config("tiny", overrides=[*FAKES, f"video.cache_dir={cache}", *extra]))


@pytest.fixture
def video(tmp_path):  # 6 s at 10 fps: windows [0, 4] and [2, 6]
    return make_video(tmp_path / "clip.mp4", n=60, fps=10, size=(64, 48))


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _extra_clip(rows, end):
    extra = rows[-1] | {"start": 4.0, "end": end}
    if "window" in extra:
        extra["window"] = len(rows)
        rows = [r | {"windows": len(rows) + 1} for r in rows]
        extra["windows"] = len(rows) + 1
    return [*rows, extra]


@pytest.mark.parametrize("kinds", [("clip",), ("captions",), ("captions", "clip")])
@pytest.mark.parametrize("end", [6.0, 8.0])
def test_an_entry_with_an_extra_clip_is_rebuilt_never_scored(tmp_path, video, caplog, kinds, end):
    cache = tmp_path / "vc"
    first = score_video(_pipeline(cache), video)
    assert len(first.windows) == 2
    for kind in kinds:
        (entry,) = cache.glob(f"*.{kind}.jsonl")
        _write(entry, _extra_clip(_rows(entry), end))
    with caplog.at_level(logging.WARNING):
        again = score_video(_pipeline(cache), video)
    assert len(again.windows) == 2  # never the 3 windows of the entry
    assert again.frame_scores == first.frame_scores
    assert "ignoring" in caplog.text
    assert {again.provenance.stats[f"cache_{k}"] for k in kinds} == {"miss"}
    healed = score_video(_pipeline(cache), video)
    assert healed.provenance.stats["cache_clip"] == healed.provenance.stats["cache_captions"]
    assert healed.provenance.stats["cache_clip"] == "hit"


def test_an_entry_of_another_video_with_the_same_frame_grid_is_not_used(tmp_path, caplog):
    cache = tmp_path / "vc"
    a = make_video(tmp_path / "a.mp4", n=60, fps=10, shade=lambda i: 20)
    b = make_video(tmp_path / "b.mp4", n=60, fps=10, shade=lambda i: (i * 37) % 250)
    first_b = score_video(_pipeline(cache), b)
    score_video(_pipeline(cache), a)
    for kind in ("captions", "clip"):  # a's entries put in place of b's
        (entry_b,) = cache.glob(f"b-*.{kind}.jsonl")
        (entry_a,) = cache.glob(f"a-*.{kind}.jsonl")
        rows = [r | {"video_id": "b"} for r in _rows(entry_a)]
        _write(entry_b, rows)
    with caplog.at_level(logging.WARNING):
        again = score_video(_pipeline(cache), b)
    assert again.provenance.stats["cache_clip"] == "miss"
    assert "key differs" in caplog.text
    assert again.frame_scores == first_b.frame_scores


def test_an_entry_made_with_other_sampling_is_not_used(tmp_path, video):
    cache = tmp_path / "vc"
    other = score_video(_pipeline(cache, "video.stride_seconds=1"), video)
    assert len(other.windows) == 3
    (short,) = [p for p in cache.glob("*.clip.jsonl")]
    first = score_video(_pipeline(tmp_path / "fresh"), video)
    (target,) = (tmp_path / "fresh").glob("*.clip.jsonl")
    shutil.copyfile(short, target)  # the stride-1 entry under the stride-2 key
    again = score_video(_pipeline(tmp_path / "fresh"), video)
    assert again.provenance.stats["cache_clip"] == "miss" and len(again.windows) == 2
    assert again.frame_scores == first.frame_scores


def test_a_clip_entry_with_other_windows_than_the_decode_is_rebuilt_not_fatal(tmp_path, video):
    cache = tmp_path / "vc"
    first = score_video(_pipeline(cache), video)
    (captions,) = cache.glob("*.captions.jsonl")
    captions.unlink()  # the captioner runs: the video is decoded
    (clip,) = cache.glob("*.clip.jsonl")
    _write(clip, _rows(clip)[:1])  # a lone first window passes its own checks
    again = score_video(_pipeline(cache), video)  # was: "cached clip embeddings do not match"
    assert again.provenance.stats["cache_clip"] == "miss"
    assert again.frame_scores == first.frame_scores
    assert score_video(_pipeline(cache), video).provenance.stats["cache_clip"] == "hit"


def test_captions_and_clip_entries_that_disagree_are_both_rebuilt(tmp_path, video, caplog):
    cache = tmp_path / "vc"
    first = score_video(_pipeline(cache), video)
    (clip,) = cache.glob("*.clip.jsonl")
    _write(clip, _rows(clip)[:1])
    with caplog.at_level(logging.WARNING):
        again = score_video(_pipeline(cache), video)
    assert "disagree" in caplog.text or "captioned windows" in caplog.text
    assert again.frame_scores == first.frame_scores and len(again.windows) == 2


def test_entries_of_an_older_zsvad_without_a_key_are_rebuilt(tmp_path, video):
    cache = tmp_path / "vc"
    first = score_video(_pipeline(cache), video)
    for entry in cache.glob("*.jsonl"):
        _write(entry, [{k: v for k, v in r.items() if k != "key"} for r in _rows(entry)])
    again = score_video(_pipeline(cache), video)
    assert again.provenance.stats["cache_clip"] == "miss"
    assert again.frame_scores == first.frame_scores


def test_a_folder_in_place_of_an_entry_is_a_warning_and_no_caching(tmp_path, video, caplog):
    cache = tmp_path / "vc"
    first = score_video(_pipeline(cache), video)
    for entry in list(cache.glob("*.jsonl")):
        entry.unlink()
        entry.mkdir()
    with caplog.at_level(logging.WARNING):
        again = score_video(_pipeline(cache), video)
    assert again.frame_scores == first.frame_scores
    assert "going on without caching there" in caplog.text


def test_a_file_in_place_of_the_cache_folder_is_a_warning_not_an_error(
    tmp_path, video, monkeypatch, caplog
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("ZSVAD_CACHE", str(blocker))
    judged = [*FAKES, "judge.backend=fake", "judge.model=fake-llm"]
    with caplog.at_level(logging.WARNING):
        result = score_video(Pipeline(load_config("tiny", overrides=judged)), video)
    assert len(result.windows) == 2 and result.provenance.stats["windows_judged"] >= 1
    assert "going on without caching there" in caplog.text
    assert blocker.read_text() == "x"


# --- the judge, embedding and index caches ---------------------------------------------------


def test_a_judge_answer_under_another_key_is_asked_again(tmp_path):
    cache = JudgeCache(tmp_path)
    a, b = "aa" + "0" * 62, "bb" + "1" * 62
    cache.put(a, Generation("yes", {"yes": -0.1, "no": -2.0}))
    assert cache.get(a).text == "yes"
    cache._path(b).parent.mkdir(parents=True)
    shutil.copyfile(cache._path(a), cache._path(b))  # an answer to another question
    assert cache.get(b) is None
    aliases = AliasCache(cache)
    aliases.put("cc" + "2" * 62, a, ModelInfo("llm", "fake", "m"))
    assert aliases.get("cc" + "2" * 62) is not None
    src = aliases.root / "cc" / ("cc" + "2" * 62 + ".json")
    dst = aliases.root / "dd" / ("dd" + "3" * 62 + ".json")
    dst.parent.mkdir(parents=True)
    shutil.copyfile(src, dst)
    assert aliases.get("dd" + "3" * 62) is None


def test_an_unwritable_judge_cache_is_a_warning(tmp_path, caplog):
    root = tmp_path / "judge"
    root.write_text("a file")
    cache = JudgeCache(root)
    with caplog.at_level(logging.WARNING):
        cache.put("ab" + "0" * 62, Generation("yes"))
    assert cache.get("ab" + "0" * 62) is None and "judge cache" in caplog.text


def test_an_embedding_cache_of_another_embedder_is_rebuilt(tmp_path, caplog):
    one, two = RecordingTextEmbedder(dim=16), RecordingTextEmbedder(dim=16)
    two.info = type(one.info)(**{**one.info.__dict__, "model": "another-model"})
    good = CachedEmbedder(two, tmp_path).embed_texts(["a", "b"])
    mine, theirs = CachedEmbedder(one, tmp_path), CachedEmbedder(two, tmp_path)
    one.embed_texts(["a", "b"])  # what this embedder says
    np.savez(mine.path, keys=np.load(theirs.path)["keys"], vecs=np.load(theirs.path)["vecs"] * -1,
             made_for=np.load(theirs.path)["made_for"])  # fmt: skip
    with caplog.at_level(logging.WARNING):
        vecs = CachedEmbedder(one, tmp_path).embed_texts(["a", "b"])
    assert "made for another embedder" in caplog.text
    assert not np.allclose(vecs, -good) and np.isfinite(vecs).all()


def test_an_unwritable_embedding_cache_is_a_warning(tmp_path, caplog):
    (tmp_path / "emb").write_text("a file")
    with caplog.at_level(logging.WARNING):
        vecs = CachedEmbedder(RecordingTextEmbedder(dim=8), tmp_path / "emb").embed_texts(["a"])
    assert vecs.shape == (1, 8) and "embedding cache" in caplog.text


def test_a_cached_index_folder_of_another_memory_is_rebuilt_not_fatal(tmp_path, caplog):
    m1 = write_memory(tmp_path / "m1", extra="a car burns")
    m2 = write_memory(tmp_path / "m2", extra="a house burns")
    cfg = MemoryConfig(index_dir=str(tmp_path / "ix"), embed_cache=False)
    emb = RecordingTextEmbedder()
    load_indexes(load_memory(str(m1)), emb, cfg)
    load_indexes(load_memory(str(m2)), emb, cfg)
    (d1,) = [p for p in (tmp_path / "ix").glob("m1-*") if p.is_dir()]
    (d2,) = [p for p in (tmp_path / "ix").glob("m2-*") if p.is_dir()]
    for f in d1.iterdir():  # m1's index put in m2's cache folder
        if f.is_file():
            shutil.copyfile(f, d2 / f.name)
    with caplog.at_level(logging.WARNING):
        again = load_indexes(load_memory(str(m2)), emb, cfg)
    assert "rebuilding the index" in caplog.text
    assert [e.text for e in again["anomalous"].entries][-1] == "a house burns"


def test_an_index_record_of_another_embedder_is_rebuilt(tmp_path, caplog):
    mdir = write_memory(tmp_path / "m", extra="a car burns")
    cfg = MemoryConfig(index_path=str(tmp_path / "idx"), embed_cache=False)
    emb = RecordingTextEmbedder()
    load_indexes(load_memory(str(mdir)), emb, cfg)
    rec = tmp_path / "idx" / "normal.faiss.json"
    rec.write_text(json.dumps(json.loads(rec.read_text()) | {"made_for": "0" * 20}))
    n = len(emb.texts)
    with caplog.at_level(logging.WARNING):
        load_indexes(load_memory(str(mdir)), emb, cfg)
    assert "made for another memory, embedder or index type" in caplog.text
    assert len(emb.texts) > n


def test_an_unwritable_index_folder_is_a_warning_and_the_index_is_used(tmp_path, caplog):
    mdir = write_memory(tmp_path / "m", extra="a car burns")
    (tmp_path / "ix").write_text("a file")
    cfg = MemoryConfig(index_dir=str(tmp_path / "ix"), embed_cache=False)
    with caplog.at_level(logging.WARNING):
        out = load_indexes(load_memory(str(mdir)), RecordingTextEmbedder(), cfg)
    assert out["anomalous"].index.ntotal == 2


def _bounded(call, seconds=30):
    """``call()`` in a thread that must end within ``seconds`` (opening a fifo would hang)."""
    import threading

    out = {}
    t = threading.Thread(target=lambda: out.setdefault("value", call()), daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "blocked on a fifo"
    return out.get("value")


def test_fifos_in_place_of_cache_files_are_never_opened(tmp_path, video, caplog):
    import os

    cache = tmp_path / "vc"
    score_video(_pipeline(cache), video)
    for entry in list(cache.glob("*.jsonl")):
        entry.unlink()
        os.mkfifo(entry)
    with caplog.at_level(logging.WARNING):
        again = _bounded(lambda: score_video(_pipeline(cache), video))
    assert len(again.windows) == 2 and again.provenance.stats["cache_clip"] == "miss"
    judge = JudgeCache(tmp_path / "jc")
    key = "ab" + "0" * 62
    judge._path(key).parent.mkdir(parents=True)
    os.mkfifo(judge._path(key))
    assert _bounded(lambda: judge.get(key)) is None


def test_a_fifo_index_record_is_rebuilt_not_opened(tmp_path):
    import os

    mdir = write_memory(tmp_path / "m", extra="a car burns")
    cfg = MemoryConfig(index_path=str(tmp_path / "idx"), embed_cache=False)
    emb = RecordingTextEmbedder()
    load_indexes(load_memory(str(mdir)), emb, cfg)
    for name in ("normal.faiss.json", "anomalous.faiss"):
        (tmp_path / "idx" / name).unlink()
        os.mkfifo(tmp_path / "idx" / name)
    n = len(emb.texts)
    out = _bounded(lambda: load_indexes(load_memory(str(mdir)), emb, cfg))
    assert out["anomalous"].index.ntotal == 2 and len(emb.texts) > n  # rebuilt
    assert (tmp_path / "idx" / "anomalous.faiss").is_file()  # the fifo replaced
