"""Curation of candidate captions: normalise, reject, de-duplicate, balance.

Steps, in order (each drop is counted in :class:`CurationReport`):

1. normalise the text (spaces, capital letter, one final full stop), drop empty / too short /
   too long captions;
2. reject captions that name their label outright ("an anomalous scene of…", "nothing unusual
   happens") unless ``allow_label_words``: such wording would let the label leak through style;
3. drop exact duplicates (case-insensitive);
4. drop near duplicates: within each (label, category) bucket, a caption whose embedding has
   cosine ≥ ``near_dup_threshold`` with an earlier kept caption is dropped;
5. balance: at most ``max_per_category`` captions per (label, category), then the larger label
   is cut down to the size of the smaller one (``balance_labels``), keeping categories even.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from zsvad.backends.protocols import TextEmbedder
from zsvad.memory.compose import finish
from zsvad.memory.store import LABELS, MemoryEntry

LABEL_WORDS = re.compile(
    r"\b(anomal\w*|abnormal\w*|unusual (event|activity|scene)|normal (scene|activity|event)|"
    r"nothing (unusual|abnormal|suspicious)|(an?|the) (normal|ordinary) (day|scene)|"
    r"(suspicious|criminal) (activity|event|scene))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CurationSpec:
    """Curation settings (recorded in the manifest)."""

    min_words: int = 4
    max_words: int = 40
    allow_label_words: bool = False
    near_dup_threshold: float = 0.95
    """Cosine similarity from which two captions of one bucket count as duplicates."""
    max_per_category: int | None = None
    balance_labels: bool = True
    seed: int = 0


@dataclass
class CurationReport:
    """What curation kept and dropped."""

    candidates: int = 0
    dropped: Counter = field(default_factory=Counter)
    kept: int = 0

    def summary(self) -> str:
        drops = ", ".join(f"{k} {v}" for k, v in sorted(self.dropped.items())) or "none"
        return f"{self.candidates} candidates -> {self.kept} kept (dropped: {drops})"


def names_label(text: str) -> bool:
    """True if ``text`` states its label ("anomalous", "nothing unusual", …)."""
    return bool(LABEL_WORDS.search(text))


def normalise(entries: list[MemoryEntry], spec: CurationSpec, report: CurationReport):
    """Steps 1-3: normalised, checked, exact duplicates removed."""
    seen: set[str] = set()
    out = []
    for e in entries:
        text = finish(e.text.strip().strip('"')) if e.text.strip() else ""
        n = len(text.split())
        if n < spec.min_words or n > spec.max_words:
            report.dropped["length"] += 1
            continue
        if e.label not in LABELS:
            report.dropped["bad label"] += 1
            continue
        if not spec.allow_label_words and names_label(text):
            report.dropped["names label"] += 1
            continue
        key = text.lower()
        if key in seen:
            report.dropped["exact duplicate"] += 1
            continue
        seen.add(key)
        out.append(MemoryEntry(text, e.label, e.category, e.scene, e.source))
    return out


def near_duplicates(vecs: np.ndarray, threshold: float) -> np.ndarray:
    """Boolean mask of rows to keep: greedy, an earlier row wins over later near copies."""
    n = len(vecs)
    keep = np.ones(n, dtype=bool)
    block = 2048
    for start in range(0, n, block):
        sims = vecs[start : start + block] @ vecs.T
        for r in range(sims.shape[0]):
            i = start + r
            if not keep[i]:
                continue
            dup = np.nonzero(sims[r, i + 1 :] >= threshold)[0] + i + 1
            keep[dup] = False
    return keep


def curate(
    entries: list[MemoryEntry],
    embedder: TextEmbedder | None,
    spec: CurationSpec = CurationSpec(),
) -> tuple[list[MemoryEntry], CurationReport]:
    """Run every curation step; ``embedder`` None skips near-duplicate removal."""
    report = CurationReport(candidates=len(entries))
    kept = normalise(entries, spec, report)
    buckets: dict[tuple, list[MemoryEntry]] = defaultdict(list)
    for e in kept:
        buckets[(e.label, e.category)].append(e)
    if embedder is not None and spec.near_dup_threshold < 1.0:
        vecs = embedder.embed_texts([e.text for e in kept])
        row = {id(e): i for i, e in enumerate(kept)}
        for key, items in buckets.items():
            mask = near_duplicates(vecs[[row[id(e)] for e in items]], spec.near_dup_threshold)
            report.dropped["near duplicate"] += int((~mask).sum())
            buckets[key] = [e for e, k in zip(items, mask) if k]
    rng = random.Random(spec.seed)
    if spec.max_per_category is not None:
        for key, items in buckets.items():
            if len(items) > spec.max_per_category:
                report.dropped["category cap"] += len(items) - spec.max_per_category
                buckets[key] = rng.sample(items, spec.max_per_category)
    if spec.balance_labels:
        _balance_labels(buckets, report, rng)
    out = [e for key in sorted(buckets, key=str) for e in buckets[key]]
    report.kept = len(out)
    return out, report


def _balance_labels(buckets: dict, report: CurationReport, rng: random.Random) -> None:
    """Trim the larger label to the smaller, taking from its biggest categories first."""
    size = {lab: sum(len(v) for k, v in buckets.items() if k[0] == lab) for lab in LABELS}
    if min(size.values()) == 0:
        return
    big = max(size, key=size.__getitem__)
    excess = size[big] - min(size.values())
    keys = [k for k in buckets if k[0] == big]
    while excess > 0:
        largest = max(keys, key=lambda k: len(buckets[k]))
        items = buckets[largest]
        items.pop(rng.randrange(len(items)))
        excess -= 1
        report.dropped["label balance"] += 1
