"""A fixed-seed split of videos into cross-validation folds, stratified by normal / abnormal."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from zsvad.errors import ConfigError


def split_folds(abnormal: Mapping[str, bool], folds: int, seed: int = 0) -> dict[str, int]:
    """Video id → fold (0 … folds-1). Abnormal and normal videos are each shuffled with
    ``seed`` and dealt round the folds in turn, so every fold holds about the same share of
    each; the split depends only on the ids, their labels, ``folds`` and ``seed``."""
    if folds < 2:
        raise ConfigError(f"--folds {folds}: cross-validation needs at least 2 folds")
    n_abnormal = sum(bool(a) for a in abnormal.values())
    if n_abnormal < folds:
        raise ConfigError(
            f"--folds {folds}: only {n_abnormal} abnormal video(s); every fold needs one"
        )
    rng = np.random.default_rng(seed)
    out: dict[str, int] = {}
    turn = 0
    for label in (True, False):
        ids = sorted(v for v, a in abnormal.items() if bool(a) == label)
        for i in rng.permutation(len(ids)):
            out[ids[i]] = turn % folds
            turn += 1
    return out
