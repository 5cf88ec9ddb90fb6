"""A small dev set for tuning tests: captions taken from the starter memory, with ground truth.

Abnormal videos are described by the memory's anomalous captions inside their annotated event
and by normal captions elsewhere; normal videos only by normal captions. With the fake
bag-of-words embedder and the starter memory, retrieval finds the events almost perfectly.
"""

from __future__ import annotations

import json
from pathlib import Path

from zsvad.paths import data_dir

FPS = 10.0
WINDOW_S = 5.0
WINDOWS = 12  # 60 s, 600 frames per video
EVENT = (4, 7)  # windows 4-6 of an abnormal video hold the event: 20-35 s, frames 200-349


def starter_texts() -> dict[str, list[str]]:
    """The starter memory's captions by label."""
    rows = (data_dir("memory") / "starter" / "captions.jsonl").read_text().splitlines()
    out: dict[str, list[str]] = {"normal": [], "anomalous": []}
    for line in rows:
        row = json.loads(line)
        out[row["label"]].append(row["text"])
    return out


def write_dev_set(folder: Path, n_abnormal: int = 6, n_normal: int = 6) -> tuple[Path, Path]:
    """Write ``captions.jsonl`` and a UCF-format ``annotations.txt``; return their paths."""
    texts = starter_texts()
    normal, anomalous = texts["normal"], texts["anomalous"]
    rows, truth, turn = [], [], 0
    for n in range(n_abnormal + n_normal):
        abnormal = n < n_abnormal
        vid = f"Event{n:03d}_x264" if abnormal else f"Normal_Videos_{n:03d}_x264"
        for w in range(WINDOWS):
            in_event = abnormal and EVENT[0] <= w < EVENT[1]
            pool = anomalous if in_event else normal
            text = pool[turn % len(pool)]
            turn += 1
            start = w * WINDOW_S
            rows.append(
                {
                    "video_id": vid,
                    "start": start,
                    "end": start + WINDOW_S,
                    "text": text,
                    "fps": FPS,
                    "num_frames": int(WINDOWS * WINDOW_S * FPS),
                }
            )
        if abnormal:
            a, b = int(EVENT[0] * WINDOW_S * FPS), int(EVENT[1] * WINDOW_S * FPS) - 1
            truth.append(f"{vid}.mp4  Event  {a}  {b}  -1  -1")
        else:
            truth.append(f"{vid}.mp4  Normal  -1  -1  -1  -1")
    folder.mkdir(parents=True, exist_ok=True)
    captions, annotations = folder / "captions.jsonl", folder / "annotations.txt"
    captions.write_text("".join(json.dumps(r) + "\n" for r in rows))
    annotations.write_text("\n".join(truth) + "\n")
    return captions, annotations


def write_swapped_memory(folder: Path) -> Path:
    """The starter memory with its labels swapped: retrieval with it inverts the scores."""
    src = data_dir("memory") / "starter"
    folder.mkdir(parents=True, exist_ok=True)
    swap = {"normal": "anomalous", "anomalous": "normal"}
    lines = []
    for line in (src / "captions.jsonl").read_text().splitlines():
        row = json.loads(line)
        row["label"] = swap[row["label"]]
        lines.append(json.dumps(row))
    (folder / "captions.jsonl").write_text("\n".join(lines) + "\n")
    manifest = json.loads((src / "manifest.json").read_text())
    manifest["name"] = "swapped"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder
