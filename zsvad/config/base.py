"""Base class of every config section, and the one declaration of what each field is for.

A field declared with :func:`Setting` (instead of pydantic's ``Field``) carries its
:class:`Use` as metadata: its **role** (``result``: it can change a result; ``runtime``: it
only says where or how fast a run works; ``model``: it changes results only while the section's
model, ``backend``, is set) and, in a model section, whether it is a setting of the section's
**backend** (``takes``: passed to a backend that declares it, refused for one that does not;
``common``: every built-in backend of the kind takes it; ``shared``: the stage uses it too, so
it is passed to a backend that takes it and refused for none). A field declared with ``Field``
or a plain default changes results and is the stage's own.

Everything else is derived from these declarations, never listed again: the result identity of
a section (:meth:`Section.identity`, used by :mod:`zsvad.identity`), the runtime keys of backend
``options`` (:data:`RUNTIME_OPTIONS`), what a backend is built from
(:meth:`Section.backend_settings`, the model fields of the video cache key) and the backend
option tables of :mod:`zsvad.backends.build`. A new field needs one edit to be classified
everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import ConfigDict, Field
from pydantic_core import PydanticUndefined

from zsvad.strict import Strict

Role = Literal["result", "runtime", "model"]
BackendUse = Literal["takes", "common", "shared"]


@dataclass(frozen=True)
class Use:
    """What a config field is for (the metadata :func:`Setting` attaches to it)."""

    role: Role = "result"
    """``result``: can change a result (in the identity); ``runtime``: where or how fast a run
    works, never a result (out of it); ``model``: changes results only while the section's
    ``backend`` is set (out of it otherwise)."""
    backend: BackendUse | None = None
    """Whether the field is a setting of the section's backend, and how it is handed on (see
    the module docstring); None: the stage's own field."""


RESULT = Use()
"""The use of a field declared without :func:`Setting`."""


def Setting(
    default: Any = PydanticUndefined,
    *,
    role: Role = "result",
    backend: BackendUse | None = None,
    **kwargs: Any,
) -> Any:
    """A pydantic ``Field(default, **kwargs)`` that declares its :class:`Use`."""
    info = Field(default, **kwargs)
    info.metadata.append(Use(role, backend))
    return info


OPTION_ONLY_RUNTIME = ("concurrency", "max_retries", "retry_budget_s")
"""Runtime settings that backends take only under ``options`` (no section field declares them):
HTTP concurrency, retries and their time budget."""


class Section(Strict):
    """A config section. Each field's docstring (right under it) is its documentation."""

    model_config = ConfigDict(
        validate_assignment=True,
        frozen=False,
        allow_inf_nan=False,  # a number in a config is always meant to be finite
    )

    @classmethod
    def use(cls, name: str) -> Use:
        """The :class:`Use` of field ``name``."""
        found = [m for m in cls.model_fields[name].metadata if isinstance(m, Use)]
        return found[0] if found else RESULT

    @classmethod
    def fields_where(cls, role: Role | None = None, backend: bool | None = None) -> tuple[str, ...]:
        """Names of the fields (in declaration order) of ``role`` and, with ``backend``, those
        that are (True) or are not (False) settings of the section's backend."""
        out = []
        for name in cls.model_fields:
            use = cls.use(name)
            if role is not None and use.role != role:
                continue
            if backend is not None and (use.backend is not None) != backend:
                continue
            out.append(name)
        return tuple(out)

    @classmethod
    def backend_fields(cls, *uses: BackendUse) -> tuple[str, ...]:
        """The backend settings of the section (only those of ``uses`` when given)."""
        return tuple(
            n
            for n in cls.model_fields
            if cls.use(n).backend is not None and (not uses or cls.use(n).backend in uses)
        )

    def identity(self) -> dict[str, Any]:
        """What results depend on in this section, as JSON data: its fields less the runtime
        ones (and the ``model`` ones while ``backend`` is unset), runtime keys dropped from its
        ``options``; a model section whose ``backend`` is unset is ``{"backend": None}``. Content
        hashes of what fields name (files, prompts) are added by :mod:`zsvad.identity`."""
        if getattr(self, "backend", True) is None and not self.fields_where("model"):
            return {"backend": None}  # a model section left unset: nothing runs
        unset_model = "backend" in type(self).model_fields and not self.backend
        out = set(self.fields_where("runtime"))
        if unset_model:
            out |= set(self.fields_where("model"))
        data = self.model_dump(mode="json", exclude=out)
        if isinstance(data.get("options"), dict):
            data["options"] = {
                k: v for k, v in data["options"].items() if k not in runtime_options()
            }
        return data

    def backend_settings(self) -> dict[str, Any]:
        """What the section's backend is built from: ``backend`` and its backend settings
        (runtime ones included: a part built with other settings is another part)."""
        keep = {"backend", *self.backend_fields()}
        return self.model_dump(include=keep)


@cache
def runtime_options() -> frozenset[str]:
    """Keys of backend ``options`` that only say where or how fast a backend runs: the runtime
    backend settings of every section (an option may override them) and
    :data:`OPTION_ONLY_RUNTIME`."""
    from zsvad.config.schema import ZsvadConfig

    names = set(OPTION_ONLY_RUNTIME)
    for info in ZsvadConfig.model_fields.values():
        section = info.annotation
        if isinstance(section, type) and issubclass(section, Section):
            names |= {n for n in section.fields_where("runtime", backend=True) if n != "options"}
    return frozenset(names)
