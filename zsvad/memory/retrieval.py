"""Score query embeddings by their top-k neighbours in the normal and anomalous memory."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

import numpy as np

from zsvad.config.memory import RetrievalConfig
from zsvad.errors import ZsvadError
from zsvad.memory.index import LabelIndex
from zsvad.results.schema import Evidence

_SENTENCE = re.compile(r"(?<=[.!?;])\s+")


def split_sentences(text: str) -> list[str]:
    """Split a caption into sentences (at least one: the stripped text)."""
    parts = [p.strip() for p in _SENTENCE.split(text.strip())]
    parts = [p for p in parts if len(p.split()) >= 2]
    return parts or [text.strip()]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def score_neighbours(sim_n: np.ndarray, sim_a: np.ndarray, cfg: RetrievalConfig) -> np.ndarray:
    """Anomaly score in [0, 1] per query from its normal / anomalous top-k similarities.

    ``sim_n`` and ``sim_a`` are ``(q, k)`` arrays sorted descending; ``sim_a`` is scaled by
    ``cfg.alpha`` first (scaled anomaly penalisation).
    """
    t = cfg.temperature
    sim_a = sim_a * cfg.alpha
    if cfg.rule == "max_margin":
        return _sigmoid((sim_a[:, 0] - sim_n[:, 0]) / t)
    if cfg.rule == "mean_margin":
        return _sigmoid((sim_a.mean(axis=1) - sim_n.mean(axis=1)) / t)
    both = np.concatenate([sim_a, sim_n], axis=1)
    is_anom = np.concatenate([np.ones_like(sim_a), np.zeros_like(sim_n)], axis=1)
    if cfg.rule == "vote":
        k = min(cfg.k, both.shape[1])
        top = np.argsort(-both, axis=1)[:, :k]
        return np.take_along_axis(is_anom, top, axis=1).mean(axis=1)
    if cfg.rule == "union_softmax":
        k = min(cfg.k, both.shape[1])
        top = np.argsort(-both, axis=1)[:, :k]
        both = np.take_along_axis(both, top, axis=1)
        is_anom = np.take_along_axis(is_anom, top, axis=1)
    if cfg.rule in ("softmax_vote", "union_softmax"):
        z = (both - both.max(axis=1, keepdims=True)) / t
        w = np.exp(z)
        return (w * is_anom).sum(axis=1) / w.sum(axis=1)
    raise ValueError(f"unknown retrieval rule {cfg.rule!r}")


def _found_only(sim_n, id_n, sim_a, id_a) -> tuple[np.ndarray, np.ndarray]:
    """Similarities with the slots an index left empty (id -1, e.g. a damaged HNSW graph) set to
    the lowest similarity found, so that a label without neighbours never scores 0 or 1."""
    found = np.concatenate([sim_n[id_n >= 0], sim_a[id_a >= 0]])
    found = found[np.isfinite(found)]
    if (id_n < 0).all(axis=1).any() or (id_a < 0).all(axis=1).any() or not found.size:
        raise ZsvadError("the memory index returned no neighbours for a query (damaged index?)")
    low = np.float32(found.min())
    clean = [np.where((i >= 0) & np.isfinite(s), s, low) for s, i in ((sim_n, id_n), (sim_a, id_a))]
    return clean[0], clean[1]


def video_residual(vecs: np.ndarray, share: float) -> np.ndarray:
    """Unit vectors minus ``share`` of their mean, renormalised (unchanged for ``share`` 0 or a
    single vector): what all captions of one video have in common is taken out."""
    if share <= 0 or len(vecs) < 2:
        return vecs
    out = vecs - share * vecs.mean(axis=0, keepdims=True)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return (out / np.maximum(norms, 1e-12)).astype(np.float32)


@dataclass
class RetrievalScore:
    """Retrieval result of one caption."""

    score: float
    evidence: list[Evidence]
    sentence: str
    """The sentence that gave the score (the whole caption without sentence splitting)."""
    vector: np.ndarray | None = None
    """The query's unit vector as scored (a caption split into sentences: the normalised mean
    of its sentences'); event boundaries reuse it instead of embedding again."""


