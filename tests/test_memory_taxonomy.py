"""The taxonomy data and the procedural writer built on it."""

from __future__ import annotations

import statistics

from zsvad.memory.compose import ComposeSpec, compose, finish
from zsvad.memory.taxonomy import load_taxonomy

UCF = {
    "abuse",
    "arrest",
    "arson",
    "assault",
    "burglary",
    "explosion",
    "fighting",
    "road_accident",
    "robbery",
    "shooting",
    "shoplifting",
    "stealing",
    "vandalism",
}
XD = {"abuse", "road_accident", "explosion", "fighting", "riot", "shooting"}


def test_taxonomy_breadth():
    tax = load_taxonomy()
    assert len(tax.scenes) >= 60 and len({s.id for s in tax.scenes}) == len(tax.scenes)
    ids = {c.id for c in tax.categories}
    assert UCF | XD <= ids and len(ids - UCF - XD) >= 20 and len(ids) >= 33
    assert {c.id for c in tax.categories if "ucf" in c.sources} == UCF
    assert {c.id for c in tax.categories if "xd" in c.sources} == XD
    assert {s.setting for s in tax.scenes} == {"indoor", "outdoor"}
    for scene in tax.scenes:
        assert len(tax.normal_events(scene)) >= 20, scene.id  # normal activity for every scene
        assert len(tax.categories_for(scene)) >= 10, scene.id
    for cat in tax.categories:
        assert any(cat.applies_to(s) for s in tax.scenes), cat.id


def test_compose_is_deterministic_and_labelled():
    tax = load_taxonomy()
    spec = ComposeSpec(normal_per_scene=5, anomalous_per_category=5, seed=3)
    a, b = list(compose(tax, spec)), list(compose(tax, spec))
    assert a == b and a != list(compose(tax, ComposeSpec(5, 5, seed=4)))
    assert sum(e.label == "normal" for e in a) == 5 * len(tax.scenes)
    assert sum(e.label == "anomalous" for e in a) == 5 * len(tax.categories)
    for e in a:
        assert e.text == finish(e.text) and "{" not in e.text, e.text
        assert e.scene in {s.id for s in tax.scenes}


def test_normal_and_anomalous_look_alike():
    """Same patterns for both labels: caption lengths and openers must not give the label away."""
    entries = list(compose(load_taxonomy(), ComposeSpec(60, 100, seed=0)))
    words = {
        lab: [len(e.text.split()) for e in entries if e.label == lab]
        for lab in ("normal", "anomalous")
    }
    mn, ma = statistics.mean(words["normal"]), statistics.mean(words["anomalous"])
    assert abs(mn - ma) / max(mn, ma) < 0.2, (mn, ma)

    def share(lab, prefix):
        texts = [e.text for e in entries if e.label == lab]
        return sum(t.startswith(prefix) for t in texts) / len(texts)

    for prefix in ("At night", "In CCTV footage", "Inside a"):
        assert abs(share("normal", prefix) - share("anomalous", prefix)) < 0.05, prefix
