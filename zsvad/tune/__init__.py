"""Cross-validated grid search of pipeline settings on a captions set with ground truth.

    from zsvad.tune import TuneData, parse_grid, expand_grid, tune
    settings = expand_grid(parse_grid(["retrieval.k=10,100"]), overrides=["memory.name=starter"])
    report = tune(TuneData.from_files("captions.jsonl", "ann.txt"), settings, folds=5, seed=0)

``zsvad tune`` is the command over it (docs/tune.md).
"""

from zsvad.tune.data import TuneData
from zsvad.tune.figures import Figures
from zsvad.tune.folds import split_folds
from zsvad.tune.grid import Setting, expand_grid, parse_grid
from zsvad.tune.run import SettingResult, TuneReport, tune
from zsvad.tune.select import Selection, nested_select

__all__ = [
    "Figures",
    "Selection",
    "Setting",
    "SettingResult",
    "TuneData",
    "TuneReport",
    "expand_grid",
    "nested_select",
    "parse_grid",
    "split_folds",
    "tune",
]
