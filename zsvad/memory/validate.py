"""Checks of a memory directory (``zsvad memory validate``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from zsvad.errors import InputError
from zsvad.jsonl import read_json_file
from zsvad.memory.build import counts
from zsvad.memory.curate import names_label
from zsvad.memory.store import LABELS, MAX_MANIFEST_BYTES, read_entries, resolve_memory_dir


@dataclass
class ValidationReport:
    """Counts of a memory and the problems found (empty: valid)."""

    path: str
    counts: dict
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_memory(
    name: str,
    *,
    min_captions: int = 0,
    min_scenes: int = 0,
    min_categories: int = 0,
) -> ValidationReport:
    """Validate schema, manifest (hash, counts), duplicates and label leaks of a memory (a
    name or directory), or schema, duplicates and label leaks of a bare ``.jsonl`` file."""
    if Path(name).is_file():
        return validate_file(Path(name))
    mdir = resolve_memory_dir(name)
    path = mdir / "captions.jsonl"
    entries, raw = read_entries(path)  # raises InputError naming file and line
    c = counts(entries)
    report = ValidationReport(str(mdir), c)
    problems = report.problems
    for label in LABELS:
        if c[label] == 0:
            problems.append(f"{path}: no '{label}' captions")
    if c["unique_texts"] != c["total"]:
        problems.append(f"{path}: {c['total'] - c['unique_texts']} duplicate caption(s)")
    leaks = [e.text for e in entries if names_label(e.text) and e.source != "user"]
    if leaks:
        problems.append(f"{path}: {len(leaks)} caption(s) name their label, e.g. {leaks[0]!r}")
    manifest_path = mdir / "manifest.json"
    manifest = _manifest(manifest_path, problems)
    if manifest is not None:
        digest = hashlib.sha256(raw).hexdigest()[:16]
        if manifest.get("content_hash") not in (None, digest):
            problems.append(
                f"{manifest_path}: content_hash {manifest['content_hash']} does not match "
                f"captions.jsonl ({digest})"
            )
        elif manifest.get("content_hash") is None:
            report.notes.append("manifest has no content_hash")
        declared = manifest.get("counts", {})
        declared = declared if isinstance(declared, dict) else {}
        for key in ("normal", "anomalous", "total"):
            if key in declared and declared[key] != c[key]:
                problems.append(
                    f"{manifest_path}: counts.{key} is {declared[key]}, captions have {c[key]}"
                )
    if not (mdir / "README.md").is_file():
        report.notes.append("no README.md card")
    if c["unique_texts"] < min_captions:
        problems.append(f"{c['unique_texts']} unique captions, fewer than {min_captions}")
    if len(c["scenes"]) < min_scenes:
        problems.append(f"{len(c['scenes'])} scenes, fewer than {min_scenes}")
    if len(c["anomaly_categories"]) < min_categories:
        problems.append(
            f"{len(c['anomaly_categories'])} anomaly categories, fewer than {min_categories}"
        )
    return report


def _manifest(path: Path, problems: list[str]) -> dict | None:
    """The manifest object, or None with the problem recorded (missing, not a regular file,
    malformed, nested too deeply, not an object): never opened when it is a fifo or device."""
    if not path.exists() and not path.is_symlink():
        problems.append(f"{path}: missing")
        return None
    try:
        manifest = read_json_file(path, "manifest", max_bytes=MAX_MANIFEST_BYTES)
    except InputError as exc:
        problems.append(str(exc))
        return None
    if not isinstance(manifest, dict):
        problems.append(f"{path}: expected a JSON object, got {type(manifest).__name__}")
        return None
    return manifest


def validate_file(path: Path, *, extra: bool = False) -> ValidationReport:
    """A bare captions file (memory schema): schema (one-line error naming file and line),
    duplicates, label leaks; ``extra`` (a ``memory.extra_files`` file) may hold one label."""
    entries, _ = read_entries(path)
    c = counts(entries)
    report = ValidationReport(str(path), c)
    if not entries:
        report.problems.append(f"{path}: no captions")
    for label in LABELS:
        if c[label] == 0 and entries and not extra:
            report.problems.append(f"{path}: no '{label}' captions")
    if c["unique_texts"] != c["total"]:
        report.problems.append(f"{path}: {c['total'] - c['unique_texts']} duplicate caption(s)")
    leaks = [e.text for e in entries if names_label(e.text) and e.source != "user"]
    if leaks:
        report.problems.append(
            f"{path}: {len(leaks)} caption(s) name their label, e.g. {leaks[0]!r}"
        )
    return report
