"""``--grid key=v1,v2`` options → the settings of their full cartesian product."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from zsvad import safeyaml
from zsvad.config.schema import ZsvadConfig
from zsvad.configure import load_config
from zsvad.errors import ConfigError


@dataclass
class Setting:
    """One point of the grid: the grid values and the full config they give."""

    values: dict[str, Any]
    """Grid key → value, in grid order."""
    config: ZsvadConfig

    @property
    def overrides(self) -> list[str]:
        """The values as ``--set`` overrides."""
        return [override(k, v) for k, v in self.values.items()]

    @property
    def label(self) -> str:
        return " ".join(f"{k}={json.dumps(v)}" for k, v in self.values.items()) or "(base)"


INERT = (
    "video.",
    "captioner.",
    "image_embedder.",
    "temporal.threshold",
    "temporal.min_segment_s",
    "temporal.merge_gap_s",
    "retrieval.evidence_k",
    "memory.index_dir",
    "embedder.query_cache",
)
"""Keys (or sections) that cannot change the frame scores of captions (so neither AUC nor AP)
— ``temporal.threshold`` can, through an LLM judge's centre."""


def inert_keys(grid: dict[str, list[Any]], judge: bool = False) -> list[str]:
    """The grid keys that cannot change the frame scores of captions."""
    inert = [p for p in INERT if not (judge and p == "temporal.threshold")]
    return [k for k in grid if any(k == p or (p.endswith(".") and k.startswith(p)) for p in inert)]


def override(key: str, value: Any) -> str:
    """``key=value`` as ``--set`` parses it back (the value written as JSON, a YAML subset)."""
    return f"{key}={json.dumps(value)}"


def parse_grid(items: Iterable[str]) -> dict[str, list[Any]]:
    """``["retrieval.k=5,10", …]`` → ``{"retrieval.k": [5, 10], …}``; each value is parsed as
    ``--set`` parses one (YAML), e.g. ``temporal.overlap=mean,max`` or ``retrieval.k=5,10``."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--grid '{item}' must look like section.field=v1,v2")
        if key in grid:
            raise ConfigError(f"--grid '{item}': {key} is already in the grid")
        try:
            values = safeyaml.safe_load(f"[{raw}]")
        except yaml.YAMLError:
            raise ConfigError(f"--grid '{item}': values are not valid YAML") from None
        if not values:
            raise ConfigError(f"--grid '{item}': no values")
        grid[key] = values
    return grid


MAX_SETTINGS = 256
"""Default bound on the settings one ``zsvad tune`` run scores (``--max-settings``)."""


def grid_size(grid: dict[str, list[Any]]) -> int:
    """How many settings ``grid`` gives (the product of its value counts)."""
    return math.prod(len(v) for v in grid.values())


def check_grid_size(grid: dict[str, list[Any]], max_settings: int = MAX_SETTINGS) -> int:
    """The grid's size, or a :class:`ConfigError` naming ``--max-settings`` when it is over
    ``max_settings`` (checked before any setting is built or scored)."""
    n = grid_size(grid)
    if n > max_settings:
        sizes = " × ".join(f"{len(v)} {k}" for k, v in grid.items())
        raise ConfigError(
            f"--grid gives {n} settings ({sizes}), over the limit of {max_settings}: "
            "narrow the grid or raise --max-settings"
        )
    return n


def expand_grid(
    grid: dict[str, list[Any]],
    profile: str = "default",
    files: Iterable[str | Path] = (),
    overrides: Iterable[str] = (),
    max_settings: int = MAX_SETTINGS,
) -> list[Setting]:
    """Every combination of the grid values over the base config (profile, files, overrides),
    validated up front: an unknown key or bad value is a :class:`ConfigError` naming it, and
    so is a grid of more than ``max_settings`` settings (before any is built)."""
    check_grid_size(grid, max_settings)
    files, overrides = list(files), list(overrides)
    load_config(profile, files, overrides)  # base problems are reported as they are
    for key, values in grid.items():  # one value at a time: the error names its --grid
        for value in values:
            try:
                load_config(profile, files, [*overrides, override(key, value)])
            except ConfigError as exc:
                shown = ",".join(json.dumps(v) for v in values)
                raise ConfigError(exc.problem, source=f"--grid {key}={shown}") from None
    settings = []
    for combo in itertools.product(*grid.values()):
        values = dict(zip(grid, combo))
        extra = [override(k, v) for k, v in values.items()]
        settings.append(Setting(values, load_config(profile, files, [*overrides, *extra])))
    return settings
