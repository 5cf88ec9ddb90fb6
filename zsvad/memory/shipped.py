"""Embeddings shipped with a bundled memory, so its first index build embeds nothing.

``<memory>/vectors/<name>.npz`` holds, for one embedder, the sha1 of each caption text
(``keys``), its vector in float16 (``vecs``) and a JSON ``meta``: embedder backend, model,
revision and dim, and ``sha256`` of the keys and vectors. A file is used only when its embedder
matches, its hash matches its content and a few of its vectors agree with the live embedder; a
caption whose text is not in the file (a changed or extended memory) is embedded as usual, so a
stale file costs time, never correctness.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from zsvad.backends.protocols import TextEmbedder
from zsvad.logs import get_logger
from zsvad.memory.embedcache import text_key

log = get_logger(__name__)
SPOT_CHECK = 4
"""Vectors of a shipped file re-embedded live before it is trusted."""
MIN_COSINE = 0.995
"""Agreement a spot-checked vector needs (float16 storage loses ~1e-4)."""


def embedder_meta(embedder: TextEmbedder) -> dict:
    i = embedder.info
    return {"backend": i.backend, "model": i.model, "revision": i.revision, "dim": embedder.dim}


def content_hash(keys: np.ndarray, vecs: np.ndarray) -> str:
    h = hashlib.sha256(np.ascontiguousarray(keys).tobytes())
    h.update(np.ascontiguousarray(vecs).tobytes())
    return h.hexdigest()


def write_vectors(path: Path, texts: Sequence[str], vecs: np.ndarray, embedder: TextEmbedder):
    """Write the float16 vectors of ``texts`` for ``embedder`` to ``path`` (an ``.npz``)."""
    keys = np.array([text_key(t) for t in texts], dtype="S40")
    half = np.asarray(vecs, dtype=np.float16)
    meta = {**embedder_meta(embedder), "count": len(keys), "sha256": content_hash(keys, half)}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, keys=keys, vecs=half, meta=np.array(json.dumps(meta, sort_keys=True)))
    return path


def _read(path: Path, expected: dict) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if any(meta.get(k) != v for k, v in expected.items()):
                return None  # another embedder's file
            keys, vecs = z["keys"], z["vecs"]
    except (OSError, ValueError, KeyError, EOFError) as exc:
        log.warning("ignoring shipped vectors %s: %s", path, exc)
        return None
    if content_hash(keys, vecs) != meta.get("sha256") or vecs.shape != (len(keys), expected["dim"]):
        log.warning("ignoring shipped vectors %s: content does not match its hash", path)
        return None
    return keys, vecs


def shipped_vectors(memory_dir: Path | None, embedder: TextEmbedder) -> dict[bytes, np.ndarray]:
    """The vectors shipped in ``memory_dir/vectors`` for ``embedder`` (sha1 of text -> unit
    float32 vector), or an empty dict when none match."""
    if memory_dir is None or not (memory_dir / "vectors").is_dir():
        return {}
    expected = embedder_meta(embedder)
    for path in sorted((memory_dir / "vectors").glob("*.npz")):
        found = _read(path, expected)
        if found is not None:
            keys, vecs = found
            vecs = vecs.astype(np.float32)
            vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
            return dict(zip(keys.tolist(), vecs))
    return {}


def agrees(shipped: dict[bytes, np.ndarray], texts: Sequence[str], embedder: TextEmbedder) -> bool:
    """True when the live embedder gives (nearly) the shipped vector for a few of ``texts``."""
    sample = [t for t in texts if text_key(t).encode() in shipped][:SPOT_CHECK]
    if not sample:
        return False
    live = np.asarray(embedder.embed_texts(sample), dtype=np.float32)
    ref = np.stack([shipped[text_key(t).encode()] for t in sample])
    cos = (live * ref).sum(axis=1) / np.maximum(np.linalg.norm(live, axis=1), 1e-12)
    if cos.min() < MIN_COSINE:
        log.warning(
            "shipped vectors disagree with the embedder (cosine %.4f); embedding the memory",
            cos.min(),
        )
        return False
    return True


def embed_memory(
    memory, embedder: TextEmbedder, texts: dict[str, list[str]], embed_cache: bool
) -> dict[str, np.ndarray]:
    """Vectors of ``texts`` (per label): shipped ones where they match, the rest embedded
    (through the embedding cache when ``embed_cache``) under a progress bar of its own."""
    from zsvad.memory.embedcache import CachedEmbedder
    from zsvad.progress import bar as progress_bar

    every = [t for ts in texts.values() for t in ts]
    shipped = shipped_vectors(memory.path, embedder)
    if shipped and not agrees(shipped, every, embedder):
        shipped = {}
    todo = list(dict.fromkeys(t for t in every if text_key(t).encode() not in shipped))
    if shipped:
        log.info("using %d shipped memory vectors", len(every) - len(todo))
    fresh: dict[str, np.ndarray] = {}
    if todo:
        cached = CachedEmbedder(embedder) if embed_cache else None
        with progress_bar(
            len(todo),
            f"embedding memory '{memory.name}' (first use only)",
            "caption",
            quiet=not log.isEnabledFor(logging.INFO),
        ) as bar:
            if cached is not None:
                cached.warm(todo, bar.update)
                vecs = cached.embed_texts(todo)
            else:
                step = CachedEmbedder.step
                parts = []
                for s in range(0, len(todo), step):
                    parts.append(np.asarray(embedder.embed_texts(todo[s : s + step]), np.float32))
                    bar.update(len(parts[-1]))
                vecs = np.concatenate(parts)
        fresh = dict(zip(todo, vecs))
    out = {}
    for label, ts in texts.items():
        rows = [fresh[t] if t in fresh else shipped[text_key(t).encode()] for t in ts]
        out[label] = np.stack(rows).astype(np.float32) if rows else np.zeros((0, embedder.dim))
    return out
