"""Curation rules: normalise, label leaks, exact / near duplicates, balancing."""

from __future__ import annotations

import numpy as np

from zsvad.backends.fakes import FakeTextEmbedder
from zsvad.memory.curate import CurationSpec, curate, names_label, near_duplicates
from zsvad.memory.store import MemoryEntry


def E(text, label="normal", category="walking"):
    return MemoryEntry(text, label, category, "street", "test")


def test_normalise_and_exact_duplicates():
    out, rep = curate(
        [E("  a man   walks his dog "), E("A man walks his dog."), E("too short")],
        None,
        CurationSpec(balance_labels=False),
    )
    assert [e.text for e in out] == ["A man walks his dog."]
    assert rep.dropped["exact duplicate"] == 1 and rep.dropped["length"] == 1
    assert rep.candidates == 3 and rep.kept == 1


def test_captions_naming_their_label_are_rejected():
    for text in (
        "An anomalous scene of a man running.",
        "Nothing unusual happens in the shop.",
        "A normal scene: people walk in the park.",
        "Abnormal behaviour near the door.",
    ):
        assert names_label(text), text
    for text in ("A man walks past a shop.", "Two men fight in the street.", "Unusually cold."):
        assert not names_label(text), text
    rows = [E("An anomalous event where a car burns.", "anomalous", "fire")]
    out, rep = curate(rows, None, CurationSpec(balance_labels=False))
    assert out == [] and rep.dropped["names label"] == 1
    out, _ = curate(rows, None, CurationSpec(balance_labels=False, allow_label_words=True))
    assert len(out) == 1


def test_near_duplicates_by_embedding():
    vecs = np.eye(4, dtype=np.float32)
    vecs[2] = (vecs[0] * 0.99 + vecs[2] * 0.01) / np.linalg.norm([0.99, 0.01])
    assert near_duplicates(vecs, 0.95).tolist() == [True, True, False, True]
    rows = [
        E("A man walks his dog in the park."),
        E("A man walks his dog in the park today."),  # near copy for a bag-of-words embedder
        E("Cars wait at the red traffic light."),
    ]
    out, rep = curate(
        rows, FakeTextEmbedder(), CurationSpec(near_dup_threshold=0.9, balance_labels=False)
    )
    assert [e.text for e in out] == [rows[0].text, rows[2].text]
    assert rep.dropped["near duplicate"] == 1
    # near duplicates are only looked for within one (label, category) bucket
    rows[1] = E(rows[1].text, "anomalous", "fighting")
    out, _ = curate(
        rows, FakeTextEmbedder(), CurationSpec(near_dup_threshold=0.9, balance_labels=False)
    )
    assert len(out) == 3


def test_balance_labels_and_categories():
    rows = [E(f"A person number {i} walks by the shop.") for i in range(10)]
    rows += [E(f"A man number {i} punches a guard.", "anomalous", "assault") for i in range(3)]
    rows += [E(f"A car number {i} burns in the street.", "anomalous", "fire") for i in range(6)]
    out, rep = curate(rows, None, CurationSpec(max_per_category=5))
    by = {}
    for e in out:
        by[(e.label, e.category)] = by.get((e.label, e.category), 0) + 1
    assert by[("normal", "walking")] == 5  # capped
    assert by[("anomalous", "assault")] + by[("anomalous", "fire")] == 5  # balanced to normal
    assert min(by[("anomalous", "assault")], by[("anomalous", "fire")]) >= 2  # evenly trimmed
    assert rep.dropped["category cap"] == 6 and rep.dropped["label balance"] == 3
