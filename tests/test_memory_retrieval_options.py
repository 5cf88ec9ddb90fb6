"""Flashback's retrieval refinements (alpha, union softmax, label / query prefixes) and index
rebuilds (memory, embedder, prefixes, user files, embedding cache)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from zsvad.backends.fakes import RecordingTextEmbedder
from zsvad.config.memory import MemoryConfig, RetrievalConfig
from zsvad.memory.index import load_indexes
from zsvad.memory.retrieval import Retriever, score_neighbours
from zsvad.memory.store import load_memory


@pytest.fixture
def mem_dir(tmp_path):
    d = tmp_path / "mem"
    d.mkdir()
    rows = [
        ("people walk in the park", "normal"),
        ("a man buys bread at the counter", "normal"),
        ("a man punches a guard", "anomalous"),
        ("a car burns in the street", "anomalous"),
    ]
    (d / "captions.jsonl").write_text(
        "".join(json.dumps({"text": t, "label": lab}) + "\n" for t, lab in rows)
    )
    return d


def test_alpha_penalises_anomalous_neighbours():
    sim_n, sim_a = np.array([[0.60, 0.5]]), np.array([[0.62, 0.5]])
    plain = score_neighbours(sim_n, sim_a, RetrievalConfig(rule="max_margin", alpha=1.0))[0]
    scaled = score_neighbours(sim_n, sim_a, RetrievalConfig(rule="max_margin", alpha=0.9))[0]
    assert plain > 0.5 > scaled  # 0.62 * 0.9 < 0.60: the normal neighbour now wins
    for rule in ("softmax_vote", "union_softmax", "mean_margin", "vote"):
        a = score_neighbours(sim_n, sim_a, RetrievalConfig(rule=rule, alpha=1.0, k=2))[0]
        b = score_neighbours(sim_n, sim_a, RetrievalConfig(rule=rule, alpha=0.8, k=2))[0]
        assert b <= a, rule


def test_union_softmax_uses_top_k_of_both_labels():
    sim_n = np.array([[0.9, 0.1, 0.1]])
    sim_a = np.array([[0.8, 0.7, 0.6]])
    cfg = RetrievalConfig(rule="union_softmax", k=1, temperature=0.05, alpha=1.0)
    assert score_neighbours(sim_n, sim_a, cfg)[0] == 0.0  # only the normal 0.9 is kept
    cfg2 = RetrievalConfig(rule="union_softmax", k=3, temperature=100.0, alpha=1.0)
    assert score_neighbours(sim_n, sim_a, cfg2)[0] == pytest.approx(2 / 3, abs=1e-3)


def test_label_prefix_is_embedded_and_keys_the_index(mem_dir):
    emb = RecordingTextEmbedder()
    mem = load_memory(str(mem_dir))
    prefix = {"normal": "A normal scene: ", "anomalous": "An anomalous event: "}
    cfg = MemoryConfig(embed_cache=False)
    load_indexes(mem, emb, cfg)
    assert "a man punches a guard" in emb.texts
    n = len(emb.texts)
    load_indexes(mem, emb, cfg, prefix)  # another cache key: rebuilt with prefixes
    assert "An anomalous event: a man punches a guard" in emb.texts[n:]
    assert "A normal scene: people walk in the park" in emb.texts[n:]
    m = len(emb.texts)
    load_indexes(mem, emb, cfg, prefix)
    load_indexes(mem, emb, cfg)
    assert len(emb.texts) == m  # both indexes now come from the cache


def test_query_prefix(mem_dir):
    emb = RecordingTextEmbedder()
    mem = load_memory(str(mem_dir))
    idx = load_indexes(mem, emb, MemoryConfig())
    r = Retriever(idx, RetrievalConfig(query_prefix="Camera view: ", k=2))
    emb.texts.clear()
    out = r.score_texts(["a man punches a guard"], emb)
    assert emb.texts == ["Camera view: a man punches a guard"]
    assert out[0].sentence == "a man punches a guard"  # evidence keeps the caption itself


def test_embedding_cache_makes_user_file_rebuild_cheap(mem_dir, tmp_path):
    emb = RecordingTextEmbedder()
    load_indexes(load_memory(str(mem_dir)), emb, MemoryConfig())
    assert len(emb.texts) == 4
    site = tmp_path / "site.jsonl"
    site.write_text(json.dumps({"text": "forklifts move pallets", "label": "normal"}) + "\n")
    idx = load_indexes(load_memory(str(mem_dir), [str(site)]), emb, MemoryConfig())
    assert idx["normal"].index.ntotal == 3  # rebuilt with the user's caption…
    assert emb.texts[4:] == ["forklifts move pallets"]  # …embedding only that one
    site.write_text(json.dumps({"text": "a forklift tips over", "label": "anomalous"}) + "\n")
    idx = load_indexes(load_memory(str(mem_dir), [str(site)]), emb, MemoryConfig())
    assert idx["anomalous"].index.ntotal == 3 and idx["normal"].index.ntotal == 2
    r = Retriever(idx, RetrievalConfig(k=1, alpha=1.0))
    top = r.score_texts(["a forklift tips over"], emb)[0].evidence[0]
    assert top.text == "a forklift tips over" and top.label == "anomalous"


def test_bad_prefix_label_is_refused():
    with pytest.raises(ValueError, match="label_prefix"):
        RetrievalConfig(label_prefix={"weird": "x"})
