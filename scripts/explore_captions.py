"""Scoring ideas for dense machine captions that did NOT become options, measured on the dev
caption sets so that the figures in docs/captions_quality.md can be reproduced.

    PYTHONPATH=. .venv/bin/python scripts/explore_captions.py --dataset ucf_vl3_dev [--only NAME]

Each experiment changes one thing against retrieval with the default config (exact search, the
default memory, Gaussian σ 5 s) and prints frame AUC / AP on all videos and the mean over 5
folds by video (seed 0). Embeddings come from zsvad's caches (the first run embeds).
``supervised_ceiling`` trains a logistic regression on the dev labels, 5-fold by video: a
diagnostic of how much a linear read-out of MiniLM caption embeddings can know, never a method.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zsvad.configure import load_config
from zsvad.eval.annotations import read_annotations
from zsvad.eval.datasets import load_dataset
from zsvad.io.captions import read_captions
from zsvad.memory.embedcache import CachedEmbedder
from zsvad.memory.retrieval import score_neighbours, split_sentences, video_residual
from zsvad.pipeline.core import Pipeline
from zsvad.temporal.frames import intervals_to_frames
from zsvad.temporal.smoothing import gaussian_smooth
from zsvad.tune.folds import split_folds


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)).astype(np.float32)


class Bench:
    """Dev captions, their embeddings, the memory's embeddings and the scoring helpers."""

    def __init__(self, dataset: str):
        spec = load_dataset(dataset)
        self.cfg = load_config()
        pipe = Pipeline(self.cfg)
        self.embed = pipe.query_embedder.embed_texts
        self.mem_embed = CachedEmbedder(pipe.text_embedder).embed_texts
        ann = read_annotations(spec.annotations, spec.format)
        cf = read_captions(spec.captions)
        self.videos = [v for v in cf.videos.values() if v.video_id in ann]
        self.ann = ann
        texts = [c.text for v in self.videos for c in v.captions]
        pipe.prefetch(texts)
        self.Q = self.embed(texts).astype(np.float32)
        self.off = np.cumsum([0] + [len(v.captions) for v in self.videos])
        self.entries = pipe.memory.entries
        self.M = self.mem_embed([e.text for e in self.entries]).astype(np.float32)
        self.lab = np.array([e.label == "anomalous" for e in self.entries])
        fold_of = split_folds({v.video_id: ann[v.video_id].abnormal for v in self.videos}, 5, 0)
        self.folds = [{v for v, f in fold_of.items() if f == k} for k in range(5)]

    def knn(self, Q: np.ndarray, M: np.ndarray, k: int) -> np.ndarray:
        out = np.empty((len(Q), k), np.float32)
        for a in range(0, len(Q), 2048):
            s = Q[a : a + 2048] @ M.T
            top = np.partition(-s, k - 1, axis=1)[:, :k]
            out[a : a + 2048] = -np.sort(top, axis=1)
        return out

    def retrieve(self, Q, M=None, lab=None) -> np.ndarray:
        M, lab = (self.M, self.lab) if M is None else (M, lab)
        k = self.cfg.retrieval.k
        return score_neighbours(self.knn(Q, M[~lab], k), self.knn(Q, M[lab], k), self.cfg.retrieval)

    def per_video(self, s):
        return [s[self.off[i] : self.off[i + 1]] for i in range(len(self.videos))]

    def frames(self, s):
        t = self.cfg.temporal
        out = []
        for v, sv in zip(self.videos, self.per_video(s)):
            f = intervals_to_frames(
                [(c.start, c.end, x) for c, x in zip(v.captions, sv)], v.fps, v.num_frames, t
            )
            out.append(gaussian_smooth(f, t.smoothing_sigma_s, v.fps))
        return out

    def figures(self, frames) -> str:
        from sklearn.metrics import average_precision_score, roc_auc_score

        def fig(keep):
            y = np.concatenate(
                [
                    self.ann[v.video_id].labels(len(f))
                    for v, f in zip(self.videos, frames)
                    if v.video_id in keep
                ]
            )
            s = np.concatenate([f for v, f in zip(self.videos, frames) if v.video_id in keep])
            return 100 * roc_auc_score(y, s), 100 * average_precision_score(y, s)  # fmt: skip

        every = fig({v.video_id for v in self.videos})
        cv = np.mean([fig(set(f)) for f in self.folds], axis=0)
        return f"all {every[0]:.2f} / {every[1]:.2f}   5-fold mean {cv[0]:.2f} / {cv[1]:.2f}"

    def residual(self, Q, share):
        return np.concatenate([video_residual(q, share) for q in self.per_video(Q)])


