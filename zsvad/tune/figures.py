"""Frame AUC / AP of one setting on all videos and per cross-validation fold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from zsvad.eval.annotations import Annotation
from zsvad.eval.metrics import evaluate
from zsvad.results.schema import VideoResult


@dataclass(frozen=True)
class Figures:
    """Frame ROC-AUC and AP (percent) of a set of videos (frames concatenated)."""

    auc: float
    ap: float

    def get(self, metric: str) -> float:
        """The figure named ``auc`` or ``ap``."""
        return getattr(self, metric)


def mean_figures(items: Iterable[Figures]) -> Figures:
    items = list(items)
    return Figures(sum(f.auc for f in items) / len(items), sum(f.ap for f in items) / len(items))


def _figures(annotations: dict[str, Annotation], results: list[VideoResult]) -> Figures:
    report = evaluate(annotations, results)
    return Figures(report.auc, report.ap)


def fold_figures(
    annotations: dict[str, Annotation], results: list[VideoResult], fold_of: dict[str, int]
) -> tuple[Figures, list[Figures], list[Figures]]:
    """Figures on all ``results``, on each fold's videos, and on the other folds' videos."""
    n = max(fold_of.values()) + 1
    test = [[r for r in results if fold_of[r.video_id] == f] for f in range(n)]
    train = [[r for r in results if fold_of[r.video_id] != f] for f in range(n)]
    return (
        _figures(annotations, results),
        [_figures(annotations, t) for t in test],
        [_figures(annotations, t) for t in train],
    )
