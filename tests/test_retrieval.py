import json

import numpy as np
import pytest

from zsvad.backends.fakes import FakeTextEmbedder
from zsvad.config.memory import MemoryConfig, RetrievalConfig
from zsvad.memory.index import load_indexes
from zsvad.memory.retrieval import Retriever, score_neighbours, split_sentences
from zsvad.memory.store import load_memory


def test_rules_on_known_similarities():
    sim_n = np.array([[0.9, 0.1], [0.3, 0.2]])
    sim_a = np.array([[0.2, 0.1], [0.8, 0.7]])
    for rule in ("softmax_vote", "vote", "max_margin", "mean_margin"):
        s = score_neighbours(
            sim_n, sim_a, RetrievalConfig(rule=rule, k=2, temperature=0.1, alpha=1.0)
        )
        assert s[0] <= 0.5 < s[1], rule
        assert np.all((0 <= s) & (s <= 1))
    # vote over the top-2 of the union: query 0 -> {n 0.9, a 0.2} = 0.5, query 1 -> {a, a} = 1
    vote = score_neighbours(sim_n, sim_a, RetrievalConfig(rule="vote", k=2, alpha=1.0))
    assert vote.tolist() == [0.5, 1.0]
    # max_margin is a sigmoid of the best-neighbour margin
    mm = score_neighbours(
        sim_n, sim_a, RetrievalConfig(rule="max_margin", temperature=0.1, alpha=1.0)
    )
    assert mm[0] == pytest.approx(1 / (1 + np.exp(7.0)))


def test_softmax_vote_temperature_sharpens():
    sim_n, sim_a = np.array([[0.50]]), np.array([[0.55]])
    soft = score_neighbours(sim_n, sim_a, RetrievalConfig(temperature=1.0, alpha=1.0))[0]
    sharp = score_neighbours(sim_n, sim_a, RetrievalConfig(temperature=0.01, alpha=1.0))[0]
    assert 0.5 < soft < sharp and sharp > 0.99


def test_split_sentences():
    assert split_sentences("A man walks. He punches a guard! Then leaves") == [
        "A man walks.",
        "He punches a guard!",
        "Then leaves",
    ]
    assert split_sentences("Short.") == ["Short."]


@pytest.fixture
def small_memory(tmp_path):
    mdir = tmp_path / "mem"
    mdir.mkdir()
    rows = [
        ("a man walks his dog in the park", "normal"),
        ("people shop in a store", "normal"),
        ("a car parks in the lot", "normal"),
        ("a man punches another man", "anomalous"),
        ("a building is on fire", "anomalous"),
        ("a robber points a gun", "anomalous"),
    ]
    with open(mdir / "captions.jsonl", "w") as f:
        for text, label in rows:
            f.write(json.dumps({"text": text, "label": label, "category": "x"}) + "\n")
    return mdir


def test_retriever_scores_and_evidence(small_memory):
    emb = FakeTextEmbedder()
    mem = load_memory(str(small_memory))
    cfg = RetrievalConfig(k=2, evidence_k=2, split_sentences=True)
    r = Retriever(load_indexes(mem, emb, MemoryConfig()), cfg)
    out = r.score_texts(
        ["A man walks his dog. Suddenly a man punches another man.", "people shop in a store"], emb
    )
    assert out[0].score > 0.5 > out[1].score
    assert out[0].sentence == "Suddenly a man punches another man."  # the anomalous sentence won
    top = out[0].evidence[0]
    assert top.text == "a man punches another man" and top.label == "anomalous"
    assert len(out[1].evidence) == 2 and out[1].evidence[0].label == "normal"
    assert out[1].evidence[0].similarity >= out[1].evidence[1].similarity
