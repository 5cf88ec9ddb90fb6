"""Unbounded work in ``zsvad tune`` (issue 29): a grid is bounded (``--max-settings``, checked
before any setting is built) and a run shows its progress, one line per setting."""

from __future__ import annotations

import time

import pytest
from tune_helpers import write_dev_set

from zsvad.cli.main import main
from zsvad.errors import ConfigError
from zsvad.tune import expand_grid, parse_grid
from zsvad.tune.grid import MAX_SETTINGS, grid_size

HUGE = [
    "--grid",
    "retrieval.k=" + ",".join(str(i) for i in range(1, 301)),
    "--grid",
    "temporal.smoothing_sigma_s=" + ",".join(f"{i / 10:g}" for i in range(300)),
]


def _tune(tmp_path, *extra):
    captions, annotations = write_dev_set(tmp_path / "dev")
    args = ["tune", "--captions", str(captions), "--annotations", str(annotations)]
    return main(
        [*args, "--profile", "tiny", "--folds", "3", "--out", str(tmp_path / "out"), *extra]
    )


def test_a_90000_setting_grid_is_refused_at_once_naming_the_option(tmp_path, capsys):
    t0 = time.monotonic()
    assert _tune(tmp_path, *HUGE) == 2
    assert time.monotonic() - t0 < 10
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "90000 settings" in err and f"limit of {MAX_SETTINGS}" in err
    assert "--max-settings" in err
    assert not (tmp_path / "out").exists()


def test_expand_grid_checks_the_size_before_building_any_setting(monkeypatch):
    import zsvad.tune.grid as grid_mod

    def no_load(*a, **k):
        raise AssertionError("a config was built for an over-large grid")

    monkeypatch.setattr(grid_mod, "load_config", no_load)
    grid = parse_grid(HUGE[1::2])
    assert grid_size(grid) == 90_000
    with pytest.raises(ConfigError, match="--max-settings"):
        expand_grid(grid)


def test_max_settings_raises_the_bound_and_progress_is_shown(tmp_path, capsys):
    grid = ["--grid", "retrieval.k=1,2,3", "--grid", "temporal.smoothing_sigma_s=0,2"]
    assert _tune(tmp_path, *grid, "--max-settings", "5") == 2
    assert "6 settings" in capsys.readouterr().err
    assert _tune(tmp_path, *grid, "--max-settings", "6") == 0
    err = capsys.readouterr().err
    assert "6 setting(s) × 12 videos, 3 folds" in err
    assert [f"[{i}/6]" in err for i in range(1, 7)] == [True] * 6
    assert _tune(tmp_path, *grid, "--max-settings", "0") == 2
    assert "--max-settings must be at least 1" in capsys.readouterr().err
