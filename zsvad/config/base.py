"""Base class of every config section: unknown keys rejected, fields documented in place."""

from __future__ import annotations

from pydantic import ConfigDict

from zsvad.strict import Strict


class Section(Strict):
    """A config section. Each field's docstring (right under it) is its documentation."""

    model_config = ConfigDict(
        validate_assignment=True,
        frozen=False,
        allow_inf_nan=False,  # a number in a config is always meant to be finite
    )
