"""A disk cache of text embeddings, so rebuilding an index, re-curating a memory or re-scoring a
captions file only embeds the texts that are new.

One file per embedder (backend, model, revision, dim) and use (``memory`` captions or caption
``queries``) under ``$ZSVAD_CACHE/embeddings/``: an ``.npz`` with the sha1 of each text, its
vector and the embedder it was made for. Writes are atomic (temp file + rename); a file that is
unreadable, made for another embedder, of another dimension or holds non-finite vectors is
ignored with a warning and rebuilt; one that cannot be written is a warning, never an error.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from zsvad.backends.protocols import TextEmbedder
from zsvad.cachefile import write_cache
from zsvad.hashing import stable_hash
from zsvad.logs import get_logger
from zsvad.paths import cache_dir

log = get_logger(__name__)


def text_key(text: str) -> str:
    """The cache key of a text: the sha1 hex digest of its UTF-8 bytes."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class CachedEmbedder:
    """Wraps a :class:`TextEmbedder`; vectors of texts seen before come from disk.

    With ``store_misses=False`` texts that are not cached are embedded but neither kept nor
    saved (the cache stays bounded by what :meth:`warm` put in); ``embed_texts`` then only
    reads the cache.
    """

    chunk = 4096
    """Texts embedded between two saves."""
    step = 512
    """Texts a progress callback is told about at a time."""

    def __init__(
        self,
        embedder: TextEmbedder,
        directory: Path | None = None,
        *,
        use: str = "memory",
        store_misses: bool = True,
        max_entries: int | None = None,
    ):
        self.embedder = embedder
        self.info = embedder.info
        self.dim = embedder.dim
        i = embedder.info
        name = stable_hash([i.backend, i.model, i.revision, embedder.dim], 16)
        self.made_for = f"{stable_hash([i.backend, i.model, i.revision, embedder.dim])}:{use}"
        """What the file's vectors were made for (embedder and use), stored in it and checked."""
        suffix = "" if use == "memory" else f".{use}"
        self.path = (directory or cache_dir("embeddings")) / f"{name}{suffix}.npz"
        self.store_misses = store_misses
        self.max_entries = max_entries  # least recently warmed texts are dropped past it
        self._vecs: dict[str, np.ndarray] | None = None
        self.hits = 0
        self.misses = 0

    def _load(self) -> dict[str, np.ndarray]:
        if self._vecs is None:
            self._vecs = {}
            if self.path.is_file():
                try:
                    with np.load(self.path, allow_pickle=False) as z:
                        keys, vecs = z["keys"], z["vecs"]
                        made_for = str(z["made_for"]) if "made_for" in z.files else None
                    problem = _problem(keys, vecs, self.dim)
                    if problem is None and made_for != self.made_for:
                        problem = "made for another embedder or use (or by an older zsvad)"
                    if problem:
                        raise ValueError(problem)
                    self._vecs = dict(zip(keys.tolist(), vecs))
                except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
                    log.warning("rebuilding embedding cache %s: %s", self.path, exc)
        return self._vecs

    def _save(self) -> None:
        vecs = self._load()
        if self.max_entries is not None and len(vecs) > self.max_entries:
            for k in list(vecs)[: len(vecs) - self.max_entries]:  # oldest first
                del vecs[k]
        keys = np.array(list(vecs), dtype="U40")
        mat = np.stack(list(vecs.values())) if vecs else np.zeros((0, self.dim), np.float32)
        made_for = np.array(self.made_for)

        def write(tmp: Path) -> None:
            np.savez(tmp, keys=keys, vecs=mat.astype(np.float32), made_for=made_for)

        write_cache(self.path, write, "embedding cache", suffix=".tmp.npz")  # savez adds .npz

    def warm(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
        on_total: Callable[[int], None] | None = None,
    ) -> int:
        """Embed (once each) the texts not cached yet, keep and save them; returns how many
        were embedded. ``on_total(n)`` is told first how many will be (distinct, not cached),
        ``progress(n)`` as they are."""
        vecs = self._load()
        todo: dict[str, str] = {}
        for t in texts:
            k = text_key(t)
            if k not in vecs:
                todo.setdefault(k, t)
            elif self.max_entries is not None:
                vecs[k] = vecs.pop(k)  # used again: last to be dropped
        keys = list(todo)
        if on_total is not None:
            on_total(len(keys))
        for start in range(0, len(keys), self.chunk):
            part = keys[start : start + self.chunk]
            for s in range(0, len(part), self.step):
                sub = part[s : s + self.step]
                new = np.asarray(self.embedder.embed_texts([todo[k] for k in sub]), np.float32)
                if new.shape != (len(sub), self.dim) or not np.isfinite(new).all():
                    raise ValueError(f"embedder returned {new.shape} or non-finite vectors")
                vecs.update(zip(sub, new))
                if progress is not None:
                    progress(len(sub))
            self._save()  # after every chunk: an interrupted run keeps what it embedded
        self.misses += len(keys)
        return len(keys)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), dim)`` unit vectors; only unseen texts reach the wrapped embedder."""
        embedded = self.warm(texts) if self.store_misses else 0
        vecs = self._load()
        keys = [text_key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in vecs))
        self.hits += len(keys) - len(missing) - embedded
        fresh: dict[str, np.ndarray] = {}
        if missing:  # only with store_misses=False: embedded for this call, not kept
            first = {k: t for k, t in zip(keys, texts)}
            new = self.embedder.embed_texts([first[k] for k in missing])
            fresh = dict(zip(missing, np.asarray(new, dtype=np.float32)))
            self.misses += len(missing)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, k in enumerate(keys):
            out[i] = vecs[k] if k in vecs else fresh[k]
        return out


def _problem(keys: np.ndarray, vecs: np.ndarray, dim: int) -> str | None:
    """Why a loaded cache cannot be trusted, or None."""
    if vecs.ndim != 2 or vecs.shape[1] != dim:
        return f"vectors of shape {vecs.shape}, expected (n, {dim})"
    if keys.ndim != 1 or len(keys) != len(vecs):
        return f"{len(keys)} keys for {len(vecs)} vectors"
    if keys.dtype.kind != "U" or vecs.dtype.kind != "f":
        return f"keys of type {keys.dtype}, vectors of type {vecs.dtype}"
    if not np.isfinite(vecs).all():
        return "non-finite vectors"
    return None
