"""The audio section of a memory: captions of sounds, composed from the audio taxonomy.

``memory/<name>/audio/`` is a memory of its own format (``captions.jsonl``, ``manifest.json``,
``README.md``; loaded with :func:`zsvad.memory.store.load_memory`), whose captions describe what
is *heard*: anomalous sounds (gunshots, explosions, glass breaking, screams, crashes, sirens,
alarms, fighting) and everyday ones (traffic, speech, music, rain, crowds, footsteps, ambience,
work noises). An audio-text model (CLAP) embeds them; each window's audio is retrieved against
them like a caption against the text memory.

The captions are written procedurally from ``zsvad/memory/taxonomy/audio.yaml`` (no model, no
benchmark caption): every pattern, place, distance and background is used alike for both labels,
so only the sound tells them apart. Same taxonomy and seed, same file.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

from pydantic import ConfigDict, Field, ValidationError

from zsvad.errors import ConfigError, InputError
from zsvad.memory.build import write_memory
from zsvad.memory.curate import CurationReport, CurationSpec, curate
from zsvad.memory.store import Memory, MemoryEntry, load_memory, resolve_memory_dir
from zsvad.memory.taxonomy import FOLDER
from zsvad.safeyaml import load_file
from zsvad.strict import Strict

SECTION = "audio"
"""Sub-folder of a memory holding its audio section."""
TAXONOMY = FOLDER / "audio.yaml"
SOURCE = "procedural-audio:v1"
CURATION = CurationSpec(min_words=2, max_words=30)
"""Audio captions are short ("A gunshot."): at least two words."""


class _Frozen(Strict):
    model_config = ConfigDict(frozen=True)


class SoundCategory(_Frozen):
    """A kind of sound and the noun phrases that describe it."""

    sounds: tuple[str, ...] = Field(min_length=1)
    sources: tuple[str, ...] = ()
    """Benchmarks whose classes it is evidence for (anomalous categories)."""
    related: tuple[str, ...] = ()
    """Categories of the caption taxonomy it relates to (anomalous categories)."""


class AudioTaxonomy(_Frozen):
    """Everything the audio writer draws from."""

    anomalous: dict[str, SoundCategory]
    normal: dict[str, SoundCategory]
    places: tuple[str, ...] = Field(min_length=1)
    distances: tuple[str, ...] = Field(min_length=1)
    backgrounds: tuple[str, ...] = Field(min_length=1)
    patterns: tuple[str, ...] = Field(min_length=1)


@lru_cache(maxsize=4)
def load_audio_taxonomy(path: str | Path = TAXONOMY) -> AudioTaxonomy:
    """Load and validate the audio taxonomy YAML."""
    path = Path(path)
    data = load_file(path, "audio taxonomy")
    try:
        return AudioTaxonomy(**data)
    except (ValidationError, TypeError) as exc:
        raise ConfigError(f"invalid audio taxonomy: {exc}", source=path) from exc


def _fill(pattern: str, sound: str, other: str, tax: AudioTaxonomy, rng: random.Random) -> str:
    return pattern.format(
        sound=sound,
        other=other,
        place=rng.choice(tax.places),
        distance=rng.choice(tax.distances),
        background=rng.choice(tax.backgrounds),
    )


def compose_audio(tax: AudioTaxonomy, per_category: int = 120, seed: int = 0) -> list[MemoryEntry]:
    """Candidate captions: ``per_category`` for each anomalous category and as many in all for
    the normal ones (spread evenly), each a pattern filled with one of the category's sounds."""
    rng = random.Random(seed)
    everyday = [s for c in tax.normal.values() for s in c.sounds]
    out = []
    n_normal = -(-per_category * len(tax.anomalous) // max(len(tax.normal), 1))
    for label, cats, n in (
        ("anomalous", tax.anomalous, per_category),
        ("normal", tax.normal, n_normal),
    ):
        for cid, cat in cats.items():
            for _ in range(n):
                sound = rng.choice(cat.sounds)
                other = rng.choice([s for s in everyday if s != sound])
                text = _fill(rng.choice(tax.patterns), sound, other, tax, rng)
                out.append(MemoryEntry(text, label, cid, None, SOURCE))
    return out


CARD = """# Audio captions of the {name} memory (v{version})

{total} unique captions of sounds ({normal} normal, {anomalous} anomalous) in {categories} anomaly
categories ({anomalous_ids}) and {normal_categories} everyday ones ({normal_ids}).

## How they were produced — honestly

Written procedurally by the project (`scripts/generate_audio_memory.py`, module
`zsvad/memory/audio.py`) from the audio taxonomy `zsvad/memory/taxonomy/audio.yaml`, written by
hand from general knowledge of what a surveillance microphone picks up. Normal and anomalous
captions share every pattern, place, distance and background; only the sound differs. Curated
like the caption memory (normalised, label words rejected, exact duplicates dropped, labels
balanced). No benchmark caption was read, copied or paraphrased, and nothing here was tuned:
there is no benchmark audio where zsvad is developed.

An audio-text model (CLAP, `audio.backend`) embeds these captions; each window's audio is
retrieved against them (component `audio`). See docs/audio.md.
"""


def produce_audio_memory(
    out: str | Path, *, name: str, version: str = "1", per_category: int = 120, seed: int = 0
) -> tuple[Path, CurationReport]:
    """Compose, curate and write an audio section to ``out`` (e.g. ``memory/NAME/audio``)."""
    tax = load_audio_taxonomy()
    entries, report = curate(compose_audio(tax, per_category, seed), None, CURATION)
    n_anom = sum(e.label == "anomalous" for e in entries)
    card = CARD.format(
        name=name,
        version=version,
        total=len(entries),
        normal=len(entries) - n_anom,
        anomalous=n_anom,
        categories=len(tax.anomalous),
        anomalous_ids=", ".join(tax.anomalous),
        normal_categories=len(tax.normal),
        normal_ids=", ".join(tax.normal),
    )
    generator = {
        "method": "procedural: written by the project from the audio taxonomy",
        "writer": SOURCE,
        "compose": {"per_category": per_category, "seed": seed},
        "curation": {**asdict(CURATION), "embedder": None, "report": report.summary()},
    }
    path = write_memory(
        out,
        entries,
        name=f"{name}/{SECTION}",
        version=version,
        description=f"{len(entries)} audio captions (procedural)",
        generator=generator,
        card=card,
    )
    return path, report


def audio_section_dir(name: str) -> Path:
    """The audio section folder of memory ``name`` (a name under ``memory/`` or a folder)."""
    base = resolve_memory_dir(name)
    path = base / SECTION
    if not (path / "captions.jsonl").is_file():
        raise InputError(
            f"memory '{name}' has no audio section ({SECTION}/captions.jsonl); set audio.memory "
            "to a memory that has one (e.g. surveillance)",
            source=base,
        )
    return path


def load_audio_memory(name: str) -> Memory:
    """The audio section of memory ``name`` as a :class:`Memory`."""
    return load_memory(str(audio_section_dir(name)))
