"""Shipped memory vectors: used when they match, ignored (and the memory embedded) when not."""

import json

import numpy as np

from zsvad.backends.fakes import FakeTextEmbedder, RecordingTextEmbedder
from zsvad.config.memory import MemoryConfig
from zsvad.memory.index import load_indexes
from zsvad.memory.shipped import write_vectors
from zsvad.memory.store import load_memory

ROWS = [
    ("people walk in the park", "normal"),
    ("a cyclist rides past", "normal"),
    ("a man fights a guard", "anomalous"),
    ("a car burns in the street", "anomalous"),
    ("someone climbs the fence", "anomalous"),
]


def _memory(path, rows=ROWS):
    path.mkdir(exist_ok=True)
    lines = [json.dumps({"text": t, "label": lab}) for t, lab in rows]
    (path / "captions.jsonl").write_text("\n".join(lines) + "\n")
    return path


def _ship(mdir, texts, embedder=None, vecs=None):
    embedder = embedder or FakeTextEmbedder()
    vecs = embedder.embed_texts(texts) if vecs is None else vecs
    return write_vectors(mdir / "vectors" / "fake.npz", texts, vecs, embedder)


def _build(mdir, tmp_path, emb):
    cfg = MemoryConfig(index_dir=str(tmp_path / "idx"), embed_cache=False)
    return load_indexes(load_memory(str(mdir)), emb, cfg)


def test_matching_file_embeds_only_the_spot_check(tmp_path):
    mdir = _memory(tmp_path / "m")
    _ship(mdir, [t for t, _ in ROWS])
    emb = RecordingTextEmbedder()
    idx = _build(mdir, tmp_path, emb)
    assert len(emb.texts) == 4  # SPOT_CHECK vectors re-embedded, none of the rest
    q = FakeTextEmbedder().embed_texts(["a car burns in the street"])
    sims, ids = idx["anomalous"].search(q, 1)
    assert idx["anomalous"].entries[ids[0][0]].text == "a car burns in the street"
    assert sims[0][0] > 0.999


def test_stale_file_covers_only_unchanged_captions(tmp_path):
    mdir = _memory(tmp_path / "m")
    _ship(mdir, [t for t, _ in ROWS[:4]] + ["a caption the memory lost"])
    emb = RecordingTextEmbedder()
    _build(mdir, tmp_path, emb)
    assert emb.texts[-1] == "someone climbs the fence"  # the one caption not shipped
    assert len(emb.texts) == 5


def test_tampered_file_is_ignored(tmp_path):
    mdir = _memory(tmp_path / "m")
    path = _ship(mdir, [t for t, _ in ROWS])
    with np.load(path) as z:
        parts = dict(z)
    parts["vecs"] = parts["vecs"][::-1].copy()  # content no longer matches the recorded hash
    np.savez(path, **parts)
    emb = RecordingTextEmbedder()
    _build(mdir, tmp_path, emb)
    assert sorted(emb.texts) == sorted(t for t, _ in ROWS)


def test_other_embedder_or_disagreeing_vectors_are_ignored(tmp_path):
    texts = [t for t, _ in ROWS]
    mdir = _memory(tmp_path / "m")
    _ship(mdir, texts, embedder=FakeTextEmbedder(model="another"))
    emb = RecordingTextEmbedder()
    _build(mdir, tmp_path / "a", emb)
    assert sorted(emb.texts) == sorted(texts)

    rng = np.random.default_rng(0)
    _ship(mdir, texts, vecs=rng.normal(size=(len(texts), 64)))  # same identity, wrong vectors
    emb = RecordingTextEmbedder()
    _build(mdir, tmp_path / "b", emb)
    assert len(emb.texts) == 4 + len(texts)  # spot check failed, then everything embedded
