"""Checks of a caption memory beyond its schema: duplicates, balance, label words, coverage."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from zsvad.memory.store import Memory

#: words that name the label outright; a caption must describe the scene, not the verdict
LABEL_WORDS = re.compile(
    r"\b(anomal\w*|abnormal\w*|normal|unusual event|suspicious activity)\b", re.IGNORECASE
)


@dataclass
class MemoryReport:
    """Counts of a memory and the problems found in it."""

    counts: dict[str, Counter]
    problems: list[str] = field(default_factory=list)


def check_memory(memory: Memory) -> MemoryReport:
    """Count captions per label / category / scene and list problems (empty list: valid)."""
    entries = memory.entries
    counts = {
        "label": Counter(e.label for e in entries),
        "category": Counter(e.category or "-" for e in entries if e.label == "anomalous"),
        "scene": Counter(e.scene or "-" for e in entries),
    }
    problems = []
    dupes = [t for t, n in Counter(e.text.lower() for e in entries).items() if n > 1]
    if dupes:
        problems.append(f"{len(dupes)} duplicated caption(s), e.g. {dupes[0]!r}")
    named = [e.text for e in entries if LABEL_WORDS.search(e.text)]
    if named:
        problems.append(f"{len(named)} caption(s) name their label, e.g. {named[0]!r}")
    n, a = counts["label"]["normal"], counts["label"]["anomalous"]
    if min(n, a) < 0.5 * max(n, a):
        problems.append(f"labels are unbalanced: {n} normal vs {a} anomalous")
    return MemoryReport(counts, problems)
