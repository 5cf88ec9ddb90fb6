"""FAISS indexes of a memory, one per label, cached on disk.

The cache key is the memory content hash + embedder backend, model and revision + index type, so
a changed memory or embedder builds a new index. Each ``<label>.faiss`` has a record beside it
(``<label>.faiss.json``: label, memory hash, dimension, vector count, sha256 of the file); a file
that is truncated, garbage, of another dimension, swapped with the other label's or built for
another memory, embedder or index type (the record carries the index's cache key) is rebuilt
with a warning; so is a cache folder whose ``meta.json`` names another. An index directory
given explicitly (``memory.index_path``) is checked against the memory and embedder and refused
on mismatch (rebuilding would overwrite another memory's index). A folder that cannot be
written is a warning: the index is built and used, not kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zsvad.atomic import atomic_path, atomic_write_text
from zsvad.backends.protocols import TextEmbedder
from zsvad.cachefile import cache_write_failed
from zsvad.config.memory import MemoryConfig
from zsvad.errors import ConfigError, ZsvadError
from zsvad.extras import require
from zsvad.hashing import file_hash, stable_hash
from zsvad.ids import file_stem
from zsvad.logs import get_logger
from zsvad.memory.shipped import embed_memory
from zsvad.memory.store import LABELS, Memory
from zsvad.paths import build_lock, cache_dir, read_text_file

log = get_logger(__name__)
META = "meta.json"
SIDECAR = ".faiss.json"
"""Suffix of the record kept beside each ``<label>.faiss``: label, memory hash, dimension,
vector count and sha256 of the file, all checked on load."""
HNSW_M = 16
"""Graph degree of HNSW indexes."""
EF_CONSTRUCTION = 64
"""HNSW build breadth (1M vectors build in a few minutes on 2 cores)."""


@dataclass
class LabelIndex:
    """Index over the captions of one label."""

    label: str
    index: object  # faiss.Index
    entries: list  # list[MemoryEntry], aligned with index ids

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self.entries))
        sims, ids = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return sims, ids


def choose_index_type(cfg: MemoryConfig, size: int) -> str:
    if cfg.index_type != "auto":
        return cfg.index_type
    return "hnsw" if size >= cfg.hnsw_threshold else "flat"


def _meta(
    memory: Memory, embedder: TextEmbedder, index_type: str, label_prefix: dict | None = None
) -> dict:
    info = embedder.info
    meta = {
        "memory": memory.name,
        "memory_hash": memory.content_hash,
        "embedder_backend": info.backend,
        "embedder_model": info.model,
        "embedder_revision": info.revision,
        "dim": embedder.dim,
        "index_type": index_type,
    }
    if label_prefix:
        meta["label_prefix"] = {k: v for k, v in sorted(label_prefix.items()) if v}
    return meta


def cache_key(meta: dict) -> str:
    return stable_hash(meta, 20)


def _new_index(faiss, dim: int, index_type: str):
    if index_type == "flat":
        return faiss.IndexFlatIP(dim)
    if index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = EF_CONSTRUCTION
        index.hnsw.efSearch = 64
        return index
    raise ConfigError(f"unknown index type '{index_type}'")


def build_indexes(
    memory: Memory,
    embedder: TextEmbedder,
    index_type: str,
    directory: Path | None,
    label_prefix: dict | None = None,
    embed_cache: bool = False,
) -> dict[str, LabelIndex]:
    """Embed the memory and build one index per label; save them to ``directory`` if given.

    ``label_prefix`` maps a label to text put before its captions when they are embedded;
    ``embed_cache`` takes the vectors of captions embedded before from the embedding cache.
    """
    faiss = require("faiss", "the memory index")
    label_prefix = label_prefix or {}
    texts = {
        label: [label_prefix.get(label, "") + e.text for e in memory.by_label(label)]
        for label in LABELS
    }
    vectors = embed_memory(memory, embedder, texts, embed_cache)
    out = {}
    for label in LABELS:
        entries = memory.by_label(label)
        vecs = np.ascontiguousarray(vectors[label], dtype=np.float32)
        if vecs.shape != (len(entries), embedder.dim) or not np.isfinite(vecs).all():
            raise ZsvadError(
                f"embedder returned {vecs.shape} or non-finite vectors for the {label} captions "
                f"of memory '{memory.name}'"
            )
        index = _new_index(faiss, embedder.dim, index_type)
        index.add(vecs)
        out[label] = LabelIndex(label, index, entries)
    if directory is not None:
        meta = _meta(memory, embedder, index_type, label_prefix)
        try:
            _save(faiss, out, memory, cache_key(meta), directory)
            atomic_write_text(directory / META, json.dumps(meta, indent=1, sort_keys=True))
        except OSError as exc:  # an unwritable cache: the index is used, not kept
            cache_write_failed(directory / META, exc, "memory index", folder=directory)
    return out


def _save(faiss, out: dict[str, LabelIndex], memory: Memory, made_for: str, directory: Path):
    """Write each label's index and its record (label, memory, the index's cache key, count,
    sha256), atomically."""
    for label, li in out.items():
        with atomic_path(directory / f"{label}.faiss") as tmp:
            faiss.write_index(li.index, str(tmp))
        record = {"label": label, "memory_hash": memory.content_hash, "dim": li.index.d}
        sha = file_hash(directory / f"{label}.faiss")
        record |= {"ntotal": int(li.index.ntotal), "sha256": sha, "made_for": made_for}
        atomic_write_text(directory / f"{label}{SIDECAR}", json.dumps(record, sort_keys=True))


def _check_meta(directory: Path, expected: dict, explicit: bool = True) -> bool:
    """True if ``directory`` holds an index for ``expected``; False if it holds none, or (not
    ``explicit``: a folder of the cache) one made for another memory or embedder, which is
    then rebuilt with a warning. An ``explicit`` folder (``memory.index_path``) made for
    another is refused: rebuilding it would overwrite that other index."""
    meta_path = directory / META
    if not meta_path.is_file():
        return False
    try:
        found = json.loads(read_text_file(meta_path, max_bytes=1 << 16))
    except (ZsvadError, OSError, ValueError, RecursionError):
        return False  # damaged: rebuilt
    if not isinstance(found, dict):
        return False
    diffs = [k for k in expected if found.get(k) != expected[k]]
    if diffs:
        detail = "; ".join(
            f"{k}: index has {found.get(k)!r}, config has {expected[k]!r}" for k in diffs
        )
        if not explicit:
            log.warning("rebuilding the index in %s: made for another run (%s)", directory, detail)
            return False
        raise ConfigError(
            f"cached index was built for another memory or embedder ({detail}); "
            "delete it or drop memory.index_path to rebuild",
            source=meta_path,
        )
    return all((directory / f"{label}.faiss").is_file() for label in LABELS)


def load_indexes(
    memory: Memory,
    embedder: TextEmbedder,
    cfg: MemoryConfig,
    label_prefix: dict | None = None,
) -> dict[str, LabelIndex]:
    """Load the cached indexes of ``memory`` for ``embedder``, building them on first use.

    ``label_prefix`` (``retrieval.label_prefix``) is part of the cache key.
    """
    faiss = require("faiss", "the memory index")
    index_type = choose_index_type(cfg, len(memory.entries))
    expected = _meta(memory, embedder, index_type, label_prefix)
    if cfg.index_path:
        directory = Path(cfg.index_path)
    else:
        root = Path(cfg.index_dir) if cfg.index_dir else cache_dir("index")
        directory = root / f"{file_stem(memory.name)}-{cache_key(expected)}"
    with build_lock(directory):  # processes sharing the cache build it once, the others wait
        out = None
        if _check_meta(directory, expected, explicit=bool(cfg.index_path)):
            try:
                out = _read_indexes(faiss, memory, embedder.dim, directory, cache_key(expected))
            except _Damaged as exc:
                log.warning("rebuilding the index in %s: %s", directory, exc)
        if out is None:
            log.info(
                "building the %s index of memory '%s' (%d captions; first use only) in %s",
                index_type,
                memory.name,
                len(memory.entries),
                directory,
            )
            out = build_indexes(
                memory, embedder, index_type, directory, label_prefix, embed_cache=cfg.embed_cache
            )
    for li in out.values():
        if hasattr(li.index, "hnsw"):
            li.index.hnsw.efSearch = cfg.hnsw_ef_search
    return out


class _Damaged(Exception):
    """A cached index file that cannot be trusted (the message says why)."""


def _read_label(
    faiss, memory: Memory, label: str, dim: int, directory: Path, made_for: str
) -> LabelIndex:
    """One label's index, verified against its sidecar record: the label, memory and index
    (cache key: memory, embedder, index type) it was built for, its vector count and
    dimension, and the sha256 of the file."""
    path = directory / f"{label}.faiss"
    try:
        record = json.loads(read_text_file(directory / f"{label}{SIDECAR}", max_bytes=1 << 16))
        sha = file_hash(path)
    except (ZsvadError, OSError, ValueError, RecursionError) as exc:
        raise _Damaged(f"{label} index or its record is missing or unreadable ({exc})") from exc
    entries = memory.by_label(label)
    expected = {"label": label, "memory_hash": memory.content_hash, "dim": dim}
    expected |= {"ntotal": len(entries), "sha256": sha, "made_for": made_for}
    if not isinstance(record, dict):
        raise _Damaged(f"{label} index record is not a JSON object")
    diffs = [k for k in expected if record.get(k) != expected[k]]
    if diffs:
        what = "label (swapped files?)" if "label" in diffs else ", ".join(diffs)
        if diffs == ["made_for"]:
            what = "made for another memory, embedder or index type"
        raise _Damaged(f"{path.name} does not match its record: {what}")
    try:
        index = faiss.read_index(str(path))
    except Exception as exc:  # faiss raises RuntimeError for unreadable files
        raise _Damaged(f"{path.name} is not a readable FAISS index") from exc
    if index.d != dim or index.ntotal != len(entries):
        raise _Damaged(f"{path.name} holds {index.ntotal} vectors of dimension {index.d}")
    return LabelIndex(label, index, entries)


def _read_indexes(
    faiss, memory: Memory, dim: int, directory: Path, made_for: str
) -> dict[str, LabelIndex]:
    out = {label: _read_label(faiss, memory, label, dim, directory, made_for) for label in LABELS}
    log.debug("loaded index from %s", directory)
    return out
