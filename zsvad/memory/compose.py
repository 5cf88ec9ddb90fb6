"""Write a memory procedurally from the taxonomy (no LLM): the shipped ``generic`` memory.

Captions are ``<subject> <event> <place> <view>.`` with the same actors, places and views for both
labels, so only the event tells normal from anomalous. With a reachable LLM, ``zsvad memory
generate`` writes captions over the same taxonomy instead.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from zsvad.memory.store import MemoryEntry

TAXONOMY_DIR = Path(__file__).parent / "taxonomy"
#: scenes where vehicles drive (vehicle events and normal traffic go only there)
VEHICLE_SCENES = {
    "street",
    "intersection",
    "highway",
    "rural_road",
    "gas_station",
    "parking_lot",
    "parking_garage",
    "residential_street",
    "driveway",
    "bridge",
    "tunnel",
    "toll_booth",
    "car_dealership",
    "alley",
    "bus_stop",
    "construction_site",
}
SOURCE = "template:generic-v1"


@dataclass(frozen=True)
class Taxonomy:
    """Scenes, actors, normal activities and anomaly events (``zsvad/memory/taxonomy/``)."""

    scenes: dict
    views: list[str]
    actors: list[str]
    others: list[str]
    vehicles: list[str]
    normal: dict
    anomalies: dict
    version: str

    @property
    def categories(self) -> list[str]:
        return sorted(self.anomalies)


@cache
def load_taxonomy(directory: Path = TAXONOMY_DIR) -> Taxonomy:
    def read(name: str) -> dict:
        return yaml.safe_load((directory / name).read_text(encoding="utf-8"))

    scenes, actors, normal, anomalies = (
        read(f"{n}.yaml") for n in ("scenes", "actors", "normal", "anomalies")
    )
    version = ".".join(str(d["version"]) for d in (scenes, actors, normal, anomalies))
    return Taxonomy(
        scenes["scenes"],
        scenes["views"],
        actors["actors"],
        actors["others"],
        actors["vehicles"],
        normal,
        anomalies["categories"],
        version,
    )


def _sentence(*parts: str) -> str:
    text = " ".join(p for p in parts if p).strip()
    return text[0].upper() + text[1:] + "."


class Composer:
    """Draws captions from a taxonomy with a seeded random generator."""

    def __init__(self, taxonomy: Taxonomy, seed: int = 0):
        self.t = taxonomy
        self.rng = random.Random(seed)

    def _fill(self, phrase: str) -> str:
        pick = self.rng.choice
        return phrase.format(other=pick(self.t.others), vehicle=pick(self.t.vehicles))

    def _place(self, scene: str) -> tuple[str, str]:
        return self.rng.choice(self.t.scenes[scene]["where"]), self.rng.choice(self.t.views)

    def _scenes_for(self, subject: str) -> list[str]:
        scenes = sorted(self.t.scenes)
        return [s for s in scenes if s in VEHICLE_SCENES] if subject == "vehicle" else scenes

    def anomalous(self, category: str) -> MemoryEntry:
        events = self.t.anomalies[category]
        subject = self.rng.choice(sorted(events))
        scene = self.rng.choice(self._scenes_for(subject))
        where, view = self._place(scene)
        event = self._fill(self.rng.choice(events[subject]))
        if subject == "person":
            text = _sentence(self.rng.choice(self.t.actors), event, where, view)
        elif subject == "vehicle":
            text = _sentence(self.rng.choice(self.t.vehicles), event, where, view)
        else:
            text = _sentence(event, where, view)
        return MemoryEntry(text, "anomalous", category, scene, SOURCE)

    def normal(self) -> MemoryEntry:
        scene = self.rng.choice(sorted(self.t.scenes))
        where, view = self._place(scene)
        kinds = ["person", "person", "scene_person", "empty"]
        if scene in VEHICLE_SCENES:
            kinds += ["vehicle", "vehicle"]
        kind = self.rng.choice(kinds)
        if kind == "vehicle":
            text = _sentence(self._fill(self.rng.choice(self.t.normal["vehicle"])), where, view)
            category = "traffic"
        elif kind == "empty":
            text = _sentence(
                where, view + "," if view else "", self.rng.choice(self.t.normal["empty"])
            )
            text = text.replace(" ,", ",")
            category = "empty scene"
        else:
            pool = (
                self.t.scenes[scene]["normal"]
                if kind == "scene_person"
                else self.t.normal["person"]
            )
            event = self._fill(self.rng.choice(pool))
            text = _sentence(self.rng.choice(self.t.actors), event, where, view)
            category = "activity"
        return MemoryEntry(text, "normal", category, scene, SOURCE)

    def compose(self, per_label: int) -> Iterator[MemoryEntry]:
        """Up to ``per_label`` unique captions per label; anomalies spread evenly by category."""
        seen: set[str] = set()
        cats = self.t.categories
        for label in ("normal", "anomalous"):
            made, tries = 0, 0
            while made < per_label and tries < per_label * 20:
                tries += 1
                entry = (
                    self.normal() if label == "normal" else self.anomalous(cats[made % len(cats)])
                )
                key = entry.text.lower()
                if key in seen:
                    continue
                seen.add(key)
                made += 1
                yield entry
