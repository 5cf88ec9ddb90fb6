"""The memory taxonomy: scenes, actors, everyday activity and anomaly categories, as YAML data.

Both writers of a memory use it: the LLM generator (``zsvad memory generate``) asks for captions
per scene × category, and the procedural writer (:mod:`zsvad.memory.compose`) composes them from
the phrases below. Files (all in this folder):

- ``scenes_outdoor.yaml`` / ``scenes_indoor.yaml``: scenes with places, actors, tags and
  scene-specific normal activity;
- ``normal.yaml``: everyday activity shared by scenes with a tag;
- ``anomalies_crime.yaml`` / ``anomalies_other.yaml``: anomaly categories, their source
  benchmarks, the scene tags they apply to and example events;
- ``actors.yaml``: people, groups, vehicles, attire; ``variants.yaml``: time / view openers;
- ``audio.yaml``: sounds for the audio section of a memory (:mod:`zsvad.memory.audio`).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator

from zsvad.errors import ConfigError
from zsvad.safeyaml import load_file
from zsvad.strict import Strict

FOLDER = Path(__file__).resolve().parent
Subject = Literal["p", "g", "v", "c"]
SUBJECTS = ("p", "g", "v", "c")


TEXT_FILES = (
    "actors.yaml",
    "anomalies_crime.yaml",
    "anomalies_other.yaml",
    "normal.yaml",
    "scenes_indoor.yaml",
    "scenes_outdoor.yaml",
    "variants.yaml",
)
"""The files of the caption taxonomy (its ``version_hash`` covers exactly these); ``audio.yaml``
is the audio section's own (:mod:`zsvad.memory.audio`)."""

_NORMAL_CACHE: dict[tuple[str, str], tuple] = {}


class _Strict(Strict):
    model_config = ConfigDict(frozen=True)


class Event(_Strict):
    """A phrase: who does it (p person, g group, v vehicle, c whole clause) and the text."""

    kind: str
    """Activity (normal) or anomaly category id."""
    subject: Subject
    text: str


def _events(kind_default: str | None, rows: list) -> list[Event]:
    out = []
    for row in rows:
        if kind_default is None:
            kind, subject, text = row
        else:
            (subject, text), kind = row, kind_default
        out.append(Event(kind=kind, subject=subject, text=text))
    return out


class Scene(_Strict):
    """A place a surveillance camera watches."""

    id: str
    where: str
    """Opening phrase naming the scene, e.g. "inside a convenience store"."""
    tags: tuple[str, ...]
    places: tuple[str, ...] = Field(min_length=1)
    actors: tuple[str, ...] = ()
    normal: tuple[Event, ...] = ()

    @property
    def setting(self) -> str:
        return "indoor" if "indoor" in self.tags or "indoor_car" in self.tags else "outdoor"

    @field_validator("normal", mode="before")
    @classmethod
    def _normal(cls, v):
        return _events(None, v or [])


class Category(_Strict):
    """An anomaly category with the benchmarks that define it and example events."""

    id: str
    sources: tuple[str, ...]
    tags: tuple[str, ...]
    events: tuple[Event, ...] = Field(min_length=1)

    def applies_to(self, scene: Scene) -> bool:
        return "any" in self.tags or bool(set(self.tags) & set(scene.tags))


class Taxonomy(_Strict):
    """Everything the writers draw from, plus a hash of the YAML it came from."""

    scenes: tuple[Scene, ...]
    categories: tuple[Category, ...]
    shared_normal: dict[str, tuple[Event, ...]]
    persons: tuple[str, ...]
    attire: tuple[str, ...]
    groups: tuple[str, ...]
    vehicles: tuple[str, ...]
    times: tuple[tuple[str, str], ...]
    views: tuple[tuple[str, str], ...]
    connectors: tuple[str, ...]
    version_hash: str

    def scene(self, scene_id: str) -> Scene:
        for s in self.scenes:
            if s.id == scene_id:
                return s
        raise ConfigError(f"unknown scene '{scene_id}'")

    def category(self, category_id: str) -> Category:
        for c in self.categories:
            if c.id == category_id:
                return c
        raise ConfigError(f"unknown anomaly category '{category_id}'")

    def normal_events(self, scene: Scene) -> list[Event]:
        """Scene-specific activity, then the shared activity of its tags (and of ``any``)."""
        cached = _NORMAL_CACHE.get((self.version_hash, scene.id))
        if cached is not None:
            return list(cached)
        out = list(scene.normal)
        seen = set(out)
        for tag in dict.fromkeys(("any", scene.setting, *scene.tags)):
            for e in self.shared_normal.get(tag, ()):
                if e not in seen:
                    seen.add(e)
                    out.append(e)
        _NORMAL_CACHE[(self.version_hash, scene.id)] = tuple(out)
        return out

    def categories_for(self, scene: Scene) -> list[Category]:
        return [c for c in self.categories if c.applies_to(scene)]


def _read(path: Path):
    return load_file(path, "taxonomy file")


@lru_cache(maxsize=4)
def load_taxonomy(folder: str | Path = FOLDER) -> Taxonomy:
    """Load and validate the taxonomy YAML files of ``folder``."""
    folder = Path(folder)
    names = sorted(TEXT_FILES)
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes())
    try:
        scenes = [
            Scene(**s)
            for name in ("scenes_outdoor.yaml", "scenes_indoor.yaml")
            for s in _read(folder / name)
        ]
        categories = [
            Category(id=cid, sources=c["sources"], tags=c["tags"], events=_events(cid, c["events"]))
            for name in ("anomalies_crime.yaml", "anomalies_other.yaml")
            for cid, c in _read(folder / name).items()
        ]
        shared = {
            tag: tuple(_events(None, rows)) for tag, rows in _read(folder / "normal.yaml").items()
        }
        actors = _read(folder / "actors.yaml")
        variants = _read(folder / "variants.yaml")
        return Taxonomy(
            scenes=tuple(scenes),
            categories=tuple(categories),
            shared_normal=shared,
            persons=actors["person"],
            attire=actors["attire"],
            groups=actors["group"],
            vehicles=actors["vehicle"],
            times=[tuple(t) for t in variants["time"]],
            views=[tuple(v) for v in variants["view"]],
            connectors=variants["connectors"],
            version_hash=digest.hexdigest()[:16],
        )
    except (ValidationError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"invalid taxonomy: {exc}", source=folder) from exc
