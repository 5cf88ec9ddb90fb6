"""Per-component calibration knots: put one judge's scores on another's scale without labels.

A log-prob yes/no judge answers P(yes), usually near 0 or 1; a judge that answers a rating
spreads over the scale. ``fusion.calibration`` maps a component through monotone knots before
fusion; :func:`quantile_knots` finds knots that send each quantile of a source's scores to the
same quantile of a reference's (quantile matching: no ground truth is read).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zsvad.errors import InputError


def quantile_knots(
    source: Sequence[float], reference: Sequence[float], points: int = 21
) -> list[tuple[float, float]]:
    """Knots ``[(x, y), …]`` mapping the ``points`` quantiles of ``source`` onto those of
    ``reference`` (x strictly increasing, y non-decreasing, from (0, ·) to (1, ·)); tied
    source quantiles keep the highest reference value, so the map stays monotone."""
    src = np.asarray(source, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    for name, a in (("source", src), ("reference", ref)):
        if a.size < 2 or not np.isfinite(a).all() or a.min() < 0 or a.max() > 1:
            raise InputError(f"{name} scores: need at least two finite values in [0, 1]")
    qs = np.linspace(0.0, 1.0, max(points, 2))
    xs, ys = np.quantile(src, qs), np.quantile(ref, qs)
    knots: dict[float, float] = {}
    for x, y in zip(xs.round(6), ys.round(6)):
        knots[float(x)] = max(knots.get(float(x), 0.0), float(y))
    knots.setdefault(0.0, float(ys[0]))
    knots.setdefault(1.0, float(ys[-1]))
    out, top = [], 0.0
    for x in sorted(knots):
        top = max(top, knots[x])
        out.append((x, top))
    return out