def baseline(b: Bench):
    return b.retrieve(b.residual(b.Q, b.cfg.retrieval.video_residual))


def no_residual(b: Bench):
    return b.retrieve(b.Q)


def scene_conditioned(b: Bench, m: int = 30, k: int = 10):
    """Neighbours only among memory captions of the query's scene (vote of its top-m)."""
    scenes = sorted({e.scene or "" for e in b.entries})
    sid = np.array([scenes.index(e.scene or "") for e in b.entries])
    out = np.empty(len(b.Q))
    for a in range(0, len(b.Q), 1024):
        S = b.Q[a : a + 1024] @ b.M.T
        top = np.argpartition(-S, m, axis=1)[:, :m]
        for i, row in enumerate(S):
            mask = sid == np.bincount(sid[top[i]]).argmax()
            sn = np.sort(row[mask & ~b.lab])[::-1][:k]
            sa = np.sort(row[mask & b.lab])[::-1][:k]
            out[a + i] = score_neighbours(sn[None], sa[None], b.cfg.retrieval)[0]
    return out


def context_mean(b: Bench, w: float = 2.5):
    """Each caption embedding averaged with its video's captions within ±w seconds."""
    parts = []
    for v, q in zip(b.videos, b.per_video(b.Q)):
        t = np.array([(c.start + c.end) / 2 for c in v.captions])
        parts.append(unit(((np.abs(t[:, None] - t[None]) <= w).astype(np.float32)) @ q))
    return b.retrieve(np.concatenate(parts))


def video_prior(b: Bench, weight: float = 0.5):
    """Window scores plus ``weight`` × the video's 90th-percentile score (a video-level prior)."""
    s = b.retrieve(b.Q)
    return np.concatenate([x + weight * np.quantile(x, 0.9) for x in b.per_video(s)])


def minus_video_median(b: Bench, weight: float = 0.3):
    s = b.retrieve(b.Q)
    return np.concatenate([x - weight * np.median(x) for x in b.per_video(s)])


def sentence_max(b: Bench):
    """Each caption scored by its most anomalous sentence (``retrieval.split_sentences``)."""
    owner, pieces = [], []
    for i, text in enumerate(c.text for v in b.videos for c in v.captions):
        for sentence in split_sentences(text):
            owner.append(i)
            pieces.append(sentence)
    s = b.retrieve(b.embed(pieces).astype(np.float32))
    out = np.full(len(b.Q), -1.0)
    np.maximum.at(out, np.array(owner), s)
    return out


def median_filtered(b: Bench, width: int = 5):
    """Caption scores median-filtered over ``width`` neighbouring captions before smoothing
    (a lone hallucinated caption should not lift the curve)."""
    from scipy.ndimage import median_filter

    return np.concatenate(
        [
            median_filter(x, size=min(width, len(x)), mode="nearest")
            for x in b.per_video(baseline(b))
        ]
    )


def max_filtered(b: Bench, width: int = 3):
    """Caption scores max-filtered over ``width`` neighbouring captions before smoothing."""
    from scipy.ndimage import maximum_filter1d

    return np.concatenate(
        [
            maximum_filter1d(x, size=min(width, len(x)), mode="nearest")
            for x in b.per_video(baseline(b))
        ]
    )


def memory_log_odds(b: Bench, weight: float = 0.3):
    """Rank mix with a lexical score: the caption's largest word log-odds of appearing in an
    anomalous rather than a normal memory caption (counts from the memory only)."""
    import re
    from collections import Counter

    from scipy.stats import rankdata

    words = re.compile(r"[a-z]+")
    count = {True: Counter(), False: Counter()}
    for e, is_anom in zip(b.entries, b.lab):
        count[bool(is_anom)].update(set(words.findall(e.text.lower())))
    na, nn = int(b.lab.sum()), int((~b.lab).sum())

    def odds(w: str) -> float:
        return np.log((count[True][w] + 1) / (na + 2)) - np.log((count[False][w] + 1) / (nn + 2))

    texts = [c.text for v in b.videos for c in v.captions]
    lex = np.array([max([odds(w) for w in set(words.findall(t.lower()))] or [0.0]) for t in texts])
    base = baseline(b)
    return (1 - weight) * rankdata(base) / len(base) + weight * rankdata(lex) / len(lex)


