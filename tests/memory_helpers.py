"""Small caption memories written for tests."""

from __future__ import annotations

import json
from pathlib import Path


def write_memory(path: Path, extra: str = "") -> Path:
    """A memory folder at ``path``: one normal and one anomalous caption, plus ``extra`` as a
    second anomalous one when given."""
    path.mkdir(exist_ok=True)
    rows = [
        {"text": "people walk in the park", "label": "normal"},
        {"text": "a man fights a guard", "label": "anomalous"},
    ]
    if extra:
        rows.append({"text": extra, "label": "anomalous"})
    (path / "captions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