class Retriever:
    """Scores texts (via a text embedder) or embeddings against label indexes."""

    def __init__(
        self, indexes: dict[str, LabelIndex], cfg: RetrievalConfig, searches: dict | None = None
    ):
        self.indexes = indexes
        self.cfg = cfg
        self.searches = searches
        """Optional memo of neighbour searches by (k, queries), shared by retrievers over the
        same indexes (a tuning grid sets it: rule, temperature or alpha then search nothing)."""

    def search(self, queries: np.ndarray) -> tuple[np.ndarray, ...]:
        """``sim_n, id_n, sim_a, id_a``: the top-``k`` normal and anomalous neighbours."""
        key = None
        if self.searches is not None:
            digest = hashlib.sha1(np.ascontiguousarray(queries, np.float32).tobytes()).hexdigest()
            key = (self.cfg.k, queries.shape, digest)
            if key in self.searches:
                return self.searches[key]
        found = (
            *self.indexes["normal"].search(queries, self.cfg.k),
            *self.indexes["anomalous"].search(queries, self.cfg.k),
        )
        if key is not None:
            self.searches[key] = found
        return found

    def score_embeddings(
        self, queries: np.ndarray, texts: list[str | None] | None = None
    ) -> list[RetrievalScore]:
        """Score ``(q, dim)`` unit vectors; ``texts`` (optional) label the evidence."""
        queries = np.asarray(queries, dtype=np.float32)
        if not np.isfinite(queries).all():
            bad = int((~np.isfinite(queries).all(axis=1)).sum())
            raise ZsvadError(f"{bad} query vector(s) hold NaN or infinite values; not scored")
        sim_n, id_n, sim_a, id_a = self.search(queries)
        scores = score_neighbours(*_found_only(sim_n, id_n, sim_a, id_a), self.cfg)
        out = []
        for q in range(len(queries)):
            cands = [(float(s), "anomalous", int(i)) for s, i in zip(sim_a[q], id_a[q]) if i >= 0]
            cands += [(float(s), "normal", int(i)) for s, i in zip(sim_n[q], id_n[q]) if i >= 0]
            cands.sort(key=lambda c: -c[0])
            query = texts[q] if texts else None
            evidence = []
            for sim, label, idx in cands[: self.cfg.evidence_k]:
                e = self.indexes[label].entries[idx]
                evidence.append(
                    Evidence(
                        text=e.text,
                        label=label,
                        similarity=round(sim, 4),
                        category=e.category,
                        scene=e.scene,
                        query=query,
                    )
                )
            out.append(RetrievalScore(float(scores[q]), evidence, query or "", queries[q]))
        return out

    def _embed(self, texts: list[str], embedder, residual=None) -> np.ndarray:
        prefix = self.cfg.query_prefix
        vecs = embedder.embed_texts([prefix + t for t in texts] if prefix else texts)
        if residual is not None:
            return residual(vecs)
        return video_residual(vecs, self.cfg.video_residual)

    def query_pieces(self, texts: list[str]) -> tuple[list[int], list[str]]:
        """The pieces a caption is scored by (itself, or its sentences) and their owners."""
        if not self.cfg.split_sentences:
            return list(range(len(texts))), list(texts)
        owner, pieces = [], []
        for i, text in enumerate(texts):
            for sentence in split_sentences(text):
                owner.append(i)
                pieces.append(sentence)
        return owner, pieces

    def query_texts(self, texts: list[str]) -> list[str]:
        """Exactly the strings :meth:`score_texts` hands the embedder for ``texts``."""
        prefix = self.cfg.query_prefix
        pieces = self.query_pieces(texts)[1]
        return [prefix + t for t in pieces] if prefix else pieces

    def score_texts(self, texts: list[str], embedder, residual=None) -> list[RetrievalScore]:
        """Score the captions of one video; with ``split_sentences`` each keeps its most
        anomalous sentence, with ``video_residual`` the video's shared part is removed first.
        ``residual`` (live mode) replaces that step: a function of the query vectors (in
        order) returning them with a shared part removed (the camera's captions so far)."""
        if not self.cfg.split_sentences:
            return self.score_embeddings(self._embed(texts, embedder, residual), list(texts))
        owner, pieces = self.query_pieces(texts)
        vecs = self._embed(pieces, embedder, residual)
        scored = self.score_embeddings(vecs, pieces)
        best: dict[int, RetrievalScore] = {}
        for i, s in zip(owner, scored):
            if i not in best or s.score > best[i].score:
                best[i] = s
        sums = np.zeros((len(texts), vecs.shape[1]), dtype=np.float64)
        np.add.at(sums, np.asarray(owner), vecs)
        sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        return [replace(best[i], vector=sums[i].astype(np.float32)) for i in range(len(texts))]