def memory_edited(b: Bench, k: int = 10, agree: float = 0.7):
    """Memory cleaned by Wilson editing: anomalous captions kept only where more than ``agree``
    of their ``k`` nearest memory captions are anomalous too."""
    nearest = np.empty((len(b.M), k), np.int64)
    for a in range(0, len(b.M), 2048):
        nearest[a : a + 2048] = np.argsort(-(b.M[a : a + 2048] @ b.M.T), axis=1)[:, 1 : k + 1]
    keep = ~b.lab | (b.lab[nearest].mean(axis=1) > agree)
    Q = b.residual(b.Q, b.cfg.retrieval.video_residual)
    return b.retrieve(Q, b.M[keep], b.lab[keep])


def video_max_prior(b: Bench, power: float = 0.5):
    """Window scores times the video's highest window score to the ``power`` (a video prior)."""
    return np.concatenate([x * x.max() ** power for x in b.per_video(baseline(b))])


def own_video_reference(b: Bench, share: float = 0.6, apart_s: float = 60.0):
    """The video's own captions at least ``apart_s`` away join the normal neighbours, their
    similarities scaled by ``share`` (what the video shows elsewhere is its normal)."""
    from zsvad.memory.retrieval import score_neighbours as score

    k, rc = b.cfg.retrieval.k, b.cfg.retrieval
    Q = b.residual(b.Q, rc.video_residual)
    sim_n, sim_a = b.knn(Q, b.M[~b.lab], k), b.knn(Q, b.M[b.lab], k)
    out = []
    for i, v in enumerate(b.videos):
        a, z = b.off[i], b.off[i + 1]
        t = np.array([(c.start + c.end) / 2 for c in v.captions])
        own = (Q[a:z] @ Q[a:z].T) * share
        own[np.abs(t[:, None] - t[None]) <= apart_s] = -1
        both = np.concatenate([sim_n[a:z], own], axis=1)
        both = -np.sort(-both, axis=1)[:, :k]
        out.append(score(both, sim_a[a:z], rc))
    return np.concatenate(out)


def caption_labels(b: Bench) -> tuple[np.ndarray, np.ndarray]:
    """Each caption's label (its middle frame's) and video id, for the diagnostics below."""
    y, vid = [], []
    for v in b.videos:
        lab = b.ann[v.video_id].labels(v.num_frames)
        for c in v.captions:
            y.append(lab[min(int((c.start + c.end) / 2 * v.fps), v.num_frames - 1)])
            vid.append(v.video_id)
    return np.array(y, dtype=float), np.array(vid)


def supervised_knn_ceiling(b: Bench, k: int = 100, temperature: float = 0.05):
    """DIAGNOSTIC: each caption scored by the dev labels of its k nearest captions in the other
    4 folds (softmax-weighted, residual 0.5 embeddings); never a method."""
    y, vid = caption_labels(b)
    Q = b.residual(b.Q, b.cfg.retrieval.video_residual)
    out = np.zeros(len(y))
    for fold in b.folds:
        test = np.isin(vid, list(fold))
        train, y_train = Q[~test], y[~test]
        for rows in np.array_split(np.flatnonzero(test), 20):
            S = Q[rows] @ train.T
            top = np.argpartition(-S, k, axis=1)[:, :k]
            w = np.exp(np.take_along_axis(S, top, axis=1) / temperature)
            out[rows] = (w * y_train[top]).sum(axis=1) / w.sum(axis=1)
    return out


def supervised_ceiling(b: Bench):
    """DIAGNOSTIC: logistic regression on the dev labels, trained on 4 folds, scored on the 5th."""
    from sklearn.linear_model import LogisticRegression

    y, vid = caption_labels(b)
    out = np.zeros(len(y))
    for fold in b.folds:
        test = np.isin(vid, list(fold))
        model = LogisticRegression(max_iter=2000, class_weight="balanced")
        out[test] = model.fit(b.Q[~test], y[~test]).predict_proba(b.Q[test])[:, 1]
    return out


EXPERIMENTS = {f.__name__: f for f in (baseline, no_residual, scene_conditioned, context_mean,
               video_prior, minus_video_median, sentence_max, median_filtered, max_filtered,
               memory_log_odds, memory_edited, video_max_prior, own_video_reference,
               supervised_knn_ceiling, supervised_ceiling)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="ucf_vl3_dev")
    ap.add_argument("--only", nargs="*", choices=sorted(EXPERIMENTS))
    args = ap.parse_args()
    b = Bench(args.dataset)
    for name in args.only or EXPERIMENTS:
        t = time.time()
        print(f"{args.dataset} {name:20s} {b.figures(b.frames(EXPERIMENTS[name](b)))}"
              f"  ({time.time() - t:.0f} s)", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
