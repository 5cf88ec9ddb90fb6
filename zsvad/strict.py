"""The base of every validated data model (config, results, prompt templates, datasets,
taxonomy): unknown keys are errors, and each field's docstring is its description; and the one
wording of a validation error (:func:`problem`)."""

from __future__ import annotations

from collections.abc import Collection

from pydantic import BaseModel, ConfigDict, ValidationError


class Strict(BaseModel):
    """A model that rejects unknown keys; subclasses add settings in their own
    ``model_config`` (pydantic merges it with this one)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


def problem(
    exc: ValidationError, prefix: str = "", options: Collection[str] = (), noun: str = ""
) -> str:
    """The first problem of ``exc`` in one line, the one wording of a validation error
    (configs, backend options, results, prompt templates): ``<where>: <what>`` or ``unknown
    <where>``, plus ``(and N more problems)``. ``<where>`` is the field's dotted path after
    ``prefix`` (``prefix`` + ``options.`` + it when it is one of ``options``, the keys a
    section's ``options`` gave), quoted after ``noun`` when one is given (``config key 'a.b'``)."""
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    path = ".".join(str(p) for p in loc) or "(top level)"
    where = f"{prefix}options.{path}" if loc and loc[0] in options else prefix + path
    named = f"{noun} '{where}'" if noun else where
    if err["type"] == "extra_forbidden":
        text = f"unknown {named}"
    elif err["type"] == "missing":
        text = f"{named}: required key is missing"
    else:
        text = f"{named}: {err['msg'].removeprefix('Value error, ')}"
    more = len(exc.errors()) - 1
    return text + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")
