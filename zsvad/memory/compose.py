"""The procedural memory writer: composes captions from the taxonomy, no model involved.

Normal and anomalous captions are built by the *same* sentence patterns, actors, places and
openers; only the event phrase differs, so neither length nor style gives the label away.
Patterns (``{opener}`` is empty, a time, a camera view, the scene, or time + scene):

- single: ``{opener}{subject} {event}.``
- sequence: ``{opener}{subject} {everyday action} {connector} {event}.``
- background: ``{opener}{subject} {event} while {group} {everyday group action}.``

Everything is drawn from a seeded RNG, so the same taxonomy and seed give the same captions.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from zsvad.memory.store import MemoryEntry
from zsvad.memory.taxonomy import Category, Event, Scene, Taxonomy

_SPACES = re.compile(r"\s+")
SOURCE = "procedural:v1"


@dataclass(frozen=True)
class ComposeSpec:
    """How many candidate captions to compose."""

    normal_per_scene: int = 200
    """Candidate normal captions per scene."""
    anomalous_per_category: int = 340
    """Candidate anomalous captions per category (spread over the scenes it applies to)."""
    p_sequence: float = 0.1
    """Share of captions with an everyday action before the event (tuned on dev: compound
    captions blur the two halves of the memory; 0.35 -> 0.1 gained ~1.5 AUC)."""
    p_background: float = 0.05
    """Share of captions with a background group action ("… while two men talk")."""
    seed: int = 0
    scenes: tuple[str, ...] = ()
    """Only these scene ids (empty: all)."""
    categories: tuple[str, ...] = ()
    """Only these anomaly categories, and then no normal captions (empty: all)."""


def finish(text: str) -> str:
    """Collapse spaces, capitalise, end with a full stop."""
    text = _SPACES.sub(" ", text).strip().replace(" ,", ",")
    text = text.rstrip(".")
    return text[:1].upper() + text[1:] + "."


class Composer:
    """Draws subjects, places and openers for one taxonomy."""

    def __init__(self, tax: Taxonomy, rng: random.Random, spec: ComposeSpec | None = None):
        spec = spec or ComposeSpec()
        self.tax = tax
        self.rng = rng
        self.p_sequence = spec.p_sequence
        self.p_background = spec.p_background

    def person(self, scene: Scene, avoid: str = "") -> str:
        r = self.rng
        pool = [a for a in scene.actors if a != avoid] if scene.actors and r.random() < 0.5 else []
        name = r.choice(pool or [p for p in self.tax.persons if p != avoid])
        if r.random() < 0.3 and " with " not in name and " in " not in name:
            name = f"{name} {r.choice(self.tax.attire)}"
        return name

    def subject(self, kind: str, scene: Scene) -> str:
        if kind == "p":
            return self.person(scene)
        if kind == "g":
            return self.rng.choice(self.tax.groups)
        if kind == "v":
            return self.rng.choice(self.tax.vehicles)
        return ""

    def fill(self, text: str, scene: Scene, subject: str, append_place: float = 0.4) -> str:
        r = self.rng
        if "{victim}" in text:
            text = text.replace("{victim}", self.person(scene, avoid=subject), 1)
        if "{place}" in text:
            text = text.replace("{place}", r.choice(scene.places))
        elif r.random() < append_place:
            text = f"{text} {r.choice(scene.places)}"
        return text

    def opener(self, scene: Scene) -> str:
        r = self.rng
        setting = scene.setting
        times = [t for t, s in self.tax.times if s in ("any", setting)]
        views = [v for v, s in self.tax.views if s in ("any", setting)]
        x = r.random()
        if x < 0.3:
            return ""
        if x < 0.5:
            return f"{r.choice(times)}, "
        if x < 0.75:
            return f"{scene.where}, "
        if x < 0.88:
            return f"{r.choice(times)} {scene.where}, "
        return f"{r.choice(views)}, "

    def caption(self, scene: Scene, event: Event, context: list[Event]) -> str:
        """One caption around ``event`` with everyday ``context`` events of the same scene."""
        r = self.rng
        opener = self.opener(scene)
        if event.subject == "c":
            body = self.fill(event.text, scene, "", append_place=0.0)
            groups = [e for e in context if e.subject == "g"]
            if groups and r.random() < self.p_background:
                g = r.choice(groups)
                body += f" while {r.choice(self.tax.groups)} {self.fill(g.text, scene, '', 0.0)}"
            return finish(opener + body)
        subject = self.subject(event.subject, scene)
        same = [e for e in context if e.subject == event.subject and e.text != event.text]
        x = r.random()
        if same and x < self.p_sequence:
            first = self.fill(r.choice(same).text, scene, subject, append_place=0.3)
            then = self.fill(event.text, scene, subject, append_place=0.0)
            connector = r.choice(self.tax.connectors)
            sep = "" if connector.startswith(",") else " "
            return finish(f"{opener}{subject} {first}{sep}{connector} {then}")
        body = f"{subject} {self.fill(event.text, scene, subject)}"
        groups = [e for e in context if e.subject == "g" and e.text != event.text]
        if groups and x > 1.0 - self.p_background:
            g = r.choice(groups)
            body += f" while {r.choice(self.tax.groups)} {self.fill(g.text, scene, '', 0.0)}"
        return finish(opener + body)


def compose(tax: Taxonomy, spec: ComposeSpec = ComposeSpec()) -> Iterator[MemoryEntry]:
    """Candidate captions (with repeats; curation removes them), normal then anomalous."""
    rng = random.Random(spec.seed)
    comp = Composer(tax, rng, spec)
    scenes = [s for s in tax.scenes if not spec.scenes or s.id in spec.scenes]
    for scene in scenes if not spec.categories else []:
        normal = tax.normal_events(scene)
        for _ in range(spec.normal_per_scene):
            event = rng.choice(normal)
            text = comp.caption(scene, event, normal)
            yield MemoryEntry(text, "normal", event.kind, scene.id, SOURCE)
    for category in tax.categories:
        if not spec.categories or category.id in spec.categories:
            yield from _compose_category(comp, scenes, category, spec.anomalous_per_category)


def _compose_category(
    comp: Composer, scenes: list, category: Category, n: int
) -> Iterator[MemoryEntry]:
    tax = comp.tax
    scenes = [s for s in scenes if category.applies_to(s)]
    for i in range(n if scenes else 0):
        scene = scenes[i % len(scenes)]
        event = comp.rng.choice(category.events)
        text = comp.caption(scene, event, tax.normal_events(scene))
        yield MemoryEntry(text, "anomalous", category.id, scene.id, SOURCE)
