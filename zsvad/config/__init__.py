"""Typed configuration: YAML files, named profiles and ``--set`` overrides."""

from zsvad.config.load import config_hash, list_profiles, load_config
from zsvad.config.schema import ZsvadConfig

__all__ = ["ZsvadConfig", "config_hash", "list_profiles", "load_config"]
