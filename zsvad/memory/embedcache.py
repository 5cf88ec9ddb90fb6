"""A disk cache of text embeddings, so rebuilding an index or re-curating a memory only embeds
the captions that are new.

One file per embedder (backend, model, revision, dim) under ``$ZSVAD_CACHE/embeddings/``: an
``.npz`` with the sha1 of each text and its vector. Writes are atomic (temp file + rename).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from zsvad.backends.protocols import TextEmbedder
from zsvad.paths import cache_dir

log = logging.getLogger(__name__)


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class CachedEmbedder:
    """Wraps a :class:`TextEmbedder`; vectors of texts seen before come from disk."""

    chunk = 4096
    """Texts embedded between two saves."""

    def __init__(self, embedder: TextEmbedder, directory: Path | None = None):
        self.embedder = embedder
        self.info = embedder.info
        self.dim = embedder.dim
        i = embedder.info
        ident = json.dumps([i.backend, i.model, i.revision, embedder.dim])
        name = hashlib.sha256(ident.encode()).hexdigest()[:16]
        self.path = (directory or cache_dir("embeddings")) / f"{name}.npz"
        self._vecs: dict[str, np.ndarray] | None = None
        self.hits = 0
        self.misses = 0

    def _load(self) -> dict[str, np.ndarray]:
        if self._vecs is None:
            self._vecs = {}
            if self.path.is_file():
                try:
                    with np.load(self.path) as z:
                        self._vecs = dict(zip(z["keys"].tolist(), z["vecs"]))
                except (OSError, ValueError, KeyError) as exc:
                    log.warning("ignoring unreadable embedding cache %s: %s", self.path, exc)
        return self._vecs

    def _save(self) -> None:
        vecs = self._load()
        keys = np.array(list(vecs), dtype="U40")
        mat = np.stack(list(vecs.values())) if vecs else np.zeros((0, self.dim), np.float32)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, keys=keys, vecs=mat.astype(np.float32))
        tmp.replace(self.path)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), dim)`` unit vectors; only unseen texts reach the wrapped embedder."""
        vecs = self._load()
        keys = [_key(t) for t in texts]
        todo = list(dict.fromkeys(k for k in keys if k not in vecs))
        self.hits += len(keys) - len(todo)
        self.misses += len(todo)
        first = {k: t for k, t in zip(keys, texts)}
        for start in range(0, len(todo), self.chunk):
            part = todo[start : start + self.chunk]
            new = self.embedder.embed_texts([first[k] for k in part])
            for k, v in zip(part, np.asarray(new, dtype=np.float32)):
                vecs[k] = v
            self._save()  # after every chunk: an interrupted run keeps what it embedded
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, k in enumerate(keys):
            out[i] = vecs[k]
        return out
