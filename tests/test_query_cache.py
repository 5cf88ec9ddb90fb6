"""Caption embeddings are computed once per text and reused across runs and settings."""

from __future__ import annotations

import numpy as np
import pytest
from caption_rows import caption

from zsvad.backends.fakes import RecordingTextEmbedder
from zsvad.configure import load_config
from zsvad.memory.embedcache import CachedEmbedder
from zsvad.pipeline.captions import iter_scores
from zsvad.pipeline.core import Pipeline


def _score(tmp_path, overrides):
    from zsvad.io.captions import read_captions

    rows = [
        caption("v1", 0, 2, "A man walks down the street."),
        caption("v1", 2, 4, "A man breaks a car window with a rock."),
        caption("v1", 4, 6, "A man walks down the street."),  # repeated text
        caption("v2", 0, 2, "Two people fight in a parking lot."),
        caption("v2", 2, 4, "A man walks down the street."),
    ]
    path = tmp_path / "c.jsonl"
    if not path.exists():
        import json

        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = load_config(overrides=["memory.name=starter", *overrides])
    embedder = RecordingTextEmbedder()
    pipe = Pipeline(cfg, text_embedder=embedder)
    _ = pipe.retriever  # memory index (cached per embedder after the first run)
    memory_texts = len(embedder.texts)
    videos = list(read_captions(path).videos.values())
    results = [r for _, r in iter_scores(pipe, videos)]
    return embedder.texts[memory_texts:], results


def test_rescoring_with_other_settings_embeds_nothing(tmp_path):
    first, res1 = _score(tmp_path, [])
    # each distinct caption embedded exactly once, in one call-worth of work
    assert sorted(first) == sorted(
        {
            "A man walks down the street.",
            "A man breaks a car window with a rock.",
            "Two people fight in a parking lot.",
        }
    )
    second, res2 = _score(tmp_path, ["retrieval.k=5", "temporal.smoothing_sigma_s=1"])
    assert second == []
    assert [w.scores for w in res2[0].windows] != [] and len(res2) == len(res1) == 2


def test_query_cache_off_embeds_every_run(tmp_path):
    _score(tmp_path, ["embedder.query_cache=false"])
    again, _ = _score(tmp_path, ["embedder.query_cache=false"])
    assert len(again) >= 3


def test_cached_and_direct_scores_agree(tmp_path):
    _, cached = _score(tmp_path, [])
    _, direct = _score(tmp_path, ["embedder.query_cache=false"])
    assert [r.frame_scores for r in cached] == [r.frame_scores for r in direct]


@pytest.mark.parametrize("damage", ["garbage", "wrong_dim", "nan"])
def test_damaged_cache_is_rebuilt(tmp_path, damage, caplog):
    emb = RecordingTextEmbedder()
    cache = CachedEmbedder(emb, tmp_path, use="queries")
    texts = ["a cat sits on a mat", "a dog runs"]
    want = cache.embed_texts(texts)
    if damage == "garbage":
        cache.path.write_bytes(b"not an npz at all")
    elif damage == "wrong_dim":
        np.savez(cache.path, keys=np.array(["x" * 40], dtype="U40"), vecs=np.ones((1, 3)))
    else:
        with np.load(cache.path) as z:
            keys, vecs = z["keys"], z["vecs"].copy()
        vecs[0] = np.nan
        np.savez(cache.path, keys=keys, vecs=vecs)
    emb.texts.clear()
    fresh = CachedEmbedder(emb, tmp_path, use="queries")
    got = fresh.embed_texts(texts)
    assert "rebuilding embedding cache" in caplog.text
    assert sorted(emb.texts) == sorted(texts)  # re-embedded, not trusted
    assert np.allclose(got, want) and np.isfinite(got).all()


def test_read_only_use_does_not_grow(tmp_path):
    emb = RecordingTextEmbedder()
    cache = CachedEmbedder(emb, tmp_path, use="queries", store_misses=False)
    assert cache.warm(["kept text"]) == 1
    out = cache.embed_texts(["kept text", "passing text", "passing text"])
    assert emb.texts == ["kept text", "passing text"]
    assert out.shape == (3, emb.dim) and np.allclose(out[1], out[2])
    assert set(CachedEmbedder(emb, tmp_path, use="queries")._load()) == set(cache._load())
    assert len(cache._load()) == 1


def test_query_cache_keeps_at_most_max_entries_most_recent_first(tmp_path):
    emb = RecordingTextEmbedder()
    cache = CachedEmbedder(emb, tmp_path, use="queries", store_misses=False, max_entries=3)
    assert cache.warm(["a", "b", "c"]) == 3
    assert cache.warm(["a", "d"]) == 1  # "a" used again: "b" is now the oldest
    reloaded = CachedEmbedder(emb, tmp_path, use="queries", store_misses=False, max_entries=3)
    assert reloaded.warm(["a", "c", "d"]) == 0  # kept
    assert reloaded.warm(["b"]) == 1  # dropped, embedded again
    assert len(CachedEmbedder(emb, tmp_path, use="queries")._load()) == 3


def test_iter_scores_reports_the_up_front_pass_and_cli_embeds_once(tmp_path, monkeypatch):
    import json

    from zsvad.cli.main import main
    from zsvad.io.captions import read_captions
    from zsvad.pipeline import core

    calls = []
    real = core.Pipeline.prefetch

    def counting_prefetch(self, texts, progress=None, on_total=None):
        calls.append(real(self, texts, progress, on_total))
        return calls[-1]

    monkeypatch.setattr(core.Pipeline, "prefetch", counting_prefetch)
    path = tmp_path / "d.jsonl"
    rows = [caption("v9", 0, 2, "A dog barks."), caption("v9", 2, 4, "A man runs.")]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    videos = list(read_captions(path).videos.values())
    told: list[int] = []
    cfg = load_config(overrides=["memory.name=starter"])
    pipe = Pipeline(cfg, text_embedder=RecordingTextEmbedder())
    assert len(list(iter_scores(pipe, videos, progress=told.append))) == 1
    assert calls == [2] and sum(told) == 2
    calls.clear()
    rc = main(["score", "--profile", "tiny", "--captions", str(path), "--out", str(tmp_path / "o")])
    assert rc == 0 and len(calls) == 1  # one up-front pass, not two
