"""Typed configuration: YAML files, named profiles and ``--set`` overrides.

Stage config sections import :mod:`zsvad.config.base`, so this package imports nothing eagerly.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ZsvadConfig", "config_hash", "list_profiles", "load_config"]


def __getattr__(name: str) -> Any:
    if name == "ZsvadConfig":
        from zsvad.config.schema import ZsvadConfig

        return ZsvadConfig
    if name in {"config_hash", "list_profiles", "load_config"}:
        from zsvad.config import load

        return getattr(load, name)
    raise AttributeError(f"module 'zsvad.config' has no attribute {name!r}")
