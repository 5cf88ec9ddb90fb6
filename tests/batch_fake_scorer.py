"""A scorer for batch tests whose behaviour is written in each input file (imported by workers).

The file holds one command: ``ok SECONDS`` (a video of that length), ``bad`` (InputError),
``raise`` (model error), ``crash`` (the worker process dies), ``hang`` (sleeps: soft timeout),
``hang-native`` (sleeps with SIGALRM blocked: only a hard kill ends it), ``hang-swallow`` (a
stage that retries on ``OSError`` / ``Exception``, as decoders and HTTP clients do), ``config``
(ConfigError: fatal). ``sleep=S`` anywhere adds a delay. Every computed file is logged to
``$ZSVAD_TEST_COUNTER`` as ``path pid embedder-id``.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from zsvad.errors import ConfigError, InputError
from zsvad.pipeline.core import Pipeline, WindowInput


def score(pipeline: Pipeline, path: Path, video_id: str):
    words = path.read_text().split()
    if not words:
        raise InputError("empty file", source=path)
    for w in words:
        if w.startswith("sleep="):
            time.sleep(float(w.split("=")[1]))
    counter = os.environ.get("ZSVAD_TEST_COUNTER")
    if counter:
        with open(counter, "a") as fh:
            fh.write(f"{path.name} {os.getpid()} {id(pipeline.text_embedder)}\n")
    cmd = words[0]
    if cmd == "bad":
        raise InputError("cannot decode", source=path)
    if cmd == "raise":
        raise RuntimeError("model exploded")
    if cmd == "crash":
        os._exit(3)
    if cmd == "config":
        raise ConfigError("no vision model configured")
    if cmd == "hang":
        time.sleep(60)
    if cmd == "hang-swallow":
        end = time.monotonic() + 20
        while time.monotonic() < end:
            try:
                time.sleep(60)
            except Exception:  # what a retrying stage does
                continue
    if cmd == "hang-native":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)
    seconds = float(words[1]) if len(words) > 1 else 4.0
    fps = 10.0
    n = int(seconds * fps)
    half = seconds / 2
    windows = [
        WindowInput(0.0, half, "People walk in the park."),
        WindowInput(half, seconds, f"A man punches another man near {path.stem}."),
    ]
    return pipeline.score_windows(video_id, fps, n, windows, source=str(path))
