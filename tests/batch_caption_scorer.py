"""The ``captions`` score function (and its embedding ahead), logging what the worker embeds
(imported by worker processes; tests read the log, ``$ZSVAD_TEST_COUNTER``).

Lines: ``embed PID NAMES`` for every call of the text embedder on captions (NAMES: the files
whose captions it embedded, comma-separated; the tests' captions read ``<file stem>: a man …``),
``score PID NAME`` for every file scored.
"""

from __future__ import annotations

import os
from pathlib import Path

from zsvad.batch.scorers import prefetch_captions_files, score_captions_file
from zsvad.pipeline.core import Pipeline


def _log(line: str) -> None:
    with open(os.environ["ZSVAD_TEST_COUNTER"], "a") as fh:
        fh.write(line + "\n")


def _watch(pipeline: Pipeline) -> None:
    """Log the calls of the pipeline's text embedder from now on (the memory is embedded)."""
    embedder = pipeline.text_embedder
    if getattr(embedder, "watched", False):
        return
    real = embedder.embed_texts

    def embed_texts(texts):
        if texts and all(": a man " in t for t in texts):
            names = sorted({t.split(":")[0] for t in texts})
            _log(f"embed {os.getpid()} {','.join(names)}")
        return real(texts)

    embedder.embed_texts = embed_texts
    embedder.watched = True


def score(pipeline: Pipeline, path: Path, video_id: str):
    _watch(pipeline)
    _log(f"score {os.getpid()} {path.stem}")
    return score_captions_file(pipeline, path, video_id)


def prefetch(pipeline: Pipeline, paths: list[Path], max_texts: int) -> int:
    _watch(pipeline)
    return prefetch_captions_files(pipeline, paths, max_texts)


score.prefetch = prefetch
