"""Build a :class:`ZsvadConfig` from a profile, YAML files and ``--set`` overrides.

Precedence, lowest first: field defaults < profile < config files (in order) < overrides.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from zsvad import safeyaml
from zsvad.backends.build import check_config
from zsvad.config.schema import ZsvadConfig
from zsvad.errors import ConfigError
from zsvad.strict import problem

PROFILE_DIR = Path(__file__).parent / "config" / "profiles"


def list_profiles() -> list[str]:
    """Names of the bundled profiles."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def _read_yaml(path: Path) -> dict[str, Any]:
    data = safeyaml.load_file(path, "config file")  # missing, a folder, a fifo, bad YAML …
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError("a config file must hold a mapping of sections", source=path)
    return data


def _profile_path(profile: str) -> Path:
    candidate = Path(profile)
    if candidate.suffix in {".yaml", ".yml"} or candidate.exists():
        if not candidate.is_file():
            raise ConfigError("profile file not found", source=candidate)
        return candidate
    path = PROFILE_DIR / f"{profile}.yaml"
    if not path.is_file():
        raise ConfigError(
            f"unknown profile '{profile}'; bundled profiles: {', '.join(list_profiles())}"
        )
    return path


def deep_merge(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``base`` updated recursively with ``update`` (mappings merge, the rest replaces)."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def parse_override(text: str) -> dict[str, Any]:
    """``"a.b=3"`` -> ``{"a": {"b": 3}}``; the value is parsed as a YAML scalar/list."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"override '{text}' must look like section.field=value")
    try:
        value = safeyaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        raise ConfigError(f"override '{text}': value is not valid YAML ({exc})") from exc
    node: dict[str, Any] = {}
    cursor = node
    parts = key.strip().split(".")
    for part in parts[:-1]:
        cursor = cursor.setdefault(part, {})
    cursor[parts[-1]] = value
    return node


def _validate(data: dict[str, Any], source: str) -> ZsvadConfig:
    try:
        return ZsvadConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problem(exc, noun="config key"), source=source) from exc


def load_config(
    profile: str = "default",
    files: Iterable[str | Path] = (),
    overrides: Iterable[str] = (),
) -> ZsvadConfig:
    """Load a profile (name or YAML path), then merge ``files`` and ``overrides`` on top; the
    configured backends are checked (:func:`zsvad.backends.build.check_config`), so a field or
    option the chosen backend does not take stops here, before any model loads."""
    path = _profile_path(profile)
    data = _read_yaml(path)
    sources = [str(path)]
    data.setdefault("profile", profile if path.parent == PROFILE_DIR else str(path))
    _validate(data, str(path))
    for f in files:
        fpath = Path(f)
        data = deep_merge(data, _read_yaml(fpath))
        _validate(data, str(fpath))
        sources.append(str(fpath))
    overrides = list(overrides)
    for text in overrides:
        data = deep_merge(data, parse_override(text))
        _validate(data, f"--set {text}")
    cfg = _validate(data, " + ".join(sources))
    check_config(cfg, " + ".join([*sources, "--set"] if overrides else sources))
    return cfg
