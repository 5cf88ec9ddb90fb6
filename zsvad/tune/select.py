"""Nested selection: per fold, the setting best on the other folds, judged on that fold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zsvad.tune.figures import Figures, mean_figures


@dataclass
class Selection:
    """Which setting each fold's selection picked, how it did there, and the final choice."""

    metric: str
    picks: list[int]
    """Per fold: index of the setting best (by ``metric``) on the other folds' videos."""
    folds: list[Figures]
    """Per fold: the picked setting's figures on that fold's videos."""
    chosen: int
    """Index of the setting best on all videos: the one written to ``tuned.yaml``."""

    @property
    def cv(self) -> Figures:
        """The honest estimate: mean over folds of the picked setting on the held-out fold."""
        return mean_figures(self.folds)

    def counts(self, n_settings: int) -> list[int]:
        """How many folds picked each setting."""
        return [self.picks.count(i) for i in range(n_settings)]


def _best(scores: Sequence[float]) -> int:
    """Index of the highest score; the earliest one (grid order) on ties."""
    return max(range(len(scores)), key=lambda i: scores[i])


def nested_select(results: Sequence, metric: str = "auc") -> Selection:
    """Select among setting results (each with ``all``, per-fold ``folds`` and ``train``
    :class:`Figures`, as :class:`~zsvad.tune.run.SettingResult` has) by ``metric``."""
    n_folds = len(results[0].folds)
    picks = [_best([r.train[f].get(metric) for r in results]) for f in range(n_folds)]
    return Selection(
        metric=metric,
        picks=picks,
        folds=[results[p].folds[f] for f, p in enumerate(picks)],
        chosen=_best([r.all.get(metric) for r in results]),
    )
