"""Fold split and nested selection of zsvad tune (no scoring involved)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest

from zsvad.errors import ConfigError
from zsvad.tune import Figures, nested_select, split_folds


def _labels(n_abnormal=7, n_normal=9):
    out = {f"Abn{i:02d}": True for i in range(n_abnormal)}
    out |= {f"Norm{i:02d}": False for i in range(n_normal)}
    return out


def test_split_is_by_video_deterministic_and_stratified():
    labels = _labels()
    split = split_folds(labels, 3, seed=0)
    assert set(split) == set(labels) and set(split.values()) == {0, 1, 2}
    assert split_folds(dict(reversed(list(labels.items()))), 3, seed=0) == split  # order-free
    abnormal = Counter(split[v] for v, a in labels.items() if a)
    normal = Counter(split[v] for v, a in labels.items() if not a)
    assert max(abnormal.values()) - min(abnormal.values()) <= 1
    assert max(normal.values()) - min(normal.values()) <= 1
    sizes = Counter(split.values())
    assert max(sizes.values()) - min(sizes.values()) <= 1


def test_seed_changes_the_split():
    labels = _labels(20, 20)
    splits = {tuple(sorted(split_folds(labels, 5, seed=s).items())) for s in range(4)}
    assert len(splits) == 4


def test_too_few_abnormal_videos_for_the_folds():
    with pytest.raises(ConfigError, match="--folds 5: only 3 abnormal"):
        split_folds(_labels(3, 10), 5)
    with pytest.raises(ConfigError, match="at least 2 folds"):
        split_folds(_labels(), 1)


@dataclass
class Fake:
    """What nested selection reads of a setting result."""

    all: Figures
    folds: list[Figures]
    train: list[Figures]


def F(auc, ap=0.0):
    return Figures(auc, ap)


def test_nested_selection_picks_by_the_other_folds():
    # setting 0 is best on the training side of folds 0 and 1, setting 2 on that of fold 2;
    # on the held-out folds themselves setting 1 would always win: picking by the held-out
    # figure (the leak nested selection avoids) would choose it everywhere
    results = [
        Fake(F(80), folds=[F(70, 10), F(71, 11), F(60, 12)], train=[F(90), F(90), F(50)]),
        Fake(F(85), folds=[F(99, 20), F(99, 21), F(99, 22)], train=[F(60), F(60), F(60)]),
        Fake(F(70), folds=[F(50, 30), F(51, 31), F(65, 32)], train=[F(80), F(80), F(95)]),
    ]
    sel = nested_select(results, "auc")
    assert sel.picks == [0, 0, 2]
    assert sel.folds == [F(70, 10), F(71, 11), F(65, 32)]
    assert sel.cv == Figures((70 + 71 + 65) / 3, (10 + 11 + 32) / 3)
    assert sel.counts(3) == [2, 0, 1]
    assert sel.chosen == 1  # best on all videos: the one tuned.yaml gets


def test_selection_by_ap_and_ties_go_to_the_first_setting():
    results = [
        Fake(F(50, 40), folds=[F(1, 1), F(2, 2)], train=[F(90, 10), F(90, 30)]),
        Fake(F(90, 40), folds=[F(3, 3), F(4, 4)], train=[F(10, 20), F(10, 30)]),
    ]
    sel = nested_select(results, "ap")
    assert sel.picks == [1, 0] and sel.chosen == 0
