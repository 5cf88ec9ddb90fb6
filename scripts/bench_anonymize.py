"""Anonymisation benchmark: time to find and blur the faces of one frame, by frame size.

    PYTHONPATH=. .venv/bin/python scripts/bench_anonymize.py [--repeat 3] [--frontal-only]

Reads a few frames of each sample video in ``../shared/videos`` (176x144 carphone with a face,
440x254 Robbery102, 640x272 bikes, 1280x720 bigbuckbunny) at full resolution and times
``Anonymizer.apply`` (the default ``haar`` detector: frontal plus profile cascades, the profile
one on the mirrored frame too) per frame, best of ``--repeat``; ``--frontal-only`` times the
frontal cascade alone (``privacy.profiles: false``), to show what the profile passes cost.
Prints faces found and ms per frame; a report pays this for each of its keyframes (three per
segment), ``watch`` twice per alert. ``$ZSVAD_SHARED`` overrides where ``shared/`` is.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from zsvad.config.privacy import PrivacyConfig
from zsvad.privacy.anonymize import Anonymizer
from zsvad.video import read_frames

ROOT = Path(__file__).resolve().parents[1]
VIDEOS = Path(os.environ.get("ZSVAD_SHARED", ROOT.parent / "shared")) / "videos"
SAMPLES = {
    "carphone_pristine.mp4": [0, 30, 90],
    "Robbery102_crop.mp4": [1100, 1300, 1500],
    "bikes.mp4": [50, 150, 240],
    "bigbuckbunny.mp4": [10, 60, 120],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--frontal-only", action="store_true")
    args = ap.parse_args()
    anon = Anonymizer(PrivacyConfig(profiles=not args.frontal_only))
    print(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}; best of {args.repeat}")
    print(f"{'video':24} {'size':>9} {'faces':>5} {'ms/frame':>9}")
    for name, frames in SAMPLES.items():
        path = VIDEOS / name
        if not path.is_file():
            print(f"{name:24} missing")
            continue
        images = read_frames(path, frames)
        faces, best = 0, []
        for img in images:
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                _, outcome = anon.apply(img)
                times.append(time.perf_counter() - t)
            faces += outcome.faces
            best.append(min(times))
        h, w = images.shape[1:3]
        print(f"{name:24} {w:>4}x{h:<4} {faces:5d} {1000 * sum(best) / len(best):9.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
