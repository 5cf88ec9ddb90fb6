"""The base of every validated data model (config, results, prompt templates, datasets,
taxonomy): unknown keys are errors, and each field's docstring is its description."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A model that rejects unknown keys; subclasses add settings in their own
    ``model_config`` (pydantic merges it with this one)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
