"""What a backend takes: its ``Options`` model, the one declaration of its settings.

Every backend class has an ``Options`` attribute, a strict pydantic model whose fields are
exactly the keyword arguments it takes (an unknown one is an error, never silently dropped). The
fields that come from its config section (``captioner.device``, ``judge.base_url``...) are taken
from that section with :func:`takes`, so their type, default, checks and documentation are the
section's own; what only ``options:`` can set is declared, and documented, on the model itself.
The constructor reads its keyword arguments through :func:`read_options`;
:mod:`zsvad.backends.build` checks a config section against the same model before building.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from zsvad.errors import ConfigError
from zsvad.strict import Strict, problem


class Options(Strict):
    """Base of every backend's options model (frozen: a backend's settings, read once)."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)


def takes(section: type[BaseModel], *names: str, base: type[Options] = Options) -> type[Options]:
    """The options model of a backend that takes the fields ``names`` of the config ``section``
    (type, default, checks and documentation as the section declares them) and those of
    ``base`` (its own options, and any section field it declares otherwise, e.g. another
    default: a field of ``base`` wins)."""
    fields: dict[str, Any] = {}
    for name in names:
        if name not in base.model_fields:
            info = section.model_fields[name]
            fields[name] = (info.annotation, copy.copy(info))
    name = base.__name__ if base is not Options else f"{section.__name__}Options"
    return create_model(name, __base__=base, __module__=base.__module__, **fields)


def read_options(backend: object, given: Mapping[str, Any], model: str | None = None) -> Any:
    """``given``, the keyword arguments of ``backend``'s constructor (``model``: its first
    positional one, None when not given), checked against its ``Options``: an unknown option or a
    bad value is a :class:`ConfigError` naming it and the backend."""
    cls = type(backend)
    data = dict(given) if model is None else {"model": model, **given}
    try:
        return cls.Options.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        if err["type"] == "extra_forbidden":
            takes = ", ".join(cls.Options.model_fields)
            msg = f"'{err['loc'][0]}' is not an option of {cls.__name__} (it takes: {takes})"
            raise ConfigError(msg) from exc
        raise ConfigError(f"{cls.__name__} option {problem(exc)}") from exc
