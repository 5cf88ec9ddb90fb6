"""The audio section of the memory: composed from the audio taxonomy, reproducible, fair."""

from __future__ import annotations

import numpy as np
import pytest

from zsvad.errors import InputError
from zsvad.memory.audio import (
    audio_section_dir,
    load_audio_memory,
    load_audio_taxonomy,
    produce_audio_memory,
)
from zsvad.memory.curate import names_label
from zsvad.memory.store import resolve_memory_dir
from zsvad.memory.taxonomy import load_taxonomy
from zsvad.memory.validate import validate_memory

ASKED = {
    "anomalous": {"gunshot", "explosion", "glass_breaking", "screaming", "crash", "siren"}
    | {"alarm", "fighting"},
    "normal": {"traffic", "speech", "music", "rain", "crowd"},
}


def test_the_shipped_audio_section_is_reproduced_from_the_taxonomy(tmp_path):
    shipped = audio_section_dir("surveillance") / "captions.jsonl"
    out, report = produce_audio_memory(tmp_path / "audio", name="surveillance")
    assert (out / "captions.jsonl").read_bytes() == shipped.read_bytes()
    assert report.kept == len(load_audio_memory("surveillance").entries)


def test_it_holds_the_sounds_asked_for_balanced_and_without_label_words():
    memory = load_audio_memory("surveillance")
    cats = {lab: {e.category for e in memory.by_label(lab)} for lab in ("normal", "anomalous")}
    assert ASKED["anomalous"] <= cats["anomalous"] and ASKED["normal"] <= cats["normal"]
    assert len(memory.by_label("normal")) == len(memory.by_label("anomalous"))
    assert not any(names_label(e.text) for e in memory.entries)
    assert validate_memory(str(audio_section_dir("surveillance"))).ok


def test_both_labels_share_patterns_so_only_the_sound_differs():
    memory = load_audio_memory("surveillance")
    words = {
        lab: [len(e.text.split()) for e in memory.by_label(lab)] for lab in ("normal", "anomalous")
    }
    assert abs(np.mean(words["normal"]) - np.mean(words["anomalous"])) < 1.5
    tax = load_audio_taxonomy()
    for marker in ("The sound of ", " can be heard ", " followed by "):
        share = {lab: np.mean([marker in e.text for e in memory.by_label(lab)]) for lab in words}
        assert abs(share["normal"] - share["anomalous"]) < 0.05, marker
    assert any("{other}" in p for p in tax.patterns)


def test_anomalous_sounds_relate_to_categories_of_the_caption_taxonomy():
    known = {c.id for c in load_taxonomy().categories}
    for cid, cat in load_audio_taxonomy().anomalous.items():
        assert cat.related and set(cat.related) <= known, cid


def test_the_caption_taxonomy_hash_ignores_the_audio_file():
    manifest = resolve_memory_dir("surveillance") / "manifest.json"
    import json

    recorded = json.loads(manifest.read_text())["generator"]["taxonomy_hash"]
    assert load_taxonomy().version_hash == recorded


def test_a_memory_without_an_audio_section_is_a_clear_error():
    with pytest.raises(InputError, match="has no audio section"):
        audio_section_dir("starter")
