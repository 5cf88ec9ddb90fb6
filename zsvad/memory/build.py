"""Writing a memory directory: compact ``captions.jsonl``, ``manifest.json`` with counts and
content hash, and the ``README.md`` card."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from zsvad.atomic import atomic_write_text
from zsvad.memory.store import MemoryEntry


def captions_jsonl(entries: list[MemoryEntry]) -> str:
    """One compact JSON object a line; ``None`` fields are left out."""
    lines = []
    for e in entries:
        row = {"text": e.text, "label": e.label}
        for key in ("category", "scene", "source"):
            value = getattr(e, key)
            if value is not None:
                row[key] = value
        lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + "\n"


def counts(entries: list[MemoryEntry]) -> dict:
    """Counts per label, per anomaly category, per normal activity and per scene."""
    by_label = Counter(e.label for e in entries)
    return {
        "total": len(entries),
        "unique_texts": len({e.text.lower() for e in entries}),
        "normal": by_label.get("normal", 0),
        "anomalous": by_label.get("anomalous", 0),
        "anomaly_categories": dict(
            sorted(Counter(e.category for e in entries if e.label == "anomalous").items(), key=str)
        ),
        "normal_activities": dict(
            sorted(Counter(e.category for e in entries if e.label == "normal").items(), key=str)
        ),
        "scenes": dict(sorted(Counter(e.scene for e in entries if e.scene).items())),
        "sources": dict(sorted(Counter(e.source for e in entries if e.source).items())),
    }


def write_memory(
    directory: str | Path,
    entries: list[MemoryEntry],
    *,
    name: str,
    version: str,
    description: str,
    generator: dict,
    card: str,
    extra: dict | None = None,
) -> Path:
    """Write ``captions.jsonl``, ``manifest.json`` and ``README.md`` to ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    text = captions_jsonl(entries)
    content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    manifest = {
        "name": name,
        "version": version,
        "description": description,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "content_hash": content_hash,
        "generator": generator,
        "counts": counts(entries),
        **(extra or {}),
    }
    atomic_write_text(directory / "captions.jsonl", text)
    atomic_write_text(directory / "manifest.json", json.dumps(manifest, indent=1) + "\n")
    atomic_write_text(directory / "README.md", card)
    return directory
