"""The caption memory format and its loader.

A memory is a directory ``memory/<name>/`` holding

- ``captions.jsonl``: one caption a line, ``{"text", "label", "category", "scene", "source"}``
  with ``label`` in {normal, anomalous}; ``category`` is the anomaly type for anomalous captions
  and the activity kind for normal ones; ``source`` says how the caption was produced
  (e.g. ``template:v1``, ``llm:<model>``, ``user``);
- ``manifest.json``: ``{"name", "version", "description", "generator", "counts", ...}``;
- ``README.md``: the card saying honestly how the memory was produced.

The content hash covers the captions of the memory and of any user ``extra_files``, so the index
cache is rebuilt whenever any of them changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from zsvad.errors import ConfigError, InputError
from zsvad.jsonl import parse_line, read_json_file
from zsvad.paths import data_dir, open_regular

LABELS = ("normal", "anomalous")
MAX_MANIFEST_BYTES = 1 << 20
"""Largest ``manifest.json`` read."""


@dataclass(frozen=True)
class MemoryEntry:
    """One memory caption."""

    text: str
    label: str
    category: str | None = None
    scene: str | None = None
    source: str | None = None


@dataclass
class Memory:
    """A loaded memory: entries plus identity (name, version, content hash)."""

    name: str
    version: str
    entries: list[MemoryEntry]
    content_hash: str
    manifest: dict = field(default_factory=dict)
    path: Path | None = None

    def texts(self, label: str) -> list[str]:
        return [e.text for e in self.entries if e.label == label]

    def by_label(self, label: str) -> list[MemoryEntry]:
        return [e for e in self.entries if e.label == label]


def memory_root() -> Path:
    """Directory of the bundled memories."""
    return data_dir("memory")


def list_memories() -> list[str]:
    """Names of the bundled memories."""
    root = memory_root()
    return sorted(p.name for p in root.iterdir() if (p / "captions.jsonl").is_file())


def resolve_memory_dir(name: str) -> Path:
    """A memory name under ``memory/`` or a path to a memory directory."""
    shown = name if len(name) <= 80 else name[:80] + "..."
    try:
        path = Path(name)
        if not path.is_dir():
            path = memory_root() / name
        found = (path / "captions.jsonl").is_file()
    except (OSError, ValueError) as exc:  # e.g. "File name too long", NUL
        raise ConfigError(
            f"memory.name '{shown}' is not a usable memory name or folder "
            f"({getattr(exc, 'strerror', None) or exc})"
        ) from exc
    if not found:
        known = ", ".join(list_memories()) or "none"
        raise InputError(
            f"no memory named '{shown}' (no captions.jsonl); bundled: {known}",
            source=path if len(str(path)) <= 200 else None,
        )
    return path


def read_entries(path: Path) -> tuple[list[MemoryEntry], bytes]:
    """Read and validate a memory captions file; return entries and its raw bytes."""
    try:
        with open_regular(path, "memory captions") as fh:
            raw = fh.read()
    except OSError as exc:
        raise InputError(
            f"cannot read memory captions: {exc.strerror or exc}", source=path
        ) from exc
    entries = []
    for lineno, line in enumerate(raw.split(b"\n"), start=1):  # not splitlines: U+2028
        if not line.strip():
            continue
        obj = parse_line(line, path, lineno)
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise InputError("each line needs a string 'text'", source=path, line=lineno)
        if not obj["text"].strip():
            raise InputError("empty caption text", source=path, line=lineno)
        if obj.get("label") not in LABELS:
            raise InputError(
                f"label must be one of {LABELS}, got {obj.get('label')!r}", source=path, line=lineno
            )
        unknown = set(obj) - {"text", "label", "category", "scene", "source"}
        if unknown:
            raise InputError(f"unknown field(s) {sorted(unknown)}", source=path, line=lineno)
        entries.append(
            MemoryEntry(
                obj["text"].strip(),
                obj["label"],
                obj.get("category"),
                obj.get("scene"),
                obj.get("source"),
            )
        )
    return entries, raw


def expand_categories(names: list[str] | tuple[str, ...]) -> set[str]:
    """Category names with ``@source`` (``@ucf``, ``@xd``) expanded to the taxonomy categories
    whose ``sources`` include it."""
    out = {n for n in names if not n.startswith("@")}
    sources = {n[1:] for n in names if n.startswith("@")}
    if sources:
        from zsvad.memory.taxonomy import load_taxonomy

        tax = load_taxonomy()
        known = {s for c in tax.categories for s in c.sources}
        if sources - known:
            raise ConfigError(
                f"memory.categories: unknown source @{sorted(sources - known)[0]} "
                f"(taxonomy sources: {', '.join('@' + s for s in sorted(known))})"
            )
        out |= {c.id for c in tax.categories if sources & set(c.sources)}
    return out


def keep_categories(entries: list[MemoryEntry], names, source: Path) -> list[MemoryEntry]:
    """Normal entries and the anomalous ones of the categories ``names`` (see
    :func:`expand_categories`); a plain name no anomalous entry has is an error."""
    wanted = expand_categories(names)
    present = {e.category for e in entries if e.label == "anomalous"}
    plain = {n for n in names if not n.startswith("@")}
    if plain - present:
        raise ConfigError(
            f"memory.categories: '{sorted(plain - present)[0]}' is not a category of this memory",
            source=source,
        )
    return [e for e in entries if e.label == "normal" or e.category in wanted]


def load_memory(name: str, extra_files: list[str] | tuple[str, ...] = (), categories=()) -> Memory:
    """Load a memory, append the user's ``extra_files`` and keep only the anomalous
    ``categories`` when given (see :func:`keep_categories`)."""
    mdir = resolve_memory_dir(name)
    entries, raw = read_entries(mdir / "captions.jsonl")
    digest = hashlib.sha256(raw)
    manifest_path = mdir / "manifest.json"
    manifest: dict = {}
    if manifest_path.exists():  # a fifo or folder there is refused, never opened
        manifest = read_json_file(manifest_path, "manifest", max_bytes=MAX_MANIFEST_BYTES)
        if not isinstance(manifest, dict):
            raise InputError("malformed manifest (not a JSON object)", source=manifest_path)
    for extra in extra_files:
        try:
            extra_entries, extra_raw = read_entries(Path(extra))
        except InputError as exc:  # a config problem: stop the run, not fail every video
            raise ConfigError(f"memory.extra_files: {exc}") from exc
        for e in extra_entries:
            entries.append(
                e if e.source else MemoryEntry(e.text, e.label, e.category, e.scene, "user")
            )
        digest.update(b"\0extra\0" + extra_raw)
    if categories:
        entries = keep_categories(entries, categories, mdir / "captions.jsonl")
        digest.update(b"\0categories\0" + "\0".join(sorted(categories)).encode())
    for label in LABELS:
        if not any(e.label == label for e in entries):
            raise InputError(f"memory has no '{label}' captions", source=mdir / "captions.jsonl")
    return Memory(
        name=manifest.get("name", mdir.name),
        version=str(manifest.get("version", "0")),
        entries=entries,
        content_hash=digest.hexdigest()[:16],
        manifest=manifest,
        path=mdir,
    )
